"""Every email the site sends is first a row here, written in the same transaction as whatever
caused it, so that nothing is lost if the mail server is down or the process dies."""

from django.db import models
from django.db.models import Q


class OutgoingEmail(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Sent"

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
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sent"]), name="outgoing_email_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(sent_at__isnull=False),
                name="outgoing_email_sent_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.subject} → {', '.join(self.to)}"
