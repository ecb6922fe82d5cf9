"""The staff reports: what each one lists, its columns, and each row as text.

A report is a definition, not a view: the HTML page and the CSV download read the same queryset and
the same row function, so the two never disagree. The queryset reads the rows' own columns; the
figures of a batch of rows (a page, or a chunk of the CSV) are read after it is chosen, a few
grouped queries for the whole batch, so a page of 50 rows and a download of 100,000 cost the same
few queries per batch.
"""

import csv
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import islice
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from mentoring.models import (
    Enrollment,
    EnrollmentChoice,
    EnrollmentStatus,
    MentoringRequest,
    ProgramSettings,
    Relationship,
    RelationshipStatus,
    RequestStatus,
    Role,
)

# "All" is not a status: it lets staff include withdrawn enrollments, which are left out by default.
ALL = "all"
ENROLLMENT_STATUSES = [
    ("", "Enrolled (active or temporarily not participating)"),
    *EnrollmentStatus.choices,
    (ALL, "All, including withdrawn"),
]
RELATIONSHIP_STATUSES = [("", "Any status"), *RelationshipStatus.choices]

CSV_CHUNK = 2000

# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A formula start just after a separator becomes a cell's start when a spreadsheet splits the text
# on another separator than the comma (a semicolon locale, a tab paste) or at a line break.
_FORMULA_AFTER_SEPARATOR = re.compile(r"([,;\t\r\n])([=+\-@])")


def safe_cell(value) -> str:
    """A CSV cell a spreadsheet shows as text: a leading ' keeps `=HYPERLINK(…)` from running,
    at the start and after every separator ("Buyer;=1+1" becomes "Buyer;'=1+1")."""
    text = "" if value is None else str(value)
    text = _FORMULA_AFTER_SEPARATOR.sub(r"\1'\2", text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@dataclass(frozen=True)
class Report:
    slug: str
    title: str
    description: str
    columns: tuple[str, ...]
    queryset: Callable[[dict], QuerySet]
    row: Callable[[Any, ProgramSettings], list]
    status_choices: list
    date_label: str
    by_role: bool = False
    by_criterion: bool = True
    # Reads what a batch of rows needs beyond its queryset (a few queries per batch), or None.
    prepare: Callable[[list], None] | None = None
    # The queryset's rows counted without its joins, when they are costly (or None: counted).
    count: Callable[[dict], int] | None = None

    def total(self, filters: dict) -> int:
        return self.count(filters) if self.count else self.queryset(filters).count()

    def rows(self, items, program) -> list[list]:
        items = list(items)
        if self.prepare:
            self.prepare(items)
        return [self.row(item, program) for item in items]


# --- Shared pieces ----------------------------------------------------------------------------


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _within(queryset, field, date_from: date | None, date_to: date | None):
    """Rows whose `field` falls on a day from date_from to date_to, both included."""
    if date_from:
        queryset = queryset.filter(**{f"{field}__gte": _start_of(date_from)})
    if date_to:
        queryset = queryset.filter(**{f"{field}__lt": _start_of(date_to + timedelta(days=1))})
    return queryset


def _day(moment) -> str:
    return timezone.localdate(moment).isoformat() if moment else ""


def _member(user) -> list[str]:
    """Name and email; a member without a profile row is shown by their email."""
    profile = getattr(user, "profile", None)
    return [profile.full_name if profile else user.email, user.email]


# --- Enrollment reports -----------------------------------------------------------------------


def _chosen_enrollments(filters: dict, roles) -> QuerySet:
    """The enrollments the filters choose, without their figures or order: what a page counts."""
    enrollments = Enrollment.objects.filter(role__in=roles)
    status = filters.get("status")
    if status == ALL:
        pass
    elif status:
        enrollments = enrollments.filter(status=status)
    else:
        enrollments = enrollments.enrolled()
    if filters.get("role"):
        enrollments = enrollments.filter(role=filters["role"])
    if filters.get("option"):
        # A member chooses an option at most once, so this join adds no duplicate rows.
        enrollments = enrollments.filter(choices__option=filters["option"])
    return _within(enrollments, "created_at", filters.get("date_from"), filters.get("date_to"))


# The columns a row shows: a row's three models (enrollment, user, profile) built from these
# alone, not from their 40 columns, are cheap enough for a page of 50 rows.
_ROW_FIELDS = ("user_id", "role", "status", "max_mentees", "created_at", "user__email",
               "user__profile__first_name", "user__profile__last_name",
               "user__profile__job_title", "user__profile__organization",
               "user__profile__city", "user__profile__region", "user__profile__country")  # fmt: skip


def _enrollments(filters: dict, roles) -> QuerySet:
    enrollments = (
        _chosen_enrollments(filters, roles).select_related("user__profile").only(*_ROW_FIELDS)
    )
    # Every enrolled member has a profile (enrolling asks for a name and a job title). Saying so
    # joins it as an inner join, which lets PostgreSQL read a page in the order of the names' index
    # instead of joining and sorting every enrollment (300 ms at 100,000 members, 1 ms so).
    return enrollments.filter(user__profile__isnull=False).order_by(
        "user__profile__last_name", "user__profile__first_name", "pk"
    )


def attach_figures(enrollments: list) -> None:
    """Each enrollment's `active_relationships` and `pending_sent` (requests it sent that wait
    for an answer), both in its own role (as mentor for a mentor enrollment, else as mentee), read
    for a whole batch in two queries: as correlated subqueries in the rows' query they cost each
    page some 3 ms of compiling SQL alone. A member's active relationships are few, so they are
    read as pairs and counted here, mentors' and mentees' in one query."""
    mentors = {e.user_id for e in enrollments if e.role == Role.MENTOR}
    mentees = {e.user_id for e in enrollments if e.role != Role.MENTOR}
    active = Counter()
    pairs = (
        Relationship.objects.active()
        .filter(Q(mentor_id__in=mentors) | Q(mentee_id__in=mentees))
        .values_list("mentor_id", "mentee_id")
    )
    for mentor_id, mentee_id in pairs:
        if mentor_id in mentors:
            active[mentor_id, Role.MENTOR] += 1
        if mentee_id in mentees:
            active[mentee_id, Role.MENTEE] += 1
    pending = {}
    sent = (
        MentoringRequest.objects.filter(
            status=RequestStatus.PENDING, requester_id__in=mentors | mentees
        )
        .order_by()
        .values("requester_id")
        .annotate(
            as_mentor=Count("pk", filter=Q(mentor_id=F("requester_id"))),
            as_mentee=Count("pk", filter=Q(mentee_id=F("requester_id"))),
        )
        .values_list("requester_id", "as_mentor", "as_mentee")
    )
    for requester_id, as_mentor, as_mentee in sent:
        pending[requester_id, Role.MENTOR] = as_mentor
        pending[requester_id, Role.MENTEE] = as_mentee
    for enrollment in enrollments:
        role = Role.MENTOR if enrollment.role == Role.MENTOR else Role.MENTEE
        enrollment.active_relationships = active[enrollment.user_id, role]
        enrollment.pending_sent = pending.get((enrollment.user_id, role), 0)


def attach_open_places(enrollments: list) -> None:
    """Each enrollment's `open_places`, through the one definition (with_open_places), in one
    query for the batch."""
    places = dict(
        Enrollment.objects.filter(pk__in=[enrollment.pk for enrollment in enrollments])
        .with_open_places()
        .values_list("pk", "open_places")
    )
    for enrollment in enrollments:
        enrollment.open_places = places[enrollment.pk]


def attach_choice_labels(enrollments: list) -> None:
    """Each enrollment's criterion labels, in form order, read for a whole batch in one query of
    plain values: building a million choice and option models made a 100,000-row CSV slow."""
    labels: dict[int, list[str]] = {enrollment.pk: [] for enrollment in enrollments}
    rows = (
        EnrollmentChoice.objects.filter(enrollment_id__in=list(labels))
        .order_by(
            "option__category__order", "option__category__name", "option__order", "option__label"
        )
        .values_list("enrollment_id", "option__label")
    )
    for enrollment_id, label in rows:
        labels[enrollment_id].append(label)
    for enrollment in enrollments:
        enrollment.choice_labels = labels[enrollment.pk]


def prepare_enrollments(enrollments: list) -> None:
    attach_choice_labels(enrollments)
    attach_figures(enrollments)


def prepare_mentors(enrollments: list) -> None:
    prepare_enrollments(enrollments)
    attach_open_places(enrollments)


def _about(enrollment) -> list:
    """Who the member is and where they stand in the program."""
    profile = getattr(enrollment.user, "profile", None)
    return [
        profile.job_title if profile else "",
        profile.organization if profile else "",
        profile.location if profile else "",
        enrollment.get_status_display(),
        _day(enrollment.created_at),
        "; ".join(enrollment.choice_labels),
    ]


ABOUT_COLUMNS = ("Job title", "Organization", "Location", "Status", "Enrolled on", "Criteria")


def mentee_row(enrollment, program) -> list:
    return [
        *_member(enrollment.user),
        *_about(enrollment),
        enrollment.active_relationships,
        enrollment.pending_sent,
    ]


def mentor_row(enrollment, program) -> list:
    capacity = enrollment.max_mentees
    return [
        *_member(enrollment.user),
        *_about(enrollment),
        capacity,
        enrollment.active_relationships,
        enrollment.open_places if capacity is not None else "",
        enrollment.pending_sent,
    ]


def participant_row(enrollment, program) -> list:
    name, email = _member(enrollment.user)
    return [
        name,
        email,
        program.role_label(enrollment.role),
        *_about(enrollment),
        enrollment.active_relationships,
        enrollment.pending_sent,
    ]


# --- Relationships ----------------------------------------------------------------------------


def _relationships(filters: dict) -> QuerySet:
    relationships = Relationship.objects.select_related("mentor__profile", "mentee__profile")
    if filters.get("status"):
        relationships = relationships.filter(status=filters["status"])
    relationships = _within(
        relationships, "started_at", filters.get("date_from"), filters.get("date_to")
    )
    return relationships.order_by("started_at", "pk")


def relationship_row(relationship, program) -> list:
    return [
        *_member(relationship.mentor),
        *_member(relationship.mentee),
        relationship.get_status_display(),
        _day(relationship.started_at),
        _day(relationship.completed_at),
        relationship.get_outcome_display(),
        relationship.planned_months,
        relationship.get_rhythm_display(),
    ]


# --- The four reports -------------------------------------------------------------------------

REPORTS = {
    report.slug: report
    for report in [
        Report(
            slug="mentees",
            title="Mentees",
            description="Everyone enrolled as a mentee, their criteria, active relationships "
            "and the requests they are waiting on.",
            columns=(
                "Name",
                "Email",
                *ABOUT_COLUMNS,
                "Active relationships",
                "Pending requests sent",
            ),
            queryset=lambda filters: _enrollments(filters, [Role.MENTEE]),
            count=lambda filters: _chosen_enrollments(filters, [Role.MENTEE]).count(),
            row=mentee_row,
            prepare=prepare_enrollments,
            status_choices=ENROLLMENT_STATUSES,
            date_label="Enrolled",
        ),
        Report(
            slug="mentors",
            title="Mentors",
            description="Everyone enrolled as a mentor, their criteria, how many mentees they "
            "take and how many places are open.",
            columns=(
                "Name",
                "Email",
                *ABOUT_COLUMNS,
                "Capacity",
                "Active mentees",
                "Open places",
                "Pending requests sent",
            ),
            queryset=lambda filters: _enrollments(filters, [Role.MENTOR]),
            count=lambda filters: _chosen_enrollments(filters, [Role.MENTOR]).count(),
            row=mentor_row,
            prepare=prepare_mentors,
            status_choices=ENROLLMENT_STATUSES,
            date_label="Enrolled",
        ),
        Report(
            slug="participants",
            title="Mentors and Mentees",
            description="Every enrollment in either role, one row each: a member enrolled as "
            "both appears twice.",
            columns=(
                "Name",
                "Email",
                "Role",
                *ABOUT_COLUMNS,
                "Active relationships",
                "Pending requests sent",
            ),
            queryset=lambda filters: _enrollments(filters, Role.values),
            count=lambda filters: _chosen_enrollments(filters, Role.values).count(),
            row=participant_row,
            prepare=prepare_enrollments,
            status_choices=ENROLLMENT_STATUSES,
            date_label="Enrolled",
            by_role=True,
        ),
        Report(
            slug="relationships",
            title="Mentoring Relationships",
            description="Mentoring relationships that started in a date range, with their "
            "status, outcome and plan.",
            columns=(
                "Mentor",
                "Mentor email",
                "Mentee",
                "Mentee email",
                "Status",
                "Started",
                "Completed",
                "Outcome",
                "Planned months",
                "Rhythm",
            ),
            queryset=_relationships,
            row=relationship_row,
            status_choices=RELATIONSHIP_STATUSES,
            date_label="Started",
            by_criterion=False,
        ),
    ]
}


# --- CSV --------------------------------------------------------------------------------------


class _Echo:
    """csv.writer writes into this and gets the line back, so nothing collects in memory."""

    def write(self, value):
        return value


def csv_lines(report: Report, filters: dict) -> Iterator[str]:
    """The report as CSV lines, header first, read from the database in chunks."""
    program = ProgramSettings.current()
    # Every cell quoted: a separator inside a cell never splits it, whatever the reader's locale.
    writer = csv.writer(_Echo(), quoting=csv.QUOTE_ALL)
    # A byte-order mark, so that Excel reads the names as UTF-8.
    yield "\ufeff" + writer.writerow([safe_cell(column) for column in report.columns])
    items = report.queryset(filters).iterator(chunk_size=CSV_CHUNK)
    while batch := list(islice(items, CSV_CHUNK)):
        for row in report.rows(batch, program):
            yield writer.writerow([safe_cell(cell) for cell in row])
