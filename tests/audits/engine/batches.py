"""Generated prediction batches for the engine tests (deterministic for a seed)."""

from __future__ import annotations

from typing import Any

import numpy as np

LABELS = ("anger", "joy", "sadness", "fear", "surprise", "neutral")
FLAGGED_LABELS = ("anger", "fear")
ATTRIBUTES = {
    "gender": ("female", "male", "nonbinary"),
    "age_band": ("18-24", "25-34", "35-44", "45-64", "65+"),
    "dialect": ("scots", "standard", "welsh"),
}


def batch(
    n: int,
    *,
    seed: int,
    labels: tuple[str, ...] = LABELS,
    attributes: dict[str, tuple[str, ...]] | None = None,
    truth: bool = True,
    scores: bool = False,
    missing: float = 0.0,
    accuracy: float = 0.6,
    never: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Columns of a batch: y_pred, y_true (or None), sensitive, scores (or None).

    The first group of each attribute is skewed towards the first label, so there is something
    to find. `missing`: share of null sensitive values. `never`: labels never predicted.
    """
    rng = np.random.default_rng(seed)
    attributes = attributes or ATTRIBUTES
    names = np.array(labels, dtype=object)
    sensitive = {}
    for column, values in attributes.items():
        weights = np.linspace(2.0, 1.0, len(values))
        codes = rng.choice(len(values), size=n, p=weights / weights.sum())
        column_values = np.array(values, dtype=object)[codes]
        if missing:
            column_values[rng.random(n) < missing] = None
        sensitive[column] = column_values
    y_true = names[rng.integers(0, len(labels), n)]
    guess = names[rng.integers(0, len(labels), n)]
    y_pred = np.where(rng.random(n) < accuracy, y_true, guess)
    first = next(iter(attributes))
    skew = (sensitive[first] == attributes[first][0]) & (rng.random(n) < 0.15)
    y_pred = np.where(skew, labels[0], y_pred)
    allowed = [x for x in labels if x not in never]
    for label in never:
        y_pred = np.where(y_pred == label, allowed[0], y_pred)
    result: dict[str, Any] = {
        "y_pred": y_pred,
        "y_true": y_true if truth else None,
        "sensitive": sensitive,
        "scores": None,
    }
    if scores:
        raw = rng.random((len(labels), n)) + 2.0 * (names[:, None] == y_true[None, :])
        probabilities = raw / raw.sum(axis=0)
        result["scores"] = {
            label: np.ascontiguousarray(probabilities[i]) for i, label in enumerate(labels)
        }
    return result


def take(columns: dict[str, Any], rows: np.ndarray | slice) -> dict[str, Any]:
    """The same batch restricted to (or reordered by) `rows`."""

    def pick(value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, dict):
            return {k: pick(v) for k, v in value.items()}
        return value[rows]

    return {key: pick(value) for key, value in columns.items()}
