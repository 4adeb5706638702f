"""Two board members signing at the same moment, on PostgreSQL: exactly one decision.

Each sign-off runs in its own thread, connection and transaction through the service, released
together by a barrier. The request row lock makes the second signer count the first one's
approval; without it both would count one approval and the request would stay open (or, with a
prior approval, both would approve).
"""

import threading

import pytest
from django.conf import settings
from django.db import connection

from governance.exceptions import DomainError
from governance.ledger import verify_chain
from governance.models import DeploymentRequest, LedgerEvent, RequestStatus, SignOff
from governance.services.board import signoff_record
from tests.conftest import make_tenant
from tests.governance.board.helpers import board_member, ready, request_deployment

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3",
        reason=(
            "SQLite has no row locks (SELECT ... FOR UPDATE is a no-op) and serialises every "
            "writer on the database file; CI runs this with DATABASE_URL=postgres://..."
        ),
    ),
]


def sign_at_once(request_id: str, evidence_sha256: str, users) -> list:
    """Run signoff_record for each user in its own thread, all released together."""
    barrier = threading.Barrier(len(users))
    outcomes: list = [None] * len(users)

    def worker(index: int, user) -> None:
        try:
            request = DeploymentRequest.objects.select_related(
                "model_version__system__organization"
            ).get(pk=request_id)
            barrier.wait(timeout=10)
            outcomes[index] = signoff_record(
                actor=user, request=request, decision="approve", evidence_sha256=evidence_sha256
            )
        except Exception as exc:  # the assertions report it
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, u)) for i, u in enumerate(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_two_members_reaching_quorum_at_once_give_exactly_one_approval():
    tenant = make_tenant()
    version, _ = ready(tenant)
    second, _ = board_member(tenant)
    request = request_deployment(tenant, version)

    outcomes = sign_at_once(
        request["id"], request["evidence_sha256"], [tenant.members["reviewer"], second]
    )

    assert all(isinstance(o, SignOff) for o in outcomes), outcomes
    assert DeploymentRequest.objects.get(pk=request["id"]).status == RequestStatus.APPROVED
    assert LedgerEvent.objects.filter(verb="deployment_request.approved").count() == 1
    assert verify_chain([str(tenant.organization.pk)]).ok


def test_two_members_each_bringing_the_quorum_approval_decide_once():
    tenant = make_tenant()
    version, _ = ready(tenant)
    _, second_client = board_member(tenant)
    third, _ = board_member(tenant)
    request = request_deployment(tenant, version)
    second_client.post(
        f"/api/v1/deployment-requests/{request['id']}/signoffs/",
        {"decision": "approve", "evidence_sha256": request["evidence_sha256"]},
        format="json",
    )

    outcomes = sign_at_once(
        request["id"], request["evidence_sha256"], [tenant.members["reviewer"], third]
    )

    signed = [o for o in outcomes if isinstance(o, SignOff)]
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(signed) == 1, outcomes
    assert len(refused) == 1, outcomes
    assert refused[0].code == "request_not_open"
    assert SignOff.objects.filter(request_id=request["id"]).count() == 2
    assert LedgerEvent.objects.filter(verb="deployment_request.approved").count() == 1
    assert verify_chain([str(tenant.organization.pk)]).ok
