"""API conventions: one exception handler for every error shape (DESIGN.md §5)."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from governance.exceptions import DomainError

INVALID_INPUT = "Invalid input."


def _flatten(detail, prefix: str = "") -> list[dict[str, str]]:
    """DRF's nested error dicts and lists as [{field, message}]."""
    if isinstance(detail, dict):
        out: list[dict[str, str]] = []
        for key, value in detail.items():
            name = key if not prefix else f"{prefix}.{key}"
            if key in ("non_field_errors", "__all__"):
                name = prefix or None
            out.extend(_flatten(value, name or ""))
        return out
    if isinstance(detail, list):
        if all(isinstance(item, str | exceptions.ErrorDetail) for item in detail):
            return [{"field": prefix or None, "message": str(item)} for item in detail]
        out = []
        for index, item in enumerate(detail):
            out.extend(_flatten(item, f"{prefix}[{index}]" if prefix else str(index)))
        return out
    return [{"field": prefix or None, "message": str(detail)}]


def bad_request(errors: list[dict], detail: str = INVALID_INPUT, **extra) -> Response:
    return Response(
        {"detail": detail, "errors": errors, **extra}, status=status.HTTP_400_BAD_REQUEST
    )


def exception_handler(exc, context):
    """DRF's handler plus: DomainError -> 409, Django ValidationError -> 400 with a field map."""
    if isinstance(exc, DomainError):
        return Response({"detail": exc.detail, "code": exc.code}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        return bad_request(_flatten(detail))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.ValidationError):
        return bad_request(_flatten(exc.detail))
    return drf_exception_handler(exc, context)


class PassthroughRenderer(BaseRenderer):
    """Lets a view return a finished file (PDF, CSV) whatever the client's Accept header says."""

    media_type = "*/*"
    format = "file"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class FileView(APIView):
    """Base of the views that return a file at a pinned path; their errors stay JSON."""

    renderer_classes = [PassthroughRenderer]

    def handle_exception(self, exc):
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)
