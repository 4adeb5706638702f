import pytest

from audits.engine import AuditConfig, AuditInputError, count, encode, finalize
from audits.engine import metrics as module
from audits.engine.results import FINALIZE_EMPTY

LABELS = ("anger", "joy", "neutral")
# (gender, true, predicted)
ROWS = [
    ("f", "anger", "anger"),
    ("f", "anger", "joy"),
    ("f", "joy", "joy"),
    ("f", "neutral", "anger"),
    ("m", "anger", "anger"),
    ("m", "joy", "joy"),
    ("m", "joy", "neutral"),
    ("m", "neutral", "neutral"),
]


def results(rows=ROWS, **options):
    settings = {
        "sensitive": ("gender",),
        "labels": LABELS,
        "flagged_labels": ("anger",),
        "min_group_size": 1,
        "bootstrap": 0,
        **options,
    }
    config = AuditConfig(**settings)
    encoded = encode(
        y_pred=[r[2] for r in rows],
        y_true=[r[1] for r in rows],
        labels=LABELS,
        sensitive={"gender": [r[0] for r in rows]},
    )
    return finalize(count(encoded), config)


def metric(result, group, label, name):
    (row,) = [
        m
        for m in result["metrics"]
        if (m["group"], m["label"], m["metric"]) == (group, label, name)
    ]
    return row


def test_groups_report_size_share_and_suppression():
    result = results()

    assert result["groups"] == [
        {
            "attribute": "gender",
            "group": "f",
            "values": ["f"],
            "n": 4,
            "share": 0.5,
            "suppressed": False,
        },
        {
            "attribute": "gender",
            "group": "m",
            "values": ["m"],
            "n": 4,
            "share": 0.5,
            "suppressed": False,
        },
    ]


@pytest.mark.parametrize(
    ("group", "label", "name", "value"),
    [
        ("f", "anger", "selection_rate", 0.5),  # predicted anger 2 of 4
        ("m", "anger", "selection_rate", 0.25),  # 1 of 4
        ("f", "anger", "true_positive_rate", 0.5),  # true anger 2, found 1
        ("m", "anger", "true_positive_rate", 1.0),  # true anger 1, found 1
        ("f", "anger", "false_positive_rate", 0.5),  # not anger 2 (joy, neutral), called anger 1
        ("m", "anger", "false_positive_rate", 0.0),  # not anger 3, called anger 0
        ("f", "anger", "false_negative_rate", 0.5),  # true anger 2, missed 1
        ("f", "anger", "precision", 0.5),  # predicted anger 2, right 1
        ("m", "joy", "true_positive_rate", 0.5),  # true joy 2, found 1
        ("f", "joy", "false_positive_rate", 1 / 3),  # not joy 3, called joy 1
        ("m", "neutral", "precision", 0.5),  # predicted neutral 2, right 1
        ("f", None, "accuracy", 0.5),  # right 2 of 4
        ("m", None, "accuracy", 0.75),  # right 3 of 4
        ("f", "flagged", "selection_rate", 0.5),  # flagged = anger only here
    ],
)
def test_rates_per_group_and_label(group, label, name, value):
    assert metric(results(), group, label, name)["value"] == value


def test_zero_over_zero_is_null_not_zero():
    row = metric(results(), "f", "neutral", "precision")  # f never predicted neutral

    assert (row["value"], row["ci_low"], row["ci_high"]) == (None, None, None)
    assert (row["numerator"], row["denominator"]) == (0, 0)


def test_rates_carry_wilson_intervals_and_their_counts():
    row = metric(results(), "f", "anger", "selection_rate")

    assert (row["numerator"], row["denominator"], row["n"]) == (2, 4, 4)
    # Wilson interval of 2 of 4 at 95%: 0.1500 to 0.8500
    assert row["ci_low"] == pytest.approx(0.1500, abs=1e-4)
    assert row["ci_high"] == pytest.approx(0.8500, abs=1e-4)


def test_small_groups_are_suppressed_but_their_counts_stay():
    result = results(min_group_size=5)

    assert [g["suppressed"] for g in result["groups"]] == [True, True]
    row = metric(result, "f", "anger", "selection_rate")
    assert (row["value"], row["ci_low"], row["numerator"], row["n"]) == (None, None, 2, 4)


def test_without_ground_truth_only_selection_rates_are_reported():
    config = AuditConfig(sensitive=("g",), labels=LABELS, min_group_size=1, bootstrap=0)
    encoded = encode(
        y_pred=["anger", "joy", "joy"], labels=LABELS, sensitive={"g": ["a", "a", "b"]}
    )

    result = finalize(count(encoded), config)

    assert {m["metric"] for m in result["metrics"]} == {"selection_rate"}
    assert {m["label"] for m in result["metrics"]} == set(LABELS)  # no flagged labels: no view
    assert result["has_ground_truth"] is False


def test_intersections_join_names_in_declared_order_and_pairs_appear_with_three_columns():
    config = AuditConfig(sensitive=("b", "a", "c"), labels=LABELS, min_group_size=1, bootstrap=0)
    encoded = encode(
        y_pred=["joy", "anger"],
        labels=LABELS,
        sensitive={"a": ["x", "y"], "b": ["p", "q"], "c": ["s", "t"]},
    )

    result = finalize(count(encoded), config)

    assert [a["attribute"] for a in result["attributes"]] == [
        "b",
        "a",
        "c",
        "b&a",
        "b&c",
        "a&c",
        "b&a&c",
    ]
    assert [a["kind"] for a in result["attributes"]][3:] == ["pair", "pair", "pair", "intersection"]
    groups = [g["group"] for g in result["groups"] if g["attribute"] == "b&a&c"]
    assert groups == ["p&x&s", "q&y&t"]


def test_intersections_can_be_turned_off():
    config = AuditConfig(sensitive=("a", "b"), labels=LABELS, intersections=False, bootstrap=0)
    encoded = encode(y_pred=["joy"], labels=LABELS, sensitive={"a": ["x"], "b": ["y"]})

    result = finalize(count(encoded), config)

    assert [a["attribute"] for a in result["attributes"]] == ["a", "b"]


def test_config_must_match_the_counts():
    encoded = encode(y_pred=["joy"], labels=LABELS, sensitive={"g": ["a"]})
    counts = count(encoded)

    with pytest.raises(AuditInputError) as error:
        finalize(counts, AuditConfig(sensitive=("h",), labels=LABELS))
    assert str(error.value) == module.FINALIZE_ATTRIBUTE_UNKNOWN.format(column="h", available="g")

    with pytest.raises(AuditInputError) as error:
        finalize(counts, AuditConfig(sensitive=("g",), labels=("joy", "anger", "neutral")))
    assert str(error.value) == module.FINALIZE_LABELS.format(
        config=["joy", "anger", "neutral"], counts=list(LABELS)
    )


def test_overall_metrics_cover_every_row():
    overall = {(o["label"], o["metric"]): o for o in results()["overall"]}

    assert overall[("anger", "selection_rate")]["value"] == 3 / 8  # 3 anger predictions of 8
    assert overall[(None, "accuracy")]["value"] == 5 / 8  # 2 right for f + 3 for m


def test_counts_without_rows_cannot_be_finalized():
    encoded = encode(y_pred=["joy"], labels=LABELS, sensitive={"g": ["a"]})

    with pytest.raises(AuditInputError) as error:
        finalize(count(encoded.rows(0, 0)), AuditConfig(sensitive=("g",), labels=LABELS))

    assert str(error.value) == FINALIZE_EMPTY
