import csv
import io
import re

import pytest

from audits.reports.context import build_context
from audits.reports.results_csv import COLUMNS, ERR_NOT_A_SOURCE, render_results_csv
from tests.audits.reports.sample import build_inputs, build_results


def parse(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_one_tidy_row_per_metric_then_per_disparity(results):
    text = render_results_csv(build_context(**build_inputs(results)))

    rows = parse(text)
    assert text.splitlines()[0] == ",".join(COLUMNS)
    assert len(rows) == len(results["metrics"]) + len(results["disparities"])
    tables = [row["table"] for row in rows]
    assert tables == ["metric"] * len(results["metrics"]) + ["disparity"] * len(
        results["disparities"]
    )
    first = rows[0]
    assert first["attribute"] == "dialect"
    assert first["group"] == "scots"
    assert first["label"] == "anger"
    assert first["metric"] == "selection_rate"
    assert float(first["value"]) == 0.2  # 160 / 800, written at full precision
    assert first["n"] == "800"
    assert first["suppressed"] == "false"


def test_nulls_are_empty_and_suppression_is_marked(results):
    rows = parse(render_results_csv(results))

    missing = [row for row in rows if row["table"] == "metric" and row["group"] == "(missing)"]
    assert missing
    assert all(row["value"] == "" and row["suppressed"] == "true" for row in missing)
    accuracy = next(row for row in rows if row["metric"] == "accuracy")
    assert accuracy["label"] == ""
    undefined = next(row for row in rows if row["table"] == "disparity" and row["value"] == "")
    assert undefined["metric"] == "false_positive_rate"
    assert undefined["flagged"] == "false"
    assert undefined["significant"] == ""


def test_a_context_and_the_raw_results_give_the_same_csv(results):
    assert render_results_csv(build_context(**build_inputs(results))) == render_results_csv(results)


def test_formula_group_names_are_neutralised_and_negative_numbers_kept():
    results = build_results(scots='=HYPERLINK("http://evil.example","x")')
    results["disparities"][1]["ci_low"] = -0.013

    rows = parse(render_results_csv(results))

    groups = {row["group"] for row in rows}
    assert '\'=HYPERLINK("http://evil.example","x")' in groups
    assert not any(group.startswith("=") for group in groups)
    references = {row["reference_group"] for row in rows if row["table"] == "disparity"}
    assert '\'=HYPERLINK("http://evil.example","x")' in references
    assert rows[len(results["metrics"]) + 1]["ci_low"] == "-0.013"  # a number, untouched


def test_a_source_that_is_neither_is_an_error():
    message = ERR_NOT_A_SOURCE.format(keys=["n"])

    with pytest.raises(ValueError, match=re.escape(message)) as error:
        render_results_csv({"n": 1})

    assert str(error.value) == message
