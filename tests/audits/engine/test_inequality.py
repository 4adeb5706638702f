import math

import numpy as np
import pytest

from audits.engine import AuditConfig, audit, count, encode, finalize
from audits.engine.inequality import sample_counts

from .batches import FLAGGED_LABELS, LABELS, batch

# benefit b = pred - true + 1 on "is it anger": a false flag 2, right 1, a missed flag 0
ROWS = {
    "y_true": ["joy", "anger", "joy", "anger"],
    "y_pred": ["anger", "anger", "joy", "joy"],  # b = 2, 1, 1, 0
    "sensitive": {"g": ["a", "a", "b", "b"]},
}
TINY = AuditConfig(
    sensitive=("g",),
    labels=("anger", "joy"),
    flagged_labels=("anger",),
    min_group_size=1,
    bootstrap=0,
)


def test_closed_forms_of_the_generalized_entropy_and_theil_index():
    inequality = finalize(count(encode(**ROWS, labels=TINY.labels)), TINY)["inequality"]

    assert inequality["mean_benefit"] == 1.0  # (2 + 1 + 1 + 0) / 4
    assert inequality["generalized_entropy_index"] == 0.25  # (4 - 1 + 0 + 0 + 0 - 1) / (4 * 2)
    assert inequality["theil_index"] == pytest.approx(math.log(2) / 2)  # 2 ln 2 / 4
    (between,) = inequality["between_groups"]
    # group means 1.5 and 0.5: (2 (1.5^2 - 1) + 2 (0.5^2 - 1)) / 8 = 0.125
    assert between["generalized_entropy_index"] == pytest.approx(0.125)
    # (2 * 1.5 ln 1.5 + 2 * 0.5 ln 0.5) / 4
    assert between["theil_index"] == pytest.approx((3 * math.log(1.5) + math.log(0.5)) / 4)


def test_aif360_agrees_with_the_closed_form_on_every_row():
    columns = batch(1500, seed=8)
    config = AuditConfig(
        sensitive=tuple(columns["sensitive"]),
        labels=LABELS,
        flagged_labels=FLAGGED_LABELS,
        bootstrap=0,
    )

    inequality = audit(**columns, config=config)["inequality"]

    checked = inequality["aif360"]
    assert checked["sampled"] is False
    assert checked["rows"] == 1500
    assert checked["max_abs_diff"] <= 1e-12
    assert checked["theil_index"] == pytest.approx(inequality["theil_index"], abs=1e-12)
    assert len(checked["between_groups"]) == len(inequality["between_groups"]) == 7


def test_large_batches_are_sampled_for_aif360_and_say_so():
    columns = batch(3000, seed=9)
    config = AuditConfig(
        sensitive=("gender",),
        labels=LABELS,
        flagged_labels=FLAGGED_LABELS,
        bootstrap=0,
        inequality_sample=500,
    )

    inequality = audit(**columns, config=config)["inequality"]

    assert inequality["rows"] == 3000
    assert (inequality["aif360"]["rows"], inequality["aif360"]["sampled"]) == (500, True)
    assert inequality["aif360"]["max_abs_diff"] <= 1e-12  # against the closed form on the sample


def test_sampling_from_counts_is_a_sub_multiset_of_the_rows():
    counts = count(encode(**batch(2000, seed=10), labels=LABELS))

    sample = sample_counts(counts, rows=300, seed=4)

    assert sample.n == 300
    whole = {
        tuple(cell): table
        for cell, table in zip(counts.cells.tolist(), counts.confusion, strict=True)
    }
    for cell, table in zip(sample.cells.tolist(), sample.confusion, strict=True):
        assert np.all(table <= whole[tuple(cell)])  # never more rows of a kind than the batch has


def test_no_ground_truth_or_no_flagged_labels_no_inequality():
    columns = batch(100, seed=11, truth=False)
    config = AuditConfig(
        sensitive=("gender",), labels=LABELS, flagged_labels=FLAGGED_LABELS, bootstrap=0
    )

    assert audit(**columns, config=config)["inequality"] is None
