"""Governance models, re-exported so that `from governance.models import X` works."""

from governance.models.assessments import AssessmentStatus, ImpactAssessment, Questionnaire
from governance.models.base import ImmutableModel, ImmutableQuerySet, TimeStampedModel
from governance.models.board import Decision, DeploymentRequest, Recusal, RequestStatus, SignOff
from governance.models.ledger import GENESIS_HASH, LedgerEvent
from governance.models.organizations import ApiToken, Membership, Organization, Role, Vendor
from governance.models.records import (
    ConsentAction,
    ConsentPolicy,
    ConsentPolicyStatus,
    ConsentRecord,
    LegalBasis,
    ProcessingActivity,
    SpecialCategoryBasis,
)
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
    "AssessmentStatus",
    "ConsentAction",
    "ConsentPolicy",
    "ConsentPolicyStatus",
    "ConsentRecord",
    "Context",
    "Decision",
    "DeploymentRequest",
    "ImmutableModel",
    "ImmutableQuerySet",
    "ImpactAssessment",
    "LedgerEvent",
    "LegalBasis",
    "Membership",
    "Modality",
    "ModelVersion",
    "Organization",
    "ProcessingActivity",
    "Questionnaire",
    "Recusal",
    "RequestStatus",
    "Role",
    "ScreeningCategory",
    "SignOff",
    "SpecialCategoryBasis",
    "Subjects",
    "SystemStatus",
    "TimeStampedModel",
    "Vendor",
    "VersionStatus",
]
