"""The dashboard's figures for a date range, read with a handful of aggregate queries."""

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.cache import cache
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from mentoring.matching import level_of
from mentoring.models import (
    CriterionKind,
    CriterionOption,
    Enrollment,
    EnrollmentChoice,
    MentoringRequest,
    Outcome,
    Relationship,
    RelationshipStatus,
    RequestStatus,
    Role,
    TimelineEntry,
)

AGE_BUCKETS = [
    (0, 7, "under a week"),
    (7, 14, "1–2 weeks"),
    (14, 30, "2–4 weeks"),
    (30, None, "over 4 weeks"),
]


@dataclass
class Figures:
    start: date
    end: date
    mentors: int = 0
    mentees: int = 0
    participating_mentors: int = 0
    open_places: int = 0
    pending: int = 0
    pending_ages: list = field(default_factory=list)  # [(label, count)]
    median_answer_days: float | None = None
    answered: int = 0
    accepted: int = 0
    acceptance_rate: float | None = None
    active_relationships: int = 0
    completed: int = 0
    outcomes: list = field(default_factory=list)  # [(label, count)]
    months: list = field(
        default_factory=list
    )  # [{"month": date, "requests", "accepted", "completed"}]
    supply_demand: list = field(
        default_factory=list
    )  # [{"option", "category", "supply", "demand", "gap", "ahead"}]


def _bounds(start: date, end: date):
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


def _month_starts(start: date, end: date) -> list[date]:
    months, current = [], start.replace(day=1)
    while current <= end:
        months.append(current)
        current = (current + timedelta(days=32)).replace(day=1)
    return months


def _per_month(queryset, field_name):
    rows = (
        queryset.annotate(month=TruncMonth(field_name))
        .values("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    return {(m.date() if isinstance(m, datetime) else m): n for m, n in rows}


# How long the figures are kept at most. Every request and relationship change adds a timeline row
# and every enrollment change stamps the enrollment, and either makes new figures at once (see
# compute_cached); this bounds what changes neither: a request's age crossing into the next bucket,
# criteria edited in the admin, an account deactivated.
FIGURES_CACHE_SECONDS = 300


def program_changed() -> tuple:
    """What moves whenever requests, relationships or enrollments change (the newest timeline row,
    the last enrollment stamp) and the day (a pause ending): part of a cached figure's key."""
    timeline = TimelineEntry.objects.aggregate(last=Max("pk"))["last"]
    enrollments = Enrollment.objects.aggregate(last=Max("updated_at"))["last"]
    return timezone.localdate(), timeline, enrollments and enrollments.timestamp()


def compute_cached(start: date, end: date) -> Figures:
    """compute(), kept in the shared cache: at 100,000 members it reads every enrollment and every
    choice (seconds), and staff open the dashboard far more often than the program changes."""
    key = "program-figures:" + ":".join(str(part) for part in (start, end, *program_changed()))
    figures = cache.get(key)
    if figures is None:
        figures = compute(start, end)
        cache.set(key, figures, FIGURES_CACHE_SECONDS)
    return figures


def compute(start: date, end: date, now=None) -> Figures:
    now = now or timezone.now()
    since, until = _bounds(start, end)
    figures = Figures(start=start, end=end)

    enrolled = Enrollment.objects.enrolled()
    counts = dict(enrolled.values("role").annotate(n=Count("pk")).values_list("role", "n"))
    figures.mentors, figures.mentees = counts.get(Role.MENTOR, 0), counts.get(Role.MENTEE, 0)

    participating = Enrollment.objects.participating().filter(role=Role.MENTOR)
    totals = participating.with_open_places().aggregate(
        mentors=Count("pk"), places=Sum("open_places")
    )
    figures.participating_mentors = totals["mentors"]
    figures.open_places = totals["places"] or 0

    pending_created = list(
        MentoringRequest.objects.filter(status=RequestStatus.PENDING).values_list(
            "created_at", flat=True
        )
    )
    figures.pending = len(pending_created)
    ages = [(now - created).days for created in pending_created]
    figures.pending_ages = [
        (label, sum(1 for age in ages if age >= low and (high is None or age < high)))
        for low, high, label in AGE_BUCKETS
    ]

    answered = MentoringRequest.objects.filter(
        answered_at__gte=since,
        answered_at__lt=until,
        status__in=[RequestStatus.ACCEPTED, RequestStatus.DECLINED, RequestStatus.EXPIRED],
    )
    waits = [
        (answered_at - created).total_seconds() / 86400
        for created, answered_at, status in answered.values_list(
            "created_at", "answered_at", "status"
        )
        if status != RequestStatus.EXPIRED
    ]
    figures.median_answer_days = round(statistics.median(waits), 1) if waits else None
    by_status = dict(answered.values("status").annotate(n=Count("pk")).values_list("status", "n"))
    figures.answered = sum(by_status.values())
    figures.accepted = by_status.get(RequestStatus.ACCEPTED, 0)
    figures.acceptance_rate = (
        round(100 * figures.accepted / figures.answered) if figures.answered else None
    )

    figures.active_relationships = Relationship.objects.active().count()
    completed = Relationship.objects.filter(
        status=RelationshipStatus.COMPLETED, completed_at__gte=since, completed_at__lt=until
    )
    outcome_counts = dict(
        completed.values("outcome").annotate(n=Count("pk")).values_list("outcome", "n")
    )
    figures.completed = sum(outcome_counts.values())
    figures.outcomes = [(label, outcome_counts.get(value, 0)) for value, label in Outcome.choices]

    requests = _per_month(
        MentoringRequest.objects.filter(created_at__gte=since, created_at__lt=until), "created_at"
    )
    accepted = _per_month(
        MentoringRequest.objects.filter(
            status=RequestStatus.ACCEPTED, answered_at__gte=since, answered_at__lt=until
        ),
        "answered_at",
    )
    completions = _per_month(completed, "completed_at")
    figures.months = [
        {
            "month": month,
            "requests": requests.get(month, 0),
            "accepted": accepted.get(month, 0),
            "completed": completions.get(month, 0),
        }
        for month in _month_starts(start, end)
    ]
    figures.supply_demand = supply_and_demand()
    return figures


def supply_and_demand() -> list[dict]:
    """Per criterion option: participating mentors offering it against enrolled mentees seeking it,
    biggest shortfall first — whom to recruit.

    In a "mentor ahead" category (career stage, years of experience) a mentee at a level is served
    by any mentor at or above it (mentoring/matching.py), so a level's supply is the mentors at
    that level or higher, each member at their level as the match score reads it (matching.level_of).
    Juniors seeking are then covered by seniors offering, and an entry level is named for recruiting
    only when there are too few mentors at all.
    """
    participating_mentors = Enrollment.objects.participating().filter(role=Role.MENTOR)
    choices = EnrollmentChoice.objects.filter(
        Q(enrollment__in=participating_mentors)
        | Q(enrollment__role=Role.MENTEE, enrollment__in=Enrollment.objects.enrolled()),
        option__is_active=True,
        option__category__is_active=True,
    )
    ahead = Q(option__category__kind=CriterionKind.MENTOR_AHEAD)
    rows = (
        choices.exclude(ahead)
        .values("option_id", "enrollment__role")
        .annotate(n=Count("pk"))
        .values_list("option_id", "enrollment__role", "n")
    )
    counts: dict[int, dict[str, int]] = {}
    for option_id, role, n in rows:
        counts.setdefault(option_id, {})[role] = n
    for option_id, supply, demand in _ahead_supply_and_demand(choices.filter(ahead)):
        if supply or demand:
            counts[option_id] = {Role.MENTOR: supply, Role.MENTEE: demand}
    options = CriterionOption.objects.filter(pk__in=counts).select_related("category")
    result = [
        {
            "option": option.label,
            "category": option.category.name,
            "supply": counts[option.pk].get(Role.MENTOR, 0),
            "demand": counts[option.pk].get(Role.MENTEE, 0),
            "ahead": option.category.kind == CriterionKind.MENTOR_AHEAD,
        }
        for option in options
    ]
    for row in result:
        row["gap"] = row["demand"] - row["supply"]
    result.sort(key=lambda row: (-row["gap"], row["category"], row["option"]))
    return result


def _ahead_supply_and_demand(choices):
    """(option id, mentors at or above it, mentees at it) for each level of the active "mentor
    ahead" categories, from the given choices in those categories."""
    levels = {}  # category id -> active option ids, lowest first, ordered as the search does
    for category_id, option_id, _, _ in sorted(
        CriterionOption.objects.filter(
            category__kind=CriterionKind.MENTOR_AHEAD, category__is_active=True, is_active=True
        ).values_list("category_id", "pk", "order", "label"),
        key=lambda row: (row[0], row[2], row[3]),
    ):
        levels.setdefault(category_id, []).append(option_id)
    chosen: dict[tuple, set[int]] = {}
    for enrollment_id, role, category_id, option_id in choices.values_list(
        "enrollment_id", "enrollment__role", "option__category_id", "option_id"
    ):
        chosen.setdefault((enrollment_id, role, category_id), set()).add(option_id)
    mentors_at: dict[int, list[int]] = {cid: [0] * len(opts) for cid, opts in levels.items()}
    mentees_at: dict[int, list[int]] = {cid: [0] * len(opts) for cid, opts in levels.items()}
    for (_, role, category_id), options in chosen.items():
        if category_id not in levels:
            continue
        is_mentor = role == Role.MENTOR
        level = level_of(options, levels[category_id], mentor=is_mentor)
        if level is not None:
            (mentors_at if is_mentor else mentees_at)[category_id][level] += 1
    for category_id, options in levels.items():
        at_or_above = 0
        for rank in reversed(range(len(options))):
            at_or_above += mentors_at[category_id][rank]
            yield options[rank], at_or_above, mentees_at[category_id][rank]
