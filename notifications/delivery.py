"""Durable email delivery through django-tasks (database backend, `manage.py run_worker`).

Each email is a row (OutgoingEmail) and a task, `deliver_email`, on the "email" queue. The task
claims the row with a conditional update before it talks to the mail server: it takes a lease
(EMAIL_DELIVERY_LEASE) and counts the attempt, so a second task for the same row, or a worker that
dies mid-send, sends nothing more until the lease runs out. Then:

- sent: recorded, across a dropped database connection, for as long as the lease lasts;
- refused for good (a 5xx reply, notifications.smtp.is_permanent): failed at once, with the
  server's words;
- any other failure: enqueued again with `run_after`, backing off 5 s, 10 s, 20 s … capped at
  a minute for ten attempts, then up to an hour (retry_delay), until EMAIL_MAX_ATTEMPTS; then
  failed.

`sweep()` (run by the scheduler) finds emails whose worker died (a lease run out, or no live
task) and enqueues them again, and marks tasks stranded RUNNING as failed (notifications.worker).
Every copy of an email carries the Message-ID made when it was stored, so a copy sent twice (the
worker died between the server's "250" and the database write) can be dropped by the receiving
side. docs/reliability.md states the guarantee.

Account links are stored as markers and made fresh as each email leaves (notifications/links.py);
a delivered email's text is deleted after the retention period (`prune_bodies`).
"""

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_tasks import task

from notifications import links, smtp, worker
from notifications.models import OutgoingEmail, new_message_id

logger = logging.getLogger(__name__)

FIRST_DELAY = timedelta(seconds=5)
DELIVERY_MAX_DELAY = timedelta(seconds=60)
QUICK_ATTEMPTS = 10
LONG_OUTAGE_DELAY = timedelta(hours=1)
# Deliveries have a queue of their own and their own workers: a slow mail server holds up no
# reminder, import or sweep.
EMAIL_QUEUE = "email"


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
        # The row's own Message-ID is the one every copy carries.
        headers={
            str(k): str(v)
            for k, v in (message.extra_headers or {}).items()
            if str(k).lower() != "message-id"
        },
        links=links.attached(message),
    )


def _store(**fields) -> OutgoingEmail:
    """The row and its delivery task, together in the caller's transaction."""
    with transaction.atomic():
        email = OutgoingEmail.objects.create(**fields)
        email.task_id = _enqueue(email.pk)
        email.save(update_fields=["task_id"])
    return email


def _enqueue(email_id: int, *, run_after=None):
    """Enqueue a delivery; the caller records the returned task id on the row."""
    return deliver_email.using(run_after=run_after).enqueue(email_id).id


def retry_delay(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s … capped at DELIVERY_MAX_DELAY for the first QUICK_ATTEMPTS, so an email
    leaves within a minute of a short outage's end; then doubling up to LONG_OUTAGE_DELAY, so that
    EMAIL_MAX_ATTEMPTS (24 by default) covers a mail server down for most of a day."""
    if attempts <= QUICK_ATTEMPTS:
        return min(FIRST_DELAY * (2 ** max(attempts - 1, 0)), DELIVERY_MAX_DELAY)
    return min(DELIVERY_MAX_DELAY * (2 ** (attempts - QUICK_ATTEMPTS)), LONG_OUTAGE_DELAY)


_lease_is_free = worker.lease_is_free


@task(queue_name=EMAIL_QUEUE)
def deliver_email(email_id: int) -> str:
    # This delivery's own mark on the row it claims: a claim tried again after the connection
    # dropped knows the row it finds held is its own.
    token = uuid.uuid4().hex
    email = reconnecting_claim(email_id, token)
    if email is None:
        return "nothing to do"
    try:
        _send(email)
    except Exception as error:  # refused, unreachable, timed out: smtp.is_permanent decides
        return reconnecting_failure(email, error)
    _record_sent(email)
    return "sent"


def _claim(email_id: int, token: str) -> OutgoingEmail | None:
    """Take the email for this delivery: pending, not held by another worker, attempts left. The
    attempt counts now, before the mail server is asked: a worker that dies mid-send used one.
    None: someone else holds it, or it is sent or failed (given up here when out of attempts)."""
    now = timezone.now()
    pending = OutgoingEmail.objects.filter(pk=email_id, status=OutgoingEmail.Status.PENDING)
    claimable = pending.filter(_lease_is_free(now))
    claimable.filter(attempts__lt=settings.EMAIL_MAX_ATTEMPTS).update(
        leased_until=now + timedelta(seconds=settings.EMAIL_DELIVERY_LEASE),
        leased_by=token,
        attempts=F("attempts") + 1,
    )
    # Ours, by this update or by this delivery's try before the connection dropped.
    email = pending.filter(leased_by=token, leased_until__isnull=False).first()
    if email is not None:
        return email
    # Out of attempts, the last of which never finished (its worker stopped while sending).
    spent = claimable.first()
    if spent is not None:
        _give_up(
            claimable,
            f"Gave up after {_attempts(spent.attempts)}; the last one did not finish (the "
            f"worker stopped while sending). {spent.last_error}".strip(),
        )
    return None


reconnecting_claim = worker.reconnecting(_claim)


def _send(email: OutgoingEmail) -> None:
    if not email.message_id:  # stored before emails had one: made now, and kept
        email.message_id = new_message_id()
        email.save(update_fields=["message_id"])
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
        headers={**email.headers, "Message-ID": email.message_id},
        connection=get_connection(settings.DELIVERY_EMAIL_BACKEND),
    )
    if email.html:
        message.attach_alternative(links.fill(email.html, urls, html=True), "text/html")
    message.send()


def _record_sent(email: OutgoingEmail) -> None:
    """The server took it: say so, across a dropped connection, for as long as this worker holds
    the lease. Only a database unreachable for all that time leaves it to be sent again (with the
    same Message-ID)."""

    def record():
        # Whatever another worker wrote meanwhile, the email went.
        OutgoingEmail.objects.filter(pk=email.pk).exclude(status=OutgoingEmail.Status.SENT).update(
            status=OutgoingEmail.Status.SENT,
            sent_at=timezone.now(),
            leased_until=None,
            last_error="",
        )

    try:
        worker.reconnecting(record, until=email.leased_until)()
    except worker.DISCONNECTED:
        logger.error(
            "Email %s was delivered (Message-ID %s) but the database could not be told: it "
            "will be sent again when its lease ends.",
            email.pk,
            email.message_id,
        )
        raise


def _record_failure(email: OutgoingEmail, error: Exception) -> str:
    reason = smtp.describe(error)[:2000]
    # Only while this worker still holds the lease: past it, another worker may have the email.
    held = OutgoingEmail.objects.filter(
        pk=email.pk,
        status=OutgoingEmail.Status.PENDING,
        leased_by=email.leased_by,
        leased_until__isnull=False,
    )
    if smtp.is_permanent(error):
        _give_up(held, f"Refused by the mail server: {reason}")
        logger.warning("Email %s refused for good: %s", email.pk, reason)
        return "failed"
    if email.attempts >= settings.EMAIL_MAX_ATTEMPTS:
        _give_up(held, f"Gave up after {_attempts(email.attempts)}. The last: {reason}")
        logger.warning("Email %s given up after %s attempts: %s", email.pk, email.attempts, reason)
        return "failed"
    delay = retry_delay(email.attempts)
    with transaction.atomic():
        task_id = _enqueue(email.pk, run_after=timezone.now() + delay)
        if not held.update(leased_until=None, last_error=reason, task_id=task_id):
            transaction.set_rollback(True)  # no longer ours: its holder decides
    logger.warning(
        "Email %s not sent (attempt %s), retrying in %s: %s",
        email.pk,
        email.attempts,
        delay,
        reason,
    )
    return "retrying"


reconnecting_failure = worker.reconnecting(_record_failure)


def _attempts(count: int) -> str:
    return f"{count} attempt{'' if count == 1 else 's'}"


def _give_up(emails, reason: str) -> int:
    return emails.update(status=OutgoingEmail.Status.FAILED, leased_until=None, last_error=reason)


def requeue_stranded(now=None) -> int:
    """Enqueue a delivery again for each email still to send whose worker died
    (worker.requeue_stranded_rows)."""
    return worker.requeue_stranded_rows(
        OutgoingEmail.objects.filter(status=OutgoingEmail.Status.PENDING),
        lease=timedelta(seconds=settings.EMAIL_DELIVERY_LEASE),
        enqueue=_enqueue,
        what="email",
        now=now,
    )


def sweep(now=None) -> dict[str, int]:
    """What the scheduler runs every cycle: tasks and emails whose worker died, taken up again."""
    now = now or timezone.now()
    return {
        "stranded tasks failed": worker.fail_stranded_tasks(now),
        "emails enqueued again": requeue_stranded(now),
    }


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
