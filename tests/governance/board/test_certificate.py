"""The approval certificate: built from the rows and the ledger, refused when undecided or when
a sign-off no longer matches its ledger event."""

import pytest
from django.db import connection

from governance.ledger_triggers import install, uninstall
from governance.models import DeploymentRequest, LedgerEvent, SignOff
from governance.selectors_board import SIGNOFF_CHANGED, certificate_context
from tests.governance.board.helpers import (
    FINDINGS,
    board_member,
    ready,
    request_deployment,
    sign,
)
from tests.governance.exports.sample import page_texts

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided(tenant):
    version, run = ready(tenant)
    second_user, second = board_member(tenant)
    second_user.first_name, second_user.last_name = "Priya", "Reviewer"
    second_user.save()
    request = request_deployment(tenant, version)
    sign(tenant.client("reviewer"), request, conditions="Human review of every flag.")
    sign(second, request)
    return {"request": request, "run": run, "version": version}


def certificate(client, request_id):
    return client.get(f"/api/v1/deployment-requests/{request_id}/certificate.pdf")


def test_a_member_downloads_the_certificate_of_an_approved_request(tenant, decided):
    response = certificate(tenant.client("viewer"), decided["request"]["id"])

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(page_texts(response.content))
    request = DeploymentRequest.objects.get()
    assert "APPROVED for deployment until" in text
    assert request.evidence_sha256 in text
    assert decided["run"].result_sha256 in text
    assert "Priya Reviewer" in text
    assert FINDINGS[0]["title"] in text
    for event in LedgerEvent.objects.filter(
        verb__in=["deployment_request.created", "signoff.recorded", "deployment_request.approved"]
    ):
        assert event.hash in text


def test_the_context_lists_the_requests_events_and_counted_signoffs(tenant, decided):
    request = DeploymentRequest.objects.get()

    context = certificate_context(request=request)

    assert [e["verb"] for e in context["ledger"]["events"]] == [
        "deployment_request.created",
        "signoff.recorded",
        "signoff.recorded",
        "deployment_request.approved",
    ]
    assert context["ledger"]["head"] == LedgerEvent.objects.order_by("-seq").first().hash
    assert [s["counted"] for s in context["signoffs"]] == [True, True]
    signed = LedgerEvent.objects.filter(verb="signoff.recorded").order_by("seq")
    assert [s["ledger_seq"] for s in context["signoffs"]] == [e.seq for e in signed]
    assert context["signoffs"][0]["conditions"] == "Human review of every flag."
    assert context["recusals"] == [
        {
            "member": tenant.members["owner"].email,
            "reason": request.recusals.get().reason,
        }
    ]
    assert context["assessment"]["level"] == "II"
    assert context["audit"]["findings"] == [
        {k: FINDINGS[0][k] for k in ("severity", "title", "text", "clauses")}
    ]


def test_an_open_request_has_no_certificate(tenant):
    version, _ = ready(tenant)
    request = request_deployment(tenant, version)

    response = certificate(tenant.client("owner"), request["id"])

    assert response.status_code == 409
    assert response.json() == {
        "detail": "This deployment request is open: a certificate exists once the board has "
        "approved or rejected it.",
        "code": "request_not_decided",
    }


def test_a_certificate_is_refused_when_a_signoff_row_was_tampered_with(tenant, decided):
    signoff = SignOff.objects.order_by("at").first()
    event = LedgerEvent.objects.get(verb="signoff.recorded", target_id=str(signoff.pk))
    uninstall(connection)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE governance_signoff SET conditions = %s WHERE id = %s",
                ["", signoff.pk.hex if connection.vendor == "sqlite" else signoff.pk],
            )
    finally:
        install(connection)

    response = certificate(tenant.client("owner"), decided["request"]["id"])

    assert response.status_code == 409
    assert response.json() == {
        "detail": SIGNOFF_CHANGED.format(signoff=signoff.pk, seq=event.seq),
        "code": "signoffs_do_not_verify",
    }


def test_a_rejected_request_has_a_certificate_saying_so(tenant):
    version, _ = ready(tenant)
    request = request_deployment(tenant, version)
    sign(tenant.client("reviewer"), request, "reject", reasons="The disparity is too large.")

    response = certificate(tenant.client("owner"), request["id"])

    assert response.status_code == 200
    text = " ".join(page_texts(response.content))
    assert "REJECTED" in text
    assert "The disparity is too large." in text
