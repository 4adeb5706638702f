import json
from pathlib import Path

import jsonschema
import pytest

import audits.engine
from audits.engine import AuditConfig, audit, canonical_json

from .batches import FLAGGED_LABELS, LABELS, batch

SCHEMA = json.loads((Path(audits.engine.__file__).parent / "result_schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def stored(results):
    """Results as the API will store and serve them."""
    return json.loads(canonical_json(results))


def test_the_schema_is_valid_draft_2020_12():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize(
    "shape",
    [
        {"scores": True, "missing": 0.05},
        {"truth": False, "scores": True},
        {"never": ("surprise",)},
    ],
)
def test_engine_results_validate(shape):
    columns = batch(800, seed=14, **shape)
    config = AuditConfig(
        sensitive=tuple(columns["sensitive"]),
        labels=LABELS,
        flagged_labels=FLAGGED_LABELS,
        bootstrap=100,
    )

    results = stored(audit(**columns, config=config))

    VALIDATOR.validate(results)


def test_pinned_optional_blocks_validate_and_a_missing_pinned_field_does_not():
    columns = batch(300, seed=15)
    config = AuditConfig(sensitive=("gender",), labels=LABELS, bootstrap=0)
    results = stored(audit(**columns, config=config))
    results["crosscheck"] = {"fairlearn": {"max_abs_diff": 0.0}, "aif360": {"max_abs_diff": 0.0}}
    results["explainability"] = {
        "surrogate": {"model": "HistGradientBoostingClassifier", "fidelity": 0.93},
        "importance": [{"feature": "channel", "mean_abs_shap": 0.12}],
        "proxies": [{"feature": "channel", "attribute": "gender", "association": 0.41}],
    }
    VALIDATOR.validate(results)

    del results["disparities"]
    assert not VALIDATOR.is_valid(results)
