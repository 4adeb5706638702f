import copy
import json
import re

import pytest

from audits.reports import attributes, identity, texts
from audits.reports import context as ctx
from audits.reports import formatting as fmt
from audits.reports import inputs as read
from audits.reports import results_reader as reader
from audits.reports.context import build_context
from tests.audits.reports.sample import MIN_GROUP_SIZE, THRESHOLD, build_inputs


def attribute(context: dict, name: str) -> dict:
    return next(a for a in context["attributes"] if a["name"] == name)


def rows_by_group(table: dict) -> dict:
    return {row["group"]: row for row in table["rows"]}


def test_context_is_json_safe_and_starts_with_the_findings(inputs):
    context = build_context(**inputs)

    assert json.loads(json.dumps(context, allow_nan=False)) == context
    assert next(iter(context)) == "findings"


def test_findings_are_most_severe_first_with_the_proxy_finding_merged_once(inputs):
    context = build_context(**inputs)

    assert [f["severity"] for f in context["findings"]] == ["high", "medium", "medium", "info"]
    assert [f["source"] for f in context["findings"]] == [
        "engine",
        "engine",
        "explainability",  # medium, after the engine's medium finding: the sort is stable
        "engine",
    ]
    assert context["findings"][0]["verdict_text"] == "flag"
    assert context["findings"][-1]["verdict_text"] == "insufficient data"


def test_a_proxy_finding_the_engine_already_lists_is_not_repeated(results):
    results["findings"].append(copy.deepcopy(results["explainability"]["findings"][0]))

    context = build_context(**build_inputs(results))

    assert sum(f["title"] == "Channel stands in for dialect" for f in context["findings"]) == 1


def test_selection_table_gives_impact_ratio_and_verdict_per_group(inputs):
    context = build_context(**inputs)

    table = attribute(context, "dialect")["selection_tables"][0]
    rows = rows_by_group(table)
    assert table["label"] == "anger"
    assert table["reference_group"] == "scots"  # 160/800 = 20.0% is the highest rate
    assert rows["scots"]["rate_text"] == "20.0%"
    assert rows["scots"]["impact_ratio_text"] == "1.00"
    assert rows["scots"]["verdict"] == "pass"
    assert rows["standard"]["rate_text"] == "10.0%"  # 318 / 3,180
    assert rows["standard"]["impact_ratio_text"] == "0.50"  # 0.10 / 0.20
    assert rows["standard"]["verdict"] == "flag"  # 0.50 < 0.8
    assert rows["(missing)"]["rate_text"] == "withheld"  # 20 rows < 30
    assert rows["(missing)"]["verdict_text"] == "insufficient data"


def test_age_band_impact_ratios_against_the_most_selected_group(inputs):
    context = build_context(**inputs)

    rows = rows_by_group(attribute(context, "age_band")["selection_tables"][0])
    assert rows["18-34"]["impact_ratio_text"] == "0.59"  # 0.10 / 0.17 = 0.588
    assert rows["35-64"]["impact_ratio_text"] == "0.71"  # 0.12 / 0.17 = 0.706
    assert rows["65+"]["impact_ratio_text"] == "1.00"
    assert [rows[g]["verdict"] for g in ("18-34", "35-64", "65+")] == ["flag", "flag", "pass"]


def test_chart_draws_the_four_fifths_line_at_threshold_times_highest_rate(inputs):
    context = build_context(**inputs)

    charts = attribute(context, "dialect")["charts"]
    assert [chart["label"] for chart in charts] == ["anger", "flagged"]
    chart = charts[0]
    assert chart["highest"] == pytest.approx(0.2)  # 160 / 800
    assert chart["line"] == pytest.approx(0.16)  # 0.8 x 0.20
    below = {row["group"]: row["below_line"] for row in chart["groups"]}
    assert below == {"scots": False, "standard": True, "(missing)": False}
    missing = next(row for row in chart["groups"] if row["group"] == "(missing)")
    assert missing["value"] is None
    assert missing["ci_low"] is None
    assert charts[1]["label_text"] == "flagged (any of: anger)"


def test_an_undefined_ratio_is_not_defined_and_never_a_pass(inputs):
    context = build_context(**inputs)

    undefined = [row for row in context["disparities"] if row["value"] is None]
    assert len(undefined) == 1
    assert undefined[0]["metric"] == "false_positive_rate"
    assert undefined[0]["verdict"] == "not_defined"
    assert undefined[0]["value_text"] == "not defined"
    assert undefined[0]["significant_text"] == "not known"


def test_headline_counts_flags_significance_undefined_and_suppressed(inputs):
    context = build_context(**inputs)

    headline = context["headline"]
    # flagged ratios: dialect anger 0.50, dialect flagged 0.50, age_band anger 0.59, intersection 0.50
    assert headline["checks"] == 8
    assert headline["flagged"] == 4
    assert headline["significant_flagged"] == 4
    assert headline["not_defined"] == 1
    # (missing) dialect with 20 rows, (missing)&18-34 and (missing)&35-64 with 10 each
    assert headline["suppressed_groups"] == 3
    assert headline["summary"].startswith("4 of 8 group comparisons are flagged")


def test_flagged_difference_uses_one_minus_threshold(inputs):
    context = build_context(**inputs)

    difference = next(row for row in context["disparities"] if row["kind"] == "difference")
    assert difference["value_text"] == "10.0 points"
    assert difference["threshold_text"] == "above 20.0 points"  # 1 - 0.8
    assert difference["verdict"] == "pass"


def test_suppressed_groups_and_missing_values_are_reported(inputs):
    context = build_context(**inputs)

    assert [(row["attribute"], row["group"], row["n"]) for row in context["suppressed"]] == [
        ("dialect", "(missing)", 20),
        ("dialect&age_band", "(missing)&18-34", 10),
        ("dialect&age_band", "(missing)&35-64", 10),
    ]
    missing = {row["attribute"]: row for row in context["data"]["missing"]}
    assert missing["dialect"]["share_text"] == "0.5%"  # 20 of 4,000
    assert missing["age_band"]["count_text"] == "0"
    assert context["data"]["excluded"] == [
        {"stage": "audit", "reason": "no consent", "count_text": "12"}
    ]


def test_intersections_are_recognised_from_the_declared_columns(inputs):
    context = build_context(**inputs)

    kinds = {a["name"]: (a["kind"], a["columns"]) for a in context["attributes"]}
    assert kinds == {
        "dialect": ("single", ["dialect"]),
        "age_band": ("single", ["age_band"]),
        "dialect&age_band": ("intersection", ["dialect", "age_band"]),
    }


def test_ground_truth_tables(inputs):
    context = build_context(**inputs)

    dialect = attribute(context, "dialect")
    accuracy = rows_by_group(dialect["accuracy"])
    assert accuracy["scots"]["value_text"] == "75.0%"  # 600 / 800
    assert accuracy["(missing)"]["value_text"] == "withheld"
    errors = dialect["error_tables"][0]
    assert errors["metrics"] == list(attributes.ERROR_METRICS)
    scots = rows_by_group(errors)["scots"]["cells"]
    assert [cell["value_text"] for cell in scots] == ["80.0%", "6.2%", "20.0%", "75.0%"]
    # TPR 120/150, FPR 40/650 = 0.0615, FNR 30/150, precision 120/160
    assert dialect["other_labels"]["labels"] == ["joy", "neutral"]


def test_without_ground_truth_no_error_tables_and_the_gap_is_named(results):
    results["has_ground_truth"] = False
    results["metrics"] = [m for m in results["metrics"] if m["metric"] == "selection_rate"]

    context = build_context(**build_inputs(results))

    assert attribute(context, "dialect")["accuracy"] is None
    assert attribute(context, "dialect")["error_tables"] == []
    titles = [gap["title"] for gap in context["not_recorded"]]
    assert texts.NO_GROUND_TRUTH[0] in titles


def test_explainability_present(inputs):
    context = build_context(**inputs)

    section = context["explainability"]
    assert section["provided"] is True
    assert section["surrogate"]["fidelity_text"] == "91.2%"
    assert [row["feature"] for row in section["importance"]] == [
        "channel",
        "message_length",
        "hour",
    ]
    assert section["proxies"][0]["association_text"] == "0.41"
    assert section["proxies"][0]["measure_text"] == "cramers v"


def test_explainability_absent_says_not_provided(inputs_without_explainability):
    context = build_context(**inputs_without_explainability)

    assert context["explainability"]["provided"] is False
    assert context["explainability"]["text"].startswith("Not provided")
    assert texts.NO_EXPLAINABILITY[0] in [gap["title"] for gap in context["not_recorded"]]


def test_explainability_switched_off_says_so(inputs_without_explainability):
    inputs_without_explainability["run"]["config"]["explain"] = False

    context = build_context(**inputs_without_explainability)

    assert "switched off" in context["explainability"]["text"]


def test_crosscheck_rows(inputs):
    context = build_context(**inputs)

    rows = {row["library"]: row for row in context["crosscheck"]["rows"]}
    assert rows["fairlearn"]["verdict_text"] == "agrees exactly"
    assert rows["aif360"]["max_abs_diff_text"] == "1.1e-16"
    assert rows["fairlearn"]["details"] == "compared: 120, rows: 4,000"


def test_parameters_and_method_notes_use_the_run_config(inputs):
    context = build_context(**inputs)

    parameters = {row["key"]: row["value"] for row in context["parameters"]}
    assert parameters["confidence"] == "95%"
    assert parameters["min_group_size"] == str(MIN_GROUP_SIZE)
    assert parameters["intersections"] == "yes"
    notes = " ".join(note["text"] for note in context["method_notes"])
    assert "Wilson score interval at 95% confidence" in notes
    assert "from 1,000 resamples" in notes
    assert "fewer than 30 rows" in notes
    assert context["interval_text"] == "95% Wilson interval"


def test_threshold_falls_back_to_the_disparities(inputs):
    del inputs["run"]["config"]["threshold"]

    context = build_context(**inputs)

    assert attribute(context, "dialect")["charts"][0]["threshold"] == THRESHOLD


def test_a_version_without_flagged_labels_charts_every_label(results):
    inputs = build_inputs(results)
    inputs["version"]["flagged_labels"] = []

    context = build_context(**inputs)

    dialect = attribute(context, "dialect")
    assert [chart["label"] for chart in dialect["charts"]] == ["anger", "joy", "neutral"]
    assert dialect["other_labels"]["labels"] == ["flagged"]


def test_tidy_rows_join_suppression(inputs, results):
    context = build_context(**inputs)

    metrics = context["tidy"]["metrics"]
    assert len(metrics) == len(results["metrics"])
    assert len(context["tidy"]["disparities"]) == len(results["disparities"])
    missing = [row for row in metrics if row["group"] == "(missing)"]
    assert missing
    assert all(row["suppressed"] and row["value"] is None for row in missing)


def mutate(inputs, path, value):
    target = inputs
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("run", "status"), "running", ctx.ERR_RUN_NOT_FINISHED.format(status="running")),
        (
            ("results", "metrics", 5, "value"),
            "0.2",
            read.ERR_NOT_NUMBER.format(field="results.metrics[5].value", value="0.2"),
        ),
        (
            ("results", "metrics", 0, "value"),
            float("nan"),
            read.ERR_NOT_FINITE.format(field="results.metrics[0].value", value=float("nan")),
        ),
        (
            ("results", "metrics", 0, "attribute"),
            KeyError,
            read.ERR_MISSING.format(field="results.metrics[0].attribute"),
        ),
        (
            ("results", "metrics", 3, "group"),
            "martian",
            reader.ERR_UNKNOWN_GROUP.format(
                field="results.metrics[3]", group="martian", attribute="dialect"
            ),
        ),
        (
            ("results", "groups", 1, "n"),
            -1,
            read.ERR_NOT_COUNT.format(field="results.groups[1].n", value=-1),
        ),
        (
            ("results", "groups", 1, "group"),
            "scots",
            reader.ERR_DUPLICATE_GROUP.format(index=1, group="scots", attribute="dialect"),
        ),
        (
            ("results", "disparities", 2, "kind"),
            "quotient",
            reader.ERR_UNKNOWN_KIND.format(index=2, allowed=reader.KINDS, value="quotient"),
        ),
        (
            ("results", "findings", 1, "severity"),
            "critical",
            ctx.ERR_UNKNOWN_SEVERITY.format(
                field="results.findings[1]", allowed=ctx.SEVERITY_ORDER, value="critical"
            ),
        ),
        (
            ("system", "screening", "category"),
            "banned",
            identity.ERR_UNKNOWN_CATEGORY.format(
                allowed=tuple(identity.SCREENING_TEXT), value="banned"
            ),
        ),
        (
            ("run", "finished_at"),
            "last Tuesday",
            fmt.ERR_BAD_DATE.format(field="run.finished_at", value="last Tuesday"),
        ),
        (
            ("results", "has_ground_truth"),
            "yes",
            read.ERR_NOT_BOOL.format(field="results.has_ground_truth", value="yes"),
        ),
        (("batch",), [], read.ERR_NOT_MAPPING.format(field="batch", kind="list")),
    ],
)
def test_bad_input_names_the_field(inputs, path, value, message):
    inputs = copy.deepcopy(inputs)
    mutate(inputs, path, value)

    with pytest.raises(ValueError, match=re.escape(message)) as error:
        build_context(**inputs)

    assert str(error.value) == message


def test_no_threshold_anywhere_is_an_error(inputs):
    del inputs["run"]["config"]["threshold"]
    for row in inputs["results"]["disparities"]:
        row["threshold"] = None

    with pytest.raises(ValueError, match=re.escape(ctx.ERR_NO_THRESHOLD)) as error:
        build_context(**inputs)

    assert str(error.value) == ctx.ERR_NO_THRESHOLD


def test_building_the_context_leaves_the_inputs_untouched(inputs):
    before = copy.deepcopy(inputs)

    build_context(**inputs)

    assert inputs == before
