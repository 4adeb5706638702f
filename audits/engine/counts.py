"""Additive counts of a batch: everything the metrics need, without the rows.

For every observed combination of sensitive values (a *cell* of the full intersection) the counts
hold the joint table of (true label, predicted label), and, when there are `score_<label>`
columns, fixed-bin histograms of each score with the integer sum of the scores in each bin (see
`counting` for the bins). Every metric of an audit is a marginal of these numbers, so a batch can
be counted in chunks, in any order, in parallel tasks, and `merge`d: the result is exactly the
one-pass result. `to_dict`/`from_dict` carry counts between tasks as JSON.
"""

from __future__ import annotations

import base64
import math
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from .config import AuditInputError, group_sort_key

COUNTS_MISMATCH = "cannot merge counts with different {field}: {left!r} and {right!r}"
COUNTS_FORMAT = "counts data is not valid: {reason}"
COUNTS_SCORE_BINS = "score_bins must be an integer between 1 and 100000, got {value!r}"

FORMAT = "attune.counts/1"
SCORE_SCALE = 2**32
"""Score sums are integers in units of 2**-32."""


@dataclass(frozen=True, eq=False)
class Counts:
    """Counts of one batch or chunk. Build with `count`, combine with `merge`.

    `cells` (m x k): codes into `categories` of each observed combination of the `attributes`,
    sorted; `confusion` (m x T x L): rows per (true, predicted) label, T = L with ground truth,
    else 1; `score_hist` and `score_sum` (m x S x P x (score_bins + 1)): per score label, rows
    and summed scores (units of 2**-32) per bin; with ground truth P = 2 (index 1: the true label
    is the score's label, 0: it is not), else P = 1. Only observed groups appear, so equal data
    give equal counts however they were chunked.
    """

    labels: tuple[str, ...]
    attributes: tuple[str, ...]
    categories: tuple[tuple[str, ...], ...]
    has_ground_truth: bool
    score_labels: tuple[str, ...]
    score_bins: int
    cells: np.ndarray
    confusion: np.ndarray
    score_hist: np.ndarray
    score_sum: np.ndarray

    @property
    def n(self) -> int:
        return int(self.confusion.sum())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Counts):
            return NotImplemented
        return self._meta() == other._meta() and all(
            np.array_equal(a, b) for a, b in zip(self._arrays(), other._arrays(), strict=True)
        )

    __hash__ = None  # type: ignore[assignment]

    def _meta(self) -> tuple[Any, ...]:
        return (
            self.labels,
            self.attributes,
            self.categories,
            self.has_ground_truth,
            self.score_labels,
            self.score_bins,
        )

    def _arrays(self) -> tuple[np.ndarray, ...]:
        return (self.cells, self.confusion, self.score_hist, self.score_sum)

    def merge(self, other: Counts) -> Counts:
        """The counts of both batches together; commutative and associative, exactly.

        The two sides may have been encoded separately (different group orders or subsets).
        Raises AuditInputError (`COUNTS_MISMATCH`) if labels, attributes, ground truth, score labels or
        score bins differ.
        """
        for name in ("labels", "attributes", "has_ground_truth", "score_labels", "score_bins"):
            left, right = getattr(self, name), getattr(other, name)
            if left != right:
                raise AuditInputError(COUNTS_MISMATCH.format(field=name, left=left, right=right))
        categories = [
            sorted(set(a) | set(b), key=group_sort_key)
            for a, b in zip(self.categories, other.categories, strict=True)
        ]
        cells = [_recode(side.cells, side.categories, categories) for side in (self, other)]
        return build(
            self,
            categories=categories,
            cells=np.concatenate(cells),
            arrays=[
                np.concatenate([a, b])
                for a, b in zip(self._arrays()[1:], other._arrays()[1:], strict=True)
            ],
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (arrays compressed and base64-encoded); `from_dict` inverts it."""
        return {
            "format": FORMAT,
            "labels": list(self.labels),
            "attributes": list(self.attributes),
            "categories": [list(c) for c in self.categories],
            "has_ground_truth": self.has_ground_truth,
            "score_labels": list(self.score_labels),
            "score_bins": self.score_bins,
            "cells": _pack(self.cells),
            "confusion": _pack(self.confusion),
            "score_hist": _pack(self.score_hist),
            "score_sum": _pack(self.score_sum),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Counts:
        """Counts from `to_dict` output. Raises AuditInputError (`COUNTS_FORMAT`) if inconsistent."""
        try:
            return _from_dict(data)
        except AuditInputError:
            raise
        except (KeyError, IndexError, TypeError, ValueError, zlib.error) as error:
            reason = f"{type(error).__name__}: {error}"
            raise AuditInputError(COUNTS_FORMAT.format(reason=reason)) from None


def _pack(array: np.ndarray) -> dict[str, Any]:
    data = np.ascontiguousarray(array, dtype="<i8").tobytes()
    return {
        "dtype": "<i8",
        "shape": list(array.shape),
        "zlib_base64": base64.b64encode(zlib.compress(data, 6)).decode("ascii"),
    }


def _unpack(packed: dict[str, Any], shape: tuple[int, ...], name: str) -> np.ndarray:
    if packed.get("dtype") != "<i8" or tuple(packed.get("shape", ())) != shape:
        raise AuditInputError(COUNTS_FORMAT.format(reason=f"{name} must be int64 of shape {shape}"))
    raw = zlib.decompress(base64.b64decode(packed["zlib_base64"], validate=True))
    if len(raw) != 8 * math.prod(shape):
        raise AuditInputError(COUNTS_FORMAT.format(reason=f"{name} has the wrong number of values"))
    array = np.frombuffer(raw, dtype="<i8").astype(np.int64).reshape(shape)
    if array.size and array.min() < 0:
        raise AuditInputError(COUNTS_FORMAT.format(reason=f"{name} has negative values"))
    return array


def _text_list(value: Any, name: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise AuditInputError(COUNTS_FORMAT.format(reason=f"{name} must be a list of text"))
    if len(set(value)) != len(value):
        raise AuditInputError(COUNTS_FORMAT.format(reason=f"{name} has duplicates"))
    return tuple(value)


def _from_dict(data: dict[str, Any]) -> Counts:
    if data.get("format") != FORMAT:
        raise AuditInputError(COUNTS_FORMAT.format(reason=f"format must be {FORMAT!r}"))
    labels = _text_list(data["labels"], "labels")
    attributes = _text_list(data["attributes"], "attributes")
    categories = [list(_text_list(c, "categories")) for c in data["categories"]]
    score_labels = _text_list(data["score_labels"], "score_labels")
    has_ground_truth, bins = data["has_ground_truth"], data["score_bins"]
    if not labels or not attributes or len(categories) != len(attributes):
        raise AuditInputError(
            COUNTS_FORMAT.format(reason="labels, attributes and categories disagree")
        )
    if not isinstance(has_ground_truth, bool) or not set(score_labels) <= set(labels):
        raise AuditInputError(
            COUNTS_FORMAT.format(reason="has_ground_truth or score_labels invalid")
        )
    check_bins(bins)
    m = int(data["cells"]["shape"][0])
    k, n_labels = len(attributes), len(labels)
    t, p = (n_labels, 2) if has_ground_truth else (1, 1)
    cells = _unpack(data["cells"], (m, k), "cells")
    for i, names in enumerate(categories):
        if m and cells[:, i].max() >= len(names):
            raise AuditInputError(
                COUNTS_FORMAT.format(reason=f"cells column {i} has unknown codes")
            )
    confusion = _unpack(data["confusion"], (m, t, n_labels), "confusion")
    hist_shape = (m, len(score_labels), p, bins + 1)
    hist = _unpack(data["score_hist"], hist_shape, "score_hist")
    sums = _unpack(data["score_sum"], hist_shape, "score_sum")
    per_cell = confusion.sum(axis=(1, 2))
    if hist.size and not np.array_equal(
        hist.sum(axis=(2, 3)), np.repeat(per_cell[:, None], hist.shape[1], 1)
    ):
        raise AuditInputError(
            COUNTS_FORMAT.format(reason="score histograms do not add up to the rows")
        )
    if np.any(sums > hist * SCORE_SCALE):
        raise AuditInputError(COUNTS_FORMAT.format(reason="score sums exceed their bins"))
    template = Counts(
        labels=labels,
        attributes=attributes,
        categories=tuple(tuple(c) for c in categories),
        has_ground_truth=has_ground_truth,
        score_labels=score_labels,
        score_bins=bins,
        cells=cells,
        confusion=confusion,
        score_hist=hist,
        score_sum=sums,
    )
    return build(template, categories=categories, cells=cells, arrays=[confusion, hist, sums])


def check_bins(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100_000:
        raise AuditInputError(COUNTS_SCORE_BINS.format(value=value))
    return value


def _recode(
    cells: np.ndarray, old: tuple[tuple[str, ...], ...], new: list[list[str]]
) -> np.ndarray:
    out = np.empty_like(cells)
    for i, (before, after) in enumerate(zip(old, new, strict=True)):
        position = {name: j for j, name in enumerate(after)}
        lut = np.array([position[name] for name in before], dtype=np.int64)
        out[:, i] = lut[cells[:, i]] if len(before) else cells[:, i]
    return out


def build(
    template: Counts, *, categories: list[list[str]], cells: np.ndarray, arrays: list[np.ndarray]
) -> Counts:
    """Counts in canonical form: groups sorted, duplicates summed, empty cells and unused names
    dropped. `arrays` are confusion, score_hist, score_sum, row-aligned with `cells`."""
    keep = arrays[0].sum(axis=(1, 2)) > 0
    if not keep.all():
        cells, arrays = cells[keep], [a[keep] for a in arrays]
    names: list[tuple[str, ...]] = []
    recoded = np.empty_like(cells)
    for i, column in enumerate(categories):
        used = np.unique(cells[:, i])
        ordered = sorted((column[j] for j in used), key=group_sort_key)
        position = {name: j for j, name in enumerate(ordered)}
        lut = np.full(len(column), -1, dtype=np.int64)
        for j in used:
            lut[j] = position[column[j]]
        recoded[:, i] = lut[cells[:, i]]
        names.append(tuple(ordered))
    order = np.lexsort(recoded.T[::-1])
    if np.any(order != np.arange(order.shape[0])):
        recoded, arrays = recoded[order], [a[order] for a in arrays]
    new_row = np.ones(recoded.shape[0], dtype=bool)
    new_row[1:] = np.any(recoded[1:] != recoded[:-1], axis=1)
    if not new_row.all():
        starts = np.flatnonzero(new_row)
        recoded = recoded[starts]
        arrays = [np.add.reduceat(a, starts, axis=0) for a in arrays]
    arrays = [np.ascontiguousarray(a) for a in arrays]
    for array in (recoded, *arrays):
        array.setflags(write=False)
    return Counts(
        labels=template.labels,
        attributes=template.attributes,
        categories=tuple(names),
        has_ground_truth=template.has_ground_truth,
        score_labels=template.score_labels,
        score_bins=template.score_bins,
        cells=recoded,
        confusion=arrays[0],
        score_hist=arrays[1],
        score_sum=arrays[2],
    )
