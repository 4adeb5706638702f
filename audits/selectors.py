"""Reads of batches and audit runs, scoped to the caller (members, or the supplying vendor)."""

from django.db.models import QuerySet

from audits.models import AuditRun, PredictionBatch
from governance.selectors import version_list


def batch_list(*, actor) -> QuerySet[PredictionBatch]:
    """Batches of the model versions the caller can see."""
    return PredictionBatch.objects.filter(
        model_version__in=version_list(actor=actor)
    ).select_related("model_version__system__organization", "model_version__system__vendor")


def audit_run_list(*, actor) -> QuerySet[AuditRun]:
    """Audit runs of the batches the caller can see."""
    return AuditRun.objects.filter(batch__in=batch_list(actor=actor)).select_related(
        "batch__model_version__system__organization", "batch__model_version__system__vendor"
    )
