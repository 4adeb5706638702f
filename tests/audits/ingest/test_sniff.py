import gzip
import io
import pathlib
import subprocess
import sys
import zipfile

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from audits.ingest import errors as msg
from audits.ingest import sniff
from audits.ingest.sniff import HEAD_BYTES, line_blocks, resolve_format
from tests.audits.ingest.helpers import csv_bytes, error

GOOD = csv_bytes("y_pred,gender", "joy,f", "anger,m")


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("batch.csv", "csv"),
        ("BATCH.TSV", "csv"),
        ("export.txt", "csv"),
        ("batch.parquet", "parquet"),
        ("batch.pq", "parquet"),
        ("batch.jsonl", "jsonl"),
        ("batch.NDJSON", "jsonl"),
        ("../../etc/batch.csv", "csv"),
        ("C:\\uploads\\batch.parquet", "parquet"),
    ],
)
def test_format_comes_from_the_file_name_ending(filename, expected):
    assert resolve_format(None, filename) == expected


def test_a_given_format_wins_over_the_name():
    assert resolve_format(" Parquet ", "batch.csv") == "parquet"


def test_an_unknown_format_is_rejected(uploader):
    rejected = uploader.reject(GOOD, fmt="xlsx")

    assert rejected.errors == [error(None, None, msg.UNKNOWN_FORMAT.format(fmt="'xlsx'"))]


@pytest.mark.parametrize("filename", ["batch.xlsx", "batch", "batch.csv\r\n.exe"])
def test_a_name_without_a_known_ending_is_rejected(uploader, filename):
    rejected = uploader.reject(GOOD, filename=filename)

    suffix = msg.quote(filename[filename.rfind(".") :].lower() if "." in filename else "")
    assert rejected.errors == [error(None, None, msg.FORMAT_NOT_RECOGNISED.format(suffix=suffix))]


def test_an_empty_file_is_rejected(uploader):
    rejected = uploader.reject(b"")

    assert rejected.errors == [error(None, None, msg.EMPTY_FILE)]


@pytest.mark.parametrize("data", [b"\xef\xbb\xbf", b"\n\r\n  \n"])
def test_a_file_of_only_a_bom_or_blank_lines_is_empty(uploader, data):
    rejected = uploader.reject(data)

    assert rejected.errors == [error(None, None, msg.EMPTY_FILE)]


def _parquet_bytes() -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.table({"y_pred": ["joy"], "gender": ["f"]}), buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(("filename", "expected"), [("a.csv", "CSV"), ("a.jsonl", "JSON Lines")])
def test_a_parquet_file_named_as_text_is_rejected(uploader, filename, expected):
    rejected = uploader.reject(_parquet_bytes(), filename=filename)

    assert rejected.errors == [error(None, None, msg.PARQUET_NOT_TEXT.format(expected=expected))]


def test_a_csv_named_parquet_is_rejected(uploader):
    rejected = uploader.reject(GOOD, filename="batch.parquet")

    assert rejected.errors == [error(None, None, msg.NOT_PARQUET)]


def test_a_file_with_parquet_magic_at_the_start_only_is_not_parquet(uploader):
    rejected = uploader.reject(_parquet_bytes()[:-1] + b"X", filename="batch.parquet")

    assert rejected.errors == [error(None, None, msg.NOT_PARQUET)]


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../evil.csv", GOOD)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (_zip_bytes(), "a ZIP archive (or an Excel workbook)"),
        (gzip.compress(GOOD), "a gzip archive"),
        (b"%PDF-1.7\n...", "a PDF document"),
        (b"\x89PNG\r\n\x1a\n....", "a PNG image"),
    ],
)
def test_binary_files_named_csv_are_rejected_unopened(uploader, data, kind):
    rejected = uploader.reject(data)

    assert rejected.errors == [
        error(None, None, msg.BINARY_NOT_TEXT.format(kind=kind, expected="CSV"))
    ]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_utf16_and_utf32_with_a_byte_order_mark_are_rejected(uploader, encoding):
    rejected = uploader.reject(GOOD.decode().encode(encoding))

    assert rejected.errors == [error(None, None, msg.UTF16_FILE)]


def test_utf16_without_a_byte_order_mark_shows_as_nul_bytes_in_the_header(uploader):
    rejected = uploader.reject(GOOD.decode().encode("utf-16-le"))

    assert rejected.errors == [error(None, None, msg.NUL_BYTE)]


def test_a_latin1_header_is_rejected(uploader):
    rejected = uploader.reject("y_pred,génération\njoy,x\n".encode("latin-1"))

    assert rejected.errors == [error(None, None, msg.NOT_UTF8)]


def test_a_header_line_longer_than_the_first_block_is_rejected(uploader):
    rejected = uploader.reject(b"y_pred," + b"x" * HEAD_BYTES + b"\njoy,1\n")

    assert rejected.errors == [error(None, None, msg.HEADER_TOO_LONG.format(limit=HEAD_BYTES))]


def test_a_header_that_splits_equally_on_two_delimiters_is_ambiguous(uploader):
    rejected = uploader.reject(csv_bytes("y_pred,gender;age", "joy,f;30"))

    assert rejected.errors == [
        error(None, None, msg.AMBIGUOUS_DELIMITER.format(count=2, first="','", second="';'"))
    ]


def test_the_ingest_package_imports_without_django():
    code = (
        "import sys, audits.ingest; "
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))"
    )

    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=pathlib.Path(__file__).resolve().parents[3],
    )

    assert result.stdout.strip() == "[]"


def test_line_blocks_end_at_line_breaks_and_grow_for_long_lines(tmp_path):
    path = tmp_path / "lines.csv"
    data = b"ab\ncdefghijklmnop\r\nq\rrs"
    path.write_bytes(data)

    blocks = [bytes(buffer[:end]) for buffer, end in line_blocks(path, size=4)]

    # The 16-byte line doubles the 4-byte buffer twice; "rs" has no line break and comes last.
    assert blocks == [b"ab\n", b"cdefghijklmnop\r\n", b"q\r", b"rs"]


def test_multibyte_characters_across_scan_blocks_are_valid_utf8(tmp_path, monkeypatch):
    monkeypatch.setattr(sniff, "SCAN_BLOCK", 5)
    path = tmp_path / "accents.csv"
    path.write_bytes("y_pred,gender\njoy,é\u00e9\u20ac\njoy,f\n".encode())

    report = sniff.scan_bytes(path)

    assert report == sniff.ByteReport(has_nul=False, valid_utf8=True, quote_count=0)


def test_scan_bytes_finds_nul_invalid_utf8_and_counts_quotes(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b'y_pred,note\njoy,"a""b"\njoy,\xe9\x00\n')

    report = sniff.scan_bytes(path)

    assert report == sniff.ByteReport(has_nul=True, valid_utf8=False, quote_count=4)
