"""Column names and roles: which column is the prediction, a score, a group, a feature."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from audits.ingest import errors as msg
from audits.ingest.errors import ErrorCollector

PREDICTION = "y_pred"
GROUND_TRUTH = "y_true"
SCORE_PREFIX = "score_"
MAX_COLUMNS = 1000

# Roles, which also decide how a column is parsed and stored.
LABEL = "label"
SCORE = "score"
GROUP = "group"
SUBJECT = "subject"
FEATURE = "feature"

ROLE_NAMES = {
    LABEL: "a label column",
    SCORE: "a score column",
    GROUP: "a sensitive column",
    SUBJECT: "the subject column",
    FEATURE: "a feature",
}


@dataclass(frozen=True)
class Spec:
    """What the caller declared for one upload, with names stripped of surrounding spaces."""

    labels: tuple[str, ...]
    sensitive: tuple[str, ...]
    features: tuple[str, ...] | None
    subject_column: str | None
    max_groups: int


LABELS_EMPTY = "labels must name at least one label."
LABELS_INVALID = "labels must be distinct, non-empty strings without surrounding spaces."
MAX_GROUPS_INVALID = "max_groups must be at least 1."


def make_spec(
    *,
    labels: Sequence[str],
    sensitive: Sequence[str],
    features: Sequence[str] | None,
    subject_column: str | None,
    max_groups: int,
) -> Spec:
    """Check the caller's arguments; a broken contract (not the uploader's fault) is a ValueError.

    Declared column names are stripped and empty ones dropped, so "gender, dialect," split on
    commas declares two columns.
    """
    if not labels:
        raise ValueError(LABELS_EMPTY)
    if len(set(labels)) != len(labels) or any(
        not isinstance(label, str) or not label or label != label.strip() for label in labels
    ):
        raise ValueError(LABELS_INVALID)
    if max_groups < 1:
        raise ValueError(MAX_GROUPS_INVALID)
    subject = subject_column.strip() if subject_column is not None else None
    return Spec(
        labels=tuple(labels),
        sensitive=_declared(sensitive),
        features=None if features is None else _declared(features),
        subject_column=subject or None,
        max_groups=max_groups,
    )


def _declared(names: Sequence[str]) -> tuple[str, ...]:
    return tuple(stripped for name in names if (stripped := name.strip()))


def check_names(names: Sequence[str], collector: ErrorCollector) -> tuple[str, ...]:
    """Column names with surrounding spaces removed, after rejecting unusable headers.

    Rejected: an empty name, a name repeated, names that differ only in case or surrounding
    spaces ("Gender" and "gender ") and more than MAX_COLUMNS columns. Each of these makes it
    ambiguous which column is meant, so the caller stops at them.
    """
    if len(names) > MAX_COLUMNS:
        collector.add(
            row=None,
            column=None,
            message=msg.TOO_MANY_COLUMNS.format(count=len(names), limit=MAX_COLUMNS),
        )
        return tuple(names)
    stripped = tuple(name.strip() for name in names)
    by_key: dict[str, list[str]] = {}
    for position, (raw, clean) in enumerate(zip(names, stripped, strict=True), start=1):
        if not clean:
            collector.add(
                row=None, column=None, message=msg.UNNAMED_COLUMN.format(position=position)
            )
            continue
        by_key.setdefault(clean.casefold(), []).append(raw)
    for spellings in by_key.values():
        if len(spellings) == 1:
            continue
        if len(set(spellings)) == 1:
            collector.add(
                row=None,
                column=spellings[0].strip(),
                message=msg.DUPLICATE_COLUMN.format(count=len(spellings)),
            )
        else:
            collector.add(
                row=None,
                column=spellings[0].strip(),
                message=msg.CLASHING_COLUMNS.format(names=msg.quote_all(dict.fromkeys(spellings))),
            )
    return stripped


@dataclass(frozen=True)
class Plan:
    """The role of every column that will be read, in storage order."""

    roles: dict[str, str]
    has_ground_truth: bool
    score_labels: tuple[str, ...]
    sensitive: tuple[str, ...]
    features: tuple[str, ...]
    subject_column: str | None


def plan_columns(names: Sequence[str], spec: Spec, collector: ErrorCollector) -> Plan:
    """Assign roles to the file's (stripped, unique) column names; record every missing or
    contradictory declaration in `collector` and leave such columns out of the plan."""
    present = set(names)
    folded = {name.casefold(): name for name in names}

    def missing(column: str, message: str) -> None:
        hint = folded.get(column.casefold())
        if hint is not None:
            message += msg.CASE_HINT.format(found=msg.quote(hint))
        collector.add(row=None, column=column, message=message)

    roles: dict[str, str] = {}
    if PREDICTION in present:
        roles[PREDICTION] = LABEL
    else:
        missing(PREDICTION, msg.MISSING_REQUIRED_COLUMN.format(column=PREDICTION))
    has_truth = GROUND_TRUTH in present
    if has_truth:
        roles[GROUND_TRUTH] = LABEL

    for name in names:
        if not name.startswith(SCORE_PREFIX):
            continue
        label = name[len(SCORE_PREFIX) :]
        if label in spec.labels:
            roles[name] = SCORE
        else:
            collector.add(
                row=None,
                column=name,
                message=msg.SCORE_FOR_UNKNOWN_LABEL.format(
                    label=msg.quote(label), labels=msg.quote_all(spec.labels)
                ),
            )
    score_labels = [label for label in spec.labels if roles.get(SCORE_PREFIX + label) == SCORE]

    if not spec.sensitive:
        collector.add(row=None, column=None, message=msg.NO_SENSITIVE)
    sensitive = _assign(spec.sensitive, GROUP, roles, present, collector, missing)
    subject = None
    if spec.subject_column is not None:
        assigned = _assign((spec.subject_column,), SUBJECT, roles, present, collector, missing)
        subject = assigned[0] if assigned else None
    if spec.features is None:
        declared_features = tuple(
            name for name in names if name not in roles and not name.startswith(SCORE_PREFIX)
        )
    else:
        declared_features = spec.features
    features = _assign(declared_features, FEATURE, roles, present, collector, missing)

    ordered = [PREDICTION, GROUND_TRUTH, *(SCORE_PREFIX + label for label in score_labels)]
    ordered += [*sensitive, *features, *([subject] if subject else [])]
    return Plan(
        roles={name: roles[name] for name in ordered if name in roles},
        has_ground_truth=has_truth,
        score_labels=tuple(score_labels),
        sensitive=sensitive,
        features=features,
        subject_column=subject,
    )


def _assign(
    declared: Sequence[str],
    role: str,
    roles: dict[str, str],
    present: set[str],
    collector: ErrorCollector,
    missing: Callable[[str, str], None],
) -> tuple[str, ...]:
    assigned = []
    seen = set()
    for name in declared:
        if name in seen:
            collector.add(
                row=None, column=name, message=msg.DECLARED_TWICE.format(role=ROLE_NAMES[role])
            )
            continue
        seen.add(name)
        if name not in present:
            missing(name, msg.MISSING_DECLARED_COLUMN.format(role=ROLE_NAMES[role]))
            continue
        other = _reserved_role(name, roles)
        if other is not None:
            collector.add(
                row=None,
                column=name,
                message=msg.ROLE_CLASH.format(role=ROLE_NAMES[role], other=other),
            )
            continue
        roles[name] = role
        assigned.append(name)
    return tuple(assigned)


def _reserved_role(name: str, roles: dict[str, str]) -> str | None:
    if name in (PREDICTION, GROUND_TRUTH):
        return f"the {name} column"
    if name.startswith(SCORE_PREFIX):
        return ROLE_NAMES[SCORE]
    if name in roles:
        return ROLE_NAMES[roles[name]]
    return None
