"""Turn raw columns into small integer codes: the only step of an audit that reads strings.

Every later step (counting, metrics, intervals) works on the codes, so this is where bad input is
rejected, with the row and column named. Group names are put in a canonical order (by name, the
missing group last) so that the same rows always give the same codes, whatever their order.
"""

from __future__ import annotations

import ctypes
import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .config import JOIN, MISSING, AuditInputError, check_labels, group_sort_key

ENCODE_EMPTY = "the batch has no rows"
ENCODE_NOT_1D = "column {column!r} must be one-dimensional, got shape {shape}"
ENCODE_LENGTH = "column {column!r} has {length} rows, but y_pred has {expected}"
ENCODE_SENSITIVE_EMPTY = "sensitive must map at least one column name to its values"
ENCODE_SENSITIVE_NAME = "sensitive column names must be non-empty text without '&', got {column!r}"
ENCODE_MISSING_LABEL = "{column} row {row}: missing value"
ENCODE_UNKNOWN_LABEL = "{column} row {row}: {value!r} is not one of the labels ({labels})"
ENCODE_LABEL_CODE = "{column} row {row}: code {value} is outside 0..{high}"
ENCODE_VALUE_TYPE = "{column} row {row}: values must be text or numbers, got {kind}"
ENCODE_CATEGORIES_UNKNOWN = "categories names {column!r}, which is not a sensitive column"
ENCODE_CATEGORIES_INVALID = "categories for {column!r} must be distinct non-empty text values"
ENCODE_CATEGORY_CODE = "{column} row {row}: code {value} is outside -1..{high}"
ENCODE_CODES_NOT_INTEGER = (
    "{column}: pre-coded values (categories given) must be integers, got {dtype}"
)
ENCODE_SCORE_LABEL = "scores names {label!r}, which is not one of the labels"
ENCODE_SCORE_VALUE = "score_{label} row {row}: {value!r} is not a number in [0, 1]"

# Object columns of this many rows or more are first grouped by object identity (see
# `_hash_keys`); below it the plain hash factorization is already fast.
_IDENTITY_MIN_ROWS = 1 << 16
_IDENTITY_PROBE = 4096
_IDENTITY_MAX_DISTINCT = 256
_CHUNK = 1 << 18


@dataclass(frozen=True, eq=False)
class Encoded:
    """A batch as integer codes. Build it with `encode`; slice it with `rows`.

    `categories[i]` names the codes of `sensitive[i]` (canonical order, missing last);
    `y_pred`/`y_true` are codes into `labels`; `scores[j]` are float64 in [0, 1] for
    `score_labels[j]`.
    """

    labels: tuple[str, ...]
    attributes: tuple[str, ...]
    categories: tuple[tuple[str, ...], ...]
    sensitive: tuple[np.ndarray, ...]
    y_pred: np.ndarray
    y_true: np.ndarray | None = None
    score_labels: tuple[str, ...] = ()
    scores: tuple[np.ndarray, ...] = ()

    @property
    def n(self) -> int:
        return int(self.y_pred.shape[0])

    def rows(self, start: int, stop: int) -> Encoded:
        """The rows `start:stop` (views, no copy): a chunk for `count`."""
        part = slice(start, stop)
        return Encoded(
            labels=self.labels,
            attributes=self.attributes,
            categories=self.categories,
            sensitive=tuple(codes[part] for codes in self.sensitive),
            y_pred=self.y_pred[part],
            y_true=None if self.y_true is None else self.y_true[part],
            score_labels=self.score_labels,
            scores=tuple(s[part] for s in self.scores),
        )


def _small_int(count: int) -> type[np.signedinteger]:
    for dtype in (np.int8, np.int16, np.int32):
        if count <= np.iinfo(dtype).max:
            return dtype
    return np.int64


def _as_column(values: Any, *, column: str, expected: int | None) -> np.ndarray:
    array = (
        np.asarray(values, dtype=object) if isinstance(values, list | tuple) else np.asarray(values)
    )
    if array.ndim != 1:
        raise AuditInputError(ENCODE_NOT_1D.format(column=column, shape=array.shape))
    if expected is not None and array.shape[0] != expected:
        raise AuditInputError(
            ENCODE_LENGTH.format(column=column, length=array.shape[0], expected=expected)
        )
    return array


def _name(value: Any) -> str | None:
    """The group name of one raw value; None for a null. Raises TypeError for other objects."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value != "" else None
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        number = float(value)
        if math.isnan(number):
            return None
        if number.is_integer():
            return str(int(number))
        return repr(number)
    if isinstance(value, bytes):
        return _name(value.decode("utf-8", errors="replace"))
    import pandas as pd

    if value is pd.NA or value is pd.NaT:
        return None
    raise TypeError(type(value).__name__)


def _hash_keys(array: np.ndarray) -> tuple[np.ndarray, bool]:
    """The array to hash-factorize, and whether it holds object identities instead of values.

    A large object column of few values usually holds the same few string objects over and over
    (interned, or shared by the reader), so it is grouped by object identity, a hash pass over
    integers, and only each distinct object is read as text; objects with equal text then share
    a name. A probe of the first rows decides; other columns hash their values.
    """
    import pandas as pd

    if array.dtype != object or array.shape[0] < _IDENTITY_MIN_ROWS:
        return array, False
    # Reading the pointers is safe: `array` holds a reference to every object it points to, and
    # the caller keeps `array` alive while it uses them.
    buffer = (ctypes.c_size_t * array.shape[0]).from_address(array.ctypes.data)
    pointers = np.ctypeslib.as_array(buffer)
    if len(pd.unique(pointers[:_IDENTITY_PROBE])) <= _IDENTITY_MAX_DISTINCT:
        return pointers, True
    return array, False


def _factorize(array: np.ndarray, *, column: str) -> tuple[np.ndarray, list[str | None]]:
    """Codes (int32) into the distinct names of a column, in order of appearance (None = missing).

    Works in chunks of rows so that its temporaries stay small and in cache.
    """
    import pandas as pd

    if array.dtype.kind in "UST":
        array = array.astype(object)
    elif array.dtype == object:
        array = np.ascontiguousarray(array)
    keys, identity = _hash_keys(array)
    codes = np.empty(array.shape[0], dtype=np.int32)
    names: list[str | None] = []
    position: dict[str | None, int] = {}
    seen: dict[Any, int] = {}
    for start in range(0, array.shape[0], _CHUNK):
        try:
            chunk_codes, distinct = pd.factorize(keys[start : start + _CHUNK])
        except TypeError:  # an unhashable value (a list, a dict)
            for i, value in enumerate(keys[start : start + _CHUNK].tolist()):
                if not isinstance(value, Hashable):
                    kind = type(value).__name__
                    message = ENCODE_VALUE_TYPE.format(column=column, row=start + i, kind=kind)
                    raise AuditInputError(message) from None
            raise
        lut = np.empty(len(distinct) + 1, dtype=np.int32)
        for i, key in enumerate(distinct):
            # Keyed by type too: 1, 1.0 and True are equal in Python but name different groups.
            seen_key = key if identity else (type(key), key)
            found = seen.get(seen_key)
            if found is None:
                value = ctypes.cast(int(key), ctypes.py_object).value if identity else key
                try:
                    name = _name(value)
                except TypeError as error:
                    row = start + int(np.flatnonzero(chunk_codes == i)[0])
                    message = ENCODE_VALUE_TYPE.format(column=column, row=row, kind=error)
                    raise AuditInputError(message) from None
                found = seen[seen_key] = position.setdefault(name, len(names))
                if found == len(names):
                    names.append(name)
            lut[i] = found
        if len(chunk_codes) and chunk_codes.min() < 0:
            lut[-1] = position.setdefault(None, len(names))
            if lut[-1] == len(names):
                names.append(None)
        np.take(lut, chunk_codes, out=codes[start : start + _CHUNK])
    return codes, names


def _first_row(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def _encode_labels(
    values: Any, *, labels: tuple[str, ...], column: str, n: int | None
) -> np.ndarray:
    array = _as_column(values, column=column, expected=n)
    dtype = _small_int(len(labels))
    if array.dtype.kind in "iu":
        if array.shape[0] and (array.min() < 0 or array.max() >= len(labels)):
            row = _first_row((array < 0) | (array >= len(labels)))
            raise AuditInputError(
                ENCODE_LABEL_CODE.format(
                    column=column, row=row, value=array[row], high=len(labels) - 1
                )
            )
        return array.astype(dtype, copy=False)
    codes, names = _factorize(array, column=column)
    position = {label: i for i, label in enumerate(labels)}
    lut = np.array([position.get(name, -1) if name is not None else -2 for name in names])
    coded = lut.astype(np.int32)[codes]
    if coded.shape[0] and coded.min() < 0:
        row = _first_row(coded < 0)
        if coded[row] == -2:
            raise AuditInputError(ENCODE_MISSING_LABEL.format(column=column, row=row))
        raise AuditInputError(
            ENCODE_UNKNOWN_LABEL.format(
                column=column, row=row, value=names[codes[row]], labels=", ".join(labels)
            )
        )
    return coded.astype(dtype)


def _canonical(
    codes: np.ndarray, names: Sequence[str | None], present: np.ndarray | None = None
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Codes into the canonical (sorted, missing last) names of the codes that occur.

    `codes` index `names` (-1 means the last name); `present[i]` says whether code i occurs
    (default: all do). Distinct names that read the same (None and "(missing)") merge.
    """
    named = [MISSING if name is None else name for name in names]
    used = range(len(named)) if present is None else np.flatnonzero(present)
    ordered = sorted({named[i] for i in used}, key=group_sort_key)
    position = {name: i for i, name in enumerate(ordered)}
    lut = np.array([position.get(name, -1) for name in named], dtype=_small_int(len(ordered)))
    return lut[codes], tuple(ordered)


def _encode_sensitive(
    values: Any, *, column: str, n: int, categories: Sequence[str] | None
) -> tuple[np.ndarray, tuple[str, ...]]:
    array = _as_column(values, column=column, expected=n)
    if categories is None:
        codes, names = _factorize(array, column=column)
        return _canonical(codes, names)
    if array.dtype.kind not in "iu":
        raise AuditInputError(ENCODE_CODES_NOT_INTEGER.format(column=column, dtype=array.dtype))
    high = len(categories) - 1
    if array.min() < -1 or array.max() > high:
        row = _first_row((array < -1) | (array > high))
        raise AuditInputError(
            ENCODE_CATEGORY_CODE.format(column=column, row=row, value=array[row], high=high)
        )
    present = np.bincount(array.astype(np.intp) + 1, minlength=len(categories) + 1) > 0
    present = np.roll(present, -1)  # code -1 counts go to the last (missing) slot
    return _canonical(array, [*categories, None], present)


def _check_categories(
    categories: Mapping[str, Sequence[str]], sensitive: Mapping[str, Any]
) -> None:
    for column, names in categories.items():
        if column not in sensitive:
            raise AuditInputError(ENCODE_CATEGORIES_UNKNOWN.format(column=column))
        names = list(names)
        if len(set(names)) != len(names) or not all(isinstance(x, str) and x for x in names):
            raise AuditInputError(ENCODE_CATEGORIES_INVALID.format(column=column))


def _encode_scores(values: Any, *, label: str, n: int) -> np.ndarray:
    column = f"score_{label}"
    array = _as_column(values, column=column, expected=n)
    try:
        scores = np.ascontiguousarray(array, dtype=np.float64)
    except (TypeError, ValueError):  # text or None somewhere: find the first such row
        for row, value in enumerate(array.tolist()):
            try:
                float(value)
            except (TypeError, ValueError):
                message = ENCODE_SCORE_VALUE.format(label=label, row=row, value=value)
                raise AuditInputError(message) from None
        raise
    low, high = scores.min(), scores.max()  # NaN propagates and fails both tests
    if not (low >= 0.0 and high <= 1.0):
        row = _first_row(~((scores >= 0.0) & (scores <= 1.0)))
        raise AuditInputError(ENCODE_SCORE_VALUE.format(label=label, row=row, value=array[row]))
    return scores


def encode(
    *,
    y_pred: Any,
    labels: Sequence[str],
    sensitive: Mapping[str, Any],
    y_true: Any = None,
    scores: Mapping[str, Any] | None = None,
    categories: Mapping[str, Sequence[str]] | None = None,
) -> Encoded:
    """Encode one batch (or one chunk of it).

    `y_pred`/`y_true`: label names (text) or integer codes into `labels`. Missing or unknown
    labels are errors. `sensitive`: column name -> values, text or numbers; None, NaN, NA and ""
    become the group `"(missing)"`; numbers are named by their text ("25" for 25 and 25.0).
    `categories`: for pre-coded sensitive columns, column -> the names of codes 0..k-1 (code -1
    is missing), so that already dictionary-encoded uploads skip the string work.
    `scores`: label -> probabilities in [0, 1] (the `score_<label>` columns).

    Raises AuditInputError (an `ENCODE_*` message naming the column and the first bad row).
    """
    labels = check_labels(labels)
    if not isinstance(sensitive, Mapping) or not sensitive:
        raise AuditInputError(ENCODE_SENSITIVE_EMPTY)
    pred = _encode_labels(y_pred, labels=labels, column="y_pred", n=None)
    n = int(pred.shape[0])
    if n == 0:
        raise AuditInputError(ENCODE_EMPTY)
    true = None if y_true is None else _encode_labels(y_true, labels=labels, column="y_true", n=n)
    categories = dict(categories or {})
    _check_categories(categories, sensitive)
    codes, names = [], []
    for column, values in sensitive.items():
        if not isinstance(column, str) or not column.strip() or JOIN in column:
            raise AuditInputError(ENCODE_SENSITIVE_NAME.format(column=column))
        column_codes, column_names = _encode_sensitive(
            values, column=column, n=n, categories=categories.get(column)
        )
        codes.append(column_codes)
        names.append(column_names)
    score_map = dict(scores or {})
    for label in score_map:
        if label not in labels:
            raise AuditInputError(ENCODE_SCORE_LABEL.format(label=label))
    score_labels = tuple(label for label in labels if label in score_map)
    return Encoded(
        labels=labels,
        attributes=tuple(sensitive),
        categories=tuple(names),
        sensitive=tuple(codes),
        y_pred=pred,
        y_true=true,
        score_labels=score_labels,
        scores=tuple(_encode_scores(score_map[x], label=x, n=n) for x in score_labels),
    )
