import re

import pytest

from audits.reports import formatting as fmt


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.2134, "21.3%"),
        (0.0, "0.0%"),
        (1.0, "100.0%"),
        (0.0004, "<0.1%"),  # rounds to 0.0 but is not zero
        (0.99996, ">99.9%"),  # rounds to 100.0 but is not everything
        (None, "not defined"),
    ],
)
def test_percent(value, expected):
    assert fmt.percent(value) == expected


def test_intervals_and_ratios():
    assert fmt.percent_interval(0.18, 0.24) == "18.0\u201324.0%"
    assert fmt.percent_interval(None, 0.24) == "not defined"
    assert fmt.ratio(0.6234) == "0.62"
    assert fmt.ratio_interval(0.51, 0.744) == "0.51\u20130.74"
    assert fmt.points(0.123) == "12.3 points"
    assert fmt.points_interval(0.07, 0.13) == "7.0\u201313.0 points"


@pytest.mark.parametrize(("value", "expected"), [(0.95, "95%"), (0.975, "97.5%"), (0.9, "90%")])
def test_exact_percent_keeps_configured_levels_exact(value, expected):
    assert fmt.exact_percent(value) == expected


def test_dates_are_shown_in_utc():
    assert (
        fmt.date_time("2026-03-12T14:05:09+01:00", field="run.finished_at")
        == "2026-03-12 13:05 UTC"
    )
    assert fmt.date_time("2026-03-12T14:05:09Z", field="run.finished_at") == "2026-03-12 14:05 UTC"
    assert fmt.date_time(None, field="run.finished_at") == "not recorded"


def test_a_bad_date_names_the_field():
    with pytest.raises(ValueError, match=re.escape("run.finished_at")) as error:
        fmt.date("yesterday", field="run.finished_at")

    assert str(error.value) == fmt.ERR_BAD_DATE.format(field="run.finished_at", value="yesterday")


def test_small_figures_keep_three_significant_digits():
    assert fmt.figure(0.020412) == "0.0204"
    assert fmt.figure(0.0) == "0"
    assert fmt.figure(1.1e-16) == "1.1e-16"
    assert fmt.count(12000) == "12,000"
