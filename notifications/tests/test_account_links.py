"""Account links never rest in the database. A stored email (OutgoingEmail, which staff may read
in the admin and backups keep) holds a marker where the link to choose a password or confirm an
address goes; the worker makes a fresh link as the email leaves. So reading a stored email, or a
backup, gives no way into anyone's account, and the member still gets a link that works."""

import re

import pytest
import time_machine
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from members.models import User
from mentoring.services.requests import send_request
from notifications.models import OutgoingEmail
from notifications.tests.helpers import run_worker

# The worker closes its database connection after each task: no wrapping transaction.
pytestmark = pytest.mark.django_db(transaction=True)

SITE = "https://mentoring.example.org"
NEW_PASSWORD = "a-brand-new-passphrase"
RESET_PATH = "/accounts/password/reset/key/"
CONFIRM_PATH = "/accounts/confirm-email/"


@pytest.fixture(autouse=True)
def queued(settings):
    """The site's own road: stored by the queue, delivered by the worker to the test outbox."""
    settings.SITE_URL = SITE
    settings.EMAIL_BACKEND = "notifications.backends.QueuedEmailBackend"
    settings.DELIVERY_EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def link_in(text):
    """The path of the site link in a delivered email."""
    match = re.search(rf"{re.escape(SITE)}(/accounts/\S+/)", text)
    assert match, f"no account link in: {text}"
    return match.group(1)


def stored_text(email):
    return email.body + email.html


def choose_password(client, link, password=NEW_PASSWORD):
    form_page = client.get(link, follow=True)
    assert 'name="password1"' in form_page.content.decode(), "the link does not work"
    client.post(form_page.redirect_chain[-1][0], {"password1": password, "password2": password})


def request_reset(client, email="maria@example.com"):
    client.post(reverse("account_reset_password"), {"email": email})
    return OutgoingEmail.objects.latest("pk")


def test_a_password_reset_email_is_stored_without_its_link_and_arrives_with_a_working_one(
    client, mentee, mailoutbox
):
    with time_machine.travel(timezone.now(), tick=False):  # the token allauth makes is this one
        stored = request_reset(client)
        token = default_token_generator.make_token(mentee)

    assert token not in stored_text(stored)
    assert RESET_PATH not in stored_text(stored)
    assert f"[account link: password reset #{mentee.pk}]" in stored.body

    run_worker()

    (delivered,) = mailoutbox
    assert delivered.to == ["maria@example.com"]
    choose_password(client, link_in(delivered.body))
    mentee.refresh_from_db()
    assert mentee.check_password(NEW_PASSWORD)


def test_a_sign_up_verification_email_is_stored_without_its_link_and_arrives_with_a_working_one(
    client, mailoutbox
):
    with time_machine.travel(timezone.now(), tick=False):  # the key allauth makes is this one
        client.post(
            reverse("account_signup"),
            {
                "first_name": "Nina",
                "last_name": "Newcomer",
                "email": "nina@example.com",
                "password1": "sturdy-passphrase-42",
                "password2": "sturdy-passphrase-42",
            },
        )
        address = EmailAddress.objects.get(email="nina@example.com")
        key = EmailConfirmationHMAC(address).key
    stored = OutgoingEmail.objects.get()

    assert key not in stored_text(stored)
    assert CONFIRM_PATH not in stored_text(stored)
    assert f"[account link: email confirmation #{address.pk}]" in stored.body

    run_worker()

    (delivered,) = mailoutbox
    client.logout()
    client.post(link_in(delivered.body))
    address.refresh_from_db()
    assert address.verified


def test_staff_who_may_only_view_emails_see_no_account_link_in_the_admin(
    client, mentee, staff, mailoutbox
):
    with time_machine.travel(timezone.now(), tick=False):
        stored = request_reset(client)
        token = default_token_generator.make_token(mentee)
    staff.user_permissions.add(Permission.objects.get(codename="view_outgoingemail"))
    client.force_login(staff)

    page = client.get(reverse("admin:notifications_outgoingemail_change", args=[stored.pk]))

    assert page.status_code == 200
    text = page.content.decode()
    assert "[account link: password reset" in text and "maria@example.com" in text
    assert token not in text and RESET_PATH not in text


def test_a_resent_reset_email_carries_a_new_link_that_works_after_the_first_was_used(
    client, mentee, staff, mailoutbox
):
    original = request_reset(client)
    run_worker()
    choose_password(client, link_in(mailoutbox[0].body), "first-new-passphrase")
    client.logout()

    client.force_login(staff)
    client.post(
        reverse("program:resend", args=[original.pk]), {"reason": "Maria asked for it again."}
    )
    client.logout()
    copy = OutgoingEmail.objects.latest("pk")
    assert copy.pk != original.pk and RESET_PATH not in stored_text(copy)
    run_worker()

    assert len(mailoutbox) == 2
    first_link, second_link = (link_in(message.body) for message in mailoutbox)
    assert second_link != first_link
    choose_password(client, second_link)
    mentee.refresh_from_db()
    assert mentee.check_password(NEW_PASSWORD)


def test_no_link_goes_to_an_address_the_member_has_since_replaced(
    client, mentee, staff, mailoutbox
):
    original = request_reset(client)
    run_worker()
    client.force_login(mentee)
    client.post(reverse("account_email"), {"action_add": "", "email": "maria.new@example.com"})
    run_worker()
    client.post(link_in(mailoutbox[-1].body))  # confirms the new address, which replaces the old
    assert list(EmailAddress.objects.filter(user=mentee).values_list("email", flat=True)) == [
        "maria.new@example.com"
    ]
    mailoutbox.clear()

    client.force_login(staff)
    client.post(reverse("program:resend", args=[original.pk]), {"reason": "Lost it."})
    run_worker()

    (delivered,) = mailoutbox
    assert delivered.to == ["maria@example.com"]
    assert RESET_PATH not in delivered.body and "this link is no longer valid" in delivered.body


def test_a_marker_typed_into_a_member_message_stays_text(
    enrolled_mentee, enrolled_mentor, mailoutbox
):
    admin = User.objects.create_superuser("admin@example.com", "a-long-admin-passphrase")
    EmailAddress.objects.create(user=admin, email=admin.email, verified=True, primary=True)
    forged = f"[account link: password reset #{admin.pk}]"

    send_request(enrolled_mentee, enrolled_mentor, recipient_role="mentor", message=forged)
    run_worker()

    (delivered,) = mailoutbox
    assert forged in delivered.body
    assert RESET_PATH not in delivered.body


@pytest.mark.parametrize(
    "setting, value",
    [
        ("ACCOUNT_LOGIN_BY_CODE_ENABLED", True),
        ("ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED", True),
        ("ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED", True),
        ("ACCOUNT_EMAIL_CONFIRMATION_HMAC", False),
    ],
)
def test_allauth_settings_that_would_store_a_secret_in_an_email_are_refused(
    settings, setting, value
):
    from members.apps import account_emails_store_no_secret

    assert account_emails_store_no_secret(None) == []
    setattr(settings, setting, value)

    (error,) = account_emails_store_no_secret(None)
    assert error.id == "members.E001" and setting in error.msg
