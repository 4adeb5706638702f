"""The AI-system inventory: register, edit, screen, move through the lifecycle, add versions."""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from governance.actors import is_vendor
from governance.exceptions import ProhibitedSystemError, TransitionNotAllowed
from governance.ledger import event_record
from governance.models import (
    AISystem,
    ModelVersion,
    Organization,
    ScreeningCategory,
    SystemStatus,
    Vendor,
)
from governance.permissions import BOARD, OWNER, require_owner_or_system_vendor, require_role
from governance.screening import SCREENED_FIELDS, prohibited_reason, screen
from governance.services.board import deployment_requests_supersede

ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    SystemStatus.DRAFT: {SystemStatus.IN_REVIEW, SystemStatus.RETIRED},
    SystemStatus.IN_REVIEW: {SystemStatus.DRAFT, SystemStatus.APPROVED, SystemStatus.RETIRED},
    SystemStatus.APPROVED: {
        SystemStatus.DEPLOYED,
        SystemStatus.SUSPENDED,
        SystemStatus.IN_REVIEW,
        SystemStatus.RETIRED,
    },
    SystemStatus.DEPLOYED: {SystemStatus.SUSPENDED, SystemStatus.RETIRED},
    SystemStatus.SUSPENDED: {SystemStatus.IN_REVIEW, SystemStatus.RETIRED},
    SystemStatus.RETIRED: set(),
}
# Approval is the review board's decision (deployment requests), never a direct edit.
BOARD_ONLY_TARGETS = {SystemStatus.APPROVED}
SUSPEND_ROLES = BOARD
TRANSITION_MESSAGE = "A system that is {current} cannot move to {target}."
BOARD_ONLY_MESSAGE = "Only a review-board decision on a deployment request can approve a system."
REASON_REQUIRED = "Give a reason for suspending the system (EU AI Act Art. 26(5))."
SCREENING_CHANGED = "The system's regulatory screening changed."
EDITABLE_FIELDS = ("name", "purpose", "vendor", *SCREENED_FIELDS)


def _screening_for(system: AISystem, on: date | None = None) -> dict[str, Any]:
    facts = {name: getattr(system, name) for name in SCREENED_FIELDS}
    return screen(facts, on=on or timezone.localdate())


def _apply_screening(system: AISystem, on: date | None = None) -> bool:
    """Store the current screening on the row; True if it changed."""
    result = _screening_for(system, on)
    changed = result["category"] != system.screening_category or {
        k: v for k, v in result.items() if k != "screened_on"
    } != {k: v for k, v in (system.screening or {}).items() if k != "screened_on"}
    system.screening = result
    system.screening_category = result["category"]
    system.screened_at = timezone.now()
    return changed


def _screening_payload(system: AISystem) -> dict[str, Any]:
    return {
        "category": system.screening_category,
        "clauses": [r["clause"] for r in system.screening.get("reasons", [])],
        "rules_version": system.screening.get("rules_version"),
    }


@transaction.atomic
def system_create(
    *,
    actor,
    organization: Organization,
    name: str,
    purpose: str,
    modality: str,
    subjects: str,
    context: str,
    vendor: Vendor | None = None,
    medical_or_safety_purpose: bool = False,
    decides_about_people: bool = False,
) -> AISystem:
    """Record an AI system (owners only) and screen it."""
    require_role(actor=actor, organization=organization, roles=OWNER)
    system = AISystem(
        organization=organization,
        name=name.strip(),
        purpose=purpose,
        vendor=vendor,
        modality=modality,
        subjects=subjects,
        context=context,
        medical_or_safety_purpose=medical_or_safety_purpose,
        decides_about_people=decides_about_people,
        owner_of_record=actor,
    )
    _apply_screening(system)
    system.full_clean()
    system.save()
    event_record(
        organization=organization,
        actor=actor,
        verb="system.created",
        target=system,
        payload={"screening": _screening_payload(system), "status": system.status},
    )
    return system


@transaction.atomic
def system_update(*, actor, system: AISystem, **changes: Any) -> AISystem:
    """Edit a system's description (owners only); its screening is recomputed."""
    require_role(actor=actor, organization=system.organization, roles=OWNER)
    system = AISystem.objects.select_for_update().get(pk=system.pk)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed."))
    for field, value in changes.items():
        setattr(system, field, value.strip() if field == "name" else value)
    screening_changed = _apply_screening(system)
    if system.screening_category == ScreeningCategory.PROHIBITED and system.status in {
        SystemStatus.APPROVED,
        SystemStatus.DEPLOYED,
    }:
        raise ProhibitedSystemError(prohibited_reason(system.screening))
    system.full_clean()
    system.save()
    if screening_changed:
        deployment_requests_supersede(system=system, reason=SCREENING_CHANGED)
    event_record(
        organization=system.organization,
        actor=actor,
        verb="system.updated",
        target=system,
        payload={
            "fields": sorted(changes),
            "screening_changed": screening_changed,
            "screening": _screening_payload(system),
        },
    )
    return system


@transaction.atomic
def system_rescreen(*, system: AISystem, on: date | None = None) -> bool:
    """Re-evaluate the screening (dates pass, rules change); records an event if it changed."""
    system = AISystem.objects.select_for_update().get(pk=system.pk)
    if not _apply_screening(system, on):
        return False
    system.save(update_fields=["screening", "screening_category", "screened_at", "updated_at"])
    deployment_requests_supersede(system=system, reason=SCREENING_CHANGED)
    event_record(
        organization=system.organization,
        actor=None,
        verb="system.rescreened",
        target=system,
        payload={"screening": _screening_payload(system)},
    )
    return True


@transaction.atomic
def system_transition(*, actor, system: AISystem, to: str, reason: str = "") -> AISystem:
    """Move a system through its lifecycle, as the transition table allows."""
    roles = SUSPEND_ROLES if to == SystemStatus.SUSPENDED else OWNER
    require_role(actor=actor, organization=system.organization, roles=roles)
    system = AISystem.objects.select_for_update().get(pk=system.pk)
    if to not in SystemStatus.values:
        raise ValidationError({"status": f"Unknown status {to!r}."})
    if to in BOARD_ONLY_TARGETS:
        raise TransitionNotAllowed(BOARD_ONLY_MESSAGE)
    return _transition(actor=actor, system=system, to=to, reason=reason)


def _transition(*, actor, system: AISystem, to: str, reason: str) -> AISystem:
    """The one place a status changes: table check, prohibition hard stop, event."""
    if to not in ALLOWED_TRANSITIONS[system.status]:
        raise TransitionNotAllowed(
            TRANSITION_MESSAGE.format(
                current=SystemStatus(system.status).label.lower(),
                target=SystemStatus(to).label.lower(),
            )
        )
    if system.screening_category == ScreeningCategory.PROHIBITED and to in {
        SystemStatus.IN_REVIEW,
        SystemStatus.APPROVED,
        SystemStatus.DEPLOYED,
    }:
        raise ProhibitedSystemError(prohibited_reason(system.screening))
    if to == SystemStatus.SUSPENDED and not reason.strip():
        raise ValidationError({"reason": REASON_REQUIRED})
    previous = system.status
    system.status = to
    system.full_clean()
    system.save(update_fields=["status", "updated_at"])
    event_record(
        organization=system.organization,
        actor=actor,
        verb=f"system.{to}",
        target=system,
        payload={"from": previous, "to": to, "reason_given": bool(reason.strip())},
    )
    return system


LEGAL_HOLD_REASON_REQUIRED = "Say why the rows must be kept (the litigation, inquiry or request)."


@transaction.atomic
def system_set_legal_hold(*, actor, system: AISystem, on: bool, reason: str = "") -> AISystem:
    """Put a legal hold on a system's prediction rows (they outlive retention) or lift it."""
    require_role(actor=actor, organization=system.organization, roles=OWNER)
    system = AISystem.objects.select_for_update().get(pk=system.pk)
    if on and not reason.strip():
        raise ValidationError({"reason": LEGAL_HOLD_REASON_REQUIRED})
    system.legal_hold = on
    system.legal_hold_reason = reason.strip() if on else ""
    system.save(update_fields=["legal_hold", "legal_hold_reason", "updated_at"])
    event_record(
        organization=system.organization,
        actor=actor,
        verb="system.legal_hold_set" if on else "system.legal_hold_lifted",
        target=system,
        payload={"legal_hold": on},
    )
    return system


@transaction.atomic
def version_register(
    *,
    actor,
    system: AISystem,
    version: str,
    labels: list[str],
    flagged_labels: list[str],
    description: str = "",
    artifact_sha256: str = "",
) -> ModelVersion:
    """Register a model version (owners, or the vendor that supplies the system)."""
    require_owner_or_system_vendor(actor=actor, system=system)
    model_version = ModelVersion(
        system=system,
        version=version.strip(),
        labels=list(labels),
        flagged_labels=list(flagged_labels),
        description=description,
        artifact_sha256=artifact_sha256.lower(),
    )
    model_version.full_clean()
    model_version.save()
    event_record(
        organization=system.organization,
        actor=actor,
        verb="version.registered",
        target=model_version,
        payload={
            "system": str(system.pk),
            "labels": model_version.labels,
            "flagged_labels": model_version.flagged_labels,
            "artifact_sha256": model_version.artifact_sha256,
            "by_vendor": is_vendor(actor),
        },
    )
    return model_version
