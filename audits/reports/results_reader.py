"""Checked reads of the results' ``groups``, ``metrics`` and ``disparities`` lists, and the raw
tidy rows the CSV is written from. Every malformed row raises ``ValueError`` naming it."""

from collections.abc import Mapping

from audits.reports import inputs as read

KINDS = ("ratio", "difference")
ERR_UNKNOWN_KIND = "results.disparities[{index}].kind must be one of {allowed}, got {value!r}."
ERR_DUPLICATE_GROUP = "results.groups[{index}] repeats group {group!r} of attribute {attribute!r}."
ERR_UNKNOWN_GROUP = (
    "{field} names group {group!r} of attribute {attribute!r}, which is not in results.groups."
)
ERR_DUPLICATE_METRIC = "results.metrics[{index}] repeats {metric} of {label!r} for {group!r}."


def tidy_rows(results: Mapping) -> dict[str, list[dict]]:
    """The raw metric and disparity rows of ``results`` for the CSV, with ``suppressed`` joined."""
    results = read.mapping(results, field="results")
    groups = read_groups(results)
    suppressed = {(group["attribute"], group["group"]): group["suppressed"] for group in groups}
    metric_rows = [
        {
            "table": "metric",
            "attribute": row["attribute"],
            "group": row["group"],
            "label": row["label"],
            "metric": row["metric"],
            "value": row["value"],
            "ci_low": row["ci_low"],
            "ci_high": row["ci_high"],
            "n": row["n"],
            "suppressed": suppressed[(row["attribute"], row["group"])],
        }
        for row in read_metrics(results, groups).values()
    ]
    disparity_rows = [{"table": "disparity", **row} for row in read_disparities(results, groups)]
    return {"metrics": metric_rows, "disparities": disparity_rows}


def read_groups(results: Mapping) -> list[dict]:
    raw_groups = read.items(
        read.required(results, "groups", field="results"), field="results.groups"
    )
    groups = []
    seen = set()
    for index, raw in enumerate(raw_groups):
        field = f"results.groups[{index}]"
        source = read.mapping(raw, field=field)
        group = {
            "attribute": read.text(
                read.required(source, "attribute", field=field), field=f"{field}.attribute"
            ),
            "group": read.text(read.required(source, "group", field=field), field=f"{field}.group"),
            "n": read.row_count(read.required(source, "n", field=field), field=f"{field}.n"),
            "share": read.number(source.get("share"), field=f"{field}.share"),
            "suppressed": read.flag(
                read.required(source, "suppressed", field=field), field=f"{field}.suppressed"
            ),
        }
        key = (group["attribute"], group["group"])
        if key in seen:
            raise ValueError(
                ERR_DUPLICATE_GROUP.format(index=index, group=key[1], attribute=key[0])
            )
        seen.add(key)
        groups.append(group)
    return groups


def _check_group(groups: list[dict], attribute: str, group: str | None, *, field: str) -> None:
    if not any(g["attribute"] == attribute and g["group"] == group for g in groups):
        raise ValueError(ERR_UNKNOWN_GROUP.format(field=field, group=group, attribute=attribute))


def read_metrics(results: Mapping, groups: list[dict]) -> dict[tuple, dict]:
    """Metric rows keyed by ``(attribute, group, label, metric)``, in results order."""
    raw_metrics = read.items(
        read.required(results, "metrics", field="results"), field="results.metrics"
    )
    known = {(g["attribute"], g["group"]) for g in groups}
    metrics: dict[tuple, dict] = {}
    for index, raw in enumerate(raw_metrics):
        field = f"results.metrics[{index}]"
        source = read.mapping(raw, field=field)
        row = {
            "attribute": read.text(
                read.required(source, "attribute", field=field), field=f"{field}.attribute"
            ),
            "group": read.text(read.required(source, "group", field=field), field=f"{field}.group"),
            "label": read.optional_text(source.get("label"), field=f"{field}.label"),
            "metric": read.text(
                read.required(source, "metric", field=field), field=f"{field}.metric"
            ),
            "value": read.number(
                read.required(source, "value", field=field), field=f"{field}.value"
            ),
            "ci_low": read.number(source.get("ci_low"), field=f"{field}.ci_low"),
            "ci_high": read.number(source.get("ci_high"), field=f"{field}.ci_high"),
            "n": read.optional_row_count(source.get("n"), field=f"{field}.n"),
        }
        if (row["attribute"], row["group"]) not in known:
            raise ValueError(
                ERR_UNKNOWN_GROUP.format(
                    field=field, group=row["group"], attribute=row["attribute"]
                )
            )
        key = (row["attribute"], row["group"], row["label"], row["metric"])
        if key in metrics:
            raise ValueError(
                ERR_DUPLICATE_METRIC.format(
                    index=index, metric=row["metric"], label=row["label"], group=row["group"]
                )
            )
        metrics[key] = row
    return metrics


def read_disparities(results: Mapping, groups: list[dict]) -> list[dict]:
    raw_rows = read.items(
        read.required(results, "disparities", field="results"), field="results.disparities"
    )
    rows = []
    for index, raw in enumerate(raw_rows):
        field = f"results.disparities[{index}]"
        source = read.mapping(raw, field=field)
        kind = read.text(read.required(source, "kind", field=field), field=f"{field}.kind")
        if kind not in KINDS:
            raise ValueError(ERR_UNKNOWN_KIND.format(index=index, allowed=KINDS, value=kind))
        row = {
            "attribute": read.text(
                read.required(source, "attribute", field=field), field=f"{field}.attribute"
            ),
            "group": read.optional_text(source.get("group"), field=f"{field}.group"),
            "reference_group": read.optional_text(
                source.get("reference_group"), field=f"{field}.reference_group"
            ),
            "label": read.optional_text(
                read.required(source, "label", field=field), field=f"{field}.label"
            ),
            "metric": read.text(
                read.required(source, "metric", field=field), field=f"{field}.metric"
            ),
            "kind": kind,
            "value": read.number(
                read.required(source, "value", field=field), field=f"{field}.value"
            ),
            "ci_low": read.number(source.get("ci_low"), field=f"{field}.ci_low"),
            "ci_high": read.number(source.get("ci_high"), field=f"{field}.ci_high"),
            "threshold": read.number(source.get("threshold"), field=f"{field}.threshold"),
            # null when the disparity is undefined: neither a pass nor a flag.
            "flagged": read.optional_flag(
                read.required(source, "flagged", field=field), field=f"{field}.flagged"
            ),
            "significant": read.optional_flag(
                source.get("significant"), field=f"{field}.significant"
            ),
        }
        for key in ("group", "reference_group"):
            if row[key] is not None:
                _check_group(groups, row["attribute"], row[key], field=f"{field}.{key}")
        rows.append(row)
    return rows
