"""Cell checks and normalisation, vectorised: labels and groups become integer codes by mapping
each (small) dictionary of distinct values once, then indexing; rows are looked at one by one
only to word the first errors."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from audits.ingest import errors as msg
from audits.ingest.columns import GROUND_TRUTH, PREDICTION, SCORE_PREFIX, Plan, Spec
from audits.ingest.csv_reader import FEATURE_DICTIONARY_MAX
from audits.ingest.errors import ErrorCollector
from audits.ingest.pseudonym import pseudonymise
from audits.ingest.types import MISSING_GROUP

# Invisible characters that make two spellings of a group look identical.
ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"))
NUMBER_PATTERN = r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
NON_FINITE_PATTERN = r"^[+-]?(?:nan|inf|infinity)$"
TEXT_EXPECTED = "text or whole numbers"
SCORE_EXPECTED = "numbers from 0 to 1"
FEATURE_EXPECTED = "flat values (text, numbers, true/false or dates)"


@dataclass(frozen=True)
class Normalised:
    """One validated batch, every column aligned row for row."""

    n: int
    y_pred: np.ndarray
    y_true: np.ndarray | None
    scores: dict[str, np.ndarray]
    groups: dict[str, tuple[np.ndarray, tuple[str, ...]]]
    subject: tuple[np.ndarray, tuple[str, ...]] | None
    features: dict[str, pa.ChunkedArray]
    warnings: tuple[str, ...]


def normalise_group(value: str | None) -> str:
    """NFKC, zero-width characters removed, surrounding whitespace stripped; empty is missing."""
    if value is None:
        return MISSING_GROUP
    text = unicodedata.normalize("NFKC", value.translate(ZERO_WIDTH)).strip()
    return text or MISSING_GROUP


def normalise_table(
    table: pa.Table,
    *,
    plan: Plan,
    spec: Spec,
    pseudonym_key: bytes,
    collector: ErrorCollector,
    broken: np.ndarray | None = None,
) -> Normalised:
    """Check every cell of the planned columns and encode them; raises `IngestError` with all
    problems found here and before. Rows in `broken` were already reported by the reader."""
    ok = np.ones(table.num_rows, dtype=bool) if broken is None else ~broken
    warnings: list[str] = []
    y_pred = y_true = None
    if PREDICTION in plan.roles:
        y_pred = _label_codes(table[PREDICTION], PREDICTION, spec.labels, collector, ok)
    if plan.has_ground_truth:
        y_true = _label_codes(table[GROUND_TRUTH], GROUND_TRUTH, spec.labels, collector, ok)
    scores = {}
    for label in plan.score_labels:
        name = SCORE_PREFIX + label
        scores[label] = _score_values(table[name], name, collector, ok)
    groups = {}
    for name in plan.sensitive:
        groups[name] = _group_codes(table[name], name, spec.max_groups, collector, warnings)
    subject = None
    if plan.subject_column is not None:
        name = plan.subject_column
        subject = _subject_refs(table[name], name, pseudonym_key, collector, ok)
    features = {name: _feature_column(table[name], name, collector) for name in plan.features}
    # Every column that failed to convert recorded an error, so past this point none is None.
    collector.raise_if_any()
    return Normalised(
        n=table.num_rows,
        y_pred=y_pred,
        y_true=y_true,
        scores=scores,
        groups=groups,
        subject=subject,
        features=features,
        warnings=tuple(warnings),
    )


def _is_text(data_type: pa.DataType) -> bool:
    return (
        pa.types.is_string(data_type)
        or pa.types.is_large_string(data_type)
        or pa.types.is_string_view(data_type)
    )


def _is_whole(data_type: pa.DataType) -> bool:
    return pa.types.is_integer(data_type) or pa.types.is_boolean(data_type)


def _type_error(
    name: str, data_type: pa.DataType, expected: str, collector: ErrorCollector
) -> None:
    found = f"values of type {data_type}"
    collector.add(
        row=None, column=name, message=msg.COLUMN_TYPE.format(found=found, expected=expected)
    )


def _as_dictionary(
    column: pa.ChunkedArray, name: str, collector: ErrorCollector
) -> pa.ChunkedArray | None:
    """The column as dictionary-encoded text, whatever text or whole-number type it came in."""
    data_type = column.type
    if pa.types.is_dictionary(data_type):
        if _is_text(data_type.value_type):
            return column
        if _is_whole(data_type.value_type):
            return pa.chunked_array(
                [
                    pa.DictionaryArray.from_arrays(
                        chunk.indices, pc.cast(chunk.dictionary, pa.string())
                    )
                    for chunk in column.chunks
                ]
            )
    elif _is_text(data_type):
        return pc.dictionary_encode(column)
    elif _is_whole(data_type):
        return pc.dictionary_encode(pc.cast(column, pa.string()))
    elif pa.types.is_null(data_type):
        empty = pa.array([], pa.string())
        return pa.chunked_array(
            [pa.DictionaryArray.from_arrays(pa.nulls(len(column), pa.int32()), empty)]
        )
    _type_error(name, data_type, TEXT_EXPECTED, collector)
    return None


def _chunks(column: pa.ChunkedArray) -> Iterator[tuple[list[str | None], np.ndarray]]:
    """Each chunk's distinct values and its indices into them; a null row points at a None
    appended to the values."""
    for chunk in column.chunks:
        values = chunk.dictionary.to_pylist()
        indices = chunk.indices
        if indices.null_count:
            indices = pc.fill_null(indices, len(values))
            values.append(None)
        yield values, indices.to_numpy(zero_copy_only=False)


def _codes_of(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts).astype(np.int32, copy=False) if parts else np.empty(0, np.int32)


def _label_codes(
    column: pa.ChunkedArray,
    name: str,
    labels: tuple[str, ...],
    collector: ErrorCollector,
    ok: np.ndarray,
) -> np.ndarray | None:
    """Codes into `labels`; empty cells and labels outside `labels` are errors."""
    encoded = _as_dictionary(column, name, collector)
    if encoded is None:
        return None
    known = {label: code for code, label in enumerate(labels)}
    unknown: list[str] = []
    parts = []
    for values, indices in _chunks(encoded):
        lookup = np.empty(len(values), dtype=np.int32)
        for position, value in enumerate(values):
            text = value.strip() if value is not None else ""
            if not text:
                lookup[position] = -1
                continue
            code = known.get(text)
            if code is None:
                code = known[text] = len(labels) + len(unknown)
                unknown.append(text)
            lookup[position] = code
        parts.append(lookup[indices])
    codes = _codes_of(parts)
    bad = ((codes < 0) | (codes >= len(labels))) & ok
    if bad.any():
        empty = msg.MISSING_PREDICTION if name == PREDICTION else msg.MISSING_GROUND_TRUTH
        collector.add_rows(np.flatnonzero(bad & (codes < 0)), column=name, message=empty)
        listed = msg.quote_all(labels)
        collector.add_rows(
            np.flatnonzero(bad & (codes >= len(labels))),
            column=name,
            message=lambda index: msg.UNKNOWN_LABEL.format(
                value=msg.quote(unknown[codes[index] - len(labels)]), labels=listed
            ),
        )
    return codes


def _score_values(
    column: pa.ChunkedArray, name: str, collector: ErrorCollector, ok: np.ndarray
) -> np.ndarray | None:
    """float64 scores; empty, non-numeric, NaN, infinite and out-of-range cells are errors."""
    data_type = column.type
    text = None
    if pa.types.is_dictionary(data_type):
        column = pc.cast(column, data_type.value_type)
        data_type = column.type
    if pa.types.is_integer(data_type) or pa.types.is_floating(data_type):
        numbers = pc.cast(column, pa.float64())
        missing = pc.is_null(numbers).to_numpy(zero_copy_only=False)
        values = pc.fill_null(numbers, 0.0).to_numpy()
        not_number = np.zeros(len(values), dtype=bool)
        non_finite = ~np.isfinite(values)
    elif _is_text(data_type) or pa.types.is_null(data_type):
        text = pc.utf8_trim_whitespace(pc.cast(column, pa.string()))
        missing = pc.fill_null(pc.equal(text, ""), True).to_numpy(zero_copy_only=False)
        syntax = pc.fill_null(pc.match_substring_regex(text, NUMBER_PATTERN), False)
        special = pc.match_substring_regex(text, NON_FINITE_PATTERN, ignore_case=True)
        non_finite = pc.fill_null(special, False).to_numpy(zero_copy_only=False)
        parsed = pc.cast(pc.if_else(syntax, text, pa.scalar(None, pa.string())), pa.float64())
        values = pc.fill_null(parsed, 0.0).to_numpy()
        not_number = ~syntax.to_numpy(zero_copy_only=False) & ~missing & ~non_finite
    else:
        _type_error(name, data_type, SCORE_EXPECTED, collector)
        return None
    finite = ~missing & ~not_number & ~non_finite
    out_of_range = finite & ((values < 0.0) | (values > 1.0))
    if ((missing | not_number | non_finite | out_of_range) & ok).any():
        collector.add_rows(np.flatnonzero(missing & ok), column=name, message=msg.MISSING_SCORE)
        if text is not None:
            collector.add_rows(
                np.flatnonzero(not_number & ok),
                column=name,
                message=lambda index: msg.SCORE_NOT_A_NUMBER.format(
                    value=msg.quote(text[index].as_py())
                ),
            )
        collector.add_rows(
            np.flatnonzero(non_finite & ~missing & ok), column=name, message=msg.SCORE_NOT_FINITE
        )
        collector.add_rows(
            np.flatnonzero(out_of_range & ok),
            column=name,
            message=lambda index: msg.SCORE_OUT_OF_RANGE.format(value=f"{values[index]:g}"),
        )
    return values


def _group_codes(
    column: pa.ChunkedArray,
    name: str,
    max_groups: int,
    collector: ErrorCollector,
    warnings: list[str],
) -> tuple[np.ndarray, tuple[str, ...]] | None:
    """Codes into the normalised groups (sorted, missing last); warns when spellings merge or
    differ in case."""
    encoded = _as_dictionary(column, name, collector)
    if encoded is None:
        return None
    group_code: dict[str, int] = {}
    raw_code: dict[str | None, int] = {}
    spellings: dict[int, set[str]] = {}
    parts = []
    for values, indices in _chunks(encoded):
        lookup = np.empty(len(values), dtype=np.int32)
        for position, value in enumerate(values):
            code = raw_code.get(value)
            if code is None:
                code = group_code.setdefault(normalise_group(value), len(group_code))
                if len(group_code) > max_groups:
                    collector.add(
                        row=None, column=name, message=msg.TOO_MANY_GROUPS.format(limit=max_groups)
                    )
                    return None
                raw_code[value] = code
                if value is not None and value.strip():
                    spellings.setdefault(code, set()).add(value)
            lookup[position] = code
        parts.append(lookup[indices])
    # The engine's canonical order: by name, the missing group last.
    categories = sorted(group_code, key=lambda group: (group == MISSING_GROUP, group))
    order = np.empty(len(categories), dtype=np.int32)
    for new_code, group in enumerate(categories):
        order[group_code[group]] = new_code
    codes = order[_codes_of(parts)]
    for group in categories:
        merged = spellings.get(group_code[group], set())
        if len(merged) > 1:
            warnings.append(
                msg.MERGED_SPELLINGS.format(
                    column=msg.quote(name),
                    spellings=msg.quote_all(sorted(merged)),
                    group=msg.quote(group),
                )
            )
    by_case: dict[str, list[str]] = {}
    for group in categories:
        if group != MISSING_GROUP:
            by_case.setdefault(group.casefold(), []).append(group)
    for variants in by_case.values():
        if len(variants) > 1:
            warnings.append(
                msg.CASE_VARIANTS.format(column=msg.quote(name), groups=msg.quote_all(variants))
            )
    return codes, tuple(categories)


def _subject_refs(
    column: pa.ChunkedArray,
    name: str,
    key: bytes,
    collector: ErrorCollector,
    ok: np.ndarray,
) -> tuple[np.ndarray, tuple[str, ...]] | None:
    """Codes into the distinct pseudonyms; each distinct raw reference is hashed once and never
    leaves this function. An empty reference is an error naming only the row."""
    encoded = _as_dictionary(column, name, collector)
    if encoded is None:
        return None
    ref_code: dict[str, int] = {}
    raw_code: dict[str, int] = {}
    parts = []
    for values, indices in _chunks(encoded):
        lookup = np.empty(len(values), dtype=np.int32)
        for position, value in enumerate(values):
            if value is None or not value.strip():
                lookup[position] = -1
                continue
            code = raw_code.get(value)
            if code is None:
                ref = pseudonymise(value, key)
                code = raw_code[value] = ref_code.setdefault(ref, len(ref_code))
            lookup[position] = code
        parts.append(lookup[indices])
    codes = _codes_of(parts)
    collector.add_rows(np.flatnonzero((codes < 0) & ok), column=name, message=msg.MISSING_SUBJECT)
    return codes, tuple(ref_code)


def _feature_column(
    column: pa.ChunkedArray, name: str, collector: ErrorCollector
) -> pa.ChunkedArray | None:
    """Flat columns kept as they are; text with few distinct values becomes a dictionary."""
    data_type = column.type
    if pa.types.is_nested(data_type):
        _type_error(name, data_type, FEATURE_EXPECTED, collector)
        return None
    if _is_text(data_type) and pc.count_distinct(column).as_py() <= FEATURE_DICTIONARY_MAX:
        return pc.dictionary_encode(column)
    return column
