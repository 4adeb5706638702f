"""POST /api/v1/versions/{id}/batches/: validation, storage, idempotency, isolation (§5)."""

import pytest
from django.test import override_settings

from audits.ingest import errors as E
from audits.models import PredictionBatch
from audits.storage import absolute
from governance.models import LedgerEvent
from tests.audits.api.helpers import balanced_rows, csv_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(tenant):
    version = tenant.versions[0]
    version.labels = ["anger", "joy", "neutral"]
    version.flagged_labels = ["anger"]
    version.save()
    return version


def test_a_vendor_uploads_a_batch_and_gets_its_metadata(tenant, version):
    response = upload(
        tenant.client("vendor0"),
        version,
        csv_bytes(balanced_rows()),
        subject_column="customer_id",
        features="channel",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["row_count"] == 80
    assert body["sensitive"] == ["age_band"]
    assert body["features"] == ["channel"]
    assert body["labels_seen"] == ["anger", "joy"]
    assert body["excluded_rows"] == {"no_consent": 0}
    assert len(body["sha256"]) == 64
    batch = PredictionBatch.objects.get(pk=body["id"])
    assert absolute(batch.file).exists()
    assert LedgerEvent.objects.filter(verb="batch.submitted", target_id=str(batch.pk)).count() == 1
    assert b"C-0001" not in absolute(batch.file).read_bytes()


def test_the_same_file_again_returns_the_existing_batch_with_200(tenant, version):
    content = csv_bytes(balanced_rows())
    first = upload(tenant.client("vendor0"), version, content)

    second = upload(tenant.client("owner"), version, content)

    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert PredictionBatch.objects.count() == 1


def rejected(response, expected_errors):
    assert response.status_code == 400
    body = response.json()
    assert body["errors"] == expected_errors
    assert PredictionBatch.objects.count() == 0
    assert not LedgerEvent.objects.filter(verb="batch.submitted").exists()


def test_an_unknown_label_is_rejected_naming_row_and_column(tenant, version):
    rows = balanced_rows(20)
    rows[4] = "rage,anger,0.1,18-24,chat,C-9"

    response = upload(tenant.client("vendor0"), version, csv_bytes(rows))

    rejected(
        response,
        [
            {
                "row": 5,
                "column": "y_pred",
                "message": E.UNKNOWN_LABEL.format(
                    value="'rage'", labels="'anger', 'joy', 'neutral'"
                ),
            }
        ],
    )


def test_a_missing_y_pred_column_is_rejected(tenant, version):
    content = csv_bytes(["anger,18-24,chat,C-1"], header="y_true,age_band,channel,customer_id")

    response = upload(tenant.client("vendor0"), version, content)

    rejected(
        response,
        [
            {
                "row": None,
                "column": "y_pred",
                "message": E.MISSING_REQUIRED_COLUMN.format(column="y_pred"),
            }
        ],
    )


def test_an_empty_y_pred_value_is_rejected(tenant, version):
    rows = balanced_rows(20)
    rows[0] = ",anger,0.1,18-24,chat,C-9"

    response = upload(tenant.client("vendor0"), version, csv_bytes(rows))

    rejected(response, [{"row": 1, "column": "y_pred", "message": E.MISSING_PREDICTION}])


@pytest.mark.parametrize(
    ("score", "message"),
    [
        ("1.5", E.SCORE_OUT_OF_RANGE.format(value="1.5")),
        ("-0.1", E.SCORE_OUT_OF_RANGE.format(value="-0.1")),
        ("abc", E.SCORE_NOT_A_NUMBER.format(value="'abc'")),
        ("NaN", E.SCORE_NOT_FINITE),
    ],
)
def test_a_bad_score_is_rejected(tenant, version, score, message):
    rows = balanced_rows(20)
    rows[2] = f"anger,anger,{score},18-24,chat,C-9"

    response = upload(tenant.client("vendor0"), version, csv_bytes(rows))

    rejected(response, [{"row": 3, "column": "score_anger", "message": message}])


def test_a_missing_declared_column_is_rejected(tenant, version):
    response = upload(
        tenant.client("vendor0"), version, csv_bytes(balanced_rows(5)), sensitive="age_band,dialect"
    )

    rejected(
        response,
        [
            {
                "row": None,
                "column": "dialect",
                "message": E.MISSING_DECLARED_COLUMN.format(role="a sensitive column"),
            }
        ],
    )


def test_an_empty_file_is_rejected(tenant, version):
    rejected(
        upload(tenant.client("vendor0"), version, b""),
        [{"row": None, "column": None, "message": E.EMPTY_FILE}],
    )


def test_a_header_only_file_is_rejected(tenant, version):
    response = upload(tenant.client("vendor0"), version, csv_bytes([]))

    rejected(response, [{"row": None, "column": None, "message": E.HEADER_ONLY}])


def test_too_many_groups_are_rejected(tenant, version, settings):
    settings.ATTUNE_MAX_GROUPS = 3
    rows = [f"anger,anger,0.5,band-{i},chat,C-{i}" for i in range(5)]

    response = upload(tenant.client("vendor0"), version, csv_bytes(rows))

    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["column"] == "age_band"
    assert error["message"].startswith(E.TOO_MANY_GROUPS.split("{")[0])
    assert PredictionBatch.objects.count() == 0


def test_every_bad_row_is_reported_up_to_100_with_the_total(tenant, version):
    rows = ["rage,anger,0.5,18-24,chat,C-1"] * 150

    response = upload(tenant.client("vendor0"), version, csv_bytes(rows))

    body = response.json()
    assert len(body["errors"]) == 100
    assert body["total_errors"] == 150
    assert [e["row"] for e in body["errors"][:3]] == [1, 2, 3]


@override_settings(ATTUNE_MAX_UPLOAD_BYTES=100)
def test_an_upload_over_the_limit_is_413_and_stores_nothing(tenant, version):
    response = upload(tenant.client("vendor0"), version, csv_bytes(balanced_rows()))

    assert response.status_code == 413
    assert PredictionBatch.objects.count() == 0


def test_semicolon_bom_and_crlf_are_accepted(tenant, version):
    content = "\ufeff" + "\r\n".join(
        [
            "y_pred;age_band",
            *[f"{'anger' if i % 2 else 'joy'};{'a' if i % 3 else 'b'}" for i in range(40)],
        ]
    )

    response = upload(tenant.client("vendor0"), version, content.encode("utf-8"))

    assert response.status_code == 201
    assert response.json()["row_count"] == 40


def test_jsonl_and_format_field(tenant, version):
    lines = "\n".join('{"y_pred": "joy", "age_band": "18-24"}' for _ in range(10))

    response = upload(
        tenant.client("vendor0"), version, lines.encode(), name="upload.bin", format="jsonl"
    )

    assert response.status_code == 201
    assert response.json()["format"] == "jsonl"


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("vendor1", 404),
        ("reviewer", 403),
        ("viewer", 403),
        ("other_owner", 404),
        ("anonymous", 401),
    ],
)
def test_who_may_upload(tenant, other_tenant, version, who, expected):
    from rest_framework.test import APIClient

    client = (
        APIClient()
        if who == "anonymous"
        else (other_tenant.client("owner") if who == "other_owner" else tenant.client(who))
    )

    response = upload(client, version, csv_bytes(balanced_rows(5)))

    assert response.status_code == expected
    assert PredictionBatch.objects.count() == 0


def test_batch_metadata_is_visible_to_members_and_its_vendor_only(tenant, version):
    batch_id = upload(tenant.client("vendor0"), version, csv_bytes(balanced_rows(5))).json()["id"]

    assert tenant.client("viewer").get(f"/api/v1/batches/{batch_id}/").status_code == 200
    assert tenant.client("vendor0").get(f"/api/v1/batches/{batch_id}/").status_code == 200
    assert tenant.client("vendor1").get(f"/api/v1/batches/{batch_id}/").status_code == 404
    assert tenant.client("vendor1").get("/api/v1/batches/").json()["results"] == []
