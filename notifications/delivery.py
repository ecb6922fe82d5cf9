"""Durable email delivery through django-tasks (database backend, `manage.py db_worker`).

django-tasks has no automatic retry: a delivery that fails re-enqueues itself with `run_after`,
backing off 5 s, 10 s, 20 s … capped at DELIVERY_MAX_DELAY, so an email leaves within a minute of
the mail server's return. A row already marked sent is never sent again.

Account links are stored as markers and made fresh as each email leaves (notifications/links.py);
a delivered email's text is deleted after the retention period (`prune_bodies`).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from notifications import links
from notifications.models import OutgoingEmail

logger = logging.getLogger(__name__)

FIRST_DELAY = timedelta(seconds=5)
DELIVERY_MAX_DELAY = timedelta(seconds=60)


class DeliveryError(Exception):
    """An email cannot be sent again; str(error) says why."""


def queue_message(message) -> OutgoingEmail:
    """Store a django.core.mail message and enqueue its delivery, in the current transaction."""
    html = ""
    for content, mimetype in getattr(message, "alternatives", []) or []:
        if mimetype == "text/html":
            html = content
    return _store(
        from_email=message.from_email or settings.DEFAULT_FROM_EMAIL,
        to=list(message.to),
        cc=list(message.cc),
        bcc=list(message.bcc),
        reply_to=list(message.reply_to),
        subject=str(message.subject),
        body=str(message.body),
        html=html,
        headers={str(k): str(v) for k, v in (message.extra_headers or {}).items()},
        links=links.attached(message),
    )


def _store(**fields) -> OutgoingEmail:
    """The row and its delivery task, together in the caller's transaction."""
    with transaction.atomic():
        email = OutgoingEmail.objects.create(**fields)
        deliver_email.enqueue(email.pk)
    return email


def retry_delay(attempts: int) -> timedelta:
    return min(FIRST_DELAY * (2 ** max(attempts - 1, 0)), DELIVERY_MAX_DELAY)


@task()
def deliver_email(email_id: int) -> str:
    email = OutgoingEmail.objects.filter(pk=email_id).first()
    if email is None or email.status == OutgoingEmail.Status.SENT:
        return "nothing to do"
    # Fresh account links, made now and never stored (notifications/links.py).
    urls = links.make_urls(email.links, email.to)
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=links.fill(email.body, urls),
        from_email=email.from_email,
        to=email.to,
        cc=email.cc,
        bcc=email.bcc,
        reply_to=email.reply_to,
        headers=email.headers,
        connection=get_connection(settings.DELIVERY_EMAIL_BACKEND),
    )
    if email.html:
        message.attach_alternative(links.fill(email.html, urls, html=True), "text/html")
    try:
        message.send()
    except Exception as error:  # the server refused or is unreachable: try again later
        attempts = email.attempts + 1
        OutgoingEmail.objects.filter(pk=email.pk).update(
            attempts=attempts, last_error=repr(error)[:2000]
        )
        delay = retry_delay(attempts)
        deliver_email.using(run_after=timezone.now() + delay).enqueue(email.pk)
        logger.warning(
            "Email %s not sent (attempt %s), retrying in %s: %r", email.pk, attempts, delay, error
        )
        return "retrying"
    OutgoingEmail.objects.filter(pk=email.pk).update(
        status=OutgoingEmail.Status.SENT,
        sent_at=timezone.now(),
        attempts=email.attempts + 1,
        last_error="",
    )
    return "sent"


COPIED = [
    "from_email",
    "to",
    "cc",
    "bcc",
    "reply_to",
    "subject",
    "body",
    "html",
    "headers",
    "links",
]


@transaction.atomic
def resend(email_id: int) -> OutgoingEmail:
    """Send a stored email again, as a new row with its own delivery (the original is kept). Its
    account links are made afresh when it leaves. Refused (DeliveryError) once its text is
    deleted."""
    # Locked: the text must not be deleted between this check and the copy.
    original = OutgoingEmail.objects.select_for_update().get(pk=email_id)
    if original.text_deleted:
        raise DeliveryError(
            f"The text of this email was deleted on {original.text_deleted_at:%Y-%m-%d}, as "
            "the text of every delivered email is after a while: it cannot be sent again."
        )
    return _store(**{field: getattr(original, field) for field in COPIED})


def prune_bodies(older_than: timedelta, now=None) -> int:
    """Delete the text (body, HTML and link references) of emails delivered more than
    `older_than` ago; who they went to, their subject, status, times and attempts stay. Emails
    still to send keep theirs. Returns how many were pruned: a second run finds none."""
    now = now or timezone.now()
    return OutgoingEmail.objects.filter(
        status=OutgoingEmail.Status.SENT,
        sent_at__lte=now - older_than,
        text_deleted_at__isnull=True,
    ).update(body="", html="", links=[], text_deleted_at=now)
