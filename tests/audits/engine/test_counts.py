import itertools
import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audits.engine import AuditInputError, counting
from audits.engine import counts as module
from audits.engine.counting import count
from audits.engine.counts import Counts
from audits.engine.encoding import encode

from .batches import batch, take

LABELS = ("anger", "joy", "neutral")
LABELS_6 = ("anger", "joy", "sadness", "fear", "surprise", "neutral")


def test_joint_counts_by_cell_true_and_predicted_label():
    encoded = encode(
        y_pred=["anger", "joy", "anger", "joy"],
        y_true=["anger", "anger", "joy", "joy"],
        labels=LABELS,
        sensitive={"g": ["b", "a", "b", "b"]},
    )

    counts = count(encoded)

    assert counts.categories == (("a", "b"),)
    assert counts.cells.tolist() == [[0], [1]]
    a, b = counts.confusion
    assert a[0].tolist() == [0, 1, 0]  # a: true anger predicted joy, once
    assert b[0].tolist() == [1, 0, 0]  # b: true anger predicted anger
    assert b[1].tolist() == [1, 1, 0]  # b: true joy predicted anger, and joy
    assert counts.n == 4
    assert counts.score_hist.shape == (2, 0, 2, 1001)


def test_without_ground_truth_there_is_one_true_class():
    encoded = encode(
        y_pred=["anger", "joy", "joy"], labels=LABELS, sensitive={"g": ["a", "a", "b"]}
    )

    counts = count(encoded)

    assert counts.confusion.tolist() == [[[1, 1, 0]], [[0, 1, 0]]]
    assert not counts.has_ground_truth


def test_score_bins_split_by_whether_the_true_label_is_the_scores_label():
    encoded = encode(
        y_pred=["joy"] * 4,
        y_true=["joy", "anger", "joy", "joy"],
        labels=LABELS,
        sensitive={"g": ["a"] * 4},
        scores={"joy": [0.0, 0.25, 0.29, 1.0]},
    )

    counts = count(encoded, score_bins=100)

    hist = counts.score_hist[0, 0]
    assert np.flatnonzero(hist[0]).tolist() == [25]  # the anger row, 0.25 * 100
    assert np.flatnonzero(hist[1]).tolist() == [0, 29, 100]  # 0.29 lands in bin 29 despite rounding
    total = counts.score_sum[0, 0].sum()
    assert total == round(0.25 * 2**32) + round(0.29 * 2**32) + 2**32  # integer units of 2**-32


def test_many_valued_attributes_switch_to_compact_cells_with_the_same_result():
    rng = np.random.default_rng(3)
    users = np.array([f"user{i:05d}" for i in range(3000)], dtype=object)[
        rng.integers(0, 3000, 4000)
    ]
    shops = np.array([f"shop{i:04d}" for i in range(2000)], dtype=object)[
        rng.integers(0, 2000, 4000)
    ]
    columns = {"y_pred": np.array(LABELS, dtype=object)[rng.integers(0, 3, 4000)]}
    encoded = encode(**columns, labels=LABELS, sensitive={"user": users, "shop": shops})

    counts = count(encoded)  # 3000 x 2000 x 3 cells: too many for a dense bincount

    halves = count(encoded.rows(0, 2000)).merge(count(encoded.rows(2000, 4000)))
    assert counts == halves
    assert counts.n == 4000
    assert counts.cells.shape[0] == len({(u, s) for u, s in zip(users, shops, strict=True)})


def test_merge_of_independently_encoded_chunks_equals_one_pass():
    columns = batch(600, seed=1, scores=True, missing=0.05)
    whole = count(
        encode(**columns, labels=("anger", "joy", "sadness", "fear", "surprise", "neutral"))
    )

    parts = [
        count(encode(**take(columns, slice(a, b)), labels=whole.labels))
        for a, b in ((0, 10), (10, 350), (350, 600))
    ]

    assert parts[2].merge(parts[0]).merge(parts[1]) == whole
    assert parts[0].merge(parts[1].merge(parts[2])) == whole
    assert parts[0].categories != whole.categories  # a small chunk sees fewer groups


def test_merge_refuses_different_labels():
    left = count(encode(y_pred=["joy"], labels=LABELS, sensitive={"g": ["a"]}))
    right = count(encode(y_pred=["joy"], labels=("joy", "anger"), sensitive={"g": ["a"]}))

    with pytest.raises(AuditInputError) as error:
        left.merge(right)

    assert str(error.value) == module.COUNTS_MISMATCH.format(
        field="labels", left=LABELS, right=("joy", "anger")
    )


def test_dict_round_trip_is_json_safe_and_exact():
    columns = batch(300, seed=2, scores=True)
    counts = count(
        encode(**columns, labels=("anger", "joy", "sadness", "fear", "surprise", "neutral"))
    )

    again = Counts.from_dict(json.loads(json.dumps(counts.to_dict())))

    assert again == counts


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda d: d.update(format="other"), "format must be 'attune.counts/1'"),
        (lambda d: d["confusion"].update(shape=[1, 1, 1]), "confusion must be int64 of shape"),
        (lambda d: d.update(labels=["a", "a", "b"]), "labels has duplicates"),
        (lambda d: d.update(categories=[["x"]]), "cells column 0 has unknown codes"),
        (lambda d: d["score_hist"].update(zlib_base64="AAAA"), "error"),
    ],
)
def test_from_dict_rejects_inconsistent_data(change, reason):
    counts = count(encode(y_pred=["joy", "anger"], labels=LABELS, sensitive={"g": ["a", "b"]}))
    data = counts.to_dict()
    change(data)

    with pytest.raises(AuditInputError) as error:
        Counts.from_dict(data)

    assert str(error.value).startswith(module.COUNTS_FORMAT.format(reason=""))
    assert reason in str(error.value)


def test_bad_score_bins_are_rejected():
    encoded = encode(y_pred=["joy"], labels=LABELS, sensitive={"g": ["a"]})

    with pytest.raises(AuditInputError) as error:
        count(encoded, score_bins=0)

    assert str(error.value) == module.COUNTS_SCORE_BINS.format(value=0)


rows = st.lists(
    st.tuples(
        st.integers(0, 2),  # gender
        st.sampled_from(["x", "y", None]),  # region, with nulls
        st.integers(0, 2),  # true label
        st.integers(0, 2),  # predicted label
        st.integers(0, 20),  # score on a 1/20 grid
    ),
    min_size=1,
    max_size=60,
)


def _columns(data):
    genders = np.array(["f", "m", "n"], dtype=object)
    labels = np.array(LABELS, dtype=object)
    return {
        "y_true": labels[[r[2] for r in data]],
        "y_pred": labels[[r[3] for r in data]],
        "sensitive": {
            "gender": genders[[r[0] for r in data]],
            "region": np.array([r[1] for r in data], dtype=object),
        },
        "scores": {
            "anger": np.array([r[4] / 20 for r in data]),
            "joy": np.array([0.5] * len(data)),
        },
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=rows, cuts=st.lists(st.integers(0, 60), max_size=4))
def test_chunked_counting_merged_equals_one_pass(data, cuts):
    columns = _columns(data)
    whole = count(encode(**columns, labels=LABELS))
    bounds = sorted({0, len(data), *(c for c in cuts if c < len(data))})

    chunks = [
        count(encode(**take(columns, slice(a, b)), labels=LABELS))
        for a, b in itertools.pairwise(bounds)
    ]
    merged = chunks[-1]
    for chunk in reversed(chunks[:-1]):
        merged = chunk.merge(merged)

    assert merged == whole


@settings(max_examples=60, deadline=None)
@given(data=rows, seed=st.integers(0, 2**32 - 1))
def test_row_order_does_not_change_the_counts(data, seed):
    columns = _columns(data)
    order = np.random.default_rng(seed).permutation(len(data))

    assert count(encode(**take(columns, order), labels=LABELS)) == count(
        encode(**columns, labels=LABELS)
    )


def test_threads_and_chunk_sizes_do_not_change_the_counts(monkeypatch):
    encoded = encode(**batch(500, seed=5, scores=True), labels=LABELS_6)
    one_pass = count(encoded)
    monkeypatch.setattr(counting, "CHUNK_ROWS", 64)  # 8 chunks, counted by two threads

    threaded = count(encoded, threads=2)
    single = count(encoded, threads=1)

    assert threaded == single == one_pass


def test_an_empty_chunk_merges_as_nothing():
    encoded = encode(**batch(50, seed=6), labels=LABELS_6)
    whole = count(encoded)

    empty = count(encoded.rows(10, 10))

    assert empty.n == 0
    assert empty.merge(whole) == whole
