"""JSON Lines to an Arrow table: one object per line, the same keys on every line, one JSON type
per key.

Lines are decoded by the C decoder with objects kept as tuples of pairs (so duplicate keys are
seen and objects told from arrays); rows are gathered in blocks whose columns pyarrow converts
with the expected types. A value is looked at in Python only when its block's column fails to
convert, to name the offending rows.
"""

from __future__ import annotations

import json
import pathlib
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from audits.ingest import errors as msg
from audits.ingest.errors import ErrorCollector
from audits.ingest.sniff import UTF8_BOM, file_error

BLOCK_ROWS = 1 << 16
KIND_DESCRIPTIONS = {"text": "text", "number": "a number", "boolean": "true/false"}
# Objects become tuples of (key, value) pairs, arrays stay lists.
DECODER = json.JSONDecoder(object_pairs_hook=tuple)


@dataclass(frozen=True)
class JsonlTable:
    """The parsed rows (keys as written) and which rows were broken; a broken row holds only
    nulls, keeping later rows at their index, and its cells are not checked again."""

    table: pa.Table
    broken: np.ndarray


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "array"
    return "object"


class _Columns:
    """Rows gathered by block, converted column by column."""

    def __init__(self, keys: list[str], leading_broken: int) -> None:
        self.keys = keys
        self.kinds: dict[str, str | None] = dict.fromkeys(keys)
        self.empty = dict.fromkeys(keys)
        self.records: list[dict[str, object]] = [self.empty] * leading_broken
        self.first_row = 1
        self.converted: dict[str, list[pa.Array]] = {key: [] for key in keys}

    def add(self, record: dict[str, object] | None) -> None:
        self.records.append(self.empty if record is None else record)

    def flush(self, broken: list[bool], collector: ErrorCollector) -> None:
        if not self.records:
            return
        for key in self.keys:
            values = [record[key] for record in self.records]
            array = self._convert(key, values)
            if array is None:
                self._diagnose(key, values, broken, collector)
                array = self._convert(key, values)
            if array is None:
                # Only numbers beyond 64 bits get here: the values' kinds are all right.
                collector.add(
                    row=None,
                    column=key.strip(),
                    message=msg.COLUMN_TYPE.format(
                        found="a number beyond the 64-bit range", expected="smaller numbers"
                    ),
                )
                array = pa.nulls(len(values), pa.float64())
            self.converted[key].append(array)
        self.first_row += len(self.records)
        self.records = []

    def _convert(self, key: str, values: list[object]) -> pa.Array | None:
        kind = self.kinds[key]
        if kind is None:
            kind = next((_json_kind(value) for value in values if value is not None), None)
            if kind not in KIND_DESCRIPTIONS:
                return pa.nulls(len(values)) if kind is None else None
            self.kinds[key] = kind
        try:
            if kind == "text":
                return pa.array(values, pa.string())
            # Whole numbers stay int64, so numeric subject IDs keep every digit.
            array = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            return None
        if kind == "number" and (
            pa.types.is_integer(array.type) or pa.types.is_floating(array.type)
        ):
            return array
        if kind == "boolean" and pa.types.is_boolean(array.type):
            return array
        if pa.types.is_null(array.type):
            return array
        return None

    def _diagnose(
        self, key: str, values: list[object], broken: list[bool], collector: ErrorCollector
    ) -> None:
        """Name each row whose value is nested or of another kind than the column's, and
        blank it so the rest of the block converts."""
        for offset, value in enumerate(values):
            kind = _json_kind(value)
            expected = self.kinds[key]
            if kind == "null":
                continue
            row = self.first_row + offset
            if kind in ("array", "object"):
                message = msg.JSON_NESTED_VALUE.format(kind=kind)
            elif expected is None:
                self.kinds[key] = kind
                continue
            elif kind != expected:
                message = msg.JSON_TYPE_MISMATCH.format(
                    found=KIND_DESCRIPTIONS[kind], expected=KIND_DESCRIPTIONS[expected]
                )
            else:
                continue
            collector.add(row=row, column=key.strip(), message=message)
            values[offset] = None
            broken[row - 1] = True

    def table(self) -> pa.Table:
        return pa.table({key: _combine(self.converted[key]) for key in self.keys})


def read_jsonl_table(path: pathlib.Path, *, collector: ErrorCollector) -> JsonlTable:
    """Parse every line, recording each bad line (not JSON, not an object, a duplicate key,
    other keys than the first row, a value of another type than earlier rows, a nested value)
    with its row number in `collector`. Blank lines are skipped and not counted."""
    columns: _Columns | None = None
    key_set: frozenset[str] = frozenset()
    broken: list[bool] = []
    row = 0
    with path.open("rb") as handle:
        for number, line in enumerate(handle):
            content = (line.removeprefix(UTF8_BOM) if number == 0 else line).strip()
            if not content:
                continue
            row += 1
            record = _parse_line(content, row, collector)
            if record is not None:
                if columns is None:
                    columns = _Columns(list(record), leading_broken=row - 1)
                    key_set = frozenset(record)
                elif record.keys() != key_set:
                    _keys_differ(record, columns.keys, key_set, row, collector)
                    record = None
            broken.append(record is None)
            if columns is not None:
                columns.add(record)
                if len(columns.records) >= BLOCK_ROWS:
                    columns.flush(broken, collector)
    if columns is None:
        # No line was a usable object: every one is already an error, or the file is blank.
        collector.raise_if_any()
        raise file_error(msg.EMPTY_FILE)
    columns.flush(broken, collector)
    return JsonlTable(table=columns.table(), broken=np.array(broken, dtype=bool))


def _parse_line(content: bytes, row: int, collector: ErrorCollector) -> dict[str, object] | None:
    if b"\x00" in content:
        collector.add(row=row, column=None, message=msg.NUL_BYTE)
        return None
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        collector.add(row=row, column=None, message=msg.NOT_UTF8)
        return None
    try:
        value = DECODER.decode(text)
    except json.JSONDecodeError as exc:
        # exc.msg names the expectation only; the document itself is never quoted.
        detail = f"{exc.msg} at character {exc.pos + 1}"
        collector.add(row=row, column=None, message=msg.JSON_INVALID.format(detail=detail))
        return None
    if not isinstance(value, tuple):
        collector.add(
            row=row, column=None, message=msg.JSON_NOT_OBJECT.format(kind=_json_kind(value))
        )
        return None
    record = dict(value)
    if len(record) == len(value):
        return record
    seen: set[str] = set()
    for key, _ in value:
        if key in seen:
            message = msg.JSON_DUPLICATE_KEY.format(key=msg.quote(key))
            collector.add(row=row, column=None, message=message)
            break
        seen.add(key)
    return None


def _keys_differ(
    record: dict[str, object],
    keys: list[str],
    key_set: frozenset[str],
    row: int,
    collector: ErrorCollector,
) -> None:
    missing = [key for key in keys if key not in record]
    extra = [key for key in record if key not in key_set]
    message = msg.JSON_KEYS_DIFFER.format(
        missing=msg.quote_all(missing) or "none", extra=msg.quote_all(extra) or "none"
    )
    collector.add(row=row, column=None, message=message)


def _combine(arrays: list[pa.Array]) -> pa.ChunkedArray:
    """One type per column: whole numbers become float64 if any block has decimals; all-null
    blocks take the column's type."""
    types = {array.type for array in arrays if not pa.types.is_null(array.type)}
    if not types:
        return pa.chunked_array(arrays, pa.null())
    target = pa.float64() if len(types) > 1 else types.pop()
    return pa.chunked_array([array.cast(target) for array in arrays], target)
