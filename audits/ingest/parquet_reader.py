"""Parquet to an Arrow table: only the planned columns, text columns straight to dictionaries."""

from __future__ import annotations

import pathlib

import pyarrow as pa
import pyarrow.parquet as pq

from audits.ingest import errors as msg
from audits.ingest.columns import GROUP, LABEL
from audits.ingest.errors import ErrorCollector
from audits.ingest.sniff import file_error

# What the planned columns may take in memory once decompressed; a small file claiming more is a
# decompression bomb, and a real one this large is beyond one upload.
MAX_UNCOMPRESSED_BYTES = 4 << 30


def open_parquet(path: pathlib.Path) -> pq.ParquetFile:
    """The file's footer and schema; a damaged or encrypted footer is reported, not raised raw."""
    try:
        return pq.ParquetFile(path, memory_map=True)
    except (pa.ArrowException, OSError):
        raise file_error(msg.UNREADABLE_PARQUET) from None


def read_parquet_table(
    parquet: pq.ParquetFile,
    *,
    path: pathlib.Path,
    kinds: dict[str, str],
    collector: ErrorCollector,
) -> pa.Table:
    """The columns named in `kinds` (name to role); labels and groups stored as text come back
    dictionary-encoded straight from Parquet's own dictionary pages."""
    metadata = parquet.metadata
    if metadata.num_rows == 0:
        collector.add(row=None, column=None, message=msg.HEADER_ONLY)
        collector.raise_if_any()
    wanted = set(kinds)
    unpacked = 0
    for group_index in range(metadata.num_row_groups):
        row_group = metadata.row_group(group_index)
        for column_index in range(row_group.num_columns):
            chunk = row_group.column(column_index)
            if chunk.path_in_schema.split(".", 1)[0] in wanted:
                unpacked += chunk.total_uncompressed_size
    if unpacked > MAX_UNCOMPRESSED_BYTES:
        raise file_error(msg.PARQUET_TOO_LARGE.format(size=unpacked, limit=MAX_UNCOMPRESSED_BYTES))
    try:
        return pq.read_table(
            path,
            columns=list(kinds),
            read_dictionary=[name for name, kind in kinds.items() if kind in (LABEL, GROUP)],
            use_threads=True,
            memory_map=True,
        )
    except (pa.ArrowException, OSError):
        raise file_error(msg.UNREADABLE_PARQUET) from None
