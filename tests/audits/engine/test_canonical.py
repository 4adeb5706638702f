import hashlib
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audits.engine import (
    AuditConfig,
    AuditInputError,
    audit,
    canonical_json,
    count,
    encode,
    finalize,
    result_sha256,
)
from audits.engine import canonical as module

from .batches import FLAGGED_LABELS, LABELS, batch, take


def test_sorted_keys_no_spaces_and_floats_to_twelve_significant_digits():
    data = {"b": [0.1 + 0.2, 1 / 3, 2.0, -0.0, 1e-20, np.float64(0.5), np.int64(3)], "a": None}

    assert canonical_json(data) == b'{"a":null,"b":[0.3,0.333333333333,2.0,0.0,1e-20,0.5,3]}'


def test_text_is_utf8_not_escaped():
    assert canonical_json({"group": "Zoë"}) == '{"group":"Zoë"}'.encode()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            {"x": [1, {"y": float("nan")}]},
            module.CANONICAL_NOT_FINITE.format(value=float("nan"), path="$.x[1].y"),
        ),
        ({"x": float("inf")}, module.CANONICAL_NOT_FINITE.format(value=float("inf"), path="$.x")),
        ({"x": {1: 2}}, module.CANONICAL_KEY.format(key=1, path="$.x.1")),
        ({"x": [object()]}, module.CANONICAL_TYPE.format(kind="object", path="$.x[0]")),
    ],
)
def test_values_json_cannot_hold_are_refused_with_their_path(value, message):
    with pytest.raises(AuditInputError) as error:
        canonical_json(value)

    assert str(error.value) == message


def test_result_sha256_is_the_digest_of_the_canonical_bytes():
    results = {"n": 3, "share": 1 / 3}

    assert result_sha256(results) == hashlib.sha256(b'{"n":3,"share":0.333333333333}').hexdigest()


def test_same_rows_in_another_order_give_byte_identical_results():
    columns = batch(2000, seed=12, scores=True, missing=0.03)
    config = AuditConfig(
        sensitive=tuple(columns["sensitive"]),
        labels=LABELS,
        flagged_labels=FLAGGED_LABELS,
        bootstrap=200,
    )
    shuffled = take(columns, np.random.default_rng(0).permutation(2000))

    first = audit(**columns, config=config)
    second = audit(**shuffled, config=config)

    assert canonical_json(first) == canonical_json(second)
    assert result_sha256(first) == result_sha256(second)
    assert json.loads(canonical_json(first))["n"] == 2000


def test_chunked_counting_gives_the_same_result_hash():
    columns = batch(3000, seed=13, scores=True)
    config = AuditConfig(
        sensitive=tuple(columns["sensitive"]), labels=LABELS, flagged_labels=FLAGGED_LABELS
    )
    whole = count(encode(**columns, labels=LABELS))
    chunks = [
        count(encode(**take(columns, slice(a, a + 1000)), labels=LABELS)) for a in (2000, 0, 1000)
    ]

    merged = chunks[0].merge(chunks[1]).merge(chunks[2])

    assert result_sha256(finalize(merged, config)) == result_sha256(finalize(whole, config))


@settings(max_examples=25, deadline=None)
@given(
    data=st.lists(
        st.tuples(
            st.sampled_from(["a", "b", None]),
            st.sampled_from(["x", "y"]),
            st.integers(0, 2),
            st.integers(0, 2),
        ),
        min_size=2,
        max_size=80,
    ),
    seed=st.integers(0, 2**32 - 1),
)
def test_row_order_never_changes_the_results(data, seed):
    labels = np.array(["anger", "joy", "neutral"], dtype=object)
    columns = {
        "y_true": labels[[r[2] for r in data]],
        "y_pred": labels[[r[3] for r in data]],
        "sensitive": {
            "g": np.array([r[0] for r in data], dtype=object),
            "h": np.array([r[1] for r in data], dtype=object),
        },
    }
    config = AuditConfig(
        sensitive=("g", "h"),
        labels=tuple(labels),
        flagged_labels=("anger",),
        min_group_size=2,
        bootstrap=50,
        inequality_sample=0,
    )
    order = np.random.default_rng(seed).permutation(len(data))

    assert canonical_json(audit(**take(columns, order), config=config)) == canonical_json(
        audit(**columns, config=config)
    )
