import pathlib
import tempfile

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audits.ingest import csv_reader, read_codes
from audits.ingest import errors as msg
from tests.audits.ingest.helpers import LABELS, Uploader, csv_bytes, error


def _stored(uploader) -> dict[str, list]:
    return pq.read_table(uploader.destination).to_pydict()


@pytest.mark.parametrize(
    ("data", "case"),
    [
        (csv_bytes("y_pred,gender", "joy,f", "anger,m"), "comma, LF"),
        (csv_bytes("y_pred;gender", "joy;f", "anger;m", newline="\r\n"), "semicolon, CRLF"),
        (csv_bytes("y_pred\tgender", "joy\tf", "anger\tm"), "tab"),
        (b"\xef\xbb\xbf" + csv_bytes("y_pred,gender", "joy,f", "anger,m"), "UTF-8 BOM"),
        (b"y_pred,gender\rjoy,f\r\nanger,m\n", "CR, CRLF and LF mixed"),
        (b"y_pred,gender\n\njoy,f\n\r\nanger,m", "blank lines, no final newline"),
        (csv_bytes('"y_pred","gender"', '"joy","f"', '"anger","m"'), "every field quoted"),
    ],
)
def test_csv_dialects_give_the_same_stored_rows(uploader, data, case):
    result = uploader.upload(data)

    assert result.row_count == 2, case
    assert _stored(uploader) == {"y_pred": ["joy", "anger"], "gender": ["f", "m"]}


def test_a_tsv_named_file_with_semicolons_is_read_by_its_content(uploader):
    result = uploader.upload(csv_bytes("y_pred;gender", "joy;f"), filename="batch.tsv")

    assert result.groups == {"gender": {"f": 1}}


def test_a_quoted_field_may_hold_the_delimiter_a_quote_and_a_newline(uploader):
    data = csv_bytes("y_pred,gender,note", 'joy,f,"says ""hi"",\nthen\r\nleaves"', "anger,m,ok")

    result = uploader.upload(data)

    assert result.row_count == 2
    assert _stored(uploader)["note"] == ['says "hi",\nthen\r\nleaves', "ok"]


def test_row_numbers_count_data_rows_not_lines_after_an_embedded_newline(uploader):
    # Row 1 spans three physical lines; the bad label is on line 5 but in data row 2.
    data = csv_bytes("y_pred,gender,note", 'joy,f,"one\ntwo\nthree"', "sadness,m,x")

    rejected = uploader.reject(data)

    assert rejected.errors == [
        error(
            2, "y_pred", msg.UNKNOWN_LABEL.format(value="'sadness'", labels=msg.quote_all(LABELS))
        )
    ]


def test_ragged_rows_are_all_named_with_their_field_counts(uploader):
    data = csv_bytes("y_pred,gender", "joy,f", "joy,f,extra", "joy", 'anger,"m\nx"', "joy,f,1,2")

    rejected = uploader.reject(data)

    assert rejected.errors == [
        error(2, None, msg.RAGGED_ROW.format(found=3, expected=2)),
        error(3, None, msg.RAGGED_ROW.format(found=1, expected=2)),
        error(5, None, msg.RAGGED_ROW.format(found=4, expected=2)),
    ]


def test_an_unclosed_quote_is_named_at_the_row_where_it_opens(uploader):
    data = csv_bytes("y_pred,gender", "joy,f", 'anger,"m', "joy,f")

    rejected = uploader.reject(data)

    assert rejected.errors == [
        error(2, None, msg.BAD_QUOTING.format(detail="unexpected end of data"))
    ]


def test_a_nul_byte_is_named_with_its_row_and_column(uploader):
    data = b"y_pred,gender\njoy,f\nanger,m\x00\n"

    rejected = uploader.reject(data)

    assert rejected.errors == [error(2, "gender", msg.NUL_BYTE)]


def test_latin1_cells_are_named_with_their_rows(uploader):
    data = "y_pred,gender\njoy,f\nanger,Gerätetechnik\njoy,café\n".encode("latin-1")

    rejected = uploader.reject(data)

    assert rejected.errors == [error(2, "gender", msg.NOT_UTF8), error(3, "gender", msg.NOT_UTF8)]


def test_a_header_only_file_is_rejected(uploader):
    rejected = uploader.reject(csv_bytes("y_pred,gender"))

    assert rejected.errors == [error(None, None, msg.HEADER_ONLY)]


def test_a_repeated_header_is_rejected(uploader):
    rejected = uploader.reject(csv_bytes("y_pred,gender,gender", "joy,f,f"))

    assert rejected.errors == [error(None, "gender", msg.DUPLICATE_COLUMN.format(count=2))]


@pytest.mark.parametrize(
    ("header", "names"),
    [
        ("y_pred,Gender,gender", "'Gender', 'gender'"),
        ("y_pred,gender, gender ", "'gender', ' gender '"),
    ],
)
def test_headers_differing_only_in_case_or_spaces_are_rejected_by_name(uploader, header, names):
    rejected = uploader.reject(csv_bytes(header, "joy,f,f"))

    column = names.split("'")[1].strip()
    assert rejected.errors == [error(None, column, msg.CLASHING_COLUMNS.format(names=names))]


def test_an_unnamed_column_is_rejected_by_position(uploader):
    rejected = uploader.reject(csv_bytes("y_pred,,gender", "joy,x,f"))

    assert rejected.errors == [error(None, None, msg.UNNAMED_COLUMN.format(position=2))]


def test_surrounding_spaces_in_names_and_labels_are_ignored(uploader):
    result = uploader.upload(csv_bytes(" y_pred , gender ", " joy , f"))

    assert result.columns == ("y_pred", "gender")
    assert _stored(uploader) == {"y_pred": ["joy"], "gender": ["f"]}


def test_a_bad_score_falls_back_to_text_and_still_types_the_features(uploader):
    data = csv_bytes("y_pred,gender,score_joy,length,ratio", "joy,f,0.5,3,0.25", "joy,m,oops,4,1")

    rejected = uploader.reject(data)

    assert rejected.errors == [error(2, "score_joy", msg.SCORE_NOT_A_NUMBER.format(value="'oops'"))]


def test_when_the_typed_read_fails_the_text_read_recovers_and_types_features(uploader, monkeypatch):
    typed_read = csv_reader._arrow_read

    def failing_typed_read(*args, typed, **kwargs):
        if typed:
            raise pa.ArrowInvalid("simulated conversion failure quoting a row: secret")
        return typed_read(*args, typed=typed, **kwargs)

    monkeypatch.setattr(csv_reader, "_arrow_read", failing_typed_read)
    data = csv_bytes("y_pred,gender,score_joy,length,ratio,channel", "joy,f,0.5,3,1,app")

    result = uploader.upload(data + b"anger,m,1,4,0.5,phone\n")

    schema = pq.read_schema(uploader.destination)
    assert result.row_count == 2
    assert [str(schema.field(name).type) for name in ("score_joy", "length", "ratio")] == [
        "double",
        "int64",
        "double",
    ]
    assert pa.types.is_dictionary(schema.field("channel").type)
    assert _stored(uploader)["ratio"] == [1.0, 0.5]


def test_a_quote_inside_an_unquoted_field_is_kept_literally(uploader):
    # One quote in the whole file (an odd count) makes the slow scan look for an unclosed
    # quote; a quote in the middle of a field opens nothing, so the file is accepted.
    data = csv_bytes("y_pred,gender,note", 'joy,f,5" screen', "anger,m,x")

    uploader.upload(data)

    assert _stored(uploader)["note"] == ['5" screen', "x"]


def test_stored_csv_reads_back_as_codes(uploader):
    uploader.upload(csv_bytes("y_pred,gender", "joy,f", "anger,m", "joy,m"))

    coded = read_codes(uploader.destination, sensitive=["gender"], labels=LABELS)

    assert coded.y_pred.tolist() == [1, 0, 1]  # LABELS = anger, joy, neutral
    assert coded.sensitive["gender"].categories == ("f", "m")
    assert np.array_equal(coded.sensitive["gender"].codes, [0, 1, 1])


PIECE_ROWS = [f"{LABELS[i % 3]},{'fm'[i % 2]},{i},{['app', 'phone'][i % 2]}" for i in range(200)]


def test_a_file_read_in_pieces_gives_every_row_in_order(uploader, monkeypatch):
    # 64-byte pieces split the ~3,000-byte file into dozens of line-aligned pieces.
    monkeypatch.setattr(csv_reader, "CSV_PIECE_BYTES", 64)

    result = uploader.upload(csv_bytes("y_pred,gender,length,channel", *PIECE_ROWS))

    stored = _stored(uploader)
    assert result.row_count == 200
    assert stored["length"] == list(range(200))
    assert stored["y_pred"] == [LABELS[i % 3] for i in range(200)]
    assert stored["channel"] == [["app", "phone"][i % 2] for i in range(200)]
    assert result.groups == {"gender": {"f": 100, "m": 100}}


def test_row_numbers_run_on_across_pieces(uploader, monkeypatch):
    monkeypatch.setattr(csv_reader, "CSV_PIECE_BYTES", 64)
    rows = list(PIECE_ROWS)
    rows[150] = "sad,f,150,app"

    rejected = uploader.reject(csv_bytes("y_pred,gender,length,channel", *rows))

    assert rejected.errors == [
        error(151, "y_pred", msg.UNKNOWN_LABEL.format(value="'sad'", labels=msg.quote_all(LABELS)))
    ]


def test_a_feature_empty_in_the_first_pieces_takes_its_type_from_later_ones(uploader, monkeypatch):
    monkeypatch.setattr(csv_reader, "CSV_PIECE_BYTES", 64)
    rows = [f"joy,f,{'' if i < 100 else i}" for i in range(200)]

    uploader.upload(csv_bytes("y_pred,gender,rank", *rows))

    stored = pq.read_table(uploader.destination)
    assert stored.schema.field("rank").type == pa.int64()
    assert stored["rank"].to_pylist() == [None] * 100 + list(range(100, 200))


def test_a_feature_typed_as_a_number_by_the_first_piece_may_hold_text_later(uploader, monkeypatch):
    # The first piece types "length" as integers; a later piece's "unknown" fails that type,
    # and the text read that follows keeps the column as text.
    monkeypatch.setattr(csv_reader, "CSV_PIECE_BYTES", 64)
    rows = list(PIECE_ROWS)
    rows[190] = "joy,f,unknown,app"

    uploader.upload(csv_bytes("y_pred,gender,length,channel", *rows))

    stored = _stored(uploader)["length"]
    assert stored[189:192] == ["189", "unknown", "191"]


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(
    notes=st.lists(
        st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=6),
        min_size=1,
        max_size=10,
    ),
    delimiter=st.sampled_from([",", ";", "\t"]),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    data=st.data(),
)
def test_a_bad_label_is_named_by_its_data_row_whatever_the_notes_hold(
    notes, delimiter, newline, data
):
    # Notes may hold quotes, delimiters and line breaks, so each is quoted, quotes doubled.
    bad = data.draw(st.integers(min_value=0, max_value=len(notes) - 1))
    lines = [delimiter.join(["y_pred", "gender", "note"])]
    for index, note in enumerate(notes):
        quoted = '"' + note.replace('"', '""') + '"'
        lines.append(delimiter.join(["sad" if index == bad else "joy", "f", quoted]))
    text = newline.join(lines) + newline
    with tempfile.TemporaryDirectory() as folder:
        uploader = Uploader(pathlib.Path(folder))

        rejected = uploader.reject(text.encode("utf-8"))

    assert rejected.errors == [
        error(
            bad + 1, "y_pred", msg.UNKNOWN_LABEL.format(value="'sad'", labels=msg.quote_all(LABELS))
        )
    ]
