from decimal import Decimal

import numpy as np
import pytest

from governance.exports.csvsafe import QUOTE_PREFIX, safe_cell


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://evil.example","click")',
        "+1+cmd|' /C calc'!A0",
        "-cmd",
        "@SUM(A1:A9)",
        "\t=1+1",
        "\r=1+1",
        "\0=1+1",
    ],
)
def test_text_starting_with_a_formula_trigger_is_quoted(text):
    assert safe_cell(text) == QUOTE_PREFIX + text


@pytest.mark.parametrize(
    "text", ["Mood triage", "65+", "a=b", "", "e-mail text", "privacy@brightside.example"]
)
def test_ordinary_text_is_untouched(text):
    assert safe_cell(text) == text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (-1, "-1"),
        (-0.013, "-0.013"),
        (0.2, "0.2"),
        (4000, "4000"),
        (np.int64(-3), "-3"),
        (np.float64(-0.5), "-0.5"),
        (Decimal("-1.50"), "-1.50"),
    ],
)
def test_numbers_are_written_as_numbers_even_when_negative(value, expected):
    assert safe_cell(value) == expected


def test_a_negative_number_as_text_is_still_quoted():
    assert safe_cell("-1") == "'-1"  # text, not a number: a spreadsheet must not evaluate it


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        (True, "true"),
        (False, "false"),
        (float("nan"), ""),
        (float("inf"), ""),
        (Decimal("NaN"), ""),
    ],
)
def test_null_booleans_and_non_finite_numbers(value, expected):
    assert safe_cell(value) == expected
