"""After approval: deploying, suspending (EU AI Act Art. 26(5)), expiry of approvals and
the reminders before they lapse. Lock order as in `governance.services.board`: organization,
then request, then version."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from governance import notifications
from governance.exceptions import DomainError, ProhibitedSystemError, TransitionNotAllowed
from governance.ledger import event_record
from governance.models import (
    DeploymentRequest,
    LedgerEvent,
    ModelVersion,
    RequestStatus,
    ScreeningCategory,
    VersionStatus,
)
from governance.permissions import BOARD, OWNER, require_role
from governance.screening import prohibited_reason
from governance.selectors_board import REQUEST_TARGET, evidence_digest, utc_text
from governance.services.board import (
    APPROVAL_LAPSED,
    EXPIRED_REASON,
    NOT_DEPLOYABLE,
    NOT_SUSPENDABLE,
    REMINDER_DAYS,
    REMINDER_VERB,
    SUSPEND_REASON_REQUIRED,
    SUSPENDABLE,
    SUSPENDED_REASON,
    _lock_organization,
)


def _approved_request(version: ModelVersion) -> DeploymentRequest | None:
    return (
        DeploymentRequest.objects.select_for_update()
        .filter(model_version=version, status=RequestStatus.APPROVED)
        .order_by("-decided_at")
        .first()
    )


@transaction.atomic
def version_suspend(*, actor, model_version: ModelVersion, reason: str) -> ModelVersion:
    """An owner or reviewer stops an approved or deployed version on a risk (AI Act Art. 26(5));
    its approval ends, and resuming it takes a new deployment request."""
    organization = model_version.system.organization
    require_role(actor=actor, organization=organization, roles=BOARD)
    if not reason.strip():
        raise ValidationError({"reason": SUSPEND_REASON_REQUIRED})
    organization = _lock_organization(organization.pk)
    version = ModelVersion.objects.select_for_update().get(pk=model_version.pk)
    if version.status not in SUSPENDABLE:
        raise TransitionNotAllowed(
            NOT_SUSPENDABLE.format(
                version=version.version, status=VersionStatus(version.status).label.lower()
            )
        )
    now = timezone.now()
    approved = _approved_request(version)
    if approved is not None:
        approved.status = RequestStatus.EXPIRED
        approved.status_reason = SUSPENDED_REASON.format(
            at=now.strftime("%Y-%m-%d %H:%M UTC"), reason=reason.strip()
        )
        approved.save(update_fields=["status", "status_reason", "updated_at"])
    previous = version.status
    version.status = VersionStatus.SUSPENDED
    version.valid_until = None
    version.save(update_fields=["status", "valid_until", "updated_at"])
    event_record(
        organization=organization,
        actor=actor,
        verb="version.suspended",
        target=version,
        payload={
            "from": previous,
            "request": str(approved.pk) if approved else None,
            "reason_sha256": evidence_digest({"reason": reason.strip()}),
        },
    )
    return version


@transaction.atomic
def version_deploy(*, actor, model_version: ModelVersion) -> ModelVersion:
    """An owner puts an approved version whose approval has not lapsed into use; a prohibited
    system never."""
    organization = model_version.system.organization
    require_role(actor=actor, organization=organization, roles=OWNER)
    organization = _lock_organization(organization.pk)
    version = (
        ModelVersion.objects.select_for_update(of=("self",))
        .select_related("system")
        .get(pk=model_version.pk)
    )
    if version.system.screening_category == ScreeningCategory.PROHIBITED:
        raise ProhibitedSystemError(prohibited_reason(version.system.screening))
    if version.status != VersionStatus.APPROVED:
        raise TransitionNotAllowed(
            NOT_DEPLOYABLE.format(
                version=version.version, status=VersionStatus(version.status).label.lower()
            )
        )
    if version.valid_until is None or version.valid_until <= timezone.now():
        lapsed = version.valid_until.strftime("%Y-%m-%d %H:%M UTC") if version.valid_until else ""
        raise DomainError(
            APPROVAL_LAPSED.format(version=version.version, valid_until=lapsed),
            code="approval_lapsed",
        )
    approved = _approved_request(version)
    version.status = VersionStatus.DEPLOYED
    version.save(update_fields=["status", "updated_at"])
    event_record(
        organization=organization,
        actor=actor,
        verb="version.deployed",
        target=version,
        payload={
            "request": str(approved.pk) if approved else None,
            "valid_until": utc_text(version.valid_until),
        },
    )
    return version


@dataclass(frozen=True)
class ExpiryOutcome:
    """What one run of `approvals_expire` did."""

    expired: int
    reminded: int


def _expire_one(version_id, *, now: datetime) -> bool:
    with transaction.atomic():
        organization_id = (
            ModelVersion.objects.filter(pk=version_id)
            .values_list("system__organization_id", flat=True)
            .get()
        )
        organization = _lock_organization(organization_id)
        version = ModelVersion.objects.select_for_update().get(pk=version_id)
        if version.status not in SUSPENDABLE or not version.valid_until:
            return False
        if version.valid_until > now:
            return False
        lapsed_at = version.valid_until
        approved = _approved_request(version)
        if approved is not None:
            approved.status = RequestStatus.EXPIRED
            approved.status_reason = EXPIRED_REASON.format(
                valid_until=lapsed_at.strftime("%Y-%m-%d %H:%M UTC")
            )
            approved.save(update_fields=["status", "status_reason", "updated_at"])
        previous = version.status
        version.status = VersionStatus.REGISTERED
        version.valid_until = None
        version.save(update_fields=["status", "valid_until", "updated_at"])
        event_record(
            organization=organization,
            actor="system",
            verb="deployment_request.expired" if approved else "version.approval_expired",
            target=approved or version,
            payload={
                "model_version": str(version.pk),
                "valid_until": utc_text(lapsed_at),
                "version_status": {"from": previous, "to": version.status},
            },
        )
    return True


def _remind_one(request_id, *, now: datetime) -> bool:
    with transaction.atomic():
        organization_id = (
            DeploymentRequest.objects.filter(pk=request_id)
            .values_list("model_version__system__organization_id", flat=True)
            .get()
        )
        organization = _lock_organization(organization_id)
        request = DeploymentRequest.objects.select_for_update().get(pk=request_id)
        if request.status != RequestStatus.APPROVED or request.valid_until is None:
            return False
        # Once per approval: the ledger remembers that the reminder went out.
        if LedgerEvent.objects.filter(
            organization=organization,
            verb=REMINDER_VERB,
            target_type=REQUEST_TARGET,
            target_id=str(request.pk),
        ).exists():
            return False
        event_record(
            organization=organization,
            actor="system",
            verb=REMINDER_VERB,
            target=request,
            payload={
                "model_version": str(request.model_version_id),
                "valid_until": utc_text(request.valid_until),
                "days_before": REMINDER_DAYS,
            },
        )
        request_key = str(request.pk)
        transaction.on_commit(lambda: notifications.approval_lapsing(request_id=request_key))
    return True


def approvals_expire(*, now: datetime | None = None) -> ExpiryOutcome:
    """Move approvals whose `valid_until` passed back to needing a new request (version
    registered, request expired), and remind owners and reviewers once, 14 days ahead."""
    now = now or timezone.now()
    lapsed = ModelVersion.objects.filter(status__in=SUSPENDABLE, valid_until__lte=now)
    expired = sum(_expire_one(pk, now=now) for pk in lapsed.values_list("pk", flat=True))
    lapsing = DeploymentRequest.objects.filter(
        status=RequestStatus.APPROVED,
        model_version__status__in=SUSPENDABLE,
        valid_until__gt=now,
        valid_until__lte=now + timedelta(days=REMINDER_DAYS),
    )
    reminded = sum(_remind_one(pk, now=now) for pk in lapsing.values_list("pk", flat=True))
    return ExpiryOutcome(expired=expired, reminded=reminded)
