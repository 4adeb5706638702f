"""Which format a file is in, whether its bytes match that format, and a CSV header's layout."""

from __future__ import annotations

import csv
import io
import os
import pathlib
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pyarrow as pa

from audits.ingest import errors as msg
from audits.ingest.errors import IngestError

FORMATS = ("csv", "parquet", "jsonl")
FORMAT_BY_SUFFIX = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
FORMAT_NAMES = {"csv": "CSV", "jsonl": "JSON Lines", "parquet": "Parquet"}
PARQUET_MAGIC = b"PAR1"
UTF8_BOM = b"\xef\xbb\xbf"
# UTF-16 in either byte order, and UTF-32 (whose little-endian mark starts like UTF-16's).
WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")
BINARY_SIGNATURES = (
    (b"PK\x03\x04", "a ZIP archive (or an Excel workbook)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x28\xb5\x2f\xfd", "a Zstandard archive"),
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\xd0\xcf\x11\xe0", "an old Excel or Word document"),
    (b"ARROW1", "an Arrow file"),
    (b"SQLite format 3\x00", "an SQLite database"),
)
DELIMITERS = (",", ";", "\t")
HEAD_BYTES = 1 << 20
SCAN_BLOCK = 16 << 20
LINE_BREAK = re.compile(r"\r\n|\r|\n")


def file_error(message: str) -> IngestError:
    """An `IngestError` with one problem about the whole file."""
    return IngestError([{"row": None, "column": None, "message": message}], 1)


def resolve_format(fmt: str | None, filename: str) -> str:
    """The declared format, else the one the file name's ending stands for."""
    if fmt is not None:
        chosen = fmt.strip().lower()
        if chosen not in FORMATS:
            raise file_error(msg.UNKNOWN_FORMAT.format(fmt=msg.quote(fmt)))
        return chosen
    # Only the ending matters: the name is never used as a path.
    suffix = os.path.splitext(filename.replace("\\", "/").rsplit("/", 1)[-1])[1].lower()
    if suffix not in FORMAT_BY_SUFFIX:
        raise file_error(msg.FORMAT_NOT_RECOGNISED.format(suffix=msg.quote(suffix)))
    return FORMAT_BY_SUFFIX[suffix]


def check_content(path: pathlib.Path, fmt: str) -> None:
    """Reject an empty file and one whose first and last bytes contradict the format."""
    size = path.stat().st_size
    if size == 0:
        raise file_error(msg.EMPTY_FILE)
    with path.open("rb") as handle:
        head = handle.read(64)
        handle.seek(max(0, size - len(PARQUET_MAGIC)))
        tail = handle.read(len(PARQUET_MAGIC))
    is_parquet = head.startswith(PARQUET_MAGIC) and tail == PARQUET_MAGIC
    if fmt == "parquet":
        if not is_parquet or size < 3 * len(PARQUET_MAGIC):
            raise file_error(msg.NOT_PARQUET)
        return
    expected = FORMAT_NAMES[fmt]
    if head.startswith(PARQUET_MAGIC):
        raise file_error(msg.PARQUET_NOT_TEXT.format(expected=expected))
    if head.startswith(WIDE_BOMS):
        raise file_error(msg.UTF16_FILE)
    for signature, kind in BINARY_SIGNATURES:
        if head.startswith(signature):
            raise file_error(msg.BINARY_NOT_TEXT.format(kind=kind, expected=expected))


@dataclass(frozen=True)
class ByteReport:
    """Whole-file facts that decide whether a CSV needs the slow, row-naming scan."""

    has_nul: bool
    valid_utf8: bool
    quote_count: int


def line_blocks(path: pathlib.Path, *, size: int) -> Iterator[tuple[bytearray, int]]:
    """The file in blocks of about `size` bytes as `(buffer, end)`, the block being
    `buffer[:end]`; each ends just after a line break (but the last), so that a block splits
    neither a line nor a UTF-8 character.

    The buffer is reused: a block is valid only until the next one is requested.
    """
    buffer = bytearray(size)
    filled = 0
    with path.open("rb", buffering=0) as handle:
        while True:
            if filled == len(buffer):
                # A line longer than the buffer: continue in a buffer twice the size.
                larger = bytearray(2 * len(buffer))
                larger[:filled] = buffer
                buffer = larger
            with memoryview(buffer) as view:
                count = handle.readinto(view[filled:])
            if not count:
                break
            end = filled + count
            cut = max(buffer.rfind(b"\n", 0, end), buffer.rfind(b"\r", 0, end)) + 1
            if cut == 0:
                filled = end
                continue
            yield buffer, cut
            buffer[: end - cut] = buffer[cut:end]
            filled = end - cut
    if filled:
        yield buffer, filled


def scan_bytes(path: pathlib.Path) -> ByteReport:
    """NUL bytes, UTF-8 validity and the number of double quotes, a block at a time so that
    memory stays bounded whatever the file's size."""
    has_nul = False
    valid_utf8 = True
    quotes = 0
    for buffer, end in line_blocks(path, size=SCAN_BLOCK):
        has_nul = has_nul or buffer.find(b"\x00", 0, end) >= 0
        # Most large files hold no quote at all, and a search is far faster than a count.
        if buffer.find(b'"', 0, end) >= 0:
            quotes += buffer.count(b'"', 0, end)
        if valid_utf8:
            valid_utf8 = _is_utf8(buffer, end)
    return ByteReport(has_nul=has_nul, valid_utf8=valid_utf8, quote_count=quotes)


def _is_utf8(buffer: bytearray, end: int) -> bool:
    """pyarrow's vectorised UTF-8 check, on the block viewed as one string (no copy)."""
    with memoryview(buffer) as view:
        data = pa.py_buffer(view[:end])
        offsets = pa.array([0, end], pa.int64()).buffers()[1]
        text = pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, data])
        try:
            text.validate(full=True)
        except pa.ArrowInvalid:
            return False
        finally:
            del text, data
    return True


@dataclass(frozen=True)
class CsvLayout:
    """The delimiter and the header's column names exactly as written (BOM removed)."""

    delimiter: str
    names: tuple[str, ...]


def sniff_csv(path: pathlib.Path) -> CsvLayout:
    """Read the header record and choose the delimiter among comma, semicolon and tab.

    The delimiter is the one that splits the header's first line into the most fields; a tie
    between two that both split it is ambiguous. A single-column header uses the comma. Blank
    lines before the header are skipped, as the parser does.
    """
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
        more = bool(handle.read(1))
    head = head.removeprefix(UTF8_BOM)
    if more:
        # Keep whole lines only; a header record must end inside the first block.
        cut = max(head.rfind(b"\n"), head.rfind(b"\r"))
        if cut < 0:
            raise file_error(msg.HEADER_TOO_LONG.format(limit=HEAD_BYTES))
        head = head[: cut + 1]
    text = head.decode("utf-8", errors="surrogateescape")
    first_line = next((line for line in LINE_BREAK.split(text) if line.strip()), None)
    if first_line is None:
        raise file_error(msg.EMPTY_FILE)
    if "\x00" in first_line:
        raise file_error(msg.NUL_BYTE)
    if _has_surrogates(first_line):
        raise file_error(msg.NOT_UTF8)
    delimiter = _choose_delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        names = next(record for record in reader if record)
    except csv.Error as exc:
        raise file_error(msg.BAD_QUOTING.format(detail=f"header: {exc}")) from None
    if any(_has_surrogates(name) for name in names):
        raise file_error(msg.NOT_UTF8)
    return CsvLayout(delimiter=delimiter, names=tuple(names))


def _choose_delimiter(line: str) -> str:
    counts = {}
    for delimiter in DELIMITERS:
        try:
            counts[delimiter] = len(next(csv.reader([line], delimiter=delimiter)))
        except csv.Error:
            counts[delimiter] = 1
    ranked = sorted(DELIMITERS, key=lambda d: -counts[d])
    best, second = ranked[0], ranked[1]
    if counts[best] == 1:
        return ","
    if counts[best] == counts[second]:
        raise file_error(
            msg.AMBIGUOUS_DELIMITER.format(
                count=counts[best], first=msg.quote(best), second=msg.quote(second)
            )
        )
    return best


def _has_surrogates(text: str) -> bool:
    """Bytes that were not UTF-8 come back from `surrogateescape` as lone surrogates."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
