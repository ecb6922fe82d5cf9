"""Account pages and emails speak for the program: they name it (ProgramSettings.program_name, as
staff set it), greet the member by first name, and never print the site's host or a username.
Pages are in the site's layout; HTML emails in the site's colours."""

import re

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.core import mail
from django.urls import reverse

from mentoring.models import ProgramSettings
from mentoring.services.requests import send_request

pytestmark = pytest.mark.django_db

SITE = "http://127.0.0.1:8741"  # the address in the "Hello from 127.0.0.1:8741!"
BRAND = "#0b5c7a"  # static/css/site.css --brand
OLD_BLUE = "#1d4ed8"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def named_program():
    program = ProgramSettings.current()
    program.program_name = "AHRMM Mentor Match"
    program.save()
    return program.program_name


def sign_up(client, email="priya@example.com"):
    client.post(
        reverse("account_signup"),
        {
            "first_name": "Priya",
            "last_name": "Patel",
            "email": email,
            "password1": "sturdy-passphrase-42",
            "password2": "sturdy-passphrase-42",
        },
    )


def words(text):
    """An email's text without its links: what the member reads as sentences."""
    return re.sub(r"https?://\S+", "LINK", text)


def html_of(message):
    (html,) = [content for content, mimetype in message.alternatives if mimetype == "text/html"]
    return html


def title_of(response):
    return " ".join(re.search(r"<title>(.*?)</title>", response.content.decode(), re.S)[1].split())


def assert_in_the_programs_voice(message, program="Mentor Match", first_name=None):
    assert message.subject.startswith(f"{program}: "), message.subject
    text = words(message.body)
    assert program in text
    assert "Hello from" not in text and "Thank you for using" not in text
    # No host, with or without its port, outside the links: not the site's, not the request's.
    assert "127.0.0.1" not in text and "testserver" not in text
    # No username: the account's address is its username.
    assert not re.search(r"\buser \S+@", text)
    assert message.to[0] not in text
    if first_name:
        assert text.startswith(f"Hello {first_name},")
    html = html_of(message)
    assert program in html and BRAND in html and OLD_BLUE not in html
    assert "127.0.0.1:8741!" not in html and "testserver" not in html


def test_the_sign_up_verification_email_speaks_for_the_program(client, mailoutbox):
    sign_up(client)

    (message,) = mailoutbox
    assert message.subject == "Mentor Match: Confirm your email address"
    assert_in_the_programs_voice(message, first_name="Priya")
    assert f"{SITE}/accounts/confirm-email/" in message.body
    assert f'href="{SITE}/accounts/confirm-email/' in html_of(message)


def test_the_password_reset_email_speaks_for_the_program(client, mentee, mailoutbox):
    client.post(reverse("account_reset_password"), {"email": "maria@example.com"})

    (message,) = mailoutbox
    assert message.subject == "Mentor Match: Choose a new password"
    assert_in_the_programs_voice(message, first_name="Maria")
    assert f"{SITE}/accounts/password/reset/key/" in message.body
    assert f'href="{SITE}/accounts/password/reset/key/' in html_of(message)


def test_the_other_account_emails_speak_for_the_program_too(client, mentee, mailoutbox):
    sign_up(client, email="maria@example.com")  # an address that already has an account
    client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})  # none

    already, unknown = mailoutbox
    assert already.subject == "Mentor Match: You already have an account"
    assert_in_the_programs_voice(already, first_name="Maria")
    assert f"{SITE}/accounts/password/reset/" in already.body
    assert unknown.subject == "Mentor Match: No account uses this address"
    assert_in_the_programs_voice(unknown)
    assert f"{SITE}/accounts/signup/" in unknown.body


def test_account_change_notifications_speak_for_the_program_when_turned_on(
    client, mentee, mailoutbox, settings
):
    settings.ACCOUNT_EMAIL_NOTIFICATIONS = True
    client.force_login(mentee)

    client.post(
        reverse("account_change_password"),
        {
            "oldpassword": "correct-horse-battery-staple",
            "password1": "a-brand-new-passphrase",
            "password2": "a-brand-new-passphrase",
        },
        REMOTE_ADDR="203.0.113.9",
    )

    (message,) = mailoutbox
    assert message.subject == "Mentor Match: Your password was changed"
    assert_in_the_programs_voice(message, first_name="Maria")
    assert "from the address 203.0.113.9" in message.body  # the member's, to spot a stranger


def test_a_program_name_set_by_staff_names_page_titles_and_emails(
    client, named_program, enrolled_mentee, enrolled_mentor, mailoutbox
):
    assert title_of(client.get(reverse("account_login"))) == f"Sign in · {named_program}"

    sign_up(client)
    (verification,) = mailoutbox
    assert verification.subject == f"{named_program}: Confirm your email address"
    assert_in_the_programs_voice(verification, program=named_program, first_name="Priya")

    client.force_login(enrolled_mentee)
    assert title_of(client.get(reverse("mentoring:relationships"))).endswith(f" · {named_program}")
    # The program's own emails carry its name in their layout.
    mail.outbox.clear()
    send_request(enrolled_mentee, enrolled_mentor, recipient_role="mentor", message="Hello")
    (request_email,) = mailoutbox
    html = html_of(request_email)
    assert named_program in html and BRAND in html


ENTRANCE_PAGES = [
    "account_login",
    "account_signup",
    "account_reset_password",
    "account_reset_password_done",
    "account_email_verification_sent",
]


@pytest.mark.parametrize("name", ENTRANCE_PAGES)
def test_the_account_pages_a_visitor_sees_are_in_the_site_layout_and_name_the_program(
    client, named_program, name
):
    response = client.get(reverse(name))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="site-header"' in page and 'class="card narrow entrance"' in page
    assert title_of(response).endswith(f" · {named_program}")
    main = page.split('<main id="main"', 1)[1]
    assert named_program in main


@pytest.mark.parametrize("name", ["account_email", "account_change_password", "account_logout"])
def test_the_account_pages_a_member_sees_are_in_the_site_layout(
    client, named_program, mentee, name
):
    client.force_login(mentee)

    response = client.get(reverse(name))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="site-header"' in page and 'aria-label="Account settings"' in page
    assert title_of(response).endswith(f" · {named_program}")


def test_a_pending_email_change_is_shown_without_an_inline_style(client, named_program, mentee):
    client.force_login(mentee)
    client.post(reverse("account_email"), {"action_add": "", "email": "maria.new@example.com"})

    page = client.get(reverse("account_email")).content.decode()

    assert "maria.new@example.com" in page and "Waiting for you to confirm it" in page
    # allauth hid the form behind its buttons with style="display: none", which the
    # Content-Security-Policy refuses: the form showed.
    assert '<form hidden id="pending-email"' in page and 'style="' not in page


def test_the_confirmation_page_names_the_program_not_a_user(client, named_program, mailoutbox):
    sign_up(client)
    address = EmailAddress.objects.get(email="priya@example.com")
    key = EmailConfirmationHMAC(address).key

    response = client.get(reverse("account_confirm_email", args=[key]))

    page = response.content.decode()
    assert title_of(response) == f"Confirm your email address · {named_program}"
    assert f"priya@example.com is your email address for {named_program}" in page
    assert "for user" not in page


def test_an_expired_password_link_says_so_in_the_programs_words(client, mentee):
    response = client.get(
        reverse("account_reset_password_from_key", kwargs={"uidb36": "1", "key": "set-password"})
    )

    assert title_of(response) == "This link no longer works · Mentor Match"
    assert "has expired or was already used" in response.content.decode()


def test_signing_in_greets_the_member_by_first_name_not_by_address(client, mentee):
    response = client.post(
        reverse("account_login"),
        {"login": "maria@example.com", "password": "correct-horse-battery-staple"},
        follow=True,
    )

    messages = [str(message) for message in response.context["messages"]]
    assert messages == ["Welcome, Maria."]
