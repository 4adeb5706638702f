"""API tokens: hashed at rest, shown once, revocable, expiring; the bootstrap commands."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from governance.authentication import INVALID_TOKEN
from governance.models import ApiToken, LedgerEvent, Membership, Organization, Role
from governance.tokens import hash_token
from tests.conftest import bearer

pytestmark = pytest.mark.django_db


def all_text_in_database() -> str:
    """Every value of every table, as text, to search for a secret."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            chunks.extend(str(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def test_create_organization_prints_only_a_working_token():
    out = StringIO()

    call_command(
        "create_organization", "Bakery Brun", "--owner-email", "ana@bakery.example", stdout=out
    )

    secret = out.getvalue().strip()
    assert "\n" not in secret
    assert secret.startswith("att_")
    organization = Organization.objects.get(name="Bakery Brun")
    membership = Membership.objects.get(organization=organization)
    assert membership.role == Role.OWNER
    assert membership.user.email == "ana@bakery.example"
    response = bearer(secret).get("/api/v1/organizations/")
    assert response.status_code == 200
    assert [o["name"] for o in response.json()["results"]] == ["Bakery Brun"]
    assert list(
        LedgerEvent.objects.filter(organization=organization).values_list("verb", flat=True)
    ) == [
        "organization.created",
        "membership.created",
        "token.issued",
    ]


def test_the_database_never_holds_a_token_only_its_hash():
    out = StringIO()
    call_command("create_organization", "Clinic", "--owner-email", "doc@clinic.example", stdout=out)
    secret = out.getvalue().strip()

    text = all_text_in_database()

    assert secret not in text
    assert secret[12:] not in text
    assert hash_token(secret) in text


def test_create_token_prints_a_new_token_for_an_existing_user(tenant):
    out = StringIO()
    email = tenant.members["viewer"].email

    call_command("create_token", "--email", email, stdout=out)

    response = bearer(out.getvalue().strip()).get("/api/v1/systems/")
    assert response.status_code == 200


def test_create_token_for_an_unknown_user_fails():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=r"No user with e-mail 'nobody@example\.com'"):
        call_command("create_token", "--email", "nobody@example.com")


def test_owner_issues_a_vendor_token_shown_once(tenant):
    owner = tenant.client("owner")
    vendor = tenant.vendors[0]

    created = owner.post(f"/api/v1/vendors/{vendor.pk}/tokens/", {"label": "ci"}, format="json")
    listed = owner.get(f"/api/v1/vendors/{vendor.pk}/tokens/")

    assert created.status_code == 201
    assert created.json()["token"].startswith("att_")
    assert all("token" not in row for row in listed.json())
    assert {row["label"] for row in listed.json()} >= {"ci"}
    assert bearer(created.json()["token"]).get("/api/v1/systems/").status_code == 200


@pytest.mark.parametrize("header", ["Bearer att_nonsense", "Bearer", "Bearer a b"])
def test_an_unknown_or_malformed_token_is_401(header):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    response = client.get("/api/v1/systems/")

    assert response.status_code == 401
    assert response.json() == {"detail": INVALID_TOKEN}


def test_a_revoked_vendor_token_is_401_and_the_revocation_is_recorded(tenant):
    token = ApiToken.objects.get(vendor=tenant.vendors[0])
    owner = tenant.client("owner")

    response = owner.post(f"/api/v1/vendors/{tenant.vendors[0].pk}/tokens/{token.pk}/revoke/")

    assert response.status_code == 200
    assert response.json()["revoked_at"] is not None
    assert tenant.client("vendor0").get("/api/v1/systems/").status_code == 401
    assert LedgerEvent.objects.filter(verb="token.revoked", target_id=str(token.pk)).count() == 1


def test_revoking_twice_is_a_conflict(tenant):
    token = ApiToken.objects.get(vendor=tenant.vendors[0])
    owner = tenant.client("owner")
    owner.post(f"/api/v1/vendors/{tenant.vendors[0].pk}/tokens/{token.pk}/revoke/")

    response = owner.post(f"/api/v1/vendors/{tenant.vendors[0].pk}/tokens/{token.pk}/revoke/")

    assert response.status_code == 409
    assert response.json()["code"] == "already_revoked"


def test_an_expired_token_is_401(tenant):
    ApiToken.objects.filter(user=tenant.members["viewer"]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    assert tenant.client("viewer").get("/api/v1/systems/").status_code == 401


def test_a_token_of_a_deactivated_user_is_401(tenant):
    user = tenant.members["viewer"]
    user.is_active = False
    user.save()

    assert tenant.client("viewer").get("/api/v1/systems/").status_code == 401


def test_expiry_in_the_past_is_refused(tenant):
    response = tenant.client("owner").post(
        "/api/v1/tokens/", {"expires_at": "2001-01-01T00:00:00Z"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "expires_at", "message": "expires_at must be in the future."}
    ]


def test_last_used_time_is_recorded(tenant):
    token = ApiToken.objects.get(user=tenant.members["viewer"])
    assert token.last_used_at is None

    tenant.client("viewer").get("/api/v1/systems/")

    token.refresh_from_db()
    assert token.last_used_at is not None


def test_personal_tokens_list_create_and_revoke(tenant):
    client = tenant.client("reviewer")

    created = client.post("/api/v1/tokens/", {"label": "laptop"}, format="json").json()
    listed = client.get("/api/v1/tokens/").json()["results"]
    revoked = client.post(f"/api/v1/tokens/{created['id']}/revoke/")

    assert {t["label"] for t in listed} == {"", "laptop"}
    assert revoked.status_code == 200
    assert bearer(created["token"]).get("/api/v1/systems/").status_code == 401


def test_a_token_in_the_query_string_is_not_accepted(tenant):
    from rest_framework.test import APIClient

    response = APIClient().get(f"/api/v1/systems/?token={tenant.tokens['owner']}")

    assert response.status_code in (401, 403)


def test_another_users_personal_token_cannot_be_revoked(tenant):
    viewer_token = ApiToken.objects.get(user=tenant.members["viewer"])

    response = tenant.client("owner").post(f"/api/v1/tokens/{viewer_token.pk}/revoke/")

    assert response.status_code == 404
    viewer_token.refresh_from_db()
    assert viewer_token.revoked_at is None


def test_token_clients_are_throttled_per_token(tenant, monkeypatch):
    from django.core.cache import cache

    from config.drf import TokenRateThrottle

    cache.clear()
    monkeypatch.setattr(TokenRateThrottle, "rate", "2/minute", raising=False)
    client = tenant.client("viewer")

    statuses = [client.get("/api/v1/systems/").status_code for _ in range(3)]
    other = tenant.client("owner").get("/api/v1/systems/")

    assert statuses == [200, 200, 429]
    assert other.status_code == 200  # counted per token, not globally
    cache.clear()
