"""Django admin for every governance model; immutable records are read-only there."""

from django.contrib import admin

from governance.models import (
    AISystem,
    ApiToken,
    ConsentPolicy,
    ConsentRecord,
    DeploymentRequest,
    ImpactAssessment,
    LedgerEvent,
    Membership,
    ModelVersion,
    Organization,
    ProcessingActivity,
    Questionnaire,
    Recusal,
    SignOff,
    Vendor,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """For append-only records: view, never add, change or delete."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "quorum", "reaudit_interval_days", "retention_days", "created_at"]
    search_fields = ["name"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "vendor_affiliation"]
    list_filter = ["role", "organization"]


@admin.register(Vendor)
class VendorAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "contact_email"]
    list_filter = ["organization"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens can be inspected and revoked (set revoked_at); the secret was never stored."""

    list_display = ["prefix", "label", "user", "vendor", "expires_at", "revoked_at", "last_used_at"]
    readonly_fields = ["prefix", "token_hash", "user", "vendor", "last_used_at", "created_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AISystem)
class AISystemAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "organization",
        "vendor",
        "modality",
        "subjects",
        "status",
        "screening_category",
    ]
    list_filter = ["screening_category", "status", "modality", "subjects"]
    readonly_fields = ["screening", "screening_category", "screened_at", "status", "legal_hold"]


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ["system", "version", "status", "created_at"]
    readonly_fields = ["status", "valid_until"]


@admin.register(LedgerEvent)
class LedgerEventAdmin(ReadOnlyAdmin):
    list_display = ["organization", "seq", "verb", "target_type", "target_id", "actor", "at"]
    list_filter = ["organization", "verb"]


@admin.register(Questionnaire)
class QuestionnaireAdmin(ReadOnlyAdmin):
    list_display = ["key", "version", "title", "content_sha256"]


@admin.register(ImpactAssessment)
class ImpactAssessmentAdmin(ReadOnlyAdmin):
    """Assessments change only through the API (drafts) and freeze at submission."""

    list_display = ["system", "revision", "status", "submitted_at"]
    list_filter = ["status"]


@admin.register(ProcessingActivity)
class ProcessingActivityAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "legal_basis", "special_category_basis"]
    list_filter = ["organization", "legal_basis"]


@admin.register(ConsentPolicy)
class ConsentPolicyAdmin(ReadOnlyAdmin):
    list_display = ["name", "version", "organization", "status", "effective_from"]


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdmin):
    list_display = ["policy", "action", "at", "channel"]
    list_filter = ["action"]


@admin.register(DeploymentRequest)
class DeploymentRequestAdmin(ReadOnlyAdmin):
    list_display = ["model_version", "status", "created_at", "decided_at", "valid_until"]
    list_filter = ["status"]


@admin.register(SignOff)
class SignOffAdmin(ReadOnlyAdmin):
    list_display = ["request", "member", "decision", "at"]


@admin.register(Recusal)
class RecusalAdmin(ReadOnlyAdmin):
    list_display = ["request", "member", "reason"]
