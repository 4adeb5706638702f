"""Reads of the review board, scoped to the caller: requests, sign-offs, their verification and
the approval certificate's context (DESIGN.md §8, REGULATORY.md §5.5)."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db.models import Prefetch, QuerySet

from governance.actors import is_vendor
from governance.canonical import canonical_json, sha256_hex
from governance.hooks import audit_evidence
from governance.models import (
    Decision,
    DeploymentRequest,
    LedgerEvent,
    Membership,
    Recusal,
    RequestStatus,
    Role,
    SignOff,
)

REQUEST_TARGET = "governance.deploymentrequest"
SIGNOFF_TARGET = "governance.signoff"
SIGNOFF_VERB = "signoff.recorded"
DECIDED = frozenset({RequestStatus.APPROVED, RequestStatus.REJECTED, RequestStatus.EXPIRED})

SIGNOFF_OK = "Sign-off {signoff} matches its ledger event #{seq}."
SIGNOFF_NO_EVENT = (
    "Sign-off {signoff} has no signoff.recorded event in the ledger: it was not recorded by "
    "Attune or its event was removed."
)
SIGNOFF_CHANGED = (
    "Sign-off {signoff} does not match ledger event #{seq}: the sign-off row was changed after "
    "it was signed."
)
SIGNOFF_MISSING = (
    "Ledger event #{seq} records sign-off {signoff}, which no longer exists: the sign-off row "
    "was removed."
)
EVIDENCE_CHANGED = (
    "The stored evidence of request {request} does not hash to its evidence SHA-256: the "
    "request row was changed after it was made."
)
VERIFY_INSTRUCTIONS = (
    "To check this certificate, run python manage.py verify_ledger on the platform (or GET "
    "/api/v1/ledger/verify/ as a member of {organization}): it must report the chain intact. "
    "Then compare the event hashes above with the verified chain; the last one, event #{seq}, "
    "must carry hash {hash}. When this certificate was issued, the evidence SHA-256 was "
    "recomputed from the stored evidence, and each sign-off's digest was recomputed from its row "
    "and matched the signoff_sha256 in the payload of its signoff.recorded event."
)


def printed_name(user) -> str:
    """The name a signature prints (21 CFR 11.50): full name, else e-mail, else username."""
    return user.get_full_name().strip() or user.email or user.get_username()


def utc_text(moment: datetime | None) -> str | None:
    """A time as fixed ISO 8601 UTC text with microseconds, the form every digest uses."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def evidence_digest(evidence: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a request's evidence."""
    return sha256_hex(canonical_json(evidence))


def signoff_digest(signoff: SignOff) -> str:
    """SHA-256 over every field a signature means; the ledger keeps it as `signoff_sha256`."""
    return sha256_hex(
        canonical_json(
            {
                "id": str(signoff.pk),
                "request": str(signoff.request_id),
                "member": str(signoff.member_id),
                "role": signoff.role,
                "decision": signoff.decision,
                "reasons": signoff.reasons,
                "conditions": signoff.conditions,
                "conditions_expire_at": utc_text(signoff.conditions_expire_at),
                "evidence_sha256": signoff.evidence_sha256,
                "at": utc_text(signoff.at),
                "reauthenticated": signoff.reauthenticated,
            }
        )
    )


def _board_queryset() -> QuerySet[DeploymentRequest]:
    return DeploymentRequest.objects.select_related(
        "model_version__system__organization",
        "model_version__system__vendor",
        "model_version__system__owner_of_record",
        "assessment",
        "requested_by",
    ).prefetch_related(
        Prefetch("signoffs", queryset=SignOff.objects.select_related("member").order_by("at")),
        Prefetch("recusals", queryset=Recusal.objects.select_related("member")),
    )


def deployment_request_list(*, actor) -> QuerySet[DeploymentRequest]:
    """Requests of the organizations the user belongs to (any role); none for a vendor token."""
    if is_vendor(actor):
        return DeploymentRequest.objects.none()
    return _board_queryset().filter(model_version__system__organization__memberships__user=actor)


def deployment_request_open_for_member(*, actor) -> list[DeploymentRequest]:
    """Open requests the user may sign as owner or reviewer, each marked with `my_signoff` and
    `my_recusal` (the user's own sign-off and recusal on it, or None)."""
    if is_vendor(actor):
        return []
    board_orgs = Membership.objects.filter(user=actor, role__in=[Role.OWNER, Role.REVIEWER]).values(
        "organization_id"
    )
    requests = list(
        _board_queryset()
        .filter(
            status=RequestStatus.OPEN,
            model_version__system__organization_id__in=board_orgs,
        )
        .order_by("created_at")
    )
    for request in requests:
        request.my_signoff = next(
            (s for s in request.signoffs.all() if s.member_id == actor.pk), None
        )
        request.my_recusal = next(
            (r for r in request.recusals.all() if r.member_id == actor.pk), None
        )
    return requests


def counted_approvals(request: DeploymentRequest) -> int:
    """Approvals made on the request's current evidence digest."""
    return sum(
        1
        for signoff in request.signoffs.all()
        if signoff.decision == Decision.APPROVE
        and signoff.evidence_sha256 == request.evidence_sha256
    )


def request_ledger_events(*, request: DeploymentRequest) -> list[LedgerEvent]:
    """The events of one request in chain order: its own and those of its sign-offs."""
    signoff_ids = [str(pk) for pk in request.signoffs.values_list("pk", flat=True)]
    organization_id = request.model_version.system.organization_id
    own = LedgerEvent.objects.filter(
        organization_id=organization_id, target_type=REQUEST_TARGET, target_id=str(request.pk)
    )
    signed = LedgerEvent.objects.filter(
        organization_id=organization_id,
        verb=SIGNOFF_VERB,
        target_type=SIGNOFF_TARGET,
        target_id__in=signoff_ids,
    )
    recused = LedgerEvent.objects.filter(
        organization_id=organization_id,
        verb="recusal.recorded",
        payload__request=str(request.pk),
    )
    return sorted({e.pk: e for e in [*own, *signed, *recused]}.values(), key=lambda e: e.seq)


@dataclass(frozen=True)
class SignoffCheck:
    """Whether one sign-off row still matches the digest its ledger event recorded."""

    signoff_id: str
    ok: bool
    ledger_seq: int | None
    ledger_hash: str | None
    message: str


@dataclass(frozen=True)
class SignoffVerification:
    """The outcome of checking a request's sign-offs (and its evidence) against the ledger."""

    ok: bool
    checks: tuple[SignoffCheck, ...]
    message: str

    def check_for(self, signoff_id: str) -> SignoffCheck | None:
        return next((c for c in self.checks if c.signoff_id == signoff_id), None)


def verify_signoffs(request: DeploymentRequest) -> SignoffVerification:
    """Recompute each sign-off's digest and compare it with the `signoff_sha256` of its
    `signoff.recorded` event; also recompute the evidence digest. The sign-off rows are outside
    the hash chain, so this is what detects a changed decision, reason or time; a changed event
    is `verify_chain`'s job. The message names the first problem."""
    events = {
        e.target_id: e
        for e in LedgerEvent.objects.filter(
            organization_id=request.model_version.system.organization_id,
            verb=SIGNOFF_VERB,
            target_type=SIGNOFF_TARGET,
            payload__request=str(request.pk),
        )
    }
    checks: list[SignoffCheck] = []
    for signoff in SignOff.objects.filter(request=request).order_by("at"):
        event = events.pop(str(signoff.pk), None)
        if event is None:
            message = SIGNOFF_NO_EVENT.format(signoff=signoff.pk)
            checks.append(SignoffCheck(str(signoff.pk), False, None, None, message))
            continue
        ok = event.payload.get("signoff_sha256") == signoff_digest(signoff)
        template = SIGNOFF_OK if ok else SIGNOFF_CHANGED
        checks.append(
            SignoffCheck(
                str(signoff.pk),
                ok,
                event.seq,
                event.hash,
                template.format(signoff=signoff.pk, seq=event.seq),
            )
        )
    for signoff_id, event in sorted(events.items(), key=lambda item: item[1].seq):
        message = SIGNOFF_MISSING.format(seq=event.seq, signoff=signoff_id)
        checks.append(SignoffCheck(signoff_id, False, event.seq, event.hash, message))
    problems = [c.message for c in sorted(checks, key=lambda c: c.ledger_seq or 0) if not c.ok]
    if evidence_digest(request.evidence) != request.evidence_sha256:
        problems.insert(0, EVIDENCE_CHANGED.format(request=request.pk))
    return SignoffVerification(
        ok=not problems,
        checks=tuple(checks),
        message=problems[0] if problems else "Every sign-off matches its ledger event.",
    )


def _finding(finding: dict[str, Any]) -> dict[str, Any]:
    return {
        "severity": finding.get("severity", "info"),
        "title": finding.get("title", ""),
        "text": finding.get("text", ""),
        "clauses": [str(c) for c in finding.get("clauses", [])],
    }


def certificate_context(*, request: DeploymentRequest) -> dict[str, Any]:
    """The plain mapping `render_certificate_pdf` draws (see governance.exports.certificate),
    built from the request's rows, its audit run and its ledger events."""
    version = request.model_version
    system = version.system
    organization = system.organization
    evidence = request.evidence
    score = request.assessment.score or {}
    audit = audit_evidence(model_version=version, run_id=str(request.audit_run_id))
    audit_evidence_part = evidence["audit"]
    verification = verify_signoffs(request)
    signoffs = []
    for signoff in request.signoffs.all():
        check = verification.check_for(str(signoff.pk))
        signoffs.append(
            {
                "member": printed_name(signoff.member),
                "role": signoff.role,
                "decision": signoff.decision,
                "reasons": signoff.reasons,
                "conditions": signoff.conditions,
                "conditions_expire_at": signoff.conditions_expire_at,
                "at": signoff.at,
                "evidence_sha256": signoff.evidence_sha256,
                "counted": signoff.evidence_sha256 == request.evidence_sha256
                and (check is not None and check.ok),
                "ledger_hash": check.ledger_hash if check else None,
                "ledger_seq": check.ledger_seq if check else None,
            }
        )
    events = request_ledger_events(request=request)
    head = (
        LedgerEvent.objects.filter(organization=organization)
        .order_by("-seq")
        .values_list("hash", flat=True)
        .first()
    )
    last = events[-1] if events else None
    screening = request.screening or {}
    return {
        "organization": {"name": organization.name},
        "system": {
            "name": system.name,
            "purpose": system.purpose,
            "vendor": system.vendor.name if system.vendor else "",
            "modality": system.modality,
            "subjects": system.subjects,
            "context": system.context,
        },
        "screening": {
            "category": screening.get("category", evidence["screening"]["category"]),
            "reasons": [
                {"clause": r["clause"], "text": r["text"]} for r in screening.get("reasons", [])
            ],
            "duties": [
                {
                    "clause": d["clause"],
                    "text": d["text"],
                    "in_force": bool(d.get("in_force")),
                    "applies_from": d.get("applies_from"),
                }
                for d in screening.get("duties", [])
            ],
        },
        "version": {
            "version": evidence["model_version"]["version"],
            "labels": list(evidence["model_version"]["labels"]),
            "flagged_labels": list(evidence["model_version"]["flagged_labels"]),
        },
        "request": {
            "id": str(request.pk),
            "status": request.status,
            "requested_by": printed_name(request.requested_by),
            "requested_at": request.created_at,
            "decided_at": request.decided_at,
            "valid_until": request.valid_until,
            "evidence_sha256": request.evidence_sha256,
        },
        "assessment": {
            "revision": request.assessment.revision,
            "level": score.get("level", ""),
            "score": int(score.get("score", 0)),
            "max_raw": int(score.get("max_raw", 0)),
            "raw": int(score.get("raw", 0)),
            "mitigation": int(score.get("mitigation", 0)),
            "max_mitigation": int(score.get("max_mitigation", 0)),
            "explanation": score.get("explanation", ""),
            "submitted_at": request.assessment.submitted_at,
        },
        "audit": {
            "id": str(request.audit_run_id),
            "result_sha256": audit_evidence_part["result_sha256"],
            "input_sha256": audit_evidence_part["input_sha256"],
            "engine_version": audit_evidence_part["engine_version"],
            "finished_at": audit.finished_at if audit else None,
            "findings": [_finding(f) for f in audit.findings] if audit else [],
        },
        "signoffs": signoffs,
        "recusals": [
            {"member": printed_name(r.member), "reason": r.reason} for r in request.recusals.all()
        ],
        "quorum": organization.quorum,
        "ledger": {
            "events": [{"seq": e.seq, "verb": e.verb, "hash": e.hash} for e in events],
            "head": head,
        },
        "verify_instructions": VERIFY_INSTRUCTIONS.format(
            organization=organization.name,
            seq=last.seq if last else 0,
            hash=last.hash if last else "",
        ),
    }
