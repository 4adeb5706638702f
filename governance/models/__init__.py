"""Governance models, re-exported so that `from governance.models import X` works."""

from governance.models.base import ImmutableModel, ImmutableQuerySet, TimeStampedModel
from governance.models.ledger import GENESIS_HASH, LedgerEvent
from governance.models.organizations import ApiToken, Membership, Organization, Role, Vendor
from governance.models.systems import (
    AISystem,
    Context,
    Modality,
    ModelVersion,
    ScreeningCategory,
    Subjects,
    SystemStatus,
    VersionStatus,
)

__all__ = [
    "GENESIS_HASH",
    "AISystem",
    "ApiToken",
    "Context",
    "ImmutableModel",
    "ImmutableQuerySet",
    "LedgerEvent",
    "Membership",
    "Modality",
    "ModelVersion",
    "Organization",
    "Role",
    "ScreeningCategory",
    "Subjects",
    "SystemStatus",
    "TimeStampedModel",
    "Vendor",
    "VersionStatus",
]
