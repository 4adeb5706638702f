"""Per-group metrics as marginals of the counts.

A *view* is one reported attribute: a single sensitive column, a pair, or the full intersection.
Its groups' joint (true, predicted) tables are sums of the counts' cells, and every rate is a
ratio of two sums of those tables:

- `selection_rate`      = predicted l / rows                 P(pred = l)
- `true_positive_rate`  = (true l and predicted l) / true l  P(pred = l | true = l)
- `false_positive_rate` = (predicted l, true not l) / true not l
- `false_negative_rate` = (true l, predicted not l) / true l
- `precision`           = (true l and predicted l) / predicted l
- `accuracy` (label None) = predicted = true / rows

The label `flagged` is the binary view: predicted in `flagged_labels` against true in them.
0/0 is undefined (None), never 0. Suppressed groups keep their counts but no rates.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from .config import FLAGGED, JOIN, AuditConfig, AuditInputError
from .counts import Counts
from .intervals import wilson_interval

FINALIZE_ATTRIBUTE_UNKNOWN = (
    "config.sensitive names {column!r}, which the counts do not have ({available})"
)
FINALIZE_LABELS = "config.labels {config} differ from the counted labels {counts}"
METRICS_NEED_TRUTH = "{metric} needs ground truth (y_true)"
METRICS_UNKNOWN = "unknown metric {metric!r}"

SELECTION_RATE = "selection_rate"
TRUE_POSITIVE_RATE = "true_positive_rate"
FALSE_POSITIVE_RATE = "false_positive_rate"
FALSE_NEGATIVE_RATE = "false_negative_rate"
PRECISION = "precision"
ACCURACY = "accuracy"
RATE_METRICS = (
    SELECTION_RATE,
    TRUE_POSITIVE_RATE,
    FALSE_POSITIVE_RATE,
    FALSE_NEGATIVE_RATE,
    PRECISION,
)
DISPARITY_METRICS = (SELECTION_RATE, TRUE_POSITIVE_RATE, FALSE_POSITIVE_RATE)

SINGLE, PAIR, INTERSECTION = "single", "pair", "intersection"


@dataclass(frozen=True, eq=False)
class Table:
    """The counts behind every rate of some groups: one row per group, one column per label slot
    (the labels, then `flagged` if there are flagged labels)."""

    slots: tuple[str, ...]
    n: np.ndarray
    predicted: np.ndarray
    positives: np.ndarray | None
    true_positives: np.ndarray | None
    correct: np.ndarray | None

    def fraction(self, metric: str) -> tuple[np.ndarray, np.ndarray]:
        """(numerator, denominator) of `metric`: (groups x slots) arrays, (groups,) for accuracy."""
        rows = self.n[:, None]
        if metric == SELECTION_RATE:
            return self.predicted, np.broadcast_to(rows, self.predicted.shape)
        if self.positives is None or self.true_positives is None or self.correct is None:
            raise AuditInputError(METRICS_NEED_TRUTH.format(metric=metric))
        tp, pos = self.true_positives, self.positives
        if metric == TRUE_POSITIVE_RATE:
            return tp, pos
        if metric == FALSE_POSITIVE_RATE:
            return self.predicted - tp, rows - pos
        if metric == FALSE_NEGATIVE_RATE:
            return pos - tp, pos
        if metric == PRECISION:
            return tp, self.predicted
        if metric == ACCURACY:
            return self.correct, self.n
        raise AuditInputError(METRICS_UNKNOWN.format(metric=metric))


def table(
    confusion: np.ndarray, *, labels: tuple[str, ...], flagged: tuple[str, ...], has_truth: bool
) -> Table:
    """The Table of joint tables `confusion` (groups x T x L; T = 1 without ground truth)."""
    predicted = confusion.sum(axis=1)
    n = predicted.sum(axis=1)
    positives = confusion.sum(axis=2) if has_truth else None
    hits = np.diagonal(confusion, axis1=1, axis2=2) if has_truth else None
    correct = hits.sum(axis=1) if hits is not None else None
    slots = labels
    if flagged:
        mask = np.array([label in flagged for label in labels])
        slots = (*labels, FLAGGED)
        predicted = np.column_stack([predicted, predicted[:, mask].sum(axis=1)])
        if positives is not None and hits is not None:
            flagged_hits = confusion[:, mask][:, :, mask].sum(axis=(1, 2))
            positives = np.column_stack([positives, positives[:, mask].sum(axis=1)])
            hits = np.column_stack([hits, flagged_hits])
    return Table(
        slots=slots,
        n=n,
        predicted=predicted,
        positives=positives,
        true_positives=hits,
        correct=correct,
    )


@dataclass(frozen=True, eq=False)
class View:
    """One reported attribute and its groups, in canonical order."""

    attribute: str
    columns: tuple[str, ...]
    kind: str
    groups: tuple[str, ...]
    values: tuple[tuple[str, ...], ...]
    confusion: np.ndarray
    cell_group: np.ndarray
    suppressed: np.ndarray

    @property
    def n(self) -> np.ndarray:
        return self.confusion.sum(axis=(1, 2))


def sum_by_group(array: np.ndarray, group: np.ndarray, groups: int) -> np.ndarray:
    """Sum the rows of `array` into `groups` rows: out[group[i]] += array[i]."""
    out = np.zeros((groups, *array.shape[1:]), dtype=array.dtype)
    if array.shape[0] > 4096:
        np.add.at(out, group, array)
        return out
    # A loop of row additions is much faster than ufunc.at for a few thousand wide rows.
    for i, g in enumerate(group.tolist()):
        out[g] += array[i]
    return out


def check(counts: Counts, config: AuditConfig) -> list[int]:
    """Positions of `config.sensitive` in the counts. Raises AuditInputError (FINALIZE_*)."""
    if tuple(config.labels) != counts.labels:
        raise AuditInputError(
            FINALIZE_LABELS.format(config=list(config.labels), counts=list(counts.labels))
        )
    positions = []
    for column in config.sensitive:
        if column not in counts.attributes:
            available = ", ".join(counts.attributes)
            raise AuditInputError(
                FINALIZE_ATTRIBUTE_UNKNOWN.format(column=column, available=available)
            )
        positions.append(counts.attributes.index(column))
    return positions


def view_columns(config: AuditConfig) -> list[tuple[tuple[int, ...], str]]:
    """Which columns (positions in config.sensitive) each view covers, and its kind: singles, then
    pairs (with three or more attributes), then the full intersection."""
    k = len(config.sensitive)
    views = [((i,), SINGLE) for i in range(k)]
    if config.intersections and k >= 2:
        if k >= 3:
            views += [(pair, PAIR) for pair in itertools.combinations(range(k), 2)]
        views.append((tuple(range(k)), INTERSECTION))
    return views


def build_views(counts: Counts, config: AuditConfig) -> list[View]:
    """Every view of the audit with its groups' summed tables and suppression flags."""
    positions = check(counts, config)
    views = []
    for members, kind in view_columns(config):
        columns = tuple(positions[i] for i in members)
        codes = counts.cells[:, columns]
        if codes.shape[0]:
            distinct, inverse = np.unique(codes, axis=0, return_inverse=True)
        else:
            distinct, inverse = codes, np.zeros(0, dtype=np.intp)
        inverse = inverse.reshape(-1)
        confusion = sum_by_group(counts.confusion, inverse, distinct.shape[0])
        values = tuple(
            tuple(counts.categories[c][code] for c, code in zip(columns, row, strict=True))
            for row in distinct.tolist()
        )
        names = tuple(counts.attributes[c] for c in columns)
        views.append(
            View(
                attribute=JOIN.join(names),
                columns=names,
                kind=kind,
                groups=tuple(JOIN.join(v) for v in values),
                values=values,
                confusion=confusion,
                cell_group=inverse,
                suppressed=confusion.sum(axis=(1, 2)) < config.min_group_size,
            )
        )
    return views


def group_rows(views: list[View], *, total: int) -> list[dict]:
    """The pinned `groups` rows: attribute, group, n, share, suppressed (+ the values)."""
    rows = []
    for view in views:
        for g, n in enumerate(view.n.tolist()):
            rows.append(
                {
                    "attribute": view.attribute,
                    "group": view.groups[g],
                    "values": list(view.values[g]),
                    "n": n,
                    "share": n / total if total else None,
                    "suppressed": bool(view.suppressed[g]),
                }
            )
    return rows


def _nullable(array: np.ndarray, hidden: np.ndarray) -> list:
    """Nested lists of Python floats, None where hidden or NaN."""
    values = array.astype(object)
    values[hidden | np.isnan(array)] = None
    return values.tolist()


def rate_columns(
    numerator: np.ndarray, denominator: np.ndarray, suppressed: np.ndarray, *, confidence: float
) -> tuple[list, list, list]:
    """value, ci_low, ci_high as lists with None for undefined (0/0) or suppressed entries."""
    numerator = np.asarray(numerator)
    denominator = np.asarray(denominator)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = numerator / denominator
    low, high = wilson_interval(numerator, denominator, confidence=confidence)
    hidden = np.broadcast_to(suppressed.reshape(-1, *([1] * (numerator.ndim - 1))), numerator.shape)
    hidden = hidden | (denominator == 0)
    return _nullable(value, hidden), _nullable(low, hidden), _nullable(high, hidden)


def metric_rows(views: list[View], tables: list[Table], *, config: AuditConfig) -> list[dict]:
    """The pinned `metrics` rows, per view, group, label slot and metric; accuracy last."""
    rows = []
    for view, tab in zip(views, tables, strict=True):
        has_truth = tab.positives is not None
        names = RATE_METRICS if has_truth else (SELECTION_RATE,)
        columns = {}
        for metric in names:
            numerator, denominator = tab.fraction(metric)
            columns[metric] = (
                numerator.tolist(),
                denominator.tolist(),
                *rate_columns(
                    numerator, denominator, view.suppressed, confidence=config.confidence
                ),
            )
        accuracy = None
        if has_truth:
            numerator, denominator = tab.fraction(ACCURACY)
            accuracy = (
                numerator.tolist(),
                denominator.tolist(),
                *rate_columns(
                    numerator, denominator, view.suppressed, confidence=config.confidence
                ),
            )
        n = view.n.tolist()
        for g, group in enumerate(view.groups):
            for s, slot in enumerate(tab.slots):
                for metric in names:
                    num, den, value, low, high = columns[metric]
                    rows.append(
                        {
                            "attribute": view.attribute,
                            "group": group,
                            "label": slot,
                            "metric": metric,
                            "value": value[g][s],
                            "ci_low": low[g][s],
                            "ci_high": high[g][s],
                            "n": n[g],
                            "numerator": num[g][s],
                            "denominator": den[g][s],
                        }
                    )
            if accuracy is not None:
                num, den, value, low, high = accuracy
                rows.append(
                    {
                        "attribute": view.attribute,
                        "group": group,
                        "label": None,
                        "metric": ACCURACY,
                        "value": value[g],
                        "ci_low": low[g],
                        "ci_high": high[g],
                        "n": n[g],
                        "numerator": num[g],
                        "denominator": den[g],
                    }
                )
    return rows


def overall_rows(tab: Table, *, config: AuditConfig) -> list[dict]:
    """The same metrics over all rows of the batch (never suppressed)."""
    rows = []
    has_truth = tab.positives is not None
    kept = np.zeros(1, dtype=bool)
    for metric in RATE_METRICS if has_truth else (SELECTION_RATE,):
        numerator, denominator = tab.fraction(metric)
        value, low, high = rate_columns(numerator, denominator, kept, confidence=config.confidence)
        for s, slot in enumerate(tab.slots):
            rows.append(
                {
                    "label": slot,
                    "metric": metric,
                    "value": value[0][s],
                    "ci_low": low[0][s],
                    "ci_high": high[0][s],
                    "numerator": int(numerator[0][s]),
                    "denominator": int(denominator[0][s]),
                }
            )
    if has_truth:
        numerator, denominator = tab.fraction(ACCURACY)
        value, low, high = rate_columns(numerator, denominator, kept, confidence=config.confidence)
        rows.append(
            {
                "label": None,
                "metric": ACCURACY,
                "value": value[0],
                "ci_low": low[0],
                "ci_high": high[0],
                "numerator": int(numerator[0]),
                "denominator": int(denominator[0]),
            }
        )
    return rows
