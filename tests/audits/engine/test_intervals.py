import math

import numpy as np
import pytest

from audits.engine.intervals import (
    bootstrap_rates,
    holm,
    percentile_interval,
    two_proportion_p_value,
    wilson_interval,
    z_value,
)


def test_z_value_is_the_two_sided_normal_quantile():
    assert z_value(0.95) == pytest.approx(1.959963984540054, abs=1e-12)


def test_wilson_interval_of_two_in_four():
    low, high = wilson_interval(np.array([2]), np.array([4]), confidence=0.95)

    # p = 0.5, n = 4, z^2 = 3.8415: centre 0.5, half = z sqrt(0.0625 + 0.0600) / 1.9604 = 0.3500
    assert low[0] == pytest.approx(0.15003898915214947, abs=1e-12)
    assert high[0] == pytest.approx(0.8499610108478506, abs=1e-12)


def test_wilson_interval_ends_are_exact_at_zero_and_all_and_undefined_without_trials():
    low, high = wilson_interval(np.array([0, 5, 0]), np.array([5, 5, 0]), confidence=0.95)

    assert low[0] == 0.0
    assert high[1] == 1.0
    # 0 of 5: upper end z^2/n / (1 + z^2/n) = 0.7683 / 1.7683
    assert high[0] == pytest.approx(0.7683 / 1.7683, abs=1e-4)
    assert math.isnan(low[2])
    assert math.isnan(high[2])


def test_two_proportion_test_matches_the_textbook_formula():
    # 10/50 against 20/50: pooled 0.3, se = sqrt(0.3 * 0.7 * (2/50)) = 0.0917, z = 0.2/0.0917 = 2.182
    p = two_proportion_p_value(10, 50, 20, 50)

    assert p == pytest.approx(math.erfc(0.2 / math.sqrt(0.3 * 0.7 * 0.04) / math.sqrt(2)))
    assert p == pytest.approx(0.0291, abs=1e-4)  # two-sided normal tail beyond 2.182
    assert two_proportion_p_value(0, 10, 0, 20) == 1.0  # both zero: no difference
    assert two_proportion_p_value(1, 0, 1, 2) is None


def test_holm_adjusts_step_down_and_keeps_the_input_order():
    # sorted: 0.01 x 3 = 0.03; 0.02 x 2 = 0.04; 0.04 x 1 = 0.04 (monotone)
    assert holm([0.04, 0.01, 0.02]) == pytest.approx([0.04, 0.03, 0.04])
    assert holm([0.5, 0.6]) == [1.0, 1.0]  # capped at 1
    assert holm([]) == []


def test_bootstrap_is_reproducible_and_centred_on_the_observed_rates():
    arguments = {
        "size": np.array([[1000, 400]]),
        "denominator": np.array([[1000, 400]]),
        "numerator": np.array([[300, 200]]),
        "conditional": np.array([False]),
        "resamples": 2000,
    }

    first = bootstrap_rates(**arguments, rng=np.random.default_rng(5))
    second = bootstrap_rates(**arguments, rng=np.random.default_rng(5))

    assert np.array_equal(first, second)
    assert first.shape == (1, 2, 2000)
    assert first[0, 0].mean() == pytest.approx(0.3, abs=0.01)
    assert first[0, 1].mean() == pytest.approx(0.5, abs=0.01)
    # binomial standard error of 300/1000: sqrt(0.3 * 0.7 / 1000) = 0.0145
    assert first[0, 0].std() == pytest.approx(0.0145, abs=0.002)


def test_conditional_rates_resample_their_denominator_too():
    draws = bootstrap_rates(
        size=np.array([[100, 100]]),
        denominator=np.array([[2, 50]]),  # 2 positives of 100 rows: often 0 after resampling
        numerator=np.array([[1, 25]]),
        conditional=np.array([True]),
        resamples=1000,
        rng=np.random.default_rng(0),
    )

    # P(no positive) = 0.98^100 = 0.133: about that share of the first group's rates are undefined
    assert np.isnan(draws[0, 0]).mean() == pytest.approx(0.133, abs=0.04)
    assert not np.isnan(draws[0, 1]).any()


def test_percentile_interval_uses_linear_quantiles_of_the_defined_draws():
    draws = np.array([np.arange(101.0), np.r_[np.full(3, np.nan), np.arange(98.0)]])

    low, high = percentile_interval(draws, confidence=0.9)

    assert (low[0], high[0]) == (5.0, 95.0)  # 5% and 95% of 0..100
    # 3 of 101 undefined (under 5%): quantiles of 0..97, 0.05 * 97 = 4.85 and 0.95 * 97 = 92.15
    assert low[1] == pytest.approx(4.85)
    assert high[1] == pytest.approx(92.15)


def test_percentile_interval_is_undefined_when_too_many_draws_are():
    draws = np.r_[np.full(10, np.nan), np.arange(90.0)][None, :]  # 10% undefined > 2.5%

    low, high = percentile_interval(draws, confidence=0.95)

    assert math.isnan(low[0])
    assert math.isnan(high[0])
