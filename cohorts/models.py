"""Cohort matching: a round staff open, run in the worker, review, adjust and publish.

A round keeps its parameters (the hard rules, the shortlist bonus, places per mentor), its run's
progress, the result (pairs, unmatched mentees with the reason, the totals and greedy's for
comparison) and what each pair became when published. State: draft → running → ready →
published, and failed (run again). A change of parameters or decisions sends a ready round back to
draft: what is published is always the result of the round as it stands.
"""

from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

MAX_BONUS = 100
MAX_PLACES = 10
# A running round whose progress has not moved for this long: its worker is taken for dead.
STALLED_AFTER = timedelta(minutes=10)


class RoundStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    RUNNING = "running", "Running"
    READY = "ready", "Ready to publish"
    PUBLISHED = "published", "Published"
    FAILED = "failed", "Failed"


class PublishAs(models.TextChoices):
    REQUESTS = "requests", "Requests the mentor accepts or declines"
    RELATIONSHIPS = "relationships", "Active relationships"


class MatchingRoundQuerySet(models.QuerySet):
    def open_for_opt_in(self):
        """Rounds mentees may join or leave now: only for those who opted in, not yet published."""
        return self.filter(opt_in_only=True).exclude(status=RoundStatus.PUBLISHED)


class MatchingRound(models.Model):
    name = models.CharField(max_length=120)
    status = models.CharField(max_length=10, choices=RoundStatus, default=RoundStatus.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    # Parameters: who is in it, the hard rules, each on or off, the shortlist bonus and the places.
    opt_in_only = models.BooleanField(
        "only mentees who opted in to this round",
        default=False,
        help_text="Mentees join it from their Matching rounds page until it is published.",
    )
    must_match = models.BooleanField(
        "must-match categories", default=True, help_text="Pairs share an option in each."
    )
    other_organization = models.BooleanField(
        "not the same organization", default=False, help_text="Mentor and mentee work apart."
    )
    not_previous_pair = models.BooleanField(
        "not a previous pair",
        default=True,
        help_text="No pair who have been in a relationship together, of any status.",
    )
    mentor_ahead = models.BooleanField(
        "mentor ahead",
        default=False,
        help_text="In “mentor ahead” categories the mentor is at or above the mentee.",
    )
    shortlist_bonus = models.PositiveSmallIntegerField(
        "shortlist bonus (points)",
        default=10,
        validators=[MaxValueValidator(MAX_BONUS)],
        help_text="Added to a pair's score when the mentee shortlisted the mentor (0 to 100).",
    )
    places_per_mentor = models.PositiveSmallIntegerField(
        "places per mentor",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PLACES)],
        help_text="1 to 10; blank: each mentor's open places. Never more than their open places.",
    )

    # The run: which one (a stalled run's late result is not taken), its progress and any error.
    run = models.PositiveIntegerField(default=0)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    stage = models.CharField(max_length=200, blank=True)
    progress_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    # The result.
    mentee_count = models.PositiveIntegerField(null=True, blank=True)
    mentor_count = models.PositiveIntegerField(null=True, blank=True)
    place_count = models.PositiveIntegerField(null=True, blank=True)
    matched = models.PositiveIntegerField(null=True, blank=True)
    total_score = models.PositiveIntegerField(null=True, blank=True)
    mean_score = models.FloatField(null=True, blank=True)
    lowest_score = models.PositiveSmallIntegerField(null=True, blank=True)
    optimal = models.BooleanField(null=True, blank=True)
    gap_percent = models.FloatField(null=True, blank=True)
    greedy_matched = models.PositiveIntegerField(null=True, blank=True)
    greedy_total = models.PositiveIntegerField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    published_as = models.CharField(max_length=13, choices=PublishAs, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = MatchingRoundQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RoundStatus.values), name="round_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(shortlist_bonus__lte=MAX_BONUS), name="round_bonus_range"
            ),
            models.CheckConstraint(
                condition=Q(places_per_mentor__isnull=True)
                | Q(places_per_mentor__gte=1, places_per_mentor__lte=MAX_PLACES),
                name="round_places_range",
            ),
            models.CheckConstraint(
                condition=Q(progress_done__lte=models.F("progress_total")),
                name="round_progress_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="round_published_has_date",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def percent(self) -> int:
        return round(100 * self.progress_done / self.progress_total) if self.progress_total else 0

    def is_stalled(self, now=None) -> bool:
        """Running, with no progress for STALLED_AFTER: its worker was killed; run it again."""
        if self.status != RoundStatus.RUNNING or self.progress_at is None:
            return False
        return (now or timezone.now()) - self.progress_at > STALLED_AFTER

    @property
    def greedy_mean(self) -> float | None:
        return self.greedy_total / self.greedy_matched if self.greedy_matched else None

    @property
    def has_result(self) -> bool:
        return self.finished_at is not None

    @property
    def opted_in_count(self) -> int:
        """How many mentees opted in to this round (whether or not they are in its pool today)."""
        return self.opt_ins.count()

    @property
    def is_editable(self) -> bool:
        """Parameters and decisions may change (not while a run is on, never once published)."""
        return self.status in (RoundStatus.DRAFT, RoundStatus.READY, RoundStatus.FAILED)


class RoundOptIn(models.Model):
    """A mentee who asked to be in a round open only to those who opt in (cohorts.services.opt_in)."""

    round = models.ForeignKey(MatchingRound, on_delete=models.CASCADE, related_name="opt_ins")
    mentee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    opted_in_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["round", "opted_in_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "mentee"], name="round_opt_in_once"),
        ]

    def __str__(self):
        return f"{self.mentee} in {self.round}"


class RoundPair(models.Model):
    """A pair the round proposes, with its score and why; once published, what it became."""

    round = models.ForeignKey(MatchingRound, on_delete=models.CASCADE, related_name="pairs")
    mentee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    mentor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField()
    bonus = models.PositiveSmallIntegerField(default=0)
    why = models.CharField(max_length=300, blank=True)
    fixed = models.BooleanField(default=False)
    request = models.ForeignKey(
        "mentoring.MentoringRequest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    relationship = models.ForeignKey(
        "mentoring.Relationship",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    not_published = models.CharField("why it could not be published", max_length=500, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["round", "-score", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "mentee"], name="round_pair_mentee_once"),
            models.CheckConstraint(
                condition=~Q(mentee=models.F("mentor")), name="round_pair_not_oneself"
            ),
            models.CheckConstraint(condition=Q(score__lte=100), name="round_pair_score_range"),
            # Published as one thing, or not at all (with the reason), never both.
            models.CheckConstraint(
                condition=Q(request__isnull=True) | Q(relationship__isnull=True),
                name="round_pair_one_outcome",
            ),
        ]
        # The result page's order: a page of pairs without sorting the round's thousands.
        indexes = [models.Index(fields=["round", "-score", "id"], name="round_pair_by_score")]

    def __str__(self):
        return f"{self.mentee} with {self.mentor} ({self.score})"

    @property
    def is_settled(self) -> bool:
        return self.published_at is not None


class DecisionKind(models.TextChoices):
    FIX = "fix", "Fixed"
    FORBID = "forbid", "Forbidden"


class RoundDecision(models.Model):
    """Staff fix a pair (in every result) or forbid it (in none); the next run honours it."""

    round = models.ForeignKey(MatchingRound, on_delete=models.CASCADE, related_name="decisions")
    mentee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    mentor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=6, choices=DecisionKind)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "mentee", "mentor"], name="round_decision_once_per_pair"
            ),
            # A mentee is fixed to one mentor at most. (A mentor's fixes never pass their places:
            # that needs their places, so the service checks it under the round's row lock.)
            models.UniqueConstraint(
                fields=["round", "mentee"],
                condition=Q(kind="fix"),
                name="round_decision_one_fix_per_mentee",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=DecisionKind.values), name="round_decision_kind_valid"
            ),
            models.CheckConstraint(
                condition=~Q(mentee=models.F("mentor")), name="round_decision_not_oneself"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.mentee} with {self.mentor}"


class UnmatchedReason(models.TextChoices):
    NO_ELIGIBLE_MENTOR = "no_eligible_mentor", "No eligible mentor"
    PLACES_TAKEN = "places_taken", "Every eligible mentor's places went to better pairs"


class RoundUnmatched(models.Model):
    """A mentee of the pool the round could not match, and why."""

    round = models.ForeignKey(MatchingRound, on_delete=models.CASCADE, related_name="unmatched")
    mentee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=20, choices=UnmatchedReason)

    class Meta:
        ordering = ["round", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "mentee"], name="round_unmatched_once"),
            models.CheckConstraint(
                condition=Q(reason__in=UnmatchedReason.values), name="round_unmatched_reason_valid"
            ),
        ]

    def __str__(self):
        return f"{self.mentee}: {self.reason}"

    @property
    def sentence(self) -> str:
        return self.get_reason_display()
