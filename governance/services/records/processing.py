"""The record of processing activities (GDPR Art. 30(1)): create, update, delete."""

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from governance.ledger import event_record
from governance.models import (
    AISystem,
    Organization,
    ProcessingActivity,
)
from governance.permissions import OWNER, require_role
from governance.selectors_records import processing_activity_warnings
from governance.services.records.common import (
    ACTIVITY_FIELDS,
    ACTIVITY_LIST_FIELDS,
    ACTIVITY_TEXT_FIELDS,
    NAME_TAKEN,
    NOTHING_TO_CHANGE,
    _check_fields,
    _check_systems,
    _ids,
)


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
