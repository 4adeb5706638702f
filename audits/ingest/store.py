"""The stored batch: one Parquet file written atomically, read back as codes.

Layout: `y_pred`, `y_true`?, `score_<label>`*, the sensitive columns, the features, the subject
column? (pseudonyms only). Labels and groups are dictionary columns whose dictionaries are the
label list and the groups (by name, missing last); the schema metadata key `attune.ingest`
records them, so that every row slice of a file decodes to the same categories and slice counts
can be added.
"""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from audits.ingest.columns import GROUND_TRUTH, PREDICTION, SCORE_PREFIX
from audits.ingest.types import CodedBatch, CodedColumn, FeatureColumn, FeatureSample

METADATA_KEY = b"attune.ingest"
STORAGE_VERSION = 1
ROW_GROUP_ROWS = 1 << 20
WRITE_BATCH_ROWS = 1 << 16
HASH_BLOCK_BYTES = 1 << 20

NOT_A_BATCH = "{path} is not a batch stored by audits.ingest (no attune.ingest metadata)."
UNKNOWN_SENSITIVE = "{column!r} is not a sensitive column of this batch (it has {known})."
UNKNOWN_FEATURE = "{column!r} is not a feature of this batch (it has {known})."
LABEL_NOT_GIVEN = "The batch holds the label {label!r}, which is not among the labels given."
BAD_ROW_RANGE = "row_range {row_range} is not within 0..{n} with start <= stop."
BAD_ROWS = "rows must be row numbers from 0 to {last}."
MISSING_CODE = "Column {column!r} of the stored batch has empty cells; the file is damaged."


@dataclass(frozen=True)
class StoredLayout:
    """What the metadata of a stored batch says."""

    labels: tuple[str, ...]
    has_ground_truth: bool
    score_labels: tuple[str, ...]
    sensitive: dict[str, tuple[str, ...]]
    features: tuple[str, ...]
    subject_column: str | None

    def as_metadata(self) -> dict[bytes, bytes]:
        document = {
            "version": STORAGE_VERSION,
            "labels": list(self.labels),
            "has_ground_truth": self.has_ground_truth,
            "score_labels": list(self.score_labels),
            "sensitive": {name: list(groups) for name, groups in self.sensitive.items()},
            "features": list(self.features),
            "subject_column": self.subject_column,
        }
        return {METADATA_KEY: json.dumps(document, sort_keys=True).encode("utf-8")}


def sha256_file(path: pathlib.Path) -> str:
    """SHA-256 of a file read in 1 MiB blocks."""
    digest = hashlib.sha256()
    block = bytearray(HASH_BLOCK_BYTES)
    view = memoryview(block)
    with path.open("rb", buffering=0) as handle:
        while count := handle.readinto(block):
            digest.update(view[:count])
    return digest.hexdigest()


def compact_groups(
    codes: np.ndarray, categories: Sequence[str]
) -> tuple[np.ndarray, tuple[str, ...], np.ndarray]:
    """Drop groups with no rows; returns the renumbered codes, the groups left and their
    counts."""
    counts = np.bincount(codes, minlength=len(categories))
    used = counts > 0
    if used.all():
        return codes, tuple(categories), counts
    renumber = (np.cumsum(used) - 1).astype(np.int32)
    kept = tuple(group for group, keep in zip(categories, used, strict=True) if keep)
    return renumber[codes], kept, counts[used]


def dictionary_column(codes: np.ndarray, categories: Sequence[str]) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(
        pa.array(codes.astype(np.int32, copy=False)), pa.array(list(categories), pa.string())
    )


def write_atomically(table: pa.Table, destination: pathlib.Path) -> str:
    """Write to a temporary file beside `destination`, flush it to disk and rename it over
    `destination`; returns the stored file's SHA-256. On any failure nothing is left behind."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(
        dir=destination.parent, prefix=f".{destination.name}.", suffix=".tmp"
    )
    temporary = pathlib.Path(name)
    try:
        with os.fdopen(handle, "wb") as stream:
            # No column statistics: nothing filters on them, and they cost a fifth of the write.
            pq.write_table(
                table,
                stream,
                row_group_size=ROW_GROUP_ROWS,
                compression="snappy",
                write_statistics=False,
                write_batch_size=WRITE_BATCH_ROWS,
            )
            stream.flush()
            os.fsync(stream.fileno())
        digest = sha256_file(temporary)
        os.replace(temporary, destination)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return digest


def stored_layout(parquet: pq.ParquetFile, path: pathlib.Path) -> StoredLayout:
    metadata = parquet.schema_arrow.metadata or {}
    if METADATA_KEY not in metadata:
        raise ValueError(NOT_A_BATCH.format(path=path))
    document = json.loads(metadata[METADATA_KEY])
    return StoredLayout(
        labels=tuple(document["labels"]),
        has_ground_truth=document["has_ground_truth"],
        score_labels=tuple(document["score_labels"]),
        sensitive={name: tuple(groups) for name, groups in document["sensitive"].items()},
        features=tuple(document["features"]),
        subject_column=document["subject_column"],
    )


def read_codes(
    path: pathlib.Path,
    *,
    sensitive: Sequence[str],
    labels: Sequence[str],
    row_range: tuple[int, int] | None = None,
) -> CodedBatch:
    """Labels, groups and scores of a stored batch (or rows `start <= row < stop` of it) as
    integer codes and float arrays, read from the dictionary pages without building strings.

    `y_pred`/`y_true` are codes into `labels` (the model version's labels, in the engine's
    order); each sensitive column comes with the categories of the whole file. Raises
    ValueError for a column that is not a sensitive column of the batch, a stored label not in
    `labels`, or a row range outside the file.
    """
    parquet = pq.ParquetFile(path, memory_map=True)
    layout = stored_layout(parquet, path)
    for name in sensitive:
        if name not in layout.sensitive:
            raise ValueError(
                UNKNOWN_SENSITIVE.format(column=name, known=", ".join(layout.sensitive))
            )
    total = parquet.metadata.num_rows
    start, stop = (0, total) if row_range is None else row_range
    if not 0 <= start <= stop <= total:
        raise ValueError(BAD_ROW_RANGE.format(row_range=row_range, n=total))
    names = [PREDICTION, *([GROUND_TRUTH] if layout.has_ground_truth else [])]
    names += [SCORE_PREFIX + label for label in layout.score_labels]
    names += list(sensitive)
    table = _read_rows(parquet, names, start, stop)
    target = tuple(labels)
    return CodedBatch(
        n=stop - start,
        row_range=(start, stop),
        labels=target,
        y_pred=_codes(table[PREDICTION], PREDICTION, layout.labels, target),
        y_true=(
            _codes(table[GROUND_TRUTH], GROUND_TRUTH, layout.labels, target)
            if layout.has_ground_truth
            else None
        ),
        sensitive={
            name: CodedColumn(
                codes=_codes(table[name], name, layout.sensitive[name], layout.sensitive[name]),
                categories=layout.sensitive[name],
            )
            for name in sensitive
        },
        scores={label: table[SCORE_PREFIX + label].to_numpy() for label in layout.score_labels},
    )


def _read_rows(parquet: pq.ParquetFile, names: list[str], start: int, stop: int) -> pa.Table:
    """Only the row groups that overlap [start, stop), then the exact slice."""
    groups = []
    first_row = None
    offset = 0
    for index in range(parquet.metadata.num_row_groups):
        rows = parquet.metadata.row_group(index).num_rows
        if offset < stop and offset + rows > start:
            groups.append(index)
            first_row = offset if first_row is None else first_row
        offset += rows
    if not groups:
        return parquet.schema_arrow.empty_table().select(names)
    table = parquet.read_row_groups(groups, columns=names, use_threads=True)
    return table.slice(start - first_row, stop - start)


def _codes(
    column: pa.ChunkedArray, name: str, stored: Sequence[str], target: Sequence[str]
) -> np.ndarray:
    """Codes into `target` for a column whose dictionary is `stored`; chunks written with that
    dictionary (all of them, for files written here) are used as they are."""
    position = {value: code for code, value in enumerate(target)}
    stored_array = pa.array(list(stored), pa.string())
    identical = tuple(stored) == tuple(target)
    parts = []
    for chunk in column.chunks:
        if chunk.indices.null_count:
            raise ValueError(MISSING_CODE.format(column=name))
        indices = chunk.indices.to_numpy()
        if identical and chunk.dictionary.equals(stored_array):
            parts.append(indices)
            continue
        lookup = np.empty(len(chunk.dictionary), dtype=np.int32)
        for code, value in enumerate(chunk.dictionary.to_pylist()):
            if value not in position:
                raise ValueError(LABEL_NOT_GIVEN.format(label=value))
            lookup[code] = position[value]
        parts.append(lookup[indices])
    if len(parts) == 1:
        return parts[0]
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.int32)


def read_features(
    path: pathlib.Path, features: Sequence[str], rows: np.ndarray | None = None
) -> FeatureSample:
    """Feature columns for `rows` (0-based, any order; all rows if None), for explanations.

    Numbers, booleans, decimals and dates become float64 with NaN where missing; everything else
    becomes int32 codes into its sorted distinct values, -1 where missing.
    """
    parquet = pq.ParquetFile(path, memory_map=True)
    layout = stored_layout(parquet, path)
    for name in features:
        if name not in layout.features:
            raise ValueError(UNKNOWN_FEATURE.format(column=name, known=", ".join(layout.features)))
    total = parquet.metadata.num_rows
    table = parquet.read(columns=list(features), use_threads=True)
    if rows is None:
        chosen = np.arange(total, dtype=np.int64)
    else:
        chosen = np.asarray(rows, dtype=np.int64)
        if chosen.size and (chosen.min() < 0 or chosen.max() >= total):
            raise ValueError(BAD_ROWS.format(last=total - 1))
        table = table.take(pa.array(chosen))
    return FeatureSample(rows=chosen, features={name: _feature(table[name]) for name in features})


def _feature(column: pa.ChunkedArray) -> FeatureColumn:
    data_type = column.type
    if pa.types.is_dictionary(data_type):
        column = pc.cast(column, data_type.value_type)
        data_type = column.type
    numeric = (
        pa.types.is_integer(data_type)
        or pa.types.is_floating(data_type)
        or pa.types.is_boolean(data_type)
        or pa.types.is_decimal(data_type)
    )
    if numeric:
        values = pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False)
        return FeatureColumn(kind="numeric", values=values, categories=())
    if pa.types.is_temporal(data_type):
        # Dates and times as their stored count of days or time units since the epoch.
        width = pa.int32() if pa.types.is_date32(data_type) or data_type == pa.time32("s") else None
        as_int = column.cast(width or pa.int64())
        values = pc.cast(as_int, pa.float64()).to_numpy(zero_copy_only=False)
        return FeatureColumn(kind="numeric", values=values, categories=())
    texts = [None if value is None else str(value) for value in column.to_pylist()]
    categories = tuple(sorted({text for text in texts if text is not None}))
    position = {text: code for code, text in enumerate(categories)}
    codes = np.array([-1 if text is None else position[text] for text in texts], dtype=np.int32)
    return FeatureColumn(kind="categorical", values=codes, categories=categories)


def erase_subject(path: pathlib.Path, subject_ref: str) -> int:
    """Rewrite the stored batch without the rows of one pseudonymised subject, atomically;
    returns how many rows were removed (0, and the file untouched, if none were there or the
    batch has no subject column). Groups left with no rows are dropped from the metadata."""
    # Not memory-mapped: the file is about to be replaced under its own name.
    parquet = pq.ParquetFile(path)
    layout = stored_layout(parquet, path)
    if layout.subject_column is None:
        return 0
    table = parquet.read(use_threads=True)
    parquet.close()
    matches = pc.fill_null(pc.equal(table[layout.subject_column], subject_ref), False)
    removed = pc.sum(matches).as_py() or 0
    if removed == 0:
        return 0
    table = table.filter(pc.invert(matches))
    sensitive = {}
    for name, groups in layout.sensitive.items():
        codes, kept, _ = compact_groups(_codes(table[name], name, groups, groups), groups)
        table = table.set_column(
            table.schema.get_field_index(name), name, dictionary_column(codes, kept)
        )
        sensitive[name] = kept
    new_layout = StoredLayout(
        labels=layout.labels,
        has_ground_truth=layout.has_ground_truth,
        score_labels=layout.score_labels,
        sensitive=sensitive,
        features=layout.features,
        subject_column=layout.subject_column,
    )
    write_atomically(table.replace_schema_metadata(new_layout.as_metadata()), path)
    return int(removed)
