"""The audits app's answers to governance's evidence questions (see governance.hooks)."""

from audits.models import AuditRun
from governance.hooks import AuditEvidence


def audit_lookup(*, model_version, run_id: str | None = None) -> AuditEvidence | None:
    """A run of this model version: the one named, or the most recent one."""
    runs = AuditRun.objects.filter(batch__model_version=model_version)
    run = runs.filter(pk=run_id).first() if run_id else runs.order_by("-created_at").first()
    if run is None:
        return None
    return AuditEvidence(
        run_id=str(run.pk),
        model_version_id=str(model_version.pk),
        status=run.status,
        result_sha256=run.result_sha256,
        input_sha256=run.input_sha256,
        engine_version=run.engine_version,
        finished_at=run.finished_at,
        error=run.error,
        findings=list((run.results or {}).get("findings", [])),
        config=dict(run.config),
    )
