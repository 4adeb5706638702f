"""Audit configuration and the engine's shared names.

`AuditConfig` is what an audit run stores as its `config`: every option that changes a number in
the results is here, so that the same counts and the same config always give the same results.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

ENGINE_VERSION = "1.0.0"

MISSING = "(missing)"
"""Group name given to a null sensitive value (None, NaN, NA or an empty string)."""

FLAGGED = "flagged"
"""Label of the binary view: pred in `flagged_labels` against true in `flagged_labels`."""

JOIN = "&"
"""Joins column names into an intersection's attribute, and values into its group."""


class AuditInputError(ValueError):
    """Bad input to the engine; the message (a module constant) names the field, column or row."""


CONFIG_SENSITIVE_EMPTY = "sensitive must name at least one column"
CONFIG_NAME_INVALID = "{field} must be non-empty text without '&', got {value!r}"
CONFIG_DUPLICATE = "{field} lists {value!r} more than once"
CONFIG_LABELS_EMPTY = "labels must name at least one label"
CONFIG_LABEL_RESERVED = f"labels must not contain the reserved label {FLAGGED!r}"
CONFIG_FLAGGED_UNKNOWN = "flagged_labels contains {value!r}, which is not one of the labels"
CONFIG_NOT_INTEGER = "{field} must be an integer, got {value!r}"
CONFIG_NOT_BOOLEAN = "{field} must be true or false, got {value!r}"
CONFIG_THRESHOLD = "threshold must be a number in (0, 1], got {value!r}"
CONFIG_CONFIDENCE = "confidence must be a number in (0, 1), got {value!r}"
CONFIG_BOOTSTRAP = "bootstrap must be 0 or more, got {value!r}"
CONFIG_MIN_GROUP_SIZE = "min_group_size must be 1 or more, got {value!r}"
CONFIG_SEED = "seed must be between 0 and 2**63 - 1, got {value!r}"
CONFIG_INEQUALITY_SAMPLE = "inequality_sample must be 0 (off) or more, got {value!r}"
CONFIG_CALIBRATION_BINS = "calibration_bins must be between 1 and 100, got {value!r}"


def _names(value: Any, *, field_name: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = (value,)
    names = tuple(value)
    seen: set[str] = set()
    for name in names:
        if not isinstance(name, str) or not name.strip() or JOIN in name:
            raise AuditInputError(CONFIG_NAME_INVALID.format(field=field_name, value=name))
        if name in seen:
            raise AuditInputError(CONFIG_DUPLICATE.format(field=field_name, value=name))
        seen.add(name)
    return names


def _integer(value: Any, *, field_name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise AuditInputError(CONFIG_NOT_INTEGER.format(field=field_name, value=value))
    return int(value)


def _number(value: Any, message: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AuditInputError(message.format(value=value))
    number = float(value)
    if not math.isfinite(number):
        raise AuditInputError(message.format(value=value))
    return number


def check_labels(labels: Any) -> tuple[str, ...]:
    """The label set as a tuple, or AuditInputError: non-empty distinct text, no reserved name."""
    names = _names(labels, field_name="labels")
    if not names:
        raise AuditInputError(CONFIG_LABELS_EMPTY)
    if FLAGGED in names:
        raise AuditInputError(CONFIG_LABEL_RESERVED)
    return names


def group_sort_key(name: str) -> tuple[bool, str]:
    """Canonical order of a column's groups: by name, with the missing group last."""
    return (name == MISSING, name)


@dataclass(frozen=True)
class AuditConfig:
    """Options of one audit run.

    `sensitive`: the columns to audit, in the declared order (it names intersections).
    `labels`: the model's label set, in order; `flagged_labels`: the labels that trigger an action
    on a person (the binary `flagged` view; empty means no flagged view).
    `threshold`: a ratio below it is flagged (a difference above `1 - threshold`).
    `bootstrap`: resamples per disparity interval (0: no intervals). `confidence`: interval level.
    `min_group_size`: smaller groups are suppressed. `seed`: the bootstrap's random seed.
    `inequality_sample`: rows handed to aif360 for the generalized entropy index in `audit()`
    (0: skip aif360; the exact values from the counts are always reported).
    `calibration_bins`: equal-width reliability bins for calibration.

    Raises AuditInputError (a ValueError; one of the `CONFIG_*` messages) on a bad value.
    """

    sensitive: tuple[str, ...]
    labels: tuple[str, ...]
    flagged_labels: tuple[str, ...] = ()
    intersections: bool = True
    min_group_size: int = 30
    threshold: float = 0.8
    bootstrap: int = 1000
    confidence: float = 0.95
    seed: int = 0
    inequality_sample: int = 100_000
    calibration_bins: int = 10

    def __post_init__(self) -> None:
        sensitive = _names(self.sensitive, field_name="sensitive")
        if not sensitive:
            raise AuditInputError(CONFIG_SENSITIVE_EMPTY)
        labels = check_labels(self.labels)
        flagged = _names(self.flagged_labels, field_name="flagged_labels")
        for label in flagged:
            if label not in labels:
                raise AuditInputError(CONFIG_FLAGGED_UNKNOWN.format(value=label))
        if not isinstance(self.intersections, bool):
            raise AuditInputError(
                CONFIG_NOT_BOOLEAN.format(field="intersections", value=self.intersections)
            )
        threshold = _number(self.threshold, CONFIG_THRESHOLD)
        if not 0 < threshold <= 1:
            raise AuditInputError(CONFIG_THRESHOLD.format(value=self.threshold))
        confidence = _number(self.confidence, CONFIG_CONFIDENCE)
        if not 0 < confidence < 1:
            raise AuditInputError(CONFIG_CONFIDENCE.format(value=self.confidence))
        checks = (
            ("bootstrap", 0, None, CONFIG_BOOTSTRAP),
            ("min_group_size", 1, None, CONFIG_MIN_GROUP_SIZE),
            ("seed", 0, 2**63 - 1, CONFIG_SEED),
            ("inequality_sample", 0, None, CONFIG_INEQUALITY_SAMPLE),
            ("calibration_bins", 1, 100, CONFIG_CALIBRATION_BINS),
        )
        for name, low, high, message in checks:
            value = _integer(getattr(self, name), field_name=name)
            if value < low or (high is not None and value > high):
                raise AuditInputError(message.format(value=value))
        object.__setattr__(self, "sensitive", sensitive)
        object.__setattr__(self, "labels", labels)
        # Flagged labels keep the label order, so that equal sets give equal configs.
        object.__setattr__(self, "flagged_labels", tuple(x for x in labels if x in flagged))
        object.__setattr__(self, "threshold", threshold)
        object.__setattr__(self, "confidence", confidence)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-safe echo stored in `results["config"]`."""
        data = asdict(self)
        for key in ("sensitive", "labels", "flagged_labels"):
            data[key] = list(data[key])
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AuditConfig:
        """Inverse of `to_dict` (unknown keys are ignored)."""
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})
