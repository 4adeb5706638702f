"""After the decision: deployment, suspension (AI Act Art. 26(5)), lapse and its reminders."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from governance.ledger import verify_chain
from governance.models import DeploymentRequest, LedgerEvent, RequestStatus, VersionStatus
from governance.screening import prohibited_reason
from governance.services.board import (
    APPROVAL_LAPSED,
    NOT_DEPLOYABLE,
    NOT_SUSPENDABLE,
    REMINDER_DAYS,
    SUSPEND_REASON_REQUIRED,
)
from governance.services.board_lifecycle import approvals_expire, version_suspend
from governance.tasks import expire_approvals
from tests.governance.board.helpers import board_member, ready, request_deployment, sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(tenant):
    """tenant.versions[0], approved by the reviewer and a second reviewer."""
    version, _ = ready(tenant)
    _, second = board_member(tenant)
    request = request_deployment(tenant, version)
    sign(tenant.client("reviewer"), request)
    sign(second, request)
    version.refresh_from_db()
    assert version.status == VersionStatus.APPROVED
    return version


def shift_validity(version, valid_until):
    """Move an approval's end (tests only: services never edit it)."""
    DeploymentRequest.objects.filter(model_version=version).update(valid_until=valid_until)
    version.valid_until = valid_until
    version.save(update_fields=["valid_until"])


def test_an_owner_deploys_an_approved_version(tenant, approved):
    response = tenant.client("owner").post(f"/api/v1/versions/{approved.pk}/deploy/")

    assert response.status_code == 200
    assert response.json()["status"] == "deployed"
    approved.refresh_from_db()
    assert approved.status == VersionStatus.DEPLOYED
    event = LedgerEvent.objects.get(verb="version.deployed")
    assert event.payload["request"] == str(DeploymentRequest.objects.get().pk)


def test_only_an_approved_version_can_be_deployed(tenant):
    version = tenant.versions[0]

    response = tenant.client("owner").post(f"/api/v1/versions/{version.pk}/deploy/")

    assert response.status_code == 409
    assert response.json() == {
        "detail": NOT_DEPLOYABLE.format(version=version.version, status="registered"),
        "code": "transition_not_allowed",
    }


def test_a_lapsed_approval_cannot_be_deployed(tenant, approved):
    lapsed = timezone.now() - timedelta(minutes=1)
    shift_validity(approved, lapsed)

    response = tenant.client("owner").post(f"/api/v1/versions/{approved.pk}/deploy/")

    assert response.status_code == 409
    assert response.json() == {
        "detail": APPROVAL_LAPSED.format(
            version=approved.version, valid_until=lapsed.strftime("%Y-%m-%d %H:%M UTC")
        ),
        "code": "approval_lapsed",
    }


def test_a_prohibited_system_is_never_deployed(tenant, approved):
    # Screening rules can change after an approval: the hard stop still holds at deployment.
    system = approved.system
    system.screening = {
        "category": "prohibited",
        "reasons": [{"clause": "EU AI Act Art. 5(1)(f)", "text": "Emotion recognition at work."}],
    }
    system.screening_category = "prohibited"
    system.save()

    response = tenant.client("owner").post(f"/api/v1/versions/{approved.pk}/deploy/")

    assert response.status_code == 409
    assert response.json() == {
        "detail": prohibited_reason(system.screening),
        "code": "prohibited_system",
    }
    approved.refresh_from_db()
    assert approved.status == VersionStatus.APPROVED


@pytest.mark.parametrize("who", ["owner", "reviewer"])
def test_an_owner_or_reviewer_suspends_a_deployed_version_with_a_reason(tenant, approved, who):
    tenant.client("owner").post(f"/api/v1/versions/{approved.pk}/deploy/")

    response = tenant.client(who).post(
        f"/api/v1/versions/{approved.pk}/suspend/",
        {"reason": "Complaints of bias from Scots speakers."},
        format="json",
    )

    assert response.status_code == 200
    approved.refresh_from_db()
    assert (approved.status, approved.valid_until) == (VersionStatus.SUSPENDED, None)
    request = DeploymentRequest.objects.get()
    assert request.status == RequestStatus.EXPIRED
    assert request.status_reason.endswith(": Complaints of bias from Scots speakers.")
    event = LedgerEvent.objects.get(verb="version.suspended")
    assert event.payload["from"] == "deployed"
    assert event.payload["request"] == str(request.pk)
    assert "Scots" not in str(event.payload)  # the reason is hashed, not written, in the chain


def test_suspension_needs_a_reason(tenant, approved):
    blank = tenant.client("reviewer").post(
        f"/api/v1/versions/{approved.pk}/suspend/", {"reason": "   "}, format="json"
    )

    assert blank.status_code == 400
    assert blank.json()["errors"][0]["field"] == "reason"
    approved.refresh_from_db()
    assert approved.status == VersionStatus.APPROVED


def test_suspension_reason_required_message_from_the_service(tenant, approved):
    with pytest.raises(ValidationError) as raised:
        version_suspend(actor=tenant.members["reviewer"], model_version=approved, reason=" ")

    assert raised.value.message_dict == {"reason": [SUSPEND_REASON_REQUIRED]}


def test_a_registered_version_cannot_be_suspended(tenant):
    version = tenant.versions[0]

    response = tenant.client("owner").post(
        f"/api/v1/versions/{version.pk}/suspend/", {"reason": "Risk"}, format="json"
    )

    assert response.status_code == 409
    assert response.json() == {
        "detail": NOT_SUSPENDABLE.format(version=version.version, status="registered"),
        "code": "transition_not_allowed",
    }


def test_resuming_a_suspended_version_takes_a_new_request(tenant, approved):
    tenant.client("reviewer").post(
        f"/api/v1/versions/{approved.pk}/suspend/", {"reason": "Risk"}, format="json"
    )

    deploy = tenant.client("owner").post(f"/api/v1/versions/{approved.pk}/deploy/")
    again = request_deployment(tenant, approved)

    assert deploy.status_code == 409
    assert again["status"] == "open"
    approved.refresh_from_db()
    assert approved.status == VersionStatus.IN_REVIEW


def test_expire_approvals_moves_a_lapsed_approval_back_to_registered(tenant, approved):
    lapsed = timezone.now() - timedelta(seconds=1)
    shift_validity(approved, lapsed)
    out = StringIO()

    call_command("expire_approvals", stdout=out)

    approved.refresh_from_db()
    assert (approved.status, approved.valid_until) == (VersionStatus.REGISTERED, None)
    request = DeploymentRequest.objects.get()
    assert request.status == RequestStatus.EXPIRED
    event = LedgerEvent.objects.get(verb="deployment_request.expired")
    assert event.target_id == str(request.pk)
    assert event.payload["version_status"] == {"from": "approved", "to": "registered"}
    assert out.getvalue().startswith("1 lapsed approval(s) moved back to registered")
    assert verify_chain([str(tenant.organization.pk)]).ok
    # Nothing left to expire: a second run does nothing.
    assert approvals_expire().expired == 0


def test_an_approval_that_has_not_lapsed_is_kept(tenant, approved):
    shift_validity(approved, timezone.now() + timedelta(minutes=1))

    outcome = approvals_expire()

    approved.refresh_from_db()
    assert outcome.expired == 0
    assert approved.status == VersionStatus.APPROVED


def test_a_deployed_version_whose_approval_lapsed_needs_a_new_request(tenant, approved):
    tenant.client("owner").post(f"/api/v1/versions/{approved.pk}/deploy/")
    shift_validity(approved, timezone.now() - timedelta(seconds=1))

    assert expire_approvals() == {"expired": 1, "reminded": 0}  # the Celery beat task

    approved.refresh_from_db()
    assert approved.status == VersionStatus.REGISTERED


def test_owner_and_reviewers_are_reminded_once_fourteen_days_ahead(
    tenant, approved, django_capture_on_commit_callbacks
):
    now = timezone.now()
    # 14 days ahead is inside the window; the reminder goes once per approval.
    shift_validity(approved, now + timedelta(days=REMINDER_DAYS))
    reviewers = list(tenant.organization.memberships.filter(role="reviewer"))

    with django_capture_on_commit_callbacks(execute=True):
        first = approvals_expire(now=now)
    with django_capture_on_commit_callbacks(execute=True):
        repeat = approvals_expire(now=now + timedelta(days=1))

    assert (first.reminded, repeat.reminded) == (1, 0)
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == sorted([tenant.members["owner"].email] + [m.user.email for m in reviewers])
    assert LedgerEvent.objects.filter(verb="approval.reminder_sent").count() == 1


def test_no_reminder_before_the_window(tenant, approved):
    now = timezone.now()
    shift_validity(approved, now + timedelta(days=REMINDER_DAYS, seconds=1))

    assert approvals_expire(now=now).reminded == 0
    assert not LedgerEvent.objects.filter(verb="approval.reminder_sent").exists()
