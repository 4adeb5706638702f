"""API shapes of the review board: deployment requests, sign-offs, recusals, suspension."""

from rest_framework import serializers

from governance.models import Decision, DeploymentRequest, Recusal, SignOff
from governance.selectors_board import counted_approvals, printed_name

DIGEST_PATTERN = r"^[0-9a-f]{64}$"
DIGEST_MESSAGE = "Send the request's evidence_sha256 you reviewed: 64 lowercase hex digits."
SERVER_SET = "This field is set by the server (the signed-in member, the server's clock)."
SERVER_FIELDS = ("at", "member", "role", "reauthenticated", "signed_at", "request", "id")


class SignOffOutput(serializers.ModelSerializer):
    request = serializers.UUIDField(source="request_id", read_only=True)
    member = serializers.UUIDField(source="member_id", read_only=True)
    member_name = serializers.SerializerMethodField()

    class Meta:
        model = SignOff
        fields = [
            "id",
            "request",
            "member",
            "member_name",
            "role",
            "decision",
            "reasons",
            "conditions",
            "conditions_expire_at",
            "evidence_sha256",
            "at",
            "reauthenticated",
        ]
        read_only_fields = fields

    def get_member_name(self, obj: SignOff) -> str:
        return printed_name(obj.member)


class RecusalOutput(serializers.ModelSerializer):
    member = serializers.UUIDField(source="member_id", read_only=True)
    member_name = serializers.SerializerMethodField()

    class Meta:
        model = Recusal
        fields = ["member", "member_name", "reason", "created_at"]
        read_only_fields = fields

    def get_member_name(self, obj: Recusal) -> str:
        return printed_name(obj.member)


class DeploymentRequestOutput(serializers.ModelSerializer):
    model_version = serializers.UUIDField(source="model_version_id", read_only=True)
    system = serializers.UUIDField(source="model_version.system_id", read_only=True)
    assessment = serializers.UUIDField(source="assessment_id", read_only=True)
    audit_run = serializers.UUIDField(source="audit_run_id", read_only=True)
    requested_by = serializers.UUIDField(source="requested_by_id", read_only=True)
    approvals = serializers.SerializerMethodField()
    quorum = serializers.IntegerField(
        source="model_version.system.organization.quorum", read_only=True
    )
    signoffs = SignOffOutput(many=True, read_only=True)
    recusals = RecusalOutput(many=True, read_only=True)

    class Meta:
        model = DeploymentRequest
        fields = [
            "id",
            "model_version",
            "system",
            "assessment",
            "audit_run",
            "audit_result_sha256",
            "screening",
            "evidence",
            "evidence_sha256",
            "requested_by",
            "status",
            "status_reason",
            "created_at",
            "decided_at",
            "valid_until",
            "approvals",
            "quorum",
            "signoffs",
            "recusals",
        ]
        read_only_fields = fields

    def get_approvals(self, obj: DeploymentRequest) -> int:
        return counted_approvals(obj)


class DeploymentRequestCreateInput(serializers.Serializer):
    model_version = serializers.UUIDField()
    audit_run = serializers.UUIDField(required=False, allow_null=True)


class SignOffCreateInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    reasons = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    conditions = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=5000
    )
    conditions_expire_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    evidence_sha256 = serializers.RegexField(
        DIGEST_PATTERN, error_messages={"invalid": DIGEST_MESSAGE}
    )

    def validate(self, attrs):
        refused = sorted(set(self.initial_data) & set(SERVER_FIELDS))
        if refused:
            raise serializers.ValidationError(dict.fromkeys(refused, SERVER_SET))
        return attrs


class SuspendInput(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)
