"""The steps of one audit on a stored batch, as plain functions the Celery tasks call.

Reading goes straight from the stored Parquet's dictionary columns to integer codes and into the
engine; nothing here touches the database, so each step can run in any worker process.
"""

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from audits import engine
from audits.engine.explain import ExplainInputError
from audits.engine.inequality import with_aif360
from audits.ingest import CodedBatch, read_codes, read_features

# The stored cross-check: fairlearn and aif360 recompute the flagged view and accuracy of every
# group of each single attribute on a sample (their cost is per group and metric, not per row). The equality of every
# label's metrics with fairlearn is proved by the test suite and benchmarks/engine.py.
CROSSCHECK_SAMPLE = 1_000
CROSSCHECK_SCOPE = "flagged"
INEQUALITY_CROSSCHECK_SAMPLE = 2_000
NO_FEATURES = (
    "The batch declared no feature columns, so Attune cannot say which inputs drive the model "
    "or whether any of them stands in for a protected attribute."
)
NOT_EXPLAINED = "Explanations were not computed: {reason}."
# Rows handed to the explainer, which samples again by row content for its fit and SHAP.
EXPLAIN_PRESAMPLE = 200_000


def chunk_ranges(row_count: int, chunk_rows: int) -> list[tuple[int, int]]:
    """Row ranges [start, stop) of at most `chunk_rows` rows covering the batch (one range
    when `chunk_rows` is 0: no chunking)."""
    if chunk_rows <= 0:
        return [(0, row_count)]
    return [
        (start, min(start + chunk_rows, row_count)) for start in range(0, row_count, chunk_rows)
    ]


def engine_config(config: dict[str, Any]) -> engine.AuditConfig:
    return engine.AuditConfig.from_dict({k: v for k, v in config.items() if k != "explain"})


def load_encoded(
    path: Path, config: engine.AuditConfig, row_range: tuple[int, int] | None = None
) -> engine.Encoded:
    """The stored rows (or a slice) as the engine's codes, without materialising strings."""
    coded = read_codes(path, sensitive=config.sensitive, labels=config.labels, row_range=row_range)
    return engine.encode(
        y_pred=coded.y_pred,
        y_true=coded.y_true,
        labels=config.labels,
        sensitive={name: coded.sensitive[name].codes for name in config.sensitive},
        categories={name: coded.sensitive[name].categories for name in config.sensitive},
        scores=coded.scores or None,
    )


def count_chunk(path: Path, config: dict[str, Any], row_range: tuple[int, int] | None) -> dict:
    """Counts of one row range, JSON-safe for passing between workers."""
    encoded = load_encoded(path, engine_config(config), row_range)
    return engine.count(encoded).to_dict()


def merge_counts(parts: Sequence[dict]) -> "engine.Counts":
    counts = engine.Counts.from_dict(parts[0])
    for part in parts[1:]:
        counts = counts.merge(engine.Counts.from_dict(part))
    return counts


SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2, "info": 3}


FINDING_KEYS = ("attribute", "label", "metric", "value", "ci_low", "ci_high")


def merge_findings(*lists: Sequence[dict]) -> list[dict]:
    """All findings in one shape, most severe first; within a severity the order is kept."""
    merged = [
        {**dict.fromkeys(FINDING_KEYS), **finding} for findings in lists for finding in findings
    ]
    return sorted(merged, key=lambda f: SEVERITY_ORDER.get(f.get("severity"), len(SEVERITY_ORDER)))


def finalize_counts(counts: "engine.Counts", config: dict[str, Any]) -> dict[str, Any]:
    """Metrics, intervals, disparities and findings from merged counts (the engine's exact
    inequality indices included)."""
    return engine.finalize(counts, engine_config(config))


def inequality_crosscheck(counts: "engine.Counts", config: dict[str, Any]) -> dict | None:
    """aif360's generalized entropy and Theil indices on a sample rebuilt from the counts,
    beside the engine's exact figures (a cross-check, like fairlearn's)."""
    cfg = engine_config(config)
    sample = min(cfg.inequality_sample, INEQUALITY_CROSSCHECK_SAMPLE)
    return with_aif360(counts, config=replace(cfg, inequality_sample=sample))


def _sample_rows(row_count: int, size: int, seed: int) -> np.ndarray | None:
    """Sorted random row numbers (seeded), or None when the batch is small enough to use whole."""
    if row_count <= size:
        return None
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(row_count, size=size, replace=False))


def read_batch_codes(path: Path, config: dict[str, Any]) -> CodedBatch:
    """The whole stored batch as codes, read once for the cross-check and the explanations."""
    cfg = engine_config(config)
    return read_codes(path, sensitive=cfg.sensitive, labels=cfg.labels)


def _decoded_rows(
    coded: CodedBatch, cfg: "engine.AuditConfig", rows: np.ndarray | None
) -> dict[str, Any]:
    """Label and group names (object arrays) of the chosen rows, for the reference libraries."""

    def take(values: np.ndarray) -> np.ndarray:
        return values if rows is None else values[rows]

    labels = np.asarray(cfg.labels, dtype=object)
    return {
        "y_pred": labels[take(coded.y_pred)],
        "y_true": None if coded.y_true is None else labels[take(coded.y_true)],
        "sensitive": {
            name: np.asarray(coded.sensitive[name].categories, dtype=object)[
                take(coded.sensitive[name].codes)
            ]
            for name in cfg.sensitive
        },
    }


def crosscheck_rows(coded: CodedBatch, config: dict[str, Any], results: dict) -> dict:
    """Recompute the per-group point metrics with fairlearn and aif360 on the same rows.

    Small batches are compared whole against the results; larger ones on a seeded sample, where
    the engine recomputes its own figures on exactly the rows the references see.
    """
    cfg = engine_config(config)
    rows = _sample_rows(coded.n, 2 * CROSSCHECK_SAMPLE, cfg.seed)
    decoded = _decoded_rows(coded, cfg, rows)
    return engine.crosscheck(
        **decoded,
        labels=cfg.labels,
        flagged_labels=cfg.flagged_labels,
        results=results,
        sample=CROSSCHECK_SAMPLE,
        seed=cfg.seed,
        scope=CROSSCHECK_SCOPE,
        singles_only=True,
    )


def explain_rows(
    path: Path, coded: CodedBatch, config: dict[str, Any], features: Sequence[str]
) -> dict[str, Any] | str:
    """The explainability section (surrogate, SHAP importance, proxies) on a sample, or the
    plain reason why there is none."""
    cfg = engine_config(config)
    if not features:
        return NO_FEATURES
    rows = _sample_rows(coded.n, EXPLAIN_PRESAMPLE, cfg.seed)
    sample = read_features(path, list(features), rows)
    columns: dict[str, np.ndarray] = {}
    for name, column in sample.features.items():
        if column.kind == "numeric":
            columns[name] = column.values
        else:
            names = np.asarray([*column.categories, None], dtype=object)
            columns[name] = names[
                np.where(column.values < 0, len(column.categories), column.values)
            ]
    decoded = _decoded_rows(coded, cfg, rows)
    try:
        result = engine.explain(
            features=columns,
            predictions=decoded["y_pred"],
            labels=cfg.labels,
            sensitive=decoded["sensitive"],
            flagged_labels=cfg.flagged_labels,
            seed=cfg.seed,
        )
    except ExplainInputError as exc:
        return NOT_EXPLAINED.format(reason=exc)
    return result.to_dict()


def explanation_missing_finding(reason: str) -> dict[str, Any]:
    """An owner-readable note that the audit holds no explanation, and why."""
    return {
        "severity": "info",
        "title": "No explanation of what drives the model",
        "text": reason,
        "clauses": ["EU AI Act Art. 13(3)(b)(iv)"],
        "verdict": "insufficient_data",
    }
