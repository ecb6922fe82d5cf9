"""Accounts: sign up, verify the email, sign in and out, reset a password, change the email."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from members.models import Profile, User

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-passphrase"


def link_in(message):
    match = re.search(r"https?://[^\s]+", message.body)
    assert match, f"no link in: {message.body}"
    return match.group(0).replace("http://testserver", "")


def sign_up(client, email="new@example.com", **overrides):
    data = {
        "first_name": "Nina",
        "last_name": "Newcomer",
        "email": email,
        "password1": "sturdy-passphrase-42",
        "password2": "sturdy-passphrase-42",
        **overrides,
    }
    return client.post(reverse("account_signup"), data)


def test_signing_up_creates_a_member_with_a_profile_and_sends_a_verification_email(
    client, mailoutbox
):
    response = sign_up(client)

    assert response.status_code == 302
    user = User.objects.get(email="new@example.com")
    profile = Profile.objects.get(user=user)
    assert (profile.first_name, profile.last_name) == ("Nina", "Newcomer")
    assert EmailAddress.objects.get(user=user).verified is False
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["new@example.com"]
    assert "/accounts/confirm-email/" in mailoutbox[0].body


def test_an_unverified_member_cannot_sign_in(client, mailoutbox):
    sign_up(client)
    client.logout()

    response = client.post(
        reverse("account_login"), {"login": "new@example.com", "password": "sturdy-passphrase-42"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


def test_following_the_verification_link_in_the_same_browser_verifies_and_signs_in(
    client, mailoutbox
):
    sign_up(client)
    confirm_url = link_in(mailoutbox[0])

    page = client.get(confirm_url)
    assert page.status_code == 200
    response = client.post(confirm_url)

    assert response.status_code == 302
    assert EmailAddress.objects.get(email="new@example.com").verified is True
    assert client.get(reverse("members:profile_edit")).status_code == 200


def test_after_verifying_elsewhere_the_member_can_sign_in(client, mailoutbox):
    sign_up(client)
    client.logout()

    client.post(link_in(mailoutbox[0]))
    response = client.post(
        reverse("account_login"), {"login": "new@example.com", "password": "sturdy-passphrase-42"}
    )

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get(email="new@example.com").pk)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"email": "not-an-email"}, "Enter a valid email address."),
        ({"password2": "something-else-42"}, "You must type the same password each time."),
        ({"password1": "short", "password2": "short"}, "This password is too short."),
        ({"first_name": ""}, "This field is required."),
    ],
)
def test_bad_sign_up_input_gets_a_clear_message_and_creates_nothing(
    client, mailoutbox, overrides, message
):
    response = sign_up(client, **overrides)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.exists()
    assert mailoutbox == []


def test_an_email_already_in_use_cannot_sign_up_again(client, mentee, mailoutbox):
    response = sign_up(client, email="MARIA@example.com")

    assert User.objects.filter(email__iexact="maria@example.com").count() == 1
    # allauth does not reveal that the address exists: it tells the owner by email instead.
    assert response.status_code in (200, 302)


def test_a_verified_member_signs_in_and_out(client, mentee):
    response = client.post(
        reverse("account_login"),
        {"login": "maria@example.com", "password": "correct-horse-battery-staple"},
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(mentee.pk)

    client.post(reverse("account_logout"))

    assert "_auth_user_id" not in client.session


def test_a_wrong_password_is_refused(client, mentee):
    response = client.post(
        reverse("account_login"), {"login": "maria@example.com", "password": "wrong"}
    )

    assert response.status_code == 200
    assert "The email address and/or password you specified are not correct." in (
        response.content.decode()
    )
    assert "_auth_user_id" not in client.session


def test_after_five_failed_sign_ins_even_the_right_password_is_refused_for_a_while(client, mentee):
    login = reverse("account_login")
    for _ in range(5):
        client.post(login, {"login": "maria@example.com", "password": "wrong"})

    response = client.post(
        login, {"login": "maria@example.com", "password": "correct-horse-battery-staple"}
    )

    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_forgotten_password_can_be_reset_by_email(client, mentee, mailoutbox):
    client.post(reverse("account_reset_password"), {"email": "maria@example.com"})
    assert len(mailoutbox) == 1
    reset_url = link_in(mailoutbox[0])

    form_page = client.get(reset_url, follow=True)
    assert form_page.status_code == 200
    client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else reset_url,
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    mentee.refresh_from_db()
    assert mentee.check_password(NEW_PASSWORD)


def test_a_member_changes_their_email_address_after_verifying_the_new_one(
    client, mentee, mailoutbox
):
    client.force_login(mentee)

    client.post(reverse("account_email"), {"action_add": "", "email": "maria.new@example.com"})

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["maria.new@example.com"]
    mentee.refresh_from_db()
    assert mentee.email == "maria@example.com"  # unchanged until verified

    client.post(link_in(mailoutbox[0]))

    mentee.refresh_from_db()
    assert mentee.email == "maria.new@example.com"
    assert list(EmailAddress.objects.filter(user=mentee).values_list("email", flat=True)) == [
        "maria.new@example.com"
    ]


def test_profiles_are_for_signed_in_members_only(client, mentee):
    response = client.get(reverse("members:profile", args=[mentee.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
