"""API shapes: <Entity>Output for representation, <Entity><Action>Input for a service's arguments."""

from rest_framework import serializers

from governance.models import (
    AISystem,
    ApiToken,
    Context,
    LedgerEvent,
    Membership,
    Modality,
    ModelVersion,
    Organization,
    Role,
    Subjects,
    SystemStatus,
    Vendor,
)


class OrganizationOutput(serializers.ModelSerializer):
    role = serializers.SerializerMethodField()

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "quorum",
            "reaudit_interval_days",
            "retention_days",
            "role",
            "created_at",
        ]
        read_only_fields = fields

    def get_role(self, obj: Organization) -> str | None:
        roles = self.context.get("roles", {})
        return roles.get(obj.pk)


class MembershipOutput(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    organization = serializers.UUIDField(source="organization_id", read_only=True)
    vendor_affiliation = serializers.UUIDField(source="vendor_affiliation_id", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "organization", "email", "role", "vendor_affiliation", "created_at"]
        read_only_fields = fields


class MembershipCreateInput(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.choices)
    vendor_affiliation = serializers.UUIDField(required=False, allow_null=True)


class MembershipRoleInput(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class VendorOutput(serializers.ModelSerializer):
    organization = serializers.UUIDField(source="organization_id", read_only=True)

    class Meta:
        model = Vendor
        fields = ["id", "organization", "name", "contact_email", "created_at"]
        read_only_fields = fields


class VendorCreateInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    contact_email = serializers.EmailField(required=False, allow_blank=True, default="")
    organization = serializers.UUIDField(required=False)


class TokenOutput(serializers.ModelSerializer):
    vendor = serializers.UUIDField(source="vendor_id", read_only=True)

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "label",
            "prefix",
            "vendor",
            "expires_at",
            "revoked_at",
            "last_used_at",
            "created_at",
        ]
        read_only_fields = fields


class TokenIssueInput(serializers.Serializer):
    label = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class ScreeningField(serializers.JSONField):
    """The stored screening: {category, duties, reasons, upcoming, rules_version, screened_on}."""


class SystemOutput(serializers.ModelSerializer):
    organization = serializers.UUIDField(source="organization_id", read_only=True)
    vendor = serializers.UUIDField(source="vendor_id", read_only=True, allow_null=True)
    vendor_name = serializers.CharField(source="vendor.name", read_only=True, default=None)
    screening = ScreeningField(read_only=True)

    class Meta:
        model = AISystem
        fields = [
            "id",
            "organization",
            "name",
            "purpose",
            "vendor",
            "vendor_name",
            "modality",
            "subjects",
            "context",
            "medical_or_safety_purpose",
            "decides_about_people",
            "status",
            "screening",
            "screened_at",
            "legal_hold",
            "legal_hold_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class SystemCreateInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    purpose = serializers.CharField()
    vendor = serializers.UUIDField(required=False, allow_null=True, default=None)
    modality = serializers.ChoiceField(choices=Modality.choices)
    subjects = serializers.ChoiceField(choices=Subjects.choices)
    context = serializers.ChoiceField(choices=Context.choices)
    medical_or_safety_purpose = serializers.BooleanField(default=False)
    decides_about_people = serializers.BooleanField(default=False)
    organization = serializers.UUIDField(required=False)


class SystemUpdateInput(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    purpose = serializers.CharField(required=False)
    vendor = serializers.UUIDField(required=False, allow_null=True)
    modality = serializers.ChoiceField(choices=Modality.choices, required=False)
    subjects = serializers.ChoiceField(choices=Subjects.choices, required=False)
    context = serializers.ChoiceField(choices=Context.choices, required=False)
    medical_or_safety_purpose = serializers.BooleanField(required=False)
    decides_about_people = serializers.BooleanField(required=False)


class SystemTransitionInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=SystemStatus.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class LegalHoldInput(serializers.Serializer):
    legal_hold = serializers.BooleanField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class VersionOutput(serializers.ModelSerializer):
    system = serializers.UUIDField(source="system_id", read_only=True)

    class Meta:
        model = ModelVersion
        fields = [
            "id",
            "system",
            "version",
            "labels",
            "flagged_labels",
            "description",
            "artifact_sha256",
            "status",
            "valid_until",
            "created_at",
        ]
        read_only_fields = fields


class VersionCreateInput(serializers.Serializer):
    version = serializers.CharField(max_length=64)
    labels = serializers.ListField(child=serializers.CharField(max_length=40), max_length=100)
    flagged_labels = serializers.ListField(
        child=serializers.CharField(max_length=40), max_length=100, default=list
    )
    description = serializers.CharField(required=False, allow_blank=True, default="")
    artifact_sha256 = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=64
    )


class LedgerEventOutput(serializers.ModelSerializer):
    organization = serializers.UUIDField(source="organization_id", read_only=True)

    class Meta:
        model = LedgerEvent
        fields = [
            "seq",
            "organization",
            "actor",
            "verb",
            "target_type",
            "target_id",
            "payload",
            "payload_sha256",
            "at",
            "prev_hash",
            "hash",
        ]
        read_only_fields = fields


class LedgerVerifyOutput(serializers.Serializer):
    ok = serializers.BooleanField()
    events = serializers.IntegerField()
    head = serializers.CharField(allow_null=True)
    message = serializers.CharField()
    heads = serializers.DictField(child=serializers.CharField())
    broken_event = serializers.DictField(allow_null=True)
