"""A member signs in and reads the screening of a system, in a real browser."""

import pytest

from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, user):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


def test_a_member_signs_in_and_sees_the_systems_screening(page, live_server, tenant, tmp_path):
    from governance.services import system_update

    system = tenant.systems[0]
    system_update(actor=tenant.members["owner"], system=system, modality="voice")

    sign_in(page, live_server, tenant.members["viewer"])
    page.wait_for_selector("text=AI systems")
    row = page.locator("tr", has_text=system.name)
    badge = row.locator(".badge").inner_text()
    row.locator("a").click()
    page.wait_for_selector("text=What the law says about it")
    page.screenshot(path=str(tmp_path / "system.png"), full_page=True)

    assert badge == "High-risk"
    assert page.locator("td.clause", has_text="EU AI Act Annex III 1(c)").count() == 1
    assert "Tell the people the system analyses" in page.content()


def test_a_wrong_password_is_refused(page, live_server, tenant):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", tenant.members["viewer"].username)
    page.fill("#id_password", "not the password")
    page.click("button[type=submit]")

    assert page.url.endswith("/login/")
    assert "Please enter a correct username and password" in page.locator("form").inner_text()
