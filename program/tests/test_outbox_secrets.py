"""What staff can read of the emails the site sent. An import invitation is stored without its link
to choose a password (the worker makes one as it sends); a delivered email's text is deleted after
the program's retention period, the list says so, and such an email cannot be sent again."""

import datetime
import re

import pytest
import time_machine
from allauth.account.forms import default_token_generator
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from members.models import User
from mentoring.models import ProgramSettings
from notifications import catalog
from notifications.delivery import deliver_email
from notifications.models import OutgoingEmail
from program import importing
from program.import_tasks import run_import_task
from program.models import StaffAction

pytestmark = pytest.mark.django_db

SITE = "https://mentoring.example.org"
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
NEW_PASSWORD = "a-brand-new-passphrase"


@pytest.fixture(autouse=True)
def queued(settings):
    """The site's own road: stored by the queue, delivered by the worker's task to the outbox."""
    settings.SITE_URL = SITE
    settings.EMAIL_BACKEND = "notifications.backends.QueuedEmailBackend"
    settings.DELIVERY_EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def at(days):
    return time_machine.travel(START + datetime.timedelta(days=days), tick=False)


def deliver(email):
    """What the worker does for one email (its task's own code, in this thread)."""
    deliver_email.call(email.pk)
    email.refresh_from_db()
    return email


def send(subject):
    mail.send_mail(subject, f"The text of {subject}", None, ["maria@example.com"])
    return OutgoingEmail.objects.get(subject=subject)


# --- The import invitation -------------------------------------------------------------------


def import_ana(staff):
    upload = SimpleUploadedFile(
        "members.csv", b"email,first_name,last_name\nana@example.com,Ana,Lima\n"
    )
    batch = importing.create_batch(upload, send_invitations=True, staff=staff)
    importing.queue_import(batch, dry_run=False, staff=staff)
    run_import_task.call(batch.pk)
    return User.objects.get(email="ana@example.com")


def test_an_invitation_is_stored_without_its_link_and_arrives_with_a_working_one(client, staff):
    with at(0):
        ana = import_ana(staff)
        token = default_token_generator.make_token(ana)  # the one the old code put in the email
    stored = OutgoingEmail.objects.get(to=["ana@example.com"])

    assert token not in stored.body + stored.html
    assert "/accounts/password/reset/key/" not in stored.body + stored.html
    assert f"[account link: password reset #{ana.pk}]" in stored.body

    with at(1):
        deliver(stored)
    (delivered,) = mail.outbox
    (html, _), *_ = delivered.alternatives
    link = re.search(rf"{SITE}(/accounts/password/reset/key/\S+/)", delivered.body).group(1)
    assert f'href="{SITE}{link}"' in html

    with at(1):
        form_page = client.get(link, follow=True)
        assert 'name="password1"' in form_page.content.decode()
        client.post(
            form_page.redirect_chain[-1][0],
            {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )
    ana.refresh_from_db()
    assert ana.check_password(NEW_PASSWORD)


def test_an_invitation_staff_edited_still_arrives_with_a_clickable_link(staff):
    catalog.save_edited(
        "invitation",
        subject="Welcome, {{ first_name }}",
        body="Choose your password here: {{ set_password_url }}\n\nSee you soon.",
        by=staff,
    )
    ana = import_ana(staff)
    stored = OutgoingEmail.objects.get(to=["ana@example.com"])
    assert "/accounts/password/reset/key/" not in stored.body + stored.html

    deliver(stored)

    (delivered,) = mail.outbox
    (html, _), *_ = delivered.alternatives
    url = re.search(rf"{SITE}/accounts/password/reset/key/\S+/", delivered.body).group(0)
    assert f'<a href="{url}">{url}</a>' in html
    assert f"#{ana.pk}]" not in delivered.body + html


# --- Retention -------------------------------------------------------------------------------


def test_delivered_texts_older_than_the_program_keeps_them_are_deleted_once(capsys):
    program = ProgramSettings.current()
    program.email_retention_days = 10
    program.save()
    with at(0):
        old = deliver(send("Old news"))
        waiting = send("Still waiting")  # the mail server never took it
    with at(5):
        recent = deliver(send("Recent news"))

    with at(11):
        call_command("follow_up")
    assert "email texts deleted: 1" in capsys.readouterr().out

    old.refresh_from_db()
    assert (old.body, old.html, old.text_deleted_at) == (
        "",
        "",
        START + datetime.timedelta(days=11),
    )
    assert (old.to, old.subject, old.status, old.attempts) == (
        ["maria@example.com"],
        "Old news",
        "sent",
        1,
    )
    assert old.sent_at == START and old.created_at == START
    for kept in (waiting, recent):
        kept.refresh_from_db()
        assert kept.body == f"The text of {kept.subject}" and kept.text_deleted_at is None

    def snapshot():
        return list(OutgoingEmail.objects.order_by("pk").values())

    before = snapshot()
    with at(12):
        call_command("follow_up")
    assert "email texts deleted: 0" in capsys.readouterr().out
    assert snapshot() == before


def test_the_staff_list_says_the_text_was_deleted_and_refuses_to_send_it_again(client, staff):
    with at(0):
        old = deliver(send("Your request was accepted"))
    with at(40):
        call_command("follow_up")  # the default keeps texts 30 days
        client.force_login(staff)
        page = client.get(reverse("program:outbox")).content.decode()
        response = client.post(
            reverse("program:resend", args=[old.pk]), {"reason": "She lost it."}, follow=True
        )

    assert "Your request was accepted" in page
    assert "text deleted 2026-04-11" in page
    assert "Its text was deleted: it cannot be sent again." in page
    assert response.status_code == 200
    assert "The text of this email was deleted on 2026-04-11" in response.content.decode()
    assert OutgoingEmail.objects.count() == 1
    assert not StaffAction.objects.exists()
