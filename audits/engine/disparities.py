"""Disparities: for each attribute, label and metric, the lowest group against the highest.

Over the groups that are not suppressed and whose rate is defined, `group` is the group with the
lowest rate (the first in canonical order on a tie) and `reference_group` the one with the
highest (the last on a tie, so two groups are always compared). `ratio` = lowest / highest
(undefined when the highest is 0), `difference` = highest - lowest; both are exact fractions of
the counts, rounded once. `flagged`: ratio < threshold, difference > 1 - threshold, compared
exactly (the threshold read as the decimal it was written as). Intervals: percentile bootstrap
of the same two groups' rates, each group's counts resampled on their own (stratified), see
`intervals.bootstrap_rates`; `significant`: the interval excludes parity (1, or 0). The
p-value is a pooled two-proportion z-test of the same two groups; `p_value_holm` adjusts it
for every comparison of the audit (Holm), and `significant_holm` is p_value_holm < 1 - confidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .config import AuditConfig
from .intervals import bootstrap_rates, holm, percentile_interval, two_proportion_p_value
from .metrics import (
    ACCURACY,
    DISPARITY_METRICS,
    FALSE_POSITIVE_RATE,
    SELECTION_RATE,
    TRUE_POSITIVE_RATE,
    Table,
    View,
)

RATIO, DIFFERENCE = "ratio", "difference"
SINGLE_GROUP = "single_group"
SUPPRESSED = "too_few_groups_after_suppression"
UNDEFINED_RATES = "too_few_groups_with_a_defined_rate"
ZERO_RATES = "highest_rate_is_zero"
CONDITIONAL = {TRUE_POSITIVE_RATE, FALSE_POSITIVE_RATE}


@dataclass(frozen=True)
class Comparison:
    """The lowest against the highest group of one view, label slot and metric."""

    view: View
    label: str | None
    metric: str
    groups_compared: int
    reason: str | None = None
    low: int | None = None
    high: int | None = None
    counts: tuple[tuple[int, int, int], tuple[int, int, int]] | None = None  # (x, d, n) per side

    @property
    def rates(self) -> tuple[Fraction, Fraction] | None:
        if self.counts is None:
            return None
        (x_low, d_low, _), (x_high, d_high, _) = self.counts
        return Fraction(x_low, d_low), Fraction(x_high, d_high)

    @property
    def ratio(self) -> Fraction | None:
        rates = self.rates
        if rates is None or rates[1] == 0:
            return None
        return rates[0] / rates[1]

    @property
    def difference(self) -> Fraction | None:
        rates = self.rates
        return None if rates is None else rates[1] - rates[0]


def _compare(
    view: View, numerator: np.ndarray, denominator: np.ndarray, *, label: str | None, metric: str
) -> Comparison:
    n = view.n
    kept = np.flatnonzero(~view.suppressed)
    defined = [g for g in kept.tolist() if denominator[g] > 0]
    if len(defined) < 2:
        reason = (
            SINGLE_GROUP
            if len(view.groups) < 2
            else SUPPRESSED
            if len(kept) < 2
            else UNDEFINED_RATES
        )
        return Comparison(
            view=view, label=label, metric=metric, groups_compared=len(defined), reason=reason
        )
    index = np.array(defined)
    approximate = numerator[index] / denominator[index]
    # Floats find the extremes; exact fractions settle groups within rounding of them.
    below = np.nextafter(np.nextafter(approximate.min(), np.inf), np.inf)
    above = np.nextafter(np.nextafter(approximate.max(), -np.inf), -np.inf)
    lows = index[approximate <= below].tolist()
    highs = index[approximate >= above].tolist()
    rates = {g: Fraction(int(numerator[g]), int(denominator[g])) for g in {*lows, *highs}}
    low = min(lows, key=lambda g: (rates[g], g))
    high = max(highs, key=lambda g: (rates[g], g))
    counts = tuple((int(numerator[g]), int(denominator[g]), int(n[g])) for g in (low, high))
    reason = ZERO_RATES if rates[high] == 0 else None
    return Comparison(
        view=view,
        label=label,
        metric=metric,
        groups_compared=len(defined),
        reason=reason,
        low=low,
        high=high,
        counts=counts,  # type: ignore[arg-type]
    )


def comparisons(views: list[View], tables: list[Table], *, has_truth: bool) -> tuple[list, list]:
    """(rate comparisons, accuracy comparisons) in view, label slot and metric order."""
    metrics = DISPARITY_METRICS if has_truth else (SELECTION_RATE,)
    rates, accuracy = [], []
    for view, tab in zip(views, tables, strict=True):
        fractions = {metric: tab.fraction(metric) for metric in metrics}
        for s, slot in enumerate(tab.slots):
            for metric in metrics:
                numerator, denominator = fractions[metric]
                rates.append(
                    _compare(view, numerator[:, s], denominator[:, s], label=slot, metric=metric)
                )
        if has_truth:
            numerator, denominator = tab.fraction(ACCURACY)
            accuracy.append(_compare(view, numerator, denominator, label=None, metric=ACCURACY))
    return rates, accuracy


def _intervals(items: list[Comparison], config: AuditConfig, *, stream: int) -> dict[int, tuple]:
    """Bootstrap (ratio low, ratio high, difference low, difference high) per compared item.

    The generator is seeded with (seed, stream), so rate and accuracy comparisons draw from
    independent, reproducible streams."""
    drawn = [i for i, item in enumerate(items) if item.counts is not None]
    if not drawn or config.bootstrap == 0:
        return {}
    sides = np.array([items[i].counts for i in drawn], dtype=np.int64)  # (R, 2, 3)
    draws = bootstrap_rates(
        size=sides[:, :, 2],
        denominator=sides[:, :, 1],
        numerator=sides[:, :, 0],
        conditional=np.array([items[i].metric in CONDITIONAL for i in drawn]),
        resamples=config.bootstrap,
        rng=np.random.default_rng([config.seed, stream]),
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = draws[:, 0] / draws[:, 1]
    difference = draws[:, 1] - draws[:, 0]
    ratio_low, ratio_high = percentile_interval(ratio, confidence=config.confidence)
    diff_low, diff_high = percentile_interval(difference, confidence=config.confidence)
    return {
        i: (ratio_low[r], ratio_high[r], diff_low[r], diff_high[r]) for r, i in enumerate(drawn)
    }


def _finite(value: float) -> float | None:
    return None if value != value else float(value)


def _excludes(low: float | None, high: float | None, parity: float) -> bool | None:
    if low is None or high is None:
        return None
    return bool(high < parity or low > parity)


def _p_value(item: Comparison) -> float | None:
    if item.counts is None:
        return None
    (x_low, d_low, _), (x_high, d_high, _) = item.counts
    return two_proportion_p_value(x_low, d_low, x_high, d_high)


def disparity_rows(
    items: list[Comparison], *, config: AuditConfig, holm_p: dict[int, float], offset: int
) -> list[dict]:
    """Two rows (ratio, difference) per comparison. `holm_p` maps offset + index to the
    Holm-adjusted p-value."""
    threshold = Fraction(repr(config.threshold))
    alpha = float(1 - Fraction(repr(config.confidence)))
    intervals = _intervals(items, config, stream=0 if offset == 0 else 1)
    rows = []
    for i, item in enumerate(items):
        view = item.view
        rates = item.rates
        p_value = _p_value(item)
        adjusted = holm_p.get(offset + i)
        ratio_low, ratio_high, diff_low, diff_high = (
            _finite(v) for v in intervals.get(i, (np.nan,) * 4)
        )
        common = {
            "attribute": view.attribute,
            "label": item.label,
            "metric": item.metric,
            "group": None if item.low is None else view.groups[item.low],
            "reference_group": None if item.high is None else view.groups[item.high],
            "group_value": None if rates is None else float(rates[0]),
            "reference_value": None if rates is None else float(rates[1]),
            "groups_compared": item.groups_compared,
            "p_value": p_value,
            "p_value_holm": adjusted,
            "significant_holm": None if adjusted is None else adjusted < alpha,
        }
        ratio, difference = item.ratio, item.difference
        ratio_ci = (ratio_low, ratio_high) if ratio is not None else (None, None)
        rows.append(
            {
                **common,
                "kind": RATIO,
                "value": None if ratio is None else float(ratio),
                "ci_low": ratio_ci[0],
                "ci_high": ratio_ci[1],
                "threshold": config.threshold,
                "flagged": None if ratio is None else ratio < threshold,
                "significant": _excludes(*ratio_ci, 1.0),
                "reason": item.reason,
            }
        )
        diff_ci = (diff_low, diff_high) if difference is not None else (None, None)
        rows.append(
            {
                **common,
                "kind": DIFFERENCE,
                "value": None if difference is None else float(difference),
                "ci_low": diff_ci[0],
                "ci_high": diff_ci[1],
                "threshold": float(1 - threshold),
                "flagged": None if difference is None else difference > 1 - threshold,
                "significant": _excludes(*diff_ci, 0.0),
                "reason": None if difference is not None else item.reason,
            }
        )
    return rows


def build(
    views: list[View], tables: list[Table], *, config: AuditConfig, has_truth: bool
) -> tuple[list[dict], list[dict], dict]:
    """(disparities, accuracy_disparities, holm summary)."""
    rates, accuracy = comparisons(views, tables, has_truth=has_truth)
    everything = rates + accuracy
    # The family: every comparison with a defined ratio (an all-zero rate is no test at all).
    tested = {
        i: p
        for i, item in enumerate(everything)
        if item.ratio is not None and (p := _p_value(item)) is not None
    }
    keys = list(tested)
    adjusted = dict(zip(keys, holm([tested[k] for k in keys]), strict=True))
    alpha = float(1 - Fraction(repr(config.confidence)))
    summary = {
        "method": "holm",
        "test": "pooled two-proportion z-test, lowest against highest group",
        "alpha": alpha,
        "family_size": len(keys),
        "significant": sum(1 for v in adjusted.values() if v < alpha),
        "significant_unadjusted": sum(1 for v in tested.values() if v < alpha),
    }
    disparity = disparity_rows(rates, config=config, holm_p=adjusted, offset=0)
    accuracy_rows = disparity_rows(accuracy, config=config, holm_p=adjusted, offset=len(rates))
    return disparity, accuracy_rows, summary
