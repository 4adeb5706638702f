"""The generated support-ticket corpus: shape, determinism and how its groups relate."""

import csv
import re
from collections import Counter

import pytest
from scipy.stats import chi2_contingency

from examples.demo_corpus import (
    AGE_BANDS,
    CHANNELS,
    COLUMNS,
    EMOTIONS,
    ERR_MISSING_COLUMN,
    ERR_N_NOT_POSITIVE,
    ERR_NO_ROWS,
    ERR_SEED_NOT_INT,
    WRITING_STYLES,
    generate,
    write_csv,
)

SCOTS_WORDS = re.compile(
    r"\b(aye|wee|cannae|gey|scunnered|dinnae|didnae|hasnae|isnae|greetin|feart|braw|ken|tae|ma"
    r"|Ah|aboot|oot|noo|ye|yer|whit|wi|fae|naebody|awright|wonderin)\b",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def corpus():
    return generate()


def _share(rows, *, where, then):
    selected = [r for r in rows if where(r)]
    return sum(1 for r in selected if then(r)) / len(selected)


def test_same_seed_gives_the_same_rows_and_another_seed_other_rows():
    first = generate(n=300, seed=3)

    again = generate(n=300, seed=3)
    other = generate(n=300, seed=4)

    assert first == again
    assert [r["text"] for r in first] != [r["text"] for r in other]


def test_rows_have_the_documented_columns_and_values(corpus):
    assert len(corpus) == 4000
    assert all(tuple(row) == COLUMNS for row in corpus)
    assert [row["ticket_id"] for row in corpus[:2]] == ["T-000001", "T-000002"]
    assert len({row["ticket_id"] for row in corpus}) == 4000
    assert all(re.fullmatch(r"C-\d{5}", row["customer_id"]) for row in corpus)
    assert {row["y_true"] for row in corpus} == set(EMOTIONS)
    assert {row["age_band"] for row in corpus} == set(AGE_BANDS)
    assert {row["writing_style"] for row in corpus} == set(WRITING_STYLES)
    assert {row["channel"] for row in corpus} == set(CHANNELS)
    assert {row["hour_of_day"] for row in corpus} <= set(range(24))


def test_feature_columns_are_measured_on_the_text():
    rows = generate(n=200, seed=11)

    for row in rows:
        letters = [c for c in row["text"] if c.isalpha()]
        upper = sum(c.isupper() for c in letters)
        assert row["message_length"] == len(row["text"])
        assert row["exclamations"] == row["text"].count("!")
        assert row["caps_ratio"] == round(upper / len(letters), 4)


def test_customers_write_several_tickets_in_one_age_band_and_style(corpus):
    tickets_per_customer = Counter(row["customer_id"] for row in corpus)
    profile = {}
    for row in corpus:
        profile.setdefault(row["customer_id"], set()).add((row["age_band"], row["writing_style"]))

    # n / 3 customers drawn with replacement: about 3 tickets each, some with many
    assert 1100 < len(tickets_per_customer) < 1400
    assert max(tickets_per_customer.values()) >= 6
    assert all(len(profiles) == 1 for profiles in profile.values())


def test_younger_customers_text_on_chat_and_older_write_formally_by_email(corpus):
    def texting(r):
        return r["writing_style"] == "texting"

    def formal(r):
        return r["writing_style"] == "formal"

    assert _share(corpus, where=lambda r: r["age_band"] == "18-24", then=texting) > 0.5
    assert _share(corpus, where=lambda r: r["age_band"] == "65+", then=texting) < 0.05
    assert _share(corpus, where=lambda r: r["age_band"] == "65+", then=formal) > 0.4
    assert _share(corpus, where=lambda r: r["age_band"] == "18-24", then=formal) < 0.05
    assert _share(corpus, where=texting, then=lambda r: r["channel"] == "chat") > 0.6
    assert _share(corpus, where=formal, then=lambda r: r["channel"] == "email") > 0.6
    assert _share(
        corpus, where=lambda r: r["age_band"] == "18-24", then=lambda r: r["hour_of_day"] >= 20
    ) > _share(
        corpus, where=lambda r: r["age_band"] == "65+", then=lambda r: r["hour_of_day"] >= 20
    )


def test_styles_leave_their_marks_on_the_text(corpus):
    def mean(style, key):
        values = [r[key] for r in corpus if r["writing_style"] == style]
        return sum(values) / len(values)

    scots = [r["text"] for r in corpus if r["writing_style"] == "scots"]
    standard = [r["text"] for r in corpus if r["writing_style"] == "standard"]

    assert mean("formal", "message_length") > 1.5 * mean("texting", "message_length")
    assert mean("texting", "exclamations") > 2 * mean("standard", "exclamations")
    assert mean("formal", "exclamations") == 0
    assert sum(bool(SCOTS_WORDS.search(t)) for t in scots) / len(scots) > 0.95
    assert not any(re.search(r"\b(cannae|dinnae|scunnered|greetin)\b", t) for t in standard)


def test_the_emotion_written_is_independent_of_the_groups(corpus):
    for attribute in ("age_band", "writing_style"):
        table = Counter((row[attribute], row["y_true"]) for row in corpus)
        groups = sorted({g for g, _ in table})
        observed = [[table[(g, e)] for e in EMOTIONS] for g in groups]

        assert chi2_contingency(observed).pvalue > 0.01


def test_some_age_by_style_cells_are_too_small_to_report(corpus):
    cells = Counter((row["age_band"], row["writing_style"]) for row in corpus)

    small = {cell for cell in cells if cells[cell] < 30}

    assert ("65+", "texting") in small
    assert ("18-24", "formal") in small
    assert len(small) < len(cells) // 2


def test_texts_never_name_the_groups_they_are_sorted_by(corpus):
    names = re.compile(r"\b(scots|scottish|texting|formal|age|old|young|elderly)\b", re.I)

    assert not [row["text"] for row in corpus if names.search(row["text"])]


@pytest.mark.parametrize("n", [0, -5, 2.5, True])
def test_a_bad_size_is_refused(n):
    with pytest.raises(ValueError, match=re.escape(ERR_N_NOT_POSITIVE.format(n=n))):
        generate(n=n)


def test_a_bad_seed_is_refused():
    with pytest.raises(ValueError, match=re.escape(ERR_SEED_NOT_INT.format(seed="7"))):
        generate(n=10, seed="7")


def test_write_csv_round_trips_the_rows(tmp_path):
    rows = generate(n=25, seed=2)

    path = write_csv(rows, tmp_path / "corpus.csv")

    with path.open(encoding="utf-8", newline="") as handle:
        read = list(csv.DictReader(handle))
    assert [list(r) for r in read[:1]] == [list(COLUMNS)]
    assert read == [{k: str(v) for k, v in row.items()} for row in rows]


def test_write_csv_keeps_only_the_columns_asked_for(tmp_path):
    rows = generate(n=5, seed=2)

    path = write_csv(rows, tmp_path / "few.csv", columns=["ticket_id", "y_true"])

    assert path.read_text(encoding="utf-8").splitlines()[0] == "ticket_id,y_true"


def test_write_csv_names_the_row_and_column_that_is_missing(tmp_path):
    rows = generate(n=3, seed=2)
    del rows[2]["channel"]

    with pytest.raises(
        ValueError, match=re.escape(ERR_MISSING_COLUMN.format(row=3, column="channel"))
    ):
        write_csv(rows, tmp_path / "bad.csv")
    assert not (tmp_path / "bad.csv").exists()


def test_write_csv_refuses_no_rows(tmp_path):
    with pytest.raises(ValueError, match=ERR_NO_ROWS):
        write_csv([], tmp_path / "empty.csv")
