"""Error messages (module constants with placeholders), the collector and `IngestError`.

Every message says what is wrong in plain words; the row and column travel beside it in the error
dict, never inside a copy of the cell, so that no subject reference can leak into an error.
Values that do appear (an unknown label, a bad score) pass through `quote()`, which escapes
control characters and shortens long text.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable

import numpy as np

MAX_REPORTED_ERRORS = 100
QUOTE_LIMIT = 60

# Choosing and recognising the format.
UNKNOWN_FORMAT = "Unknown format {fmt}; use csv, parquet or jsonl."
FORMAT_NOT_RECOGNISED = (
    "Cannot tell the format from the file name ending {suffix}; name the file .csv, .tsv, .txt, "
    ".parquet, .pq, .jsonl or .ndjson, or give the format."
)
EMPTY_FILE = "The file is empty."
HEADER_ONLY = "The file has a header but no data rows."
NOT_PARQUET = "The file is not a Parquet file: it does not start and end with the bytes PAR1."
PARQUET_NOT_TEXT = (
    "The file is a Parquet file, not {expected}; upload it with a .parquet name or the format "
    "parquet."
)
BINARY_NOT_TEXT = "The file looks like {kind}, not {expected} text."
UTF16_FILE = "The file is encoded as UTF-16 or UTF-32; save it as UTF-8."
NOT_UTF8 = "Not valid UTF-8 text (perhaps Latin-1 or Windows-1252); save the file as UTF-8."
NUL_BYTE = "Contains a NUL byte; the file may be binary or UTF-16 encoded."
UNREADABLE_PARQUET = "The Parquet file could not be read; it may be truncated or damaged."
PARQUET_TOO_LARGE = "The Parquet file unpacks to {size} bytes; at most {limit} are allowed."

# CSV structure.
HEADER_TOO_LONG = "The header line is longer than {limit} bytes."
AMBIGUOUS_DELIMITER = (
    "Cannot tell the delimiter: the header splits into {count} columns on both {first} and "
    "{second}."
)
RAGGED_ROW = "The row has {found} fields; the header has {expected}."
BAD_QUOTING = (
    "Malformed quoting ({detail}), often a quote that is never closed; nothing after this point "
    "could be read."
)
UNPARSEABLE_CSV = "The file could not be parsed as CSV."

# Column names and declared roles.
UNNAMED_COLUMN = "Column {position} has no name."
DUPLICATE_COLUMN = "The column name appears {count} times."
CLASHING_COLUMNS = (
    "The columns {names} differ only in case or surrounding spaces; rename them so they differ."
)
TOO_MANY_COLUMNS = "The file has {count} columns; at most {limit} are allowed."
MISSING_REQUIRED_COLUMN = "The required column {column} is not in the file."
MISSING_DECLARED_COLUMN = "The column declared as {role} is not in the file."
CASE_HINT = " The file has {found}; column names are case-sensitive."
NO_SENSITIVE = "Declare at least one sensitive column."
DECLARED_TWICE = "The column is declared more than once as {role}."
ROLE_CLASH = "The column cannot be both {role} and {other}."
SCORE_FOR_UNKNOWN_LABEL = (
    "A score column for {label}, which is not one of the model's labels ({labels})."
)
COLUMN_TYPE = "The column holds {found}; expected {expected}."

# Cells.
MISSING_PREDICTION = "y_pred is empty."
UNKNOWN_LABEL = "{value} is not one of the model's labels ({labels})."
MISSING_GROUND_TRUTH = "y_true is empty; give a label on every row or leave the column out."
MISSING_SCORE = "The score is empty."
SCORE_NOT_A_NUMBER = "The score {value} is not a number (write decimals with a point, as in 0.25)."
SCORE_NOT_FINITE = "The score is NaN or infinite; scores are numbers from 0 to 1."
SCORE_OUT_OF_RANGE = "The score {value} is outside the range 0 to 1."
TOO_MANY_GROUPS = (
    "The sensitive column has more than {limit} distinct values; it must hold groups (such as "
    "age bands), not identifiers."
)
MISSING_SUBJECT = "The subject reference is empty."

# Consent.
CONSENT_NEEDS_SUBJECT = (
    "Consent is checked for this system: give the subject column so that each row can be "
    "matched to a consent record."
)
NO_ROWS_WITH_CONSENT = (
    "None of the {count} rows belongs to a subject with consent; nothing was stored."
)

# JSON Lines.
JSON_INVALID = "Not valid JSON ({detail})."
JSON_NOT_OBJECT = "The line is a JSON {kind}, not an object."
JSON_DUPLICATE_KEY = "The key {key} appears twice in the object."
JSON_KEYS_DIFFER = "The keys differ from the first row's (missing: {missing}; unexpected: {extra})."
JSON_TYPE_MISMATCH = "The value is {found} where earlier rows have {expected}."
JSON_NESTED_VALUE = "The value is a JSON {kind}; values must be text, numbers, true/false or null."

# Warnings (the upload is accepted).
MERGED_SPELLINGS = (
    "Column {column}: {spellings} are counted as one group {group} after Unicode NFKC "
    "normalisation and removal of zero-width characters and surrounding spaces."
)
CASE_VARIANTS = (
    "Column {column}: the groups {groups} differ only in case; they are kept apart, so check "
    "whether they mean the same group."
)


def quote(value: object, *, limit: int = QUOTE_LIMIT) -> str:
    """`repr` of a value for a message: control characters escaped, long text shortened."""
    text = str(value)
    if len(text) > limit:
        return repr(text[:limit]) + "..."
    return repr(text)


def quote_all(values: Iterable[object]) -> str:
    """Quoted values joined by commas, for messages naming several columns or groups."""
    return ", ".join(quote(value) for value in values)


class IngestError(Exception):
    """The upload was rejected; `errors` holds the first problems, `total` counts all of them.

    Each error is `{"row": int | None, "column": str | None, "message": str}`, `row` being the
    1-based data row (the first row after a CSV header is 1; a Parquet or JSON Lines record
    number otherwise) and None for problems with the whole file or a whole column.
    """

    def __init__(self, errors: list[dict[str, object]], total: int) -> None:
        self.errors = errors
        self.total = total
        super().__init__(f"The upload was rejected: {total} problem(s) found.")


class ErrorCollector:
    """Collects every error of one upload and keeps the first `limit` in row order.

    File- and column-level errors (row None) sort first, then rows ascending, then the order
    of discovery. Memory stays bounded however many rows are bad.
    """

    def __init__(self, *, limit: int = MAX_REPORTED_ERRORS) -> None:
        self.limit = limit
        self.total = 0
        self._sequence = 0
        # A max-heap (negated keys) of the `limit` smallest errors seen so far.
        self._heap: list[tuple[tuple[int, int, int], dict[str, object]]] = []

    def add(self, *, row: int | None, column: str | None, message: str) -> None:
        self.total += 1
        self._sequence += 1
        key = (0, 0, self._sequence) if row is None else (1, row, self._sequence)
        negated = (-key[0], -key[1], -key[2])
        item = (negated, {"row": row, "column": column, "message": message})
        if len(self._heap) < self.limit:
            heapq.heappush(self._heap, item)
        elif negated > self._heap[0][0]:
            heapq.heapreplace(self._heap, item)

    def add_rows(
        self, indices: np.ndarray, *, column: str | None, message: Callable[[int], str] | str
    ) -> None:
        """Record one error per 0-based table index in ascending `indices`.

        All are counted; messages are built only for the first `limit`, which are the only ones
        that can be reported.
        """
        count = len(indices)
        if count == 0:
            return
        for index in indices[: self.limit].tolist():
            text = message if isinstance(message, str) else message(index)
            self.add(row=index + 1, column=column, message=text)
        self.total += count - min(count, self.limit)

    def __bool__(self) -> bool:
        return self.total > 0

    def errors(self) -> list[dict[str, object]]:
        ordered = sorted(self._heap, key=lambda item: item[0], reverse=True)
        return [error for _, error in ordered]

    def raise_if_any(self) -> None:
        if self.total:
            raise IngestError(self.errors(), self.total)
