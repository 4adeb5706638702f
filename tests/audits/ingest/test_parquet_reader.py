import io

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from audits.ingest import errors as msg
from audits.ingest import parquet_reader, read_codes
from tests.audits.ingest.helpers import LABELS, error


def parquet_bytes(table: pa.Table | pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    if isinstance(table, pd.DataFrame):
        table.to_parquet(buffer, index=False)
    else:
        pq.write_table(table, buffer)
    return buffer.getvalue()


def test_a_pandas_parquet_file_with_categories_round_trips(uploader):
    frame = pd.DataFrame(
        {
            "y_pred": pd.Categorical(["joy", "anger", "joy", "neutral"]),
            "y_true": ["joy", "joy", "joy", "neutral"],
            "score_joy": [0.9, 0.2, 0.6, 0.0],
            "gender": pd.Categorical(["f", None, "m", "f"]),
            "age": [30, 41, 29, 60],
            "channel": ["app", "phone", "app", "web"],
        }
    )

    result = uploader.upload(parquet_bytes(frame), filename="batch.parquet")

    assert result.format == "parquet"
    assert result.row_count == 4
    assert result.has_ground_truth is True
    assert result.groups == {"gender": {"(missing)": 1, "f": 2, "m": 1}}
    assert result.labels_seen == ("anger", "joy", "neutral")
    stored = pq.read_table(uploader.destination)
    assert pa.types.is_dictionary(stored.schema.field("channel").type)
    assert stored["age"].to_pylist() == [30, 41, 29, 60]
    coded = read_codes(uploader.destination, sensitive=["gender"], labels=LABELS)
    assert coded.y_pred.tolist() == [1, 0, 1, 2]  # joy, anger, joy, neutral
    assert coded.y_true.tolist() == [1, 1, 1, 2]
    assert coded.sensitive["gender"].categories == ("f", "m", "(missing)")  # missing last
    assert coded.sensitive["gender"].codes.tolist() == [0, 2, 1, 0]
    assert coded.scores["joy"].tolist() == [0.9, 0.2, 0.6, 0.0]


def test_whole_number_groups_and_labels_are_read_as_text(uploader):
    table = pa.table({"y_pred": [1, 0, 1], "age_band": pa.array([3, 3, 4], pa.int8())})

    result = uploader.upload(
        parquet_bytes(table), filename="b.pq", labels=("0", "1"), sensitive=("age_band",)
    )

    assert result.groups == {"age_band": {"3": 2, "4": 1}}
    assert result.labels_seen == ("0", "1")


def test_decimal_numbers_as_groups_are_a_type_error(uploader):
    table = pa.table({"y_pred": ["joy"], "gender": [0.5]})

    rejected = uploader.reject(parquet_bytes(table), filename="b.parquet")

    message = msg.COLUMN_TYPE.format(
        found="values of type double", expected="text or whole numbers"
    )
    assert rejected.errors == [error(None, "gender", message)]


def test_text_scores_and_nested_features_are_checked(uploader):
    table = pa.table(
        {
            "y_pred": ["joy", "joy"],
            "gender": ["f", "m"],
            "score_joy": ["0.5", "high"],
            "tags": [[1, 2], [3]],
        }
    )

    rejected = uploader.reject(parquet_bytes(table), filename="b.parquet")

    nested = msg.COLUMN_TYPE.format(
        found="values of type list<element: int64>",
        expected="flat values (text, numbers, true/false or dates)",
    )
    assert rejected.errors == [
        error(None, "tags", nested),
        error(2, "score_joy", msg.SCORE_NOT_A_NUMBER.format(value="'high'")),
    ]


def test_null_and_nan_scores_are_told_apart(uploader):
    table = pa.table(
        {"y_pred": ["joy"] * 3, "gender": ["f"] * 3, "score_joy": [0.5, None, float("nan")]}
    )

    rejected = uploader.reject(parquet_bytes(table), filename="b.parquet")

    assert rejected.errors == [
        error(2, "score_joy", msg.MISSING_SCORE),
        error(3, "score_joy", msg.SCORE_NOT_FINITE),
    ]


def test_a_parquet_file_without_rows_is_rejected(uploader):
    table = pa.table({"y_pred": pa.array([], pa.string()), "gender": pa.array([], pa.string())})

    rejected = uploader.reject(parquet_bytes(table), filename="b.parquet")

    assert rejected.errors == [error(None, None, msg.HEADER_ONLY)]


def test_a_damaged_footer_is_reported_without_pyarrows_text(uploader):
    data = parquet_bytes(pa.table({"y_pred": ["joy"], "gender": ["f"]}))
    damaged = data[:4] + b"\x00" * (len(data) - 8) + data[-4:]

    rejected = uploader.reject(damaged, filename="b.parquet")

    assert rejected.errors == [error(None, None, msg.UNREADABLE_PARQUET)]


def test_duplicate_and_case_clashing_names_are_rejected(uploader):
    table = pa.Table.from_arrays(
        [pa.array(["joy"]), pa.array(["f"]), pa.array(["f"]), pa.array([1]), pa.array([2])],
        names=["y_pred", "gender", "gender", "Age", "age"],
    )

    rejected = uploader.reject(parquet_bytes(table), filename="b.parquet")

    assert rejected.errors == [
        error(None, "gender", msg.DUPLICATE_COLUMN.format(count=2)),
        error(None, "Age", msg.CLASHING_COLUMNS.format(names="'Age', 'age'")),
    ]


def test_a_file_unpacking_beyond_the_limit_is_refused_before_reading(uploader, monkeypatch):
    monkeypatch.setattr(parquet_reader, "MAX_UNCOMPRESSED_BYTES", 10)
    table = pa.table({"y_pred": ["joy"] * 100, "gender": ["f"] * 100})
    data = parquet_bytes(table)
    size = sum(
        pq.ParquetFile(io.BytesIO(data)).metadata.row_group(0).column(index).total_uncompressed_size
        for index in range(2)
    )

    rejected = uploader.reject(data, filename="b.parquet")

    assert rejected.errors == [error(None, None, msg.PARQUET_TOO_LARGE.format(size=size, limit=10))]


@pytest.mark.parametrize("row_group_size", [2, 1000])
def test_row_numbers_are_record_numbers_across_row_groups(uploader, row_group_size):
    labels = np.array(["joy"] * 7, dtype=object)
    labels[4] = "sad"
    buffer = io.BytesIO()
    pq.write_table(
        pa.table({"y_pred": labels, "gender": ["f"] * 7}), buffer, row_group_size=row_group_size
    )

    rejected = uploader.reject(buffer.getvalue(), filename="b.parquet")

    assert rejected.errors == [
        error(5, "y_pred", msg.UNKNOWN_LABEL.format(value="'sad'", labels=msg.quote_all(LABELS)))
    ]
