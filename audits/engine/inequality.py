"""Inequality of benefit (individual and between-group fairness), with aif360's definitions.

On the flagged view each row gets the benefit b = y_pred - y_true + 1 (aif360's
`ClassificationMetric.generalized_entropy_index`): 2 for a false flag, 0 for a missed one, 1
otherwise. With mu the mean benefit over n rows:

- generalized entropy index GE(2) = 1/(n * 2 * 1) * sum_i ((b_i / mu)^2 - 1)
- Theil index GE(1) = 1/n * sum_i (b_i / mu) ln(b_i / mu)   (0 ln 0 = 0)
- between groups: the same with every b_i replaced by its group's mean benefit
  (aif360's `between_all_groups_*` on that attribute's columns).

b takes three values, so these are exact closed forms of the counts (`from_counts`), for any
batch size and after a chunked count. `with_aif360` also runs aif360 itself on the rows rebuilt
from the counts (they depend only on groups and labels), sampled without replacement down to
`inequality_sample` rows when the batch is larger, and reports the largest difference to the
closed form on the same rows. Undefined (None) when mu is 0 (every row a missed flag).
"""

from __future__ import annotations

import logging
import math
import warnings
from contextlib import contextmanager
from typing import Any

import numpy as np

from .config import FLAGGED, AuditConfig
from .counts import Counts
from .metrics import View, build_views

BENEFIT = "b = y_pred - y_true + 1 on the flagged view (aif360)"


def _index(groups: list[tuple[int, float]], *, n: int, mu: float, alpha: int) -> float:
    """GE(alpha) of a population given as (count, benefit) pairs."""
    if alpha == 1:
        return sum(c * (b / mu) * math.log(b / mu) for c, b in groups if c and b) / n
    return sum(c * ((b / mu) ** alpha - 1.0) for c, b in groups) / (n * alpha * (alpha - 1))


def _benefits(confusion: np.ndarray, mask: np.ndarray) -> tuple[int, int, int]:
    """Rows with benefit 0 (missed flag), 1, 2 (false flag) in a (T x L) table."""
    true_flag = confusion[mask, :].sum()
    pred_flag = confusion[:, mask].sum()
    both = confusion[np.ix_(mask, mask)].sum()
    total = confusion.sum()
    missed, false = int(true_flag - both), int(pred_flag - both)
    return missed, int(total) - missed - false, false


def from_counts(counts: Counts, views: list[View], *, config: AuditConfig) -> dict | None:
    """The closed-form indices over the whole batch and between the groups of every view."""
    if not counts.has_ground_truth or not config.flagged_labels:
        return None
    mask = np.array([label in config.flagged_labels for label in counts.labels])
    zero, one, two = _benefits(counts.confusion.sum(axis=0), mask)
    n = zero + one + two
    mu = (one + 2 * two) / n
    defined = mu > 0
    overall = [(zero, 0.0), (one, 1.0), (two, 2.0)]
    between = []
    for view in views:
        groups = []
        for table in view.confusion:
            g0, g1, g2 = _benefits(table, mask)
            size = g0 + g1 + g2
            groups.append((size, (g1 + 2 * g2) / size))
        between.append(
            {
                "attribute": view.attribute,
                "generalized_entropy_index": _index(groups, n=n, mu=mu, alpha=2)
                if defined
                else None,
                "theil_index": _index(groups, n=n, mu=mu, alpha=1) if defined else None,
            }
        )
    return {
        "view": FLAGGED,
        "benefit": BENEFIT,
        "rows": n,
        "mean_benefit": mu,
        "generalized_entropy_index": _index(overall, n=n, mu=mu, alpha=2) if defined else None,
        "theil_index": _index(overall, n=n, mu=mu, alpha=1) if defined else None,
        "between_groups": between,
    }


@contextmanager
def quiet_aif360() -> Any:
    """Import and run aif360 without its noise: it logs optional-dependency warnings on the root
    logger (which would also install a handler there) and raises library warnings."""
    root = logging.getLogger()
    guard = logging.NullHandler() if not root.handlers else None
    if guard is not None:
        root.addHandler(guard)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        if guard is not None:
            root.removeHandler(guard)


def sample_counts(counts: Counts, *, rows: int, seed: int) -> Counts:
    """A uniform sample of `rows` rows without replacement, drawn from the counts (so it does
    not depend on row order): multivariate hypergeometric over the (cell, true, pred) counts."""
    flat = counts.confusion.reshape(-1)
    if rows >= flat.sum():
        return counts
    rng = np.random.default_rng([seed, 2])
    drawn = rng.multivariate_hypergeometric(flat, rows, method="marginals")
    confusion = drawn.reshape(counts.confusion.shape)
    empty = np.zeros((counts.cells.shape[0], 0, *counts.score_hist.shape[2:]), dtype=np.int64)
    keep = confusion.reshape(confusion.shape[0], -1).sum(axis=1) > 0
    return Counts(
        labels=counts.labels,
        attributes=counts.attributes,
        categories=counts.categories,
        has_ground_truth=counts.has_ground_truth,
        score_labels=(),
        score_bins=counts.score_bins,
        cells=counts.cells[keep],
        confusion=confusion[keep],
        score_hist=empty[keep],
        score_sum=empty[keep],
    )


def _aif360_values(counts: Counts, views: list[View], *, config: AuditConfig) -> dict:
    import pandas as pd

    with quiet_aif360():
        from aif360.datasets import BinaryLabelDataset
        from aif360.metrics import ClassificationMetric

        m, t, l_count = counts.confusion.shape
        repeats = counts.confusion.reshape(-1)
        cell = np.repeat(np.arange(m), t * l_count)
        true = np.tile(np.repeat(np.arange(t), l_count), m)
        pred = np.tile(np.arange(l_count), m * t)
        flagged = np.array([label in config.flagged_labels for label in counts.labels])
        frame_cells = np.repeat(cell, repeats)
        y_true = flagged[np.repeat(true, repeats)].astype(np.float64)
        y_pred = flagged[np.repeat(pred, repeats)].astype(np.float64)
        columns = {
            f"a{i}": counts.cells[frame_cells, i].astype(np.float64)
            for i in range(len(counts.attributes))
        }

        def metric(view: View | None) -> Any:
            names = [f"a{counts.attributes.index(c)}" for c in view.columns] if view else ["a0"]
            base = pd.DataFrame({**{k: columns[k] for k in names}, "y": y_true})
            truth = BinaryLabelDataset(df=base, label_names=["y"], protected_attribute_names=names)
            predicted = truth.copy()
            predicted.labels = y_pred.reshape(-1, 1)
            return ClassificationMetric(truth, predicted)

        whole = metric(None)
        values = {
            "generalized_entropy_index": float(whole.generalized_entropy_index(alpha=2)),
            "theil_index": float(whole.theil_index()),
            "between_groups": [],
        }
        for view in views:
            per_view = metric(view)
            values["between_groups"].append(
                {
                    "attribute": view.attribute,
                    "generalized_entropy_index": float(
                        per_view.between_all_groups_generalized_entropy_index(alpha=2)
                    ),
                    "theil_index": float(per_view.between_all_groups_theil_index()),
                }
            )
    return values


def _numbers(block: dict) -> list[float | None]:
    values = [block["generalized_entropy_index"], block["theil_index"]]
    for row in block["between_groups"]:
        values += [row["generalized_entropy_index"], row["theil_index"]]
    return values


def with_aif360(counts: Counts, *, config: AuditConfig) -> dict | None:
    """aif360's own figures on (a sample of) the rows, for `results["inequality"]["aif360"]`."""
    if not counts.has_ground_truth or not config.flagged_labels or config.inequality_sample == 0:
        return None
    sample = sample_counts(counts, rows=config.inequality_sample, seed=config.seed)
    views = build_views(sample, config)
    exact = from_counts(sample, views, config=config)
    if exact is None or exact["generalized_entropy_index"] is None:
        return None
    values = _aif360_values(sample, views, config=config)
    differences = [
        abs(a - b)
        for a, b in zip(_numbers(values), _numbers(exact), strict=True)
        if a is not None and b is not None and math.isfinite(a)
    ]
    return {
        **values,
        "rows": sample.n,
        "sampled": sample.n < counts.n,
        "max_abs_diff": max(differences, default=0.0),
    }
