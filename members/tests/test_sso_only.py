"""SSO_ONLY: members sign in only through the association; staff keep a password and must use a
second factor (TOTP)."""

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import SESSION_KEY

from conftest import PASSWORD
from members.models import User
from members.sso import PASSWORD_SIGN_IN_OFF
from members.tests.test_sso import sign_in_by_sso

pytestmark = pytest.mark.django_db


def totp_code(secret: str) -> str:
    """The code an authenticator app shows now."""
    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(secret, counter))


@pytest.fixture
def sso_only(settings, sso):
    settings.SSO_ONLY = True
    return sso


def signed_in_id(client):
    return client.session.get(SESSION_KEY)


def sign_in_with_password(client, email, password=PASSWORD):
    return client.post(
        "/accounts/login/?staff=1", {"login": email, "password": password}, follow=False
    )


def open_totp_setup(client, password=PASSWORD):
    """allauth asks for the password again before an authenticator is added."""
    response = client.get("/accounts/2fa/totp/activate/")
    assert response["Location"].startswith("/accounts/reauthenticate/")
    client.post("/accounts/reauthenticate/", {"password": password})
    return client.get("/accounts/2fa/totp/activate/")


def test_the_sign_in_page_shows_only_the_association_button(client, sso_only):
    page = client.get("/accounts/login/").content.decode()

    assert "Sign in with your AHRMM account" in page
    assert 'name="password"' not in page
    # (The nav's "Join" leads to a page that offers the same button: test_password_sign_up_...)
    assert "Staff sign-in" in page


def test_the_staff_sign_in_page_has_the_password_form(client, sso_only):
    page = client.get("/accounts/login/?staff=1").content.decode()

    assert 'name="password"' in page
    assert "authenticator app" in page


def test_password_sign_up_is_refused_and_creates_nothing(client, sso_only):
    page = client.get("/accounts/signup/")
    response = client.post(
        "/accounts/signup/",
        {
            "first_name": "Nina",
            "last_name": "Newcomer",
            "email": "new@example.com",
            "password1": "sturdy-passphrase-42",
            "password2": "sturdy-passphrase-42",
        },
    )

    assert "Join with your association account" in page.content.decode()
    assert 'name="password1"' not in page.content.decode()
    assert response.status_code == 200
    assert not User.objects.filter(email="new@example.com").exists()


def test_a_member_signing_in_with_a_password_is_pointed_to_the_association_button(
    client, sso_only, mentee
):
    response = sign_in_with_password(client, "maria@example.com")

    assert response.status_code == 200
    assert PASSWORD_SIGN_IN_OFF in response.content.decode()
    assert signed_in_id(client) is None


def test_a_wrong_password_says_only_that_it_is_wrong(client, sso_only, mentee):
    response = sign_in_with_password(client, "maria@example.com", "not-her-password")

    assert PASSWORD_SIGN_IN_OFF not in response.content.decode()
    assert signed_in_id(client) is None


def test_members_still_join_and_sign_in_through_the_association(client, sso_only):
    sign_in_by_sso(client, "nina")

    assert signed_in_id(client) is not None
    assert SocialAccount.objects.get().user.email == "nina.new@example.org"


def test_a_member_asking_for_a_password_reset_is_sent_nothing(
    client, sso_only, mentee, staff, mailoutbox
):
    page = client.get("/accounts/password/reset/").content.decode()
    assert "this page is for program staff" in page

    client.post("/accounts/password/reset/", {"email": "maria@example.com"})
    assert mailoutbox == []

    client.post("/accounts/password/reset/", {"email": "pat@example.com"})
    assert [message.to for message in mailoutbox] == [["pat@example.com"]]


def test_staff_without_a_second_factor_are_sent_to_set_one_up_before_any_staff_page(
    client, sso_only, staff
):
    response = sign_in_with_password(client, "pat@example.com")
    assert signed_in_id(client) == str(staff.pk)

    for path in ("/staff/", "/admin/", "/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == "/accounts/2fa/totp/activate/", path


def test_staff_who_set_up_totp_reach_the_staff_pages(client, sso_only, staff):
    sign_in_with_password(client, "pat@example.com")
    page = open_totp_setup(client)
    assert page.status_code == 200
    secret = client.session["mfa.totp.secret"]

    response = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})

    assert response.status_code == 302
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()
    assert client.get("/staff/").status_code == 200


def test_a_wrong_code_sets_up_nothing(client, sso_only, staff):
    sign_in_with_password(client, "pat@example.com")
    open_totp_setup(client)

    response = client.post("/accounts/2fa/totp/activate/", {"code": "000000\x00"})

    assert response.status_code == 200
    assert not Authenticator.objects.exists()
    assert client.get("/staff/").status_code == 302


def test_staff_with_totp_sign_in_only_with_the_code(client, sso_only, staff):
    secret = generate_totp_secret()
    TOTP.activate(staff, secret)

    response = sign_in_with_password(client, "pat@example.com")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    assert signed_in_id(client) is None

    wrong = client.post("/accounts/2fa/authenticate/", {"code": "123456"})
    assert wrong.status_code == 200 and signed_in_id(client) is None

    client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert signed_in_id(client) == str(staff.pk)
    assert client.get("/staff/").status_code == 200


def test_without_sso_only_staff_need_no_second_factor(client, sso, staff):
    client.post("/accounts/login/", {"login": "pat@example.com", "password": PASSWORD})

    assert client.get("/staff/").status_code == 200


def test_program_staff_by_group_also_need_a_second_factor(client, sso_only, outsider):
    from django.contrib.auth.models import Group

    from program.access import STAFF_GROUP

    outsider.groups.add(Group.objects.get_or_create(name=STAFF_GROUP)[0])
    response = sign_in_with_password(client, "olivia@example.com")
    assert response.status_code == 302

    assert client.get("/staff/")["Location"] == "/accounts/2fa/totp/activate/"


def test_the_totp_page_shows_a_qr_code_and_the_secret(client, sso_only, staff):
    sign_in_with_password(client, "pat@example.com")

    page = open_totp_setup(client).content.decode()

    assert re.search(r"data:image/svg\+xml", page)
    assert client.session["mfa.totp.secret"] in page
