"""Who may do what: each role and vendor token against each endpoint (DESIGN.md §5, REGULATORY.md §5.3).

Objects of another organization or another vendor are 404 (never 403, which would leak that they
exist); a missing role is 403; no credentials is 401.
"""

import pytest
from rest_framework.test import APIClient

from governance.models import AISystem, LedgerEvent, ModelVersion, Vendor

pytestmark = pytest.mark.django_db

SYSTEM_BODY = {
    "name": "Call tone monitor",
    "purpose": "Flag frustrated callers for a call-back.",
    "modality": "voice",
    "subjects": "customers",
    "context": "customer_service",
}
VERSION_BODY = {
    "version": "9.9.9",
    "labels": ["anger", "joy", "neutral"],
    "flagged_labels": ["anger"],
}


def client_for(who, tenant, other_tenant) -> APIClient:
    if who == "anonymous":
        return APIClient()
    if who.startswith("other_"):
        return other_tenant.client(who.removeprefix("other_"))
    return tenant.client(who)


def url(template, tenant):
    return template.format(
        vendor=tenant.vendors[0].pk,
        system=tenant.systems[0].pk,
        version=tenant.versions[0].pk,
        org=tenant.organization.pk,
    )


# (method, path, body, {actor: expected status})
MATRIX = [
    (
        "get",
        "/api/v1/vendors/{vendor}/",
        None,
        {
            "owner": 200,
            "reviewer": 200,
            "viewer": 200,
            "vendor0": 403,
            "other_owner": 404,
            "anonymous": 401,
        },
    ),
    (
        "post",
        "/api/v1/vendors/",
        {"name": "New vendor"},
        {"owner": 201, "reviewer": 403, "viewer": 403, "vendor0": 403, "anonymous": 401},
    ),
    (
        "post",
        "/api/v1/vendors/{vendor}/tokens/",
        {},
        {
            "owner": 201,
            "reviewer": 403,
            "viewer": 403,
            "vendor0": 403,
            "other_owner": 404,
            "anonymous": 401,
        },
    ),
    (
        "get",
        "/api/v1/vendors/{vendor}/tokens/",
        None,
        {"owner": 200, "reviewer": 403, "viewer": 403, "vendor0": 403, "other_owner": 404},
    ),
    (
        "get",
        "/api/v1/systems/{system}/",
        None,
        {
            "owner": 200,
            "reviewer": 200,
            "viewer": 200,
            "vendor0": 200,
            "vendor1": 404,
            "other_owner": 404,
            "other_vendor0": 404,
            "anonymous": 401,
        },
    ),
    (
        "post",
        "/api/v1/systems/",
        SYSTEM_BODY,
        {
            "owner": 201,
            "reviewer": 403,
            "viewer": 403,
            "vendor0": 403,
            "other_vendor0": 403,
            "anonymous": 401,
        },
    ),
    (
        "patch",
        "/api/v1/systems/{system}/",
        {"purpose": "Changed."},
        {
            "owner": 200,
            "reviewer": 403,
            "viewer": 403,
            "vendor0": 403,
            "vendor1": 404,
            "other_owner": 404,
        },
    ),
    (
        "post",
        "/api/v1/systems/{system}/transition/",
        {"status": "in_review"},
        {"owner": 200, "reviewer": 403, "viewer": 403, "vendor0": 403, "other_owner": 404},
    ),
    (
        "get",
        "/api/v1/systems/{system}/versions/",
        None,
        {
            "owner": 200,
            "reviewer": 200,
            "viewer": 200,
            "vendor0": 200,
            "vendor1": 404,
            "other_owner": 404,
        },
    ),
    (
        "post",
        "/api/v1/systems/{system}/versions/",
        VERSION_BODY,
        {
            "owner": 201,
            "vendor0": 201,
            "reviewer": 403,
            "viewer": 403,
            "vendor1": 404,
            "other_owner": 404,
            "other_vendor0": 404,
            "anonymous": 401,
        },
    ),
    (
        "get",
        "/api/v1/versions/{version}/",
        None,
        {"owner": 200, "viewer": 200, "vendor0": 200, "vendor1": 404, "other_owner": 404},
    ),
    (
        "get",
        "/api/v1/ledger/verify/",
        None,
        {"owner": 200, "reviewer": 200, "viewer": 200, "vendor0": 403, "anonymous": 401},
    ),
    (
        "get",
        "/api/v1/ledger/events/",
        None,
        {"owner": 200, "viewer": 200, "vendor0": 403, "anonymous": 401},
    ),
    (
        "get",
        "/api/v1/organizations/{org}/",
        None,
        {"owner": 200, "viewer": 200, "vendor0": 403, "other_owner": 404},
    ),
    (
        "get",
        "/api/v1/organizations/{org}/members/",
        None,
        {"owner": 200, "reviewer": 200, "viewer": 200, "vendor0": 403, "other_owner": 404},
    ),
    (
        "post",
        "/api/v1/organizations/{org}/members/",
        {"email": "new@example.com", "role": "reviewer"},
        {"owner": 201, "reviewer": 403, "viewer": 403, "vendor0": 403, "other_owner": 404},
    ),
]
CASES = [
    pytest.param(method, path, body, who, expected, id=f"{method} {path} as {who}")
    for method, path, body, expectations in MATRIX
    for who, expected in expectations.items()
]


@pytest.mark.parametrize(("method", "path", "body", "who", "expected"), CASES)
def test_access_matrix(tenant, other_tenant, method, path, body, who, expected):
    client = client_for(who, tenant, other_tenant)
    events_before = LedgerEvent.objects.count()

    response = getattr(client, method)(url(path, tenant), body, format="json")

    assert response.status_code == expected, response.content
    if expected >= 400:
        assert LedgerEvent.objects.count() == events_before
    elif method != "get":
        assert LedgerEvent.objects.count() > events_before


def test_lists_show_only_the_callers_own_objects(tenant, other_tenant):
    ours = {str(s.pk) for s in tenant.systems}

    as_owner = {s["id"] for s in tenant.client("owner").get("/api/v1/systems/").json()["results"]}
    as_vendor = {
        s["id"] for s in tenant.client("vendor0").get("/api/v1/systems/").json()["results"]
    }
    as_other = {
        s["id"] for s in other_tenant.client("owner").get("/api/v1/systems/").json()["results"]
    }
    versions_as_vendor = tenant.client("vendor1").get("/api/v1/versions/").json()["results"]

    assert as_owner == ours
    assert as_vendor == {str(tenant.systems[0].pk)}
    assert not as_other & ours
    assert [v["id"] for v in versions_as_vendor] == [str(tenant.versions[1].pk)]


def test_a_filter_naming_another_organizations_vendor_reveals_nothing(tenant, other_tenant):
    response = tenant.client("owner").get(f"/api/v1/systems/?vendor={other_tenant.vendors[0].pk}")

    assert response.status_code == 200
    assert response.json()["results"] == []


def test_a_system_cannot_name_another_organizations_vendor(tenant, other_tenant):
    body = {**SYSTEM_BODY, "vendor": str(other_tenant.vendors[0].pk)}

    response = tenant.client("owner").post("/api/v1/systems/", body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "vendor", "message": "Vendor not found."}]
    assert not AISystem.objects.filter(name=SYSTEM_BODY["name"]).exists()


def test_mass_assignment_of_status_organization_or_screening_is_refused(tenant, other_tenant):
    system = tenant.systems[0]

    response = tenant.client("owner").patch(
        f"/api/v1/systems/{system.pk}/",
        {"status": "deployed", "organization": str(other_tenant.organization.pk), "screening": {}},
        format="json",
    )

    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {
        "status",
        "organization",
        "screening",
    }
    system.refresh_from_db()
    assert system.status == "draft"
    assert system.organization_id == tenant.organization.pk


def test_system_list_query_count_is_constant(tenant, django_assert_num_queries):
    client = tenant.client("owner")
    client.get("/api/v1/systems/")  # warm the token's last-used time

    with django_assert_num_queries(3):  # token lookup, count, page
        response = client.get("/api/v1/systems/")

    assert len(response.json()["results"]) == 2


def test_vendor_token_registers_a_version_only_for_its_own_system(tenant):
    response = tenant.client("vendor0").post(
        f"/api/v1/systems/{tenant.systems[0].pk}/versions/", VERSION_BODY, format="json"
    )

    assert response.status_code == 201
    version = ModelVersion.objects.get(pk=response.json()["id"])
    assert version.system == tenant.systems[0]
    event = LedgerEvent.objects.get(verb="version.registered", target_id=str(version.pk))
    assert event.actor == f"vendor:{tenant.vendors[0].pk}"
    assert event.payload["by_vendor"] is True


def test_vendor_create_belongs_to_the_owners_organization(tenant):
    response = tenant.client("owner").post(
        "/api/v1/vendors/", {"name": "Acme Emotions"}, format="json"
    )

    assert response.status_code == 201
    assert Vendor.objects.get(name="Acme Emotions").organization == tenant.organization
