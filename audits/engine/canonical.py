"""Canonical JSON of results and its SHA-256: the same results always give the same bytes."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from .config import AuditInputError

CANONICAL_NOT_FINITE = "canonical JSON cannot hold {value!r} (at {path})"
CANONICAL_TYPE = "canonical JSON cannot hold a {kind} (at {path})"
CANONICAL_KEY = "canonical JSON keys must be text, got {key!r} (at {path})"

SIGNIFICANT_DIGITS = 12
_FORMAT = f".{SIGNIFICANT_DIGITS}g"


class _Unwritable(Exception):
    """Raised deep in the walk; the containers on the way up add their keys to `path`."""

    def __init__(self, message: str, value: Any) -> None:
        super().__init__(message)
        self.message, self.value, self.path = message, value, []


def _float(value: float) -> float:
    if value != value or value in (math.inf, -math.inf):
        raise _Unwritable(CANONICAL_NOT_FINITE, value)
    rounded = float(format(value, _FORMAT))
    return rounded if rounded else 0.0  # no "-0.0"


_AS_IS = frozenset({str, int, bool, type(None)})


def _plain(value: Any) -> Any:
    kind = type(value)
    if kind is float:
        return _float(value)
    if kind in _AS_IS:
        return value
    if kind is dict:
        for key in value:
            if type(key) is not str:
                error = _Unwritable(CANONICAL_KEY, key)
                error.path.append(f".{key!r}")
                raise error
        try:
            # Scalars inline: most of a result is flat rows of numbers and text.
            return {
                key: item
                if type(item) in _AS_IS
                else _float(item)
                if type(item) is float
                else _plain(item)
                for key, item in value.items()
            }
        except _Unwritable as error:
            error.path.append(_where(value, error))
            raise
    if kind is list or kind is tuple:
        try:
            return [
                item
                if type(item) in _AS_IS
                else _float(item)
                if type(item) is float
                else _plain(item)
                for item in value
            ]
        except _Unwritable as error:
            error.path.append(_where(value, error))
            raise
    return _other(value)


def _where(container: Any, error: _Unwritable) -> str:
    """Which key or index of `container` failed (found again on the error path only)."""
    items = container.items() if isinstance(container, Mapping) else enumerate(container)
    for key, item in items:
        if isinstance(container, Mapping) and not isinstance(key, str):
            return f".{key!r}"
        try:
            _plain(item)
        except _Unwritable:
            return f".{key}" if isinstance(container, Mapping) else f"[{key}]"
    return ""


def _other(value: Any) -> Any:
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer | int):
        return int(value)
    if isinstance(value, np.floating | float):
        return _float(float(value))
    if isinstance(value, Mapping):
        return _plain(dict(value))
    if isinstance(value, list | tuple | np.ndarray):
        return _plain(list(value))
    raise _Unwritable(CANONICAL_TYPE, type(value).__name__)


def canonical_json(obj: Any) -> bytes:
    """UTF-8 JSON with sorted keys, no spaces, and every float rounded to 12 significant digits
    (then written by Python's shortest round-trip repr), so equal results give equal bytes.

    Raises AuditInputError (`CANONICAL_*`) for NaN, infinities, non-text keys and other types.
    """
    try:
        plain = _plain(obj)
    except _Unwritable as error:
        path = "$" + "".join(reversed(error.path))
        if error.message == CANONICAL_TYPE:
            raise AuditInputError(error.message.format(kind=error.value, path=path)) from None
        if error.message == CANONICAL_KEY:
            raise AuditInputError(error.message.format(key=error.value, path=path)) from None
        raise AuditInputError(error.message.format(value=error.value, path=path)) from None
    return json.dumps(
        plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def result_sha256(results: Mapping[str, Any]) -> str:
    """Hex SHA-256 of `canonical_json(results)`."""
    return hashlib.sha256(canonical_json(results)).hexdigest()
