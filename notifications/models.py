"""Every email the site sends is first a row here, written in the same transaction as whatever
caused it, so that nothing is lost if the mail server is down or the process dies.

No row holds an account link: the text holds a marker and `links` what the worker may fill in
(notifications/links.py). A delivered email's text is deleted after the program's retention
period; who it went to, its subject and its times are kept.

A row also carries its own delivery lease (`leased_until`), the last task enqueued to deliver it
(`task_id`) and a Message-ID made once, so that every copy a retry sends is recognisably the same
email (docs/reliability.md)."""

import secrets
from email.utils import make_msgid
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.db.models import Q


def new_message_id() -> str:
    """A Message-ID (RFC 5322 3.6.4) for a new email, kept with it: a copy sent again after a
    crash carries the same one, so the receiving side can drop it."""
    return make_msgid(domain=urlsplit(settings.SITE_URL).hostname or "localhost")


class OutgoingEmail(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    status = models.CharField(max_length=8, choices=Status, default=Status.PENDING)
    from_email = models.CharField(max_length=320)
    to = models.JSONField(default=list)
    cc = models.JSONField(default=list)
    bcc = models.JSONField(default=list)
    reply_to = models.JSONField(default=list)
    subject = models.CharField(max_length=998)
    body = models.TextField()
    html = models.TextField(blank=True)
    headers = models.JSONField(default=dict)
    # The account links the worker makes fresh when it sends: [[kind, object id], …].
    links = models.JSONField(default=list, blank=True)
    # Counted when a worker takes the email, before it talks to the mail server: a worker that
    # dies while sending has used an attempt too.
    attempts = models.PositiveIntegerField(default=0)
    # Why the last attempt failed; for a failed email, why it was given up.
    last_error = models.TextField(blank=True)
    # Until when a worker holds it (notifications.delivery.deliver_email); no one else sends it
    # meanwhile. Past this, the worker is taken for dead and the sweep enqueues it again.
    leased_until = models.DateTimeField(null=True, blank=True)
    # Which delivery holds (or last held) it: a random token of that task run.
    leased_by = models.CharField(max_length=32, blank=True)
    # The django-tasks result of the last delivery enqueued for it: the sweep looks it up.
    task_id = models.UUIDField(null=True, blank=True)
    message_id = models.CharField("Message-ID", max_length=255, default=new_message_id)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    text_deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sent", "failed"]),
                name="outgoing_email_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="outgoing_email_sent_has_time",
            ),
            # Only a delivered email's text is deleted: one still to send keeps it.
            models.CheckConstraint(
                condition=Q(text_deleted_at__isnull=True) | Q(status="sent"),
                name="outgoing_email_text_deleted_once_sent",
            ),
        ]

    def __str__(self):
        return f"{self.subject} → {', '.join(self.to)}"

    @property
    def text_deleted(self) -> bool:
        return self.text_deleted_at is not None


class Preferences(models.Model):
    """What a member wants to hear. Emails about a request or relationship changing state are
    always sent; these settings govern reminders only."""

    class Frequency(models.TextChoices):
        IMMEDIATE = "immediate", "As they happen"
        WEEKLY = "weekly", "In one weekly digest"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_preferences",
    )
    reminders = models.BooleanField("send me reminders", default=True)
    frequency = models.CharField(
        "how reminders reach me", max_length=10, choices=Frequency, default=Frequency.IMMEDIATE
    )
    digest_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "preferences"
        constraints = [
            models.CheckConstraint(
                condition=Q(frequency__in=["immediate", "weekly"]),
                name="preferences_frequency_valid",
            ),
        ]

    def __str__(self):
        return f"Preferences of {self.user}"

    @classmethod
    def of(cls, user) -> "Preferences":
        preferences, _ = cls.objects.get_or_create(user=user)
        return preferences


class DigestItem(models.Model):
    """A reminder kept for a member's weekly digest instead of being sent at once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    subject = models.CharField(max_length=998)
    body = models.TextField()
    html = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.subject


class EmailTemplate(models.Model):
    """A staff-edited version of a named email: its subject and plain-text body replace the
    default trio's (the HTML is made from the text). No row: the default templates are used."""

    name = models.CharField(max_length=60, unique=True)
    subject = models.CharField(max_length=300)
    body = models.TextField(max_length=20000)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self):
        return f"Edited template: {self.name}"


class ScheduledRun(models.Model):
    """One period's run of a scheduled rule, claimed by the scheduler that inserted the row
    (notifications.schedule): the unique (rule, period start) lets only one of N schedulers
    enqueue it."""

    # The task's import path, e.g. "notifications.tasks.sweep".
    rule = models.CharField(max_length=200)
    period_start = models.DateTimeField()
    # A period that has ended is never claimed again: its row may then be pruned.
    period_end = models.DateTimeField()
    claimed_at = models.DateTimeField(auto_now_add=True)
    # Host name and process id of the scheduler that claimed it.
    claimed_by = models.CharField(max_length=200)
    task_id = models.UUIDField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "period_start"], name="scheduled_run_once_per_period"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gt=models.F("period_start")),
                name="scheduled_run_period_not_empty",
            ),
        ]
        indexes = [models.Index(fields=["period_end"])]

    def __str__(self):
        return f"{self.rule} for {self.period_start:%Y-%m-%d %H:%M:%S}"


def new_webhook_secret() -> str:
    """A signing secret: 32 random bytes, URL-safe base64 (43 characters). The receiver uses the
    whole string, as UTF-8 bytes, as its HMAC key (notifications.webhooks.verify_signature)."""
    return secrets.token_urlsafe(32)


class WebhookEndpoint(models.Model):
    """A URL of the association's systems that program staff subscribed to some events. The secret
    must be kept in clear (each delivery is signed with it); it is shown to staff once, when made
    or rotated, and never again."""

    url = models.URLField("URL", max_length=2000)
    # Event names, e.g. ["member.enrolled", "relationship.started"].
    events = models.JSONField(default=list)
    secret = models.CharField(max_length=100, default=new_webhook_secret)
    description = models.CharField(max_length=200, blank=True)
    active = models.BooleanField(default=True)
    # Why it was paused by the site itself (the receiver answered 410 Gone); empty otherwise.
    paused_reason = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    secret_rotated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.url


class WebhookDelivery(models.Model):
    """One event sent to one endpoint, written in the transaction of the change it tells of, then
    delivered by the worker on the "webhooks" queue (notifications.webhooks), with the same lease
    and retries as an email. `event_id` is the event's, the same in every attempt and in a copy
    sent again, so the receiver can drop a duplicate."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be delivered"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=60)
    event_id = models.UUIDField()
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    # Counted when a worker takes it, before the receiver is called.
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    leased_until = models.DateTimeField(null=True, blank=True)
    leased_by = models.CharField(max_length=32, blank=True)
    task_id = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(fields=["endpoint", "created_at"]),
            models.Index(fields=["status", "created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "delivered", "failed"]),
                name="webhook_delivery_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="delivered") | Q(delivered_at__isnull=False),
                name="webhook_delivery_delivered_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.event} → {self.endpoint_id} ({self.status})"
