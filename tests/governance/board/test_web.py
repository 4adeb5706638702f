"""The board's web pages: open requests, the signing page, password re-authentication, CSRF."""

import pytest
from django.test import Client

from governance.board_web import WRONG_PASSWORD
from governance.models import LedgerEvent, SignOff
from governance.services.board import RECUSAL_TEXTS
from tests.factories import PASSWORD
from tests.governance.board.helpers import board_member, ready, request_deployment

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_request(tenant):
    version, _ = ready(tenant)
    return request_deployment(tenant, version)


def sign_form(request, **fields):
    return {
        "decision": "approve",
        "reasons": "The audit findings are mitigated.",
        "conditions": "",
        "conditions_expire_at": "",
        "evidence_sha256": request["evidence_sha256"],
        "password": PASSWORD,
        **fields,
    }


def test_a_reviewer_sees_the_open_requests_they_may_sign(
    client, tenant, other_tenant, open_request
):
    client.force_login(tenant.members["reviewer"])

    page = client.get("/board/").content.decode()

    assert tenant.versions[0].system.name in page
    assert f"/board/requests/{open_request['id']}/" in page
    assert "to sign" in page
    assert "Minimal risk under the AI Act" in page


def test_viewers_and_other_organizations_see_no_requests_to_sign(
    client, tenant, other_tenant, open_request
):
    client.force_login(tenant.members["viewer"])
    viewer_page = client.get("/board/").content.decode()
    client.force_login(other_tenant.members["reviewer"])
    other_page = client.get("/board/").content.decode()

    assert "No open deployment requests need your sign-off." in viewer_page
    assert "No open deployment requests need your sign-off." in other_page


def test_the_sign_page_shows_the_evidence_summary_and_digest(client, tenant, open_request):
    client.force_login(tenant.members["reviewer"])

    response = client.get(f"/board/requests/{open_request['id']}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert open_request["evidence_sha256"] in page
    assert "Impact level <strong>II</strong>" in page
    assert "Scots speakers labelled angry more often" in page
    assert "csrfmiddlewaretoken" in page
    assert 'type="password"' in page


def test_signing_with_the_password_records_a_reauthenticated_signoff(client, tenant, open_request):
    client.force_login(tenant.members["reviewer"])

    response = client.post(f"/board/requests/{open_request['id']}/", sign_form(open_request))

    assert response.status_code == 302
    assert response["Location"] == "/board/"
    signoff = SignOff.objects.get()
    assert signoff.reauthenticated is True
    assert signoff.member == tenant.members["reviewer"]
    event = LedgerEvent.objects.get(verb="signoff.recorded")
    assert event.payload["reauthenticated"] is True
    assert "Your sign-off (approve) on" in client.get("/board/").content.decode()


def test_a_wrong_password_is_a_form_error_and_nothing_is_recorded(client, tenant, open_request):
    client.force_login(tenant.members["reviewer"])
    events = LedgerEvent.objects.count()

    response = client.post(
        f"/board/requests/{open_request['id']}/", sign_form(open_request, password="guess")
    )

    assert response.status_code == 400
    assert WRONG_PASSWORD in response.content.decode()
    assert not SignOff.objects.exists()
    assert LedgerEvent.objects.count() == events


def test_a_post_without_the_csrf_token_is_refused(tenant, open_request):
    client = Client(enforce_csrf_checks=True)
    client.force_login(tenant.members["reviewer"])

    response = client.post(f"/board/requests/{open_request['id']}/", sign_form(open_request))

    assert response.status_code == 403
    assert not SignOff.objects.exists()


def test_a_rejection_without_reasons_is_a_form_error(client, tenant, open_request):
    client.force_login(tenant.members["reviewer"])

    response = client.post(
        f"/board/requests/{open_request['id']}/",
        sign_form(open_request, decision="reject", reasons=""),
    )

    assert response.status_code == 400
    assert "Give the reasons for a rejection." in response.content.decode()
    assert not SignOff.objects.exists()


def test_a_recused_owner_is_told_why_and_cannot_sign(client, tenant, open_request):
    client.force_login(tenant.members["owner"])

    page = client.get(f"/board/requests/{open_request['id']}/").content.decode()
    response = client.post(f"/board/requests/{open_request['id']}/", sign_form(open_request))

    assert RECUSAL_TEXTS["requester"] in page
    assert response.status_code == 409
    assert RECUSAL_TEXTS["requester"] in response.content.decode()
    assert not SignOff.objects.exists()


def test_a_second_reviewer_on_stale_evidence_gets_a_conflict(client, tenant, open_request):
    user, _ = board_member(tenant)
    client.force_login(user)

    response = client.post(
        f"/board/requests/{open_request['id']}/",
        sign_form(open_request, evidence_sha256="f" * 64),
    )

    assert response.status_code == 409
    assert "reload the request" in response.content.decode()
    assert not SignOff.objects.exists()


@pytest.mark.parametrize(("who", "expected"), [("viewer", 403), ("other_reviewer", 404)])
def test_the_sign_page_is_for_this_organizations_board_only(
    client, tenant, other_tenant, open_request, who, expected
):
    user = other_tenant.members["reviewer"] if who == "other_reviewer" else tenant.members[who]
    client.force_login(user)

    response = client.get(f"/board/requests/{open_request['id']}/")

    assert response.status_code == expected


def test_anonymous_visitors_are_sent_to_sign_in(client, open_request):
    response = client.get(f"/board/requests/{open_request['id']}/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
