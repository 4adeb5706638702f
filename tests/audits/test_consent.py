"""Consent-aware batches: rows without a current grant are left out, and a withdrawal erases
the person's stored rows everywhere (GDPR Art. 6(1)(a), 7(3), 17; issue 5 item 4)."""

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from audits.ingest import pseudonymise, read_codes
from audits.models import AuditRun, PredictionBatch
from audits.services import CONSENT_NEEDS_SUBJECT
from audits.storage import absolute
from governance.hooks import erase_subject_everywhere
from governance.ledger import verify_chain
from governance.models import ConsentPolicy, ConsentRecord, LedgerEvent, ProcessingActivity
from tests.audits.api.helpers import csv_bytes, upload

pytestmark = pytest.mark.django_db
HEADER = "y_pred,age_band,customer_id"


def ref(raw: str) -> str:
    return pseudonymise(raw, settings.ATTUNE_PSEUDONYM_KEY.encode())


@pytest.fixture
def consent_system(tenant):
    system = tenant.systems[0]
    activity = ProcessingActivity.objects.create(
        organization=tenant.organization,
        name="Ticket emotion triage",
        controller_name="Shop",
        controller_contact="shop@example.com",
        legal_basis="consent",
        special_category_basis="explicit_consent",
    )
    activity.systems.add(system)
    policy = ConsentPolicy(
        organization=tenant.organization,
        name="Emotion analysis of messages",
        version=1,
        text="We analyse the tone of your messages to answer upset customers first.",
        effective_from=dt.date(2026, 1, 1),
        status="published",
        text_sha256="0" * 64,
        published_at=timezone.now(),
    )
    policy.save()
    policy.systems.add(system)
    for raw, action in [
        ("CUST-A1x", "granted"),
        ("CUST-B2x", "granted"),
        ("CUST-B2x", "withdrawn"),
    ]:
        ConsentRecord.objects.create(
            organization=tenant.organization,
            policy=policy,
            subject_ref=ref(raw),
            action=action,
            at=timezone.now(),
            channel="web form",
            recorded_by="system",
        )
    return system


def rows():
    # CUST-A1x granted (2 rows), CUST-B2x withdrawn (2 rows), CUST-C3x never asked (1 row)
    return [
        "anger,18-24,CUST-A1x",
        "joy,18-24,CUST-A1x",
        "anger,65+,CUST-B2x",
        "joy,65+,CUST-B2x",
        "neutral,65+,CUST-C3x",
    ]


def test_rows_without_current_consent_are_left_out_and_counted(tenant, consent_system):
    version = tenant.versions[0]

    response = upload(
        tenant.client("vendor0"),
        version,
        csv_bytes(rows(), header=HEADER),
        subject_column="customer_id",
    )

    assert response.status_code == 201
    assert response.json()["row_count"] == 2
    assert response.json()["excluded_rows"] == {"no_consent": 3}
    batch = PredictionBatch.objects.get(pk=response.json()["id"])
    stored = absolute(batch.file).read_bytes()
    assert ref("CUST-A1x").encode() in stored
    assert ref("CUST-B2x").encode() not in stored


def test_a_consent_system_needs_a_subject_column(tenant, consent_system):
    response = upload(
        tenant.client("vendor0"), tenant.versions[0], csv_bytes(rows(), header=HEADER)
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "subject_column", "message": CONSENT_NEEDS_SUBJECT}
    ]
    assert PredictionBatch.objects.count() == 0


def test_a_system_not_relying_on_consent_keeps_every_row(tenant):
    response = upload(
        tenant.client("vendor0"),
        tenant.versions[0],
        csv_bytes(rows(), header=HEADER),
        subject_column="customer_id",
    )

    assert response.json()["row_count"] == 5
    assert response.json()["excluded_rows"] == {"no_consent": 0}


def test_erasure_removes_the_subjects_rows_from_every_batch_and_keeps_audits(
    tenant, django_capture_on_commit_callbacks
):
    version = tenant.versions[0]
    client = tenant.client("vendor0")
    first = upload(
        client, version, csv_bytes(rows(), header=HEADER), subject_column="customer_id"
    ).json()
    second = upload(
        client, version, csv_bytes(rows()[:3], header=HEADER), subject_column="customer_id"
    ).json()
    with django_capture_on_commit_callbacks(execute=True):
        run_id = client.post(
            "/api/v1/audits/",
            {"batch": first["id"], "bootstrap": 50, "explain": False},
            format="json",
        ).json()["id"]
    finished = AuditRun.objects.get(pk=run_id)

    with transaction.atomic():
        summary = erase_subject_everywhere(
            organization=tenant.organization,
            subject_ref=ref("CUST-A1x"),
            actor=tenant.members["owner"],
        )

    assert summary == [{"batches": 2, "rows": 4}]  # 2 rows of CUST-A1x in each batch
    for batch_id, remaining in ((first["id"], 3), (second["id"], 1)):
        batch = PredictionBatch.objects.get(pk=batch_id)
        assert batch.row_count == remaining
        assert batch.rows_changed_at is not None
        assert (
            read_codes(absolute(batch.file), sensitive=["age_band"], labels=version.labels).n
            == remaining
        )
        assert ref("CUST-A1x").encode() not in absolute(batch.file).read_bytes()
    body = tenant.client("owner").get(f"/api/v1/audits/{run_id}/").json()
    assert body["results"] == finished.results
    assert body["input_changed_after"] is not None
    events = LedgerEvent.objects.filter(verb="batch.rows_erased")
    assert events.count() == 2
    assert all(ref("CUST-A1x") not in str(e.payload) for e in events)
    assert verify_chain().ok


def test_the_raw_subject_reference_is_stored_nowhere(tenant, consent_system):
    upload(
        tenant.client("vendor0"),
        tenant.versions[0],
        csv_bytes(rows(), header=HEADER),
        subject_column="customer_id",
    )

    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            assert "CUST-A1x" not in str(cursor.fetchall()), table
    for batch in PredictionBatch.objects.all():
        assert b"CUST-A1x" not in absolute(batch.file).read_bytes()
