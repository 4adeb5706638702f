import pyarrow.parquet as pq
import pytest

from audits.ingest import MISSING_GROUP
from audits.ingest import errors as msg
from audits.ingest.normalise import normalise_group
from tests.audits.ingest.helpers import LABELS, csv_bytes, error

FULL_WIDTH = "\uff46\uff45\uff4d\uff41\uff4c\uff45"
LISTED = msg.quote_all(LABELS)  # 'anger', 'joy', 'neutral'


def test_a_missing_y_pred_column_is_named(uploader):
    rejected = uploader.reject(csv_bytes("gender,y_true", "f,joy"))

    assert rejected.errors == [
        error(None, "y_pred", msg.MISSING_REQUIRED_COLUMN.format(column="y_pred"))
    ]


def test_a_y_pred_column_in_capitals_gets_a_hint(uploader):
    rejected = uploader.reject(csv_bytes("Y_PRED,gender", "joy,f"))

    message = msg.MISSING_REQUIRED_COLUMN.format(column="y_pred")
    assert rejected.errors == [
        error(None, "y_pred", message + msg.CASE_HINT.format(found="'Y_PRED'"))
    ]


def test_empty_and_unknown_labels_are_named_by_row(uploader):
    data = csv_bytes("y_pred,y_true,gender", "joy,joy,f", ",anger,f", "Joy,,m", "happy,fear,m")

    rejected = uploader.reject(data)

    assert rejected.errors == [
        error(2, "y_pred", msg.MISSING_PREDICTION),
        error(3, "y_pred", msg.UNKNOWN_LABEL.format(value="'Joy'", labels=LISTED)),
        error(3, "y_true", msg.MISSING_GROUND_TRUTH),
        error(4, "y_pred", msg.UNKNOWN_LABEL.format(value="'happy'", labels=LISTED)),
        error(4, "y_true", msg.UNKNOWN_LABEL.format(value="'fear'", labels=LISTED)),
    ]


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("", msg.MISSING_SCORE),
        ('""', msg.MISSING_SCORE),
        ("   ", msg.MISSING_SCORE),
        ("NaN", msg.SCORE_NOT_FINITE),
        ("nan", msg.SCORE_NOT_FINITE),
        ("inf", msg.SCORE_NOT_FINITE),
        ("-Infinity", msg.SCORE_NOT_FINITE),
        ("null", msg.SCORE_NOT_A_NUMBER.format(value="'null'")),
        ("None", msg.SCORE_NOT_A_NUMBER.format(value="'None'")),
        ('"1,5"', msg.SCORE_NOT_A_NUMBER.format(value="'1,5'")),
        ("0.5.1", msg.SCORE_NOT_A_NUMBER.format(value="'0.5.1'")),
        ("-0.1", msg.SCORE_OUT_OF_RANGE.format(value="-0.1")),
        ("1.5", msg.SCORE_OUT_OF_RANGE.format(value="1.5")),
        ("1e3", msg.SCORE_OUT_OF_RANGE.format(value="1000")),
    ],
)
def test_bad_scores_are_named_by_row_and_column(uploader, cell, message):
    data = csv_bytes("y_pred,gender,score_joy", "joy,f,0.25", f"joy,m,{cell}")

    rejected = uploader.reject(data)

    assert rejected.errors == [error(2, "score_joy", message)]


@pytest.mark.parametrize("cell", ["0", "1", "0.25", ".5", "+0.5", "5E-1", " 0.5 ", "1.0"])
def test_good_scores_are_stored_as_float64(uploader, cell):
    result = uploader.upload(csv_bytes("y_pred,gender,score_joy", f"joy,f,{cell}"))

    assert result.score_labels == ("joy",)
    assert pq.read_table(uploader.destination)["score_joy"].type == "double"


def test_a_score_column_for_a_label_the_model_lacks_is_an_error(uploader):
    rejected = uploader.reject(csv_bytes("y_pred,gender,score_fear,score_", "joy,f,0.5,0.5"))

    assert rejected.errors == [
        error(
            None, "score_fear", msg.SCORE_FOR_UNKNOWN_LABEL.format(label="'fear'", labels=LISTED)
        ),
        error(None, "score_", msg.SCORE_FOR_UNKNOWN_LABEL.format(label="''", labels=LISTED)),
    ]


def test_missing_declared_columns_are_all_named(uploader):
    rejected = uploader.reject(
        csv_bytes("y_pred,Gender,age", "joy,f,30"),
        sensitive=("gender", "dialect"),
        features=("age", "channel"),
        subject_column="customer",
    )

    sensitive = msg.MISSING_DECLARED_COLUMN.format(role="a sensitive column")
    assert rejected.errors == [
        error(None, "gender", sensitive + msg.CASE_HINT.format(found="'Gender'")),
        error(None, "dialect", sensitive),
        error(None, "customer", msg.MISSING_DECLARED_COLUMN.format(role="the subject column")),
        error(None, "channel", msg.MISSING_DECLARED_COLUMN.format(role="a feature")),
    ]


def test_no_sensitive_column_declared_is_an_error(uploader):
    rejected = uploader.reject(csv_bytes("y_pred,gender", "joy,f"), sensitive=(" ", ""))

    assert rejected.errors == [error(None, None, msg.NO_SENSITIVE)]


def test_a_column_cannot_take_two_roles(uploader):
    rejected = uploader.reject(
        csv_bytes("y_pred,gender,age,score_joy", "joy,f,30,0.5"),
        sensitive=("gender", "gender", "y_pred"),
        features=("age", "score_joy"),
        subject_column="gender",
    )

    assert rejected.errors == [
        error(None, "gender", msg.DECLARED_TWICE.format(role="a sensitive column")),
        error(
            None,
            "y_pred",
            msg.ROLE_CLASH.format(role="a sensitive column", other="the y_pred column"),
        ),
        error(
            None,
            "gender",
            msg.ROLE_CLASH.format(role="the subject column", other="a sensitive column"),
        ),
        error(None, "score_joy", msg.ROLE_CLASH.format(role="a feature", other="a score column")),
    ]


def test_features_default_to_every_other_column(uploader):
    data = csv_bytes("y_pred,y_true,score_joy,gender,customer,age,channel", "joy,joy,1,f,c1,30,app")

    result = uploader.upload(data, subject_column="customer")

    assert result.features == ("age", "channel")
    assert result.columns == (
        "y_pred",
        "y_true",
        "score_joy",
        "gender",
        "age",
        "channel",
        "customer",
    )


def test_declared_features_leave_the_other_columns_out(uploader):
    result = uploader.upload(
        csv_bytes("y_pred,gender,age,channel", "joy,f,30,app"), features=["age"]
    )

    assert result.columns == ("y_pred", "gender", "age")


def test_empty_group_values_become_the_missing_group_and_are_counted(uploader):
    data = csv_bytes("y_pred,gender", "joy,f", "joy,", 'joy,""', "joy,  ", "anger,m")

    result = uploader.upload(data)

    assert result.groups == {"gender": {MISSING_GROUP: 3, "f": 1, "m": 1}}
    assert pq.read_table(uploader.destination)["gender"].to_pylist() == [
        "f",
        MISSING_GROUP,
        MISSING_GROUP,
        MISSING_GROUP,
        "m",
    ]


def test_group_spellings_are_normalised_with_a_warning_when_they_merge(uploader):
    # FULL_WIDTH is "female" in full-width letters (NFKC folds it); U+200B is a zero-width space.
    data = csv_bytes(
        "y_pred,gender",
        "joy,female",
        "joy, female ",
        f"joy,{FULL_WIDTH}",
        "joy,fe\u200bmale",
        "joy,male",
    )

    result = uploader.upload(data)

    assert result.groups == {"gender": {"female": 4, "male": 1}}
    spellings = msg.quote_all(sorted([" female ", "female", FULL_WIDTH, "fe\u200bmale"]))
    assert result.warnings == (
        msg.MERGED_SPELLINGS.format(column="'gender'", spellings=spellings, group="'female'"),
    )
    assert "\\u200b" in result.warnings[0]  # the invisible character is shown escaped


def test_groups_differing_only_in_case_are_kept_apart_with_a_warning(uploader):
    result = uploader.upload(csv_bytes("y_pred,gender", "joy,Female", "joy,female", "joy,male"))

    assert result.groups == {"gender": {"Female": 1, "female": 1, "male": 1}}
    assert result.warnings == (
        msg.CASE_VARIANTS.format(column="'gender'", groups="'Female', 'female'"),
    )


def test_more_distinct_groups_than_allowed_is_an_error_naming_the_column(uploader):
    rows = [f"joy,user-{number}" for number in range(6)]

    rejected = uploader.reject(csv_bytes("y_pred,gender", *rows), max_groups=5)

    assert rejected.errors == [error(None, "gender", msg.TOO_MANY_GROUPS.format(limit=5))]


def test_exactly_max_groups_distinct_groups_is_allowed(uploader):
    rows = [f"joy,group-{number}" for number in range(5)]

    result = uploader.upload(csv_bytes("y_pred,gender", *rows), max_groups=5)

    assert len(result.groups["gender"]) == 5


@pytest.mark.parametrize(
    ("raw", "group"),
    [
        (None, MISSING_GROUP),
        ("", MISSING_GROUP),
        ("\u200b \u00a0", MISSING_GROUP),
        ("  Scots\u200d ", "Scots"),
        ("\ufb01nnish", "finnish"),  # U+FB01 is the "fi" ligature
    ],
)
def test_normalise_group(raw, group):
    assert normalise_group(raw) == group


def test_all_errors_of_a_file_come_back_together(uploader):
    data = csv_bytes("y_pred,gender,score_joy", ",f,0.5", "joy,m,2", "sad,f,0.1")

    rejected = uploader.reject(data, sensitive=("gender", "dialect"))

    assert rejected.total == 4
    assert rejected.errors == [
        error(None, "dialect", msg.MISSING_DECLARED_COLUMN.format(role="a sensitive column")),
        error(1, "y_pred", msg.MISSING_PREDICTION),
        error(2, "score_joy", msg.SCORE_OUT_OF_RANGE.format(value="2")),
        error(3, "y_pred", msg.UNKNOWN_LABEL.format(value="'sad'", labels=LISTED)),
    ]
