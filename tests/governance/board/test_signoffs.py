"""Sign-offs: one per member on the evidence they saw, recusals, quorum, rejection, stale
evidence and supersession, replays, the ledger after a full flow and a tampered sign-off row."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from audits.services import audit_run_finish
from governance.api.board_serializers import SERVER_SET
from governance.ledger import verify_chain
from governance.ledger_triggers import install, uninstall
from governance.models import (
    DeploymentRequest,
    LedgerEvent,
    Membership,
    Recusal,
    RequestStatus,
    SignOff,
    VersionStatus,
)
from governance.selectors_board import SIGNOFF_CHANGED, signoff_digest, utc_text, verify_signoffs
from governance.services import system_update
from governance.services.board import (
    ALREADY_SIGNED,
    DRIFT_ASSESSMENT,
    DRIFT_SCREENING,
    EVIDENCE_CHANGED,
    EXPIRY_IN_PAST,
    EXPIRY_WITHOUT_CONDITIONS,
    REASONS_REQUIRED,
    RECUSAL_TEXTS,
    RECUSED,
    REQUEST_NOT_OPEN,
    STALE_EVIDENCE,
)
from tests.governance.board.helpers import (
    board_member,
    queued_audit,
    ready,
    request_deployment,
    sign,
    submitted_assessment,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def flow(tenant):
    """An open request on tenant.versions[0] and a second reviewer (quorum is 2)."""
    version, run = ready(tenant)
    second, second_client = board_member(tenant)
    request = request_deployment(tenant, version)
    return {
        "version": version,
        "run": run,
        "request": request,
        "second": second_client,
        "second_user": second,
    }


def test_a_signoff_records_server_time_identity_role_and_the_digest(tenant, flow):
    before = timezone.now()

    response = sign(
        tenant.client("reviewer"),
        flow["request"],
        reasons="Disparity is mitigated by human review.",
        conditions="Re-audit after the dialect fix.",
        conditions_expire_at=(timezone.now() + timedelta(days=30)).isoformat(),
    )

    assert response.status_code == 201
    signoff = SignOff.objects.get()
    reviewer = tenant.members["reviewer"]
    assert (signoff.member_id, signoff.role, signoff.decision) == (
        reviewer.pk,
        "reviewer",
        "approve",
    )
    assert signoff.evidence_sha256 == flow["request"]["evidence_sha256"]
    assert signoff.reauthenticated is False
    assert before <= signoff.at <= timezone.now()
    assert response.json()["member"] == str(reviewer.pk)
    assert response.json()["conditions"] == "Re-audit after the dialect fix."
    event = LedgerEvent.objects.get(verb="signoff.recorded")
    assert event.payload == {
        "request": flow["request"]["id"],
        "decision": "approve",
        "evidence_sha256": flow["request"]["evidence_sha256"],
        "signoff_sha256": signoff_digest(signoff),
        "reauthenticated": False,
    }
    # No names in the chain: the actor is an identifier.
    assert event.actor == f"user:{reviewer.pk}"
    assert reviewer.email not in str(event.payload)
    request = DeploymentRequest.objects.get()
    assert request.status == RequestStatus.OPEN  # 1 approval of a quorum of 2


def test_client_supplied_time_and_member_are_refused(tenant, flow):
    response = sign(
        tenant.client("reviewer"),
        flow["request"],
        at="2020-01-01T00:00:00Z",
        member=str(flow["second_user"].pk),
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "at", "message": SERVER_SET},
        {"field": "member", "message": SERVER_SET},
    ]
    assert not SignOff.objects.exists()


def test_quorum_of_approvals_approves_the_request_and_the_version(
    tenant, flow, django_capture_on_commit_callbacks
):
    sign(tenant.client("reviewer"), flow["request"])
    before = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        response = sign(flow["second"], flow["request"])

    assert response.status_code == 201
    request = DeploymentRequest.objects.get()
    assert request.status == RequestStatus.APPROVED
    assert before <= request.decided_at <= timezone.now()
    # valid_until = decision time + the organization's 180-day re-audit interval.
    assert request.valid_until == request.decided_at + timedelta(days=180)
    version = flow["version"]
    version.refresh_from_db()
    assert (version.status, version.valid_until) == (VersionStatus.APPROVED, request.valid_until)
    event = LedgerEvent.objects.get(verb="deployment_request.approved")
    assert event.payload["approvals"] == 2
    assert event.payload["quorum"] == 2
    assert event.payload["valid_until"] == utc_text(request.valid_until)
    # The owner (requester and owner of record) is told of the decision.
    assert [m.to for m in mail.outbox] == [[tenant.members["owner"].email]]
    assert "approved" in mail.outbox[0].subject


def test_an_abstention_does_not_count_toward_quorum(tenant, flow):
    _, third_client = board_member(tenant)
    sign(tenant.client("reviewer"), flow["request"], "abstain", reasons="")

    sign(flow["second"], flow["request"])

    assert DeploymentRequest.objects.get().status == RequestStatus.OPEN
    assert sign(third_client, flow["request"]).status_code == 201
    assert DeploymentRequest.objects.get().status == RequestStatus.APPROVED


def test_an_organization_quorum_of_three_needs_three_approvals(tenant, flow):
    tenant.organization.quorum = 3
    tenant.organization.save()
    _, third_client = board_member(tenant)

    sign(tenant.client("reviewer"), flow["request"])
    sign(flow["second"], flow["request"])
    assert DeploymentRequest.objects.get().status == RequestStatus.OPEN

    sign(third_client, flow["request"])
    assert DeploymentRequest.objects.get().status == RequestStatus.APPROVED


def test_a_rejection_ends_the_request_and_returns_the_version_to_registered(
    tenant, flow, django_capture_on_commit_callbacks
):
    sign(tenant.client("reviewer"), flow["request"])

    with django_capture_on_commit_callbacks(execute=True):
        response = sign(flow["second"], flow["request"], "reject", reasons="Bias too high.")
    late = sign(board_member(tenant)[1], flow["request"])

    assert response.status_code == 201
    request = DeploymentRequest.objects.get()
    assert request.status == RequestStatus.REJECTED
    assert request.valid_until is None
    flow["version"].refresh_from_db()
    assert flow["version"].status == VersionStatus.REGISTERED
    assert LedgerEvent.objects.filter(verb="deployment_request.rejected").count() == 1
    assert late.status_code == 409
    assert late.json() == {
        "detail": REQUEST_NOT_OPEN.format(status="rejected"),
        "code": "request_not_open",
    }
    assert "rejected" in mail.outbox[0].subject


def test_a_rejection_needs_reasons(tenant, flow):
    response = sign(tenant.client("reviewer"), flow["request"], "reject", reasons="  ")

    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "reasons", "message": REASONS_REQUIRED}]
    assert not SignOff.objects.exists()


def test_condition_expiry_must_be_in_the_future_and_have_conditions(tenant, flow):
    past = sign(
        tenant.client("reviewer"),
        flow["request"],
        conditions="Human review of every flag.",
        conditions_expire_at=(timezone.now() - timedelta(minutes=1)).isoformat(),
    )
    bare = sign(
        tenant.client("reviewer"),
        flow["request"],
        conditions_expire_at=(timezone.now() + timedelta(days=1)).isoformat(),
    )

    assert past.json()["errors"] == [{"field": "conditions_expire_at", "message": EXPIRY_IN_PAST}]
    assert bare.json()["errors"] == [
        {"field": "conditions_expire_at", "message": EXPIRY_WITHOUT_CONDITIONS}
    ]
    assert not SignOff.objects.exists()


def test_a_second_signoff_by_the_same_member_is_a_conflict(tenant, flow):
    sign(tenant.client("reviewer"), flow["request"], "abstain")
    first = SignOff.objects.get()

    response = sign(tenant.client("reviewer"), flow["request"], "reject", reasons="Changed mind")

    assert response.status_code == 409
    assert response.json() == {
        "detail": ALREADY_SIGNED.format(decision="abstain", at=utc_text(first.at)),
        "code": "already_signed",
    }
    assert SignOff.objects.count() == 1
    assert DeploymentRequest.objects.get().status == RequestStatus.OPEN


def test_a_replayed_signoff_request_changes_nothing(tenant, flow):
    client = tenant.client("reviewer")
    sign(client, flow["request"])
    events = LedgerEvent.objects.count()

    replay = sign(client, flow["request"])

    assert replay.status_code == 409
    assert replay.json()["code"] == "already_signed"
    assert SignOff.objects.count() == 1
    assert LedgerEvent.objects.count() == events
    # The replay did not count twice toward quorum.
    assert DeploymentRequest.objects.get().status == RequestStatus.OPEN


def test_signing_a_digest_other_than_the_requests_is_stale(tenant, flow):
    stale = "0" * 64

    response = sign(tenant.client("reviewer"), flow["request"], evidence_sha256=stale)

    assert response.status_code == 409
    assert response.json() == {
        "detail": STALE_EVIDENCE.format(given=stale, expected=flow["request"]["evidence_sha256"]),
        "code": "stale_evidence",
    }
    assert not SignOff.objects.exists()


def test_a_new_audit_supersedes_the_request_and_an_old_digest_is_stale_on_the_new_one(tenant, flow):
    sign(tenant.client("reviewer"), flow["request"])
    rerun = queued_audit(flow["version"])
    audit_run_finish(
        run_id=str(rerun.pk),
        results={"n": 1, "findings": []},
        result_sha256="a" * 64,
        engine_version="attune-engine test",
        input_sha256="b" * 64,
        timings={},
    )

    on_old = sign(flow["second"], flow["request"])
    new_request = request_deployment(tenant, flow["version"])
    replayed_old_digest = sign(
        flow["second"], new_request, evidence_sha256=flow["request"]["evidence_sha256"]
    )

    old = DeploymentRequest.objects.get(pk=flow["request"]["id"])
    assert old.status == RequestStatus.SUPERSEDED
    assert old.status_reason == "A new audit of this model version finished."
    assert on_old.json() == {
        "detail": REQUEST_NOT_OPEN.format(status="superseded"),
        "code": "request_not_open",
    }
    assert new_request["evidence"]["audit"]["run_id"] == str(rerun.pk)
    assert new_request["evidence_sha256"] != flow["request"]["evidence_sha256"]
    assert replayed_old_digest.json()["code"] == "stale_evidence"
    # The approval on the superseded request does not count on the new one.
    assert new_request["approvals"] == 0
    sign(flow["second"], new_request)
    assert DeploymentRequest.objects.get(pk=new_request["id"]).status == RequestStatus.OPEN


def test_a_new_assessment_revision_found_at_signing_supersedes_the_request(tenant, flow):
    submitted_assessment(flow["version"].system, by=tenant.members["owner"], revision=2)

    response = sign(tenant.client("reviewer"), flow["request"])

    assert response.status_code == 409
    assert response.json() == {
        "detail": EVIDENCE_CHANGED.format(what=DRIFT_ASSESSMENT),
        "code": "evidence_changed",
    }
    request = DeploymentRequest.objects.get()
    assert request.status == RequestStatus.SUPERSEDED  # committed before the 409
    assert not SignOff.objects.exists()
    flow["version"].refresh_from_db()
    assert flow["version"].status == VersionStatus.REGISTERED  # no open request any more
    assert LedgerEvent.objects.filter(verb="deployment_request.superseded").count() == 1


def test_a_screening_change_supersedes_the_open_request_at_once(tenant, flow):
    system_update(
        actor=tenant.members["owner"],
        system=flow["version"].system,
        modality="voice",
    )

    response = sign(tenant.client("reviewer"), flow["request"])

    request = DeploymentRequest.objects.get()
    assert request.status == RequestStatus.SUPERSEDED
    assert request.status_reason == "The system's regulatory screening changed."
    assert response.status_code == 409
    assert response.json()["code"] == "request_not_open"
    assert not SignOff.objects.exists()


def test_a_changed_screening_found_at_signing_supersedes_the_request(tenant, flow):
    from governance.models import AISystem

    system = flow["version"].system
    changed = {**system.screening, "category": "high_risk"}
    AISystem.objects.filter(pk=system.pk).update(screening=changed, screening_category="high_risk")

    response = sign(tenant.client("reviewer"), flow["request"])

    assert response.json() == {
        "detail": EVIDENCE_CHANGED.format(what=DRIFT_SCREENING),
        "code": "evidence_changed",
    }
    assert DeploymentRequest.objects.get().status == RequestStatus.SUPERSEDED


def test_the_requester_and_owner_of_record_cannot_sign(tenant, flow):
    response = sign(tenant.client("owner"), flow["request"])

    assert response.status_code == 409
    assert response.json() == {
        "detail": RECUSED.format(
            reason=f"{RECUSAL_TEXTS['requester']} {RECUSAL_TEXTS['owner_of_record']}"
        ),
        "code": "recused",
    }
    assert not SignOff.objects.exists()


def test_a_member_affiliated_with_the_vendor_after_the_request_is_recused_at_signing(tenant, flow):
    membership = Membership.objects.get(user=flow["second_user"])
    membership.vendor_affiliation = flow["version"].system.vendor
    membership.save()

    response = sign(flow["second"], flow["request"])

    assert response.status_code == 409
    assert response.json() == {
        "detail": RECUSED.format(reason=RECUSAL_TEXTS["vendor_affiliation"]),
        "code": "recused",
    }
    recusal = Recusal.objects.get(member=flow["second_user"])  # recorded, and committed
    assert recusal.reason == RECUSAL_TEXTS["vendor_affiliation"]
    event = LedgerEvent.objects.get(verb="recusal.recorded")
    assert event.payload == {"request": flow["request"]["id"], "reasons": ["vendor_affiliation"]}
    assert not SignOff.objects.exists()


def test_the_ledger_verifies_after_a_full_request_to_approval_flow(tenant, flow):
    sign(tenant.client("reviewer"), flow["request"])
    sign(flow["second"], flow["request"])

    result = verify_chain([str(tenant.organization.pk)])

    assert result.ok, result.message
    verbs = list(
        LedgerEvent.objects.filter(verb__contains=".")
        .filter(verb__regex=r"^(deployment_request|signoff)\.")
        .order_by("seq")
        .values_list("verb", flat=True)
    )
    assert verbs == [
        "deployment_request.created",
        "signoff.recorded",
        "signoff.recorded",
        "deployment_request.approved",
    ]
    assert verify_signoffs(DeploymentRequest.objects.get()).ok


def test_a_tampered_signoff_row_is_detected(tenant, flow):
    sign(tenant.client("reviewer"), flow["request"], "abstain", reasons="Not sure.")
    signoff = SignOff.objects.get()
    event = LedgerEvent.objects.get(verb="signoff.recorded")

    uninstall(connection)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE governance_signoff SET decision = %s WHERE id = %s",
                ["approve", signoff.pk.hex if connection.vendor == "sqlite" else signoff.pk],
            )
    finally:
        install(connection)

    assert SignOff.objects.get().decision == "approve"
    # The chain itself is intact (the sign-off row is not in it)...
    assert verify_chain([str(tenant.organization.pk)]).ok
    # ...but the row no longer matches the digest its ledger event recorded.
    verification = verify_signoffs(DeploymentRequest.objects.get())
    assert not verification.ok
    assert verification.message == SIGNOFF_CHANGED.format(signoff=signoff.pk, seq=event.seq)
    assert verification.checks[0].ledger_seq == event.seq
