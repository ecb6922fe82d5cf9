"""Keys to the REST API (/api/v1/): made on a staff page or a member's own page, shown once, kept
only as a SHA-256 hash, and good for the scopes they were made with until they are revoked."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

TOKEN_PREFIX = "mm_"


class Scope(models.TextChoices):
    MEMBERS_WRITE = "members:write", "Sync members from the member system (members:write)"
    REPORTS_READ = "reports:read", "Read members, enrollments, requests and reports (reports:read)"
    ME = "me", "Act as the member who made it (me)"


STAFF_SCOPES = (Scope.MEMBERS_WRITE, Scope.REPORTS_READ)


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def live(self):
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    """A staff token carries staff scopes and belongs to the staff member who made it; a member's
    own token carries `me` alone. The secret itself is never stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    scopes = models.JSONField(default=list)
    # The first characters of the secret, to tell tokens apart on the page: "mm_Ab3d…".
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(key_hash=""), name="api_token_has_hash"),
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def new_secret(cls) -> str:
        return TOKEN_PREFIX + secrets.token_urlsafe(32)

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None
