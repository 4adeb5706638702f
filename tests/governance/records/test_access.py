"""Who may do what on the records endpoints: each role and vendor token against each endpoint.

Objects of another organization (or another vendor's) are 404, a missing role is 403, no
credentials is 401. Questionnaires are shared content: every signed-in member reads them.
"""

import pytest
from rest_framework.test import APIClient

from governance.models import ConsentRecord
from governance.services.records import pseudonymise_subject
from tests.governance.records.helpers import boundary_questionnaire, published_policy

pytestmark = pytest.mark.django_db

MEMBERS_READ = {"owner": 200, "reviewer": 200, "viewer": 200, "anonymous": 401}
OWNER_WRITES = {"reviewer": 403, "viewer": 403, "vendor0": 403, "anonymous": 401}

# (method, path, body, {actor: expected status})
MATRIX = [
    ("get", "/api/v1/questionnaires/", None, {**MEMBERS_READ, "vendor0": 403}),
    (
        "get",
        "/api/v1/questionnaires/{questionnaire}/",
        None,
        {**MEMBERS_READ, "vendor0": 403, "other_owner": 200},
    ),
    ("get", "/api/v1/assessments/", None, {**MEMBERS_READ, "vendor0": 403}),
    (
        "post",
        "/api/v1/assessments/",
        {"system": "{system1}"},
        {"owner": 201, **OWNER_WRITES, "other_owner": 400},
    ),
    (
        "get",
        "/api/v1/assessments/{assessment}/",
        None,
        {**MEMBERS_READ, "vendor0": 403, "other_owner": 404},
    ),
    (
        "patch",
        "/api/v1/assessments/{assessment}/",
        {"answers": {"risk": "p2"}},
        {"owner": 200, **OWNER_WRITES, "other_owner": 404},
    ),
    (
        "post",
        "/api/v1/assessments/{assessment}/submit/",
        {},
        {"owner": 200, **OWNER_WRITES, "other_owner": 404},
    ),
    ("get", "/api/v1/processing-activities/", None, {**MEMBERS_READ, "vendor0": 403}),
    (
        "post",
        "/api/v1/processing-activities/",
        {"name": "New", "controller_name": "Shop", "controller_contact": "a@shop.example"},
        {"owner": 201, **OWNER_WRITES},
    ),
    (
        "get",
        "/api/v1/processing-activities/{activity}/",
        None,
        {**MEMBERS_READ, "vendor0": 403, "other_owner": 404},
    ),
    (
        "patch",
        "/api/v1/processing-activities/{activity}/",
        {"retention": "30 days"},
        {"owner": 200, **OWNER_WRITES, "other_owner": 404},
    ),
    (
        "delete",
        "/api/v1/processing-activities/{activity}/",
        None,
        {"owner": 204, **OWNER_WRITES, "other_owner": 404},
    ),
    ("get", "/api/v1/processing-activities/warnings/", None, {**MEMBERS_READ, "vendor0": 403}),
    ("get", "/api/v1/processing-activities/export.csv", None, {"owner": 200, **OWNER_WRITES}),
    ("get", "/api/v1/processing-activities/export.pdf", None, {"owner": 200, **OWNER_WRITES}),
    ("get", "/api/v1/consent-policies/", None, {**MEMBERS_READ, "vendor0": 200}),
    (
        "post",
        "/api/v1/consent-policies/",
        {"name": "New policy", "text": "Text.", "effective_from": "2026-01-01"},
        {"owner": 201, **OWNER_WRITES},
    ),
    (
        "get",
        "/api/v1/consent-policies/{policy}/",
        None,
        {
            **MEMBERS_READ,
            "vendor0": 200,
            "vendor1": 404,
            "other_owner": 404,
            "other_vendor0": 404,
        },
    ),
    (
        "patch",
        "/api/v1/consent-policies/{policy}/",
        {"text": "Changed text."},
        {"owner": 201, **OWNER_WRITES, "vendor1": 404, "other_owner": 404},
    ),
    (
        "post",
        "/api/v1/consent-policies/{draft}/publish/",
        None,
        {"owner": 200, **OWNER_WRITES, "vendor0": 404, "other_owner": 404},
    ),
    ("get", "/api/v1/consent-records/", None, {**MEMBERS_READ, "vendor0": 200}),
    (
        "post",
        "/api/v1/consent-records/",
        {"policy": "{policy}", "subject": "c-1", "action": "granted", "channel": "web"},
        {
            "owner": 201,
            "reviewer": 403,
            "viewer": 403,
            "vendor0": 201,
            "vendor1": 404,
            "other_owner": 404,
            "other_vendor0": 404,
            "anonymous": 401,
        },
    ),
    (
        "get",
        "/api/v1/consent-records/{record}/",
        None,
        {**MEMBERS_READ, "vendor0": 200, "vendor1": 404, "other_owner": 404},
    ),
    (
        "post",
        "/api/v1/consent-records/state/",
        {"subject": "c-1"},
        {**MEMBERS_READ, "vendor0": 200, "other_owner": 200},
    ),
]


@pytest.fixture
def world(tenant) -> dict[str, str]:
    """One of each record in the tenant, created through the owner's API."""
    owner = tenant.client("owner")
    questionnaire = boundary_questionnaire()
    assessment = owner.post(
        "/api/v1/assessments/",
        {
            "system": str(tenant.systems[0].pk),
            "questionnaire": str(questionnaire.pk),
            "answers": {"risk": "p1", "care": "p1"},
        },
        format="json",
    ).json()
    activity = owner.post(
        "/api/v1/processing-activities/",
        {"name": "Triage", "controller_name": "Shop", "controller_contact": "a@shop.example"},
        format="json",
    ).json()
    policy = published_policy(tenant)
    draft = owner.post(
        "/api/v1/consent-policies/",
        {"name": "Draft", "text": "Draft.", "effective_from": "2026-01-01"},
        format="json",
    ).json()
    record = owner.post(
        "/api/v1/consent-records/",
        {"policy": str(policy.pk), "subject": "c-0", "action": "granted", "channel": "web"},
        format="json",
    ).json()
    return {
        "questionnaire": str(questionnaire.pk),
        "system1": str(tenant.systems[1].pk),
        "assessment": assessment["id"],
        "activity": activity["id"],
        "policy": str(policy.pk),
        "draft": draft["id"],
        "record": record["id"],
    }


def client_for(who, tenant, other_tenant) -> APIClient:
    if who == "anonymous":
        return APIClient()
    if who.startswith("other_"):
        return other_tenant.client(who.removeprefix("other_"))
    return tenant.client(who)


def filled(value, names: dict[str, str]):
    if isinstance(value, str):
        return value.format(**names)
    if isinstance(value, dict):
        return {key: filled(item, names) for key, item in value.items()}
    return value


CASES = [
    pytest.param(method, path, body, who, expected, id=f"{method} {path} as {who}")
    for method, path, body, expected_by_actor in MATRIX
    for who, expected in expected_by_actor.items()
]


@pytest.mark.parametrize(("method", "path", "body", "who", "expected"), CASES)
def test_access(tenant, other_tenant, world, method, path, body, who, expected):
    client = client_for(who, tenant, other_tenant)

    response = getattr(client, method)(
        filled(path, world), filled(body, world) if body is not None else None, format="json"
    )

    assert response.status_code == expected, response.content


def test_a_refused_consent_record_stores_nothing(tenant, other_tenant, world):
    before = ConsentRecord.objects.count()

    for who in ("reviewer", "viewer", "vendor1"):
        tenant.client(who).post(
            "/api/v1/consent-records/",
            {"policy": world["policy"], "subject": "c-9", "action": "granted", "channel": "web"},
            format="json",
        )
    other_tenant.client("owner").post(
        "/api/v1/consent-records/",
        {"policy": world["policy"], "subject": "c-9", "action": "granted", "channel": "web"},
        format="json",
    )

    assert ConsentRecord.objects.count() == before
    assert not ConsentRecord.objects.filter(subject_ref=pseudonymise_subject("c-9")).exists()
