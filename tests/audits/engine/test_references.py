"""Attune's point metrics equal fairlearn's MetricFrame and aif360's ClassificationMetric."""

import pytest

from audits.engine import AuditConfig, AuditInputError, audit, crosscheck
from audits.engine import references as module

from .batches import FLAGGED_LABELS, LABELS, batch

BINARY = ("flag", "ok")
TWO_ATTRIBUTES = {"gender": ("female", "male", "nonbinary"), "age_band": ("18-34", "35-64", "65+")}

CASES = {
    "binary": ({"labels": BINARY, "attributes": TWO_ATTRIBUTES}, ("flag",), {}),
    "six_class": ({}, FLAGGED_LABELS, {}),
    "six_class_no_truth": ({"truth": False}, FLAGGED_LABELS, {}),
    "suppressed_group": (
        {"attributes": {"dialect": ("scots", "standard", "welsh", "doric")}},
        FLAGGED_LABELS,
        {"min_group_size": 250},
    ),
    "missing_group": ({"missing": 0.1, "attributes": TWO_ATTRIBUTES}, FLAGGED_LABELS, {}),
    "all_zero_label": ({"never": ("surprise",), "attributes": TWO_ATTRIBUTES}, FLAGGED_LABELS, {}),
}


def run(case: str, *, rows: int = 1200, seed: int = 0):
    shape, flagged, options = CASES[case]
    columns = batch(rows, seed=seed, **shape)
    labels = shape.get("labels", LABELS)
    config = AuditConfig(
        sensitive=tuple(columns["sensitive"]),
        labels=labels,
        flagged_labels=flagged,
        bootstrap=0,
        inequality_sample=0,
        **options,
    )
    results = audit(**columns, config=config)
    checked = crosscheck(
        y_pred=columns["y_pred"],
        y_true=columns["y_true"],
        sensitive=columns["sensitive"],
        labels=labels,
        flagged_labels=flagged,
        results=results,
    )
    return results, checked


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_value_defined_in_both_is_equal(case):
    results, checked = run(case)

    defined = [m for m in results["metrics"] if m["value"] is not None]
    flagged = [m for m in defined if m["label"] == "flagged"]
    assert checked["sampled"] is False
    assert checked["fairlearn"] == {"max_abs_diff": 0.0, "compared": len(defined), "rows": 1200}
    assert checked["aif360"] == {"max_abs_diff": 0.0, "compared": len(flagged), "rows": 1200}
    assert len(flagged) > 0


def test_suppressed_and_undefined_values_are_not_compared():
    results, _ = run("suppressed_group")
    _, zero = run("all_zero_label")

    doric = [m for m in results["metrics"] if m["group"] == "doric"]
    assert doric
    assert all(m["value"] is None for m in doric)  # fairlearn would give a rate
    assert any(g["suppressed"] for g in results["groups"])
    assert (
        zero["fairlearn"]["max_abs_diff"] == 0.0
    )  # fairlearn's 0.0 precision for surprise skipped


def test_large_batches_are_compared_on_a_sample_recomputed_by_both():
    columns = batch(4000, seed=3, attributes=TWO_ATTRIBUTES)
    config = AuditConfig(
        sensitive=("gender", "age_band"), labels=LABELS, flagged_labels=FLAGGED_LABELS, bootstrap=0
    )
    results = audit(**columns, config=config)

    checked = crosscheck(
        y_pred=columns["y_pred"],
        y_true=columns["y_true"],
        sensitive=columns["sensitive"],
        labels=LABELS,
        flagged_labels=FLAGGED_LABELS,
        results=results,
        sample=700,
        seed=1,
    )

    assert checked["sampled"] is True
    assert checked["fairlearn"]["rows"] == checked["aif360"]["rows"] == 700
    assert checked["fairlearn"]["max_abs_diff"] == 0.0
    assert checked["fairlearn"]["compared"] > 300


def test_results_without_config_are_refused():
    with pytest.raises(AuditInputError) as error:
        crosscheck(
            y_pred=["joy"],
            y_true=None,
            sensitive={},
            labels=LABELS,
            flagged_labels=(),
            results={"n": 1},
        )

    assert str(error.value) == module.CROSSCHECK_RESULTS


def test_a_column_the_audit_used_must_be_given():
    results, _ = run("binary", rows=200)

    with pytest.raises(AuditInputError) as error:
        crosscheck(
            y_pred=["flag"] * 200,
            y_true=None,
            sensitive={"gender": ["a"] * 200},
            labels=BINARY,
            flagged_labels=("flag",),
            results=results,
        )

    assert str(error.value) == module.CROSSCHECK_COLUMN.format(column="age_band")
