import numpy as np
import pytest
from sklearn.calibration import calibration_curve
from sklearn.metrics import roc_auc_score

from audits.engine import AuditConfig, AuditInputError, count, encode, finalize
from audits.engine import scores as module

LABELS = ("anger", "joy", "neutral")


def scored(n, *, seed, grid=None, truth=True, groups=("a", "b")):
    rng = np.random.default_rng(seed)
    names = np.array(LABELS, dtype=object)
    y_true = names[rng.integers(0, 3, n)]
    raw = rng.random(n) * 0.6 + 0.4 * (y_true == "anger")
    anger = np.round(raw * grid) / grid if grid else raw
    return {
        "y_pred": names[rng.integers(0, 3, n)],
        "y_true": y_true if truth else None,
        "sensitive": {"g": np.array(groups, dtype=object)[rng.integers(0, len(groups), n)]},
        "scores": {"anger": anger},
    }


def results_of(columns, *, score_bins=1000, **options):
    settings = {
        "sensitive": ("g",),
        "labels": LABELS,
        "min_group_size": 1,
        "bootstrap": 0,
        **options,
    }
    counts = count(encode(**columns, labels=LABELS), score_bins=score_bins)
    return finalize(counts, AuditConfig(**settings))


def entry(result, group):
    (found,) = [g for g in result["score_metrics"]["groups"] if g["group"] == group]
    return found


def test_auc_equals_sklearn_exactly_when_scores_lie_on_the_bin_grid():
    columns = scored(3000, seed=1, grid=1000)
    result = results_of(columns)

    for group in ("a", "b"):
        rows = columns["sensitive"]["g"] == group
        expected = roc_auc_score(
            columns["y_true"][rows] == "anger", columns["scores"]["anger"][rows]
        )
        assert entry(result, group)["auc"] == pytest.approx(expected, abs=1e-12)


def test_auc_of_continuous_scores_is_within_its_reported_bound():
    columns = scored(3000, seed=2)
    result = results_of(columns, score_bins=100)

    overall = result["score_metrics"]["overall"][0]
    expected = roc_auc_score(columns["y_true"] == "anger", columns["scores"]["anger"])
    assert 0 < overall["auc_max_error"] < 0.01
    assert abs(overall["auc"] - expected) <= overall["auc_max_error"]


def test_hand_computed_auc_counts_ties_in_a_bin_as_half():
    # positives score 0.9 and 0.5, negatives 0.5 and 0.1: pairs (0.9 > 0.5), (0.9 > 0.1),
    # (0.5 = 0.5: one half), (0.5 > 0.1) -> 3.5 / 4
    columns = {
        "y_pred": ["joy"] * 4,
        "y_true": ["anger", "anger", "joy", "joy"],
        "sensitive": {"g": ["a"] * 4},
        "scores": {"anger": [0.9, 0.5, 0.5, 0.1]},
    }

    overall = results_of(columns)["score_metrics"]["overall"][0]

    assert overall["auc"] == 0.875
    assert overall["auc_max_error"] == 0.125  # the tied pair: 1/2 of 1 pair over 4
    assert overall["mean_score"] == 0.5  # (0.9 + 0.5 + 0.5 + 0.1) / 4


def test_calibration_matches_sklearns_uniform_bins():
    columns = scored(4000, seed=3)
    result = results_of(columns)

    truth = columns["y_true"] == "anger"
    score = columns["scores"]["anger"]
    observed, predicted = calibration_curve(truth, score, n_bins=10, strategy="uniform")
    overall = result["score_metrics"]["overall"][0]
    bins = overall["reliability"]
    assert [b["observed_rate"] for b in bins] == pytest.approx(observed, abs=1e-12)
    assert [b["mean_score"] for b in bins] == pytest.approx(predicted, abs=1e-9)  # 2**-32 grid
    edges = np.minimum((score * 10).astype(int), 9)
    ece = sum(
        (edges == c).sum() / len(score) * abs(score[edges == c].mean() - truth[edges == c].mean())
        for c in np.unique(edges)
    )
    assert overall["ece"] == pytest.approx(ece, abs=1e-9)


def test_mean_score_per_group_is_exact_to_the_sum_grid():
    columns = scored(500, seed=4)
    result = results_of(columns)

    rows = columns["sensitive"]["g"] == "b"
    assert entry(result, "b")["mean_score"] == pytest.approx(
        columns["scores"]["anger"][rows].mean(), abs=1e-12
    )


def test_without_ground_truth_only_mean_scores_and_suppressed_groups_are_withheld():
    columns = scored(100, seed=5, truth=False, groups=("a", "a", "a", "b"))
    result = results_of(columns, min_group_size=40)

    small = entry(result, "b")
    assert small["suppressed"] is True
    assert small["mean_score"] is None
    assert small["n"] == int((columns["sensitive"]["g"] == "b").sum())
    assert set(entry(result, "a")) == {
        "attribute",
        "group",
        "label",
        "suppressed",
        "n",
        "mean_score",
    }


def test_no_score_columns_no_score_metrics():
    columns = scored(50, seed=6)
    columns["scores"] = None

    assert results_of(columns)["score_metrics"] is None


def test_calibration_bins_must_divide_the_score_bins():
    with pytest.raises(AuditInputError) as error:
        results_of(scored(50, seed=7), score_bins=1000, calibration_bins=7)

    assert str(error.value) == module.SCORES_CALIBRATION_BINS.format(calibration=7, bins=1000)
