"""Every write in governance goes through these services, each with its ledger event."""

from governance.services.organizations import (
    membership_add,
    membership_change_role,
    organization_create,
    personal_token_issue,
    token_revoke,
    vendor_create,
    vendor_token_issue,
)
from governance.services.systems import (
    ALLOWED_TRANSITIONS,
    system_create,
    system_rescreen,
    system_set_legal_hold,
    system_transition,
    system_update,
    version_register,
)

__all__ = [
    "ALLOWED_TRANSITIONS",
    "membership_add",
    "membership_change_role",
    "organization_create",
    "personal_token_issue",
    "system_create",
    "system_rescreen",
    "system_set_legal_hold",
    "system_transition",
    "system_update",
    "token_revoke",
    "vendor_create",
    "vendor_token_issue",
    "version_register",
]
