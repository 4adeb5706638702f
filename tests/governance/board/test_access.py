"""Who may do what on each board endpoint: roles, vendor tokens, other organizations, anonymous.

Objects of another organization are 404; a missing role or a vendor token is 403; no
credentials is 401 (DESIGN.md §5, REGULATORY.md §6(b) item 23).
"""

import pytest
from rest_framework.test import APIClient

from governance.models import SignOff
from tests.governance.board.helpers import board_member, ready, request_deployment, sign

pytestmark = pytest.mark.django_db


def approved_request(tenant) -> dict:
    version, _ = ready(tenant, 0)
    _, second = board_member(tenant)
    request = request_deployment(tenant, version)
    sign(tenant.client("reviewer"), request)
    sign(second, request)
    return request


def open_request(tenant) -> dict:
    version, _ = ready(tenant, 1)
    return request_deployment(tenant, version)


def list_requests(tenant):
    open_request(tenant)
    return "get", "/api/v1/deployment-requests/", None


def retrieve_request(tenant):
    return "get", f"/api/v1/deployment-requests/{open_request(tenant)['id']}/", None


def create_request(tenant):
    version, _ = ready(tenant, 1)
    return "post", "/api/v1/deployment-requests/", {"model_version": str(version.pk)}


def list_signoffs(tenant):
    return "get", f"/api/v1/deployment-requests/{open_request(tenant)['id']}/signoffs/", None


def create_signoff(tenant):
    request = open_request(tenant)
    body = {"decision": "approve", "evidence_sha256": request["evidence_sha256"]}
    return "post", f"/api/v1/deployment-requests/{request['id']}/signoffs/", body


def certificate(tenant):
    return (
        "get",
        f"/api/v1/deployment-requests/{approved_request(tenant)['id']}/certificate.pdf",
        None,
    )


def suspend(tenant):
    approved_request(tenant)
    path = f"/api/v1/versions/{tenant.versions[0].pk}/suspend/"
    return "post", path, {"reason": "Complaints of bias."}


def deploy(tenant):
    approved_request(tenant)
    return "post", f"/api/v1/versions/{tenant.versions[0].pk}/deploy/", None


# The owner of the tenant requested every request and owns every system: signing is a recusal.
MATRIX = [
    (
        list_requests,
        {"owner": 200, "reviewer": 200, "viewer": 200, "vendor0": 403, "anonymous": 401},
    ),
    (
        retrieve_request,
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
        create_request,
        {
            "owner": 201,
            "reviewer": 403,
            "viewer": 403,
            "vendor1": 403,
            "other_owner": 400,
            "anonymous": 401,
        },
    ),
    (
        list_signoffs,
        {
            "owner": 200,
            "reviewer": 200,
            "viewer": 200,
            "vendor1": 403,
            "other_reviewer": 404,
            "anonymous": 401,
        },
    ),
    (
        create_signoff,
        {
            "owner": 409,
            "reviewer": 201,
            "viewer": 403,
            "vendor1": 403,
            "other_reviewer": 404,
            "other_owner": 404,
            "anonymous": 401,
        },
    ),
    (
        certificate,
        {
            "owner": 200,
            "reviewer": 200,
            "viewer": 200,
            "vendor0": 403,
            "other_viewer": 404,
            "anonymous": 401,
        },
    ),
    (
        suspend,
        {
            "owner": 200,
            "reviewer": 200,
            "viewer": 403,
            "vendor0": 403,
            "other_owner": 404,
            "anonymous": 401,
        },
    ),
    (
        deploy,
        {
            "owner": 200,
            "reviewer": 403,
            "viewer": 403,
            "vendor0": 403,
            "other_owner": 404,
            "anonymous": 401,
        },
    ),
]
CASES = [
    pytest.param(build, who, expected, id=f"{build.__name__}-{who}")
    for build, expectations in MATRIX
    for who, expected in expectations.items()
]


def client_for(who, tenant, other_tenant) -> APIClient:
    if who == "anonymous":
        return APIClient()
    if who.startswith("other_"):
        return other_tenant.client(who.removeprefix("other_"))
    return tenant.client(who)


@pytest.mark.parametrize(("build", "who", "expected"), CASES)
def test_access(build, who, expected, tenant, other_tenant):
    method, path, body = build(tenant)
    signoffs = SignOff.objects.count()

    response = getattr(client_for(who, tenant, other_tenant), method)(path, body, format="json")

    assert response.status_code == expected, response.content[:300]
    if expected >= 400 and method == "post":
        assert SignOff.objects.count() == signoffs


def test_another_organization_sees_no_requests_in_the_list(tenant, other_tenant):
    open_request(tenant)

    response = other_tenant.client("owner").get("/api/v1/deployment-requests/")

    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_the_list_runs_a_fixed_number_of_queries(tenant, django_assert_num_queries):
    approved_request(tenant)
    open_request(tenant)
    client = tenant.client("viewer")

    # token lookup and last-used update (2), count, page, prefetch sign-offs and recusals (4)
    with django_assert_num_queries(6):
        response = client.get("/api/v1/deployment-requests/")

    assert response.json()["count"] == 2
    assert [r["approvals"] for r in response.json()["results"]] == [0, 2]
