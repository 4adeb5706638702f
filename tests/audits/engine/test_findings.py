from audits.engine import AuditConfig, count, encode, finalize
from audits.engine import findings as module

LABELS = ("anger", "joy", "neutral")
SEVERITY = {"high": 0, "medium": 1, "low": 2, "info": 3}


def rows(spec: dict[str, tuple[int, int, int]]):
    """Per group: (rows, predicted anger, predicted neutral); the rest joy; truth = prediction."""
    groups, predicted = [], []
    for group, (total, anger, neutral) in spec.items():
        groups += [group] * total
        predicted += ["anger"] * anger + ["neutral"] * neutral + ["joy"] * (total - anger - neutral)
    return {"y_pred": predicted, "y_true": predicted, "sensitive": {"age_band": groups}}


def findings_of(columns, **options):
    settings = {
        "sensitive": ("age_band",),
        "labels": LABELS,
        "flagged_labels": ("anger",),
        "bootstrap": 400,
        **options,
    }
    encoded = encode(**columns, labels=LABELS)
    return finalize(count(encoded), AuditConfig(**settings))["findings"]


def about(found, metric, label):
    return [f for f in found if f["metric"] == metric and f["label"] == label]


def test_a_clear_disparity_is_a_high_flag_with_figures_interval_and_clause():
    found = findings_of(rows({"25-34": (1000, 100, 300), "65+": (1000, 200, 300)}))

    (anger,) = about(found, "selection_rate", "anger")
    assert (anger["severity"], anger["verdict"]) == ("high", "flag")
    assert anger["title"] == "age_band 65+ is labelled anger 2.00 times as often as age_band 25-34"
    assert "Rows with age_band 65+ are labelled anger 2.00 times as often" in anger["text"]
    assert "20.0% against 10.0%" in anger["text"]
    assert f"(95% CI {1 / anger['ci_high']:.2f}-{1 / anger['ci_low']:.2f})" in anger["text"]
    assert anger["value"] == 0.5  # 0.10 / 0.20, the ratio lowest over highest
    assert anger["clauses"] == [module.FOUR_FIFTHS, module.BIAS_EXAMINATION]
    assert (anger["group"], anger["reference_group"]) == ("25-34", "65+")
    assert found[0]["severity"] == "high"
    assert [SEVERITY[f["severity"]] for f in found] == sorted(
        SEVERITY[f["severity"]] for f in found
    )


def test_a_gap_in_small_groups_is_insufficient_data_not_a_flag():
    found = findings_of(rows({"25-34": (40, 4, 10), "65+": (40, 7, 10)}))

    (anger,) = about(found, "selection_rate", "anger")
    assert anger["value"] < 0.8  # 4/40 against 7/40 = 0.57
    assert (anger["verdict"], anger["severity"]) == ("insufficient_data", "medium")
    assert "cannot tell a real difference from chance" in anger["text"]


def test_a_label_nobody_gets_is_never_a_pass():
    found = findings_of(rows({"25-34": (500, 50, 0), "65+": (500, 60, 0)}))

    (neutral,) = about(found, "selection_rate", "neutral")
    assert neutral["verdict"] == "insufficient_data"
    assert "0/0" in neutral["text"]


def test_a_single_group_attribute_is_insufficient_data():
    found = findings_of(rows({"25-34": (500, 50, 50)}))

    (single,) = [f for f in found if f["title"] == "Only one age_band group in the data"]
    assert (single["verdict"], single["severity"]) == ("insufficient_data", "medium")
    summary = next(f for f in found if f["title"] == "What was checked")
    assert summary["verdict"] == "insufficient_data"  # nothing could be compared: no pass


def test_suppressed_groups_are_named_with_their_counts():
    found = findings_of(rows({"25-34": (500, 50, 50), "45-64": (500, 50, 50), "65+": (12, 1, 1)}))

    (suppressed,) = [
        f for f in found if f["title"] == "Too few rows to report some age_band groups"
    ]
    assert "65+: 12 rows" in suppressed["text"]
    assert "fewer than 30 rows" in suppressed["text"]
    assert suppressed["verdict"] == "insufficient_data"


def test_missing_values_are_reported_as_their_own_group():
    columns = rows({"25-34": (500, 50, 50), "65+": (500, 50, 50)})
    columns["sensitive"]["age_band"][:40] = [None] * 40

    found = findings_of(columns)

    (missing,) = [f for f in found if f["title"] == "Missing age_band values"]
    assert missing["text"].startswith("40 rows (4.0%) have no age_band value")


def test_nothing_flagged_gives_a_summary_that_says_what_was_checked():
    # the same ten (true, predicted) rows, 2000 times in each group: every ratio is exactly 1
    pattern = [("anger", "anger")] * 2 + [("anger", "joy"), ("joy", "anger")] + [("joy", "joy")] * 2
    pattern += [("joy", "neutral")] + [("neutral", "neutral")] * 2 + [("neutral", "joy")]
    truth, predicted = zip(*(pattern * 4000), strict=True)
    groups = ["25-34"] * 20000 + ["65+"] * 20000

    found = findings_of({"y_pred": predicted, "y_true": truth, "sensitive": {"age_band": groups}})

    summary = next(f for f in found if f["title"] == "What was checked")
    assert summary["verdict"] == "pass"
    assert summary["severity"] == "info"
    assert "Nothing was flagged." in summary["text"]
    assert "Checked 40000 rows by age_band" in summary["text"]
    assert module.GROUP_PERFORMANCE in summary["clauses"]
    assert not [f for f in found if f["verdict"] == "flag"]


def test_accuracy_gaps_cite_the_group_performance_clause():
    groups = ["a"] * 500 + ["b"] * 500
    truth = ["joy"] * 1000
    predicted = ["joy"] * 450 + ["anger"] * 50 + ["joy"] * 250 + ["anger"] * 250  # 90% vs 50% right

    found = findings_of({"y_pred": predicted, "y_true": truth, "sensitive": {"age_band": groups}})

    (accuracy,) = about(found, "accuracy", None)
    assert accuracy["verdict"] == "flag"
    assert accuracy["clauses"][0] == module.GROUP_PERFORMANCE
    assert (
        "right for 90.0% of rows with age_band a but for 50.0% with age_band b" in accuracy["text"]
    )


def test_without_bootstrap_the_verdict_rests_on_the_two_proportion_test():
    found = findings_of(rows({"25-34": (1000, 100, 300), "65+": (1000, 200, 300)}), bootstrap=0)

    (anger,) = about(found, "selection_rate", "anger")
    assert (anger["verdict"], anger["ci_low"]) == ("flag", None)
    assert "(no interval computed)" in anger["text"]
    assert "Without intervals (bootstrap off), a two-proportion test gives p = " in anger["text"]


def test_a_group_that_is_never_labelled_is_said_plainly_not_as_infinitely_often():
    found = findings_of(rows({"25-34": (1000, 0, 300), "65+": (1000, 200, 300)}))

    (anger,) = about(found, "selection_rate", "anger")
    assert anger["verdict"] == "flag"
    assert anger["title"] == "age_band 65+ is labelled anger, age_band 25-34 never is"
    assert (
        "labelled anger 20.0% of the time; rows with age_band 25-34 never are (0.0%)"
        in anger["text"]
    )
    assert "infinitely" not in anger["text"]
