"""Celery tasks of an audit run: counted in row chunks (a chord when large), then finalised.

`acks_late` with idempotent steps: a worker killed mid-run leaves its message unacknowledged, so
another worker runs it again; `audit_run_finish` stores results only once.
"""

import logging
import time
from typing import Any

from celery import chord, group, shared_task
from django.conf import settings

from audits import engine, pipeline, storage
from audits.models import AuditRun
from audits.services import audit_run_fail, audit_run_finish, audit_run_mark_running

logger = logging.getLogger(__name__)
MISSING_FILE = (
    "The batch's stored rows are missing (file {file} not found): they may have been purged by "
    "the retention policy or erased after a consent withdrawal. Upload the batch again."
)
UNEXPECTED = "The audit failed: {kind}: {message}"
TASK_OPTIONS = {"acks_late": True, "reject_on_worker_lost": True}


def _run_context(run_id: str) -> tuple[AuditRun, Any]:
    run = AuditRun.objects.select_related("batch").get(pk=run_id)
    path = storage.absolute(run.batch.file) if run.batch.file else None
    if path is None or not path.exists():
        raise FileNotFoundError(MISSING_FILE.format(file=run.batch.file or "(purged)"))
    return run, path


def _fail(run_id: str, exc: BaseException) -> None:
    if isinstance(exc, FileNotFoundError):
        message = str(exc)
    else:
        message = UNEXPECTED.format(kind=type(exc).__name__, message=exc)
    logger.exception("audit %s failed", run_id)
    audit_run_fail(run_id=run_id, error=message)


@shared_task(**TASK_OPTIONS)
def audit_run_dispatch(run_id: str) -> None:
    """Start a queued run: one task for a small batch, a chord of chunk counts for a large one."""
    try:
        run = audit_run_mark_running(run_id=run_id)
        if run is None:
            return
        _, path = _run_context(run_id)
        ranges = pipeline.chunk_ranges(run.batch.row_count, settings.ATTUNE_CHUNK_ROWS)
        if len(ranges) == 1:
            started = time.perf_counter()
            counts = [pipeline.count_chunk(path, run.config, None)]
            audit_run_finalize(counts, run_id, {"count": time.perf_counter() - started})
            return
        header = [audit_count_chunk.s(run_id, start, stop) for start, stop in ranges]
        chord(group(header), audit_run_finalize.s(run_id, {"chunks": len(ranges)})).on_error(
            audit_run_chord_failed.s(run_id)
        ).delay()
    except Exception as exc:
        _fail(run_id, exc)


@shared_task(**TASK_OPTIONS)
def audit_count_chunk(run_id: str, start: int, stop: int) -> dict:
    """Counts of rows [start, stop) of the run's batch."""
    run, path = _run_context(run_id)
    return pipeline.count_chunk(path, run.config, (start, stop))


@shared_task(**TASK_OPTIONS)
def audit_run_chord_failed(request, exc, traceback, run_id: str) -> None:
    _fail(run_id, exc if isinstance(exc, BaseException) else RuntimeError(str(exc)))


@shared_task(**TASK_OPTIONS)
def audit_run_finalize(parts: list[dict], run_id: str, timings: dict[str, Any]) -> None:
    """Merge chunk counts, compute metrics, intervals, findings, cross-checks and explanations."""
    try:
        run, path = _run_context(run_id)
        if run.status != "running":
            return
        clock = time.perf_counter()
        counts = pipeline.merge_counts(parts)
        results = pipeline.finalize_counts(counts, run.config)
        results["excluded_rows"] = dict(run.batch.excluded_rows) or {"no_consent": 0}
        timings = {**timings, "finalize": time.perf_counter() - clock}
        clock = time.perf_counter()
        coded = pipeline.read_batch_codes(path, run.config)
        results["crosscheck"] = pipeline.crosscheck_rows(coded, run.config, results)
        if results.get("inequality") is not None:
            results["inequality"]["aif360"] = pipeline.inequality_crosscheck(counts, run.config)
        timings["crosscheck"] = time.perf_counter() - clock
        if run.config.get("explain", True):
            clock = time.perf_counter()
            explained = pipeline.explain_rows(path, coded, run.config, run.batch.features)
            timings["explain"] = time.perf_counter() - clock
            if isinstance(explained, str):
                results["explainability_skipped"] = explained
                extra = [pipeline.explanation_missing_finding(explained)]
            else:
                results["explainability"] = explained
                extra = explained.get("findings", [])
            results["findings"] = pipeline.merge_findings(results["findings"], extra)
        audit_run_finish(
            run_id=run_id,
            results=results,
            result_sha256=engine.result_sha256(results),
            engine_version=engine.ENGINE_VERSION,
            input_sha256=storage.file_sha256(path),
            timings={
                k: round(float(v), 6) if isinstance(v, float) else v for k, v in timings.items()
            },
        )
    except Exception as exc:
        _fail(run_id, exc)


@shared_task(**TASK_OPTIONS)
def purge_expired_batches() -> dict[str, int]:
    """The daily retention job (CELERY_BEAT_SCHEDULE)."""
    from audits.services import batches_purge_expired

    return batches_purge_expired()
