"""Intervals and tests: Wilson score intervals, the count bootstrap, a two-proportion test, Holm.

Everything here works on counts, never on rows, so its cost does not grow with the batch.
"""

from __future__ import annotations

import math
from fractions import Fraction
from statistics import NormalDist

import numpy as np


def z_value(confidence: float) -> float:
    """The two-sided standard normal quantile: 1.959963984540054 for 0.95."""
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def wilson_interval(
    successes: np.ndarray, trials: np.ndarray, *, confidence: float
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of successes/trials, elementwise.

    With p = x/n and z the two-sided quantile: centre (p + z^2/2n) / (1 + z^2/n), half-width
    z sqrt(p(1-p)/n + z^2/4n^2) / (1 + z^2/n), clipped to [0, 1]. NaN where trials is 0.
    """
    x = np.asarray(successes, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    z = z_value(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        scale = 1.0 + z * z / n
        centre = (p + z * z / (2.0 * n)) / scale
        half = z * np.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n)) / scale
        low = np.clip(centre - half, 0.0, 1.0)
        high = np.clip(centre + half, 0.0, 1.0)
    low = np.where(x == 0, 0.0, low)  # exact ends, not 1e-17 of rounding
    high = np.where(x == n, 1.0, high)
    empty = n == 0
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)


def two_proportion_p_value(x1: int, n1: int, x2: int, n2: int) -> float | None:
    """Two-sided pooled two-proportion z-test of x1/n1 against x2/n2.

    None if either n is 0. 1.0 when the pooled rate is 0 or 1 (both rates equal, no variance).
    """
    if n1 <= 0 or n2 <= 0:
        return None
    pooled = (x1 + x2) / (n1 + n2)
    variance = pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)
    if variance <= 0.0:
        return 1.0
    z = (x2 / n2 - x1 / n1) / math.sqrt(variance)
    return math.erfc(abs(z) / math.sqrt(2.0))


def holm(p_values: list[float]) -> list[float]:
    """Holm step-down adjusted p-values, in the input order.

    Sorted ascending, the i-th (0-based) of m gets max over j <= i of min(1, (m - j) p_(j)).
    """
    m = len(p_values)
    order = sorted(range(m), key=lambda i: (p_values[i], i))
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def bootstrap_rates(
    *,
    size: np.ndarray,
    denominator: np.ndarray,
    numerator: np.ndarray,
    conditional: np.ndarray,
    resamples: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Resample rates numerator/denominator from counts, stratified by group.

    Arrays are (R, 2): R comparisons of two groups. Each group's confusion cells are resampled
    multinomially with its own size n (stratified), and a rate only depends on two margins of
    that multinomial, so it is drawn exactly as: denominator D ~ Binomial(n, d/n) when the
    denominator is itself random (`conditional`: true/false positive rates), else D = n; then
    numerator X ~ Binomial(D, x/d). Returns the rates X/D as (R, 2, resamples), NaN where D is 0.
    """
    shape = (*size.shape, resamples)
    n = size.astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(n > 0, denominator / np.maximum(n, 1), 0.0)
        hit = np.where(denominator > 0, numerator / np.maximum(denominator, 1), 0.0)
    drawn = rng.binomial(np.broadcast_to(n[..., None], shape), share[..., None])
    denominators = np.where(conditional[:, None, None], drawn, n[..., None])
    numerators = rng.binomial(denominators, hit[..., None])
    with np.errstate(divide="ignore", invalid="ignore"):
        rates = numerators / denominators
    return np.where(denominators > 0, rates, np.nan)


def percentile_interval(draws: np.ndarray, *, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval per row of draws (R x B), NaN or infinite draws being undefined.

    A row's interval is NaN when more than (1 - confidence) / 2 of its draws are undefined (the
    interval would rest on a conditional distribution); otherwise it is the (1 - c)/2 and
    (1 + c)/2 quantiles of the defined draws, by linear interpolation between order statistics
    (numpy's default "linear" method).
    """
    tail = float((1 - Fraction(repr(confidence))) / 2)  # 0.025 exactly as written, not 0.0249...
    rows = draws.shape[0]
    low, high = np.full(rows, np.nan), np.full(rows, np.nan)
    if draws.shape[1] == 0 or rows == 0:
        return low, high
    finite = np.isfinite(draws)
    defined = finite.sum(axis=1)
    ordered = np.sort(np.where(finite, draws, np.inf), axis=1)  # undefined sort last
    usable = (defined > 0) & (draws.shape[1] - defined <= tail * draws.shape[1])
    for out, q in ((low, tail), (high, 1.0 - tail)):
        position = q * (np.maximum(defined, 1) - 1)
        below = np.floor(position).astype(np.intp)
        above = np.minimum(below + 1, np.maximum(defined, 1) - 1)
        weight = position - below
        lower = np.take_along_axis(ordered, below[:, None], axis=1)[:, 0]
        upper = np.take_along_axis(ordered, above[:, None], axis=1)[:, 0]
        with np.errstate(invalid="ignore"):  # inf - inf in rows that are not usable
            value = lower + weight * (upper - lower)
        out[usable] = value[usable]
    return low, high
