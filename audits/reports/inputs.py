"""Checked reads of the plain mappings a report is built from.

Every failure is a ``ValueError`` whose message names the field, with its index in a list
(``results.metrics[3].value``), so a malformed stored run is reported precisely instead of
rendering a misleading report.
"""

import math
import numbers
from collections.abc import Mapping, Sequence

ERR_NOT_MAPPING = "{field} must be an object, got {kind}."
ERR_NOT_LIST = "{field} must be a list, got {kind}."
ERR_MISSING = "{field} is missing."
ERR_NOT_TEXT = "{field} must be text, got {kind}."
ERR_NOT_TEXT_OR_NULL = "{field} must be text or null, got {kind}."
ERR_NOT_NUMBER = "{field} must be a number or null, got {value!r}."
ERR_NOT_FINITE = "{field} must be a finite number, got {value!r}."
ERR_NOT_COUNT = "{field} must be a whole number of rows (0 or more), got {value!r}."
ERR_NOT_BOOL = "{field} must be true or false, got {value!r}."


def mapping(value: object, *, field: str) -> Mapping:
    if not isinstance(value, Mapping):
        raise ValueError(ERR_NOT_MAPPING.format(field=field, kind=type(value).__name__))
    return value


def items(value: object, *, field: str) -> Sequence:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise ValueError(ERR_NOT_LIST.format(field=field, kind=type(value).__name__))
    return value


def required(source: Mapping, key: str, *, field: str) -> object:
    if key not in source:
        raise ValueError(ERR_MISSING.format(field=f"{field}.{key}"))
    return source[key]


def text(value: object, *, field: str) -> str:
    if not isinstance(value, str):
        raise ValueError(ERR_NOT_TEXT.format(field=field, kind=type(value).__name__))
    return value


def optional_text(value: object, *, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(ERR_NOT_TEXT_OR_NULL.format(field=field, kind=type(value).__name__))
    return value


def texts(value: object, *, field: str) -> list[str]:
    return [
        text(item, field=f"{field}[{index}]")
        for index, item in enumerate(items(value, field=field))
    ]


def number(value: object, *, field: str) -> float | None:
    """A finite real number or ``None`` (undefined). ``True``/``False`` are not numbers here."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(ERR_NOT_NUMBER.format(field=field, value=value))
    result = float(value)
    if not math.isfinite(result):
        raise ValueError(ERR_NOT_FINITE.format(field=field, value=value))
    return result


def row_count(value: object, *, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(ERR_NOT_COUNT.format(field=field, value=value))
    return int(value)


def optional_row_count(value: object, *, field: str) -> int | None:
    return None if value is None else row_count(value, field=field)


def flag(value: object, *, field: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(ERR_NOT_BOOL.format(field=field, value=value))
    return value


def optional_flag(value: object, *, field: str) -> bool | None:
    return None if value is None else flag(value, field=field)
