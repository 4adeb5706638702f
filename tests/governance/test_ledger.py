"""The hash-chained ledger: chaining, immutability, triggers and tamper detection (§8)."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.utils import DatabaseError

from governance.canonical import canonical_json, sha256_hex
from governance.exceptions import ImmutableRecordError
from governance.ledger import (
    BROKEN_HASH,
    BROKEN_LINK,
    BROKEN_PAYLOAD,
    BROKEN_SEQ,
    event_hash,
    event_record,
    verify_chain,
)
from governance.ledger_triggers import install, uninstall
from governance.models import GENESIS_HASH, LedgerEvent
from tests.conftest import bearer
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def record(organization, n=3):
    with transaction.atomic():
        return [
            event_record(
                organization=organization,
                actor="system",
                verb="test.recorded",
                target_type="test",
                target_id=str(i),
                payload={"i": i},
            )
            for i in range(n)
        ]


def test_events_chain_from_genesis_with_the_documented_hash():
    organization = OrganizationFactory()

    first, second, _ = record(organization)

    assert (first.seq, second.seq) == (1, 2)
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert first.payload_sha256 == sha256_hex(canonical_json({"i": 0}))
    assert first.hash == event_hash(
        prev_hash=GENESIS_HASH,
        seq=1,
        organization_id=str(organization.pk),
        actor="system",
        verb="test.recorded",
        target_type="test",
        target_id="0",
        payload_sha256=first.payload_sha256,
        at=first.at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    )


def test_each_organization_has_its_own_chain():
    a, b = OrganizationFactory(), OrganizationFactory()

    record(a, 2)
    (b_first,) = record(b, 1)

    assert b_first.seq == 1
    assert b_first.prev_hash == GENESIS_HASH
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_recording_outside_a_transaction_is_refused():
    organization = OrganizationFactory()

    with pytest.raises(RuntimeError, match="inside the transaction"):
        event_record(
            organization=organization, actor="system", verb="x.y", target_type="t", target_id="1"
        )


def test_the_model_layer_refuses_update_and_delete():
    (event,) = record(OrganizationFactory(), 1)

    event.verb = "forged"
    with pytest.raises(ImmutableRecordError):
        event.save()
    with pytest.raises(ImmutableRecordError):
        event.delete()
    with pytest.raises(ImmutableRecordError):
        LedgerEvent.objects.filter(pk=event.pk).update(verb="forged")
    with pytest.raises(ImmutableRecordError):
        LedgerEvent.objects.all().delete()
    assert LedgerEvent.objects.get(pk=event.pk).verb == "test.recorded"


@pytest.mark.parametrize(
    "statement",
    ["UPDATE governance_ledgerevent SET verb = 'forged'", "DELETE FROM governance_ledgerevent"],
)
def test_database_triggers_refuse_raw_update_and_delete(statement):
    record(OrganizationFactory(), 2)

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)

    assert LedgerEvent.objects.filter(verb="test.recorded").count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE exists on PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_postgres_trigger_refuses_truncate():
    record(OrganizationFactory(), 1)

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("TRUNCATE governance_ledgerevent CASCADE")


def tamper(sql, params):
    """An attacker with table-owner rights: drop the triggers, change a row, put them back."""
    uninstall(connection)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    finally:
        install(connection)


def test_a_changed_field_is_detected_at_that_event():
    organization = OrganizationFactory()
    _, middle, _ = record(organization)

    tamper("UPDATE governance_ledgerevent SET verb = %s WHERE id = %s", ["forged", middle.pk.hex])

    result = verify_chain()
    assert not result.ok
    assert result.broken_seq == 2
    assert result.message == BROKEN_HASH.format(seq=2, org=organization.pk)


def test_a_changed_payload_is_detected():
    organization = OrganizationFactory()
    first, _, _ = record(organization)

    tamper(
        "UPDATE governance_ledgerevent SET payload = %s WHERE id = %s", ['{"i": 99}', first.pk.hex]
    )

    result = verify_chain()
    assert result.message == BROKEN_PAYLOAD.format(seq=1, org=organization.pk)


def test_a_forged_row_with_a_recomputed_hash_breaks_the_next_link():
    organization = OrganizationFactory()
    _, middle, _ = record(organization)
    forged_hash = event_hash(
        prev_hash=middle.prev_hash,
        seq=2,
        organization_id=str(organization.pk),
        actor="system",
        verb="forged",
        target_type="test",
        target_id="1",
        payload_sha256=middle.payload_sha256,
        at=middle.at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    )

    tamper(
        "UPDATE governance_ledgerevent SET verb = %s, hash = %s WHERE id = %s",
        ["forged", forged_hash, middle.pk.hex],
    )

    result = verify_chain()
    assert result.message == BROKEN_LINK.format(seq=3, org=organization.pk)


def test_a_deleted_middle_event_is_detected():
    organization = OrganizationFactory()
    _, middle, _ = record(organization)

    tamper("DELETE FROM governance_ledgerevent WHERE id = %s", [middle.pk.hex])

    result = verify_chain()
    assert result.message == BROKEN_SEQ.format(seq=3, org=organization.pk)


def test_verify_ledger_command_names_the_broken_event():
    organization = OrganizationFactory()
    _, middle, _ = record(organization)
    call_command("verify_ledger")
    tamper("UPDATE governance_ledgerevent SET actor = %s WHERE id = %s", ["user:1", middle.pk.hex])

    with pytest.raises(CommandError, match=r"Event #2 of organization"):
        call_command("verify_ledger")


def test_verify_endpoint_reports_ok_and_the_head_for_a_member():
    membership = MembershipFactory(role="viewer")
    events = record(membership.organization)
    from governance.services import personal_token_issue

    client = bearer(personal_token_issue(user=membership.user).secret)

    response = client.get("/api/v1/ledger/verify/")

    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert (
        body["head"]
        == LedgerEvent.objects.filter(organization=membership.organization)
        .order_by("-seq")
        .first()
        .hash
    )
    assert body["events"] == len(events) + 1  # the token issue is recorded too


def test_verify_endpoint_names_the_broken_event():
    membership = MembershipFactory(role="viewer")
    _, middle, _ = record(membership.organization)
    from governance.services import personal_token_issue

    client = bearer(personal_token_issue(user=membership.user).secret)
    tamper("UPDATE governance_ledgerevent SET target_id = %s WHERE id = %s", ["9", middle.pk.hex])

    body = client.get("/api/v1/ledger/verify/").json()

    assert body["ok"] is False
    assert body["broken_event"] == {"organization": str(membership.organization.pk), "seq": 2}
