"""API shapes of the owner's records: questionnaires, impact assessments, the Art. 30 record of
processing, consent policies and consent records. A raw subject reference is write-only input:
no output shape has a field for it."""

from rest_framework import serializers

from governance.models import (
    ConsentAction,
    ConsentPolicy,
    ConsentRecord,
    ImpactAssessment,
    LegalBasis,
    ProcessingActivity,
    Questionnaire,
    SpecialCategoryBasis,
)
from governance.selectors_records import (
    assessment_score,
    processing_activity_warnings,
    questionnaire_content,
)

TEXT_ITEM_MAX = 300
LIST_MAX = 100
SUBJECT_MAX = 256


def _text_list() -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(max_length=TEXT_ITEM_MAX), max_length=LIST_MAX, required=False
    )


def _system_ids() -> serializers.ListField:
    return serializers.ListField(child=serializers.UUIDField(), max_length=LIST_MAX, required=False)


class QuestionnaireOutput(serializers.ModelSerializer):
    class Meta:
        model = Questionnaire
        fields = ["id", "key", "version", "title", "content_sha256", "created_at"]
        read_only_fields = fields

    def to_representation(self, instance: Questionnaire) -> dict:
        data = super().to_representation(instance)
        content = questionnaire_content(questionnaire=instance)
        data.update(
            description=content.description,
            max_raw=content.max_raw,
            max_mitigation=content.max_mitigation,
            sections=[{"id": s.id, "title": s.title} for s in content.sections],
            questions=[q.to_dict() for q in content.questions],
        )
        return data


class AssessmentOutput(serializers.ModelSerializer):
    """A revision with its `score`: frozen once submitted, a live preview for a draft."""

    organization = serializers.UUIDField(source="system.organization_id", read_only=True)
    system = serializers.UUIDField(source="system_id", read_only=True)
    system_name = serializers.CharField(source="system.name", read_only=True)
    questionnaire = serializers.UUIDField(source="questionnaire_id", read_only=True)
    questionnaire_key = serializers.CharField(source="questionnaire.key", read_only=True)
    questionnaire_version = serializers.IntegerField(source="questionnaire.version", read_only=True)
    created_by = serializers.IntegerField(source="created_by_id", read_only=True)
    submitted_by = serializers.IntegerField(source="submitted_by_id", read_only=True)

    class Meta:
        model = ImpactAssessment
        fields = [
            "id",
            "organization",
            "system",
            "system_name",
            "questionnaire",
            "questionnaire_key",
            "questionnaire_version",
            "revision",
            "status",
            "answers",
            "answers_sha256",
            "created_by",
            "submitted_by",
            "submitted_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance: ImpactAssessment) -> dict:
        data = super().to_representation(instance)
        result = assessment_score(assessment=instance)
        data["score"] = result
        data["explanation"] = result["explanation"] if result else None
        data["contributions"] = result["contributions"] if result else []
        return data


class AssessmentCreateInput(serializers.Serializer):
    system = serializers.UUIDField()
    answers = serializers.JSONField(required=False)
    questionnaire = serializers.UUIDField(required=False)


class AssessmentUpdateInput(serializers.Serializer):
    answers = serializers.JSONField()


class RecordWarningOutput(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    processing_activity = serializers.UUIDField(allow_null=True)
    system = serializers.UUIDField(allow_null=True)


class ProcessingActivityOutput(serializers.ModelSerializer):
    organization = serializers.UUIDField(source="organization_id", read_only=True)
    systems = serializers.SerializerMethodField()
    warnings = serializers.SerializerMethodField()

    class Meta:
        model = ProcessingActivity
        fields = [
            "id",
            "organization",
            "name",
            "controller_name",
            "controller_contact",
            "dpo_contact",
            "purposes",
            "legal_basis",
            "special_category_basis",
            "special_category_necessity",
            "data_subject_categories",
            "personal_data_categories",
            "processes_inferred_emotions",
            "recipients",
            "third_country_transfers",
            "transfer_safeguards",
            "retention",
            "security_measures",
            "automated_decision_making",
            "relies_on_consent",
            "systems",
            "warnings",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_systems(self, obj: ProcessingActivity) -> list[dict]:
        return [{"id": str(s.pk), "name": s.name} for s in obj.systems.all()]

    def get_warnings(self, obj: ProcessingActivity) -> list[dict]:
        return [w.to_dict() for w in processing_activity_warnings(activity=obj)]


class ProcessingActivityInput(serializers.Serializer):
    """Every Art. 30(1) field; `systems` are ids of the organization's AI systems."""

    organization = serializers.UUIDField(required=False)
    name = serializers.CharField(max_length=200)
    controller_name = serializers.CharField(max_length=200)
    controller_contact = serializers.CharField(max_length=300)
    dpo_contact = serializers.CharField(max_length=300, required=False, allow_blank=True)
    purposes = _text_list()
    legal_basis = serializers.ChoiceField(
        choices=LegalBasis.choices, required=False, allow_blank=True
    )
    special_category_basis = serializers.ChoiceField(
        choices=SpecialCategoryBasis.choices, required=False, allow_blank=True
    )
    special_category_necessity = serializers.CharField(required=False, allow_blank=True)
    data_subject_categories = _text_list()
    personal_data_categories = _text_list()
    processes_inferred_emotions = serializers.BooleanField(required=False)
    recipients = _text_list()
    third_country_transfers = _text_list()
    transfer_safeguards = serializers.CharField(required=False, allow_blank=True)
    retention = serializers.CharField(required=False, allow_blank=True)
    security_measures = serializers.CharField(required=False, allow_blank=True)
    automated_decision_making = serializers.BooleanField(required=False)
    systems = _system_ids()


class ConsentPolicyOutput(serializers.ModelSerializer):
    organization = serializers.UUIDField(source="organization_id", read_only=True)
    systems = serializers.SerializerMethodField()

    class Meta:
        model = ConsentPolicy
        fields = [
            "id",
            "organization",
            "name",
            "version",
            "status",
            "text",
            "text_sha256",
            "purposes",
            "explicit",
            "systems",
            "effective_from",
            "published_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_systems(self, obj: ConsentPolicy) -> list[dict]:
        return [{"id": str(s.pk), "name": s.name} for s in obj.systems.all()]


class ConsentPolicyInput(serializers.Serializer):
    organization = serializers.UUIDField(required=False)
    name = serializers.CharField(max_length=200)
    text = serializers.CharField(trim_whitespace=False)
    purposes = _text_list()
    explicit = serializers.BooleanField(required=False)
    systems = _system_ids()
    effective_from = serializers.DateField()


class ConsentRecordOutput(serializers.ModelSerializer):
    organization = serializers.UUIDField(source="organization_id", read_only=True)
    policy = serializers.UUIDField(source="policy_id", read_only=True)
    policy_name = serializers.CharField(source="policy.name", read_only=True)
    policy_version = serializers.IntegerField(source="policy.version", read_only=True)
    policy_text_sha256 = serializers.CharField(source="policy.text_sha256", read_only=True)

    class Meta:
        model = ConsentRecord
        fields = [
            "id",
            "organization",
            "policy",
            "policy_name",
            "policy_version",
            "policy_text_sha256",
            "subject_ref",
            "action",
            "at",
            "channel",
            "evidence",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = fields


class ConsentRecordInput(serializers.Serializer):
    """`subject` is the person's raw reference: pseudonymised on arrival, never stored."""

    policy = serializers.UUIDField()
    subject = serializers.CharField(max_length=SUBJECT_MAX, write_only=True)
    action = serializers.ChoiceField(choices=ConsentAction.choices)
    channel = serializers.CharField(max_length=100)
    evidence = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
    at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class ConsentStateInput(serializers.Serializer):
    subject = serializers.CharField(max_length=SUBJECT_MAX, write_only=True)


class ConsentStatePolicyOutput(serializers.Serializer):
    policy = serializers.UUIDField()
    name = serializers.CharField()
    version = serializers.IntegerField()
    action = serializers.CharField()
    at = serializers.DateTimeField()
    granted = serializers.BooleanField()


class ConsentStateSystemOutput(serializers.Serializer):
    system = serializers.UUIDField()
    name = serializers.CharField()
    granted = serializers.BooleanField()


class ConsentStateOutput(serializers.Serializer):
    subject_ref = serializers.CharField()
    policies = ConsentStatePolicyOutput(many=True)
    systems = ConsentStateSystemOutput(many=True)
