"""Explicit extension points that let governance use evidence kept by the audits app.

Dependencies point one way (audits imports governance, never the reverse), yet a deployment
request must cite an audit run and a consent withdrawal must erase prediction rows. The audits app
registers its providers here when it starts (`audits.apps.AuditsConfig.ready`); governance calls
them through these functions. No signals: each call site is explicit.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

NO_PROVIDER = "No audit evidence provider is registered (is the audits app installed?)."


@dataclass(frozen=True)
class AuditEvidence:
    """What the board needs to know about one audit run of a model version."""

    run_id: str
    model_version_id: str
    status: str
    result_sha256: str
    input_sha256: str
    engine_version: str
    finished_at: datetime | None
    error: str
    findings: list[dict[str, Any]]
    config: dict[str, Any]


AuditLookup = Callable[..., AuditEvidence | None]
SubjectEraser = Callable[..., dict[str, Any]]

_audit_lookup: list[AuditLookup] = []
_erasers: list[SubjectEraser] = []


def register_audit_lookup(lookup: AuditLookup) -> None:
    """`lookup(*, model_version, run_id=None)`: that run, or the version's latest run."""
    if lookup not in _audit_lookup:
        _audit_lookup.append(lookup)


def audit_evidence(*, model_version, run_id: str | None = None) -> AuditEvidence | None:
    """The given audit run of a model version (or its most recent run), or None."""
    if not _audit_lookup:
        raise RuntimeError(NO_PROVIDER)
    return _audit_lookup[0](model_version=model_version, run_id=run_id)


def register_subject_eraser(eraser: SubjectEraser) -> None:
    """`eraser(*, organization, subject_ref, actor)` removes a person's stored rows; returns a
    summary without personal data (e.g. {"batches": 2, "rows": 7})."""
    if eraser not in _erasers:
        _erasers.append(eraser)


def erase_subject_everywhere(*, organization, subject_ref: str, actor) -> list[dict[str, Any]]:
    """Run every registered eraser inside the caller's transaction."""
    return [
        eraser(organization=organization, subject_ref=subject_ref, actor=actor)
        for eraser in _erasers
    ]
