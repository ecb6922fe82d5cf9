"""Mentoring: the program's settings, the criteria staff configure, and members' enrollments."""

import secrets
import time

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

MIN_MENTEES = 1
MAX_MENTEES = 10


class Role(models.TextChoices):
    MENTOR = "mentor", "Mentor"
    MENTEE = "mentee", "Mentee"


class Rhythm(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    BIWEEKLY = "biweekly", "Every two weeks"
    MONTHLY = "monthly", "Monthly"


def rhythm_step(rhythm: str) -> relativedelta:
    """How far apart two meetings are at this rhythm."""
    return {
        Rhythm.WEEKLY: relativedelta(weeks=1),
        Rhythm.BIWEEKLY: relativedelta(weeks=2),
    }.get(rhythm, relativedelta(months=1))


class MeetingFormat(models.TextChoices):
    PHONE = "phone", "Phone"
    VIDEO = "video", "Video call"
    IN_PERSON = "in_person", "In person"
    EMAIL = "email", "Email"


_current: dict = {}


def forget_program_settings():
    _current.clear()


class ProgramSettings(models.Model):
    """The program's own words and defaults; one row, edited by staff.

    It lives in mentoring (not program) because mentoring's rules read it.
    """

    program_name = models.CharField(
        "name of the program",
        max_length=80,
        default="Mentor Match",
        help_text="Used in every page title and email, e.g. “AHRMM Mentor Match”.",
    )
    mentor_label = models.CharField("name for a mentor", max_length=40, default="Mentor")
    mentor_label_plural = models.CharField("plural", max_length=40, default="Mentors")
    mentee_label = models.CharField("name for a mentee", max_length=40, default="Mentee")
    mentee_label_plural = models.CharField("plural", max_length=40, default="Mentees")
    recommended_mentees = models.PositiveSmallIntegerField(
        "recommended mentees per mentor",
        default=2,
        validators=[MinValueValidator(MIN_MENTEES), MaxValueValidator(MAX_MENTEES)],
    )
    default_length_months = models.PositiveSmallIntegerField(
        "default relationship length (months)",
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(36)],
    )
    default_rhythm = models.CharField(
        "suggested meeting rhythm", max_length=16, choices=Rhythm, default=Rhythm.MONTHLY
    )
    max_open_requests = models.PositiveSmallIntegerField(
        "open requests a member may have waiting at once",
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
    )
    reminder_after_days = models.PositiveSmallIntegerField(
        "remind the recipient of an unanswered request after (days)",
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )
    nudge_after_days = models.PositiveSmallIntegerField(
        "suggest the requester make direct contact after (days)",
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(180)],
    )
    expire_after_days = models.PositiveSmallIntegerField(
        "an unanswered request expires after (days)",
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    email_retention_days = models.PositiveSmallIntegerField(
        "keep the text of sent emails for (days)",
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="After this, a delivered email's text is deleted; who it went to, its subject "
        "and when it was sent are kept.",
    )
    round_publishes_as = models.CharField(
        "a published matching round's pairs become",
        max_length=13,
        choices=[
            ("requests", "Requests the mentor accepts or declines as usual"),
            ("relationships", "Active relationships straight away"),
        ],
        default="requests",
        help_text="Cohort matching: what publishing a round does with each proposed pair.",
    )

    class Meta:
        verbose_name = "program settings"
        verbose_name_plural = "program settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    recommended_mentees__gte=MIN_MENTEES, recommended_mentees__lte=MAX_MENTEES
                ),
                name="program_recommended_mentees_range",
            ),
            models.CheckConstraint(
                condition=Q(default_length_months__gte=1, default_length_months__lte=36),
                name="program_default_length_range",
            ),
            # Reminder, then nudge, then expiry: each later than the one before.
            models.CheckConstraint(
                condition=Q(reminder_after_days__gte=1)
                & Q(nudge_after_days__gt=models.F("reminder_after_days"))
                & Q(expire_after_days__gt=models.F("nudge_after_days")),
                name="program_follow_up_days_in_order",
            ),
            models.CheckConstraint(
                condition=Q(email_retention_days__gte=1, email_retention_days__lte=365),
                name="program_email_retention_range",
            ),
        ]

    CACHE_SECONDS = 10

    def __str__(self):
        return "Program settings"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        forget_program_settings()

    def clean(self):
        if not (self.reminder_after_days < self.nudge_after_days < self.expire_after_days):
            raise ValidationError(
                "The reminder must come before the nudge to the requester, and the nudge before "
                "the request expires."
            )

    @classmethod
    def current(cls) -> "ProgramSettings":
        """The settings row, read at most every few seconds per process: every page shows the
        role names. A save in this process is seen at once, in others within CACHE_SECONDS."""
        cached = _current.get("row")
        if cached and time.monotonic() - _current["at"] < cls.CACHE_SECONDS:
            return cached
        settings_row, _ = cls.objects.get_or_create(pk=1)
        _current.update(row=settings_row, at=time.monotonic())
        return settings_row

    def role_label(self, role, plural=False) -> str:
        if role == Role.MENTOR:
            return self.mentor_label_plural if plural else self.mentor_label
        return self.mentee_label_plural if plural else self.mentee_label

    @property
    def suggested_rhythm_sentence(self) -> str:
        rhythm = {"weekly": "a weekly call", "biweekly": "a call every two weeks"}.get(
            self.default_rhythm, "a monthly call"
        )
        months = self.default_length_months
        return f"{rhythm} for {months} month{'s' if months != 1 else ''}"


class AppliesTo(models.TextChoices):
    MENTOR = "mentor", "Mentors"
    MENTEE = "mentee", "Mentees"
    BOTH = "both", "Mentors and mentees"


class CriterionKind(models.TextChoices):
    """How a category's options are compared in the match score (mentoring/matching.py)."""

    SAME = "same", "Same: the more options in common, the better (areas, skills)"
    MENTOR_AHEAD = "ahead", "Mentor ahead: ordered options; the mentor at or above the mentee"
    PREFERENCE = "preference", "Preference: a shared option is a plus, never a filter"


class CriterionCategoryQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def for_role(self, role):
        return self.filter(applies_to__in=[role, AppliesTo.BOTH])


class CriterionCategory(models.Model):
    """A set of options members choose from when they enroll ("Leadership Skills")."""

    name = models.CharField(max_length=100, unique=True)
    help_text = models.CharField(max_length=300, blank=True)
    mentor_help_text = models.CharField(
        "help text for mentors", max_length=300, blank=True, help_text="Overrides the help text."
    )
    mentee_help_text = models.CharField(
        "help text for mentees", max_length=300, blank=True, help_text="Overrides the help text."
    )
    applies_to = models.CharField(max_length=8, choices=AppliesTo, default=AppliesTo.BOTH)
    kind = models.CharField(
        "how options are matched",
        max_length=10,
        choices=CriterionKind,
        default=CriterionKind.SAME,
        help_text="Mentor ahead: the options are in order (as listed), lowest first.",
    )
    multiple = models.BooleanField("members may choose several options", default=True)
    order = models.PositiveSmallIntegerField(default=0)
    weight = models.PositiveSmallIntegerField(
        "weight in the match score",
        default=1,
        validators=[MaxValueValidator(10)],
        help_text="0 to 10; 0 leaves the category out of the score.",
    )
    must_match = models.BooleanField(
        default=False, help_text="Search results must share at least one option in this category."
    )
    is_active = models.BooleanField(
        default=True, help_text="Inactive categories are hidden; members' choices are kept."
    )

    objects = CriterionCategoryQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]
        verbose_name_plural = "criterion categories"
        constraints = [
            models.CheckConstraint(condition=Q(weight__lte=10), name="category_weight_at_most_10"),
            models.CheckConstraint(
                condition=Q(applies_to__in=AppliesTo.values), name="category_applies_to_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=CriterionKind.values), name="category_kind_valid"
            ),
        ]

    def __str__(self):
        return self.name

    def applies_to_role(self, role) -> bool:
        return self.applies_to in (role, AppliesTo.BOTH)

    def help_for(self, role) -> str:
        specific = self.mentor_help_text if role == Role.MENTOR else self.mentee_help_text
        return specific or self.help_text


class CriterionOptionQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True, category__is_active=True)


class CriterionOption(models.Model):
    category = models.ForeignKey(
        CriterionCategory, on_delete=models.CASCADE, related_name="options"
    )
    label = models.CharField(max_length=100)
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(
        default=True, help_text="Inactive options are hidden; members' choices are kept."
    )

    objects = CriterionOptionQuerySet.as_manager()

    class Meta:
        ordering = ["category__order", "order", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "label"], name="option_label_unique_in_category"
            ),
        ]

    def __str__(self):
        return f"{self.category.name}: {self.label}"


class EnrollmentStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Temporarily Not Participating"
    WITHDRAWN = "withdrawn", "Withdrawn"


# "Participating" on a day, the rule every page, email, report, chart and the search index use:
# an enrollment is open to new requests on day D when its account is active, it is not past its
# availability end date (available_until >= D, or none), and it is active, or Temporarily Not
# Participating with a return date on or before D. Written three ways (a queryset filter, a
# method, the index's vectorised mask: mentoring.search.participating_mask), tested equal on every
# combination in mentoring/tests/test_one_rule.py.


class EnrollmentQuerySet(models.QuerySet):
    def enrolled(self):
        """Enrollments that have not been withdrawn (they wear a ribbon)."""
        return self.exclude(status=EnrollmentStatus.WITHDRAWN)

    def participating(self, today=None):
        """Participating on `today` (the site's date by default), the rule stated above."""
        today = today or timezone.localdate()
        back_from_pause = Q(status=EnrollmentStatus.PAUSED, return_date__lte=today)
        return self.filter(
            Q(status=EnrollmentStatus.ACTIVE) | back_from_pause,
            Q(available_until__isnull=True) | Q(available_until__gte=today),
            user__is_active=True,
        )

    def with_open_places(self):
        """Each enrollment with `active_mentees` (its member's active relationships as mentor) and
        `open_places`: how many more mentees the mentor takes now, never below 0 (0 for mentees).
        The one definition of "open places": requests, accepts, search, dashboard and reports."""
        active = (
            Relationship.objects.active()
            .filter(mentor_id=OuterRef("user_id"))
            .order_by()
            .values("mentor_id")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(active_mentees=Coalesce(Subquery(active), 0)).annotate(
            open_places=Greatest(Coalesce(F("max_mentees"), 0) - F("active_mentees"), 0)
        )


class Enrollment(models.Model):
    """A member's enrollment in one role; a member may hold one per role."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments"
    )
    role = models.CharField(max_length=8, choices=Role)
    status = models.CharField(
        max_length=10, choices=EnrollmentStatus, default=EnrollmentStatus.ACTIVE
    )
    statement = models.TextField(max_length=2000, blank=True)
    options = models.ManyToManyField(
        CriterionOption, through="EnrollmentChoice", related_name="enrollments"
    )
    max_mentees = models.PositiveSmallIntegerField(null=True, blank=True)
    return_date = models.DateField(null=True, blank=True)
    available_until = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="one_enrollment_per_role"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="enrollment_role_valid"),
            models.CheckConstraint(
                condition=Q(status__in=EnrollmentStatus.values), name="enrollment_status_valid"
            ),
            # A mentor takes 1 to 10 mentees; a mentee has no capacity and no end date.
            models.CheckConstraint(
                condition=(
                    Q(
                        role=Role.MENTOR,
                        max_mentees__isnull=False,
                        max_mentees__gte=MIN_MENTEES,
                        max_mentees__lte=MAX_MENTEES,
                    )
                    | Q(role=Role.MENTEE, max_mentees__isnull=True, available_until__isnull=True)
                ),
                name="enrollment_capacity_fits_role",
            ),
            # A return date only makes sense while paused.
            models.CheckConstraint(
                condition=Q(status=EnrollmentStatus.PAUSED) | Q(return_date__isnull=True),
                name="enrollment_return_date_only_when_paused",
            ),
        ]
        indexes = [
            models.Index(fields=["role", "status"]),
            # The search index catches up on changes by this timestamp.
            models.Index(fields=["updated_at"]),
        ]

    def __str__(self):
        return f"{self.user} as {self.get_role_display()}"

    @property
    def is_mentor(self):
        return self.role == Role.MENTOR

    def is_participating(self, today=None) -> bool:
        """Participating on `today` (the site's date by default), the rule stated above
        EnrollmentQuerySet."""
        today = today or timezone.localdate()
        if not self.user.is_active:
            return False
        if self.available_until and self.available_until < today:
            return False
        if self.status == EnrollmentStatus.ACTIVE:
            return True
        return self.status == EnrollmentStatus.PAUSED and bool(
            self.return_date and self.return_date <= today
        )

    def participation_status(self, today=None) -> dict:
        """What a member is told of this enrollment: Active when it takes new requests on `today`
        (is_participating, the one rule), otherwise why not and until when."""
        if self.is_participating(today):
            return {"active": True, "text": "Active"}
        if self.status == EnrollmentStatus.PAUSED:
            return {
                "active": False,
                "text": "Temporarily Not Participating",
                "until": self.return_date,
            }
        # Active, but past the availability end date the mentor set.
        return {"active": False, "text": "Not taking new requests", "ended": self.available_until}

    def open_places(self) -> int:
        """Open places now, read through the one definition (EnrollmentQuerySet.with_open_places)."""
        return Enrollment.objects.with_open_places().get(pk=self.pk).open_places

    @property
    def is_withdrawn(self):
        return self.status == EnrollmentStatus.WITHDRAWN


class EnrollmentChoice(models.Model):
    """One option chosen in an enrollment. Kept when staff deactivate the option."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="choices")
    option = models.ForeignKey(CriterionOption, on_delete=models.PROTECT, related_name="choices")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "option"], name="option_chosen_once"),
        ]

    def __str__(self):
        return f"{self.enrollment}: {self.option}"


class RequestStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"
    EXPIRED = "expired", "Expired"


class DeclineReason(models.TextChoices):
    NO_TIME = "no_time", "I do not have time at the moment"
    NOT_A_FIT = "not_a_fit", "My experience is not a good fit for these goals"
    FULL = "full", "I already have as many mentoring partners as I can take"
    OTHER = "other", "Another reason"


class MentoringRequestQuerySet(models.QuerySet):
    def with_mentor_open_places(self):
        """Each request with `mentor_open_places`: the open places of its mentor now, through the
        one definition (EnrollmentQuerySet.with_open_places); 0 when the mentor has none."""
        places = (
            Enrollment.objects.filter(user_id=OuterRef("mentor_id"), role=Role.MENTOR)
            .with_open_places()
            .values("open_places")[:1]
        )
        return self.annotate(mentor_open_places=Coalesce(Subquery(places), 0))


class MentoringRequest(models.Model):
    """A request from a mentee to a mentor, or from a mentor to a mentee."""

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="requests_sent"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="requests_received"
    )
    mentor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    mentee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=RequestStatus, default=RequestStatus.PENDING)
    message = models.TextField(max_length=2000, blank=True)
    goals = models.TextField("what the mentee hopes to work on", max_length=2000, blank=True)
    decline_reason = models.CharField(max_length=12, choices=DeclineReason, blank=True)
    decline_note = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    # Follow-up claimed by the scheduled rules (mentoring/reminders.py): set once, sent once.
    reminded_at = models.DateTimeField(null=True, blank=True)
    nudged_at = models.DateTimeField(null=True, blank=True)
    # The requester chose to keep this request waiting after another of theirs was accepted.
    kept_at = models.DateTimeField(null=True, blank=True)

    objects = MentoringRequestQuerySet.as_manager()

    class Meta:
        constraints = [
            # One pending request per mentor-mentee pair, whoever sent it: a double submission
            # or two members asking each other at once leaves one.
            models.UniqueConstraint(
                fields=["mentor", "mentee"],
                condition=Q(status="pending"),
                name="one_pending_request_per_pair",
            ),
            models.CheckConstraint(
                condition=~Q(mentor=models.F("mentee")), name="request_not_to_oneself"
            ),
            models.CheckConstraint(
                condition=(
                    Q(requester=models.F("mentor"), recipient=models.F("mentee"))
                    | Q(requester=models.F("mentee"), recipient=models.F("mentor"))
                ),
                name="request_between_its_mentor_and_mentee",
            ),
            models.CheckConstraint(
                condition=Q(status__in=RequestStatus.values), name="request_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"Request {self.pk}: {self.requester} → {self.recipient} ({self.status})"

    @property
    def is_pending(self):
        return self.status == RequestStatus.PENDING

    @property
    def recipient_role(self) -> str:
        """The role the recipient is asked to take: mentor, or mentee."""
        return Role.MENTOR if self.recipient_id == self.mentor_id else Role.MENTEE

    @property
    def requester_role(self) -> str:
        return Role.MENTEE if self.recipient_role == Role.MENTOR else Role.MENTOR


class RelationshipStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"


class Outcome(models.TextChoices):
    GOALS_MET = "goals_met", "Goals met"
    NOT_A_FIT = "not_a_fit", "Not a good fit"
    SCHEDULES = "schedules", "Our schedules did not allow it"
    OTHER = "other", "Other"


class RelationshipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=RelationshipStatus.ACTIVE)

    def of(self, member):
        """The relationships `member` is in, as mentor or as mentee."""
        return self.filter(Q(mentor=member) | Q(mentee=member))


class Relationship(models.Model):
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentoring_as_mentor"
    )
    mentee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentoring_as_mentee"
    )
    request = models.OneToOneField(
        MentoringRequest,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="relationship",
    )
    status = models.CharField(
        max_length=10, choices=RelationshipStatus, default=RelationshipStatus.ACTIVE
    )
    started_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(max_length=10, choices=Outcome, blank=True)
    note_to_partner = models.TextField(max_length=2000, blank=True)
    feedback_for_staff = models.TextField(max_length=4000, blank=True)
    # The plan the pair agree (defaults from the program settings when it starts).
    rhythm = models.CharField(
        "meeting rhythm", max_length=16, choices=Rhythm, default=Rhythm.MONTHLY
    )
    meeting_format = models.CharField(
        "format", max_length=10, choices=MeetingFormat, default=MeetingFormat.VIDEO
    )
    planned_months = models.PositiveSmallIntegerField(
        "planned length (months)",
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(36)],
    )
    goals = models.TextField("shared goals", max_length=4000, blank=True)
    # Follow-up claimed by the scheduled rules.
    checkin_reminded_at = models.DateTimeField(null=True, blank=True)
    end_reminded_at = models.DateTimeField(null=True, blank=True)

    objects = RelationshipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["mentor", "mentee"],
                condition=Q(status="active"),
                name="one_active_relationship_per_pair",
            ),
            models.CheckConstraint(
                condition=~Q(mentor=models.F("mentee")), name="relationship_not_with_oneself"
            ),
            models.CheckConstraint(
                condition=Q(status="active", completed_at__isnull=True)
                | Q(status="completed", completed_at__isnull=False),
                name="relationship_completed_has_date",
            ),
            models.CheckConstraint(
                condition=Q(planned_months__gte=1, planned_months__lte=36),
                name="relationship_planned_months_range",
            ),
            models.CheckConstraint(
                condition=Q(rhythm__in=Rhythm.values), name="relationship_rhythm_valid"
            ),
        ]

    def __str__(self):
        return f"{self.mentor} mentoring {self.mentee} ({self.status})"

    def partner_of(self, member):
        """The other member of the pair."""
        return self.mentee if member.pk == self.mentor_id else self.mentor

    def timeline_entries(self, seen_by=None):
        """The relationship's timeline, from the request that began it, with who acted. For a
        member (`seen_by`), notes meant for the other member are left out."""
        entries = TimelineEntry.objects.filter(
            Q(relationship=self) | Q(request_id=self.request_id, request__isnull=False)
        ).select_related("actor__profile")
        if seen_by is None:
            return entries
        return [entry.as_seen_by(seen_by) for entry in entries]

    @property
    def planned_end(self):
        return self.started_at + relativedelta(months=self.planned_months)

    def next_planned_meeting(self, now=None):
        """The next of the planned check-ins, or None once they are all past."""
        now = now or timezone.now()
        return next((when for when in self.planned_meetings() if when >= now), None)

    def planned_meetings(self) -> list:
        """The dates of the planned check-ins, one per rhythm period until the planned end."""
        step = rhythm_step(self.rhythm)
        start = timezone.localtime(self.started_at)
        meetings, n = [], 1
        while (when := start + step * n) <= timezone.localtime(self.planned_end):
            meetings.append(when)
            n += 1
        return meetings


class CheckInQuerySet(models.QuerySet):
    def seen_by(self, member):
        """The check-ins `member` may read: those shared with the partner, and their own."""
        return self.filter(Q(shared=True) | Q(author=member))


class CheckIn(models.Model):
    """A meeting or contact one of the pair logs. A note is shared with the partner, or private."""

    relationship = models.ForeignKey(
        Relationship, on_delete=models.CASCADE, related_name="check_ins"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    met_on = models.DateField("date")
    note = models.TextField(max_length=4000, blank=True)
    shared = models.BooleanField("share the note with my partner", default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = CheckInQuerySet.as_manager()

    class Meta:
        ordering = ["-met_on", "-pk"]
        indexes = [models.Index(fields=["relationship", "met_on"])]

    def __str__(self):
        return f"Check-in {self.met_on} on {self.relationship_id}"


class TimelineEntry(models.Model):
    """Who changed what, when and why: one row per state change of a request or relationship."""

    request = models.ForeignKey(
        MentoringRequest, on_delete=models.CASCADE, null=True, blank=True, related_name="timeline"
    )
    relationship = models.ForeignKey(
        Relationship, on_delete=models.CASCADE, null=True, blank=True, related_name="timeline"
    )
    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, null=True, blank=True, related_name="timeline"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12)
    note = models.TextField(blank=True)
    # A note meant for one member (program staff's reason for acting on their behalf): shown to
    # that member and to staff only, never to the other party.
    note_for = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "timeline entries"
        constraints = [
            models.CheckConstraint(
                condition=Q(request__isnull=False)
                | Q(relationship__isnull=False)
                | Q(enrollment__isnull=False),
                name="timeline_entry_has_subject",
            ),
        ]

    def __str__(self):
        return f"{self.from_state or '—'} → {self.to_state}"

    EVENTS = {
        ("request", "pending"): "sent the request",
        ("request", "accepted"): "accepted the request",
        ("request", "declined"): "declined the request",
        ("request", "withdrawn"): "withdrew the request",
        ("request", "expired"): "the request expired",
        ("relationship", "active"): "the relationship began",
        ("relationship", "completed"): "marked the relationship completed",
        ("enrollment", "active"): "became active",
        ("enrollment", "paused"): "became Temporarily Not Participating",
        ("enrollment", "withdrawn"): "withdrew from the role",
    }

    @property
    def event(self) -> str:
        """What happened, in words, for the relationship page."""
        subject = (
            "relationship"
            if self.relationship_id
            else "enrollment"
            if self.enrollment_id
            else "request"
        )
        if subject == "enrollment" and not self.from_state:
            return "enrolled"
        if self.from_state == self.to_state:
            return "changed the plan"
        return self.EVENTS.get((subject, self.to_state), f"{self.from_state} → {self.to_state}")

    @property
    def sentence(self) -> str:
        """'Maria Lopez accepted the request', or 'The request expired' when nobody acted."""
        event = self.event
        if event.startswith("the ") or self.actor is None:
            return event[0].upper() + event[1:]
        return f"{self.actor.profile.full_name} {event}"

    STAFF_NOTE_HIDDEN = "by program staff"

    def as_seen_by(self, member) -> "TimelineEntry":
        """This entry as `member` may read it: a note meant for someone else (program staff's
        reason given to the other member) reads only "by program staff"."""
        if self.note_for_id is not None and self.note_for_id != member.pk:
            self.note = self.STAFF_NOTE_HIDDEN
        return self

    @property
    def why(self) -> str:
        """The reason or outcome, in words; other notes as written."""
        labels = dict(DeclineReason.choices) | dict(Outcome.choices)
        label = labels.get(self.note)
        return label.lower() if label else self.note


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class CalendarFeed(models.Model):
    """The secret in a member's personal calendar feed URL; a new token revokes the old link."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Calendar feed of {self.user}"


class ShortlistEntry(models.Model):
    """A mentor a mentee would like to be matched with in a matching round, ranked 1 (first
    choice) to MAX_SHORTLIST; kept dense by mentoring.services.shortlist."""

    MAX_SHORTLIST = 5

    mentee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shortlist"
    )
    mentor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField()
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["mentee", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["mentee", "mentor"], name="shortlist_mentor_once"),
            models.CheckConstraint(
                condition=Q(rank__gte=1, rank__lte=5), name="shortlist_rank_1_to_5"
            ),
            models.CheckConstraint(
                condition=~Q(mentee=models.F("mentor")), name="shortlist_not_oneself"
            ),
        ]

    def __str__(self):
        return f"{self.mentee} shortlists {self.mentor} ({self.rank})"
