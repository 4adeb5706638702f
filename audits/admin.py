"""Django admin for batches and audit runs: read-only, since runs are immutable evidence."""

from django.contrib import admin

from audits.models import AuditRun, PredictionBatch
from governance.admin import ReadOnlyAdmin


@admin.register(PredictionBatch)
class PredictionBatchAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "model_version",
        "format",
        "row_count",
        "created_at",
        "expires_at",
        "purged_at",
    ]
    list_filter = ["format"]


@admin.register(AuditRun)
class AuditRunAdmin(ReadOnlyAdmin):
    list_display = ["id", "batch", "status", "engine_version", "result_sha256", "finished_at"]
    list_filter = ["status"]
