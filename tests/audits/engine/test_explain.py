import importlib
import json
import math
import subprocess
import sys

import numpy as np
import pytest
from scipy.stats.contingency import association

from audits.engine.explain import ExplainInputError, correlation_ratio, cramers_v, explain

# The package re-exports the function `explain` under the module's name: fetch the module itself.
ex = importlib.import_module("audits.engine.explain")

LABELS = ["anger", "joy", "neutral"]
N = 1200  # 600 per age band; hour cycles 0..23 exactly 25 times in each band


def _shop(n: int = N) -> dict:
    """Rows alternate age bands; 'channel' copies the band; predictions follow channel and hour.

    anger when channel is phone (the 40_plus band), else joy before noon and neutral after;
    'noise' is irrelevant to both the predictions and the bands.
    """
    i = np.arange(n)
    age_band = np.where(i % 2 == 0, "under_40", "40_plus").astype(object)
    channel = np.where(i % 2 == 0, "app", "phone").astype(object)
    hour = ((i // 2) % 24).astype(np.int64)
    noise = np.random.default_rng(7).normal(size=n)
    predictions = np.where(channel == "phone", "anger", np.where(hour < 12, "joy", "neutral"))
    return {
        "features": {"channel": channel, "hour": hour, "noise": noise},
        "predictions": predictions.astype(object),
        "labels": LABELS,
        "sensitive": {"age_band": age_band},
    }


def _permuted(data: dict, order: np.ndarray) -> dict:
    return {
        **data,
        "features": {k: v[order] for k, v in data["features"].items()},
        "predictions": data["predictions"][order],
        "sensitive": {k: v[order] for k, v in data["sensitive"].items()},
    }


def _kinds(result: ex.ExplainResult) -> list[tuple[str, str, str | None, str | None]]:
    return [(f.kind, f.severity, f.feature, f.attribute) for f in result.findings]


# --- associations -------------------------------------------------------------------------------


def test_cramers_v_of_a_two_by_two_table_by_hand():
    # table [[30, 10], [10, 30]]: every expected count is 40 * 40 / 80 = 20,
    # chi2 = 4 * (10^2 / 20) = 20, V = sqrt(20 / (80 * 1)) = 0.5
    a = np.array(["x"] * 40 + ["y"] * 40)
    b = np.array(["p"] * 30 + ["q"] * 10 + ["p"] * 10 + ["q"] * 30)

    assert cramers_v(a, b) == pytest.approx(0.5, abs=1e-15)


def test_cramers_v_equals_scipy_association_without_correction():
    a = np.repeat([0, 1, 2], [50, 70, 80])
    b = np.tile([0, 1, 2, 3], 50)
    table = np.zeros((3, 4), dtype=np.int64)
    np.add.at(table, (a, b), 1)

    assert cramers_v(a, b) == pytest.approx(association(table, method="cramer"), abs=1e-12)


def test_cramers_v_is_undefined_when_one_side_has_a_single_level():
    assert cramers_v(np.array(["x", "x", "x"]), np.array(["p", "q", "p"])) is None


def test_correlation_ratio_by_hand():
    # a: 1, 3 (mean 2); b: 5, 7 (mean 6); grand mean 4
    # SS_between = 2 * (2 - 4)^2 + 2 * (6 - 4)^2 = 16; SS_total = 9 + 1 + 1 + 9 = 20
    values = np.array([1.0, 3.0, 5.0, 7.0])
    groups = np.array(["a", "a", "b", "b"])

    assert correlation_ratio(values, groups) == pytest.approx(math.sqrt(16 / 20), abs=1e-15)


def test_correlation_ratio_is_zero_for_equal_group_means_and_undefined_without_variance():
    groups = np.array(["a", "a", "b", "b"])

    assert correlation_ratio(np.array([1.0, 3.0, 2.0, 2.0]), groups) == 0.0  # means 2 and 2
    assert correlation_ratio(np.array([4.0, 4.0, 4.0, 4.0]), groups) is None  # SS_total = 0


def test_associations_refuse_arrays_of_different_lengths():
    message = ex.ASSOCIATION_LENGTHS.format(a=3, b=2)

    with pytest.raises(ExplainInputError) as cramer:
        cramers_v(np.array(["x", "y", "x"]), np.array(["p", "q"]))
    with pytest.raises(ExplainInputError) as eta:
        correlation_ratio(np.array([1.0, 2.0, 3.0]), np.array(["a", "b"]))

    assert str(cramer.value) == str(eta.value) == message


# --- proxies and importance ---------------------------------------------------------------------


def test_a_planted_proxy_that_drives_predictions_is_a_high_finding():
    result = explain(**_shop(), flagged_labels=["anger"])

    found = result.to_dict()
    assert _kinds(result) == [("explain.proxy", "high", "channel", "age_band")]
    assert found["findings"][0]["text"] == (
        "The model's output, including whether it flags a person (anger), depends strongly on "
        "'channel', which closely tracks the sensitive attribute 'age_band' (Cramer's V 1.00): "
        "it can act as a stand-in for age band. Check whether 'channel' is needed, and compare "
        "results across age band groups."
    )
    assert found["findings"][0]["clauses"] == list(ex.PROXY_CLAUSES)
    assert found["findings"][0]["verdict"] == "flag"
    assert found["surrogate"]["fidelity"] == 1.0  # labels are a function of channel and hour
    assert found["flagged"]["surrogate"]["fidelity"] == 1.0


def test_an_irrelevant_feature_is_neither_a_driver_nor_a_proxy():
    result = explain(**_shop())

    importance = {i.feature: i.mean_abs_shap for i in result.labels.importance}
    total = sum(importance.values())
    assert [i.feature for i in result.labels.importance][-1] == "noise"
    assert importance["noise"] / total < ex.MIN_DRIVER_SHARE
    proxies = {p.feature: p for p in result.proxies}
    assert proxies["noise"].measure == "correlation_ratio"
    assert proxies["noise"].association < ex.PROXY_ASSOCIATION
    # hour cycles 0..23 identically in both bands: equal group means, eta = 0 exactly
    assert proxies["hour"].association == 0.0
    assert proxies["channel"].measure == "cramers_v"
    assert proxies["channel"].association == pytest.approx(1.0)


def test_a_moderate_proxy_is_a_medium_finding_with_the_exact_association():
    # channel x band table [[420, 180], [180, 420]]: expected 300 each,
    # chi2 = 4 * 120^2 / 300 = 192, V = sqrt(192 / 1200) = 0.4
    data = _shop()
    band = data["sensitive"]["age_band"]
    first_420 = np.arange(N) // 2 < 420  # the first 420 rows of each band keep its channel
    channel = np.where(first_420 == (band == "under_40"), "app", "phone").astype(object)
    data["features"]["channel"] = channel
    data["predictions"] = np.where(
        channel == "phone", "anger", np.where(data["features"]["hour"] < 12, "joy", "neutral")
    ).astype(object)

    result = explain(**data)

    assert cramers_v(channel, band) == pytest.approx(0.4, abs=1e-12)
    assert _kinds(result) == [("explain.proxy", "medium", "channel", "age_band")]
    assert result.findings[0].association == pytest.approx(0.4, abs=1e-12)
    assert "is linked to the sensitive attribute 'age_band' (Cramer's V 0.40)" in (
        result.findings[0].text
    )


def test_a_numeric_proxy_is_measured_by_the_correlation_ratio():
    data = _shop()
    data["features"]["channel"] = np.where(data["features"]["channel"] == "phone", 3.0, 1.0)

    result = explain(**data)

    proxy = next(p for p in result.proxies if p.feature == "channel")
    assert (proxy.measure, proxy.association) == ("correlation_ratio", 1.0)  # values = band
    assert _kinds(result) == [("explain.proxy", "high", "channel", "age_band")]


def test_missingness_that_copies_a_group_is_a_proxy():
    data = _shop()
    data["features"]["channel"] = np.where(
        data["features"]["channel"] == "phone", None, "app"
    ).astype(object)

    result = explain(**data)

    proxy = next(p for p in result.proxies if p.feature == "channel")
    assert proxy.association == pytest.approx(1.0)  # missing is a level of its own
    assert result.labels.surrogate.fidelity == 1.0  # NaN routes the trees like a value


def test_using_the_sensitive_attribute_itself_is_direct_use():
    data = _shop()
    data["features"]["age_band"] = data["sensitive"]["age_band"]
    del data["features"]["channel"]

    result = explain(**data)

    assert _kinds(result) == [("explain.direct_use", "high", "age_band", "age_band")]
    assert result.findings[0].title == "The model's output depends on 'age_band' itself"


def test_no_influential_proxy_is_a_pass():
    data = _shop()
    del data["features"]["channel"]
    data["predictions"] = np.where(data["features"]["hour"] < 12, "joy", "neutral").astype(object)

    result = explain(**data)

    assert _kinds(result) == [("explain.proxy", "info", None, None)]
    assert result.findings[0].verdict == "pass"
    assert result.findings[0].title == ex.NO_PROXY_TITLE


def test_without_sensitive_attributes_proxies_are_not_checked():
    data = _shop()
    data["sensitive"] = {}

    result = explain(**data)

    assert result.proxies == ()
    assert [(f.title, f.verdict) for f in result.findings] == [
        (ex.NOT_CHECKED_TITLE, "insufficient_data")
    ]


def test_low_fidelity_is_reported_as_insufficient_data():
    data = _shop()
    # predictions cycle with the row number, which no feature carries (hour repeats every 48)
    data["predictions"] = np.array(LABELS, dtype=object)[np.arange(N) * 7 % 13 % 3]

    result = explain(**data)

    low = [f for f in result.findings if f.kind == "explain.low_fidelity"]
    assert len(low) == 1
    assert low[0].verdict == "insufficient_data"
    assert result.labels.surrogate.fidelity < ex.MIN_FIDELITY


def test_importance_is_given_per_group_and_null_for_small_groups():
    data = _shop()
    region = np.array(["north"] * (N - 10) + ["islands"] * 10, dtype=object)
    data["sensitive"]["region"] = region

    result = explain(**data)

    rows = [g for g in result.labels.importance_by_group if g.attribute == "region"]
    assert {(g.group, g.n) for g in rows} == {("north", N - 10), ("islands", 10)}
    assert all((g.mean_abs_shap is None) == (g.group == "islands") for g in rows)
    by_band = [g for g in result.labels.importance_by_group if g.attribute == "age_band"]
    assert len(by_band) == 2 * 3  # 2 bands x 3 features
    assert sum(g.n for g in by_band if g.feature == "channel") == N  # every SHAP row once


# --- sampling -----------------------------------------------------------------------------------


def test_sample_sizes_are_reported():
    result = explain(**_shop(), fit_sample=600, shap_sample=50)

    surrogate = result.to_dict()["surrogate"]
    assert {k: surrogate[k] for k in ("n_rows", "n_sample", "n_fit", "n_holdout", "n_shap")} == {
        "n_rows": 1200,
        "n_sample": 600,
        "n_fit": 480,  # 600 - 120
        "n_holdout": 120,  # 20% of 600
        "n_shap": 50,
    }
    assert (surrogate["sampled"], surrogate["sampling"]) == (True, "content_hash")
    by_band = [g for g in result.labels.importance_by_group if g.feature == "channel"]
    assert sum(g.n for g in by_band) == 50


def test_without_sampling_every_row_is_used():
    result = explain(**_shop())

    surrogate = result.labels.surrogate
    assert (surrogate.n_sample, surrogate.n_fit, surrogate.n_holdout) == (1200, 960, 240)
    assert (surrogate.n_shap, surrogate.sampled) == (1200, False)


def test_same_input_gives_the_same_result():
    first = explain(**_shop(), fit_sample=600, shap_sample=100, flagged_labels=["anger"])
    second = explain(**_shop(), fit_sample=600, shap_sample=100, flagged_labels=["anger"])

    assert first == second
    assert json.dumps(first.to_dict()) == json.dumps(second.to_dict())


def test_row_and_column_order_do_not_change_the_result():
    data = _shop()
    shuffled = _permuted(data, np.random.default_rng(11).permutation(N))
    shuffled["features"] = dict(reversed(shuffled["features"].items()))

    first = explain(**data, fit_sample=600, shap_sample=100)
    second = explain(**shuffled, fit_sample=600, shap_sample=100)

    assert first.to_dict() == second.to_dict()


def test_random_position_sampling_is_used_above_the_limit_and_is_deterministic():
    first = explain(**_shop(), fit_sample=600, order_independent_max_rows=1000)
    second = explain(**_shop(), fit_sample=600, order_independent_max_rows=1000)

    assert first.labels.surrogate.sampling == "random_positions"
    assert first.to_dict() == second.to_dict()


def test_prediction_codes_give_the_same_result_as_label_strings():
    data = _shop()
    codes = np.array([LABELS.index(p) for p in data["predictions"]], dtype=np.int64)

    assert explain(**{**data, "predictions": codes}) == explain(**data)


# --- encodings ----------------------------------------------------------------------------------


def test_free_text_is_excluded_and_high_cardinality_is_capped():
    data = _shop()
    data["features"]["comment"] = np.array([f"message {i}" for i in range(N)], dtype=object)
    data["features"]["postcode"] = np.array([f"P{i % 60:02d}" for i in range(N)], dtype=object)

    result = explain(**data)

    reason = ex.FREE_TEXT_REASON.format(levels=N, n=N, cap=50, share=0.5)
    assert result.excluded_features == (ex.ExcludedFeature("comment", reason),)
    postcode = next(f for f in result.features if f.feature == "postcode")
    assert (postcode.kind, postcode.levels, postcode.capped) == ("categorical", 50, True)


def test_an_empty_column_is_excluded_and_missing_groups_are_named():
    data = _shop()
    data["features"]["empty"] = np.full(N, np.nan)
    band = data["sensitive"]["age_band"].copy()
    band[:40] = None
    data["sensitive"]["age_band"] = band

    result = explain(**data)

    assert result.excluded_features == (
        ex.ExcludedFeature("empty", ex.NO_VALUES_REASON.format(n=N)),
    )
    groups = [g.group for g in result.labels.importance_by_group if g.feature == "channel"]
    assert groups == ["40_plus", "under_40", ex.MISSING_GROUP]  # by name, missing last


def test_groups_are_named_as_the_audit_engine_names_them():
    data = _shop()
    data["sensitive"] = {"visits": np.tile(np.array([1.0, 2.5, np.nan]), N // 3)}
    data["features"]["referrer"] = np.tile(np.array(["ad", "", None], dtype=object), N // 3)

    result = explain(**data)

    groups = [g.group for g in result.labels.importance_by_group if g.feature == "channel"]
    assert groups == ["1", "2.5", ex.MISSING_GROUP]
    referrer = next(f for f in result.features if f.feature == "referrer")
    assert referrer.levels == 1  # "" and None are both missing


def test_a_single_predicted_label_gives_no_surrogate_but_still_associations():
    data = _shop()
    data["predictions"] = np.full(N, "joy", dtype=object)

    result = explain(**data)

    found = result.to_dict()
    assert found["surrogate"]["fidelity"] is None
    assert found["surrogate"]["note"] == "every fitting row has the same label ('joy')"
    assert found["importance"] == []
    assert _kinds(result) == [("explain.no_surrogate", "info", None, None)]
    assert result.findings[0].verdict == "insufficient_data"
    assert len(found["proxies"]) == 3


def test_every_feature_excluded_gives_no_surrogate():
    data = _shop()
    data["features"] = {"empty": np.full(N, None, dtype=object)}

    result = explain(**data)

    assert result.labels.surrogate.note == "every feature column was excluded"
    assert result.findings[0].kind == "explain.no_surrogate"


def test_to_dict_is_json_safe_and_keeps_the_pinned_keys():
    found = explain(**_shop(), flagged_labels=["anger"]).to_dict()

    text = json.dumps(found, allow_nan=False)
    assert {"surrogate", "importance", "proxies"} <= found.keys()
    assert {"model", "fidelity"} <= found["surrogate"].keys()
    assert set(found["importance"][0]) == {"feature", "mean_abs_shap"}
    assert {"feature", "attribute", "association"} <= found["proxies"][0].keys()
    assert found["surrogate"]["model"] == ex.SURROGATE_MODEL
    assert found["flagged"]["surrogate"]["classes"] == ["not flagged", "flagged"]
    assert all(round(v, ex.DECIMALS) == v for v in _floats(json.loads(text)))


def _floats(value: object) -> list[float]:
    if isinstance(value, dict):
        return [f for v in value.values() for f in _floats(v)]
    if isinstance(value, list):
        return [f for v in value for f in _floats(v)]
    return [value] if isinstance(value, float) else []


# --- bad input ----------------------------------------------------------------------------------


def _bad(**changes: object) -> dict:
    data = _shop()
    for key, value in changes.items():
        if key in ("channel", "hour", "noise"):
            data["features"][key] = value
        elif key == "band":
            data["sensitive"]["age_band"] = value
        else:
            data[key] = value
    return data


def _with(array: np.ndarray, row: int, value: object) -> np.ndarray:
    changed = array.copy()
    changed[row] = value
    return changed


SHOP = _shop()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_bad(features={}), ex.NO_FEATURES),
        (
            _bad(hour=np.arange(N - 1)),
            ex.LENGTH_MISMATCH.format(column="hour", got=N - 1, expected=N),
        ),
        (
            _bad(band=SHOP["sensitive"]["age_band"][:5]),
            ex.LENGTH_MISMATCH.format(column="age_band", got=5, expected=N),
        ),
        (
            _bad(noise=np.zeros((N, 2))),
            ex.NOT_ONE_DIMENSIONAL.format(column="noise", shape=(N, 2)),
        ),
        (
            _bad(hour=np.zeros(N, dtype="datetime64[s]")),
            ex.UNSUPPORTED_DTYPE.format(column="hour", dtype="datetime64[s]"),
        ),
        (
            _bad(
                predictions=SHOP["predictions"][:99],
                features={"hour": np.arange(99)},
                sensitive={},
            ),
            ex.TOO_FEW_ROWS.format(minimum=100, got=99),
        ),
        (
            _bad(predictions=_with(SHOP["predictions"], 7, "rage")),
            ex.UNKNOWN_PREDICTION.format(row=7, value="rage"),
        ),
        (
            _bad(predictions=_with(SHOP["predictions"], 3, None)),
            ex.MISSING_PREDICTION.format(row=3),
        ),
        (
            _bad(predictions=np.full(N, 3)),
            ex.PREDICTION_CODE_OUT_OF_RANGE.format(row=0, value=3, highest=2),
        ),
        (
            _bad(noise=_with(SHOP["features"]["noise"], 9, np.inf)),
            ex.INFINITE_VALUE.format(row=9, column="noise"),
        ),
        (_bad(labels=[]), ex.NO_LABELS),
        (_bad(labels=["joy", "anger", "joy"]), ex.DUPLICATE_LABEL.format(label="joy")),
        (_bad(flagged_labels=["rage"]), ex.UNKNOWN_FLAGGED_LABEL.format(label="rage")),
        (_bad(fit_sample=50), ex.BAD_SAMPLE_SIZE.format(name="fit_sample", minimum=100, value=50)),
        (_bad(shap_sample=0), ex.BAD_SAMPLE_SIZE.format(name="shap_sample", minimum=1, value=0)),
        (_bad(seed=-1), ex.BAD_SEED.format(value=-1)),
    ],
)
def test_bad_input_is_refused_with_a_message_naming_it(data, message):
    with pytest.raises(ExplainInputError) as error:
        explain(**data)

    assert str(error.value) == message


def test_importing_explain_loads_no_django():
    code = (
        "import sys, audits.engine.explain; print(any(m.startswith('django') for m in sys.modules))"
    )

    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout

    assert output.strip() == "False"
