"""POST /api/v1/audits/ and its results, report.pdf and results.csv (§5, §6)."""

import io
import json
from pathlib import Path

import jsonschema
import pytest
from pypdf import PdfReader

from audits.models import AuditRun
from audits.storage import absolute
from audits.tasks import MISSING_FILE
from governance.models import LedgerEvent
from tests.audits.api.helpers import balanced_rows, csv_bytes, upload

pytestmark = pytest.mark.django_db
SCHEMA = json.loads(
    (Path(__file__).resolve().parents[3] / "audits/engine/result_schema.json").read_text()
)


@pytest.fixture
def version(tenant):
    version = tenant.versions[0]
    version.labels = ["anger", "joy", "neutral"]
    version.flagged_labels = ["anger"]
    version.save()
    return version


@pytest.fixture
def batch_id(tenant, version):
    return upload(
        tenant.client("vendor0"), version, csv_bytes(balanced_rows()), features="channel"
    ).json()["id"]


@pytest.fixture(autouse=True)
def _run_jobs_on_commit(django_capture_on_commit_callbacks):
    """Tests run inside a transaction that never commits: run queued jobs when it would."""
    global CAPTURE
    CAPTURE = django_capture_on_commit_callbacks


def start(client, batch_id, **options):
    with CAPTURE(execute=True):
        return client.post(
            "/api/v1/audits/", {"batch": batch_id, "bootstrap": 200, **options}, format="json"
        )


def test_an_audit_runs_and_its_results_follow_the_pinned_schema(tenant, batch_id):
    response = start(tenant.client("vendor0"), batch_id)

    assert response.status_code == 202
    assert set(response.json()) == {"id", "status"}
    run = tenant.client("viewer").get(f"/api/v1/audits/{response.json()['id']}/").json()
    assert run["status"] == "done"
    assert run["error"] == ""
    assert len(run["result_sha256"]) == 64
    assert len(run["input_sha256"]) == 64
    results = run["results"]
    jsonschema.validate(results, SCHEMA)
    assert results["n"] == 80
    assert results["excluded_rows"] == {"no_consent": 0}
    rates = {
        m["group"]: m["value"]
        for m in results["metrics"]
        if m["attribute"] == "age_band"
        and m["label"] == "anger"
        and m["metric"] == "selection_rate"
    }
    assert rates == {"18-24": 0.5, "65+": 0.25}  # 20/40 and 10/40
    ratio = next(
        d
        for d in results["disparities"]
        if d["attribute"] == "age_band"
        and d["label"] == "anger"
        and d["metric"] == "selection_rate"
        and d["kind"] == "ratio"
    )
    assert ratio["value"] == 0.5  # 0.25 / 0.5
    assert ratio["flagged"] is True
    assert results["crosscheck"]["fairlearn"]["max_abs_diff"] <= 1e-12
    assert results["crosscheck"]["aif360"]["max_abs_diff"] <= 1e-12
    top = results["findings"][0]
    assert (top["attribute"], top["verdict"]) == ("age_band", "flag")
    assert top["severity"] in {"high", "medium"}
    assert set(run["timings"]) >= {"count", "finalize", "crosscheck", "explain"}
    events = LedgerEvent.objects.filter(target_id=run["id"]).values_list("verb", flat=True)
    assert list(events) == ["audit.queued", "audit.finished"]


def test_the_same_batch_and_config_give_the_same_result_hash(tenant, batch_id):
    first = start(tenant.client("owner"), batch_id).json()["id"]
    second = start(tenant.client("owner"), batch_id).json()["id"]

    assert (
        AuditRun.objects.get(pk=first).result_sha256
        == AuditRun.objects.get(pk=second).result_sha256
    )


def test_chunked_counting_gives_the_same_result_as_one_pass(tenant, batch_id, settings):
    single = AuditRun.objects.get(pk=start(tenant.client("owner"), batch_id).json()["id"])
    settings.ATTUNE_CHUNK_ROWS = 7

    chunked = AuditRun.objects.get(pk=start(tenant.client("owner"), batch_id).json()["id"])

    assert chunked.timings["chunks"] == 12  # ceil(80 / 7)
    assert chunked.result_sha256 == single.result_sha256
    assert chunked.results == single.results


def test_a_batch_whose_file_is_gone_fails_clearly_with_no_results(tenant, batch_id):
    from audits.models import PredictionBatch

    batch = PredictionBatch.objects.get(pk=batch_id)
    absolute(batch.file).unlink()

    run_id = start(tenant.client("owner"), batch_id).json()["id"]

    run = AuditRun.objects.get(pk=run_id)
    assert run.status == "failed"
    assert run.error == MISSING_FILE.format(file=batch.file)
    assert run.results is None
    assert run.result_sha256 == ""
    assert tenant.client("owner").get(f"/api/v1/audits/{run_id}/report.pdf").status_code == 409
    assert LedgerEvent.objects.filter(verb="audit.failed", target_id=run_id).count() == 1


def test_bad_options_are_400_naming_the_field_and_queue_nothing(tenant, batch_id):
    response = start(tenant.client("owner"), batch_id, threshold=1.5, sensitive=["dialect"])

    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"threshold"}
    second = start(tenant.client("owner"), batch_id, sensitive=["dialect"])
    assert second.json()["errors"] == [
        {
            "field": "sensitive",
            "message": "These columns were not declared sensitive in the batch: dialect.",
        }
    ]
    assert AuditRun.objects.count() == 0


@pytest.mark.parametrize(
    ("who", "expected"),
    [("vendor1", 400), ("other_owner", 400), ("reviewer", 403), ("viewer", 403)],
)
def test_only_the_systems_vendor_or_owner_may_start_an_audit(
    tenant, other_tenant, batch_id, who, expected
):
    client = other_tenant.client("owner") if who == "other_owner" else tenant.client(who)

    response = start(client, batch_id)

    assert response.status_code == expected
    if expected == 400:
        assert response.json()["errors"] == [{"field": "batch", "message": "Batch not found."}]
    assert AuditRun.objects.count() == 0


def test_another_vendor_cannot_read_an_audit_or_its_report(tenant, batch_id):
    run_id = start(tenant.client("vendor0"), batch_id).json()["id"]

    for path in ("", "report.pdf", "results.csv"):
        assert tenant.client("vendor1").get(f"/api/v1/audits/{run_id}/{path}").status_code == 404
    assert tenant.client("vendor1").get("/api/v1/audits/").json()["results"] == []


def test_the_pdf_report_holds_the_findings_and_the_result_hash(tenant, batch_id):
    run_id = start(tenant.client("vendor0"), batch_id).json()["id"]
    run = AuditRun.objects.get(pk=run_id)

    response = tenant.client("viewer").get(f"/api/v1/audits/{run_id}/report.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text = " ".join(text.split())
    assert run.result_sha256 in text
    assert " ".join(run.results["findings"][0]["title"].split()) in text


def test_the_results_csv_is_tidy_and_formula_safe(tenant, version):
    rows = [r.replace("18-24", "=HYPERLINK(1)") for r in balanced_rows()]
    batch = upload(tenant.client("vendor0"), version, csv_bytes(rows)).json()["id"]
    run_id = start(tenant.client("vendor0"), batch).json()["id"]

    text = tenant.client("owner").get(f"/api/v1/audits/{run_id}/results.csv").content.decode()

    assert "'=HYPERLINK(1)" in text
    assert ",=HYPERLINK" not in text
    assert text.splitlines()[0].startswith("table,attribute,group,")


def test_a_redelivered_job_after_a_worker_died_finishes_the_run_once(tenant, batch_id):
    from audits.models import PredictionBatch
    from audits.services import audit_run_start
    from audits.tasks import audit_run_dispatch

    batch = PredictionBatch.objects.get(pk=batch_id)
    run = audit_run_start(actor=tenant.members["owner"], batch=batch, options={"bootstrap": 50})
    # The first worker claimed the run, then died before finishing (acks_late keeps the message).
    AuditRun.objects.filter(pk=run.pk).update(status="running", attempts=1)

    audit_run_dispatch(str(run.pk))  # the broker redelivers the unacknowledged message
    finished = AuditRun.objects.get(pk=run.pk)
    audit_run_dispatch(str(run.pk))  # a late duplicate delivery changes nothing

    assert finished.status == "done"
    assert finished.attempts == 2
    assert AuditRun.objects.get(pk=run.pk).result_sha256 == finished.result_sha256
    assert LedgerEvent.objects.filter(verb="audit.finished", target_id=str(run.pk)).count() == 1
