"""Email delivery that loses nothing: stored with the change that caused it, sent by the worker,
retried with back-off while the mail server is down, and never sent twice. A real SMTP server
(aiosmtpd) receives the mail."""

import datetime
import socket

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core import mail
from django.db import transaction
from django.utils import timezone

from notifications.delivery import DELIVERY_MAX_DELAY, retry_delay
from notifications.models import OutgoingEmail
from notifications.tests.helpers import run_worker

# The worker closes its database connection after each task, as it should: the tests run
# outside a wrapping transaction for that reason.
pytestmark = pytest.mark.django_db(transaction=True)


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(envelope)
        return "250 Message accepted"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(settings):
    """A real SMTP server on a free port, not yet started (the mail server is down)."""
    port = free_port()
    settings.EMAIL_BACKEND = "notifications.backends.QueuedEmailBackend"
    settings.DELIVERY_EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_TIMEOUT = 2
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    yield controller, inbox
    if getattr(controller, "_thread", None) is not None:
        controller.stop()


def test_an_email_is_stored_and_sent_by_the_worker(smtp):
    controller, inbox = smtp
    controller.start()

    mail.send_mail("Welcome", "Hello Maria", None, ["maria@example.com"])

    email = OutgoingEmail.objects.get()
    assert email.status == "pending" and inbox.messages == []
    run_worker()
    email.refresh_from_db()
    assert email.status == "sent"
    assert [m.rcpt_tos for m in inbox.messages] == [["maria@example.com"]]
    assert b"Hello Maria" in inbox.messages[0].content


def test_an_outage_then_recovery_delivers_every_email_exactly_once(smtp, client, mentee):
    controller, inbox = smtp
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for n in range(3):
            mail.send_mail(f"Note {n}", f"Body {n}", None, [f"member{n}@example.com"])
        # allauth's emails take the same road.
        client.post("/accounts/password/reset/", {"email": "maria@example.com"})
        assert OutgoingEmail.objects.count() == 4

        run_worker()  # the server is down: every delivery fails and is re-enqueued for later

        assert set(OutgoingEmail.objects.values_list("status", "attempts")) == {("pending", 1)}
        controller.start()  # the server is back
        run_worker()  # retries are not due yet
        assert inbox.messages == []

    with time_machine.travel(start + datetime.timedelta(seconds=6), tick=False):
        run_worker()

    assert sorted(m.rcpt_tos[0] for m in inbox.messages) == [
        "maria@example.com",
        "member0@example.com",
        "member1@example.com",
        "member2@example.com",
    ]
    assert set(OutgoingEmail.objects.values_list("status", flat=True)) == {"sent"}

    # Much later, nothing is left to send again.
    with time_machine.travel(start + datetime.timedelta(hours=1), tick=False):
        run_worker()
    assert len(inbox.messages) == 4


def test_retries_back_off_within_a_minute_at_first_then_up_to_an_hour(settings):
    delays = [retry_delay(n).total_seconds() for n in range(1, 18)]
    assert delays[:10] == [5, 10, 20, 40, 60, 60, 60, 60, 60, 60]
    assert delays[10:] == [120, 240, 480, 960, 1920, 3600, 3600]
    assert datetime.timedelta(minutes=5) >= DELIVERY_MAX_DELAY
    # The attempts allowed outlast a mail server down for most of a working day.
    waited = sum(
        (retry_delay(n) for n in range(1, settings.EMAIL_MAX_ATTEMPTS)), datetime.timedelta()
    )
    assert waited >= datetime.timedelta(hours=8)


def test_a_long_outage_keeps_retrying_until_the_server_returns(smtp):
    controller, inbox = smtp
    start = timezone.now()
    mail.send_mail("Patience", "Still here", None, ["maria@example.com"])
    for minute in range(5):
        with time_machine.travel(start + datetime.timedelta(minutes=minute), tick=False):
            run_worker()
    assert OutgoingEmail.objects.get().attempts == 5

    controller.start()
    with time_machine.travel(start + datetime.timedelta(minutes=6), tick=False):
        run_worker()

    assert len(inbox.messages) == 1
    assert OutgoingEmail.objects.get().status == "sent"


def test_a_delivery_enqueued_twice_sends_once(smtp):
    from notifications.delivery import deliver_email

    controller, inbox = smtp
    controller.start()
    mail.send_mail("Once", "Only once", None, ["maria@example.com"])
    deliver_email.enqueue(OutgoingEmail.objects.get().pk)

    run_worker()

    assert len(inbox.messages) == 1


def test_no_email_leaves_when_the_change_that_caused_it_is_rolled_back(smtp):
    controller, inbox = smtp
    controller.start()

    with pytest.raises(RuntimeError), transaction.atomic():
        mail.send_mail("Never", "This change failed", None, ["maria@example.com"])
        raise RuntimeError("the change failed")
    run_worker()

    assert not OutgoingEmail.objects.exists()
    assert inbox.messages == []
