"""Recompute the per-group point metrics with the reference libraries and compare.

fairlearn's `MetricFrame` recomputes every per-group rate (each label one-vs-rest, the flagged
view, accuracy) and aif360's `ClassificationMetric` the flagged view's rates, straight from the
rows, with their own grouping. Only values defined in both are compared: fairlearn returns 0.0
where a rate is 0/0 and aif360 does so for precision without predicted positives, where Attune
reports None. Large batches are sampled: the `sample` rows with the smallest content hash (seeded),
so the sample, like the result, does not depend on row order; Attune's metrics are then
recomputed on the same rows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .config import FLAGGED, JOIN, MISSING, AuditConfig, AuditInputError
from .counting import count
from .encoding import encode
from .inequality import quiet_aif360
from .metrics import (
    ACCURACY,
    FALSE_NEGATIVE_RATE,
    FALSE_POSITIVE_RATE,
    PRECISION,
    SELECTION_RATE,
    TRUE_POSITIVE_RATE,
)
from .results import point_metrics

CROSSCHECK_RESULTS = "results must be a finished audit's results (with config and attributes)"
CROSSCHECK_LENGTH = "column {column!r} has {length} rows, but y_pred has {expected}"
CROSSCHECK_COLUMN = "sensitive has no column {column!r}, which the audit used"
CROSSCHECK_SCOPE = (
    "scope must be 'all' (every label) or 'flagged' (the flagged view), got {scope!r}"
)
CROSSCHECK_ALL = "all"
CROSSCHECK_FLAGGED = "flagged"


def _text(values: Any) -> np.ndarray:
    """Attune's null rule, written independently of `encode`: null or "" -> "(missing)",
    integral floats by their integer text, anything else by `str`."""
    import pandas as pd

    codes, distinct = pd.factorize(np.asarray(values, dtype=object))
    names = []
    for value in distinct:
        if isinstance(value, float) and value.is_integer():
            names.append(str(int(value)))
        else:
            names.append(str(value) if value != "" else MISSING)
    return np.asarray([*names, MISSING], dtype=object)[codes]


def _sample_rows(columns: list[np.ndarray], *, size: int, seed: int) -> np.ndarray:
    """Indices of the `size` rows with the smallest seeded content hash (order-independent)."""
    import pandas as pd

    key = np.full(columns[0].shape[0], np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15))
    for column in columns:
        hashed = pd.util.hash_array(column, categorize=True)
        key = (key ^ hashed) * np.uint64(0xBF58476D1CE4E5B9)
        key ^= key >> np.uint64(31)
    order = np.lexsort((np.arange(key.shape[0]), key))
    return np.sort(order[:size])


def _index(metrics: list[dict]) -> dict[tuple, float]:
    return {
        (row["attribute"], row["group"], row["label"], row["metric"]): row["value"]
        for row in metrics
        if row["value"] is not None
    }


def _compare(ours: dict[tuple, float], theirs: dict[tuple, float]) -> tuple[float, int]:
    differences = [
        abs(ours[key] - value)
        for key, value in theirs.items()
        if key in ours and value is not None and math.isfinite(value)
    ]
    return max(differences, default=0.0), len(differences)


def _fairlearn(
    *,
    y_pred: np.ndarray,
    y_true: np.ndarray | None,
    columns: dict[str, np.ndarray],
    views: list[dict],
    labels: Sequence[str],
    flagged: Sequence[str],
    scope: str = "all",
) -> dict[tuple, float]:
    import pandas as pd
    from fairlearn.metrics import (
        MetricFrame,
        false_negative_rate,
        false_positive_rate,
        selection_rate,
        true_positive_rate,
    )
    from sklearn.metrics import accuracy_score, precision_score

    # Labels travel as integer positions: fairlearn stacks each group's rows, which is much
    # slower for object arrays of text.
    position = {label: i for i, label in enumerate(labels)}
    flagged_codes = [position[label] for label in flagged]

    def as_codes(values: np.ndarray) -> np.ndarray:
        return pd.Series(values, dtype=object).map(position).to_numpy(dtype=np.int64)

    def one_vs_rest(slot: str, fn: Any) -> Any:
        def metric(truth: np.ndarray, predicted: np.ndarray) -> float:
            if slot == FLAGGED:
                hit_true, hit_pred = (
                    np.isin(truth, flagged_codes),
                    np.isin(predicted, flagged_codes),
                )
            else:
                hit_true, hit_pred = truth == position[slot], predicted == position[slot]
            return fn(hit_true.astype(int), hit_pred.astype(int))

        return metric

    functions = {
        SELECTION_RATE: lambda t, p: selection_rate(t, p, pos_label=1),
        TRUE_POSITIVE_RATE: lambda t, p: true_positive_rate(t, p, pos_label=1),
        FALSE_POSITIVE_RATE: lambda t, p: false_positive_rate(t, p, pos_label=1),
        FALSE_NEGATIVE_RATE: lambda t, p: false_negative_rate(t, p, pos_label=1),
        PRECISION: lambda t, p: precision_score(t, p, zero_division=0.0),
    }
    if y_true is None:
        functions = {SELECTION_RATE: functions[SELECTION_RATE]}
    slots = [*labels, FLAGGED] if flagged else list(labels)
    if scope == CROSSCHECK_FLAGGED and flagged:
        slots = [FLAGGED]
    metrics = {
        (slot, name): one_vs_rest(slot, fn) for slot in slots for name, fn in functions.items()
    }
    if y_true is not None:
        metrics[(None, ACCURACY)] = accuracy_score
    named = {f"m{i}": fn for i, fn in enumerate(metrics.values())}
    keys = list(metrics)
    predicted_codes = as_codes(y_pred)
    true_codes = None if y_true is None else as_codes(y_true)
    values: dict[tuple, float] = {}
    for view in views:
        frame = pd.DataFrame({c: columns[c] for c in view["columns"]})
        result = MetricFrame(
            metrics=named,
            y_true=predicted_codes if true_codes is None else true_codes,
            y_pred=predicted_codes,
            sensitive_features=frame,
        ).by_group
        for group, row in result.iterrows():
            name = JOIN.join(group) if isinstance(group, tuple) else str(group)
            for i, (slot, metric) in enumerate(keys):
                values[(view["attribute"], name, slot, metric)] = float(row[f"m{i}"])
    return values


def _aif360(
    *,
    y_pred: np.ndarray,
    y_true: np.ndarray | None,
    columns: dict[str, np.ndarray],
    views: list[dict],
    flagged: Sequence[str],
) -> dict[tuple, float]:
    import pandas as pd

    with quiet_aif360():
        from aif360.datasets import BinaryLabelDataset
        from aif360.metrics import BinaryLabelDatasetMetric, ClassificationMetric

        codes, names = {}, {}
        for column, values in columns.items():
            codes[column], names[column] = pd.factorize(values)
        frame = pd.DataFrame({c: codes[c].astype(np.float64) for c in columns})
        predicted_flag = np.isin(y_pred, flagged).astype(np.float64)
        frame["y"] = predicted_flag if y_true is None else np.isin(y_true, flagged).astype(float)
        truth = BinaryLabelDataset(
            df=frame, label_names=["y"], protected_attribute_names=list(columns)
        )
        predicted = truth.copy()
        predicted.labels = predicted_flag.reshape(-1, 1)
        values: dict[tuple, float] = {}
        for view in views:
            combos = frame[view["columns"]].drop_duplicates().itertuples(index=False)
            for combo in combos:
                condition = {c: float(v) for c, v in zip(view["columns"], combo, strict=True)}
                group = JOIN.join(
                    str(names[c][int(v)]) for c, v in zip(view["columns"], combo, strict=True)
                )
                key = (view["attribute"], group, FLAGGED)
                if y_true is None:
                    metric = BinaryLabelDatasetMetric(predicted, privileged_groups=[condition])
                    values[(*key, SELECTION_RATE)] = float(metric.base_rate(privileged=True))
                    continue
                metric = ClassificationMetric(truth, predicted, privileged_groups=[condition])
                values[(*key, SELECTION_RATE)] = float(metric.selection_rate(privileged=True))
                values[(*key, TRUE_POSITIVE_RATE)] = float(metric.true_positive_rate(True))
                values[(*key, FALSE_POSITIVE_RATE)] = float(metric.false_positive_rate(True))
                values[(*key, FALSE_NEGATIVE_RATE)] = float(metric.false_negative_rate(True))
                values[(*key, PRECISION)] = float(metric.precision(privileged=True))
    return values


def crosscheck(
    *,
    y_pred: Any,
    y_true: Any,
    sensitive: Mapping[str, Any],
    labels: Sequence[str],
    flagged_labels: Sequence[str],
    results: Mapping[str, Any],
    sample: int = 20_000,
    seed: int = 0,
    scope: str = CROSSCHECK_ALL,
    singles_only: bool = False,
) -> dict[str, Any]:
    """Largest absolute difference between Attune's per-group metrics and fairlearn's / aif360's.

    Returns {"fairlearn": {"max_abs_diff", "compared", "rows"}, "aif360": {...}, "sampled"}.
    `results` are the audit's results (its config names the columns and options). Raises
    ValueError (`CROSSCHECK_*`) for results without config or columns of the wrong length.
    `scope="flagged"` has fairlearn recompute only the flagged view and accuracy (every
    attribute and group), which is what an audit job stores; the default recomputes every label.
    `singles_only` compares the single attributes only (the references' cost is per group).
    """
    if scope not in (CROSSCHECK_ALL, CROSSCHECK_FLAGGED):
        raise AuditInputError(CROSSCHECK_SCOPE.format(scope=scope))
    if "config" not in results or "attributes" not in results or "metrics" not in results:
        raise AuditInputError(CROSSCHECK_RESULTS)
    config = AuditConfig.from_dict(dict(results["config"]))
    predicted = np.asarray(y_pred, dtype=object)
    n = predicted.shape[0]
    truth = None if y_true is None else np.asarray(y_true, dtype=object)
    for column in config.sensitive:
        if column not in sensitive:
            raise AuditInputError(CROSSCHECK_COLUMN.format(column=column))
    columns = {c: _text(sensitive[c]) for c in config.sensitive}
    for name, column in [("y_true", truth), *columns.items()]:
        if column is not None and column.shape[0] != n:
            raise AuditInputError(
                CROSSCHECK_LENGTH.format(column=name, length=column.shape[0], expected=n)
            )
    sampled = n > sample
    if sampled:
        keys = [predicted.astype(str), *(c for c in columns.values())]
        if truth is not None:
            keys.append(truth.astype(str))
        rows = _sample_rows(keys, size=sample, seed=seed)
        predicted = predicted[rows]
        truth = None if truth is None else truth[rows]
        columns = {c: v[rows] for c, v in columns.items()}
        config = AuditConfig.from_dict({**config.to_dict(), "min_group_size": 1, "bootstrap": 0})
        encoded = encode(y_pred=predicted, y_true=truth, labels=labels, sensitive=columns)
        ours = _index(point_metrics(count(encoded), config)[1])
    else:
        ours = _index(list(results["metrics"]))
    views = [
        view for view in results["attributes"] if not singles_only or len(view["columns"]) == 1
    ]
    flagged = tuple(flagged_labels)
    fair_values = _fairlearn(
        y_pred=predicted,
        y_true=truth,
        columns=columns,
        views=views,
        labels=labels,
        flagged=flagged,
        scope=scope,
    )
    fair_diff, fair_count = _compare(ours, fair_values)
    aif_diff, aif_count = 0.0, 0
    if flagged:
        aif_values = _aif360(
            y_pred=predicted, y_true=truth, columns=columns, views=views, flagged=flagged
        )
        aif_diff, aif_count = _compare(ours, aif_values)
    rows_used = int(predicted.shape[0])
    return {
        "fairlearn": {"max_abs_diff": fair_diff, "compared": fair_count, "rows": rows_used},
        "aif360": {"max_abs_diff": aif_diff, "compared": aif_count, "rows": rows_used},
        "sampled": sampled,
        "scope": scope if flagged else CROSSCHECK_ALL,
        "attributes": [view["attribute"] for view in views],
    }
