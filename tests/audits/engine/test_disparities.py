import pytest

from audits.engine import AuditConfig, count, encode, finalize
from audits.engine import disparities as module

LABELS = ("anger", "joy", "neutral")


def rows_with(rates: dict[str, tuple[int, int]], *, truth: bool = False):
    """Rows where group g has `anger` predicted a of b times, `joy` otherwise."""
    groups, predicted = [], []
    for group, (angry, total) in rates.items():
        groups += [group] * total
        predicted += ["anger"] * angry + ["joy"] * (total - angry)
    return {
        "y_pred": predicted,
        "y_true": predicted if truth else None,
        "sensitive": {"g": groups},
    }


def audit_of(columns, **options):
    settings = {
        "sensitive": ("g",),
        "labels": LABELS,
        "min_group_size": 1,
        "bootstrap": 0,
        **options,
    }
    encoded = encode(**columns, labels=LABELS)
    return finalize(count(encoded), AuditConfig(**settings))


def row(result, label, metric, kind):
    (found,) = [
        d
        for d in result["disparities"]
        if (d["label"], d["metric"], d["kind"]) == (label, metric, kind)
    ]
    return found


def test_ratio_is_lowest_over_highest_and_difference_highest_minus_lowest():
    result = audit_of(rows_with({"a": (20, 100), "b": (50, 100), "c": (30, 100)}))

    ratio = row(result, "anger", "selection_rate", "ratio")
    difference = row(result, "anger", "selection_rate", "difference")
    assert (ratio["group"], ratio["reference_group"]) == ("a", "b")
    assert ratio["value"] == 0.4  # 0.20 / 0.50
    assert difference["value"] == 0.3  # 0.50 - 0.20
    assert (ratio["group_value"], ratio["reference_value"]) == (0.2, 0.5)
    assert ratio["flagged"] is True  # 0.4 < 0.8
    assert difference["flagged"] is True  # 0.3 > 1 - 0.8
    assert difference["threshold"] == 0.2
    assert ratio["groups_compared"] == 3


def test_exactly_at_the_threshold_is_not_flagged():
    # 0.40 / 0.50 = 0.8 and 0.50 - 0.30 = 0.2: on the line, computed exactly
    at_ratio = audit_of(rows_with({"a": (40, 100), "b": (50, 100)}))
    at_difference = audit_of(rows_with({"a": (30, 100), "b": (50, 100)}), threshold=0.6)

    assert row(at_ratio, "anger", "selection_rate", "ratio")["value"] == 0.8
    assert row(at_ratio, "anger", "selection_rate", "ratio")["flagged"] is False
    assert row(at_difference, "anger", "selection_rate", "difference")["flagged"] is False
    assert row(at_difference, "anger", "selection_rate", "ratio")["flagged"] is False  # 0.6 = 0.6


def test_just_below_the_threshold_is_flagged():
    # 399/1000 against 500/1000: 0.798 < 0.8
    result = audit_of(rows_with({"a": (399, 1000), "b": (500, 1000)}))

    assert row(result, "anger", "selection_rate", "ratio")["flagged"] is True


def test_ties_compare_the_first_and_last_group():
    result = audit_of(rows_with({"a": (5, 10), "b": (5, 10), "c": (5, 10)}))

    ratio = row(result, "anger", "selection_rate", "ratio")
    assert (ratio["group"], ratio["reference_group"], ratio["value"]) == ("a", "c", 1.0)


def test_a_label_nobody_gets_has_an_undefined_ratio_never_a_pass():
    result = audit_of(rows_with({"a": (5, 10), "b": (3, 10)}))

    ratio = row(result, "neutral", "selection_rate", "ratio")
    difference = row(result, "neutral", "selection_rate", "difference")
    assert (ratio["value"], ratio["flagged"], ratio["significant"]) == (None, None, None)
    assert ratio["reason"] == module.ZERO_RATES
    assert difference["value"] == 0.0  # 0 - 0 is defined


def test_one_group_or_suppressed_groups_cannot_be_compared():
    single = audit_of(rows_with({"a": (5, 10)}))
    suppressed = audit_of(rows_with({"a": (5, 10), "b": (3, 40)}), min_group_size=20)

    assert row(single, "anger", "selection_rate", "ratio")["reason"] == module.SINGLE_GROUP
    assert row(suppressed, "anger", "selection_rate", "ratio")["reason"] == module.SUPPRESSED
    assert row(suppressed, "anger", "selection_rate", "ratio")["value"] is None


def test_error_rates_skip_groups_where_they_are_undefined():
    # with truth = prediction, group a has no true anger: its true positive rate is 0/0
    result = audit_of(rows_with({"a": (0, 10), "b": (5, 10)}, truth=True))

    tpr = row(result, "anger", "true_positive_rate", "ratio")
    assert tpr["value"] is None
    assert tpr["reason"] == module.UNDEFINED_RATES
    assert tpr["groups_compared"] == 1


def test_bootstrap_interval_brackets_the_ratio_and_decides_significance():
    clear = audit_of(rows_with({"a": (100, 1000), "b": (300, 1000)}), bootstrap=500)
    unclear = audit_of(rows_with({"a": (2, 10), "b": (3, 10)}), bootstrap=500)

    strong = row(clear, "anger", "selection_rate", "ratio")
    assert strong["value"] == 1 / 3  # 0.1 / 0.3, exact fraction rounded once
    assert strong["ci_low"] < strong["value"] < strong["ci_high"] < 1
    assert strong["significant"] is True
    assert row(clear, "anger", "selection_rate", "difference")["significant"] is True
    weak = row(unclear, "anger", "selection_rate", "ratio")
    assert weak["ci_high"] > 1  # the same two groups can swap order in a resample
    assert weak["significant"] is False


def test_same_seed_same_intervals_other_seed_other_intervals():
    columns = rows_with({"a": (20, 100), "b": (50, 100)})

    first = row(audit_of(columns, bootstrap=200, seed=1), "anger", "selection_rate", "ratio")
    again = row(audit_of(columns, bootstrap=200, seed=1), "anger", "selection_rate", "ratio")
    other = row(audit_of(columns, bootstrap=200, seed=2), "anger", "selection_rate", "ratio")

    assert first == again
    assert (first["ci_low"], first["ci_high"]) != (other["ci_low"], other["ci_high"])


def test_holm_adjusts_every_comparison_of_the_audit():
    result = audit_of(rows_with({"a": (100, 1000), "b": (130, 1000)}))

    ratio = row(result, "anger", "selection_rate", "ratio")
    family = result["holm"]["family_size"]
    assert family == 2  # anger and joy selection rates; neutral (0 against 0) is no test
    assert result["holm"]["alpha"] == 0.05
    assert ratio["p_value"] < 0.05 < ratio["p_value"] * 3  # borderline: 10% against 13%
    assert ratio["p_value_holm"] == pytest.approx(min(1.0, ratio["p_value"] * 2))
    assert ratio["significant_holm"] is (ratio["p_value_holm"] < 0.05)
