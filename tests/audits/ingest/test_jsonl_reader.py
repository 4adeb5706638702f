import json

import pyarrow.parquet as pq
import pytest

from audits.ingest import errors as msg
from audits.ingest import pseudonymise, read_codes
from tests.audits.ingest.helpers import KEY, LABELS, error


def jsonl(*records: object) -> bytes:
    return "".join(json.dumps(record) + "\n" for record in records).encode("utf-8")


ROWS = [
    {"y_pred": "joy", "y_true": "anger", "score_joy": 0.75, "gender": "f", "age": 31},
    {"y_pred": "anger", "y_true": "anger", "score_joy": 0.1, "gender": None, "age": None},
    {"y_pred": "joy", "y_true": "joy", "score_joy": 1, "gender": "m", "age": 52},
]


def test_json_lines_round_trip(uploader):
    result = uploader.upload(jsonl(*ROWS), filename="batch.jsonl")

    stored = pq.read_table(uploader.destination).to_pydict()
    assert result.row_count == 3
    assert result.groups == {"gender": {"(missing)": 1, "f": 1, "m": 1}}
    assert result.features == ("age",)
    assert stored == {
        "y_pred": ["joy", "anger", "joy"],
        "y_true": ["anger", "anger", "joy"],
        "score_joy": [0.75, 0.1, 1.0],
        "gender": ["f", "(missing)", "m"],
        "age": [31, None, 52],
    }
    coded = read_codes(uploader.destination, sensitive=["gender"], labels=LABELS)
    assert coded.y_true.tolist() == [0, 0, 1]  # anger, anger, joy


def test_blank_lines_a_bom_and_crlf_are_accepted(uploader):
    data = b"\xef\xbb\xbf" + jsonl(ROWS[0]).replace(b"\n", b"\r\n") + b"\n  \n" + jsonl(ROWS[2])

    result = uploader.upload(data, filename="batch.ndjson")

    assert result.row_count == 2


def test_bad_lines_are_named_by_row_and_later_rows_keep_their_numbers(uploader):
    data = b"\n".join(
        [
            json.dumps(ROWS[0]).encode(),
            b'{"y_pred": "joy", "gender": ',
            b"[1, 2]",
            json.dumps({"y_pred": "joy", "gender": "f"}).encode(),
            json.dumps({**ROWS[0], "y_pred": 3}).encode(),
            json.dumps({**ROWS[0], "age": {"years": 3}}).encode(),
            b'{"y_pred": "joy", "y_pred": "anger"}',
            json.dumps({**ROWS[0], "y_pred": "sad"}).encode(),
            "caf\xe9".encode("latin-1"),
        ]
    )

    rejected = uploader.reject(data, filename="batch.jsonl")

    listed = msg.quote_all(LABELS)
    keys_differ = msg.JSON_KEYS_DIFFER.format(missing="'y_true', 'score_joy', 'age'", extra="none")
    assert rejected.errors == [
        # The line is stripped to 27 characters; the value expected after them is character 28.
        error(2, None, msg.JSON_INVALID.format(detail="Expecting value at character 28")),
        error(3, None, msg.JSON_NOT_OBJECT.format(kind="array")),
        error(4, None, keys_differ),
        error(5, "y_pred", msg.JSON_TYPE_MISMATCH.format(found="a number", expected="text")),
        error(6, "age", msg.JSON_NESTED_VALUE.format(kind="object")),
        error(7, None, msg.JSON_DUPLICATE_KEY.format(key="'y_pred'")),
        error(8, "y_pred", msg.UNKNOWN_LABEL.format(value="'sad'", labels=listed)),
        error(9, None, msg.NOT_UTF8),
    ]


def test_an_extra_key_is_named(uploader):
    data = jsonl(ROWS[0], {**ROWS[0], "note": "x"})

    rejected = uploader.reject(data, filename="batch.jsonl")

    message = msg.JSON_KEYS_DIFFER.format(missing="none", extra="'note'")
    assert rejected.errors == [error(2, None, message)]


def test_a_bad_first_line_still_lets_later_rows_be_checked(uploader):
    data = b"not json\n" + jsonl({"y_pred": "sad", "gender": "f"})

    rejected = uploader.reject(data, filename="batch.jsonl")

    assert rejected.errors == [
        error(1, None, msg.JSON_INVALID.format(detail="Expecting value at character 1")),
        error(2, "y_pred", msg.UNKNOWN_LABEL.format(value="'sad'", labels=msg.quote_all(LABELS))),
    ]


@pytest.mark.parametrize("data", [b"\n\n", b"[]\n"])
def test_a_file_without_objects_is_rejected(uploader, data):
    rejected = uploader.reject(data, filename="batch.jsonl")

    expected = msg.EMPTY_FILE if data == b"\n\n" else msg.JSON_NOT_OBJECT.format(kind="array")
    assert rejected.errors == [error(None if data == b"\n\n" else 1, None, expected)]


def test_numeric_subject_ids_keep_every_digit(uploader):
    # 2**53 + 1 cannot be held by a float64; as a JSON integer it must stay exact.
    big = 2**53 + 1
    data = jsonl({"y_pred": "joy", "gender": "f", "customer": big})

    uploader.upload(data, filename="batch.jsonl", subject_column="customer")

    stored = pq.read_table(uploader.destination)["customer"].to_pylist()
    assert stored == [pseudonymise(str(big), KEY)]


def test_mixed_whole_and_decimal_numbers_are_one_number_column(uploader):
    data = jsonl({**ROWS[0], "age": 30}, {**ROWS[0], "age": 30.5})

    uploader.upload(data, filename="batch.jsonl")

    assert pq.read_table(uploader.destination)["age"].to_pylist() == [30.0, 30.5]


def test_scores_sent_as_text_are_parsed_like_csv(uploader):
    data = jsonl({**ROWS[0], "score_joy": "0.5"}, {**ROWS[0], "score_joy": "1,5"})

    rejected = uploader.reject(data, filename="batch.jsonl")

    assert rejected.errors == [error(2, "score_joy", msg.SCORE_NOT_A_NUMBER.format(value="'1,5'"))]


def test_json_nan_and_infinity_scores_are_errors(uploader):
    data = b'{"y_pred": "joy", "gender": "f", "score_joy": NaN}\n'
    data += b'{"y_pred": "joy", "gender": "f", "score_joy": -Infinity}\n'

    rejected = uploader.reject(data, filename="batch.jsonl")

    assert rejected.errors == [
        error(1, "score_joy", msg.SCORE_NOT_FINITE),
        error(2, "score_joy", msg.SCORE_NOT_FINITE),
    ]


def test_boolean_predictions_match_labels_written_true_and_false(uploader):
    data = jsonl({"y_pred": True, "gender": "f"}, {"y_pred": False, "gender": "m"})

    result = uploader.upload(data, filename="batch.jsonl", labels=("false", "true"))

    assert result.labels_seen == ("false", "true")
