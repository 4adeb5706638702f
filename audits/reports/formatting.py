"""Figures and dates as a non-specialist reads them. Undefined values read "not defined".

Every function takes a plain value (or ``None``) and returns text; none of them guesses a default.
"""

import math
from datetime import UTC, datetime

NOT_DEFINED = "not defined"
NOT_RECORDED = "not recorded"
RATE_DECIMALS = 1
RATIO_DECIMALS = 2
SMALL_FIGURE_DIGITS = 3
EN_DASH = "\u2013"

ERR_BAD_DATE = "{field} is not an ISO 8601 date-time: {value!r}."

METRIC_NAMES = {
    "selection_rate": "Selection rate",
    "true_positive_rate": "True positive rate",
    "false_positive_rate": "False positive rate",
    "false_negative_rate": "False negative rate",
    "precision": "Precision",
    "accuracy": "Accuracy",
}


def humanise(value: str) -> str:
    """``"job_applicants"`` -> ``"job applicants"``; anything unknown stays readable."""
    return value.replace("_", " ")


def metric_name(metric: str) -> str:
    return METRIC_NAMES.get(metric, humanise(metric).capitalize())


def count(value: int | None) -> str:
    """``12000`` -> ``"12,000"``."""
    if value is None:
        return NOT_RECORDED
    return f"{int(value):,}"


def _rounded_percent(value: float) -> str:
    text = f"{value * 100:.{RATE_DECIMALS}f}"
    smallest = 10**-RATE_DECIMALS
    # Rounding must not turn a tiny rate into 0 or an almost-certain one into 100.
    if value > 0 and float(text) == 0:
        return f"<{smallest:.{RATE_DECIMALS}f}"
    if value < 1 and float(text) == 100:
        return f">{100 - smallest:.{RATE_DECIMALS}f}"
    return text


def percent(value: float | None) -> str:
    """A rate or share in [0, 1]: ``0.2134`` -> ``"21.3%"``; ``None`` -> ``"not defined"``."""
    if value is None:
        return NOT_DEFINED
    return f"{_rounded_percent(value)}%"


def percent_interval(low: float | None, high: float | None) -> str:
    """``(0.18, 0.24)`` -> ``"18.0-24.0%"`` (en dash); either end missing -> ``"not defined"``."""
    if low is None or high is None:
        return NOT_DEFINED
    return f"{_rounded_percent(low)}{EN_DASH}{_rounded_percent(high)}%"


def exact_percent(value: float) -> str:
    """A configured level such as a confidence, without padding: ``0.95`` -> ``"95%"``."""
    return f"{round(value * 100, 10):g}%"


def ratio(value: float | None) -> str:
    """``0.6234`` -> ``"0.62"``."""
    if value is None:
        return NOT_DEFINED
    return f"{value:.{RATIO_DECIMALS}f}"


def ratio_interval(low: float | None, high: float | None) -> str:
    if low is None or high is None:
        return NOT_DEFINED
    return f"{low:.{RATIO_DECIMALS}f}{EN_DASH}{high:.{RATIO_DECIMALS}f}"


def points(value: float | None) -> str:
    """A difference of two rates in percentage points: ``0.123`` -> ``"12.3 points"``."""
    if value is None:
        return NOT_DEFINED
    return f"{value * 100:.{RATE_DECIMALS}f} points"


def points_interval(low: float | None, high: float | None) -> str:
    if low is None or high is None:
        return NOT_DEFINED
    return f"{low * 100:.{RATE_DECIMALS}f}{EN_DASH}{high * 100:.{RATE_DECIMALS}f} points"


def figure(value: float | None) -> str:
    """A small measurement (SHAP value, association, difference): 3 significant digits."""
    if value is None:
        return NOT_DEFINED
    if value == 0:
        return "0"
    return f"{value:.{SMALL_FIGURE_DIGITS}g}"


def plain(value: object) -> str:
    """A configuration value as written: booleans as yes/no, lists joined, ``None`` as "not set"."""
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}" if math.isfinite(value) else NOT_DEFINED
    if isinstance(value, list | tuple):
        return ", ".join(plain(item) for item in value) if value else "none"
    return str(value)


def parse_datetime(value: str | None, *, field: str) -> datetime | None:
    """ISO 8601 text -> aware UTC ``datetime`` (naive text is taken as UTC); ``None`` stays None."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError as error:
        raise ValueError(ERR_BAD_DATE.format(field=field, value=value)) from error
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def date_time(value: str | None, *, field: str) -> str:
    """``"2026-03-12T14:05:09+01:00"`` -> ``"2026-03-12 13:05 UTC"``."""
    parsed = parse_datetime(value, field=field)
    if parsed is None:
        return NOT_RECORDED
    return parsed.strftime("%Y-%m-%d %H:%M UTC")


def date(value: str | None, *, field: str) -> str:
    parsed = parse_datetime(value, field=field)
    if parsed is None:
        return NOT_RECORDED
    return parsed.strftime("%Y-%m-%d")
