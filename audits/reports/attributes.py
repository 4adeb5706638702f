"""The per-attribute part of a report context: groups, charts, tables, disparities."""

from audits.reports import formatting as fmt

CHART_METRIC = "selection_rate"
ACCURACY_METRIC = "accuracy"
ERROR_METRICS = ("true_positive_rate", "false_positive_rate", "false_negative_rate", "precision")
MISSING_GROUP = "(missing)"
INTERSECTION_SEPARATOR = "&"
INSUFFICIENT = "insufficient data"
NOT_DEFINED_VERDICT = "not defined"
GROUP_VERDICT_TEXT = {
    "pass": "pass",
    "flag": "FLAG",
    "insufficient_data": INSUFFICIENT,
    "not_defined": "not defined (no group received the label)",
}


def attribute_section(
    *,
    name: str,
    groups: list[dict],
    metrics: dict[tuple, dict],
    disparities: list[dict],
    sensitive: list[str],
    labels: list[str],
    charted: list[str],
    label_texts: dict[str, str],
    threshold: float,
    has_ground_truth: bool,
) -> dict:
    columns = name.split(INTERSECTION_SEPARATOR)
    is_intersection = name not in sensitive and len(columns) > 1
    present = [
        label
        for label in labels
        if any((name, g["group"], label, CHART_METRIC) in metrics for g in groups)
    ]
    shown = [label for label in charted if label in present]
    charts = [
        _chart(name, label, label_texts[label], groups, metrics, threshold) for label in shown
    ]
    other = [label for label in present if label not in shown]
    flagged_count = sum(1 for row in disparities if row["verdict"] == "flag")
    return {
        "name": name,
        "kind": "intersection" if is_intersection else "single",
        "columns": columns if is_intersection else [name],
        "title": f"{name} (intersection)" if is_intersection else name,
        "summary": _attribute_summary(groups, disparities, flagged_count),
        "groups": [
            {
                "group": g["group"],
                "n": g["n"],
                "n_text": fmt.count(g["n"]),
                "share_text": fmt.percent(g["share"]),
                "suppressed": g["suppressed"],
                "status_text": INSUFFICIENT if g["suppressed"] else "included",
                "is_missing": MISSING_GROUP in g["group"].split(INTERSECTION_SEPARATOR),
            }
            for g in groups
        ],
        "charts": charts,
        "selection_tables": [_selection_table(chart) for chart in charts],
        "accuracy": _accuracy_table(name, groups, metrics) if has_ground_truth else None,
        "error_tables": [
            table
            for label in shown
            if (table := _error_table(name, label, label_texts[label], groups, metrics))
        ]
        if has_ground_truth
        else [],
        "other_labels": _other_labels(name, other, label_texts, groups, metrics),
        "disparities": disparities,
    }


def _attribute_summary(groups: list[dict], disparities: list[dict], flagged: int) -> str:
    suppressed = sum(1 for g in groups if g["suppressed"])
    included = len(groups) - suppressed
    parts = [f"{len(groups)} groups, {included} large enough to compare"]
    if suppressed:
        parts.append(f"{suppressed} with insufficient data")
    if included < 2:
        parts.append("too few groups to compare: insufficient data")
    elif disparities:
        parts.append(f"{flagged} of {len(disparities)} comparisons flagged")
    return "; ".join(parts) + "."


def _chart(
    attribute: str,
    label: str,
    label_text: str,
    groups: list[dict],
    metrics: dict[tuple, dict],
    threshold: float,
) -> dict:
    rows = []
    for g in groups:
        metric = metrics.get((attribute, g["group"], label, CHART_METRIC))
        value = None if metric is None or g["suppressed"] else metric["value"]
        rows.append(
            {
                "group": g["group"],
                "n": g["n"],
                "suppressed": g["suppressed"],
                "value": value,
                "ci_low": None if value is None else metric["ci_low"],
                "ci_high": None if value is None else metric["ci_high"],
            }
        )
    defined = [row["value"] for row in rows if row["value"] is not None]
    comparable = len(defined) >= 2
    highest = max(defined) if comparable else None
    line = threshold * highest if highest is not None else None
    reference = next(
        (row["group"] for row in rows if highest is not None and row["value"] == highest), None
    )
    for row in rows:
        row["impact_ratio"] = (
            row["value"] / highest if highest and row["value"] is not None else None
        )
        row["verdict"] = _group_verdict(row, highest, threshold)
        row["below_line"] = row["verdict"] == "flag"
    return {
        "attribute": attribute,
        "label": label,
        "label_text": label_text,
        "metric": CHART_METRIC,
        "threshold": threshold,
        "highest": highest,
        "line": line,
        "line_text": (
            f"{fmt.plain(threshold)} x highest rate = {fmt.percent(line)}"
            if line is not None
            else "no line: fewer than two groups to compare"
        ),
        "reference_group": reference,
        "groups": rows,
    }


def _group_verdict(row: dict, highest: float | None, threshold: float) -> str:
    """Four-fifths verdict of one group: pass, flag, insufficient data, or not defined (0/0)."""
    if row["suppressed"] or row["value"] is None or highest is None:
        return "insufficient_data"
    if highest == 0:
        return "not_defined"
    return "flag" if row["value"] / highest < threshold else "pass"


def _selection_table(chart: dict) -> dict:
    return {
        "label": chart["label"],
        "label_text": chart["label_text"],
        "reference_group": chart["reference_group"],
        "line_text": chart["line_text"],
        "rows": [
            {
                "group": row["group"],
                "n_text": fmt.count(row["n"]),
                "rate_text": "withheld" if row["suppressed"] else fmt.percent(row["value"]),
                "ci_text": ""
                if row["suppressed"]
                else fmt.percent_interval(row["ci_low"], row["ci_high"]),
                "impact_ratio_text": "" if row["suppressed"] else fmt.ratio(row["impact_ratio"]),
                "verdict": row["verdict"],
                "verdict_text": GROUP_VERDICT_TEXT[row["verdict"]],
            }
            for row in chart["groups"]
        ],
    }


def _rate_cell(metric: dict | None, suppressed: bool) -> dict:
    if suppressed:
        return {"value_text": "withheld", "ci_text": ""}
    if metric is None:
        return {"value_text": "not computed", "ci_text": ""}
    return {
        "value_text": fmt.percent(metric["value"]),
        "ci_text": fmt.percent_interval(metric["ci_low"], metric["ci_high"])
        if metric["value"] is not None
        else "",
    }


def _accuracy_table(attribute: str, groups: list[dict], metrics: dict[tuple, dict]) -> dict | None:
    rows = []
    for g in groups:
        metric = metrics.get((attribute, g["group"], None, ACCURACY_METRIC))
        rows.append(
            {
                "group": g["group"],
                "n_text": fmt.count(g["n"]),
                **_rate_cell(metric, g["suppressed"]),
            }
        )
    if not any((attribute, g["group"], None, ACCURACY_METRIC) in metrics for g in groups):
        return None
    return {"rows": rows}


def _error_table(
    attribute: str, label: str, label_text: str, groups: list[dict], metrics: dict[tuple, dict]
) -> dict | None:
    present = [
        metric
        for metric in ERROR_METRICS
        if any((attribute, g["group"], label, metric) in metrics for g in groups)
    ]
    if not present:
        return None
    return {
        "label": label,
        "label_text": label_text,
        "metrics": present,
        "metric_texts": [fmt.metric_name(metric) for metric in present],
        "rows": [
            {
                "group": g["group"],
                "cells": [
                    _rate_cell(metrics.get((attribute, g["group"], label, metric)), g["suppressed"])
                    for metric in present
                ],
            }
            for g in groups
        ],
    }


def _other_labels(
    attribute: str,
    labels: list[str],
    label_texts: dict[str, str],
    groups: list[dict],
    metrics: dict[tuple, dict],
) -> dict | None:
    if not labels:
        return None
    return {
        "labels": labels,
        "label_texts": [label_texts[label] for label in labels],
        "rows": [
            {
                "group": g["group"],
                "cells": [
                    _rate_cell(
                        metrics.get((attribute, g["group"], label, CHART_METRIC)), g["suppressed"]
                    )
                    for label in labels
                ],
            }
            for g in groups
        ],
    }


def pretty_disparity(row: dict, label_texts: dict[str, str]) -> dict:
    is_ratio = row["kind"] == "ratio"
    value_format = fmt.ratio if is_ratio else fmt.points
    interval_format = fmt.ratio_interval if is_ratio else fmt.points_interval
    if row["value"] is None:
        verdict = "not_defined"
    elif row["flagged"]:
        verdict = "flag"
    else:
        verdict = "pass"
    threshold = row["threshold"]
    if threshold is None:
        threshold_text = fmt.NOT_RECORDED
    elif is_ratio:
        threshold_text = f"below {fmt.ratio(threshold)}"
    else:
        threshold_text = f"above {fmt.points(1 - threshold)}"
    if row["significant"] is None:
        significant_text = "not known"
    else:
        significant_text = "yes" if row["significant"] else "no"
    return {
        "attribute": row["attribute"],
        "label": row["label"],
        "label_text": label_texts.get(row["label"], row["label"]) if row["label"] else "all labels",
        "metric": row["metric"],
        "metric_text": fmt.metric_name(row["metric"]),
        "kind": row["kind"],
        "value": row["value"],
        "value_text": value_format(row["value"]),
        "ci_text": interval_format(row["ci_low"], row["ci_high"]),
        "lowest_group": row["group"],
        "highest_group": row["reference_group"],
        "threshold_text": threshold_text,
        "verdict": verdict,
        "verdict_text": {"flag": "FLAGGED", "pass": "pass", "not_defined": NOT_DEFINED_VERDICT}[
            verdict
        ],
        "significant": row["significant"],
        "significant_text": significant_text,
    }
