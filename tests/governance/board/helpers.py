"""Builders for board tests: submitted assessments, finished audit runs, extra board members.

Audit runs are created directly with the audits models (tests may import audits); the board reads
them only through `governance.hooks.audit_evidence`, as in production.
"""

import hashlib
import itertools
from datetime import timedelta

from django.utils import timezone
from rest_framework.test import APIClient

from audits.models import AuditRun, PredictionBatch
from governance.canonical import canonical_json, sha256_hex
from governance.models import AssessmentStatus, ImpactAssessment, Questionnaire, Role
from governance.services import personal_token_issue
from tests.conftest import bearer
from tests.factories import MembershipFactory

_sequence = itertools.count(1)

SCORE = {
    "raw": 20,
    "max_raw": 48,
    "mitigation": 26,
    "max_mitigation": 30,
    "score": 17,
    "level": "II",
    "mitigation_applied": True,
    "explanation": "Mitigation 26 of 30 is at least 80%: round(0.85 x 20) = 17; 17/48 is level II.",
}
FINDINGS = [
    {
        "severity": "high",
        "title": "Scots speakers labelled angry more often",
        "text": "Customers writing in Scots are labelled angry 1.6 times as often.",
        "clauses": ["29 CFR 1607.4(D)"],
        "verdict": "flag",
        "kind": "disparity",
    }
]


def questionnaire() -> Questionnaire:
    n = next(_sequence)
    return Questionnaire.objects.create(
        key=f"board-test-{n}",
        version=1,
        title="Board test questionnaire",
        data={"questions": []},
        content_sha256=hashlib.sha256(f"q{n}".encode()).hexdigest(),
    )


def submitted_assessment(system, *, by, revision: int = 1, answers=None) -> ImpactAssessment:
    answers = answers or {"purpose": "triage", "revision": revision}
    return ImpactAssessment.objects.create(
        system=system,
        questionnaire=questionnaire(),
        revision=revision,
        status=AssessmentStatus.SUBMITTED,
        answers=answers,
        score=SCORE,
        answers_sha256=sha256_hex(canonical_json(answers)),
        created_by=by,
        submitted_by=by,
        submitted_at=timezone.now(),
    )


def draft_assessment(system, *, by, revision: int = 1) -> ImpactAssessment:
    return ImpactAssessment.objects.create(
        system=system, questionnaire=questionnaire(), revision=revision, created_by=by
    )


def batch(version) -> PredictionBatch:
    n = next(_sequence)
    digest = hashlib.sha256(f"batch {n}".encode()).hexdigest()
    return PredictionBatch.objects.create(
        model_version=version,
        format="csv",
        row_count=120,
        sha256=digest,
        normalized_sha256=digest,
        submitted_by="test",
        expires_at=timezone.now() + timedelta(days=90),
    )


def finished_audit(version, *, finished_at=None, findings=None) -> AuditRun:
    results = {"n": 120, "findings": FINDINGS if findings is None else findings}
    return AuditRun.objects.create(
        batch=batch(version),
        config={"threshold": 0.8},
        status="done",
        engine_version="attune-engine test",
        input_sha256=hashlib.sha256(f"input {next(_sequence)}".encode()).hexdigest(),
        result_sha256=sha256_hex(canonical_json(results)),
        results=results,
        requested_by="test",
        started_at=timezone.now(),
        finished_at=finished_at or timezone.now(),
    )


def failed_audit(version) -> AuditRun:
    return AuditRun.objects.create(
        batch=batch(version),
        config={"threshold": 0.8},
        status="failed",
        error="The batch's stored rows are missing.",
        requested_by="test",
        finished_at=timezone.now(),
    )


def queued_audit(version) -> AuditRun:
    return AuditRun.objects.create(
        batch=batch(version), config={"threshold": 0.8}, requested_by="test"
    )


def board_member(tenant, *, role=Role.REVIEWER, vendor=None):
    """Another member of the tenant's organization, with a personal-token API client."""
    membership = MembershipFactory(
        organization=tenant.organization, role=role, vendor_affiliation=vendor
    )
    client = bearer(personal_token_issue(user=membership.user).secret)
    return membership.user, client


def ready(tenant, index: int = 0):
    """A version of the tenant's system with a submitted assessment and a finished audit."""
    version = tenant.versions[index]
    submitted_assessment(version.system, by=tenant.members["owner"])
    run = finished_audit(version)
    return version, run


def request_deployment(tenant, version, **body) -> dict:
    response = tenant.client("owner").post(
        "/api/v1/deployment-requests/", {"model_version": str(version.pk), **body}, format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()


def sign(client: APIClient, request: dict, decision: str = "approve", **body):
    payload = {
        "decision": decision,
        "reasons": body.pop("reasons", "Evidence reviewed."),
        "evidence_sha256": body.pop("evidence_sha256", request["evidence_sha256"]),
        **body,
    }
    return client.post(
        f"/api/v1/deployment-requests/{request['id']}/signoffs/", payload, format="json"
    )
