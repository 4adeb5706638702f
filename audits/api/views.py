"""Thin API views for batches, audit runs and their reports."""

import tempfile
from pathlib import Path

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from audits import services, storage
from audits.api import serializers as s
from audits.ingest import IngestError
from audits.models import AuditRun, PredictionBatch, RunStatus
from audits.reports import build_context, render_pdf, render_results_csv
from audits.selectors import audit_run_list, batch_list
from config.api import FileView, bad_request
from governance.api.views import ScopedViewSet
from governance.exceptions import DomainError
from governance.selectors import version_list

TOO_LARGE = "The upload is larger than the limit of {limit} bytes."
BATCH_REJECTED = "The file was rejected: {total} problem(s) found; nothing was stored."
BATCH_NOT_FOUND = "Batch not found."
NOT_FINISHED = "The audit is {status}: its report exists once it is done."


def _too_large() -> Response:
    return Response(
        {"detail": TOO_LARGE.format(limit=settings.ATTUNE_MAX_UPLOAD_BYTES)},
        status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    )


class BatchUploadView(APIView):
    """POST /api/v1/versions/{id}/batches/: submit a model version's predictions."""

    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": s.BatchUploadInput},
        responses={
            201: s.BatchOutput,
            200: s.BatchOutput,
            400: OpenApiResponse(),
            413: OpenApiResponse(),
        },
    )
    def post(self, request, pk):
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > settings.ATTUNE_MAX_UPLOAD_BYTES:
            return _too_large()
        version = get_object_or_404(version_list(actor=request.user), pk=pk)
        payload = s.BatchUploadInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        upload = data["file"]
        if upload.size > settings.ATTUNE_MAX_UPLOAD_BYTES:
            return _too_large()
        with tempfile.TemporaryDirectory(dir=storage.data_dir()) as folder:
            if hasattr(upload, "temporary_file_path"):
                path = Path(upload.temporary_file_path())
            else:
                path = Path(folder) / "upload"
                with path.open("wb") as handle:
                    for chunk in upload.chunks():
                        handle.write(chunk)
            try:
                batch, created = services.batch_upload(
                    actor=request.user,
                    version=version,
                    upload=path,
                    filename=upload.name or "",
                    fmt=data["format"],
                    sensitive=data["sensitive"],
                    features=data["features"],
                    subject_column=data["subject_column"],
                )
            except IngestError as exc:
                return bad_request(
                    exc.errors,
                    detail=BATCH_REJECTED.format(total=exc.total),
                    total_errors=exc.total,
                )
        return Response(
            s.BatchOutput(batch).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class BatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Batch metadata (never its rows)."""

    serializer_class = s.BatchOutput
    model = PredictionBatch
    filterset_fields = ["model_version"]

    def scoped_queryset(self):
        return batch_list(actor=self.request.user)


class AuditViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Audit runs: start one, read its results, download its report."""

    serializer_class = s.AuditOutput
    model = AuditRun
    filterset_fields = ["batch", "status"]

    def scoped_queryset(self):
        return audit_run_list(actor=self.request.user)

    def get_serializer_class(self):
        return s.AuditSummaryOutput if self.action == "list" else s.AuditOutput

    @extend_schema(request=s.AuditStartInput, responses={202: s.AuditSummaryOutput})
    def create(self, request):
        payload = s.AuditStartInput(data=request.data)
        payload.is_valid(raise_exception=True)
        options = dict(payload.validated_data)
        batch = batch_list(actor=request.user).filter(pk=options.pop("batch")).first()
        if batch is None:
            raise ValidationError({"batch": [BATCH_NOT_FOUND]})
        run = services.audit_run_start(actor=request.user, batch=batch, options=options)
        run.refresh_from_db()
        return Response({"id": str(run.pk), "status": run.status}, status=status.HTTP_202_ACCEPTED)


class AuditFileView(FileView):
    """A finished audit's report file; the pinned paths have no trailing slash."""

    content_type = ""
    suffix = ""

    def render(self, context: dict) -> bytes | str:
        raise TypeError("subclasses render the file")

    def get(self, request, pk):
        run = get_object_or_404(audit_run_list(actor=request.user), pk=pk)
        if run.status != RunStatus.DONE:
            raise DomainError(NOT_FINISHED.format(status=run.status), code="audit_not_done")
        response = HttpResponse(
            self.render(build_context(**report_inputs(run))), content_type=self.content_type
        )
        response["Content-Disposition"] = (
            f'attachment; filename="attune-audit-{run.pk}.{self.suffix}"'
        )
        return response


class AuditReportView(AuditFileView):
    """GET /api/v1/audits/{id}/report.pdf: the PDF audit report."""

    content_type = "application/pdf"
    suffix = "pdf"

    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(description="PDF report")})
    def get(self, request, pk):
        return super().get(request, pk)

    def render(self, context: dict) -> bytes:
        return render_pdf(context)


class AuditResultsCsvView(AuditFileView):
    """GET /api/v1/audits/{id}/results.csv: tidy metrics, safe to open in a spreadsheet."""

    content_type = "text/csv; charset=utf-8"
    suffix = "csv"

    @extend_schema(responses={(200, "text/csv"): OpenApiResponse(description="Tidy metrics")})
    def get(self, request, pk):
        return super().get(request, pk)

    def render(self, context: dict) -> str:
        return render_results_csv(context)


def report_inputs(run: AuditRun) -> dict:
    """Plain dicts from the immutable run for the report renderer, which never queries."""
    batch = run.batch
    version = batch.model_version
    system = version.system
    return {
        "run": {
            "id": str(run.pk),
            "status": run.status,
            "config": run.config,
            "engine_version": run.engine_version,
            "input_sha256": run.input_sha256,
            "result_sha256": run.result_sha256,
            "created_at": run.created_at.isoformat(),
            "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        },
        "results": run.results,
        "system": {
            "name": system.name,
            "purpose": system.purpose,
            "modality": system.modality,
            "subjects": system.subjects,
            "context": system.context,
            "screening": system.screening,
        },
        "version": {
            "version": version.version,
            "labels": version.labels,
            "flagged_labels": version.flagged_labels,
            "description": version.description,
        },
        "vendor": {"name": system.vendor.name if system.vendor else "in-house"},
        "organization": {"name": system.organization.name},
        "batch": {
            "id": str(batch.pk),
            "row_count": batch.row_count,
            "sha256": batch.sha256,
            "sensitive": batch.sensitive,
            "features": batch.features,
            "labels_seen": batch.labels_seen,
            "excluded_rows": batch.excluded_rows,
            "created_at": batch.created_at.isoformat(),
            "format": batch.format,
        },
    }
