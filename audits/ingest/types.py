"""Frozen results handed out of the ingest package: plain values and numpy arrays only."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MISSING_GROUP = "(missing)"


@dataclass(frozen=True)
class IngestResult:
    """What one accepted upload produced; the stored file is at the `destination` given.

    `sha256` is the digest of the bytes as uploaded (the idempotency key with the model version);
    `normalized_sha256` that of the stored Parquet file. Counts are after consent exclusion.
    """

    format: str
    sha256: str
    normalized_sha256: str
    row_count: int
    columns: tuple[str, ...]
    sensitive: tuple[str, ...]
    features: tuple[str, ...]
    subject_column: str | None
    labels_seen: tuple[str, ...]
    has_ground_truth: bool
    score_labels: tuple[str, ...]
    groups: dict[str, dict[str, int]]
    warnings: tuple[str, ...]
    excluded_rows: dict[str, int]
    timings: dict[str, float]


@dataclass(frozen=True)
class CodedColumn:
    """Integer codes into `categories` (sorted by name, the missing group "(missing)" last; it
    appears only if some row is missing). Codes are never -1 here."""

    codes: np.ndarray
    categories: tuple[str, ...]


@dataclass(frozen=True)
class CodedBatch:
    """A stored batch (or a row slice of it) as codes, ready for the engine's `encode(...)`.

    `y_pred` and `y_true` are codes into `labels`; each sensitive column's codes index its own
    categories, which are the same for every slice of one stored file, so counts from slices
    can be added. `scores` maps a label to its float64 score column.
    """

    n: int
    row_range: tuple[int, int]
    labels: tuple[str, ...]
    y_pred: np.ndarray
    y_true: np.ndarray | None
    sensitive: dict[str, CodedColumn]
    scores: dict[str, np.ndarray]


@dataclass(frozen=True)
class FeatureColumn:
    """One feature: `kind` "numeric" (float64 `values`, NaN where missing) or "categorical"
    (int32 codes into `categories`, -1 where missing)."""

    kind: str
    values: np.ndarray
    categories: tuple[str, ...]


@dataclass(frozen=True)
class FeatureSample:
    """Feature columns for the rows `rows` (0-based row numbers of the stored file)."""

    rows: np.ndarray
    features: dict[str, FeatureColumn]
