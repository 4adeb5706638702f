"""Consent policies and records: versions, publication, pseudonymised subjects, withdrawal
with erasure, and a person's current consent state (GDPR Art. 7, Art. 9(2)(a), Art. 17)."""

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from audits.ingest import pseudonymise
from audits.models import PredictionBatch
from governance.canonical import sha256_hex
from governance.exceptions import ImmutableRecordError
from governance.ledger import verify_chain
from governance.models import ConsentPolicy, ConsentPolicyStatus, ConsentRecord, LedgerEvent
from governance.services import records as R
from tests.governance.records.helpers import (
    EFFECTIVE,
    POLICY_TEXT,
    all_text_in_database,
    published_policy,
)

pytestmark = pytest.mark.django_db

POLICIES = "/api/v1/consent-policies/"
RECORDS = "/api/v1/consent-records/"
STATE = "/api/v1/consent-records/state/"
RAW = "customer-7741@bakery.example"


def new_policy(client, tenant, **overrides):
    body = {
        "name": "Support tone",
        "text": POLICY_TEXT,
        "purposes": ["route messages"],
        "effective_from": "2026-01-01",
        "systems": [str(tenant.systems[0].pk)],
        **overrides,
    }
    return client.post(POLICIES, body, format="json")


def record(client, policy, action="granted", subject=RAW, **extra):
    body = {
        "policy": str(policy.pk),
        "subject": subject,
        "action": action,
        "channel": "web form",
        **extra,
    }
    return client.post(RECORDS, body, format="json")


def state(client, subject=RAW):
    return client.post(STATE, {"subject": subject}, format="json")


# Pseudonymisation


def test_the_pseudonym_is_the_same_keyed_hmac_the_batch_upload_uses():
    key = settings.ATTUNE_PSEUDONYM_KEY.encode("utf-8")

    assert R.pseudonymise_subject(RAW) == pseudonymise(RAW, key)
    assert R.pseudonymise_subject(f"  {RAW}\n") == pseudonymise(RAW, key)
    assert len(R.pseudonymise_subject(RAW)) == 64


def test_the_pseudonym_depends_on_the_key(settings):
    before = R.pseudonymise_subject(RAW)
    settings.ATTUNE_PSEUDONYM_KEY = "another-key"

    assert R.pseudonymise_subject(RAW) != before
    assert R.pseudonymise_subject(RAW) == pseudonymise(RAW, b"another-key")


def test_an_empty_key_refuses_to_pseudonymise(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.ATTUNE_PSEUDONYM_KEY = ""

    with pytest.raises(ImproperlyConfigured, match=R.EMPTY_PSEUDONYM_KEY):
        R.pseudonymise_subject(RAW)


def test_the_raw_reference_is_never_stored_returned_or_chained(tenant):
    policy = published_policy(tenant)
    owner = tenant.client("owner")

    granted = record(owner, policy)
    withdrawn = record(owner, policy, action="withdrawn")
    seen = state(owner)
    listed = owner.get(RECORDS)

    subject_ref = R.pseudonymise_subject(RAW)
    assert granted.status_code == withdrawn.status_code == 201
    for response in (granted, withdrawn, seen, listed):
        assert RAW not in response.content.decode("utf-8")
    assert granted.json()["subject_ref"] == subject_ref
    assert seen.json()["subject_ref"] == subject_ref
    text = all_text_in_database()
    assert RAW not in text
    assert RAW.upper() not in text.upper()
    assert subject_ref in text  # the records hold the pseudonym
    for event in LedgerEvent.objects.all():
        assert subject_ref not in str(event.payload)
        assert RAW not in str(event.payload)


def test_a_bad_record_never_echoes_the_raw_reference(tenant):
    policy = published_policy(tenant)

    future = record(
        tenant.client("owner"), policy, at=(timezone.now() + timedelta(days=1)).isoformat()
    )
    bad_action = record(tenant.client("owner"), policy, action="maybe")

    assert future.status_code == bad_action.status_code == 400
    assert RAW not in future.content.decode() + bad_action.content.decode()
    assert RAW not in all_text_in_database()


# Policies


def test_an_owner_creates_a_draft_policy_with_its_text_digest(tenant):
    response = new_policy(tenant.client("owner"), tenant)

    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["version"], body["status"]) == ("Support tone", 1, "draft")
    assert body["text_sha256"] == sha256_hex(POLICY_TEXT.encode("utf-8"))
    assert body["explicit"] is True
    assert body["published_at"] is None
    assert body["systems"] == [{"id": str(tenant.systems[0].pk), "name": tenant.systems[0].name}]
    event = LedgerEvent.objects.get(verb="consent_policy.created")
    assert event.payload == {
        "version": 1,
        "status": "draft",
        "text_sha256": body["text_sha256"],
        "explicit": True,
        "effective_from": "2026-01-01",
        "systems": [str(tenant.systems[0].pk)],
        "based_on": None,
    }


def test_a_draft_changes_in_place_and_its_digest_follows_the_text(tenant):
    owner = tenant.client("owner")
    draft = new_policy(owner, tenant).json()

    response = owner.patch(f"{POLICIES}{draft['id']}/", {"text": "New text."}, format="json")

    assert response.status_code == 200
    assert response.json()["id"] == draft["id"]
    assert response.json()["text_sha256"] == sha256_hex(b"New text.")
    assert LedgerEvent.objects.get(verb="consent_policy.updated").payload["fields"] == ["text"]


def test_publishing_freezes_a_version_and_a_change_makes_the_next_version(tenant):
    owner = tenant.client("owner")
    draft = new_policy(owner, tenant).json()

    published = owner.post(f"{POLICIES}{draft['id']}/publish/")
    changed = owner.patch(
        f"{POLICIES}{draft['id']}/", {"purposes": ["route", "train staff"]}, format="json"
    )

    assert published.status_code == 200
    assert published.json()["status"] == "published"
    assert published.json()["published_at"] is not None
    assert changed.status_code == 201
    new = changed.json()
    assert (new["name"], new["version"], new["status"]) == ("Support tone", 2, "draft")
    assert new["purposes"] == ["route", "train staff"]
    assert new["text"] == POLICY_TEXT
    assert new["systems"] == draft["systems"]
    first = ConsentPolicy.objects.get(pk=draft["id"])
    assert (first.status, first.purposes) == (ConsentPolicyStatus.PUBLISHED, ["route messages"])
    first.text = "Edited behind the API."
    with pytest.raises(ImmutableRecordError):
        first.save()
    created = LedgerEvent.objects.filter(verb="consent_policy.created").order_by("seq")
    assert created.last().payload["based_on"] == draft["id"]


def test_publishing_twice_is_a_conflict(tenant):
    owner = tenant.client("owner")
    draft = new_policy(owner, tenant).json()
    owner.post(f"{POLICIES}{draft['id']}/publish/")

    response = owner.post(f"{POLICIES}{draft['id']}/publish/")

    assert response.status_code == 409
    assert response.json() == {
        "detail": R.POLICY_ALREADY_PUBLISHED.format(version=1, name="Support tone"),
        "code": "transition_not_allowed",
    }


def test_one_open_draft_per_policy_name_and_versions_count_up(tenant):
    owner = tenant.client("owner")
    first = new_policy(owner, tenant).json()

    conflict = new_policy(owner, tenant)
    owner.post(f"{POLICIES}{first['id']}/publish/")
    second = new_policy(owner, tenant, text="Version two.")
    other = new_policy(owner, tenant, name="Marketing tone")

    assert conflict.status_code == 409
    assert conflict.json() == {
        "detail": R.POLICY_DRAFT_EXISTS.format(name="Support tone", version=1),
        "code": "draft_exists",
    }
    assert second.json()["version"] == 2
    assert other.json()["version"] == 1


def test_a_policy_cannot_be_renamed(tenant):
    owner = tenant.client("owner")
    draft = new_policy(owner, tenant).json()

    response = owner.patch(f"{POLICIES}{draft['id']}/", {"name": "Other"}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "name", "message": R.POLICY_NAME_FIXED}]


def test_policy_systems_must_belong_to_the_organization(tenant, other_tenant):
    response = new_policy(tenant.client("owner"), tenant, systems=[str(other_tenant.systems[0].pk)])

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "systems"
    assert ConsentPolicy.objects.count() == 0


# Records


def test_an_owner_records_a_grant(tenant):
    policy = published_policy(tenant)
    at = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)

    response = record(tenant.client("owner"), policy, at=at.isoformat(), evidence="form v3")

    assert response.status_code == 201
    body = response.json()
    assert body["policy"] == str(policy.pk)
    assert (body["policy_name"], body["policy_version"]) == ("Support tone", 1)
    assert body["policy_text_sha256"] == policy.text_sha256
    assert body["action"] == "granted"
    assert body["at"] == "2026-03-01T09:30:00Z"
    assert (body["channel"], body["evidence"]) == ("web form", "form v3")
    assert body["recorded_by"] == f"user:{tenant.members['owner'].pk}"
    assert "subject" not in body
    event = LedgerEvent.objects.get(verb="consent.granted")
    assert event.target_id == body["id"]
    assert event.payload == {
        "policy": str(policy.pk),
        "policy_version": 1,
        "text_sha256": policy.text_sha256,
        "by_vendor": False,
    }


def test_a_vendor_records_consent_for_its_own_systems_policies_only(tenant):
    mine = published_policy(tenant, name="Vendor 0 system", systems=[tenant.systems[0]])
    theirs = published_policy(tenant, name="Vendor 1 system", systems=[tenant.systems[1]])

    allowed = record(tenant.client("vendor0"), mine)
    refused = record(tenant.client("vendor0"), theirs)

    assert allowed.status_code == 201
    assert allowed.json()["recorded_by"] == f"vendor:{tenant.vendors[0].pk}"
    assert refused.status_code == 404
    assert ConsentRecord.objects.count() == 1
    assert LedgerEvent.objects.get(verb="consent.granted").payload["by_vendor"] is True


def test_consent_under_a_draft_is_refused(tenant):
    owner = tenant.client("owner")
    draft = ConsentPolicy.objects.get(pk=new_policy(owner, tenant).json()["id"])

    by_owner = record(owner, draft)
    by_vendor = record(tenant.client("vendor0"), draft)

    assert by_owner.status_code == 409
    assert by_owner.json() == {
        "detail": R.POLICY_NOT_PUBLISHED.format(version=1, name="Support tone"),
        "code": "policy_not_published",
    }
    assert by_vendor.status_code == 404
    assert ConsentRecord.objects.count() == 0


@pytest.mark.parametrize(
    ("at", "message"),
    [
        (lambda: timezone.now() + timedelta(minutes=5), R.AT_IN_FUTURE),
        (
            lambda: datetime(2025, 12, 31, 23, 59, tzinfo=UTC),
            R.AT_BEFORE_EFFECTIVE.format(date="2026-01-01"),
        ),
    ],
)
def test_a_record_cannot_be_dated_in_the_future_or_before_the_policy(tenant, at, message):
    policy = published_policy(tenant, effective=date(2026, 1, 1))

    response = record(tenant.client("owner"), policy, at=at().isoformat())

    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "at", "message": message}]
    assert ConsentRecord.objects.count() == 0
    assert not LedgerEvent.objects.filter(verb__startswith="consent.").exists()


def test_a_record_on_the_effective_date_is_accepted(tenant):
    policy = published_policy(tenant, effective=EFFECTIVE)

    response = record(tenant.client("owner"), policy, at="2026-01-01T00:00:00Z")

    assert response.status_code == 201


def test_a_withdrawal_needs_an_earlier_grant(tenant):
    policy = published_policy(tenant)
    owner = tenant.client("owner")

    without = record(owner, policy, action="withdrawn")
    record(owner, policy, at="2026-03-01T10:00:00Z")
    before_grant = record(owner, policy, action="withdrawn", at="2026-02-01T10:00:00Z")

    assert without.status_code == 409
    assert without.json() == {"detail": R.NO_PRIOR_GRANT, "code": "no_prior_grant"}
    assert before_grant.status_code == 409
    assert before_grant.json()["code"] == "no_prior_grant"
    assert list(ConsentRecord.objects.values_list("action", flat=True)) == ["granted"]
    assert not LedgerEvent.objects.filter(verb="consent.withdrawn").exists()


def test_a_withdrawal_under_another_policy_version_does_not_count_as_a_grant(tenant):
    first = published_policy(tenant, name="Support tone")
    second = published_policy(tenant, name="Marketing tone")
    record(tenant.client("owner"), first)

    response = record(tenant.client("owner"), second, action="withdrawn")

    assert response.status_code == 409


def test_withdrawing_twice_is_a_conflict(tenant):
    policy = published_policy(tenant)
    owner = tenant.client("owner")
    record(owner, policy)
    record(owner, policy, action="withdrawn")

    response = record(owner, policy, action="withdrawn")

    assert response.status_code == 409
    assert response.json() == {"detail": R.ALREADY_WITHDRAWN, "code": "already_withdrawn"}
    assert ConsentRecord.objects.count() == 2


def upload_batch(tenant, rows: list[str]):
    content = ("y_pred,y_true,age_band,customer_id\n" + "\n".join(rows) + "\n").encode()
    upload = io.BytesIO(content)
    upload.name = "predictions.csv"
    response = tenant.client("vendor0").post(
        f"/api/v1/versions/{tenant.versions[0].pk}/batches/",
        {"file": upload, "sensitive": "age_band", "subject_column": "customer_id"},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    return PredictionBatch.objects.get(pk=response.json()["id"])


def test_a_withdrawal_erases_the_persons_stored_rows_in_the_same_transaction(tenant):
    policy = published_policy(tenant)
    owner = tenant.client("owner")
    batch = upload_batch(
        tenant,
        [f"anger,anger,18-24,{RAW}", "joy,joy,65+,someone-else", f"joy,anger,65+,{RAW}"],
    )
    record(owner, policy)

    response = record(owner, policy, action="withdrawn")

    assert response.status_code == 201
    batch.refresh_from_db()
    assert batch.row_count == 1  # 3 rows, 2 of them this person's
    event = LedgerEvent.objects.get(verb="consent.withdrawn")
    assert event.target_id == response.json()["id"]
    assert event.payload == {
        "policy": str(policy.pk),
        "policy_version": 1,
        "text_sha256": policy.text_sha256,
        "by_vendor": False,
        "erasure": {"batches": 1, "rows": 2},
    }
    erased = LedgerEvent.objects.get(verb="batch.rows_erased")
    assert erased.seq < event.seq
    assert RAW not in all_text_in_database()
    assert verify_chain([str(tenant.organization.pk)]).ok


def test_a_failed_withdrawal_erases_nothing(tenant):
    batch = upload_batch(tenant, [f"anger,anger,18-24,{RAW}", "joy,joy,65+,someone-else"])
    policy = published_policy(tenant)

    response = record(tenant.client("owner"), policy, action="withdrawn")

    assert response.status_code == 409
    batch.refresh_from_db()
    assert batch.row_count == 2
    assert not LedgerEvent.objects.filter(verb="batch.rows_erased").exists()


def test_records_are_listed_for_members_and_for_a_vendor_only_its_own(tenant):
    mine = published_policy(tenant, name="Vendor 0 system", systems=[tenant.systems[0]])
    theirs = published_policy(tenant, name="Vendor 1 system", systems=[tenant.systems[1]])
    record(tenant.client("owner"), mine)
    record(tenant.client("owner"), theirs, subject="someone-else")

    as_viewer = tenant.client("viewer").get(RECORDS).json()["results"]
    as_vendor = tenant.client("vendor0").get(RECORDS).json()["results"]
    by_ref = tenant.client("viewer").get(
        RECORDS, {"subject_ref": R.pseudonymise_subject("someone-else")}
    )

    assert sorted(r["policy"] for r in as_viewer) == sorted([str(mine.pk), str(theirs.pk)])
    assert [r["policy"] for r in as_vendor] == [str(mine.pk)]
    assert [r["policy"] for r in by_ref.json()["results"]] == [str(theirs.pk)]


# State


def test_the_state_shows_the_latest_record_per_policy_and_per_system(tenant):
    first, second = tenant.systems
    support = published_policy(tenant, name="Support tone", systems=[first])
    marketing = published_policy(tenant, name="Marketing tone", systems=[second])
    owner = tenant.client("owner")
    record(owner, support, at="2026-02-01T08:00:00Z")
    record(owner, marketing, at="2026-02-01T08:00:00Z")
    record(owner, marketing, action="withdrawn", at="2026-02-02T08:00:00Z")

    response = state(tenant.client("viewer"))

    assert response.status_code == 200
    assert response.json() == {
        "subject_ref": R.pseudonymise_subject(RAW),
        "policies": [
            {
                "policy": str(marketing.pk),
                "name": "Marketing tone",
                "version": 1,
                "action": "withdrawn",
                "at": "2026-02-02T08:00:00Z",
                "granted": False,
            },
            {
                "policy": str(support.pk),
                "name": "Support tone",
                "version": 1,
                "action": "granted",
                "at": "2026-02-01T08:00:00Z",
                "granted": True,
            },
        ],
        "systems": sorted(
            [
                {"system": str(first.pk), "name": first.name, "granted": True},
                {"system": str(second.pk), "name": second.name, "granted": False},
            ],
            key=lambda s: s["name"],
        ),
    }


def test_a_later_grant_under_a_new_version_restores_consent_for_the_system(tenant):
    system = tenant.systems[0]
    old = published_policy(tenant, name="Support tone", systems=[system])
    new = published_policy(tenant, name="Support tone v2", systems=[system])
    owner = tenant.client("owner")
    record(owner, old, at="2026-02-01T08:00:00Z")
    record(owner, old, action="withdrawn", at="2026-02-02T08:00:00Z")
    before = state(owner).json()["systems"]
    record(owner, new, at="2026-02-03T08:00:00Z")

    after = state(owner).json()["systems"]

    assert [s["granted"] for s in before if s["system"] == str(system.pk)] == [False]
    assert [s["granted"] for s in after if s["system"] == str(system.pk)] == [True]


def test_a_stranger_has_no_consent_anywhere(tenant):
    published_policy(tenant)

    response = state(tenant.client("owner"), subject="nobody")

    assert response.json()["policies"] == []
    assert response.json()["systems"] == [
        {"system": str(tenant.systems[0].pk), "name": tenant.systems[0].name, "granted": False}
    ]


def test_a_vendor_sees_the_state_for_its_own_systems_only(tenant):
    support = published_policy(tenant, name="Support tone", systems=tenant.systems)
    record(tenant.client("owner"), support)

    response = state(tenant.client("vendor1"))

    assert response.status_code == 200
    assert response.json()["systems"] == [
        {"system": str(tenant.systems[1].pk), "name": tenant.systems[1].name, "granted": True}
    ]


def test_the_state_needs_a_subject(tenant):
    response = tenant.client("owner").post(STATE, {"subject": "  "}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "subject", "message": "This field may not be blank."}
    ]
