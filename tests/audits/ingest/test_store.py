import datetime

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from audits.ingest import erase_subject, pseudonymise, read_codes, read_features, store
from tests.audits.ingest.helpers import KEY, LABELS, csv_bytes

# Ten rows: row i is predicted LABELS[i % 3], truly LABELS[(i + 1) % 3]; gender f for even i
# and m for odd i; dialect scots for i < 4, else standard; customer c0..c4 with two rows each.
ROWS = [
    f"{LABELS[i % 3]},{LABELS[(i + 1) % 3]},{0.1 * i:.1f},"
    f"{'f' if i % 2 == 0 else 'm'},{'scots' if i < 4 else 'standard'},c{i // 2},{i},"
    f"{['app', 'phone'][i % 2]}"
    for i in range(10)
]
BATCH = csv_bytes("y_pred,y_true,score_joy,gender,dialect,customer,length,channel", *ROWS)
SENSITIVE = ("gender", "dialect")


@pytest.fixture
def stored(uploader, monkeypatch):
    """The batch stored in row groups of 4 rows: [0, 4), [4, 8), [8, 10)."""
    monkeypatch.setattr(store, "ROW_GROUP_ROWS", 4)
    uploader.upload(BATCH, sensitive=SENSITIVE, subject_column="customer")
    return uploader.destination


def test_the_stored_file_has_three_row_groups(stored):
    assert [pq.ParquetFile(stored).metadata.row_group(i).num_rows for i in range(3)] == [4, 4, 2]


def test_read_codes_gives_codes_into_the_labels_and_sorted_groups(stored):
    coded = read_codes(stored, sensitive=SENSITIVE, labels=LABELS)

    assert coded.n == 10
    assert coded.row_range == (0, 10)
    assert coded.labels == LABELS
    assert coded.y_pred.tolist() == [i % 3 for i in range(10)]
    assert coded.y_true.tolist() == [(i + 1) % 3 for i in range(10)]
    assert coded.sensitive["gender"].categories == ("f", "m")
    assert coded.sensitive["gender"].codes.tolist() == [i % 2 for i in range(10)]
    assert coded.sensitive["dialect"].categories == ("scots", "standard")
    assert coded.sensitive["dialect"].codes.tolist() == [0] * 4 + [1] * 6
    assert coded.scores["joy"].tolist() == pytest.approx([0.1 * i for i in range(10)])


def test_a_row_range_reads_only_that_slice_with_the_same_categories(stored):
    # Rows 3..8 straddle all three row groups; scots only appears in row 3.
    coded = read_codes(stored, sensitive=["dialect"], labels=LABELS, row_range=(3, 9))

    assert coded.n == 6
    assert coded.row_range == (3, 9)
    assert coded.y_pred.tolist() == [i % 3 for i in range(3, 9)]
    assert coded.sensitive["dialect"].categories == ("scots", "standard")
    assert coded.sensitive["dialect"].codes.tolist() == [0, 1, 1, 1, 1, 1]
    assert list(coded.sensitive) == ["dialect"]


def test_counts_over_slices_add_up_to_the_whole(stored):
    whole = read_codes(stored, sensitive=["gender"], labels=LABELS)
    parts = [
        read_codes(stored, sensitive=["gender"], labels=LABELS, row_range=(start, stop))
        for start, stop in [(0, 3), (3, 3), (3, 7), (7, 10)]
    ]

    def counts(coded):
        pair = coded.sensitive["gender"].codes * len(LABELS) + coded.y_pred
        return np.bincount(pair, minlength=2 * len(LABELS))

    assert np.array_equal(sum(counts(part) for part in parts), counts(whole))


def test_labels_in_another_order_are_recoded(stored):
    reordered = ("neutral", "joy", "anger")

    coded = read_codes(stored, sensitive=[], labels=reordered, row_range=(0, 3))

    # Rows 0, 1, 2 are anger, joy, neutral: positions 2, 1, 0 in the new order.
    assert coded.y_pred.tolist() == [2, 1, 0]


def test_read_codes_refuses_what_the_batch_cannot_answer(stored):
    with pytest.raises(ValueError, match="not a sensitive column"):
        read_codes(stored, sensitive=["channel"], labels=LABELS)
    with pytest.raises(ValueError, match="not among the labels"):
        read_codes(stored, sensitive=[], labels=("joy", "anger"))
    with pytest.raises(ValueError, match="row_range"):
        read_codes(stored, sensitive=[], labels=LABELS, row_range=(5, 11))


def test_read_features_for_chosen_rows(stored):
    sample = read_features(stored, ["length", "channel"], rows=np.array([9, 0, 3]))

    assert sample.rows.tolist() == [9, 0, 3]
    length = sample.features["length"]
    assert (length.kind, length.values.tolist(), length.categories) == ("numeric", [9, 0, 3], ())
    channel = sample.features["channel"]
    assert channel.kind == "categorical"
    assert channel.categories == ("app", "phone")
    assert channel.values.tolist() == [1, 0, 1]


def test_read_features_marks_missing_values(tmp_path):
    table = pa.table(
        {
            "note": pa.array(["b", None, "a"]),
            "score": pa.array([1.5, None, 2.0]),
            "seen": pa.array([datetime.date(1970, 1, 2), None, datetime.date(1970, 1, 1)]),
        }
    )
    layout = store.StoredLayout(
        labels=("joy",),
        has_ground_truth=False,
        score_labels=(),
        sensitive={},
        features=("note", "score", "seen"),
        subject_column=None,
    )
    path = tmp_path / "features.parquet"
    store.write_atomically(table.replace_schema_metadata(layout.as_metadata()), path)

    sample = read_features(path, ["note", "score", "seen"])

    assert sample.features["note"].values.tolist() == [1, -1, 0]  # categories ("a", "b")
    assert np.array_equal(sample.features["score"].values, [1.5, np.nan, 2.0], equal_nan=True)
    assert np.array_equal(sample.features["seen"].values, [1.0, np.nan, 0.0], equal_nan=True)


def test_read_features_refuses_unknown_features_and_rows(stored):
    with pytest.raises(ValueError, match="not a feature"):
        read_features(stored, ["gender"])
    with pytest.raises(ValueError, match="rows"):
        read_features(stored, ["length"], rows=np.array([10]))


def test_erase_subject_removes_that_subjects_rows_atomically(stored):
    # c1 owns rows 2 and 3 (customer c{i // 2}); 10 - 2 = 8 rows stay.
    removed = erase_subject(stored, pseudonymise("c1", KEY))

    coded = read_codes(stored, sensitive=SENSITIVE, labels=LABELS)
    assert removed == 2
    assert coded.n == 8
    assert coded.y_pred.tolist() == [i % 3 for i in (0, 1, 4, 5, 6, 7, 8, 9)]
    assert pseudonymise("c1", KEY) not in pq.read_table(stored)["customer"].to_pylist()
    assert [p.name for p in stored.parent.iterdir()] == [stored.name]


def test_erasing_every_row_of_a_group_drops_the_group(stored):
    erase_subject(stored, pseudonymise("c0", KEY))
    erase_subject(stored, pseudonymise("c1", KEY))

    coded = read_codes(stored, sensitive=["dialect"], labels=LABELS)

    assert coded.sensitive["dialect"].categories == ("standard",)
    assert coded.sensitive["dialect"].codes.tolist() == [0] * 6


def test_erasing_an_absent_subject_leaves_the_file_untouched(stored):
    before = stored.read_bytes()

    assert erase_subject(stored, pseudonymise("nobody", KEY)) == 0
    assert stored.read_bytes() == before


def test_a_batch_without_subjects_has_nothing_to_erase(uploader):
    uploader.upload(csv_bytes("y_pred,gender", "joy,f"))

    assert erase_subject(uploader.destination, pseudonymise("c0", KEY)) == 0


def test_a_parquet_file_not_written_here_is_refused(tmp_path):
    path = tmp_path / "foreign.parquet"
    pq.write_table(pa.table({"y_pred": ["joy"]}), path)

    with pytest.raises(ValueError, match=r"not a batch stored by audits\.ingest"):
        read_codes(path, sensitive=[], labels=LABELS)
