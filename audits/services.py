"""Batch submission and audit runs: every write here, each with its ledger event."""

import hashlib
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audits import storage
from audits.engine import AuditConfig
from audits.ingest import ingest_file
from audits.models import AuditRun, PredictionBatch, RunStatus
from governance.exceptions import DomainError
from governance.ledger import actor_ref, event_record
from governance.models import ModelVersion
from governance.permissions import require_owner_or_system_vendor
from governance.selectors_records import consented_subjects, system_relies_on_consent
from governance.services.board import deployment_requests_supersede

CONSENT_NEEDS_SUBJECT = (
    "This system's record of processing relies on consent, so every row must say whose it is: "
    "name the subject column (subject_column) so rows without a current consent can be left out."
)
SENSITIVE_NOT_IN_BATCH = "These columns were not declared sensitive in the batch: {columns}."
BATCH_PURGED = (
    "The rows of this batch were deleted (retention or erasure); it cannot be audited again."
)
AUDIT_OPTIONS = (
    "intersections",
    "min_group_size",
    "threshold",
    "bootstrap",
    "confidence",
    "seed",
)


def _consent_filter(*, system, subject_column: str | None) -> Callable | None:
    """For a system whose processing relies on consent, the filter that keeps only the rows of
    people with a current grant (GDPR Art. 6(1)(a), 7(3), 9(2)(a)); None otherwise."""
    if not system_relies_on_consent(system=system):
        return None
    if not subject_column:
        raise ValidationError({"subject_column": CONSENT_NEEDS_SUBJECT})
    now = timezone.now()

    def keep(subject_refs: np.ndarray) -> np.ndarray:
        granted = consented_subjects(system=system, subject_refs=set(subject_refs), on=now)
        return np.fromiter(
            (ref in granted for ref in subject_refs), dtype=bool, count=len(subject_refs)
        )

    return keep


def _pseudonym_key() -> bytes:
    return settings.ATTUNE_PSEUDONYM_KEY.encode("utf-8")


def batch_upload(
    *,
    actor,
    version: ModelVersion,
    upload: Path,
    filename: str,
    fmt: str | None,
    sensitive: list[str],
    features: list[str] | None,
    subject_column: str | None,
) -> tuple[PredictionBatch, bool]:
    """Validate, normalise and store an upload; the same file again returns the existing batch.

    Raises `audits.ingest.IngestError` (nothing stored) when any row or column is bad.
    """
    system = version.system
    require_owner_or_system_vendor(actor=actor, system=system)
    consent_filter = _consent_filter(system=system, subject_column=subject_column)
    sha256 = storage.file_sha256(upload)
    existing = PredictionBatch.objects.filter(model_version=version, sha256=sha256).first()
    if existing is not None:
        return existing, False
    batch_id = uuid.uuid4()
    relative = storage.new_batch_path(organization_id=system.organization_id, batch_id=batch_id)
    destination = storage.absolute(relative)
    result = ingest_file(
        source=upload,
        fmt=fmt,
        filename=filename,
        labels=version.labels,
        sensitive=sensitive,
        features=features,
        subject_column=subject_column,
        pseudonym_key=_pseudonym_key(),
        destination=destination,
        max_groups=settings.ATTUNE_MAX_GROUPS,
        consent_filter=consent_filter,
        known_sha256=sha256,
    )
    try:
        with transaction.atomic():
            batch = PredictionBatch(
                id=batch_id,
                model_version=version,
                file=relative,
                format=result.format,
                row_count=result.row_count,
                sha256=result.sha256,
                normalized_sha256=result.normalized_sha256,
                columns=list(result.columns),
                sensitive=list(result.sensitive),
                features=list(result.features),
                subject_column=result.subject_column or "",
                labels_seen=list(result.labels_seen),
                has_ground_truth=result.has_ground_truth,
                score_labels=list(result.score_labels),
                groups=result.groups,
                warnings=list(result.warnings),
                excluded_rows=dict(result.excluded_rows),
                submitted_by=actor_ref(actor),
                expires_at=timezone.now() + timedelta(days=system.organization.retention_days),
            )
            batch.full_clean()
            batch.save(force_insert=True)
            event_record(
                organization=system.organization,
                actor=actor,
                verb="batch.submitted",
                target=batch,
                payload={
                    "version": str(version.pk),
                    "sha256": batch.sha256,
                    "normalized_sha256": batch.normalized_sha256,
                    "row_count": batch.row_count,
                    "excluded_rows": batch.excluded_rows,
                },
            )
    except IntegrityError:
        # The same file raced in through another request: keep theirs, drop ours.
        destination.unlink(missing_ok=True)
        existing = PredictionBatch.objects.filter(model_version=version, sha256=sha256).first()
        if existing is None:
            raise
        return existing, False
    except BaseException:
        destination.unlink(missing_ok=True)
        raise
    return batch, True


def audit_config_build(*, batch: PredictionBatch, options: dict[str, Any]) -> dict[str, Any]:
    """The stored config of a run: validated by the engine, with the batch's label sets."""
    version = batch.model_version
    sensitive = options.get("sensitive") or batch.sensitive
    missing = [column for column in sensitive if column not in batch.sensitive]
    if missing:
        raise ValidationError(
            {"sensitive": SENSITIVE_NOT_IN_BATCH.format(columns=", ".join(missing))}
        )
    values = {key: options[key] for key in AUDIT_OPTIONS if key in options}
    try:
        config = AuditConfig(
            sensitive=tuple(sensitive),
            labels=tuple(version.labels),
            flagged_labels=tuple(version.flagged_labels),
            **values,
        )
    except ValueError as exc:
        field = next((key for key in AUDIT_OPTIONS if str(exc).startswith(key)), None)
        raise ValidationError({field or "config": str(exc)}) from exc
    return {**config.to_dict(), "explain": bool(options.get("explain", True))}


@transaction.atomic
def audit_run_start(*, actor, batch: PredictionBatch, options: dict[str, Any]) -> AuditRun:
    """Queue an audit of a batch; the job starts once this transaction commits."""
    require_owner_or_system_vendor(actor=actor, system=batch.model_version.system)
    if not batch.file:
        raise DomainError(BATCH_PURGED, code="batch_purged")
    config = audit_config_build(batch=batch, options=options)
    run = AuditRun(batch=batch, config=config, requested_by=actor_ref(actor))
    run.full_clean()
    run.save()
    event_record(
        organization=batch.model_version.system.organization,
        actor=actor,
        verb="audit.queued",
        target=run,
        payload={"batch": str(batch.pk), "config": config},
    )
    from audits.tasks import audit_run_dispatch

    transaction.on_commit(lambda: audit_run_dispatch.delay(str(run.pk)))
    return run


@transaction.atomic
def audit_run_mark_running(*, run_id: str) -> AuditRun | None:
    """Claim a run for execution; None if it is already finished (an idempotent re-delivery)."""
    run = AuditRun.objects.select_for_update().get(pk=run_id)
    if run.status in (RunStatus.DONE, RunStatus.FAILED):
        return None
    run.status = RunStatus.RUNNING
    run.started_at = run.started_at or timezone.now()
    run.attempts += 1
    run.save(update_fields=["status", "started_at", "attempts", "updated_at"])
    return run


@transaction.atomic
def audit_run_finish(
    *,
    run_id: str,
    results: dict[str, Any],
    result_sha256: str,
    engine_version: str,
    input_sha256: str,
    timings: dict[str, float],
) -> AuditRun:
    """Store the results once; a second finisher (a retried task) changes nothing."""
    run = (
        AuditRun.objects.select_for_update()
        .select_related("batch__model_version__system")
        .get(pk=run_id)
    )
    if run.status in (RunStatus.DONE, RunStatus.FAILED):
        return run
    run.status = RunStatus.DONE
    run.results = results
    run.result_sha256 = result_sha256
    run.engine_version = engine_version
    run.input_sha256 = input_sha256
    run.timings = timings
    run.finished_at = timezone.now()
    run.full_clean()
    run.save()
    event_record(
        organization=run.batch.model_version.system.organization,
        actor="system",
        verb="audit.finished",
        target=run,
        payload={
            "result_sha256": result_sha256,
            "input_sha256": input_sha256,
            "engine_version": engine_version,
            "findings": len(results.get("findings", [])),
        },
    )
    deployment_requests_supersede(
        model_version=run.batch.model_version, reason="A new audit of this model version finished."
    )
    return run


@transaction.atomic
def audit_run_fail(*, run_id: str, error: str) -> AuditRun:
    """End a run as failed with a clear error and no results."""
    run = (
        AuditRun.objects.select_for_update()
        .select_related("batch__model_version__system")
        .get(pk=run_id)
    )
    if run.status in (RunStatus.DONE, RunStatus.FAILED):
        return run
    run.status = RunStatus.FAILED
    run.error = error or "The audit failed for an unknown reason."
    run.results = None
    run.finished_at = timezone.now()
    run.save()
    event_record(
        organization=run.batch.model_version.system.organization,
        actor="system",
        verb="audit.failed",
        target=run,
        payload={"error_sha256": hashlib.sha256(run.error.encode("utf-8")).hexdigest()},
    )
    return run


@transaction.atomic
def batch_purge(*, batch: PredictionBatch, reason: str, actor=None) -> bool:
    """Delete a batch's stored rows; its metadata and every audit result stay (aggregates only)."""
    batch = (
        PredictionBatch.objects.select_for_update()
        .select_related("model_version__system__organization")
        .get(pk=batch.pk)
    )
    if not batch.file:
        return False
    path = storage.absolute(batch.file)
    batch.file = ""
    batch.purged_at = timezone.now()
    batch.save(update_fields=["file", "purged_at", "updated_at"])
    event_record(
        organization=batch.model_version.system.organization,
        actor=actor or "system",
        verb="batch.purged",
        target=batch,
        payload={"reason": reason, "row_count": batch.row_count},
    )
    # The file goes only once the purge is committed, so a rollback never loses rows.
    transaction.on_commit(lambda: path.unlink(missing_ok=True))
    return True


def batches_purge_expired(*, now=None) -> dict[str, int]:
    """Purge every batch past its `expires_at`, except those of systems under a legal hold."""
    now = now or timezone.now()
    due = PredictionBatch.objects.filter(expires_at__lte=now).exclude(file="")
    held = due.filter(model_version__system__legal_hold=True).count()
    purged = sum(
        batch_purge(batch=batch, reason="retention_expired")
        for batch in due.filter(model_version__system__legal_hold=False).order_by("expires_at")
    )
    return {"purged": purged, "held": held}
