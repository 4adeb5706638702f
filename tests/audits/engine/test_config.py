import pytest

from audits.engine import config as module
from audits.engine.config import AuditConfig, AuditInputError


def make(**changes):
    options = {"sensitive": ("gender",), "labels": ("anger", "joy"), "flagged_labels": ("anger",)}
    return AuditConfig(**{**options, **changes})


def test_defaults_match_the_api_defaults():
    config = make()

    assert (config.intersections, config.min_group_size, config.threshold) == (True, 30, 0.8)
    assert (config.bootstrap, config.confidence, config.seed) == (1000, 0.95, 0)


def test_lists_become_tuples_and_flagged_labels_follow_the_label_order():
    config = make(sensitive=["gender", "age"], labels=["a", "b", "c"], flagged_labels=["c", "a"])

    assert config.sensitive == ("gender", "age")
    assert config.flagged_labels == ("a", "c")


def test_round_trip_through_the_stored_dict():
    config = make(threshold=0.75, bootstrap=10, seed=7)

    assert AuditConfig.from_dict(config.to_dict()) == config


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"threshold": 0}, module.CONFIG_THRESHOLD.format(value=0)),
        ({"threshold": 1.5}, module.CONFIG_THRESHOLD.format(value=1.5)),
        ({"threshold": float("nan")}, module.CONFIG_THRESHOLD.format(value=float("nan"))),
        ({"threshold": "0.8"}, module.CONFIG_THRESHOLD.format(value="0.8")),
        ({"confidence": 1}, module.CONFIG_CONFIDENCE.format(value=1)),
        ({"confidence": 0.0}, module.CONFIG_CONFIDENCE.format(value=0.0)),
        ({"bootstrap": -1}, module.CONFIG_BOOTSTRAP.format(value=-1)),
        ({"bootstrap": True}, module.CONFIG_NOT_INTEGER.format(field="bootstrap", value=True)),
        ({"min_group_size": 0}, module.CONFIG_MIN_GROUP_SIZE.format(value=0)),
        ({"seed": -1}, module.CONFIG_SEED.format(value=-1)),
        ({"inequality_sample": -5}, module.CONFIG_INEQUALITY_SAMPLE.format(value=-5)),
        ({"calibration_bins": 0}, module.CONFIG_CALIBRATION_BINS.format(value=0)),
        ({"sensitive": ()}, module.CONFIG_SENSITIVE_EMPTY),
        (
            {"sensitive": ("a&b",)},
            module.CONFIG_NAME_INVALID.format(field="sensitive", value="a&b"),
        ),
        ({"sensitive": ("g", "g")}, module.CONFIG_DUPLICATE.format(field="sensitive", value="g")),
        ({"labels": ()}, module.CONFIG_LABELS_EMPTY),
        ({"labels": ("flagged",), "flagged_labels": ()}, module.CONFIG_LABEL_RESERVED),
        ({"flagged_labels": ("fear",)}, module.CONFIG_FLAGGED_UNKNOWN.format(value="fear")),
        ({"intersections": 1}, module.CONFIG_NOT_BOOLEAN.format(field="intersections", value=1)),
    ],
)
def test_bad_values_are_rejected_with_a_clear_message(changes, message):
    with pytest.raises(AuditInputError) as error:
        make(**changes)

    assert str(error.value) == message
