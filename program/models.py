"""Program staff's own records: the audit log of actions taken for members, and member imports."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class StaffAction(models.Model):
    """Audit log: every action staff take for a member, with the reason they gave."""

    class Kind(models.TextChoices):
        ACCEPT = "accept", "Accepted a request for a member"
        DECLINE = "decline", "Declined a request for a member"
        END = "end", "Ended a relationship"
        PAUSE = "pause", "Paused a mentor"
        RESEND = "resend", "Resent an email"
        IMPORT = "import", "Imported members"
        DEACTIVATE = "deactivate", "Deactivated a lapsed member"
        REACTIVATE = "reactivate", "Reactivated a member"
        ROUND = "round", "Changed a matching round"
        PUBLISH = "publish", "Published a matching round"

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The member acted for, when there is one.",
    )
    target = models.CharField(max_length=200, help_text="What was acted on, e.g. 'request 12'.")
    reason = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "accept",
                        "decline",
                        "end",
                        "pause",
                        "resend",
                        "import",
                        "deactivate",
                        "reactivate",
                        "round",
                        "publish",
                    ]
                ),
                name="staff_action_kind_valid",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="staff_action_has_reason"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.target}"


class ImportBatch(models.Model):
    """One uploaded CSV of members: validated for a preview, then run by the background worker."""

    class Status(models.TextChoices):
        PREVIEW = "preview", "Checked, not imported"
        QUEUED = "queued", "Waiting for the worker"
        RUNNING = "running", "Importing"
        DONE = "done", "Done"

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    filename = models.CharField(max_length=255)
    content = models.TextField(help_text="The uploaded CSV, decoded as UTF-8.")
    send_invitations = models.BooleanField(default=False)
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=8, choices=Status, default=Status.PREVIEW)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    # [{"line": 7, "email": "...", "errors": ["..."]}], the rows that could not be imported
    problems = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "import batches"
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["preview", "queued", "running", "done"]),
                name="import_batch_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(processed__lte=models.F("total")), name="import_batch_progress_valid"
            ),
        ]

    def __str__(self):
        return f"Import of {self.filename} ({self.status})"

    @property
    def percent(self) -> int:
        return round(100 * self.processed / self.total) if self.total else 100
