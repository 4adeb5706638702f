"""From counts to the pinned `results` dict, and the one-call `audit`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from . import disparities as disparity_module
from . import findings as findings_module
from .config import ENGINE_VERSION, AuditConfig, AuditInputError
from .counting import count
from .counts import Counts
from .encoding import encode
from .inequality import from_counts, with_aif360
from .metrics import (
    FINALIZE_ATTRIBUTE_UNKNOWN,
    Table,
    build_views,
    group_rows,
    metric_rows,
    overall_rows,
    table,
)
from .scores import score_metrics

FINALIZE_EMPTY = "the counts hold no rows"


def point_metrics(counts: Counts, config: AuditConfig) -> tuple[list, list]:
    """(groups, metrics) rows only: the per-group point metrics with Wilson intervals."""
    views = build_views(counts, config)
    tables = [_table(view.confusion, counts, config) for view in views]
    return group_rows(views, total=counts.n), metric_rows(views, tables, config=config)


def _table(confusion: np.ndarray, counts: Counts, config: AuditConfig) -> Table:
    return table(
        confusion,
        labels=counts.labels,
        flagged=config.flagged_labels,
        has_truth=counts.has_ground_truth,
    )


def finalize(counts: Counts, config: AuditConfig) -> dict[str, Any]:
    """The `results` of an audit (DESIGN.md section 6) from its counts.

    Pinned keys: n, labels, has_ground_truth, excluded_rows (empty here: the caller fills it),
    groups, metrics, disparities, findings. Extras: engine_version, config, attributes,
    overall, accuracy_disparities, holm, score_metrics, inequality. No NaN anywhere: undefined
    values are None. Deterministic: the same counts and config give equal results.

    Raises AuditInputError (`FINALIZE_*` here and in `metrics`) if the counts are empty or do not
    match the config (labels, sensitive columns).
    """
    if counts.n == 0:
        raise AuditInputError(FINALIZE_EMPTY)
    views = build_views(counts, config)
    tables = [_table(view.confusion, counts, config) for view in views]
    has_truth = counts.has_ground_truth
    disparities, accuracy, holm = disparity_module.build(
        views, tables, config=config, has_truth=has_truth
    )
    findings = findings_module.build(
        n=counts.n,
        views=views,
        disparities=disparities,
        accuracy=accuracy,
        holm=holm,
        config=config,
        has_truth=has_truth,
    )
    whole = _table(counts.confusion.sum(axis=0, keepdims=True), counts, config)
    return {
        "engine_version": ENGINE_VERSION,
        "config": config.to_dict(),
        "n": counts.n,
        "labels": list(counts.labels),
        "has_ground_truth": has_truth,
        "excluded_rows": {},
        "attributes": [
            {
                "attribute": view.attribute,
                "columns": list(view.columns),
                "kind": view.kind,
                "groups": len(view.groups),
                "suppressed": int(view.suppressed.sum()),
            }
            for view in views
        ],
        "groups": group_rows(views, total=counts.n),
        "metrics": metric_rows(views, tables, config=config),
        "overall": overall_rows(whole, config=config),
        "disparities": disparities,
        "accuracy_disparities": accuracy,
        "holm": holm,
        "score_metrics": score_metrics(counts, views, config=config),
        "inequality": from_counts(counts, views, config=config),
        "findings": findings,
    }


def audit(
    *,
    y_pred: Any,
    sensitive: Mapping[str, Any],
    config: AuditConfig,
    y_true: Any = None,
    scores: Mapping[str, Any] | None = None,
    categories: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, Any]:
    """encode + count + finalize in one process, plus aif360's own inequality figures.

    Only the `config.sensitive` columns of `sensitive` are read. With ground truth, flagged
    labels and `config.inequality_sample > 0`, `results["inequality"]["aif360"]` holds aif360's
    generalized entropy and Theil indices on (a sample of at most that many of) the rows, and the
    largest difference to the closed form on the same rows. Raises AuditInputError as `encode` and
    `finalize` do.
    """
    columns = {name: sensitive[name] for name in config.sensitive if name in sensitive}
    missing = [name for name in config.sensitive if name not in sensitive]
    if missing:
        raise AuditInputError(
            FINALIZE_ATTRIBUTE_UNKNOWN.format(column=missing[0], available=", ".join(sensitive))
        )
    encoded = encode(
        y_pred=y_pred,
        y_true=y_true,
        labels=config.labels,
        sensitive=columns,
        scores=scores,
        categories={k: v for k, v in (categories or {}).items() if k in columns},
    )
    counts = count(encoded)
    results = finalize(counts, config)
    if results["inequality"] is not None:
        results["inequality"]["aif360"] = with_aif360(counts, config=config)
    return results
