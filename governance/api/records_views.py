"""Thin views of the owner's records (DESIGN.md §5): validate input, call one service or
selector, serialize. Questionnaires and impact assessments, the Art. 30 record of processing
with its warnings and exports, consent policies, consent records and a person's consent state."""

from collections.abc import Iterable, Mapping

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from config.api import FileView, bad_request
from governance import selectors
from governance import selectors_records as sr
from governance.api import records_serializers as rs
from governance.api.views import ScopedViewSet, resolve_organization
from governance.exports import render_register_csv, render_register_pdf
from governance.models import (
    AISystem,
    ConsentPolicy,
    ConsentRecord,
    ImpactAssessment,
    Organization,
    ProcessingActivity,
    Questionnaire,
)
from governance.permissions import ANY_MEMBER, OWNER, NotVendor
from governance.questionnaires import AnswerError
from governance.services.assessments import (
    assessment_create,
    assessment_submit,
    assessment_update,
)
from governance.services.records import (
    consent_policy_create,
    consent_policy_publish,
    consent_policy_update,
    consent_record_create,
    processing_activity_create,
    processing_activity_delete,
    processing_activity_update,
    pseudonymise_subject,
)

NOT_AN_OBJECT = "Send a JSON object."
UNKNOWN_FIELD = "Unknown field; the fields you can send are: {allowed}."
COMPUTED_FIELD = "Attune computes this from the answers and the questionnaire; it cannot be sent."
SUBMIT_TAKES_NOTHING = "Submitting takes no fields: change the answers with PATCH first."
SYSTEM_NOT_FOUND = "No AI system with this id in your organizations."
SYSTEMS_NOT_FOUND = "No AI system {id} in this organization."
QUESTIONNAIRE_NOT_FOUND = "Questionnaire not found."
POLICY_NOT_FOUND = "Consent policy not found."

# Fields of an assessment's output that Attune computes: a client may never send them.
COMPUTED_ASSESSMENT_FIELDS = frozenset(
    {
        "score",
        "level",
        "raw",
        "max_raw",
        "mitigation",
        "max_mitigation",
        "ratio",
        "mitigation_ratio",
        "mitigation_applied",
        "contributions",
        "explanation",
        "unanswered",
        "answers_sha256",
        "status",
        "revision",
        "submitted_at",
        "submitted_by",
    }
)
ASSESSMENT_CREATE_FIELDS = ("system", "answers", "questionnaire")
ASSESSMENT_UPDATE_FIELDS = ("answers",)
ORGANIZATION_PARAMETER = OpenApiParameter(
    "organization",
    str,
    description="Which of your organizations (needed only if you belong to several).",
)


def refuse_unknown(
    data: object, allowed: Iterable[str], *, computed: frozenset[str] = frozenset()
) -> None:
    """400 naming each field the endpoint does not take (serializers would ignore them)."""
    if not isinstance(data, Mapping):
        raise ValidationError({"non_field_errors": [NOT_AN_OBJECT]})
    allowed = tuple(allowed)
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationError(
            {
                name: [
                    COMPUTED_FIELD
                    if name in computed
                    else UNKNOWN_FIELD.format(allowed=", ".join(allowed))
                ]
                for name in unknown
            }
        )


def resolve_systems(*, organization: Organization, ids: list | None) -> list[AISystem] | None:
    """The organization's systems with these ids, in order; 400 naming `systems` otherwise."""
    if ids is None:
        return None
    found = {system.pk: system for system in organization.systems.filter(pk__in=ids)}
    missing = [str(pk) for pk in ids if pk not in found]
    if missing:
        raise ValidationError({"systems": [SYSTEMS_NOT_FOUND.format(id=pk) for pk in missing]})
    return [found[pk] for pk in dict.fromkeys(ids)]


def _query_organization(request, roles) -> Organization:
    return resolve_organization(
        actor=request.user, organization_id=request.query_params.get("organization"), roles=roles
    )


# Questionnaires and impact assessments


class QuestionnaireViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Impact-assessment questionnaires (read-only), so clients can render the form."""

    serializer_class = rs.QuestionnaireOutput
    model = Questionnaire
    permission_classes = [IsAuthenticated, NotVendor]
    filterset_fields = ["key", "version"]

    def scoped_queryset(self):
        return sr.questionnaire_list(actor=self.request.user)


class AssessmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Impact-assessment revisions: owners write, every member reads (DESIGN.md §4)."""

    serializer_class = rs.AssessmentOutput
    model = ImpactAssessment
    permission_classes = [IsAuthenticated, NotVendor]
    filterset_fields = ["system", "status"]

    def scoped_queryset(self):
        return sr.assessment_list(actor=self.request.user)

    @extend_schema(request=rs.AssessmentCreateInput, responses={201: rs.AssessmentOutput})
    def create(self, request):
        refuse_unknown(request.data, ASSESSMENT_CREATE_FIELDS, computed=COMPUTED_ASSESSMENT_FIELDS)
        payload = rs.AssessmentCreateInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        system = selectors.system_list(actor=request.user).filter(pk=data["system"]).first()
        if system is None:
            raise ValidationError({"system": [SYSTEM_NOT_FOUND]})
        questionnaire = None
        if "questionnaire" in data:
            questionnaire = (
                sr.questionnaire_list(actor=request.user).filter(pk=data["questionnaire"]).first()
            )
            if questionnaire is None:
                raise ValidationError({"questionnaire": [QUESTIONNAIRE_NOT_FOUND]})
        try:
            assessment = assessment_create(
                actor=request.user,
                system=system,
                answers=data.get("answers"),
                questionnaire=questionnaire,
            )
        except AnswerError as exc:
            return bad_request(exc.errors, detail=exc.detail)
        return Response(rs.AssessmentOutput(assessment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=rs.AssessmentUpdateInput,
        responses={200: rs.AssessmentOutput, 201: rs.AssessmentOutput},
        description="A draft's answers are replaced (200); a submitted revision stays frozen "
        "and a new draft revision with the merged answers is returned (201).",
    )
    def partial_update(self, request, pk=None):
        assessment = self.get_object()
        refuse_unknown(request.data, ASSESSMENT_UPDATE_FIELDS, computed=COMPUTED_ASSESSMENT_FIELDS)
        payload = rs.AssessmentUpdateInput(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            assessment, created = assessment_update(
                actor=request.user,
                assessment=assessment,
                answers=payload.validated_data["answers"],
            )
        except AnswerError as exc:
            return bad_request(exc.errors, detail=exc.detail)
        return Response(
            rs.AssessmentOutput(assessment).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(request=None, responses=rs.AssessmentOutput)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        assessment = self.get_object()
        if not isinstance(request.data, Mapping):
            raise ValidationError({"non_field_errors": [NOT_AN_OBJECT]})
        if request.data:
            raise ValidationError(
                {
                    name: [
                        COMPUTED_FIELD
                        if name in COMPUTED_ASSESSMENT_FIELDS
                        else SUBMIT_TAKES_NOTHING
                    ]
                    for name in sorted(request.data)
                }
            )
        try:
            assessment = assessment_submit(actor=request.user, assessment=assessment)
        except AnswerError as exc:
            return bad_request(exc.errors, detail=exc.detail)
        return Response(rs.AssessmentOutput(assessment).data)


# Record of processing (GDPR Art. 30)


class ProcessingActivityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The record of processing activities: owners write, every member reads."""

    serializer_class = rs.ProcessingActivityOutput
    model = ProcessingActivity
    permission_classes = [IsAuthenticated, NotVendor]
    filterset_fields = ["legal_basis", "automated_decision_making"]

    def scoped_queryset(self):
        return sr.processing_activity_list(actor=self.request.user)

    def _fresh(self, activity: ProcessingActivity) -> ProcessingActivity:
        return self.get_queryset().get(pk=activity.pk)

    @extend_schema(request=rs.ProcessingActivityInput, responses={201: rs.ProcessingActivityOutput})
    def create(self, request):
        refuse_unknown(request.data, rs.ProcessingActivityInput().fields)
        payload = rs.ProcessingActivityInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        organization = resolve_organization(
            actor=request.user, organization_id=data.pop("organization", None), roles=OWNER
        )
        systems = resolve_systems(organization=organization, ids=data.pop("systems", []))
        activity = processing_activity_create(
            actor=request.user, organization=organization, systems=systems, **data
        )
        return Response(
            rs.ProcessingActivityOutput(self._fresh(activity)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=rs.ProcessingActivityInput, responses=rs.ProcessingActivityOutput)
    def partial_update(self, request, pk=None):
        activity = self.get_object()
        allowed = [name for name in rs.ProcessingActivityInput().fields if name != "organization"]
        refuse_unknown(request.data, allowed)
        payload = rs.ProcessingActivityInput(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        systems = resolve_systems(organization=activity.organization, ids=data.pop("systems", None))
        activity = processing_activity_update(
            actor=request.user, activity=activity, systems=systems, **data
        )
        return Response(rs.ProcessingActivityOutput(self._fresh(activity)).data)

    def destroy(self, request, pk=None):
        processing_activity_delete(actor=request.user, activity=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(parameters=[ORGANIZATION_PARAMETER], responses=rs.RecordWarningOutput(many=True))
    @action(detail=False, methods=["get"])
    def warnings(self, request):
        """Gaps across the organization's records, then each processing record's own."""
        organization = _query_organization(request, ANY_MEMBER)
        found = sr.organization_record_warnings(organization=organization)
        for activity in self.get_queryset().filter(organization=organization).order_by("name"):
            found.extend(sr.processing_activity_warnings(activity=activity))
        return Response(
            {
                "organization": str(organization.pk),
                "warnings": [warning.to_dict() for warning in found],
            }
        )


class RegisterExportView(FileView):
    """The whole record of processing as a file (owners); the pinned paths have no slash."""

    permission_classes = [IsAuthenticated, NotVendor]
    content_type = ""
    suffix = ""

    def render(self, organization: dict, activities: list[dict]) -> bytes:
        raise TypeError("subclasses render the file")

    def get(self, request):
        organization = _query_organization(request, OWNER)
        activities = sr.processing_activity_export_rows(organization=organization)
        response = HttpResponse(
            self.render({"name": organization.name}, activities), content_type=self.content_type
        )
        stamp = timezone.now().strftime("%Y%m%d")
        response["Content-Disposition"] = (
            f'attachment; filename="attune-record-of-processing-{stamp}.{self.suffix}"'
        )
        return response


class RegisterCsvView(RegisterExportView):
    """GET /api/v1/processing-activities/export.csv: safe to open in a spreadsheet."""

    content_type = "text/csv; charset=utf-8"
    suffix = "csv"

    @extend_schema(
        parameters=[ORGANIZATION_PARAMETER],
        responses={(200, "text/csv"): OpenApiResponse(description="Record of processing")},
    )
    def get(self, request):
        return super().get(request)

    def render(self, organization: dict, activities: list[dict]) -> bytes:
        return render_register_csv(organization, activities).encode("utf-8")


class RegisterPdfView(RegisterExportView):
    """GET /api/v1/processing-activities/export.pdf: the record for the supervisory authority."""

    content_type = "application/pdf"
    suffix = "pdf"

    @extend_schema(
        parameters=[ORGANIZATION_PARAMETER],
        responses={(200, "application/pdf"): OpenApiResponse(description="Record of processing")},
    )
    def get(self, request):
        return super().get(request)

    def render(self, organization: dict, activities: list[dict]) -> bytes:
        return render_register_pdf(
            organization, activities, generated_at=timezone.now().isoformat()
        )


# Consent


class ConsentPolicyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Consent policy versions: owners write; members read; a vendor reads the published
    versions linked to its systems."""

    serializer_class = rs.ConsentPolicyOutput
    model = ConsentPolicy
    filterset_fields = ["name", "status"]

    def scoped_queryset(self):
        return sr.consent_policy_list(actor=self.request.user)

    def _fresh(self, policy: ConsentPolicy) -> ConsentPolicy:
        return self.get_queryset().get(pk=policy.pk)

    @extend_schema(request=rs.ConsentPolicyInput, responses={201: rs.ConsentPolicyOutput})
    def create(self, request):
        refuse_unknown(request.data, rs.ConsentPolicyInput().fields)
        payload = rs.ConsentPolicyInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        organization = resolve_organization(
            actor=request.user, organization_id=data.pop("organization", None), roles=OWNER
        )
        systems = resolve_systems(organization=organization, ids=data.pop("systems", []))
        policy = consent_policy_create(
            actor=request.user, organization=organization, systems=systems, **data
        )
        return Response(
            rs.ConsentPolicyOutput(self._fresh(policy)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=rs.ConsentPolicyInput,
        responses={200: rs.ConsentPolicyOutput, 201: rs.ConsentPolicyOutput},
        description="A draft changes in place (200); a published version is immutable, so the "
        "change is returned as the next version, a draft (201).",
    )
    def partial_update(self, request, pk=None):
        policy = self.get_object()
        allowed = [name for name in rs.ConsentPolicyInput().fields if name != "organization"]
        refuse_unknown(request.data, allowed)
        payload = rs.ConsentPolicyInput(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        systems = resolve_systems(organization=policy.organization, ids=data.pop("systems", None))
        policy, created = consent_policy_update(
            actor=request.user, policy=policy, systems=systems, **data
        )
        return Response(
            rs.ConsentPolicyOutput(self._fresh(policy)).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(request=None, responses=rs.ConsentPolicyOutput)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        policy = consent_policy_publish(actor=request.user, policy=self.get_object())
        return Response(rs.ConsentPolicyOutput(self._fresh(policy)).data)


class ConsentRecordViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Append-only consent records. A request carries a person's raw reference only in its
    body; responses show only its pseudonym `subject_ref`."""

    serializer_class = rs.ConsentRecordOutput
    model = ConsentRecord
    # JSON only: an HTML form would echo the posted raw reference back.
    renderer_classes = [JSONRenderer]
    filterset_fields = ["policy", "action", "subject_ref"]

    def scoped_queryset(self):
        return sr.consent_record_list(actor=self.request.user)

    @extend_schema(request=rs.ConsentRecordInput, responses={201: rs.ConsentRecordOutput})
    def create(self, request):
        refuse_unknown(request.data, rs.ConsentRecordInput().fields)
        payload = rs.ConsentRecordInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        policy = sr.consent_policy_list(actor=request.user).filter(pk=data.pop("policy")).first()
        if policy is None:
            raise NotFound(POLICY_NOT_FOUND)
        record = consent_record_create(actor=request.user, policy=policy, **data)
        record = self.get_queryset().get(pk=record.pk)
        return Response(rs.ConsentRecordOutput(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=rs.ConsentStateInput, responses=rs.ConsentStateOutput)
    @action(detail=False, methods=["post"])
    def state(self, request):
        """A person's current consent: POST, so the raw reference is never in a URL or log."""
        refuse_unknown(request.data, rs.ConsentStateInput().fields)
        payload = rs.ConsentStateInput(data=request.data)
        payload.is_valid(raise_exception=True)
        subject_ref = pseudonymise_subject(payload.validated_data["subject"])
        result = sr.consent_state(actor=request.user, subject_ref=subject_ref)
        return Response(rs.ConsentStateOutput(result).data)
