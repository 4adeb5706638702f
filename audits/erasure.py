"""Erasing a person's prediction rows after a consent withdrawal (GDPR Art. 7(3), Art. 17)."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from audits import storage
from audits.ingest import erase_subject
from audits.models import PredictionBatch
from governance.ledger import event_record


def erase_subject_rows(*, organization, subject_ref: str, actor) -> dict[str, Any]:
    """Remove the pseudonymised subject's rows from every stored batch of the organization.

    Each file is rewritten atomically under the batch's row lock; `row_count` and the stored
    file's digest are updated and `rows_changed_at` set, so finished audits show that their input
    changed afterwards. The ledger records which batches changed and how many rows, never who.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("erase_subject_rows must run inside the withdrawal's transaction")
    batches = (
        PredictionBatch.objects.select_for_update()
        .filter(model_version__system__organization=organization)
        .exclude(file="")
        .exclude(subject_column="")
    )
    changed, removed = 0, 0
    for batch in batches.order_by("pk"):
        path = storage.absolute(batch.file)
        if not path.exists():
            continue
        count = erase_subject(path, subject_ref)
        if not count:
            continue
        changed += 1
        removed += count
        batch.row_count -= count
        batch.normalized_sha256 = storage.file_sha256(path)
        batch.rows_changed_at = timezone.now()
        batch.save(
            update_fields=["row_count", "normalized_sha256", "rows_changed_at", "updated_at"]
        )
        event_record(
            organization=organization,
            actor=actor,
            verb="batch.rows_erased",
            target=batch,
            payload={"rows": count, "reason": "consent_withdrawn"},
        )
    return {"batches": changed, "rows": removed}
