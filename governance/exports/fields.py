"""Reading the plain dicts the views build, with errors that name the exact field at fault.

Every reader takes the mapping, the key and ``where``: the path of the mapping in the input
(``"activity 2 ('Support inbox')"``, ``"context.signoffs[1]"``), so a bad input is reported as
``context.signoffs[1].at is not an ISO 8601 date-time: 'yesterday'.``. Text fields accept
``None`` or ``""`` for "not recorded"; nothing else is guessed.
"""

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

ERR_NOT_A_MAPPING = "{where} must be a mapping (dict), got {kind}."
ERR_MISSING = "{where} has no field {key!r}."
ERR_NOT_TEXT = "{where}.{key} must be text, got {kind}."
ERR_NOT_A_LIST = "{where}.{key} must be a list, got {kind}."
ERR_ITEM_NOT_TEXT = "{where}.{key}[{index}] must be text, got {kind}."
ERR_NOT_BOOL = "{where}.{key} must be true or false, got {value!r}."
ERR_NOT_INT = "{where}.{key} must be a whole number, got {value!r}."
ERR_BAD_DATE = "{where}.{key} is not an ISO 8601 date-time: {value!r}."
ERR_NOT_ONE_OF = "{where}.{key} must be one of {allowed}, got {value!r}."
ERR_NOT_A_DIGEST = (
    "{where}.{key} must be a SHA-256 digest (64 lowercase hex digits), got {value!r}."
)
DIGEST_LENGTH = 64
HEX_DIGITS = frozenset("0123456789abcdef")

NOT_RECORDED = "not recorded"


class ExportDataError(ValueError):
    """The data handed to an export is incomplete or malformed; the message names the field."""


def _kind(value: object) -> str:
    return type(value).__name__


def mapping(value: object, *, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ExportDataError(ERR_NOT_A_MAPPING.format(where=where, kind=_kind(value)))
    return value


def child(parent: Mapping[str, Any], key: str, *, where: str) -> Mapping[str, Any]:
    """The nested mapping ``parent[key]``."""
    return mapping(value(parent, key, where=where), where=f"{where}.{key}")


def value(parent: Mapping[str, Any], key: str, *, where: str) -> Any:
    if key not in parent:
        raise ExportDataError(ERR_MISSING.format(where=where, key=key))
    return parent[key]


def text(parent: Mapping[str, Any], key: str, *, where: str) -> str:
    """A text field; ``None`` reads as ``""``. Identifiers such as UUIDs are written as text."""
    raw = value(parent, key, where=where)
    if raw is None:
        return ""
    if isinstance(raw, bool) or not isinstance(raw, str | int | UUID):
        raise ExportDataError(ERR_NOT_TEXT.format(where=where, key=key, kind=_kind(raw)))
    return str(raw)


def text_list(parent: Mapping[str, Any], key: str, *, where: str) -> list[str]:
    """A list of text items; a bare string is refused (it would be read letter by letter)."""
    raw = value(parent, key, where=where)
    if raw is None:
        return []
    if isinstance(raw, str | bytes) or not isinstance(raw, Sequence):
        raise ExportDataError(ERR_NOT_A_LIST.format(where=where, key=key, kind=_kind(raw)))
    for index, item in enumerate(raw):
        if not isinstance(item, str):
            raise ExportDataError(
                ERR_ITEM_NOT_TEXT.format(where=where, key=key, index=index, kind=_kind(item))
            )
    return list(raw)


def mapping_list(parent: Mapping[str, Any], key: str, *, where: str) -> list[Mapping[str, Any]]:
    raw = value(parent, key, where=where)
    if isinstance(raw, str | bytes | Mapping) or not isinstance(raw, Sequence):
        raise ExportDataError(ERR_NOT_A_LIST.format(where=where, key=key, kind=_kind(raw)))
    return [mapping(item, where=f"{where}.{key}[{index}]") for index, item in enumerate(raw)]


def flag(parent: Mapping[str, Any], key: str, *, where: str) -> bool:
    raw = value(parent, key, where=where)
    if not isinstance(raw, bool):
        raise ExportDataError(ERR_NOT_BOOL.format(where=where, key=key, value=raw))
    return raw


def whole_number(parent: Mapping[str, Any], key: str, *, where: str) -> int:
    raw = value(parent, key, where=where)
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise ExportDataError(ERR_NOT_INT.format(where=where, key=key, value=raw))
    return raw


def choice(parent: Mapping[str, Any], key: str, allowed: Sequence[str], *, where: str) -> str:
    raw = value(parent, key, where=where)
    if raw not in allowed:
        raise ExportDataError(
            ERR_NOT_ONE_OF.format(where=where, key=key, allowed=", ".join(allowed), value=raw)
        )
    return raw


def moment(parent: Mapping[str, Any], key: str, *, where: str) -> datetime | None:
    """An aware UTC ``datetime`` from ISO 8601 text, a ``datetime`` or a ``date`` (midnight UTC).

    Naive values are taken as UTC; ``None`` or ``""`` is "not recorded" and gives ``None``.
    """
    raw = value(parent, key, where=where)
    if raw is None or raw == "":
        return None
    if isinstance(raw, datetime):
        parsed = raw
    elif isinstance(raw, date):
        parsed = datetime(raw.year, raw.month, raw.day)
    elif isinstance(raw, str):
        try:
            parsed = datetime.fromisoformat(raw)
        except ValueError as error:
            raise ExportDataError(ERR_BAD_DATE.format(where=where, key=key, value=raw)) from error
    else:
        raise ExportDataError(ERR_BAD_DATE.format(where=where, key=key, value=raw))
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def iso_utc(moment_value: datetime | None) -> str:
    """``2026-03-12T13:05:09Z`` for machine-readable exports; ``""`` when not recorded."""
    if moment_value is None:
        return ""
    return moment_value.strftime("%Y-%m-%dT%H:%M:%SZ")


def minute_text(moment_value: datetime | None) -> str:
    """``2026-03-12 13:05 UTC``."""
    if moment_value is None:
        return NOT_RECORDED
    return moment_value.strftime("%Y-%m-%d %H:%M UTC")


def second_text(moment_value: datetime | None) -> str:
    """``2026-03-12 13:05:09 UTC``: signatures and decisions are timed to the second."""
    if moment_value is None:
        return NOT_RECORDED
    return moment_value.strftime("%Y-%m-%d %H:%M:%S UTC")


def date_text(moment_value: datetime | None) -> str:
    if moment_value is None:
        return NOT_RECORDED
    return moment_value.strftime("%Y-%m-%d")


def words(value_text: str) -> str:
    """A choice value as words: ``"job_applicants"`` -> ``"job applicants"``."""
    return or_not_recorded(value_text.replace("_", " "))


def or_not_recorded(value_text: str) -> str:
    return value_text if value_text.strip() else NOT_RECORDED


def digest(parent: Mapping[str, Any], key: str, *, where: str, optional: bool = False) -> str:
    """A SHA-256 hex digest; with ``optional``, ``None`` or ``""`` reads as ``""``."""
    raw = value(parent, key, where=where)
    if optional and (raw is None or raw == ""):
        return ""
    if not isinstance(raw, str) or len(raw) != DIGEST_LENGTH or not set(raw) <= HEX_DIGITS:
        raise ExportDataError(ERR_NOT_A_DIGEST.format(where=where, key=key, value=raw))
    return raw
