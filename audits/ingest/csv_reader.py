"""CSV to an Arrow table: pyarrow's multithreaded reader on the fast path, and a row-by-row scan
with Python's csv module only when the file has a problem whose row must be named.

Row numbers are data-row (record) numbers, the same for both parsers: blank lines are skipped by
both and a quoted field spanning several lines is one row.
"""

from __future__ import annotations

import csv
import io
import pathlib

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from audits.ingest import errors as msg
from audits.ingest.columns import FEATURE, GROUP, LABEL, SCORE, SUBJECT
from audits.ingest.errors import ErrorCollector
from audits.ingest.sniff import ByteReport, CsvLayout, file_error, line_blocks, scan_bytes

CSV_BLOCK_BYTES = 8 << 20
# A file without quotes is parsed in line-aligned pieces of this size (see _arrow_read).
CSV_PIECE_BYTES = 64 << 20
# String features with at most this many distinct values (per parsed block) are stored as
# dictionary columns; longer free text stays plain.
FEATURE_DICTIONARY_MAX = 1000
DICTIONARY = pa.dictionary(pa.int32(), pa.string())


def read_csv_table(
    path: pathlib.Path, *, layout: CsvLayout, kinds: dict[str, str], collector: ErrorCollector
) -> pa.Table:
    """The columns named in `kinds` (raw header name to role), with the header's raw names.

    Label and group columns come back dictionary-encoded; scores as float64 when every cell
    parses, else as text for the caller to diagnose; features as pyarrow infers them.
    Structural problems (ragged rows, NUL bytes, invalid UTF-8, broken quoting) are recorded in
    `collector` with their rows and raised at once, with any errors recorded before.
    """
    report = scan_bytes(path)
    scanned = False
    if report.has_nul or not report.valid_utf8 or report.quote_count % 2:
        _scan_structure(path, layout=layout, report=report, collector=collector)
        scanned = True
    quoted = report.quote_count > 0
    # pyarrow's messages quote the offending row, which may hold a subject reference: they are
    # dropped, and nothing is raised while one is the exception being handled (its context).
    try:
        table = _arrow_read(path, layout, kinds, quoted=quoted, typed=True)
    except pa.ArrowInvalid:
        table = None
    if table is None:
        if not scanned:
            _scan_structure(path, layout=layout, report=report, collector=collector)
        try:
            table = _arrow_read(path, layout, kinds, quoted=quoted, typed=False)
        except pa.ArrowInvalid:
            table = None
        if table is None:
            raise file_error(msg.UNPARSEABLE_CSV)
        table = _infer_features(table, kinds)
    if table.num_rows == 0:
        collector.add(row=None, column=None, message=msg.HEADER_ONLY)
        collector.raise_if_any()
    return table.select([name for name in kinds if name in table.column_names])


def _arrow_read(
    path: pathlib.Path, layout: CsvLayout, kinds: dict[str, str], *, quoted: bool, typed: bool
) -> pa.Table:
    """One pyarrow read of the whole file, or, when no quote can hide a line break inside a
    field, of one line-aligned piece after another: memory then holds the result and one piece's
    parsing, not the parse of the whole file at once."""
    column_types: dict[str, pa.DataType] = {}
    for name, kind in kinds.items():
        if kind in (LABEL, GROUP):
            column_types[name] = DICTIONARY
        elif kind == SCORE:
            column_types[name] = pa.float64() if typed else pa.string()
        elif kind == SUBJECT or not typed:
            column_types[name] = pa.string()
    parse_options = pacsv.ParseOptions(
        delimiter=layout.delimiter,
        quote_char='"',
        double_quote=True,
        escape_char=False,
        # Costs speed, so only when a quote could open a multi-line field.
        newlines_in_values=quoted,
        ignore_empty_lines=True,
    )

    def read(source: object, column_names: list[str] | None) -> pa.Table:
        return pacsv.read_csv(
            source,
            read_options=pacsv.ReadOptions(
                block_size=CSV_BLOCK_BYTES, use_threads=True, column_names=column_names
            ),
            parse_options=parse_options,
            convert_options=pacsv.ConvertOptions(
                column_types=column_types,
                include_columns=list(kinds),
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
                auto_dict_encode=True,
                auto_dict_max_cardinality=FEATURE_DICTIONARY_MAX,
            ),
        )

    if quoted:
        return read(path, None)
    pieces = []
    for buffer, end in line_blocks(path, size=CSV_PIECE_BYTES):
        with memoryview(buffer) as view:
            # The piece is parsed into new buffers; the reused one is not referenced after.
            piece = read(
                pa.BufferReader(pa.py_buffer(view[:end])), list(layout.names) if pieces else None
            )
        if not pieces:
            # Later pieces take the types inferred from the first, so the chunks agree.
            for name in piece.column_names:
                if kinds[name] == FEATURE and not pa.types.is_null(piece.schema.field(name).type):
                    column_types[name] = piece.schema.field(name).type
        pieces.append(piece)
    return _concatenate(pieces)


def _concatenate(pieces: list[pa.Table]) -> pa.Table:
    """The pieces as one table; a column empty in some pieces takes the type of the others, and
    a column typed differently by two pieces fails the read like a conversion error."""
    columns = {}
    for name in pieces[0].column_names:
        parts = [piece[name] for piece in pieces]
        types = {part.type for part in parts if not pa.types.is_null(part.type)}
        if len(types) > 1:
            raise pa.ArrowInvalid("pieces of the file were typed differently")
        target = types.pop() if types else pa.null()
        chunks = [chunk for part in parts for chunk in part.cast(target).chunks]
        columns[name] = pa.chunked_array(chunks, target)
    return pa.table(columns)


def _infer_features(table: pa.Table, kinds: dict[str, str]) -> pa.Table:
    """Features read as text (after a failed typed read) become integers or decimals when every
    value parses as one, as pyarrow's own inference would have made them."""
    for name, kind in kinds.items():
        if kind != FEATURE or name not in table.column_names:
            continue
        column = table[name]
        for target in (pa.int64(), pa.float64()):
            try:
                converted = pc.cast(column, target)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                continue
            table = table.set_column(table.schema.get_field_index(name), name, converted)
            break
    return table


def _scan_structure(
    path: pathlib.Path, *, layout: CsvLayout, report: ByteReport, collector: ErrorCollector
) -> None:
    """Name every ragged row, NUL byte and invalid UTF-8 row; a quoting error ends the scan,
    since nothing after it can be split into fields reliably. Raises if anything was found."""
    before = collector.total
    expected = len(layout.names)
    names = layout.names
    check_nul = report.has_nul
    check_utf8 = not report.valid_utf8
    row = 0
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="")
        reader = csv.reader(text, delimiter=layout.delimiter, strict=True)
        header_seen = False
        try:
            for record in reader:
                if not record:
                    continue
                if not header_seen:
                    header_seen = "".join(record).strip() != ""
                    continue
                row += 1
                if len(record) != expected:
                    collector.add(
                        row=row,
                        column=None,
                        message=msg.RAGGED_ROW.format(found=len(record), expected=expected),
                    )
                if check_nul or check_utf8:
                    _check_fields(record, row, names, check_nul, check_utf8, collector)
        except csv.Error as exc:
            collector.add(row=row + 1, column=None, message=msg.BAD_QUOTING.format(detail=exc))
    if collector.total > before:
        collector.raise_if_any()


def _check_fields(
    record: list[str],
    row: int,
    names: tuple[str, ...],
    check_nul: bool,
    check_utf8: bool,
    collector: ErrorCollector,
) -> None:
    aligned = len(record) == len(names)
    for position, field in enumerate(record):
        column = names[position].strip() if aligned else None
        if check_nul and "\x00" in field:
            collector.add(row=row, column=column, message=msg.NUL_BYTE)
        if check_utf8:
            try:
                field.encode("utf-8")
            except UnicodeEncodeError:
                collector.add(row=row, column=column, message=msg.NOT_UTF8)
