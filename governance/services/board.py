"""The review board: deployment requests, sign-offs, decisions, expiry and suspension (§8).

Lock order, the same in every transition so that two of them never wait on each other: the
organization row first (the ledger serialises each organization's chain on it anyway), then the
deployment request, then the model version.
"""

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from governance import notifications
from governance.exceptions import DomainError, ProhibitedSystemError
from governance.hooks import AuditEvidence, audit_evidence
from governance.ledger import actor_ref, event_record
from governance.models import (
    AISystem,
    AssessmentStatus,
    Decision,
    DeploymentRequest,
    ImpactAssessment,
    Membership,
    ModelVersion,
    Organization,
    Recusal,
    RequestStatus,
    ScreeningCategory,
    SignOff,
    VersionStatus,
)
from governance.permissions import BOARD, OWNER, require_role
from governance.screening import prohibited_reason
from governance.selectors_board import evidence_digest, signoff_digest, utc_text

AUDIT_DONE, AUDIT_FAILED = "done", "failed"
REMINDER_DAYS = 14
REMINDER_VERB = "approval.reminder_sent"
REQUESTABLE = frozenset(
    {VersionStatus.REGISTERED, VersionStatus.IN_REVIEW, VersionStatus.SUSPENDED}
)
SUSPENDABLE = frozenset({VersionStatus.APPROVED, VersionStatus.DEPLOYED})

NO_ASSESSMENT = (
    "{system} has no impact assessment: fill in the questionnaire and submit it before "
    "requesting deployment."
)
ASSESSMENT_DRAFT = (
    "The impact assessment of {system} is still a draft (revision {revision}): submit it before "
    "requesting deployment."
)
NO_AUDIT = (
    "Model version {version} has no bias audit: submit a prediction batch and run an audit first."
)
AUDIT_RUN_NOT_FOUND = "Model version {version} has no audit run {run}."
AUDIT_FAILED_MESSAGE = "The audit {run} of model version {version} failed: run a new audit."
AUDIT_NOT_FINISHED = (
    "The audit {run} of model version {version} is {status}: request deployment once it is done."
)
AUDIT_STALE = (
    "The audit {run} of model version {version} finished on {finished}, more than the "
    "organization's re-audit interval of {days} days ago: run a new audit."
)
VERSION_NOT_REQUESTABLE = (
    "Model version {version} is {status}: only a registered, in-review or suspended version can "
    "be requested for deployment."
)
REQUEST_ALREADY_OPEN = (
    "Model version {version} already has an open deployment request ({request}): the board "
    "decides that one first."
)
REQUEST_NOT_OPEN = "This deployment request is {status}: it can no longer be signed."
RECUSED = "You cannot sign this request. {reason}"
ALREADY_SIGNED = (
    "You already signed this request ({decision} at {at}): a sign-off cannot be changed or "
    "repeated."
)
STALE_EVIDENCE = (
    "You signed evidence {given}, but this request's evidence is {expected}: reload the request "
    "and review the current evidence before signing."
)
EVIDENCE_CHANGED = (
    "The evidence of this request changed after it was made ({what}): the request was "
    "superseded and its sign-offs no longer count. The owner must make a new request."
)
DRIFT_AUDIT = "A new audit of this model version finished."
DRIFT_AUDIT_GONE = "The audit run the request cites can no longer be found."
DRIFT_ASSESSMENT = "A new impact-assessment revision was submitted."
DRIFT_SCREENING = "The system's regulatory screening changed."
DRIFT_VERSION = "The model version's labels changed."
REASONS_REQUIRED = "Give the reasons for a rejection."
EXPIRY_WITHOUT_CONDITIONS = "An expiry applies to conditions: write the conditions too."
EXPIRY_IN_PAST = "The conditions must expire in the future."
SUSPEND_REASON_REQUIRED = "Give a reason for suspending the version (EU AI Act Art. 26(5))."
NOT_SUSPENDABLE = (
    "Model version {version} is {status}: only an approved or deployed version can be suspended."
)
NOT_DEPLOYABLE = "Model version {version} is {status}: only an approved version can be deployed."
APPROVAL_LAPSED = (
    "The approval of model version {version} lapsed on {valid_until}: make a new deployment "
    "request."
)
SUSPENDED_REASON = "Suspended on {at}: {reason}"
EXPIRED_REASON = "The approval lapsed on {valid_until}; the version needs a new request."
RECUSAL_TEXTS = {
    "requester": "You requested this deployment (separation of duties).",
    "owner_of_record": "You are the owner of record of this AI system.",
    "vendor_affiliation": "You are affiliated with the vendor of this AI system.",
}


def _lock_organization(organization_id) -> Organization:
    return Organization.objects.select_for_update().get(pk=organization_id)


def _screening_part(screening: dict[str, Any]) -> dict[str, Any]:
    return {
        "category": screening.get("category"),
        "reasons": [
            {"clause": r["clause"], "text": r["text"]} for r in screening.get("reasons", [])
        ],
    }


def evidence_build(
    *,
    assessment: ImpactAssessment,
    audit: AuditEvidence,
    model_version: ModelVersion,
    screening: dict[str, Any],
) -> dict[str, Any]:
    """The evidence a request binds; its digest is `evidence_digest(evidence)`."""
    return {
        "assessment": {
            "id": str(assessment.pk),
            "revision": assessment.revision,
            "answers_sha256": assessment.answers_sha256,
            "score": assessment.score,
        },
        "audit": {
            "run_id": audit.run_id,
            "result_sha256": audit.result_sha256,
            "input_sha256": audit.input_sha256,
            "engine_version": audit.engine_version,
        },
        "model_version": {
            "id": str(model_version.pk),
            "version": model_version.version,
            "labels": list(model_version.labels),
            "flagged_labels": list(model_version.flagged_labels),
        },
        "screening": _screening_part(screening),
    }


def _latest_submitted(system: AISystem) -> ImpactAssessment | None:
    return (
        ImpactAssessment.objects.filter(system=system, status=AssessmentStatus.SUBMITTED)
        .order_by("-revision")
        .first()
    )


def _assessment_evidence(system: AISystem) -> ImpactAssessment:
    submitted = _latest_submitted(system)
    if submitted is not None:
        return submitted
    draft = ImpactAssessment.objects.filter(system=system).order_by("-revision").first()
    if draft is not None:
        raise DomainError(
            ASSESSMENT_DRAFT.format(system=system.name, revision=draft.revision),
            code="assessment_draft",
        )
    raise DomainError(NO_ASSESSMENT.format(system=system.name), code="no_assessment")


def _audit_evidence(
    *, model_version: ModelVersion, run_id: str | None, interval_days: int, now: datetime
) -> AuditEvidence:
    audit = audit_evidence(model_version=model_version, run_id=run_id)
    names = {"version": model_version.version}
    if audit is None:
        if run_id:
            raise ValidationError({"audit_run": AUDIT_RUN_NOT_FOUND.format(run=run_id, **names)})
        raise DomainError(NO_AUDIT.format(**names), code="no_audit")
    names["run"] = audit.run_id
    if audit.status == AUDIT_FAILED:
        raise DomainError(AUDIT_FAILED_MESSAGE.format(**names), code="audit_failed")
    if audit.status != AUDIT_DONE or audit.finished_at is None:
        raise DomainError(
            AUDIT_NOT_FINISHED.format(status=audit.status, **names), code="audit_not_finished"
        )
    if audit.finished_at < now - timedelta(days=interval_days):
        raise DomainError(
            AUDIT_STALE.format(
                finished=audit.finished_at.date().isoformat(), days=interval_days, **names
            ),
            code="audit_stale",
        )
    return audit


def _recusal_codes(*, request: DeploymentRequest, user, vendor_affiliation_id) -> list[str]:
    system = request.model_version.system
    codes = []
    if request.requested_by_id == user.pk:
        codes.append("requester")
    if system.owner_of_record_id is not None and system.owner_of_record_id == user.pk:
        codes.append("owner_of_record")
    if system.vendor_id is not None and vendor_affiliation_id == system.vendor_id:
        codes.append("vendor_affiliation")
    return codes


def _recusal_text(codes: list[str]) -> str:
    return " ".join(RECUSAL_TEXTS[code] for code in codes)


def _record_creation_recusals(request: DeploymentRequest) -> list[dict[str, Any]]:
    system = request.model_version.system
    users = {request.requested_by_id: request.requested_by}
    if system.owner_of_record_id is not None:
        users[system.owner_of_record_id] = system.owner_of_record
    affiliations = {}
    if system.vendor_id is not None:
        for membership in Membership.objects.filter(
            organization_id=system.organization_id, vendor_affiliation_id=system.vendor_id
        ).select_related("user"):
            users[membership.user_id] = membership.user
            affiliations[membership.user_id] = system.vendor_id
    recorded = []
    for user_id, user in users.items():
        codes = _recusal_codes(
            request=request, user=user, vendor_affiliation_id=affiliations.get(user_id)
        )
        Recusal.objects.create(request=request, member=user, reason=_recusal_text(codes))
        recorded.append({"member": actor_ref(user), "reasons": codes})
    return recorded


@transaction.atomic
def deployment_request_create(
    *, actor, model_version: ModelVersion, audit_run_id: str | None = None
) -> DeploymentRequest:
    """An owner asks the board to approve a version, bound to the system's latest submitted
    assessment revision, a finished and recent audit of the version and the stored screening.
    Prohibited systems, missing evidence and a second open request are refused (409)."""
    organization = model_version.system.organization
    require_role(actor=actor, organization=organization, roles=OWNER)
    organization = _lock_organization(organization.pk)
    model_version = (
        ModelVersion.objects.select_for_update(of=("self",))
        .select_related("system__vendor", "system__owner_of_record")
        .get(pk=model_version.pk)
    )
    system = model_version.system
    if system.screening_category == ScreeningCategory.PROHIBITED:
        raise ProhibitedSystemError(prohibited_reason(system.screening))
    if model_version.status not in REQUESTABLE:
        raise DomainError(
            VERSION_NOT_REQUESTABLE.format(
                version=model_version.version,
                status=VersionStatus(model_version.status).label.lower(),
            ),
            code="version_not_requestable",
        )
    already = DeploymentRequest.objects.filter(
        model_version=model_version, status=RequestStatus.OPEN
    ).first()
    if already is not None:
        raise DomainError(
            REQUEST_ALREADY_OPEN.format(version=model_version.version, request=already.pk),
            code="request_open",
        )
    now = timezone.now()
    assessment = _assessment_evidence(system)
    audit = _audit_evidence(
        model_version=model_version,
        run_id=str(audit_run_id) if audit_run_id else None,
        interval_days=organization.reaudit_interval_days,
        now=now,
    )
    evidence = evidence_build(
        assessment=assessment, audit=audit, model_version=model_version, screening=system.screening
    )
    request = DeploymentRequest(
        model_version=model_version,
        assessment=assessment,
        audit_run_id=audit.run_id,
        audit_result_sha256=audit.result_sha256,
        screening=system.screening,
        evidence=evidence,
        evidence_sha256=evidence_digest(evidence),
        requested_by=actor,
    )
    request.full_clean()
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError as exc:  # the partial unique index: a racing request won
        raise DomainError(
            REQUEST_ALREADY_OPEN.format(version=model_version.version, request="another"),
            code="request_open",
        ) from exc
    recusals = _record_creation_recusals(request)
    previous = model_version.status
    model_version.status = VersionStatus.IN_REVIEW
    model_version.valid_until = None
    model_version.save(update_fields=["status", "valid_until", "updated_at"])
    event_record(
        organization=organization,
        actor=actor,
        verb="deployment_request.created",
        target=request,
        payload={
            "model_version": str(model_version.pk),
            "assessment": str(assessment.pk),
            "assessment_revision": assessment.revision,
            "audit_run": audit.run_id,
            "audit_result_sha256": audit.result_sha256,
            "evidence_sha256": request.evidence_sha256,
            "screening_category": system.screening_category,
            "version_status": {"from": previous, "to": model_version.status},
            "recusals": recusals,
        },
    )
    request_id = str(request.pk)
    transaction.on_commit(lambda: notifications.request_created(request_id=request_id))
    return request


def _supersede(request: DeploymentRequest, *, reason: str, organization: Organization) -> None:
    request.status = RequestStatus.SUPERSEDED
    request.decided_at = timezone.now()
    request.status_reason = reason
    request.save(update_fields=["status", "decided_at", "status_reason", "updated_at"])
    # "In review" means an open request exists: without one the version is back to registered.
    version = ModelVersion.objects.select_for_update().get(pk=request.model_version_id)
    previous = version.status
    if version.status == VersionStatus.IN_REVIEW:
        version.status = VersionStatus.REGISTERED
        version.save(update_fields=["status", "updated_at"])
    event_record(
        organization=organization,
        actor="system",
        verb="deployment_request.superseded",
        target=request,
        payload={
            "reason": reason,
            "evidence_sha256": request.evidence_sha256,
            "version_status": {"from": previous, "to": version.status},
        },
    )


@transaction.atomic
def deployment_requests_supersede(
    *, reason: str, model_version: ModelVersion | None = None, system: AISystem | None = None
) -> int:
    """Close the open requests of a version (or of every version of a system) whose evidence
    changed: a new assessment revision, a new audit of the version, or a changed screening.
    Their sign-offs no longer count; a new request binds the new evidence."""
    if model_version is not None:
        organization_id = model_version.system.organization_id
    elif system is not None:
        organization_id = system.organization_id
    else:
        raise ValueError("Name the model version or the system whose evidence changed.")
    organization = _lock_organization(organization_id)
    requests = DeploymentRequest.objects.select_for_update(of=("self",)).filter(
        status=RequestStatus.OPEN
    )
    if model_version is not None:
        requests = requests.filter(model_version=model_version)
    if system is not None:
        requests = requests.filter(model_version__system=system)
    superseded = 0
    for request in requests.order_by("created_at"):
        _supersede(request, reason=reason, organization=organization)
        superseded += 1
    return superseded


def _evidence_drift(request: DeploymentRequest) -> str | None:
    """What changed in the evidence since the request was made, or None."""
    version = ModelVersion.objects.select_related("system").get(pk=request.model_version_id)
    system = version.system
    latest = audit_evidence(model_version=version)
    if (
        latest is not None
        and latest.run_id != str(request.audit_run_id)
        and latest.status == AUDIT_DONE
        and latest.finished_at is not None
        and latest.finished_at > request.created_at
    ):
        return DRIFT_AUDIT
    assessment = _latest_submitted(system)
    if assessment is None or assessment.pk != request.assessment_id:
        return DRIFT_ASSESSMENT
    if _screening_part(system.screening) != request.evidence["screening"]:
        return DRIFT_SCREENING
    audit = audit_evidence(model_version=version, run_id=str(request.audit_run_id))
    if audit is None:
        return DRIFT_AUDIT_GONE
    current = evidence_build(
        assessment=assessment, audit=audit, model_version=version, screening=system.screening
    )
    if evidence_digest(current) != request.evidence_sha256:
        return DRIFT_VERSION
    return None


def _signoff_input_check(
    *, decision: str, reasons: str, conditions: str, conditions_expire_at: datetime | None
) -> None:
    errors: dict[str, str] = {}
    if decision not in Decision.values:
        errors["decision"] = f"Choose one of: {', '.join(Decision.values)}."
    if decision == Decision.REJECT and not reasons.strip():
        errors["reasons"] = REASONS_REQUIRED
    if conditions_expire_at is not None:
        if not conditions.strip():
            errors["conditions_expire_at"] = EXPIRY_WITHOUT_CONDITIONS
        elif conditions_expire_at <= timezone.now():
            errors["conditions_expire_at"] = EXPIRY_IN_PAST
    if errors:
        raise ValidationError(errors)


def _decide(request: DeploymentRequest, *, organization: Organization, signoff: SignOff) -> bool:
    """Apply the board rule after a sign-off; True if it decided the request."""
    signoffs = SignOff.objects.filter(request=request, evidence_sha256=request.evidence_sha256)
    approvals = signoffs.filter(decision=Decision.APPROVE).count()
    rejected = signoffs.filter(decision=Decision.REJECT).exists()
    if not rejected and approvals < organization.quorum:
        return False
    now = timezone.now()
    version = ModelVersion.objects.select_for_update().get(pk=request.model_version_id)
    request.decided_at = now
    previous = version.status
    if rejected:
        request.status = RequestStatus.REJECTED
        version.status = VersionStatus.REGISTERED
        version.valid_until = None
    else:
        request.status = RequestStatus.APPROVED
        request.valid_until = now + timedelta(days=organization.reaudit_interval_days)
        version.status = VersionStatus.APPROVED
        version.valid_until = request.valid_until
    request.full_clean()
    request.save(update_fields=["status", "decided_at", "valid_until", "updated_at"])
    version.save(update_fields=["status", "valid_until", "updated_at"])
    event_record(
        organization=organization,
        actor="system",
        verb=f"deployment_request.{request.status}",
        target=request,
        payload={
            "model_version": str(version.pk),
            "evidence_sha256": request.evidence_sha256,
            "approvals": approvals,
            "quorum": organization.quorum,
            "deciding_signoff": str(signoff.pk),
            "valid_until": utc_text(request.valid_until),
            "version_status": {"from": previous, "to": version.status},
        },
    )
    request_id = str(request.pk)
    transaction.on_commit(lambda: notifications.request_decided(request_id=request_id))
    return True


def signoff_record(
    *,
    actor,
    request: DeploymentRequest,
    decision: str,
    evidence_sha256: str,
    reasons: str = "",
    conditions: str = "",
    conditions_expire_at: datetime | None = None,
    reauthenticated: bool = False,
) -> SignOff:
    """A board member (owner or reviewer) signs a request once, on the evidence digest they saw,
    at server time; recused members, stale digests and closed requests are refused (409). Under a
    row lock on the request, the quorum-th approval approves it and a rejection rejects it.

    A refusal that must leave a trace (a recusal found at signing, a request superseded because
    its evidence changed) is committed before the 409 is raised."""
    organization = request.model_version.system.organization
    membership = require_role(actor=actor, organization=organization, roles=BOARD)
    _signoff_input_check(
        decision=decision,
        reasons=reasons,
        conditions=conditions,
        conditions_expire_at=conditions_expire_at,
    )
    with transaction.atomic():
        outcome = _signoff_locked(
            actor=actor,
            membership=membership,
            request_id=request.pk,
            decision=decision,
            evidence_sha256=evidence_sha256,
            reasons=reasons,
            conditions=conditions,
            conditions_expire_at=conditions_expire_at,
            reauthenticated=reauthenticated,
        )
    if isinstance(outcome, DomainError):
        raise outcome
    return outcome


def _signoff_locked(
    *,
    actor,
    membership: Membership,
    request_id,
    decision: str,
    evidence_sha256: str,
    reasons: str,
    conditions: str,
    conditions_expire_at: datetime | None,
    reauthenticated: bool,
) -> SignOff | DomainError:
    organization = _lock_organization(membership.organization_id)
    # Sign-offs on one request are serialised here: each counts the approvals it can see.
    request = DeploymentRequest.objects.select_for_update().get(pk=request_id)
    request.model_version = ModelVersion.objects.select_related(
        "system__vendor", "system__owner_of_record"
    ).get(pk=request.model_version_id)
    if request.status != RequestStatus.OPEN:
        status = RequestStatus(request.status).label.lower()
        return DomainError(REQUEST_NOT_OPEN.format(status=status), code="request_not_open")
    recusal = Recusal.objects.filter(request=request, member=actor).first()
    if recusal is None:
        codes = _recusal_codes(
            request=request, user=actor, vendor_affiliation_id=membership.vendor_affiliation_id
        )
        if codes:
            recusal = Recusal.objects.create(
                request=request, member=actor, reason=_recusal_text(codes)
            )
            event_record(
                organization=organization,
                actor=actor,
                verb="recusal.recorded",
                target=recusal,
                payload={"request": str(request.pk), "reasons": codes},
            )
    if recusal is not None:
        return DomainError(RECUSED.format(reason=recusal.reason), code="recused")
    existing = SignOff.objects.filter(request=request, member=actor).first()
    if existing is not None:
        return DomainError(
            ALREADY_SIGNED.format(decision=existing.decision, at=utc_text(existing.at)),
            code="already_signed",
        )
    if evidence_sha256 != request.evidence_sha256:
        return DomainError(
            STALE_EVIDENCE.format(given=evidence_sha256, expected=request.evidence_sha256),
            code="stale_evidence",
        )
    drift = _evidence_drift(request)
    if drift is not None:
        _supersede(request, reason=drift, organization=organization)
        return DomainError(EVIDENCE_CHANGED.format(what=drift), code="evidence_changed")
    signoff = SignOff(
        request=request,
        member=actor,
        role=membership.role,
        decision=decision,
        reasons=reasons.strip(),
        conditions=conditions.strip(),
        conditions_expire_at=conditions_expire_at,
        evidence_sha256=request.evidence_sha256,
        at=timezone.now(),
        reauthenticated=reauthenticated,
    )
    signoff.full_clean()
    signoff.save()
    event_record(
        organization=organization,
        actor=actor,
        verb="signoff.recorded",
        target=signoff,
        payload={
            "request": str(request.pk),
            "decision": decision,
            "evidence_sha256": signoff.evidence_sha256,
            "signoff_sha256": signoff_digest(signoff),
            "reauthenticated": reauthenticated,
        },
    )
    _decide(request, organization=organization, signoff=signoff)
    return signoff
