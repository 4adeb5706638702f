"""GDPR records: the Art. 30 record of processing, consent policy versions and consent records.

Every write appends its ledger event in the same transaction. Ledger payloads hold ids, hashes,
counts and states only: never a person's reference, raw or pseudonymised.
"""

from governance.services.records.common import (
    ACTIVITY_FIELDS,
    ACTIVITY_FLAG_FIELDS,
    ACTIVITY_LIST_FIELDS,
    ACTIVITY_TEXT_FIELDS,
    ALREADY_WITHDRAWN,
    AT_BEFORE_EFFECTIVE,
    AT_IN_FUTURE,
    EMPTY_PSEUDONYM_KEY,
    NAME_TAKEN,
    NO_PRIOR_GRANT,
    NOTHING_TO_CHANGE,
    POLICY_ALREADY_PUBLISHED,
    POLICY_DRAFT_EXISTS,
    POLICY_FIELDS,
    POLICY_NAME_FIXED,
    POLICY_NOT_FOUND,
    POLICY_NOT_PUBLISHED,
    SUBJECT_REQUIRED,
    SYSTEM_ELSEWHERE,
    UNKNOWN_FIELD,
    pseudonymise_subject,
)
from governance.services.records.consent import (
    consent_policy_create,
    consent_policy_publish,
    consent_policy_update,
    consent_record_create,
)
from governance.services.records.processing import (
    processing_activity_create,
    processing_activity_delete,
    processing_activity_update,
)

__all__ = [
    "ACTIVITY_FIELDS",
    "ACTIVITY_FLAG_FIELDS",
    "ACTIVITY_LIST_FIELDS",
    "ACTIVITY_TEXT_FIELDS",
    "ALREADY_WITHDRAWN",
    "AT_BEFORE_EFFECTIVE",
    "AT_IN_FUTURE",
    "EMPTY_PSEUDONYM_KEY",
    "NAME_TAKEN",
    "NOTHING_TO_CHANGE",
    "NO_PRIOR_GRANT",
    "POLICY_ALREADY_PUBLISHED",
    "POLICY_DRAFT_EXISTS",
    "POLICY_FIELDS",
    "POLICY_NAME_FIXED",
    "POLICY_NOT_FOUND",
    "POLICY_NOT_PUBLISHED",
    "SUBJECT_REQUIRED",
    "SYSTEM_ELSEWHERE",
    "UNKNOWN_FIELD",
    "consent_policy_create",
    "consent_policy_publish",
    "consent_policy_update",
    "consent_record_create",
    "processing_activity_create",
    "processing_activity_delete",
    "processing_activity_update",
    "pseudonymise_subject",
]
