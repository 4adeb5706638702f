"""The plain, JSON-safe dict an audit report (PDF and CSV) is rendered from. No Django, no queries.

``build_context(*, run, results, system, version, vendor, organization, batch)`` takes plain
mappings, as the caller reads them from the immutable run and its related rows:

- ``run``: ``id, status, config, engine_version, input_sha256, result_sha256, created_at,
  finished_at`` (dates as ISO 8601 text). ``status`` must be ``"done"``. ``config`` holds the
  audit parameters (``threshold`` is required unless a disparity carries it; ``min_group_size``,
  ``bootstrap``, ``confidence``, ``seed``, ``explain``, ``intersections``, ``sensitive``
  are shown when present).
- ``results``: the pinned results dict (DESIGN.md section 6): ``n, labels, has_ground_truth,
  excluded_rows, groups, metrics, disparities, findings`` and the optional ``explainability``
  and ``crosscheck``. Extra keys are ignored.
- ``system``: ``name, purpose, modality, subjects, context, screening: {category, duties: [...],
  reasons: [{clause, text}]}``.
- ``version``: ``version, labels, flagged_labels, description``.
- ``vendor``: ``name``. ``organization``: ``name``.
- ``batch``: ``id, row_count, sha256, sensitive, features, labels_seen, excluded_rows,
  created_at, format``.

Every malformed field raises ``ValueError`` naming it (``results.metrics[3].value``).

The returned dict, findings first, holds display text (percentages, rounded figures, "not
defined" for null, never a silent 0) next to the raw numbers the charts and the CSV need:

- ``findings``: ``[{severity, severity_text, title, text, clauses, verdict_text, source}]``, most
  severe first (the explainability findings are merged in unless the engine already listed them).
- ``headline``: counts of checks, flags, significant flags, undefined ratios, suppressed groups,
  and a one-sentence ``summary``.
- ``report``, ``organization``, ``system``, ``screening``, ``run``, ``parameters``, ``data``:
  identity, regulatory screening with clauses, run hashes and dates, audit parameters, data
  description (rows uploaded and analysed, exclusions, missing values per attribute).
- ``attributes``: one per audited attribute (singles, then intersections, in results order):
  ``groups``, ``charts`` (selection rate per group with Wilson interval and the four-fifths line
  = threshold x highest rate), ``selection_tables`` (impact ratio and verdict per group),
  ``accuracy``, ``error_tables``, ``other_labels`` and ``disparities``.
- ``disparities`` (all, pretty), ``suppressed`` (groups with insufficient data),
  ``explainability`` (``provided`` false -> "Not provided"), ``crosscheck``, ``method_notes``,
  ``limitations``, ``not_recorded`` (report contents REGULATORY.md 4.4 asks for that the data
  does not hold, said plainly), ``tidy`` (raw rows for ``render_results_csv``).
"""

from collections.abc import Mapping

from audits.reports import formatting as fmt
from audits.reports import inputs as read
from audits.reports import texts
from audits.reports.attributes import INSUFFICIENT, attribute_section, pretty_disparity
from audits.reports.evidence import crosscheck_section, explainability_section, not_recorded
from audits.reports.identity import (
    FINISHED_STATUS,
    config_text,
    data_section,
    name_of,
    parameters_section,
    run_section,
    screening_section,
    system_section,
)
from audits.reports.results_reader import read_disparities, read_groups, read_metrics, tidy_rows

FLAGGED_VIEW = "flagged"
SEVERITY_ORDER = ("high", "medium", "low", "info")
SEVERITY_TEXT = {"high": "High", "medium": "Medium", "low": "Low", "info": "For information"}
VERDICT_TEXT = {"flag": "flag", "pass": "pass", "insufficient_data": "insufficient data"}
ERR_RUN_NOT_FINISHED = "run.status must be 'done' to report on a run, got {status!r}."
ERR_UNKNOWN_SEVERITY = "{field}.severity must be one of {allowed}, got {value!r}."
ERR_NO_THRESHOLD = "run.config.threshold is missing and no disparity records a threshold."


def build_context(
    *,
    run: Mapping,
    results: Mapping,
    system: Mapping,
    version: Mapping,
    vendor: Mapping,
    organization: Mapping,
    batch: Mapping,
) -> dict:
    """Everything the PDF and CSV show, as a plain JSON-safe dict (see the module docstring)."""
    run = read.mapping(run, field="run")
    results = read.mapping(results, field="results")
    system = read.mapping(system, field="system")
    version = read.mapping(version, field="version")
    vendor = read.mapping(vendor, field="vendor")
    organization = read.mapping(organization, field="organization")
    batch = read.mapping(batch, field="batch")

    status = read.required(run, "status", field="run")
    if status != FINISHED_STATUS:
        raise ValueError(ERR_RUN_NOT_FINISHED.format(status=status))
    config = read.mapping(read.required(run, "config", field="run"), field="run.config")
    groups = read_groups(results)
    metrics = read_metrics(results, groups)
    disparities = read_disparities(results, groups)
    threshold = _threshold(config, disparities)
    flagged_labels = read.texts(
        read.required(version, "flagged_labels", field="version"), field="version.flagged_labels"
    )
    sensitive = read.texts(
        read.required(batch, "sensitive", field="batch"), field="batch.sensitive"
    )
    has_ground_truth = read.flag(
        read.required(results, "has_ground_truth", field="results"),
        field="results.has_ground_truth",
    )
    labels = _label_order(results, metrics)
    charted = _charted_labels(labels, flagged_labels)
    explainability = results.get("explainability")
    label_texts = {label: _label_text(label, flagged_labels) for label in labels}

    pretty_disparities = [pretty_disparity(row, label_texts) for row in disparities]
    attributes = [
        attribute_section(
            name=name,
            groups=attribute_groups,
            metrics=metrics,
            disparities=[row for row in pretty_disparities if row["attribute"] == name],
            sensitive=sensitive,
            labels=labels,
            charted=charted,
            label_texts=label_texts,
            threshold=threshold,
            has_ground_truth=has_ground_truth,
        )
        for name, attribute_groups in _by_attribute(groups).items()
    ]
    suppressed = [
        {
            "attribute": group["attribute"],
            "group": group["group"],
            "n": group["n"],
            "n_text": fmt.count(group["n"]),
            "share_text": fmt.percent(group["share"]),
            "verdict_text": INSUFFICIENT,
        }
        for group in groups
        if group["suppressed"]
    ]
    findings = _findings(results, explainability)
    run_part = run_section(run)
    confidence = config.get("confidence")
    interval_text = (
        f"{fmt.exact_percent(read.number(confidence, field='run.config.confidence'))} "
        "Wilson interval"
        if confidence is not None
        else "Wilson interval"
    )
    return {
        "findings": findings,
        "headline": _headline(pretty_disparities, suppressed, threshold),
        "report": {
            "title": "Bias audit report",
            "audit_date": fmt.date(run.get("finished_at"), field="run.finished_at"),
        },
        "organization": {"name": name_of(organization, field="organization")},
        "system": system_section(system, version, vendor, flagged_labels, labels),
        "screening": screening_section(system),
        "run": run_part,
        "interval_text": interval_text,
        "parameters": parameters_section(config),
        "data": data_section(results, batch, groups, sensitive, has_ground_truth),
        "attributes": attributes,
        "disparities": pretty_disparities,
        "suppressed": suppressed,
        "explainability": explainability_section(explainability, config),
        "crosscheck": crosscheck_section(results.get("crosscheck")),
        "method_notes": texts.method_notes(
            confidence=config_text(config, "confidence", fmt.exact_percent),
            bootstrap=config_text(config, "bootstrap", fmt.count),
            seed=config_text(config, "seed", str),
            min_group_size=config_text(config, "min_group_size", fmt.count),
            threshold=fmt.plain(threshold),
            difference_threshold=fmt.points(1 - threshold),
            flagged_labels=", ".join(flagged_labels) or "none declared",
        ),
        "limitations": list(texts.EMOTION_RECOGNITION_LIMITS),
        "not_recorded": not_recorded(has_ground_truth, explainability, results.get("crosscheck")),
        "tidy": tidy_rows(results),
    }


def _threshold(config: Mapping, disparities: list[dict]) -> float:
    if config.get("threshold") is not None:
        return read.number(config["threshold"], field="run.config.threshold")
    for row in disparities:
        if row["threshold"] is not None:
            return row["threshold"]
    raise ValueError(ERR_NO_THRESHOLD)


def _label_order(results: Mapping, metrics: dict[tuple, dict]) -> list[str]:
    """The results' labels in their order, then ``flagged`` and any other label the metrics use."""
    declared = read.texts(read.required(results, "labels", field="results"), field="results.labels")
    order = list(declared)
    for _attribute, _group, label, _metric in metrics:
        if label is not None and label not in order:
            order.append(label)
    return order


def _charted_labels(labels: list[str], flagged_labels: list[str]) -> list[str]:
    """Flagged labels and the flagged view; if the version flags none, every model label (the
    flagged view is then empty and not worth a chart)."""
    if not flagged_labels:
        return [label for label in labels if label != FLAGGED_VIEW]
    charted = [label for label in labels if label in flagged_labels]
    if FLAGGED_VIEW in labels:
        charted.append(FLAGGED_VIEW)
    return charted


def _label_text(label: str, flagged_labels: list[str]) -> str:
    if label == FLAGGED_VIEW and label not in flagged_labels:
        return f"flagged (any of: {', '.join(flagged_labels)})" if flagged_labels else label
    return label


def _by_attribute(groups: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for group in groups:
        grouped.setdefault(group["attribute"], []).append(group)
    return grouped


def _finding(raw: object, *, field: str, source: str) -> dict:
    finding = read.mapping(raw, field=field)
    severity = read.text(read.required(finding, "severity", field=field), field=f"{field}.severity")
    if severity not in SEVERITY_ORDER:
        raise ValueError(
            ERR_UNKNOWN_SEVERITY.format(field=field, allowed=SEVERITY_ORDER, value=severity)
        )
    verdict = read.optional_text(finding.get("verdict"), field=f"{field}.verdict")
    return {
        "severity": severity,
        "severity_text": SEVERITY_TEXT[severity],
        "title": read.text(read.required(finding, "title", field=field), field=f"{field}.title"),
        "text": read.text(read.required(finding, "text", field=field), field=f"{field}.text"),
        "clauses": read.texts(finding.get("clauses", []), field=f"{field}.clauses"),
        "verdict_text": VERDICT_TEXT.get(verdict, fmt.humanise(verdict)) if verdict else "",
        "source": source,
    }


def _findings(results: Mapping, explainability: object) -> list[dict]:
    raw = read.items(read.required(results, "findings", field="results"), field="results.findings")
    findings = [
        _finding(item, field=f"results.findings[{index}]", source="engine")
        for index, item in enumerate(raw)
    ]
    if isinstance(explainability, Mapping) and explainability.get("findings") is not None:
        seen = {(f["title"], f["text"]) for f in findings}
        extra = read.items(explainability["findings"], field="results.explainability.findings")
        for index, item in enumerate(extra):
            finding = _finding(
                item,
                field=f"results.explainability.findings[{index}]",
                source="explainability",
            )
            if (finding["title"], finding["text"]) not in seen:
                findings.append(finding)
    # Stable: the engine's own order is kept within a severity.
    return sorted(findings, key=lambda f: SEVERITY_ORDER.index(f["severity"]))


def _headline(disparities: list[dict], suppressed: list[dict], threshold: float) -> dict:
    flagged = [row for row in disparities if row["verdict"] == "flag"]
    significant = [row for row in flagged if row["significant"]]
    undefined = [row for row in disparities if row["verdict"] == "not_defined"]
    parts = [
        f"{len(flagged)} of {len(disparities)} group comparisons are flagged "
        f"(ratio below {fmt.plain(threshold)} or difference above {fmt.points(1 - threshold)})",
        f"{len(significant)} of the flagged comparisons are statistically significant",
    ]
    if undefined:
        parts.append(f"{len(undefined)} could not be computed (not defined)")
    parts.append(
        f"{len(suppressed)} group{'s' if len(suppressed) != 1 else ''} had too few rows to judge "
        "(insufficient data)"
    )
    return {
        "checks": len(disparities),
        "flagged": len(flagged),
        "significant_flagged": len(significant),
        "not_defined": len(undefined),
        "suppressed_groups": len(suppressed),
        "summary": "; ".join(parts) + ".",
    }
