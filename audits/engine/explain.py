"""What drives a model's labels: a surrogate model, SHAP importances and proxy detection.

The model under audit is a black box (an emotion model usually reads text or audio that Attune
never sees), so we fit a *surrogate*: a scikit-learn ``HistGradientBoostingClassifier`` that
predicts the model's own output label from the submitted feature columns. Its *fidelity* is its
accuracy against the model's labels on held-out rows, i.e. how much of the model's behaviour these
columns explain at all. ``shap.TreeExplainer`` attributes each surrogate decision to the columns,
and the association of each column with each sensitive attribute shows whether an influential
column can stand in for a protected characteristic (a *proxy*).

Definitions (all computed on a bounded sample, so the cost does not grow with the batch):

- Sample: ``min(n, fit_sample)`` rows. Up to ``ORDER_INDEPENDENT_MAX_ROWS`` rows, every row gets
  a 64-bit hash of its content (prediction, features, sensitive values) and ``seed``; the sample
  is the rows with the smallest hashes, in hash order, so the same rows in any order give the same
  result. Above that size hashing every row would cost more than the whole budget, so the sample
  is ``seed``-random row positions: deterministic for the same input in the same order only.
  (Two different rows share a hash with odds of about n^2 / 2^65; only then could order matter.)
  The last ``HOLDOUT_SHARE`` of the sample is held out for fidelity; the surrogate is fitted on
  the rest; SHAP values are computed for the first ``min(shap_sample, sample)`` rows.
- Surrogate: ``SURROGATE_PARAMS`` (few shallow trees, no early stopping), fitted on one thread so
  that its sums, and so the result, do not depend on the machine. ``fidelity``: share of held-out
  rows where it predicts the model's label; ``baseline``: the same for always answering the
  fitting rows' commonest label. Fidelity below ``MIN_FIDELITY`` gives a ``low`` finding with
  verdict ``insufficient_data``: the importances then describe only part of the model.
- Columns: numeric dtypes (bool, int, float; NaN missing) are numeric. Object or string dtypes
  are categorical, their values named as the audit engine names groups (None, NaN and "" are
  missing; 2.0 is "2"): levels are sorted and ordinal-encoded. A categorical column
  with more than ``MAX_CATEGORIES`` levels in the sample, over ``FREE_TEXT_UNIQUE_SHARE`` of its
  values distinct, is free text and is excluded (listed in ``excluded_features``; text is not
  hashed); otherwise its ``MAX_CATEGORIES - 1`` most frequent levels are kept and the rest merged
  into ``OTHER_LEVEL``. A column with no value in the sample is excluded.
- Mean |SHAP| of a feature: the mean over the SHAP rows of the absolute SHAP value, in log-odds,
  of the feature for the label the surrogate predicts for that row (for two labels, the single
  log-odds output). Per group: the same mean over the SHAP rows of that group; ``None`` when the
  group has fewer than ``MIN_GROUP_ROWS`` SHAP rows.
- Flagged view: with ``flagged_labels``, a second surrogate predicts "flagged" (label in
  ``flagged_labels``) against "not flagged", explained the same way.
- Association (on the whole sample): Cramer's V without bias correction,
  ``sqrt(chi2 / (n * min(r - 1, c - 1)))`` (Pearson chi-square, no continuity correction; the
  value of ``scipy.stats.contingency.association(method="cramer")``) for a categorical feature,
  with missing values as a level of their own; the correlation ratio
  ``eta = sqrt(SS_between / SS_total)`` over the non-missing values of a numeric feature. Both lie
  in [0, 1]; ``None`` where undefined (one level on either side, or no variance).
- Proxy finding: a feature among the ``TOP_DRIVERS`` of a view by mean |SHAP|, carrying at least
  ``MIN_DRIVER_SHARE`` of that view's total, whose association with a sensitive attribute is at
  least ``PROXY_ASSOCIATION`` (severity ``medium``) or ``STRONG_PROXY_ASSOCIATION`` (``high``).
  A driver that *is* a sensitive attribute (same column name) is reported as direct use (``high``).
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from threadpoolctl import threadpool_limits

FIT_SAMPLE = 50_000
SHAP_SAMPLE = 5_000
MIN_ROWS = 100
HOLDOUT_SHARE = 0.2
ORDER_INDEPENDENT_MAX_ROWS = 2_000_000
MAX_CATEGORIES = 50
FREE_TEXT_UNIQUE_SHARE = 0.5
OTHER_LEVEL = "(other)"
MISSING_GROUP = "(missing)"
MIN_GROUP_ROWS = 30
TOP_DRIVERS = 3
MIN_DRIVER_SHARE = 0.1
PROXY_ASSOCIATION = 0.3
STRONG_PROXY_ASSOCIATION = 0.5
MIN_FIDELITY = 0.7
DECIMALS = 4
# Few shallow trees: SHAP cost grows with trees x leaves x depth^2, and 10,000 SHAP rows for six
# labels must stay near 2 s on one core (benchmarks/explain.py).
SURROGATE_PARAMS: dict[str, float] = {
    "max_iter": 30,
    "max_depth": 4,
    "max_leaf_nodes": 15,
    "learning_rate": 0.2,
}
SURROGATE_MODEL = "HistGradientBoostingClassifier({})".format(
    ", ".join(f"{key}={value}" for key, value in SURROGATE_PARAMS.items())
)
PROXY_CLAUSES = ("EU AI Act Art. 10(2)(f)", "EU AI Act Art. 10(2)(g)", "GDPR Art. 9")
FIDELITY_CLAUSES = ("EU AI Act Art. 13(3)(b)(iv)", "NIST AI RMF MEASURE-2.9")
MEASURE_NAMES = {"cramers_v": "Cramer's V", "correlation_ratio": "correlation ratio"}
# Finding texts, in plain words for a small-shop owner. Keyed by (drives labels, drives flagged).
SUBJECTS = {
    (True, True): "The model's output, including whether it flags a person ({flagged}),",
    (True, False): "The model's output",
    (False, True): "Whether the model flags a person ({flagged})",
}
PROXY_TITLE = "'{feature}' can stand in for {plain}"
PROXY_TEXT = (
    "{subject} depends strongly on '{feature}', which {strength} the sensitive attribute "
    "'{attribute}' ({measure} {association:.2f}): it can act as a stand-in for {plain}. Check "
    "whether '{feature}' is needed, and compare results across {plain} groups."
)
DIRECT_TITLE = "The model's output depends on '{attribute}' itself"
DIRECT_TEXT = (
    "{subject} depends strongly on the sensitive attribute '{attribute}' itself: people are "
    "treated differently by {plain}."
)
NO_PROXY_TITLE = "No influential column stands in for a sensitive attribute"
NO_PROXY_TEXT = (
    f"None of the {TOP_DRIVERS} columns that most drive the model's output is linked to a "
    f"sensitive attribute at an association of {PROXY_ASSOCIATION} or more."
)
NOT_CHECKED_TITLE = "Proxies not checked"
NOT_CHECKED_TEXT = (
    "No sensitive attributes were declared, so no column could be checked as a stand-in for one."
)
NO_SURROGATE_TITLE = "No explanation of the model's {what}"
NO_SURROGATE_TEXT = "No stand-in model could be built for the model's {what}: {note}."
LOW_FIDELITY_TITLE = "The submitted columns explain the model's {what} only in part"
LOW_FIDELITY_TEXT = (
    "A stand-in model built from the submitted columns matches the model's {what} on "
    "{fidelity:.0%} of held-out rows (always guessing the most common answer: {baseline:.0%}). "
    "Much of what drives the model is not in these columns, so the influence figures describe "
    "only part of its behaviour."
)
# (clauses, verdict, kind) of the findings that are not about one proxy.
_NOT_EXPLAINED = (FIDELITY_CLAUSES, "insufficient_data", "explain.no_surrogate")
_LOW_FIDELITY = (FIDELITY_CLAUSES, "insufficient_data", "explain.low_fidelity")
_NOT_CHECKED = (PROXY_CLAUSES, "insufficient_data", "explain.proxy")
_NO_PROXY = (PROXY_CLAUSES, "pass", "explain.proxy")

NO_LABELS = "labels must name at least one label."
DUPLICATE_LABEL = "labels lists '{label}' more than once."
UNKNOWN_FLAGGED_LABEL = "Flagged label '{label}' is not one of the labels."
BAD_SAMPLE_SIZE = "{name} must be an integer of at least {minimum}; got {value!r}."
BAD_SEED = "seed must be a non-negative integer; got {value!r}."
NO_FEATURES = "explain needs at least one feature column."
NOT_ONE_DIMENSIONAL = "Column '{column}' must be one-dimensional; got shape {shape}."
LENGTH_MISMATCH = "Column '{column}' has {got} rows but predictions has {expected}."
UNSUPPORTED_DTYPE = "Column '{column}' has unsupported dtype {dtype}: pass numbers or strings."
TOO_FEW_ROWS = "explain needs at least {minimum} rows; got {got}."
MISSING_PREDICTION = "Row {row}: the prediction is missing."
UNKNOWN_PREDICTION = "Row {row}: prediction '{value}' is not one of the labels."
PREDICTION_CODE_OUT_OF_RANGE = "Row {row}: prediction code {value} is outside 0..{highest}."
INFINITE_VALUE = "Row {row}: feature '{column}' is infinite."
ASSOCIATION_LENGTHS = "An association needs two arrays of one length; got {a} and {b}."

NO_VALUES_REASON = "no values in the {n} sampled rows"
FREE_TEXT_REASON = (
    "free text: {levels} distinct values in {n} sampled values (more than {cap} levels, over "
    "{share:.0%} distinct); text columns are excluded, not hashed"
)

NUMERIC_KINDS = "biuf"
TEXT_KINDS = "OUT"
_SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2, "info": 3}
_MASK64 = (1 << 64) - 1


class ExplainInputError(ValueError):
    """Bad input to ``explain``; the message names the row, column or argument."""


@dataclass(frozen=True)
class Surrogate:
    """The surrogate of one view; ``model`` and ``fidelity`` are None (with a ``note``) if unfit."""

    model: str | None
    fidelity: float | None
    baseline: float | None  # accuracy on the held-out rows of always answering the commonest label
    classes: tuple[str, ...]
    n_rows: int
    n_sample: int
    n_fit: int
    n_holdout: int
    n_shap: int
    sampled: bool
    sampling: str  # "content_hash" (order-independent) or "random_positions"
    seed: int
    note: str | None


@dataclass(frozen=True)
class FeatureImportance:
    feature: str
    mean_abs_shap: float


@dataclass(frozen=True)
class GroupImportance:
    attribute: str
    group: str
    feature: str
    n: int  # SHAP rows in the group
    mean_abs_shap: float | None  # None below MIN_GROUP_ROWS


@dataclass(frozen=True)
class View:
    """One explained view: the labels themselves, or flagged against not flagged."""

    surrogate: Surrogate
    importance: tuple[FeatureImportance, ...]
    importance_by_group: tuple[GroupImportance, ...]


@dataclass(frozen=True)
class Proxy:
    feature: str
    attribute: str
    association: float | None
    measure: str  # "cramers_v" or "correlation_ratio"
    n: int  # rows the association was computed on


@dataclass(frozen=True)
class FeatureInfo:
    feature: str
    kind: str  # "numeric" or "categorical"
    levels: int | None  # categorical levels after capping, missing not counted
    capped: bool


@dataclass(frozen=True)
class ExcludedFeature:
    feature: str
    reason: str


@dataclass(frozen=True)
class Finding:
    severity: str
    title: str
    text: str
    clauses: tuple[str, ...]
    verdict: str
    kind: str
    feature: str | None = None
    attribute: str | None = None
    association: float | None = None


@dataclass(frozen=True)
class ExplainResult:
    """``results.explainability``; ``to_dict()`` gives the pinned, JSON-safe shape."""

    labels: View
    flagged: View | None
    flagged_labels: tuple[str, ...]
    proxies: tuple[Proxy, ...]
    features: tuple[FeatureInfo, ...]
    excluded_features: tuple[ExcludedFeature, ...]
    findings: tuple[Finding, ...]
    # Seconds per phase (validation, sampling, proxies, fit, shap), for benchmarks only: not
    # part of the result, its equality or to_dict(), since timings are not deterministic.
    seconds: Mapping[str, float] = field(default_factory=dict, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        result = _jsonable(self.labels)
        result["flagged"] = None
        if self.flagged is not None:
            result["flagged"] = {"labels": list(self.flagged_labels), **_jsonable(self.flagged)}
        for name in ("proxies", "features", "excluded_features", "findings"):
            result[name] = _jsonable(getattr(self, name))
        return result


def explain(
    *,
    features: Mapping[str, np.ndarray],
    predictions: np.ndarray,
    labels: Sequence[str],
    sensitive: Mapping[str, np.ndarray],
    seed: int = 0,
    fit_sample: int = FIT_SAMPLE,
    shap_sample: int = SHAP_SAMPLE,
    flagged_labels: Sequence[str] = (),
    order_independent_max_rows: int = ORDER_INDEPENDENT_MAX_ROWS,
) -> ExplainResult:
    """Explain which feature columns drive the model's labels and whether any is a proxy.

    ``predictions`` holds label strings, or integer codes into ``labels``. See the module
    docstring for the sample, the encodings, mean |SHAP|, the associations and the thresholds.

    A view whose fitting rows hold a single label (or with every feature excluded) has no
    surrogate: its ``fidelity`` is None, its importances are empty and an ``insufficient_data``
    finding says why; associations are still reported. Raises ``ExplainInputError`` for no
    labels or a repeated one, an unknown flagged label, a sample size below its minimum, a
    negative seed, no features, a column that is not one-dimensional, has another length than
    ``predictions`` or an unsupported dtype, fewer than ``MIN_ROWS`` rows, a missing or unknown
    prediction (naming the first such row) and an infinite feature value (naming row and column).
    """
    clock = time.perf_counter()
    seconds = {"validation": 0.0, "sampling": 0.0, "proxies": 0.0, "fit": 0.0, "shap": 0.0}
    label_names = _check_labels(labels, flagged_labels)
    _check_int("fit_sample", fit_sample, MIN_ROWS)
    _check_int("shap_sample", shap_sample, 1)
    _check_int("order_independent_max_rows", order_independent_max_rows, 0)
    if not isinstance(seed, int | np.integer) or isinstance(seed, bool) or seed < 0:
        raise ExplainInputError(BAD_SEED.format(value=seed))
    if not features:
        raise ExplainInputError(NO_FEATURES)
    predictions = np.asarray(predictions)
    if predictions.ndim != 1:
        raise ExplainInputError(
            NOT_ONE_DIMENSIONAL.format(column="predictions", shape=predictions.shape)
        )
    n = len(predictions)
    feature_columns = {
        str(k): _check_column(str(k), features[k], n) for k in sorted(features, key=str)
    }
    sensitive_columns = {
        str(k): _check_column(str(k), sensitive[k], n) for k in sorted(sensitive, key=str)
    }
    if n < MIN_ROWS:
        raise ExplainInputError(TOO_FEW_ROWS.format(minimum=MIN_ROWS, got=n))
    codes = _prediction_codes(predictions, label_names)
    for name, column in feature_columns.items():
        if column.dtype.kind == "f" and np.isinf(column).any():
            row = int(np.argmax(np.isinf(column)))
            raise ExplainInputError(INFINITE_VALUE.format(row=row, column=name))
    seconds["validation"], clock = time.perf_counter() - clock, time.perf_counter()

    m = min(n, fit_sample)
    if n <= order_independent_max_rows:
        columns = [codes, *feature_columns.values(), *sensitive_columns.values()]
        keys = _row_keys(columns, seed)
        rows = np.argpartition(keys, m - 1)[:m] if m < n else np.arange(n)
        rows = rows[np.argsort(keys[rows], kind="stable")]
        sampling = "content_hash"
    else:
        rows = np.random.default_rng(seed).choice(n, size=m, replace=False)
        sampling = "random_positions"

    encoded: dict[str, _Encoded] = {}
    infos, excluded = [], []
    for name, column in feature_columns.items():
        outcome = _encode(column[rows])
        if isinstance(outcome, str):
            excluded.append(ExcludedFeature(name, outcome))
        else:
            encoded[name] = outcome
            infos.append(FeatureInfo(name, outcome.kind, outcome.levels, outcome.capped))
    groups = {name: _groups(column[rows]) for name, column in sensitive_columns.items()}
    seconds["sampling"], clock = time.perf_counter() - clock, time.perf_counter()
    proxies = _proxies(encoded, groups)
    seconds["proxies"] = time.perf_counter() - clock

    n_holdout = max(1, round(m * HOLDOUT_SHARE))
    shape = {"n_rows": n, "n_sample": m, "n_fit": m - n_holdout, "n_holdout": n_holdout}
    shape |= {"n_shap": min(shap_sample, m), "sampling": sampling, "seed": int(seed)}
    shape["sampled"] = m < n or shape["n_shap"] < m
    names = list(encoded)
    matrix = np.column_stack([encoded[k].values for k in names]) if names else np.empty((m, 0))
    sample_codes = codes[rows]
    labels_view = _explain_view(matrix, sample_codes, label_names, names, groups, shape, seconds)
    flagged_view = None
    flagged = tuple(str(label) for label in flagged_labels)
    if flagged:
        is_flagged = np.isin(sample_codes, [label_names.index(f) for f in flagged]).astype(np.int64)
        flagged_names = ("not flagged", "flagged")
        flagged_view = _explain_view(
            matrix, is_flagged, flagged_names, names, groups, shape, seconds
        )
    findings = _findings(labels_view, flagged_view, flagged, proxies, sensitive_columns)
    return ExplainResult(
        labels=labels_view,
        flagged=flagged_view,
        flagged_labels=flagged,
        proxies=proxies,
        features=tuple(infos),
        excluded_features=tuple(excluded),
        findings=findings,
        seconds=seconds,
    )


def cramers_v(a: np.ndarray, b: np.ndarray) -> float | None:
    """Cramer's V of two equal-length categorical arrays, without bias correction.

    ``sqrt(chi2 / (n * min(r - 1, c - 1)))`` over the r x c table of observed levels (no empty
    rows or columns, so no expected count is zero). None when either side has a single level.
    Raises ``ExplainInputError`` when the lengths differ.
    """
    _check_lengths(a, b)
    _, ia = np.unique(np.asarray(a), return_inverse=True)
    _, ib = np.unique(np.asarray(b), return_inverse=True)
    r, c = int(ia.max(initial=-1)) + 1, int(ib.max(initial=-1)) + 1
    if min(r, c) < 2:
        return None
    observed = np.bincount(ia * c + ib, minlength=r * c).reshape(r, c).astype(np.float64)
    total = observed.sum()
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / total
    chi2 = float(((observed - expected) ** 2 / expected).sum())
    return min(1.0, float(np.sqrt(chi2 / (total * (min(r, c) - 1)))))


def correlation_ratio(values: np.ndarray, groups: np.ndarray) -> float | None:
    """Correlation ratio eta of numeric ``values`` across ``groups``: sqrt(SS_between / SS_total).

    ``SS_between = sum_g n_g (mean_g - mean)^2`` and ``SS_total = sum_i (x_i - mean)^2``. None
    when there are no values or all values are equal (SS_total = 0). Raises
    ``ExplainInputError`` when the lengths differ.
    """
    _check_lengths(values, groups)
    x = np.asarray(values, dtype=np.float64)
    if x.size == 0:
        return None
    _, codes = np.unique(np.asarray(groups), return_inverse=True)
    deviation = x - x.mean()
    ss_total = float((deviation**2).sum())
    if ss_total == 0:
        return None
    counts = np.bincount(codes)
    sums = np.bincount(codes, weights=deviation)
    ss_between = float((sums**2 / counts).sum())
    return min(1.0, float(np.sqrt(ss_between / ss_total)))


@dataclass(frozen=True)
class _Encoded:
    kind: str
    values: np.ndarray  # float64, NaN for missing: the surrogate's column
    association_codes: np.ndarray | None  # categorical only, missing as a level of its own
    levels: int | None
    capped: bool


def _check_lengths(a: np.ndarray, b: np.ndarray) -> None:
    if len(a) != len(b):
        raise ExplainInputError(ASSOCIATION_LENGTHS.format(a=len(a), b=len(b)))


def _check_labels(labels: Sequence[str], flagged_labels: Sequence[str]) -> tuple[str, ...]:
    names = tuple(str(label) for label in labels)
    if not names:
        raise ExplainInputError(NO_LABELS)
    for label in names:
        if names.count(label) > 1:
            raise ExplainInputError(DUPLICATE_LABEL.format(label=label))
    for label in flagged_labels:
        if str(label) not in names:
            raise ExplainInputError(UNKNOWN_FLAGGED_LABEL.format(label=label))
    return names


def _check_int(name: str, value: object, minimum: int) -> None:
    if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < minimum:
        raise ExplainInputError(BAD_SAMPLE_SIZE.format(name=name, minimum=minimum, value=value))


def _check_column(name: str, values: np.ndarray, n: int) -> np.ndarray:
    column = np.asarray(values)
    if column.ndim != 1:
        raise ExplainInputError(NOT_ONE_DIMENSIONAL.format(column=name, shape=column.shape))
    if len(column) != n:
        raise ExplainInputError(LENGTH_MISMATCH.format(column=name, got=len(column), expected=n))
    if column.dtype.kind not in NUMERIC_KINDS + TEXT_KINDS:
        raise ExplainInputError(UNSUPPORTED_DTYPE.format(column=name, dtype=column.dtype))
    return column.astype(object) if column.dtype.kind in "UT" else column


def _prediction_codes(predictions: np.ndarray, labels: tuple[str, ...]) -> np.ndarray:
    kind = predictions.dtype.kind
    if kind in "iu":
        codes = predictions.astype(np.int64)
        bad = np.flatnonzero((codes < 0) | (codes >= len(labels)))
        if bad.size:
            value, highest = int(codes[bad[0]]), len(labels) - 1
            raise ExplainInputError(
                PREDICTION_CODE_OUT_OF_RANGE.format(row=int(bad[0]), value=value, highest=highest)
            )
        return codes
    if kind not in TEXT_KINDS:
        raise ExplainInputError(
            UNSUPPORTED_DTYPE.format(column="predictions", dtype=predictions.dtype)
        )
    seen, uniques = pd.factorize(predictions.astype(object))
    if (seen < 0).any():
        raise ExplainInputError(MISSING_PREDICTION.format(row=int(np.argmax(seen < 0))))
    lookup = np.empty(len(uniques), dtype=np.int64)
    for i, value in enumerate(uniques):
        if str(value) not in labels:
            row = int(np.argmax(seen == i))
            raise ExplainInputError(UNKNOWN_PREDICTION.format(row=row, value=value))
        lookup[i] = labels.index(str(value))
    return lookup[seen]


def _mix(keys: np.ndarray) -> None:
    """SplitMix64 finaliser, in place (uint64 arrays wrap silently on overflow)."""
    keys ^= keys >> np.uint64(30)
    keys *= np.uint64(0xBF58476D1CE4E5B9)
    keys ^= keys >> np.uint64(27)
    keys *= np.uint64(0x94D049BB133111EB)
    keys ^= keys >> np.uint64(31)


def _row_keys(columns: list[np.ndarray], seed: int) -> np.ndarray:
    """A 64-bit hash of each row's content and the seed, independent of the row's position."""
    start = np.array([(int(seed) * 0x9E3779B97F4A7C15 + 1) & _MASK64], dtype=np.uint64)
    _mix(start)
    keys = np.full(len(columns[0]), start[0], dtype=np.uint64)
    for column in columns:
        if column.dtype.kind == "O":
            seen, uniques = pd.factorize(column)
            names = [_name(u) or "" for u in uniques]  # "" hashes like a null: both are missing
            hashed = pd.util.hash_array(np.array([*names, ""], dtype=object))
            keys ^= hashed[seen]
        else:
            bits = column.astype(np.float64)  # a copy: -0.0 + 0.0 is 0.0, one NaN for all
            bits[np.isnan(bits)] = np.nan
            bits += 0.0
            keys ^= bits.view(np.uint64)
        _mix(keys)
    return keys


def _encode(sample: np.ndarray) -> _Encoded | str:
    """Encode one feature's sampled values, or return the reason it is excluded."""
    if sample.dtype.kind in NUMERIC_KINDS:
        values = sample.astype(np.float64)
        if np.isnan(values).all():
            return NO_VALUES_REASON.format(n=len(sample))
        return _Encoded("numeric", values, None, None, capped=False)
    names = [_name(value) for value in sample.tolist()]
    missing = np.array([name is None for name in names], dtype=bool)
    present = np.array([name for name in names if name is not None], dtype=str)
    levels, inverse, counts = np.unique(present, return_inverse=True, return_counts=True)
    if levels.size == 0:
        return NO_VALUES_REASON.format(n=len(sample))
    capped = levels.size > MAX_CATEGORIES
    if capped and levels.size > FREE_TEXT_UNIQUE_SHARE * present.size:
        cap, share = MAX_CATEGORIES, FREE_TEXT_UNIQUE_SHARE
        return FREE_TEXT_REASON.format(levels=levels.size, n=present.size, cap=cap, share=share)
    if capped:
        kept = np.sort(np.lexsort((np.arange(levels.size), -counts))[: MAX_CATEGORIES - 1])
        remap = np.full(levels.size, kept.size, dtype=np.int64)
        remap[kept] = np.arange(kept.size)
        inverse = remap[inverse]
    n_levels = int(inverse.max()) + 1
    values = np.full(len(sample), np.nan)
    values[~missing] = inverse
    association_codes = np.full(len(sample), n_levels, dtype=np.int64)
    association_codes[~missing] = inverse
    return _Encoded("categorical", values, association_codes, n_levels, capped=bool(capped))


def _name(value: object) -> str | None:
    """A value's text as the audit engine names groups (``encode._name``); None when null.

    Null is None, NaN, NA, NaT or an empty string; a whole float is written as an integer.
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):
        return value or None
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        number = float(value)
        if math.isnan(number):
            return None
        return str(int(number)) if number.is_integer() else repr(number)
    return str(value)


def _groups(sample: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Group names (by name, ``MISSING_GROUP`` last) and each sampled row's group code."""
    names = [_name(value) or MISSING_GROUP for value in sample.tolist()]
    ordered = sorted(set(names), key=lambda name: (name == MISSING_GROUP, name))
    position = {name: code for code, name in enumerate(ordered)}
    return ordered, np.array([position[name] for name in names], dtype=np.int64)


def _proxies(
    encoded: Mapping[str, _Encoded], groups: Mapping[str, tuple[list[str], np.ndarray]]
) -> tuple[Proxy, ...]:
    proxies = []
    for feature, column in encoded.items():
        for attribute, (_, codes) in groups.items():
            if column.association_codes is not None:
                value = cramers_v(column.association_codes, codes)
                proxies.append(Proxy(feature, attribute, value, "cramers_v", len(codes)))
            else:
                present = ~np.isnan(column.values)
                value = correlation_ratio(column.values[present], codes[present])
                n = int(present.sum())
                proxies.append(Proxy(feature, attribute, value, "correlation_ratio", n))
    return tuple(
        sorted(
            proxies,
            key=lambda p: (p.association is None, -(p.association or 0), p.feature, p.attribute),
        )
    )


def _explain_view(
    matrix: np.ndarray,
    y: np.ndarray,
    class_names: tuple[str, ...],
    feature_names: list[str],
    groups: Mapping[str, tuple[list[str], np.ndarray]],
    shape: dict[str, Any],
    seconds: dict[str, float],
) -> View:
    n_fit, n_shap = shape["n_fit"], shape["n_shap"]
    y_fit, y_holdout = y[:n_fit], y[n_fit:]
    fitted = np.unique(y_fit)
    note = None
    if not feature_names:
        note = "every feature column was excluded"
    elif fitted.size < 2:
        note = f"every fitting row has the same label ('{class_names[int(fitted[0])]}')"
    if note is not None:
        return View(Surrogate(None, None, None, (), **shape, note=note), (), ())
    model = HistGradientBoostingClassifier(
        **SURROGATE_PARAMS, early_stopping=False, random_state=shape["seed"] % 2**32
    )
    explained = matrix[:n_shap]
    clock = time.perf_counter()
    # One OpenMP thread: a 40,000-row fit takes about 0.4 s either way, but two threads on a busy
    # machine stall at their barriers (measured 2 s), and one thread makes the floating-point
    # sums, so the result, the same on every machine whatever its core count.
    with threadpool_limits(limits=1, user_api="openmp"):
        model.fit(matrix[:n_fit], y_fit)
        fidelity = float(np.mean(model.predict(matrix[n_fit:]) == y_holdout))
        predicted = model.predict(explained)
    baseline = float(np.mean(y_holdout == np.bincount(y_fit).argmax()))
    seconds["fit"] += time.perf_counter() - clock
    clock = time.perf_counter()
    values = np.asarray(_tree_explainer()(model).shap_values(explained))
    if values.ndim == 3:  # one log-odds output per label: keep the predicted label's
        chosen = np.searchsorted(model.classes_, predicted)
        values = values[np.arange(n_shap), :, chosen]
    magnitude = np.abs(values)
    seconds["shap"] += time.perf_counter() - clock
    means = magnitude.mean(axis=0)
    order = sorted(range(len(feature_names)), key=lambda j: (-means[j], feature_names[j]))
    importance = tuple(FeatureImportance(feature_names[j], float(means[j])) for j in order)
    by_group = []
    for attribute, (names, codes) in groups.items():
        shap_codes = codes[:n_shap]
        for g, group in enumerate(names):
            rows = shap_codes == g
            size = int(rows.sum())
            group_means = magnitude[rows].mean(axis=0) if size >= MIN_GROUP_ROWS else None
            for j in order:
                value = None if group_means is None else float(group_means[j])
                by_group.append(GroupImportance(attribute, group, feature_names[j], size, value))
    classes = tuple(class_names[int(c)] for c in model.classes_)
    surrogate = Surrogate(SURROGATE_MODEL, fidelity, baseline, classes, **shape, note=None)
    return View(surrogate, importance, tuple(by_group))


def _tree_explainer() -> Any:
    # shap imports matplotlib colour maps that emit PendingDeprecationWarning on import, and
    # warnings are errors in this project: silence exactly those, here.
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore",
            message=r"The set_\w+ function will be deprecated",
            category=PendingDeprecationWarning,
        )
        import shap

    return shap.TreeExplainer


def _drivers(view: View | None) -> dict[str, int]:
    """Feature -> rank (1-based) for the view's top drivers, as the module docstring defines."""
    if view is None:
        return {}
    total = sum(item.mean_abs_shap for item in view.importance)
    return {
        item.feature: rank
        for rank, item in enumerate(view.importance[:TOP_DRIVERS], start=1)
        if total > 0 and item.mean_abs_shap / total >= MIN_DRIVER_SHARE
    }


def _findings(
    labels_view: View,
    flagged_view: View | None,
    flagged: tuple[str, ...],
    proxies: tuple[Proxy, ...],
    sensitive: Mapping[str, np.ndarray],
) -> tuple[Finding, ...]:
    findings = []
    for view, what in ((labels_view, "labels"), (flagged_view, "flagged view")):
        if view is not None and view.surrogate.note is not None:
            text = NO_SURROGATE_TEXT.format(what=what, note=view.surrogate.note)
            findings.append(
                Finding("info", NO_SURROGATE_TITLE.format(what=what), text, *_NOT_EXPLAINED)
            )
        elif view is not None and (view.surrogate.fidelity or 0) < MIN_FIDELITY:
            fidelity, baseline = view.surrogate.fidelity, view.surrogate.baseline
            text = LOW_FIDELITY_TEXT.format(what=what, fidelity=fidelity, baseline=baseline)
            findings.append(
                Finding("low", LOW_FIDELITY_TITLE.format(what=what), text, *_LOW_FIDELITY)
            )
    label_drivers, flag_drivers = _drivers(labels_view), _drivers(flagged_view)
    proxy_findings = []
    for proxy in proxies:
        in_labels, in_flagged = proxy.feature in label_drivers, proxy.feature in flag_drivers
        direct = proxy.feature == proxy.attribute
        strength = proxy.association or 0.0
        if not (in_labels or in_flagged) or (strength < PROXY_ASSOCIATION and not direct):
            continue
        words = {
            "subject": SUBJECTS[(in_labels, in_flagged)].format(flagged=", ".join(flagged)),
            "feature": proxy.feature,
            "attribute": proxy.attribute,
            "plain": proxy.attribute.replace("_", " "),
            "association": strength,
            "measure": MEASURE_NAMES[proxy.measure],
            "strength": "closely tracks"
            if strength >= STRONG_PROXY_ASSOCIATION
            else "is linked to",
        }
        severity = "high" if direct or strength >= STRONG_PROXY_ASSOCIATION else "medium"
        title, text = (DIRECT_TITLE, DIRECT_TEXT) if direct else (PROXY_TITLE, PROXY_TEXT)
        proxy_findings.append(
            Finding(
                severity,
                title.format(**words),
                text.format(**words),
                PROXY_CLAUSES,
                "flag",
                "explain.direct_use" if direct else "explain.proxy",
                proxy.feature,
                proxy.attribute,
                proxy.association,
            )
        )
    findings.extend(proxy_findings)
    if labels_view.surrogate.note is None and not sensitive:
        findings.append(Finding("info", NOT_CHECKED_TITLE, NOT_CHECKED_TEXT, *_NOT_CHECKED))
    elif labels_view.surrogate.note is None and not proxy_findings:
        findings.append(Finding("info", NO_PROXY_TITLE, NO_PROXY_TEXT, *_NO_PROXY))
    return tuple(
        sorted(
            findings,
            key=lambda f: (_SEVERITY_ORDER[f.severity], -(f.association or 0), f.feature or ""),
        )
    )


def _jsonable(value: Any) -> Any:
    """Dataclasses to dicts, tuples to lists, floats rounded to DECIMALS (NaN and inf to None)."""
    if is_dataclass(value):
        return {f.name: _jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple | list):
        return [_jsonable(item) for item in value]
    if isinstance(value, float):
        return _round(value)
    return value


def _round(value: float | None) -> float | None:
    if value is None or not np.isfinite(value):
        return None
    return round(float(value), DECIMALS)
