"""A reviewer signs a deployment request in the browser, re-entering their password."""

import pytest

from governance.board_web import WRONG_PASSWORD
from governance.models import DeploymentRequest, SignOff
from tests.browser.test_web_pages import sign_in
from tests.factories import PASSWORD
from tests.governance.board.helpers import board_member, ready, request_deployment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_two_reviewers_approve_in_the_browser_and_the_request_is_approved(
    page, live_server, tenant
):
    version, _ = ready(tenant)
    request = request_deployment(tenant, version)
    second, _ = board_member(tenant)

    for reviewer, password in (
        (tenant.members["reviewer"], "wrong password"),
        (tenant.members["reviewer"], PASSWORD),
        (second, PASSWORD),
    ):
        page.context.clear_cookies()
        sign_in(page, live_server, reviewer)
        page.goto(f"{live_server.url}/board/requests/{request['id']}/")
        page.check("input[name=decision][value=approve]")
        page.fill(
            "textarea[name=reasons]", "Findings reviewed; texting customers to be re-checked."
        )
        page.fill("input[name=password]", password)
        page.click("button:has-text('Sign with my name')")
        page.wait_for_load_state()
        if password != PASSWORD:
            assert WRONG_PASSWORD in page.locator("form[novalidate]").inner_text()
            assert SignOff.objects.count() == 0

    decided = DeploymentRequest.objects.get(pk=request["id"])
    assert decided.status == "approved"
    assert SignOff.objects.filter(request=decided, reauthenticated=True).count() == 2
