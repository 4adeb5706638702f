import numpy as np
import pytest

from audits.engine import AuditInputError
from audits.engine import encoding as module
from audits.engine.encoding import encode

LABELS = ("anger", "joy", "neutral")


def test_groups_are_sorted_with_missing_last_and_codes_follow_them():
    encoded = encode(
        y_pred=["joy", "anger", "joy", "neutral"],
        labels=LABELS,
        sensitive={"dialect": ["welsh", None, "scots", float("nan")]},
    )

    assert encoded.categories == (("scots", "welsh", "(missing)"),)
    assert encoded.sensitive[0].tolist() == [1, 2, 0, 2]
    assert encoded.y_pred.tolist() == [1, 0, 1, 2]  # codes into LABELS
    assert encoded.y_true is None
    assert encoded.n == 4


def test_empty_text_and_a_literal_missing_name_join_the_missing_group():
    encoded = encode(y_pred=["joy"] * 3, labels=LABELS, sensitive={"g": ["", "(missing)", "a"]})

    assert encoded.categories == (("a", "(missing)"),)
    assert encoded.sensitive[0].tolist() == [1, 1, 0]


def test_numbers_are_named_by_their_text():
    encoded = encode(
        y_pred=["joy"] * 4, labels=LABELS, sensitive={"age": np.array([25.0, 40.5, np.nan, 25.0])}
    )

    assert encoded.categories == (("25", "40.5", "(missing)"),)


def test_pre_coded_input_gives_the_same_codes_as_text():
    text = encode(
        y_pred=["joy", "anger", "anger"],
        y_true=["joy", "joy", "anger"],
        labels=LABELS,
        sensitive={"g": ["m", None, "f"]},
    )

    coded = encode(
        y_pred=np.array([1, 0, 0]),
        y_true=np.array([1, 1, 0]),
        labels=LABELS,
        sensitive={"g": np.array([0, -1, 1], dtype=np.int16)},
        categories={"g": ["m", "f", "unused"]},
    )

    assert coded.categories == text.categories == (("f", "m", "(missing)"),)
    assert coded.sensitive[0].tolist() == text.sensitive[0].tolist() == [1, 2, 0]
    assert coded.y_pred.tolist() == text.y_pred.tolist()
    assert coded.y_true.tolist() == text.y_true.tolist()


def test_large_object_columns_take_the_identity_path_and_merge_equal_texts():
    rows = 70_000  # above the identity threshold
    shared = np.array(["b", "a", None], dtype=object)[np.arange(rows) % 3]
    shared[5] = "".join(["a"])  # an equal text in a distinct object
    copies = np.array([str(x) + "" if x else x for x in shared], dtype=object)

    encoded = encode(y_pred=np.zeros(rows, dtype=np.int8), labels=LABELS, sensitive={"g": shared})
    plain = encode(y_pred=np.zeros(rows, dtype=np.int8), labels=LABELS, sensitive={"g": copies})

    assert encoded.categories == plain.categories == (("a", "b", "(missing)"),)
    assert np.array_equal(encoded.sensitive[0], plain.sensitive[0])
    assert encoded.sensitive[0][:6].tolist() == [1, 0, 2, 1, 0, 0]


def test_scores_are_checked_and_kept_in_label_order():
    encoded = encode(
        y_pred=["joy", "anger"],
        labels=LABELS,
        sensitive={"g": ["a", "b"]},
        scores={"neutral": [0.1, 1.0], "anger": np.array([0, 0.5], dtype=np.float32)},
    )

    assert encoded.score_labels == ("anger", "neutral")
    assert encoded.scores[0].dtype == np.float64
    assert encoded.scores[1].tolist() == [0.1, 1.0]


def test_rows_slices_every_column():
    encoded = encode(
        y_pred=["joy", "anger", "neutral"],
        y_true=["joy", "joy", "joy"],
        labels=LABELS,
        sensitive={"g": ["a", "b", "c"]},
        scores={"joy": [0.1, 0.2, 0.3]},
    )

    part = encoded.rows(1, 3)

    assert part.n == 2
    assert part.y_pred.tolist() == [0, 2]
    assert part.sensitive[0].tolist() == [1, 2]
    assert part.scores[0].tolist() == [0.2, 0.3]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"y_pred": []}, module.ENCODE_EMPTY),
        (
            {"y_pred": ["joy", "angr"]},
            module.ENCODE_UNKNOWN_LABEL.format(
                column="y_pred", row=1, value="angr", labels="anger, joy, neutral"
            ),
        ),
        ({"y_pred": ["joy", None]}, module.ENCODE_MISSING_LABEL.format(column="y_pred", row=1)),
        (
            {"y_pred": np.array([0, 3])},
            module.ENCODE_LABEL_CODE.format(column="y_pred", row=1, value=3, high=2),
        ),
        (
            {"y_true": ["joy", ""]},
            module.ENCODE_MISSING_LABEL.format(column="y_true", row=1),
        ),
        (
            {"y_true": ["joy"]},
            module.ENCODE_LENGTH.format(column="y_true", length=1, expected=2),
        ),
        ({"sensitive": {}}, module.ENCODE_SENSITIVE_EMPTY),
        (
            {"sensitive": {"g": ["a"]}},
            module.ENCODE_LENGTH.format(column="g", length=1, expected=2),
        ),
        (
            {"sensitive": {"g": [["a"], "b"]}},
            module.ENCODE_VALUE_TYPE.format(column="g", row=0, kind="list"),
        ),
        (
            {"sensitive": {"g&h": ["a", "b"]}},
            module.ENCODE_SENSITIVE_NAME.format(column="g&h"),
        ),
        (
            {"sensitive": {"g": np.zeros((2, 2))}},
            module.ENCODE_NOT_1D.format(column="g", shape=(2, 2)),
        ),
        (
            {"sensitive": {"g": ["a", "b"]}, "categories": {"h": ["a"]}},
            module.ENCODE_CATEGORIES_UNKNOWN.format(column="h"),
        ),
        (
            {"sensitive": {"g": np.array([0, 1])}, "categories": {"g": ["a", "a"]}},
            module.ENCODE_CATEGORIES_INVALID.format(column="g"),
        ),
        (
            {"sensitive": {"g": np.array([0, 2])}, "categories": {"g": ["a", "b"]}},
            module.ENCODE_CATEGORY_CODE.format(column="g", row=1, value=2, high=1),
        ),
        (
            {"sensitive": {"g": ["a", "b"]}, "categories": {"g": ["a", "b"]}},
            module.ENCODE_CODES_NOT_INTEGER.format(column="g", dtype="object"),
        ),
        ({"scores": {"fear": [0.1, 0.2]}}, module.ENCODE_SCORE_LABEL.format(label="fear")),
        (
            {"scores": {"joy": [0.1, 1.2]}},
            module.ENCODE_SCORE_VALUE.format(label="joy", row=1, value=1.2),
        ),
        (
            {"scores": {"joy": [float("nan"), 0.5]}},
            module.ENCODE_SCORE_VALUE.format(label="joy", row=0, value=float("nan")),
        ),
        (
            {"scores": {"joy": [0.5, "high"]}},
            module.ENCODE_SCORE_VALUE.format(label="joy", row=1, value="high"),
        ),
        (
            {"scores": {"joy": [None, 0.5]}},
            module.ENCODE_SCORE_VALUE.format(label="joy", row=0, value=None),
        ),
    ],
)
def test_bad_input_names_the_column_and_row(arguments, message):
    base = {"y_pred": ["joy", "anger"], "labels": LABELS, "sensitive": {"g": ["a", "b"]}}

    with pytest.raises(AuditInputError) as error:
        encode(**{**base, **arguments})

    assert str(error.value) == message
