"""Score-based metrics from the counts' score histograms: mean score, ROC AUC, calibration.

For score label l in a group, with pos_b / neg_b the rows in fine bin b whose true label is / is
not l (P and N their totals):

- `mean_score` = (sum of scores) / rows, from the exact integer sums (units of 2**-32).
- `auc` (one-vs-rest) = [sum_b pos_b * (neg rows in bins below b) + 1/2 sum_b pos_b * neg_b] / (P N):
  the probability that a random positive row scores above a random negative row, ties in a bin
  counted as half. This equals sklearn's `roc_auc_score` exactly when the scores in each bin are
  equal (e.g. scores on a grid of 1/score_bins); otherwise they differ by at most
  `auc_max_error` = 1/2 sum_b pos_b * neg_b / (P N) (pairs sharing a bin), which is reported.
  None when P or N is 0.
- `ece` (expected calibration error) = sum_c (n_c / n) |mean score_c - observed rate_c| over
  `calibration_bins` equal-width bins c (the last includes 1.0), the same bins as sklearn's
  `calibration_curve(strategy="uniform")`; `reliability` lists each non-empty bin.

Suppressed groups keep their row counts and get no values.
"""

from __future__ import annotations

import numpy as np

from .config import AuditConfig, AuditInputError
from .counts import SCORE_SCALE, Counts
from .metrics import View, sum_by_group

SCORES_CALIBRATION_BINS = (
    "calibration_bins ({calibration}) must divide the counts' score_bins ({bins})"
)

AUC_METHOD = (
    "one-vs-rest ROC AUC from fixed-width score bins: P(positive scores above negative), ties "
    "within a bin count one half; exact for scores on the bin grid, else within auc_max_error"
)


def _coarse(array: np.ndarray, *, bins: int, calibration: int) -> np.ndarray:
    """Sum fine bins (last axis, bins + 1 of them) into `calibration` equal-width bins."""
    width = bins // calibration
    coarse = array[..., :bins].reshape(*array.shape[:-1], calibration, width).sum(axis=-1)
    coarse[..., -1] += array[..., bins]
    return coarse


def _entries(
    hist: np.ndarray, sums: np.ndarray, *, has_truth: bool, config: AuditConfig, bins: int
) -> list[list[dict]]:
    """Per group (first axis) and score label (second axis): the metric values."""
    n = hist.sum(axis=(2, 3))
    total = sums.sum(axis=(2, 3))
    scale = SCORE_SCALE
    result = []
    if has_truth:
        negative, positive = hist[:, :, 0, :], hist[:, :, 1, :]
        below = np.cumsum(negative, axis=-1) - negative
        wins = (positive * below).sum(axis=-1)
        ties = (positive * negative).sum(axis=-1)
        pos_total, neg_total = positive.sum(axis=-1), negative.sum(axis=-1)
        rows_c = _coarse(hist.sum(axis=2), bins=bins, calibration=config.calibration_bins)
        pos_c = _coarse(positive, bins=bins, calibration=config.calibration_bins)
        sum_c = _coarse(sums.sum(axis=2), bins=bins, calibration=config.calibration_bins)
        wins, ties = wins.tolist(), ties.tolist()
        pos_total, neg_total = pos_total.tolist(), neg_total.tolist()
        rows_c, pos_c, sum_c = rows_c.tolist(), pos_c.tolist(), sum_c.tolist()
    step = 1.0 / config.calibration_bins
    for g, (group_n, group_total) in enumerate(zip(n.tolist(), total.tolist(), strict=True)):
        entries = []
        for j, (rows, summed) in enumerate(zip(group_n, group_total, strict=True)):
            entry: dict = {"n": rows, "mean_score": summed / (rows * scale) if rows else None}
            if has_truth:
                pairs = pos_total[g][j] * neg_total[g][j]
                entry["positives"] = pos_total[g][j]
                entry["auc"] = (2 * wins[g][j] + ties[g][j]) / (2 * pairs) if pairs else None
                entry["auc_max_error"] = ties[g][j] / (2 * pairs) if pairs else None
                gaps = sum(
                    abs(s - p * scale) for s, p in zip(sum_c[g][j], pos_c[g][j], strict=True)
                )
                entry["ece"] = gaps / (rows * scale) if rows else None
                entry["reliability"] = [
                    {
                        "bin_low": c * step,
                        "bin_high": (c + 1) * step,
                        "n": count,
                        "mean_score": sum_c[g][j][c] / (count * scale),
                        "observed_rate": pos_c[g][j][c] / count,
                    }
                    for c, count in enumerate(rows_c[g][j])
                    if count
                ]
            entries.append(entry)
        result.append(entries)
    return result


def _withheld(entry: dict) -> dict:
    blank = {key: None for key in entry if key not in ("n", "reliability")}
    if "reliability" in entry:
        blank["reliability"] = []
    return {**entry, **blank}


def score_metrics(counts: Counts, views: list[View], *, config: AuditConfig) -> dict | None:
    """The `score_metrics` block, or None when the batch has no `score_<label>` columns.

    Raises AuditInputError (`SCORES_CALIBRATION_BINS`) if the calibration bins do not align.
    """
    if not counts.score_labels:
        return None
    bins = counts.score_bins
    if bins % config.calibration_bins:
        raise AuditInputError(
            SCORES_CALIBRATION_BINS.format(calibration=config.calibration_bins, bins=bins)
        )
    has_truth = counts.has_ground_truth
    kwargs = {"has_truth": has_truth, "config": config, "bins": bins}
    overall = _entries(
        counts.score_hist.sum(axis=0, keepdims=True),
        counts.score_sum.sum(axis=0, keepdims=True),
        **kwargs,
    )[0]
    groups = []
    for view in views:
        hist = sum_by_group(counts.score_hist, view.cell_group, len(view.groups))
        sums = sum_by_group(counts.score_sum, view.cell_group, len(view.groups))
        for g, entries in enumerate(_entries(hist, sums, **kwargs)):
            for label, entry in zip(counts.score_labels, entries, strict=True):
                suppressed = bool(view.suppressed[g])
                groups.append(
                    {
                        "attribute": view.attribute,
                        "group": view.groups[g],
                        "label": label,
                        "suppressed": suppressed,
                        **(_withheld(entry) if suppressed else entry),
                    }
                )
    return {
        "labels": list(counts.score_labels),
        "bins": bins,
        "calibration_bins": config.calibration_bins,
        "auc_method": AUC_METHOD,
        "overall": [
            {"label": label, **entry}
            for label, entry in zip(counts.score_labels, overall, strict=True)
        ],
        "groups": groups,
    }
