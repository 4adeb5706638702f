"""Deployment requests: the evidence they bind, what is refused (409) and what they record."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from governance import notifications
from governance.canonical import canonical_json, sha256_hex
from governance.models import DeploymentRequest, LedgerEvent, Recusal, Role, VersionStatus
from governance.screening import prohibited_reason
from governance.services.board import (
    ASSESSMENT_DRAFT,
    AUDIT_FAILED_MESSAGE,
    AUDIT_NOT_FINISHED,
    AUDIT_RUN_NOT_FOUND,
    AUDIT_STALE,
    NO_ASSESSMENT,
    NO_AUDIT,
    RECUSAL_TEXTS,
    REQUEST_ALREADY_OPEN,
    VERSION_NOT_REQUESTABLE,
)
from tests.factories import AISystemFactory, ModelVersionFactory
from tests.governance.board.helpers import (
    SCORE,
    board_member,
    draft_assessment,
    failed_audit,
    finished_audit,
    queued_audit,
    ready,
    request_deployment,
    submitted_assessment,
)

pytestmark = pytest.mark.django_db


def post(tenant, version, who="owner", **body):
    return tenant.client(who).post(
        "/api/v1/deployment-requests/", {"model_version": str(version.pk), **body}, format="json"
    )


def test_a_request_binds_the_digest_of_its_evidence(tenant):
    version = tenant.versions[0]
    system = version.system
    assessment = submitted_assessment(system, by=tenant.members["owner"])
    run = finished_audit(version)

    response = post(tenant, version)

    assert response.status_code == 201
    body = response.json()
    expected = {
        "assessment": {
            "id": str(assessment.pk),
            "revision": 1,
            "answers_sha256": assessment.answers_sha256,
            "score": SCORE,
        },
        "audit": {
            "run_id": str(run.pk),
            "result_sha256": run.result_sha256,
            "input_sha256": run.input_sha256,
            "engine_version": "attune-engine test",
        },
        "model_version": {
            "id": str(version.pk),
            "version": version.version,
            "labels": ["anger", "joy", "neutral", "sadness"],
            "flagged_labels": ["anger"],
        },
        "screening": {
            "category": "minimal_risk",
            "reasons": [
                {"clause": r["clause"], "text": r["text"]} for r in system.screening["reasons"]
            ],
        },
    }
    assert body["evidence"] == expected
    assert body["evidence_sha256"] == sha256_hex(canonical_json(expected))
    assert body["status"] == "open"
    assert body["audit_run"] == str(run.pk)
    assert body["audit_result_sha256"] == run.result_sha256
    assert body["screening"] == system.screening
    assert (body["approvals"], body["quorum"]) == (0, 2)
    version.refresh_from_db()
    assert version.status == VersionStatus.IN_REVIEW
    event = LedgerEvent.objects.get(verb="deployment_request.created")
    assert event.target_id == body["id"]
    assert event.payload["evidence_sha256"] == body["evidence_sha256"]
    assert event.payload["audit_run"] == str(run.pk)
    assert event.actor == f"user:{tenant.members['owner'].pk}"


def test_the_latest_submitted_revision_is_the_evidence(tenant):
    version = tenant.versions[0]
    owner = tenant.members["owner"]
    submitted_assessment(version.system, by=owner, revision=1)
    second = submitted_assessment(version.system, by=owner, revision=2)
    draft_assessment(version.system, by=owner, revision=3)
    finished_audit(version)

    body = request_deployment(tenant, version)

    assert body["assessment"] == str(second.pk)
    assert body["evidence"]["assessment"]["revision"] == 2


def test_a_named_audit_run_is_used_instead_of_the_latest(tenant):
    version = tenant.versions[0]
    submitted_assessment(version.system, by=tenant.members["owner"])
    older = finished_audit(version, finished_at=timezone.now() - timedelta(days=3))
    finished_audit(version)

    body = request_deployment(tenant, version, audit_run=str(older.pk))

    assert body["audit_run"] == str(older.pk)


def test_an_audit_run_of_another_version_is_a_field_error(tenant):
    version, _ = ready(tenant)
    foreign = finished_audit(tenant.versions[1])

    response = post(tenant, version, audit_run=str(foreign.pk))

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "field": "audit_run",
            "message": AUDIT_RUN_NOT_FOUND.format(version=version.version, run=foreign.pk),
        }
    ]
    assert not DeploymentRequest.objects.exists()


def test_recusals_are_recorded_for_requester_owner_of_record_and_vendor_affiliates(tenant):
    version, _ = ready(tenant)
    affiliate, _ = board_member(tenant, vendor=version.system.vendor)
    other_vendor_member, _ = board_member(tenant, vendor=tenant.vendors[1])

    body = request_deployment(tenant, version)

    owner = tenant.members["owner"]
    reasons = {r.member_id: r.reason for r in Recusal.objects.filter(request_id=body["id"])}
    assert reasons == {
        # The owner both requested and owns the system of record: one recusal, both reasons.
        owner.pk: f"{RECUSAL_TEXTS['requester']} {RECUSAL_TEXTS['owner_of_record']}",
        affiliate.pk: RECUSAL_TEXTS["vendor_affiliation"],
    }
    assert other_vendor_member.pk not in reasons
    event = LedgerEvent.objects.get(verb="deployment_request.created")
    assert sorted(event.payload["recusals"], key=lambda r: r["member"]) == sorted(
        [
            {"member": f"user:{owner.pk}", "reasons": ["requester", "owner_of_record"]},
            {"member": f"user:{affiliate.pk}", "reasons": ["vendor_affiliation"]},
        ],
        key=lambda r: r["member"],
    )


def test_no_assessment_is_a_conflict_naming_it(tenant):
    version = tenant.versions[0]
    finished_audit(version)

    response = post(tenant, version)

    assert response.status_code == 409
    assert response.json() == {
        "detail": NO_ASSESSMENT.format(system=version.system.name),
        "code": "no_assessment",
    }
    assert not DeploymentRequest.objects.exists()
    assert not LedgerEvent.objects.filter(verb__startswith="deployment_request").exists()
    version.refresh_from_db()
    assert version.status == VersionStatus.REGISTERED


def test_an_assessment_only_in_draft_is_a_conflict(tenant):
    version = tenant.versions[0]
    draft_assessment(version.system, by=tenant.members["owner"], revision=1)
    finished_audit(version)

    response = post(tenant, version)

    assert response.status_code == 409
    assert response.json() == {
        "detail": ASSESSMENT_DRAFT.format(system=version.system.name, revision=1),
        "code": "assessment_draft",
    }


def test_no_audit_is_a_conflict(tenant):
    version = tenant.versions[0]
    submitted_assessment(version.system, by=tenant.members["owner"])

    response = post(tenant, version)

    assert response.status_code == 409
    assert response.json() == {
        "detail": NO_AUDIT.format(version=version.version),
        "code": "no_audit",
    }


def test_a_failed_latest_audit_is_a_conflict(tenant):
    version = tenant.versions[0]
    submitted_assessment(version.system, by=tenant.members["owner"])
    run = failed_audit(version)

    response = post(tenant, version)

    assert response.status_code == 409
    assert response.json() == {
        "detail": AUDIT_FAILED_MESSAGE.format(run=run.pk, version=version.version),
        "code": "audit_failed",
    }


def test_an_unfinished_audit_is_a_conflict(tenant):
    version = tenant.versions[0]
    submitted_assessment(version.system, by=tenant.members["owner"])
    run = queued_audit(version)

    response = post(tenant, version)

    assert response.status_code == 409
    assert response.json() == {
        "detail": AUDIT_NOT_FINISHED.format(run=run.pk, version=version.version, status="queued"),
        "code": "audit_not_finished",
    }


def test_an_audit_older_than_the_reaudit_interval_is_stale(tenant):
    tenant.organization.reaudit_interval_days = 30
    tenant.organization.save()
    version = tenant.versions[0]
    submitted_assessment(version.system, by=tenant.members["owner"])
    fresh_enough = timezone.now() - timedelta(days=29, hours=23)
    too_old = timezone.now() - timedelta(days=30, minutes=1)
    run = finished_audit(version, finished_at=too_old)

    response = post(tenant, version, audit_run=str(run.pk))
    accepted = post(
        tenant, version, audit_run=str(finished_audit(version, finished_at=fresh_enough).pk)
    )

    assert response.status_code == 409
    assert response.json() == {
        "detail": AUDIT_STALE.format(
            run=run.pk, version=version.version, finished=too_old.date().isoformat(), days=30
        ),
        "code": "audit_stale",
    }
    assert accepted.status_code == 201


def test_a_prohibited_system_cannot_be_requested_and_the_conflict_says_why(tenant):
    system = AISystemFactory(
        organization=tenant.organization,
        vendor=tenant.vendors[0],
        owner_of_record=tenant.members["owner"],
        modality="voice",
        subjects="employees",
        context="hr",
    )
    version = ModelVersionFactory(system=system)
    submitted_assessment(system, by=tenant.members["owner"])
    finished_audit(version)

    response = post(tenant, version)

    assert system.screening_category == "prohibited"
    assert response.status_code == 409
    assert response.json() == {
        "detail": prohibited_reason(system.screening),
        "code": "prohibited_system",
    }
    assert "EU AI Act Art. 5(1)(f)" in response.json()["detail"]
    assert not DeploymentRequest.objects.exists()


def test_one_open_request_per_version(tenant):
    version, _ = ready(tenant)
    first = request_deployment(tenant, version)

    response = post(tenant, version)

    assert response.status_code == 409
    assert response.json() == {
        "detail": REQUEST_ALREADY_OPEN.format(version=version.version, request=first["id"]),
        "code": "request_open",
    }
    assert DeploymentRequest.objects.count() == 1


def test_an_approved_version_cannot_be_requested_again(tenant):
    version, _ = ready(tenant)
    version.status = VersionStatus.APPROVED
    version.valid_until = timezone.now() + timedelta(days=10)
    version.save()

    response = post(tenant, version)

    assert response.status_code == 409
    assert response.json() == {
        "detail": VERSION_NOT_REQUESTABLE.format(version=version.version, status="approved"),
        "code": "version_not_requestable",
    }


def test_reviewers_are_emailed_about_a_new_request_after_commit(
    tenant, django_capture_on_commit_callbacks
):
    version, _ = ready(tenant)
    second, _ = board_member(tenant)
    affiliate, _ = board_member(tenant, vendor=version.system.vendor)
    board_member(tenant, role=Role.VIEWER)

    with django_capture_on_commit_callbacks() as callbacks:
        body = request_deployment(tenant, version)
    assert mail.outbox == []  # nothing is sent before the transaction commits
    for callback in callbacks:
        callback()

    recipients = sorted(address for message in mail.outbox for address in message.to)
    # Reviewers who may sign; not the recused owner, the vendor's affiliate or a viewer.
    assert recipients == sorted([tenant.members["reviewer"].email, second.email])
    assert all(message.to != [affiliate.email] for message in mail.outbox)
    assert body["evidence_sha256"] in mail.outbox[0].body
    assert version.system.name in mail.outbox[0].subject


def test_a_mail_outage_does_not_undo_the_request(tenant, settings, caplog):
    version, _ = ready(tenant)
    board_member(tenant)
    body = request_deployment(tenant, version)
    settings.EMAIL_BACKEND = "tests.governance.board.no_such_module.Backend"

    sent = notifications.request_created(request_id=body["id"])

    assert sent == 0
    assert "could not be sent" in caplog.text
    assert DeploymentRequest.objects.get().status == "open"
