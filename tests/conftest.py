"""Shared fixtures: API clients and a two-organization world for isolation tests."""

from dataclasses import dataclass, field

import pytest
from rest_framework.test import APIClient

from governance.models import Role
from governance.services import personal_token_issue, vendor_token_issue
from tests.factories import (
    AISystemFactory,
    MembershipFactory,
    ModelVersionFactory,
    OrganizationFactory,
    VendorFactory,
)


def _uses_transactional_db(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    return bool(
        (marker and marker.kwargs.get("transaction"))
        or names & {"transactional_db", "live_server", "django_db_serialized_rollback"}
    )


@pytest.fixture(autouse=True)
def _append_only_triggers(request):
    """Keep the ledger's refusal triggers in place, except while a transactional test flushes.

    Tests that commit (transactional_db, live_server) are cleaned by flushing every table, which
    the triggers rightly refuse; they are dropped just for that flush and restored before the
    next test.
    """
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if marker is None and not names & {"db", "transactional_db", "live_server"}:
        yield
        return
    from django.db import connection

    from governance.ledger_triggers import install, uninstall

    transactional = _uses_transactional_db(request)
    request.getfixturevalue("transactional_db" if transactional else "db")
    install(connection)
    yield
    if transactional:
        uninstall(connection)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


def bearer(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@dataclass
class Tenant:
    """One organization with a member of each role, two vendors, a system and version each."""

    organization: object
    members: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)
    vendors: list = field(default_factory=list)
    vendor_tokens: list = field(default_factory=list)
    systems: list = field(default_factory=list)
    versions: list = field(default_factory=list)

    def client(self, who: str) -> APIClient:
        """'owner', 'reviewer', 'viewer', 'vendor0' or 'vendor1' as an authenticated client."""
        if who.startswith("vendor"):
            return bearer(self.vendor_tokens[int(who[-1])])
        return bearer(self.tokens[who])


def make_tenant() -> Tenant:
    organization = OrganizationFactory()
    tenant = Tenant(organization=organization)
    for role in (Role.OWNER, Role.REVIEWER, Role.VIEWER):
        membership = MembershipFactory(organization=organization, role=role)
        tenant.members[role.value] = membership.user
        tenant.tokens[role.value] = personal_token_issue(user=membership.user).secret
    owner = tenant.members["owner"]
    for _ in range(2):
        vendor = VendorFactory(organization=organization)
        tenant.vendors.append(vendor)
        tenant.vendor_tokens.append(vendor_token_issue(actor=owner, vendor=vendor).secret)
        system = AISystemFactory(organization=organization, vendor=vendor, owner_of_record=owner)
        tenant.systems.append(system)
        tenant.versions.append(ModelVersionFactory(system=system))
    return tenant


@pytest.fixture
def tenant(db) -> Tenant:
    return make_tenant()


@pytest.fixture
def other_tenant(db) -> Tenant:
    return make_tenant()
