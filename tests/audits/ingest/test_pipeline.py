import hashlib
import traceback

import numpy as np
import pyarrow.parquet as pq
import pytest

from audits.ingest import errors as msg
from audits.ingest import ingest_file, pseudonymise
from audits.ingest.columns import LABELS_INVALID
from audits.ingest.pipeline import CONSENT_FILTER_RESULT
from tests.audits.ingest.helpers import KEY, LABELS, csv_bytes, error

RAW_SUBJECTS = ("alice@example.com", "bob.smith@example.org", "carol-0042")
BATCH = csv_bytes(
    "y_pred,y_true,gender,customer,channel",
    f"joy,joy,f,{RAW_SUBJECTS[0]},app",
    f"anger,joy,m,{RAW_SUBJECTS[1]},phone",
    f"neutral,neutral,f,{RAW_SUBJECTS[2]},app",
    f"joy,anger,m,{RAW_SUBJECTS[0]},web",
)


def test_the_result_describes_the_stored_batch(uploader):
    result = uploader.upload(BATCH, subject_column="customer")

    assert result.format == "csv"
    assert result.sha256 == hashlib.sha256(BATCH).hexdigest()
    assert result.normalized_sha256 == hashlib.sha256(uploader.destination.read_bytes()).hexdigest()
    assert result.row_count == 4
    assert result.columns == ("y_pred", "y_true", "gender", "channel", "customer")
    assert result.sensitive == ("gender",)
    assert result.features == ("channel",)
    assert result.subject_column == "customer"
    assert result.labels_seen == ("anger", "joy", "neutral")
    assert result.has_ground_truth is True
    assert result.score_labels == ()
    assert result.groups == {"gender": {"f": 2, "m": 2}}
    assert result.warnings == ()
    assert result.excluded_rows == {"no_consent": 0}
    assert set(result.timings) == {"read", "validate", "write", "hash", "total"}


def test_subject_references_are_stored_only_as_keyed_pseudonyms(uploader):
    uploader.upload(BATCH, subject_column="customer")

    stored_bytes = uploader.destination.read_bytes()
    stored = pq.read_table(uploader.destination)["customer"].to_pylist()
    assert stored == [pseudonymise(raw, KEY) for raw in (*RAW_SUBJECTS, RAW_SUBJECTS[0])]
    for raw in RAW_SUBJECTS:
        assert raw.encode() not in stored_bytes
        # Nor any 6-character piece of it, in case a statistic held a prefix.
        assert all(raw[i : i + 6].encode() not in stored_bytes for i in range(len(raw) - 5))


def test_no_error_repeats_a_subject_reference(uploader):
    data = csv_bytes(
        "y_pred,gender,customer",
        f"sad,f,{RAW_SUBJECTS[0]}",
        "joy,m,",
        f'joy,f,"{RAW_SUBJECTS[1]}",extra',
    )

    rejected = uploader.reject(data, subject_column="customer")

    assert rejected.errors == [error(3, None, msg.RAGGED_ROW.format(found=4, expected=3))]
    # The whole traceback, with any exception chained to it, as a log would show it.
    logged = "".join(traceback.format_exception(rejected)) + repr(rejected.errors)
    assert all(raw not in logged for raw in RAW_SUBJECTS)


def test_empty_subject_references_are_errors_naming_only_row_and_column(uploader):
    data = csv_bytes("y_pred,gender,customer", f"sad,f,{RAW_SUBJECTS[0]}", "joy,m,", "joy,m,  ")

    rejected = uploader.reject(data, subject_column="customer")

    assert rejected.errors == [
        error(1, "y_pred", msg.UNKNOWN_LABEL.format(value="'sad'", labels=msg.quote_all(LABELS))),
        error(2, "customer", msg.MISSING_SUBJECT),
        error(3, "customer", msg.MISSING_SUBJECT),
    ]
    assert all(raw not in repr(rejected.errors) for raw in RAW_SUBJECTS)


def test_rows_without_consent_are_excluded_and_counted(uploader):
    consented = {pseudonymise(RAW_SUBJECTS[0], KEY), pseudonymise(RAW_SUBJECTS[2], KEY)}
    calls = []

    def consent_filter(refs: np.ndarray) -> np.ndarray:
        calls.append(list(refs))
        return np.array([ref in consented for ref in refs], dtype=bool)

    result = uploader.upload(BATCH, subject_column="customer", consent_filter=consent_filter)

    # Bob (row 2) has no consent: 4 rows - 1 = 3 stored.
    assert result.excluded_rows == {"no_consent": 1}
    assert result.row_count == 3
    assert result.groups == {"gender": {"f": 2, "m": 1}}
    assert result.labels_seen == ("anger", "joy", "neutral")
    assert calls == [[pseudonymise(raw, KEY) for raw in RAW_SUBJECTS]]  # once, distinct refs
    stored = pq.read_table(uploader.destination).to_pydict()
    assert stored["y_pred"] == ["joy", "neutral", "joy"]
    assert pseudonymise(RAW_SUBJECTS[1], KEY) not in stored["customer"]


def test_a_group_whose_rows_all_lack_consent_disappears(uploader):
    keep_only_alice = pseudonymise(RAW_SUBJECTS[0], KEY)
    data = csv_bytes(
        "y_pred,gender,customer", f"joy,f,{RAW_SUBJECTS[0]}", f"joy,m,{RAW_SUBJECTS[1]}"
    )

    result = uploader.upload(
        data,
        subject_column="customer",
        consent_filter=lambda refs: np.array([ref == keep_only_alice for ref in refs]),
    )

    assert result.groups == {"gender": {"f": 1}}
    assert pq.read_table(uploader.destination)["gender"].to_pylist() == ["f"]


def test_no_row_with_consent_stores_nothing(uploader):
    rejected = uploader.reject(
        BATCH, subject_column="customer", consent_filter=lambda refs: np.zeros(len(refs), bool)
    )

    assert rejected.errors == [error(None, None, msg.NO_ROWS_WITH_CONSENT.format(count=4))]


def test_a_consent_check_needs_a_subject_column(uploader):
    rejected = uploader.reject(BATCH, consent_filter=lambda refs: np.ones(len(refs), bool))

    assert rejected.errors == [error(None, None, msg.CONSENT_NEEDS_SUBJECT)]


def test_a_consent_filter_returning_the_wrong_shape_is_a_programming_error(uploader):
    with pytest.raises(ValueError, match=CONSENT_FILTER_RESULT):
        uploader.upload(BATCH, subject_column="customer", consent_filter=lambda refs: [True])


def test_an_error_leaves_an_earlier_stored_file_untouched(uploader):
    uploader.upload(BATCH)
    before = uploader.destination.read_bytes()

    with pytest.raises(msg.IngestError):
        uploader.upload(csv_bytes("y_pred,gender", "sad,f"))

    assert uploader.destination.read_bytes() == before
    assert sorted(p.name for p in uploader.destination.parent.iterdir()) == ["batch.parquet"]


def test_the_same_upload_gives_the_same_digests(uploader):
    first = uploader.upload(BATCH, subject_column="customer")
    second = uploader.upload(BATCH, subject_column="customer")

    assert (first.sha256, first.normalized_sha256) == (second.sha256, second.normalized_sha256)


def test_the_same_rows_as_csv_with_another_dialect_store_the_same_file(uploader):
    first = uploader.upload(BATCH)
    semicolons = BATCH.replace(b",", b";").replace(b"\n", b"\r\n")

    second = uploader.upload(b"\xef\xbb\xbf" + semicolons)

    assert first.sha256 != second.sha256
    assert first.normalized_sha256 == second.normalized_sha256


@pytest.mark.parametrize("labels", [(), ("joy", "joy"), ("joy", " anger"), ("joy", "")])
def test_malformed_labels_are_a_programming_error(uploader, labels):
    with pytest.raises(ValueError, match=LABELS_INVALID if labels else "at least one"):
        uploader.upload(BATCH, labels=labels)


def test_a_subject_column_needs_a_key(uploader, tmp_path):
    source = tmp_path / "b.csv"
    source.write_bytes(BATCH)

    with pytest.raises(ValueError, match="key"):
        ingest_file(
            source=source,
            fmt=None,
            filename="b.csv",
            labels=LABELS,
            sensitive=["gender"],
            features=None,
            subject_column="customer",
            pseudonym_key=b"",
            destination=tmp_path / "out.parquet",
        )
    assert not (tmp_path / "out.parquet").exists()
