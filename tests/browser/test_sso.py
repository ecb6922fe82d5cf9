"""Single sign-on in a browser, against a real OpenID Connect provider in its own process
(tests/oidc_provider): the first sign-in creates the member, the next finds them, a member with
an account is linked to it, a lapsed member is refused, a forged or replayed state fails; under
SSO_ONLY the sign-in page has only the button and staff sign in with a password and TOTP."""

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount

from conftest import PASSWORD as SITE_PASSWORD
from members.models import User
from members.tests.test_sso_only import totp_code
from tests.oidc_provider.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BUTTON = "Sign in with your AHRMM account"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def check_both_widths(page, screenshot, assert_accessible, step):
    """axe-core and no sideways scrolling, on a phone and on a desktop."""
    for name, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
            f"{page.url} scrolls sideways at {size['width']} px"
        )
        assert_accessible(page)
        screenshot(page, f"{step}-{name}")


def sign_in_at_the_association(page, username):
    page.goto("/accounts/login/")
    page.get_by_role("button", name=BUTTON).click()
    page.get_by_role("heading", name="Association login").wait_for()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in to the association").click()


def sign_out(page):
    page.goto("/accounts/logout/")
    page.locator("main").get_by_role("button", name=re.compile("Sign out", re.I)).click()
    page.wait_for_url(re.compile(r"/$"))


def test_first_sign_in_creates_the_member_and_the_next_finds_them(
    page, sso, screenshot, assert_accessible
):
    page.goto("/accounts/login/")
    check_both_widths(page, screenshot, assert_accessible, "sign-in")

    sign_in_at_the_association(page, "nina")
    page.wait_for_url(re.compile(r"^[^?]*/$"))
    member = User.objects.get(email="nina.new@example.org")
    assert (member.profile.first_name, member.profile.last_name) == ("Nina", "Newcomer")
    check_both_widths(page, screenshot, assert_accessible, "home")

    sign_out(page)
    # The provider remembers its own session: straight back, signed in as the same member.
    page.goto("/accounts/login/")
    page.get_by_role("button", name=BUTTON).click()
    page.wait_for_url(re.compile(r"^[^?]*/$"))
    assert page.get_by_role("button", name="Sign out").count() >= 1
    assert User.objects.filter(email="nina.new@example.org").count() == 1
    assert SocialAccount.objects.get().user == member


def test_a_member_with_a_verified_account_signs_in_to_it(page, sso, mentee):
    sign_in_at_the_association(page, "maria")
    page.wait_for_url(re.compile(r"^[^?]*/$"))

    assert User.objects.filter(email="maria@example.com").count() == 1
    assert SocialAccount.objects.get().user_id == mentee.pk
    page.goto("/profile/")
    assert page.get_by_label("First name").input_value() == "Maria"


def test_a_lapsed_member_is_refused_with_a_clear_message(page, sso, screenshot, assert_accessible):
    users = User.objects.count()

    sign_in_at_the_association(page, "lapsed")

    page.get_by_text("Your association membership is not active").wait_for()
    check_both_widths(page, screenshot, assert_accessible, "refused")
    assert User.objects.count() == users
    assert not SocialAccount.objects.exists()


def test_a_forged_state_and_a_replayed_callback_sign_no_one_in(
    page, sso, screenshot, assert_accessible
):
    callbacks = []
    page.on(
        "request",
        lambda request: callbacks.append(request.url) if "/login/callback/" in request.url else 0,
    )
    sign_in_at_the_association(page, "nina")
    page.wait_for_url(re.compile(r"^[^?]*/$"))
    sign_out(page)
    callback = callbacks[0]

    page.goto(callback)  # the same code and state again
    page.get_by_role("heading", name="Sign-in did not complete").wait_for()
    check_both_widths(page, screenshot, assert_accessible, "replayed")

    page.goto(re.sub(r"state=[^&]+", "state=forged", callback))
    page.get_by_role("heading", name="Sign-in did not complete").wait_for()
    assert page.get_by_role("link", name="Sign in", exact=True).count() == 1  # signed out


def test_under_sso_only_members_see_only_the_button_and_staff_use_totp(
    page, sso, settings, staff, screenshot, assert_accessible
):
    settings.SSO_ONLY = True
    page.goto("/accounts/login/")
    assert page.get_by_label("Password").count() == 0
    page.get_by_role("button", name=BUTTON).wait_for()
    check_both_widths(page, screenshot, assert_accessible, "sso-only-sign-in")

    page.get_by_role("link", name="Staff sign-in").click()
    page.get_by_label("Email").fill("pat@example.com")
    page.get_by_label("Password").fill(SITE_PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in", exact=True).click()
    # No staff page before a second factor: first the password again, then the authenticator.
    page.goto("/staff/")
    page.get_by_label("Password").fill(SITE_PASSWORD)
    page.locator("main").get_by_role("button").first.click()
    page.wait_for_url(re.compile("/accounts/2fa/totp/activate/"))
    check_both_widths(page, screenshot, assert_accessible, "totp-setup")
    secret = page.locator("input[id=authenticator_secret], input[readonly]").first.input_value()
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.locator("main").get_by_role("button", name=re.compile("Activate", re.I)).click()
    page.wait_for_url(re.compile(r"/accounts/2fa/"))
    assert Authenticator.objects.filter(user=staff, type="totp").exists()

    sign_out(page)
    page.goto("/accounts/login/?staff=1")
    page.get_by_label("Email").fill("pat@example.com")
    page.get_by_label("Password").fill(SITE_PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(re.compile("/accounts/2fa/authenticate/"))
    check_both_widths(page, screenshot, assert_accessible, "totp-code")
    page.get_by_label(re.compile("code", re.I)).fill(totp_code(secret))
    page.locator("main").get_by_role("button").first.click()
    page.goto("/staff/")
    page.get_by_role("heading", name="Program dashboard").wait_for()


def test_under_sso_only_a_member_password_is_refused(page, sso, settings, mentee):
    settings.SSO_ONLY = True
    page.goto("/accounts/login/?staff=1")
    page.get_by_label("Email").fill("maria@example.com")
    page.get_by_label("Password").fill(SITE_PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in", exact=True).click()

    page.get_by_text("Members sign in with their association account").wait_for()
    assert page.get_by_role("button", name=BUTTON).is_visible()
