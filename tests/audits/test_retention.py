"""Retention of prediction rows: purge after expiry, keep under a legal hold (REGULATORY.md 6(b) 37)."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from audits.models import PredictionBatch
from audits.services import batch_upload, batches_purge_expired
from audits.storage import absolute
from governance.ledger import verify_chain
from governance.models import LedgerEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def batch(tenant, tmp_path):
    version = tenant.versions[0]
    path = tmp_path / "p.csv"
    path.write_text(
        "y_pred,age_band\n"
        + "".join(f"{'anger' if i % 2 else 'joy'},b{i % 3}\n" for i in range(60))
    )
    batch, _ = batch_upload(
        actor=tenant.members["owner"],
        version=version,
        upload=path,
        filename="p.csv",
        fmt=None,
        sensitive=["age_band"],
        features=None,
        subject_column=None,
    )
    return batch


def test_a_batch_expires_after_the_organizations_retention_period(tenant, batch):
    assert tenant.organization.retention_days == 90
    assert abs((batch.expires_at - batch.created_at) - timedelta(days=90)) < timedelta(seconds=5)


def test_purge_deletes_expired_rows_and_keeps_metadata(
    tenant, batch, django_capture_on_commit_callbacks
):
    path = absolute(batch.file)
    PredictionBatch.objects.filter(pk=batch.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )

    with django_capture_on_commit_callbacks(execute=True):
        summary = batches_purge_expired()

    batch.refresh_from_db()
    assert summary == {"purged": 1, "held": 0}
    assert batch.file == ""
    assert batch.purged_at is not None
    assert batch.row_count == 60
    assert not path.exists()
    event = LedgerEvent.objects.get(verb="batch.purged", target_id=str(batch.pk))
    assert event.payload == {"reason": "retention_expired", "row_count": 60}
    assert verify_chain().ok


def test_rows_not_yet_expired_are_kept(batch):
    assert batches_purge_expired() == {"purged": 0, "held": 0}
    assert absolute(PredictionBatch.objects.get(pk=batch.pk).file).exists()


def test_a_legal_hold_blocks_the_purge_until_lifted(
    tenant, batch, django_capture_on_commit_callbacks
):
    system = tenant.systems[0]
    owner = tenant.client("owner")
    held = owner.post(
        f"/api/v1/systems/{system.pk}/legal-hold/",
        {"legal_hold": True, "reason": "Customer complaint under investigation"},
        format="json",
    )
    PredictionBatch.objects.filter(pk=batch.pk).update(
        expires_at=timezone.now() - timedelta(days=1)
    )

    with django_capture_on_commit_callbacks(execute=True):
        kept = batches_purge_expired()
    owner.post(f"/api/v1/systems/{system.pk}/legal-hold/", {"legal_hold": False}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        purged = batches_purge_expired()

    assert held.status_code == 200
    assert held.json()["legal_hold"] is True
    assert kept == {"purged": 0, "held": 1}
    assert purged == {"purged": 1, "held": 0}
    assert list(
        LedgerEvent.objects.filter(target_id=str(system.pk), verb__startswith="system.legal_hold")
        .order_by("seq")
        .values_list("verb", flat=True)
    ) == ["system.legal_hold_set", "system.legal_hold_lifted"]


def test_a_legal_hold_needs_a_reason_and_an_owner(tenant):
    system = tenant.systems[0]

    without_reason = tenant.client("owner").post(
        f"/api/v1/systems/{system.pk}/legal-hold/", {"legal_hold": True}, format="json"
    )
    as_reviewer = tenant.client("reviewer").post(
        f"/api/v1/systems/{system.pk}/legal-hold/",
        {"legal_hold": True, "reason": "x"},
        format="json",
    )

    assert without_reason.status_code == 400
    assert without_reason.json()["errors"][0]["field"] == "reason"
    assert as_reviewer.status_code == 403
    system.refresh_from_db()
    assert system.legal_hold is False


def test_a_purged_batch_cannot_be_audited_again(tenant, batch):
    PredictionBatch.objects.filter(pk=batch.pk).update(file="", purged_at=timezone.now())

    response = tenant.client("owner").post(
        "/api/v1/audits/", {"batch": str(batch.pk)}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "batch_purged"


def test_purge_expired_command_reports_counts(batch):
    out = StringIO()
    PredictionBatch.objects.filter(pk=batch.pk).update(
        expires_at=timezone.now() - timedelta(days=1)
    )

    call_command("purge_expired", stdout=out)

    assert out.getvalue().strip() == "Purged 1 batch file(s); kept 0 under a legal hold."
