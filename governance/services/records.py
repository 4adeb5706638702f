"""GDPR records: the Art. 30 record of processing, consent policy versions and consent records.

Every write appends its ledger event in the same transaction. Ledger payloads hold ids, hashes,
counts and states only: never a person's reference, raw or pseudonymised.
"""

import hmac
from collections.abc import Sequence
from datetime import date, datetime
from hashlib import sha256
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from rest_framework.exceptions import NotFound

from governance import hooks
from governance.actors import is_vendor
from governance.canonical import sha256_hex
from governance.exceptions import DomainError, TransitionNotAllowed
from governance.ledger import actor_ref, event_record
from governance.models import (
    AISystem,
    ConsentAction,
    ConsentPolicy,
    ConsentPolicyStatus,
    ConsentRecord,
    Organization,
    ProcessingActivity,
)
from governance.permissions import OWNER, require_role
from governance.selectors_records import processing_activity_warnings

EMPTY_PSEUDONYM_KEY = "ATTUNE_PSEUDONYM_KEY is empty: subject references cannot be pseudonymised."
UNKNOWN_FIELD = "This field cannot be set."
NAME_TAKEN = "A processing activity with this name already exists in the organization."
SYSTEM_ELSEWHERE = "The AI system {system} belongs to another organization."
POLICY_DRAFT_EXISTS = (
    "Consent policy {name!r} already has an open draft (version {version}): change or publish "
    "that draft first."
)
POLICY_ALREADY_PUBLISHED = "Version {version} of consent policy {name!r} is already published."
POLICY_NAME_FIXED = "A policy's name names all its versions: create a new policy instead."
NOTHING_TO_CHANGE = "Send at least one field to change."
POLICY_NOT_FOUND = "Consent policy not found."
POLICY_NOT_PUBLISHED = (
    "Version {version} of consent policy {name!r} is a draft: publish it before recording "
    "consent under it."
)
SUBJECT_REQUIRED = "Give the person's reference (it is pseudonymised at once and never stored)."
AT_IN_FUTURE = "A consent record cannot be dated in the future."
AT_BEFORE_EFFECTIVE = "The policy takes effect on {date}: a record cannot be dated before that."
NO_PRIOR_GRANT = (
    "There is no earlier grant under this policy version for this person, so there is nothing "
    "to withdraw (GDPR Art. 7(3))."
)
ALREADY_WITHDRAWN = "This person's consent under this policy version is already withdrawn."

ACTIVITY_TEXT_FIELDS = (
    "name",
    "controller_name",
    "controller_contact",
    "dpo_contact",
    "legal_basis",
    "special_category_basis",
    "special_category_necessity",
    "transfer_safeguards",
    "retention",
    "security_measures",
)
ACTIVITY_LIST_FIELDS = (
    "purposes",
    "data_subject_categories",
    "personal_data_categories",
    "recipients",
    "third_country_transfers",
)
ACTIVITY_FLAG_FIELDS = ("processes_inferred_emotions", "automated_decision_making")
ACTIVITY_FIELDS = (*ACTIVITY_TEXT_FIELDS, *ACTIVITY_LIST_FIELDS, *ACTIVITY_FLAG_FIELDS)
POLICY_FIELDS = ("text", "purposes", "explicit", "effective_from")


def pseudonymise_subject(raw: str) -> str:
    """The keyed HMAC-SHA-256 of a person's reference (whitespace around it removed), as 64 hex
    digits: the same digest `audits.ingest.pseudonymise` gives with the same key, so consent
    records and stored prediction rows match. The raw reference is never stored."""
    key = settings.ATTUNE_PSEUDONYM_KEY
    if not key:
        raise ImproperlyConfigured(EMPTY_PSEUDONYM_KEY)
    return hmac.new(key.encode("utf-8"), raw.strip().encode("utf-8"), sha256).hexdigest()


def _check_fields(changes: dict[str, Any], allowed: Sequence[str]) -> None:
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, UNKNOWN_FIELD))


def _check_systems(organization: Organization, systems: Sequence[AISystem]) -> list[AISystem]:
    for system in systems:
        if system.organization_id != organization.pk:
            raise ValidationError({"systems": SYSTEM_ELSEWHERE.format(system=system.pk)})
    return list(systems)


def _ids(objects) -> list[str]:
    return sorted(str(obj.pk) for obj in objects)


# Record of processing (GDPR Art. 30)


def _set_activity_fields(activity: ProcessingActivity, changes: dict[str, Any]) -> None:
    for field, value in changes.items():
        if field in ACTIVITY_TEXT_FIELDS:
            value = value.strip()
        elif field in ACTIVITY_LIST_FIELDS:
            value = [item.strip() for item in value]
        setattr(activity, field, value)


def _check_name_free(activity: ProcessingActivity) -> None:
    taken = ProcessingActivity.objects.filter(
        organization_id=activity.organization_id, name=activity.name
    ).exclude(pk=activity.pk)
    if taken.exists():
        raise ValidationError({"name": NAME_TAKEN})


def _activity_payload(activity: ProcessingActivity, fields: list[str]) -> dict[str, Any]:
    return {
        "fields": sorted(fields),
        "legal_basis": activity.legal_basis,
        "special_category_basis": activity.special_category_basis,
        "automated_decision_making": activity.automated_decision_making,
        "systems": _ids(activity.systems.all()),
        "warnings": [w.code for w in processing_activity_warnings(activity=activity)],
    }


@transaction.atomic
def processing_activity_create(
    *,
    actor,
    organization: Organization,
    systems: Sequence[AISystem] = (),
    **fields: Any,
) -> ProcessingActivity:
    """Add an entry to the record of processing (owners only); names are unique per
    organization and linked systems must be the organization's own."""
    require_role(actor=actor, organization=organization, roles=OWNER)
    _check_fields(fields, ACTIVITY_FIELDS)
    systems = _check_systems(organization, systems)
    activity = ProcessingActivity(organization=organization)
    _set_activity_fields(activity, fields)
    _check_name_free(activity)
    activity.full_clean()
    activity.save()
    activity.systems.set(systems)
    event_record(
        organization=organization,
        actor=actor,
        verb="processing_activity.created",
        target=activity,
        payload=_activity_payload(activity, [*fields, "systems"]),
    )
    return activity


@transaction.atomic
def processing_activity_update(
    *,
    actor,
    activity: ProcessingActivity,
    systems: Sequence[AISystem] | None = None,
    **changes: Any,
) -> ProcessingActivity:
    """Change an entry of the record of processing (owners only)."""
    require_role(actor=actor, organization=activity.organization, roles=OWNER)
    _check_fields(changes, ACTIVITY_FIELDS)
    if not changes and systems is None:
        raise ValidationError(NOTHING_TO_CHANGE)
    activity = ProcessingActivity.objects.select_for_update().get(pk=activity.pk)
    _set_activity_fields(activity, changes)
    _check_name_free(activity)
    activity.full_clean()
    activity.save()
    fields = list(changes)
    if systems is not None:
        activity.systems.set(_check_systems(activity.organization, systems))
        fields.append("systems")
    event_record(
        organization=activity.organization,
        actor=actor,
        verb="processing_activity.updated",
        target=activity,
        payload=_activity_payload(activity, fields),
    )
    return activity


@transaction.atomic
def processing_activity_delete(*, actor, activity: ProcessingActivity) -> None:
    """Remove an entry from the record of processing (owners only); the ledger keeps its id."""
    organization = activity.organization
    require_role(actor=actor, organization=organization, roles=OWNER)
    activity = ProcessingActivity.objects.select_for_update().get(pk=activity.pk)
    event_record(
        organization=organization,
        actor=actor,
        verb="processing_activity.deleted",
        target=activity,
        payload={"systems": _ids(activity.systems.all())},
    )
    activity.delete()


# Consent policies


def _text_sha256(text: str) -> str:
    return sha256_hex(text.encode("utf-8"))


def _policy_payload(policy: ConsentPolicy, fields: list[str] | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "version": policy.version,
        "status": policy.status,
        "text_sha256": policy.text_sha256,
        "explicit": policy.explicit,
        "effective_from": policy.effective_from.isoformat(),
        "systems": _ids(policy.systems.all()),
    }
    if fields is not None:
        payload["fields"] = sorted(fields)
    return payload


def _new_policy_version(
    *,
    actor,
    organization: Organization,
    name: str,
    text: str,
    effective_from: date,
    purposes: Sequence[str],
    explicit: bool,
    systems: Sequence[AISystem],
    based_on: ConsentPolicy | None,
) -> ConsentPolicy:
    # The organization row lock serialises version numbering and the one-draft rule.
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    series = ConsentPolicy.objects.filter(organization=organization, name=name)
    draft = series.filter(status=ConsentPolicyStatus.DRAFT).first()
    if draft is not None:
        raise DomainError(
            POLICY_DRAFT_EXISTS.format(name=name, version=draft.version), code="draft_exists"
        )
    systems = _check_systems(organization, systems)
    policy = ConsentPolicy(
        organization=organization,
        name=name,
        version=(series.aggregate(top=Max("version"))["top"] or 0) + 1,
        text=text,
        purposes=[item.strip() for item in purposes],
        explicit=explicit,
        effective_from=effective_from,
        status=ConsentPolicyStatus.DRAFT,
        text_sha256=_text_sha256(text),
    )
    policy.full_clean()
    policy.save()
    policy.systems.set(systems)
    payload = _policy_payload(policy)
    payload["based_on"] = str(based_on.pk) if based_on else None
    event_record(
        organization=organization,
        actor=actor,
        verb="consent_policy.created",
        target=policy,
        payload=payload,
    )
    return policy


@transaction.atomic
def consent_policy_create(
    *,
    actor,
    organization: Organization,
    name: str,
    text: str,
    effective_from: date,
    purposes: Sequence[str] = (),
    explicit: bool = True,
    systems: Sequence[AISystem] = (),
) -> ConsentPolicy:
    """A draft consent policy (owners only): version 1 of a new name, or the next version of an
    existing one; one open draft per name."""
    require_role(actor=actor, organization=organization, roles=OWNER)
    return _new_policy_version(
        actor=actor,
        organization=organization,
        name=name.strip(),
        text=text,
        effective_from=effective_from,
        purposes=purposes,
        explicit=explicit,
        systems=systems,
        based_on=None,
    )


@transaction.atomic
def consent_policy_update(
    *,
    actor,
    policy: ConsentPolicy,
    systems: Sequence[AISystem] | None = None,
    **changes: Any,
) -> tuple[ConsentPolicy, bool]:
    """Change a policy (owners only): a draft changes in place; a published version is
    immutable, so the change becomes the next version, as a draft. Returns (policy, is_new)."""
    require_role(actor=actor, organization=policy.organization, roles=OWNER)
    if "name" in changes:
        raise ValidationError({"name": POLICY_NAME_FIXED})
    _check_fields(changes, POLICY_FIELDS)
    if not changes and systems is None:
        raise ValidationError(NOTHING_TO_CHANGE)
    policy = (
        ConsentPolicy.objects.select_for_update().select_related("organization").get(pk=policy.pk)
    )
    if policy.status == ConsentPolicyStatus.PUBLISHED:
        merged = {name: getattr(policy, name) for name in POLICY_FIELDS} | changes
        new = _new_policy_version(
            actor=actor,
            organization=policy.organization,
            name=policy.name,
            systems=list(policy.systems.all()) if systems is None else systems,
            based_on=policy,
            **merged,
        )
        return new, True
    for field, value in changes.items():
        setattr(policy, field, [item.strip() for item in value] if field == "purposes" else value)
    policy.text_sha256 = _text_sha256(policy.text)
    policy.full_clean()
    policy.save()
    fields = list(changes)
    if systems is not None:
        policy.systems.set(_check_systems(policy.organization, systems))
        fields.append("systems")
    event_record(
        organization=policy.organization,
        actor=actor,
        verb="consent_policy.updated",
        target=policy,
        payload=_policy_payload(policy, fields),
    )
    return policy, False


@transaction.atomic
def consent_policy_publish(*, actor, policy: ConsentPolicy) -> ConsentPolicy:
    """Publish a draft version (owners only); from now on it never changes."""
    require_role(actor=actor, organization=policy.organization, roles=OWNER)
    policy = (
        ConsentPolicy.objects.select_for_update().select_related("organization").get(pk=policy.pk)
    )
    if policy.status != ConsentPolicyStatus.DRAFT:
        raise TransitionNotAllowed(
            POLICY_ALREADY_PUBLISHED.format(version=policy.version, name=policy.name)
        )
    policy.status = ConsentPolicyStatus.PUBLISHED
    policy.published_at = timezone.now()
    policy.full_clean()
    policy.save(update_fields=["status", "published_at", "updated_at"])
    event_record(
        organization=policy.organization,
        actor=actor,
        verb="consent_policy.published",
        target=policy,
        payload=_policy_payload(policy),
    )
    return policy


# Consent records


def _check_recorder(*, actor, policy: ConsentPolicy) -> None:
    """Owners record consent under their organization's policies; a vendor token only under a
    published policy linked to a system it supplies (anything else is not found for it)."""
    if is_vendor(actor):
        linked = policy.systems.filter(vendor_id=actor.vendor.pk).exists()
        if policy.status != ConsentPolicyStatus.PUBLISHED or not linked:
            raise NotFound(POLICY_NOT_FOUND)
        return
    require_role(actor=actor, organization=policy.organization, roles=OWNER)


def _erasure_counts(summaries: list[dict[str, Any]]) -> dict[str, int]:
    """The erasers' summaries added up, whole numbers only (never who)."""
    counts: dict[str, int] = {}
    for summary in summaries:
        for key, value in summary.items():
            if isinstance(value, int) and not isinstance(value, bool):
                counts[key] = counts.get(key, 0) + value
    return dict(sorted(counts.items()))


@transaction.atomic
def consent_record_create(
    *,
    actor,
    policy: ConsentPolicy,
    subject: str,
    action: str,
    channel: str,
    evidence: str = "",
    at: datetime | None = None,
) -> ConsentRecord:
    """Record a person's grant or withdrawal under a published policy version (GDPR Art. 7(1)).

    `subject` is the raw reference: it is pseudonymised at once and never stored, logged or put
    in a message. `at` (default now) may not be in the future nor before the policy's effective
    date. A withdrawal needs a grant before it (409) and erases the person's stored rows
    everywhere in the same transaction (Art. 7(3), Art. 17(1)(b)).
    """
    _check_recorder(actor=actor, policy=policy)
    # Locking the policy serialises records under it, so "latest" is well defined.
    policy = (
        ConsentPolicy.objects.select_for_update().select_related("organization").get(pk=policy.pk)
    )
    if policy.status != ConsentPolicyStatus.PUBLISHED:
        raise DomainError(
            POLICY_NOT_PUBLISHED.format(version=policy.version, name=policy.name),
            code="policy_not_published",
        )
    if not subject.strip():
        raise ValidationError({"subject": SUBJECT_REQUIRED})
    subject_ref = pseudonymise_subject(subject)
    now = timezone.now()
    at = at or now
    if at > now:
        raise ValidationError({"at": AT_IN_FUTURE})
    if timezone.localdate(at) < policy.effective_from:
        raise ValidationError(
            {"at": AT_BEFORE_EFFECTIVE.format(date=policy.effective_from.isoformat())}
        )
    if action == ConsentAction.WITHDRAWN:
        before = (
            ConsentRecord.objects.filter(policy=policy, subject_ref=subject_ref, at__lte=at)
            .order_by("-at", "-created_at")
            .values_list("action", flat=True)
            .first()
        )
        if before is None:
            raise DomainError(NO_PRIOR_GRANT, code="no_prior_grant")
        if before == ConsentAction.WITHDRAWN:
            raise DomainError(ALREADY_WITHDRAWN, code="already_withdrawn")
    record = ConsentRecord(
        organization=policy.organization,
        policy=policy,
        subject_ref=subject_ref,
        action=action,
        at=at,
        channel=channel.strip(),
        evidence=evidence,
        recorded_by=actor_ref(actor),
    )
    record.full_clean()
    record.save()
    payload: dict[str, Any] = {
        "policy": str(policy.pk),
        "policy_version": policy.version,
        "text_sha256": policy.text_sha256,
        "by_vendor": is_vendor(actor),
    }
    if action == ConsentAction.WITHDRAWN:
        summaries = hooks.erase_subject_everywhere(
            organization=policy.organization, subject_ref=subject_ref, actor=actor
        )
        payload["erasure"] = _erasure_counts(summaries)
    event_record(
        organization=policy.organization,
        actor=actor,
        verb=f"consent.{action}",
        target=record,
        payload=payload,
    )
    return record
