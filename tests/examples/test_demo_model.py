"""The offline VADER-based emotion model: valid outputs, determinism, text-only reading."""

import csv
import math
import re

import pytest

from examples.demo_corpus import AGE_BANDS, EMOTIONS, WRITING_STYLES, generate
from examples.demo_model import (
    ERR_ROW_NO_TEXT,
    ERR_TEXT_NOT_STRING,
    FLAGGED_LABELS,
    LABELS,
    SCORE_COLUMNS,
    UPLOAD_COLUMNS,
    features,
    main,
    predict,
    score_corpus,
)


@pytest.fixture(scope="module")
def scored():
    return score_corpus(generate())


def _rate(rows, *, label, where):
    selected = [r for r in rows if where(r)]
    return sum(r["y_pred"] == label for r in selected) / len(selected)


def test_labels_are_the_corpus_emotions_and_flagged_ones_are_among_them():
    assert set(LABELS) == set(EMOTIONS)
    assert len(LABELS) == 6
    assert set(FLAGGED_LABELS) <= set(LABELS)
    assert SCORE_COLUMNS == (
        "score_anger",
        "score_sadness",
        "score_joy",
        "score_neutral",
        "score_fear",
        "score_surprise",
    )


def test_every_prediction_is_a_label_with_scores_that_sum_to_one(scored):
    for row in scored:
        scores = [row[column] for column in SCORE_COLUMNS]
        assert row["y_pred"] in LABELS
        assert all(0.0 <= s <= 1.0 for s in scores)
        assert math.fsum(scores) == pytest.approx(1.0, abs=1e-9)
        assert row["y_pred"] == LABELS[scores.index(max(scores))]


def test_the_same_texts_always_get_the_same_predictions():
    texts = [row["text"] for row in generate(n=300, seed=5)]

    assert predict(texts) == predict(texts)
    assert predict(texts[::-1]) == predict(texts)[::-1]


def test_the_model_reads_the_text_and_never_the_groups():
    rows = generate(n=60, seed=9)
    baseline = score_corpus(rows)

    for age_band in AGE_BANDS:
        for style in WRITING_STYLES:
            relabelled = [
                {**row, "age_band": age_band, "writing_style": style, "channel": "email"}
                for row in rows
            ]
            again = score_corpus(relabelled)
            assert [{k: r[k] for k in ("y_pred", *SCORE_COLUMNS)} for r in again] == [
                {k: r[k] for k in ("y_pred", *SCORE_COLUMNS)} for r in baseline
            ]
    text_only = score_corpus([{"text": row["text"]} for row in rows])
    assert [r["y_pred"] for r in text_only] == [r["y_pred"] for r in baseline]


def test_score_corpus_adds_columns_and_leaves_the_input_alone():
    rows = generate(n=3, seed=1)
    before = [dict(row) for row in rows]

    out = score_corpus(rows)

    assert rows == before
    assert [list(r) for r in out] == [[*before[0], "y_pred", *SCORE_COLUMNS]] * 3
    assert [{k: r[k] for k in before[0]} for r in out] == before


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("I am furious, this is unacceptable!!!", "anger"),
        ("I love it, thank you so much!", "joy"),
        ("What is the status of order #12345?", "neutral"),
        ("I am worried someone has stolen my card details.", "fear"),
        ("Wow, I did not expect that at all!", "surprise"),
        ("I am really disappointed, it arrived broken.", "sadness"),
    ],
)
def test_plain_messages_get_the_obvious_label(text, label):
    assert predict([text])[0]["y_pred"] == label


def test_capitals_and_exclamation_marks_push_a_complaint_to_anger():
    calm, shouted = predict(["this is not ok", "this is NOT OK!!!"])

    assert calm["y_pred"] == "neutral"
    assert shouted["y_pred"] == "anger"


@pytest.mark.parametrize(
    ("english", "scots", "label"),
    [
        ("I am furious about this.", "Ah'm pure fizzin aboot this.", "anger"),
        (
            "I was near crying when I opened it.",
            "Ah was near greetin when Ah opened it.",
            "sadness",
        ),
        ("I'm scared someone has my card details.", "Ah'm feart someone's got ma details.", "fear"),
    ],
)
def test_scots_words_carry_no_emotion_for_the_model(english, scots, label):
    in_english, in_scots = predict([english, scots])

    assert in_english["y_pred"] == label
    assert in_scots["y_pred"] == "neutral"


def test_greetings_and_sign_offs_are_not_read_as_joy():
    assert (
        predict(["Hi, what is the status of order #12345? Many thanks. Kind regards."])[0]["y_pred"]
        == "neutral"
    )


def test_features_are_capped_counts_of_the_documented_cues():
    values = features("WHERE is it!!!!! ok??")

    assert values["exclaim"] == 1.0  # min(5, 3) / 3
    assert values["question"] == 2 / 3  # min(2, 3) / 3
    assert values["shout"] == 1 / 3  # one word of 2+ capitals ("WHERE"), "ok" is lowercase
    assert features("furious, livid and fuming")["cue_anger"] == 1.0  # min(3, 2) / 2
    assert features("rather worried")["cue_fear"] == 0.5  # min(1, 2) / 2


def test_the_model_is_useful_but_wrong_in_ways_an_audit_can_explain(scored):
    accuracy = sum(r["y_pred"] == r["y_true"] for r in scored) / len(scored)

    def anger_rate(**where):
        return _rate(
            scored, label="anger", where=lambda r: all(r[k] == v for k, v in where.items())
        )

    assert 0.6 < accuracy < 0.9
    assert anger_rate(writing_style="texting") > anger_rate(writing_style="standard")
    assert anger_rate(writing_style="standard") > 2 * anger_rate(writing_style="formal")
    assert anger_rate(writing_style="standard") > 2 * anger_rate(writing_style="scots")
    assert anger_rate(age_band="65+") < 0.8 * anger_rate(age_band="18-24")


def test_predict_names_the_first_text_that_is_not_a_string():
    with pytest.raises(TypeError, match=re.escape(ERR_TEXT_NOT_STRING.format(index=1, kind="int"))):
        predict(["fine", 3])


def test_score_corpus_names_the_row_without_text():
    with pytest.raises(ValueError, match=re.escape(ERR_ROW_NO_TEXT.format(row=2))):
        score_corpus([{"text": "hi"}, {"message": "hi"}])


def test_the_script_writes_the_upload_file_without_text(tmp_path, capsys):
    out = tmp_path / "preds.csv"

    status = main([str(out), "--n", "40", "--seed", "5"])

    with out.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
    assert status == 0
    assert tuple(reader.fieldnames) == UPLOAD_COLUMNS
    assert "text" not in reader.fieldnames
    assert len(rows) == 40
    assert {r["y_pred"] for r in rows} <= set(LABELS)
    assert all(0.0 <= float(r[c]) <= 1.0 for r in rows for c in SCORE_COLUMNS)
    assert f"Wrote 40 scored tickets to {out}" in capsys.readouterr().out


def test_the_script_writes_text_only_when_asked(tmp_path):
    out = tmp_path / "with_text.csv"

    main([str(out), "--n", "5", "--with-text"])

    header = out.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert "text" in header
    assert header.index("text") == header.index("y_true") - 1


def test_the_script_refuses_a_bad_size(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([str(tmp_path / "x.csv"), "--n", "0"])

    assert exit_info.value.code == 2
    assert "n must be a positive integer, got 0." in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()
