"""Consent policy versions and consent records (GDPR Art. 7, 9(2)(a)); a withdrawal erases the
person's stored rows in the same transaction."""

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
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
)
from governance.permissions import OWNER, require_role
from governance.services.records.common import (
    ALREADY_WITHDRAWN,
    AT_BEFORE_EFFECTIVE,
    AT_IN_FUTURE,
    NO_PRIOR_GRANT,
    NOTHING_TO_CHANGE,
    POLICY_ALREADY_PUBLISHED,
    POLICY_DRAFT_EXISTS,
    POLICY_FIELDS,
    POLICY_NAME_FIXED,
    POLICY_NOT_FOUND,
    POLICY_NOT_PUBLISHED,
    SUBJECT_REQUIRED,
    _check_fields,
    _check_systems,
    _ids,
    pseudonymise_subject,
)


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
