"""API tokens in a browser, on a phone and on a desktop: program staff make a token on the
Integrations page, see its secret once, use it against the live API, and revoke it; a member
makes their own token from the menu. The interactive API documentation opens. axe-core on each
page, and no page scrolls sideways."""

import pytest

from integrations.models import ApiToken, hash_token
from tests.browser.pages import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def fits(page):
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{page.url} scrolls sideways: {width}"


def api_status(page, live_server, secret, path="/api/v1/members"):
    response = page.request.get(
        live_server.url + path, headers={"Authorization": f"Bearer {secret}"}
    )
    return response.status


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_staff_make_a_token_see_it_once_use_it_and_revoke_it(
    page, live_server, staff, enrolled_mentor, screenshot, assert_accessible, viewport
):
    page.set_viewport_size(viewport)
    sign_in(page, "pat@example.com")
    page.goto("/staff/")
    page.get_by_role("navigation", name="Program staff").get_by_role(
        "link", name="Integrations"
    ).click()
    page.get_by_role("heading", name="Integrations", exact=True).wait_for()
    assert_accessible(page)
    fits(page)
    screenshot(page, "integrations")

    # Without a scope: a clear message, and no token.
    page.get_by_label("Name").fill("Member system sync")
    page.get_by_role("button", name="Make the token").click()
    page.get_by_text("Choose at least one scope.").wait_for()
    assert not ApiToken.objects.exists()
    assert_accessible(page)
    screenshot(page, "no-scope")

    page.get_by_label("Name").fill("Member system sync")
    page.get_by_label("Read members, enrollments, requests and reports").check()
    page.get_by_role("button", name="Make the token").click()
    page.get_by_text("it is shown only this once").wait_for()
    secret = page.get_by_role("textbox", name="Token").input_value()
    assert secret.startswith("mm_")
    token = ApiToken.objects.get()
    assert token.key_hash == hash_token(secret) and token.scopes == ["reports:read"]
    assert secret not in page.url
    assert_accessible(page)
    fits(page)
    screenshot(page, "secret-shown-once")

    assert api_status(page, live_server, secret) == 200
    assert api_status(page, live_server, secret, "/api/v1/members/sync") in (403, 405)

    # Seen again: listed by its first characters, the secret nowhere.
    page.goto("/staff/integrations/")
    row = page.get_by_role("row", name="Member system sync")
    row.get_by_text(secret[:8]).wait_for()
    assert secret not in page.content()
    row.get_by_role("button", name="Revoke the token Member system sync").click()
    page.get_by_text("is revoked: it no longer works").wait_for()
    assert api_status(page, live_server, secret) == 401
    assert_accessible(page)
    fits(page)
    screenshot(page, "revoked")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_member_makes_their_own_token_from_their_account_settings(
    page, live_server, enrolled_mentee, screenshot, assert_accessible, viewport
):
    page.set_viewport_size(viewport)
    sign_in(page, "maria@example.com")
    page.goto("/")
    menu = page.locator("details.nav-menu")
    if viewport == PHONE:
        menu.locator("summary").click()
    page.get_by_role("link", name="My profile").click()
    page.get_by_role("link", name="Edit my profile").click()
    page.get_by_role("navigation", name="Account settings").get_by_role(
        "link", name="API tokens"
    ).click()
    page.get_by_role("heading", name="Your API tokens").wait_for()
    assert_accessible(page)
    fits(page)
    screenshot(page, "member-tokens")

    page.get_by_label("Name").fill("My calendar script")
    page.get_by_role("button", name="Make the token").click()
    secret = page.get_by_role("textbox", name="Token").input_value()
    assert ApiToken.objects.get(user=enrolled_mentee).scopes == ["me"]
    assert_accessible(page)
    fits(page)
    screenshot(page, "member-secret")
    # A member's token reads their own things, not the association's.
    assert api_status(page, live_server, secret, "/api/v1/members") == 403
    # Program staff pages stay closed to a member.
    assert page.goto("/staff/integrations/").status == 404


def test_the_interactive_api_documentation_opens(page, live_server, screenshot):
    page.goto("/api/v1/docs")
    page.get_by_text("Mentor Match API").first.wait_for()
    page.get_by_text("/api/v1/members").first.wait_for()
    screenshot(page, "api-docs")
