"""Thin API views of the review board: requests, sign-offs, certificate, suspension, deployment."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import FileView
from governance import selectors
from governance.api import board_serializers as s
from governance.api.serializers import VersionOutput
from governance.api.views import ScopedViewSet
from governance.exceptions import DomainError
from governance.exports.certificate import render_certificate_pdf
from governance.ledger import verify_chain
from governance.models import DeploymentRequest, RequestStatus
from governance.permissions import NotVendor
from governance.selectors_board import (
    DECIDED,
    certificate_context,
    deployment_request_list,
    verify_signoffs,
)
from governance.services.board import deployment_request_create, signoff_record
from governance.services.board_lifecycle import version_deploy, version_suspend

VERSION_NOT_FOUND = "Model version not found."
NOT_DECIDED = (
    "This deployment request is {status}: a certificate exists once the board has approved or "
    "rejected it."
)


class DeploymentRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Deployment requests: owners make them, the board signs them."""

    serializer_class = s.DeploymentRequestOutput
    model = DeploymentRequest
    permission_classes = [IsAuthenticated, NotVendor]

    def scoped_queryset(self):
        queryset = deployment_request_list(actor=self.request.user).order_by("-created_at")
        wanted = self.request.query_params.get("status")
        if wanted in RequestStatus.values:
            queryset = queryset.filter(status=wanted)
        return queryset

    @extend_schema(
        request=s.DeploymentRequestCreateInput, responses={201: s.DeploymentRequestOutput}
    )
    def create(self, request):
        payload = s.DeploymentRequestCreateInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        version = (
            selectors.version_list(actor=request.user).filter(pk=data["model_version"]).first()
        )
        if version is None:
            raise ValidationError({"model_version": [VERSION_NOT_FOUND]})
        created = deployment_request_create(
            actor=request.user, model_version=version, audit_run_id=data.get("audit_run")
        )
        body = s.DeploymentRequestOutput(self.get_queryset().get(pk=created.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.SignOffCreateInput, responses={201: s.SignOffOutput})
    @action(detail=True, methods=["get", "post"])
    def signoffs(self, request, pk=None):
        deployment_request = self.get_object()
        if request.method == "GET":
            return Response(s.SignOffOutput(deployment_request.signoffs.all(), many=True).data)
        payload = s.SignOffCreateInput(data=request.data)
        payload.is_valid(raise_exception=True)
        signoff = signoff_record(
            actor=request.user, request=deployment_request, **payload.validated_data
        )
        return Response(s.SignOffOutput(signoff).data, status=status.HTTP_201_CREATED)


class CertificateView(FileView):
    """GET /api/v1/deployment-requests/{id}/certificate.pdf: the approval certificate of a
    decided request, after its sign-offs and the ledger verify."""

    permission_classes = [IsAuthenticated, NotVendor]

    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(description="PDF")})
    def get(self, request, pk):
        deployment_request = get_object_or_404(deployment_request_list(actor=request.user), pk=pk)
        if deployment_request.status not in DECIDED:
            label = RequestStatus(deployment_request.status).label.lower()
            raise DomainError(NOT_DECIDED.format(status=label), code="request_not_decided")
        signoffs = verify_signoffs(deployment_request)
        if not signoffs.ok:
            raise DomainError(signoffs.message, code="signoffs_do_not_verify")
        chain = verify_chain([str(deployment_request.model_version.system.organization_id)])
        if not chain.ok:
            raise DomainError(chain.message, code="ledger_broken")
        pdf = render_certificate_pdf(certificate_context(request=deployment_request))
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="attune-certificate-{deployment_request.pk}.pdf"'
        )
        return response


def _visible_version(request, pk):
    return get_object_or_404(selectors.version_list(actor=request.user), pk=pk)


class VersionSuspendView(APIView):
    """POST /api/v1/versions/{id}/suspend/ {reason}: stop an approved or deployed version."""

    permission_classes = [IsAuthenticated, NotVendor]

    @extend_schema(request=s.SuspendInput, responses=VersionOutput)
    def post(self, request, pk):
        version = _visible_version(request, pk)
        payload = s.SuspendInput(data=request.data)
        payload.is_valid(raise_exception=True)
        version = version_suspend(
            actor=request.user, model_version=version, reason=payload.validated_data["reason"]
        )
        return Response(VersionOutput(version).data)


class VersionDeployView(APIView):
    """POST /api/v1/versions/{id}/deploy/: put an approved, unexpired version into use."""

    permission_classes = [IsAuthenticated, NotVendor]

    @extend_schema(request=None, responses=VersionOutput)
    def post(self, request, pk):
        version = version_deploy(actor=request.user, model_version=_visible_version(request, pk))
        return Response(VersionOutput(version).data)
