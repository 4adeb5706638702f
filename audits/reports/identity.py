"""Identity, screening, run, parameters and data parts of a report context."""

from collections.abc import Mapping

from audits.reports import formatting as fmt
from audits.reports import inputs as read
from audits.reports.attributes import MISSING_GROUP

FINISHED_STATUS = "done"

PARAMETER_NAMES = {
    "sensitive": "Sensitive attributes",
    "intersections": "Intersections of attributes",
    "min_group_size": "Minimum group size (rows)",
    "threshold": "Threshold (ratio)",
    "bootstrap": "Bootstrap resamples",
    "confidence": "Confidence level",
    "explain": "Explanations",
    "seed": "Random seed",
}
SCREENING_TEXT = {
    "prohibited": "Prohibited",
    "high_risk": "High-risk",
    "minimal_risk": "Minimal risk under the AI Act (GDPR duties still apply)",
}
ERR_UNKNOWN_CATEGORY = "system.screening.category must be one of {allowed}, got {value!r}."


def name_of(source: Mapping, *, field: str) -> str:
    return read.text(read.required(source, "name", field=field), field=f"{field}.name")


def system_section(
    system: Mapping, version: Mapping, vendor: Mapping, flagged_labels: list[str], labels: list[str]
) -> dict:
    model_labels = read.texts(
        read.required(version, "labels", field="version"), field="version.labels"
    )
    description = read.optional_text(version.get("description"), field="version.description")
    return {
        "name": name_of(system, field="system"),
        "purpose": read.text(
            read.required(system, "purpose", field="system"), field="system.purpose"
        ),
        "modality": fmt.humanise(
            read.text(read.required(system, "modality", field="system"), field="system.modality")
        ),
        "subjects": fmt.humanise(
            read.text(read.required(system, "subjects", field="system"), field="system.subjects")
        ),
        "context": fmt.humanise(
            read.text(read.required(system, "context", field="system"), field="system.context")
        ),
        "vendor": name_of(vendor, field="vendor"),
        "version": read.text(
            read.required(version, "version", field="version"), field="version.version"
        ),
        "version_description": description or "",
        "labels": model_labels,
        "flagged_labels": flagged_labels,
        "output_text": (
            f"one of {len(model_labels)} labels ({', '.join(model_labels)}); "
            + (
                f"{', '.join(flagged_labels)} "
                f"{'triggers' if len(flagged_labels) == 1 else 'trigger'} an action on a person "
                "(the flagged view is the binary decision)"
                if flagged_labels
                else "no label is declared as triggering an action on a person"
            )
        ),
        "labels_audited": labels,
    }


def screening_section(system: Mapping) -> dict:
    screening = read.mapping(
        read.required(system, "screening", field="system"), field="system.screening"
    )
    category = read.text(
        read.required(screening, "category", field="system.screening"),
        field="system.screening.category",
    )
    if category not in SCREENING_TEXT:
        raise ValueError(ERR_UNKNOWN_CATEGORY.format(allowed=tuple(SCREENING_TEXT), value=category))
    reasons = []
    raw_reasons = read.items(screening.get("reasons", []), field="system.screening.reasons")
    for index, raw in enumerate(raw_reasons):
        field = f"system.screening.reasons[{index}]"
        reason = read.mapping(raw, field=field)
        reasons.append(
            {
                "clause": read.text(
                    read.required(reason, "clause", field=field), field=f"{field}.clause"
                ),
                "text": read.text(
                    read.required(reason, "text", field=field), field=f"{field}.text"
                ),
            }
        )
    duties = []
    for index, raw in enumerate(
        read.items(screening.get("duties", []), field="system.screening.duties")
    ):
        field = f"system.screening.duties[{index}]"
        # A duty may be plain text or an object with a text (and perhaps a clause).
        if isinstance(raw, Mapping):
            duty = read.text(read.required(raw, "text", field=field), field=f"{field}.text")
            clause = read.optional_text(raw.get("clause"), field=f"{field}.clause")
            duties.append(f"{duty} ({clause})" if clause else duty)
        else:
            duties.append(read.text(raw, field=field))
    return {
        "category": category,
        "category_text": SCREENING_TEXT[category],
        "clauses": [reason["clause"] for reason in reasons],
        "reasons": reasons,
        "duties": duties,
    }


def run_section(run: Mapping) -> dict:
    def hash_text(key: str) -> str:
        return read.text(read.required(run, key, field="run"), field=f"run.{key}")

    return {
        "id": str(read.required(run, "id", field="run")),
        "status": FINISHED_STATUS,
        "engine_version": read.text(
            read.required(run, "engine_version", field="run"), field="run.engine_version"
        ),
        "input_sha256": hash_text("input_sha256"),
        "result_sha256": hash_text("result_sha256"),
        "created_text": fmt.date_time(run.get("created_at"), field="run.created_at"),
        "finished_text": fmt.date_time(run.get("finished_at"), field="run.finished_at"),
    }


def config_text(config: Mapping, key: str, formatter) -> str:
    value = config.get(key)
    if value is None:
        return fmt.NOT_RECORDED
    return formatter(value)


def parameters_section(config: Mapping) -> list[dict[str, str]]:
    rows = []
    for key, value in config.items():
        if key == "confidence" and value is not None:
            shown = fmt.exact_percent(read.number(value, field="run.config.confidence"))
        elif isinstance(value, Mapping):
            shown = ", ".join(f"{k}: {fmt.plain(v)}" for k, v in value.items()) or "none"
        else:
            shown = fmt.plain(value)
        rows.append(
            {
                "key": str(key),
                "name": PARAMETER_NAMES.get(key, fmt.humanise(str(key))),
                "value": shown,
            }
        )
    return rows


def _counts(value: object, *, field: str) -> list[tuple[str, int]]:
    source = read.mapping(value, field=field)
    return [
        (str(reason), read.row_count(count, field=f"{field}.{reason}"))
        for reason, count in source.items()
    ]


def _labels_seen(value: object) -> str:
    if value is None:
        return fmt.NOT_RECORDED
    if isinstance(value, Mapping):
        return ", ".join(
            f"{label} ({fmt.count(read.row_count(n, field=f'batch.labels_seen.{label}'))})"
            for label, n in value.items()
        )
    return ", ".join(read.texts(value, field="batch.labels_seen")) or "none"


def data_section(
    results: Mapping,
    batch: Mapping,
    groups: list[dict],
    sensitive: list[str],
    has_ground_truth: bool,
) -> dict:
    analysed = read.row_count(read.required(results, "n", field="results"), field="results.n")
    uploaded = read.optional_row_count(batch.get("row_count"), field="batch.row_count")
    excluded = [
        {"stage": "upload", "reason": fmt.humanise(reason), "count_text": fmt.count(n)}
        for reason, n in _counts(batch.get("excluded_rows") or {}, field="batch.excluded_rows")
    ] + [
        {"stage": "audit", "reason": fmt.humanise(reason), "count_text": fmt.count(n)}
        for reason, n in _counts(results.get("excluded_rows") or {}, field="results.excluded_rows")
    ]
    missing = []
    for attribute in sensitive:
        row = next(
            (g for g in groups if g["attribute"] == attribute and g["group"] == MISSING_GROUP), None
        )
        n = row["n"] if row else 0
        missing.append(
            {
                "attribute": attribute,
                "n": n,
                "count_text": fmt.count(n),
                "share_text": fmt.percent(n / analysed) if analysed else fmt.NOT_DEFINED,
            }
        )
    features = batch.get("features")
    return {
        "batch_id": str(read.required(batch, "id", field="batch")),
        "format": read.optional_text(batch.get("format"), field="batch.format") or fmt.NOT_RECORDED,
        "uploaded_text": fmt.date_time(batch.get("created_at"), field="batch.created_at"),
        "file_sha256": read.text(
            read.required(batch, "sha256", field="batch"), field="batch.sha256"
        ),
        "rows_uploaded": uploaded,
        "rows_uploaded_text": fmt.count(uploaded),
        "rows_analysed": analysed,
        "rows_analysed_text": fmt.count(analysed),
        "has_ground_truth": has_ground_truth,
        "ground_truth_text": (
            "yes: true labels (y_true) were supplied, so accuracy and error rates are reported"
            if has_ground_truth
            else "no: only the model's labels were supplied, so error rates cannot be computed"
        ),
        "sensitive": sensitive,
        "features": read.texts(features, field="batch.features") if features is not None else [],
        "labels_seen_text": _labels_seen(batch.get("labels_seen")),
        "excluded": excluded,
        "missing": missing,
    }
