"""Explainability, cross-check and "not recorded" parts of a report context."""

from collections.abc import Mapping

from audits.reports import formatting as fmt
from audits.reports import inputs as read
from audits.reports import texts


def explainability_section(value: object, config: Mapping) -> dict:
    if value is None:
        reason = (
            "explanations were switched off for this audit (explain: no)"
            if config.get("explain") is False
            else "the audit produced no explanation artefacts"
        )
        return {"provided": False, "text": f"Not provided: {reason}."}
    source = read.mapping(value, field="results.explainability")
    surrogate = None
    if source.get("surrogate") is not None:
        raw = read.mapping(source["surrogate"], field="results.explainability.surrogate")
        details = [
            {"name": fmt.humanise(str(key)), "value": fmt.plain(item)}
            for key, item in raw.items()
            if key not in ("model", "fidelity") and not isinstance(item, Mapping | list)
        ]
        surrogate = {
            "model": fmt.plain(raw.get("model")),
            "fidelity_text": fmt.percent(
                read.number(raw.get("fidelity"), field="results.explainability.surrogate.fidelity")
            ),
            "details": details,
        }
    importance = []
    raw_importance = read.items(
        source.get("importance") or [], field="results.explainability.importance"
    )
    for index, raw in enumerate(raw_importance):
        field = f"results.explainability.importance[{index}]"
        row = read.mapping(raw, field=field)
        value_ = read.number(
            read.required(row, "mean_abs_shap", field=field), field=f"{field}.mean_abs_shap"
        )
        importance.append(
            {
                "feature": read.text(
                    read.required(row, "feature", field=field), field=f"{field}.feature"
                ),
                "value": value_,
                "value_text": fmt.figure(value_),
            }
        )
    importance.sort(key=lambda row: -(row["value"] or 0))
    proxies = []
    raw_proxies = read.items(source.get("proxies") or [], field="results.explainability.proxies")
    for index, raw in enumerate(raw_proxies):
        field = f"results.explainability.proxies[{index}]"
        row = read.mapping(raw, field=field)
        association = read.number(
            read.required(row, "association", field=field), field=f"{field}.association"
        )
        measure = read.optional_text(row.get("measure"), field=f"{field}.measure")
        proxies.append(
            {
                "feature": read.text(
                    read.required(row, "feature", field=field), field=f"{field}.feature"
                ),
                "attribute": read.text(
                    read.required(row, "attribute", field=field), field=f"{field}.attribute"
                ),
                "association": association,
                "association_text": fmt.figure(association),
                "measure_text": fmt.humanise(measure) if measure else "",
            }
        )
    excluded = []
    raw_excluded = read.items(
        source.get("excluded_features") or [], field="results.explainability.excluded_features"
    )
    for index, raw in enumerate(raw_excluded):
        field = f"results.explainability.excluded_features[{index}]"
        row = read.mapping(raw, field=field)
        excluded.append(
            {
                "feature": fmt.plain(row.get("feature")),
                "reason": fmt.plain(row.get("reason")),
            }
        )
    notes = [
        item for key, item in source.items() if isinstance(item, str) and key not in ("model",)
    ]
    return {
        "provided": True,
        "text": "",
        "surrogate": surrogate,
        "importance": importance,
        "proxies": proxies,
        "excluded_features": excluded,
        "notes": notes,
    }


def crosscheck_section(value: object) -> dict:
    if value is None:
        return {"provided": False, "text": texts.NO_CROSSCHECK[1], "rows": []}
    source = read.mapping(value, field="results.crosscheck")
    rows = []
    for library, raw in source.items():
        field = f"results.crosscheck.{library}"
        if not isinstance(raw, Mapping):
            rows.append(
                {
                    "library": str(library),
                    "max_abs_diff_text": fmt.plain(raw),
                    "details": "",
                    "verdict_text": "",
                }
            )
            continue
        difference = read.number(raw.get("max_abs_diff"), field=f"{field}.max_abs_diff")
        details = ", ".join(
            f"{fmt.humanise(str(key))}: {fmt.count(item) if isinstance(item, int) and not isinstance(item, bool) else fmt.plain(item)}"
            for key, item in raw.items()
            if key != "max_abs_diff" and not isinstance(item, Mapping | list)
        )
        if difference is None:
            verdict = "not compared"
        elif difference == 0:
            verdict = "agrees exactly"
        else:
            verdict = f"largest difference {fmt.figure(difference)}"
        rows.append(
            {
                "library": str(library),
                "max_abs_diff_text": fmt.figure(difference),
                "details": details,
                "verdict_text": verdict,
            }
        )
    return {"provided": True, "text": "", "rows": rows}


def not_recorded(has_ground_truth: bool, explainability: object, crosscheck: object) -> list[dict]:
    gaps = list(texts.NOT_RECORDED_ALWAYS)
    if not has_ground_truth:
        gaps.append(texts.NO_GROUND_TRUTH)
    if explainability is None:
        gaps.append(texts.NO_EXPLAINABILITY)
    if crosscheck is None:
        gaps.append(texts.NO_CROSSCHECK)
    return [{"title": title, "text": text} for title, text in gaps]
