"""Shared checks and messages of the GDPR records services."""

import hmac
from collections.abc import Sequence
from hashlib import sha256
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError

from governance.models import (
    AISystem,
    Organization,
)

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
