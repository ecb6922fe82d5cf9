"""Reads for the association (`reports:read`): members, criteria, enrollments, requests,
relationships and the four reports.

Each read shows what program staff see on the staff pages, through the same definitions: contact
details as Profile.contact_visible_to allows the token's owner, "participating" and "open places"
from the enrollment queryset, the reports' rows from program/reports.py with the filters of
program/report_forms.py. No request message, note to a partner or feedback for staff is read
here."""

from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.errors import ValidationError
from ninja.pagination import paginate

from integrations.api import Day, Moment, Pages, RowId, scope
from integrations.models import Scope
from members.models import EXTERNAL_ID_MAX_LENGTH, Profile
from mentoring.models import (
    AppliesTo,
    CriterionCategory,
    CriterionKind,
    CriterionOption,
    Enrollment,
    EnrollmentStatus,
    MentoringRequest,
    ProgramSettings,
    Relationship,
    RelationshipStatus,
    RequestStatus,
    Role,
)
from mentormatch.converters import MAX_ID
from program.report_forms import ReportFilterForm
from program.reports import REPORTS

router = Router(tags=["read"])


def _moment(value: datetime | None, name: str) -> datetime | None:
    """An aware moment the database can compare with, or a 422 naming the parameter."""
    if value is None:
        return None
    try:
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValidationError(
            [{"loc": ("query", name), "msg": "Give a moment between the years 1 and 9999."}]
        ) from None


# --- Members ------------------------------------------------------------------------------------


class ContactDetails(Schema):
    email: str = Field(description="The address the member gives for contact.")
    phone: str
    linkedin_url: str


class MemberRecord(Schema):
    id: int
    external_id: str | None = Field(description="The member's id in the member system, if any.")
    email: str = Field(description="The account's email address (as the staff reports show it).")
    first_name: str
    last_name: str
    full_name: str
    job_title: str
    organization: str
    city: str
    region: str
    country: str = Field(description="ISO 3166-1 alpha-2 code, or empty.")
    time_zone: str
    bio: str
    profile_url: str
    updated_at: datetime
    contact: ContactDetails | None = Field(
        description="Phone, email and LinkedIn, when the member's contact visibility lets the "
        "token's owner see them; otherwise null."
    )

    @staticmethod
    def resolve_id(profile):
        return profile.user_id

    @staticmethod
    def resolve_email(profile):
        return profile.user.email

    @staticmethod
    def resolve_country(profile):
        return profile.country_code

    @staticmethod
    def resolve_profile_url(profile, context):
        return context["request"].build_absolute_uri(profile.get_absolute_url())

    @staticmethod
    def resolve_contact(profile, context):
        if not profile.contact_visible_to(context["request"].user):
            return None
        return {
            "email": profile.public_contact_email,
            "phone": profile.phone,
            "linkedin_url": profile.linkedin_url,
        }


class MemberFilters(Schema):
    updated_since: Moment | None = Field(
        None, description="Only members whose profile changed at or after this moment."
    )
    external_id: str | None = Field(
        None,
        max_length=EXTERNAL_ID_MAX_LENGTH,
        pattern=r"^[A-Za-z0-9._:@+-]+$",
        description="The member with this id in the member system.",
    )


@router.get("/members", response=list[MemberRecord], summary="Members (active accounts)")
@paginate(Pages)
def list_members(request, filters: Query[MemberFilters]):
    scope(request, Scope.REPORTS_READ)
    profiles = Profile.objects.listed().select_related("user").order_by("user_id")
    if since := _moment(filters.updated_since, "updated_since"):
        profiles = profiles.filter(updated_at__gte=since)
    if filters.external_id:
        profiles = profiles.filter(external_id=filters.external_id)
    return profiles


@router.get("/members/{id:member_id}", response=MemberRecord, summary="One member")
def get_member(request, member_id: RowId):
    scope(request, Scope.REPORTS_READ)
    return get_object_or_404(Profile.objects.listed().select_related("user"), user_id=member_id)


# --- Criteria -----------------------------------------------------------------------------------


class OptionRecord(Schema):
    id: int
    label: str
    is_active: bool


class CategoryRecord(Schema):
    id: int
    name: str
    applies_to: AppliesTo
    kind: CriterionKind
    multiple: bool
    must_match: bool
    is_active: bool
    options: list[OptionRecord]

    @staticmethod
    def resolve_options(category):
        return category.options.all()


@router.get("/criteria", response=list[CategoryRecord], summary="Criterion categories and options")
def list_criteria(request):
    scope(request, Scope.REPORTS_READ)
    return CriterionCategory.objects.prefetch_related(
        Prefetch("options", queryset=CriterionOption.objects.order_by("order", "label"))
    )


# --- Enrollments --------------------------------------------------------------------------------


class EnrollmentRecord(Schema):
    id: int
    member_id: int
    role: Role
    status: EnrollmentStatus
    participating: bool = Field(description="Open to new requests today (the site's one rule).")
    max_mentees: int | None
    open_places: int = Field(
        description="How many more mentees a mentor takes now (0 for mentees)."
    )
    return_date: date | None
    available_until: date | None
    option_ids: list[int]
    created_at: datetime
    updated_at: datetime
    withdrawn_at: datetime | None

    @staticmethod
    def resolve_member_id(enrollment):
        return enrollment.user_id

    @staticmethod
    def resolve_option_ids(enrollment):
        return sorted(choice.option_id for choice in enrollment.choices.all())


class EnrollmentFilters(Schema):
    role: Role | None = None
    status: EnrollmentStatus | None = None
    participating: bool | None = Field(None, description="Only those (not) participating today.")
    updated_since: Moment | None = None


@router.get("/enrollments", response=list[EnrollmentRecord], summary="Enrollments")
@paginate(Pages)
def list_enrollments(request, filters: Query[EnrollmentFilters]):
    scope(request, Scope.REPORTS_READ)
    participating = Enrollment.objects.participating().filter(pk=OuterRef("pk"))
    enrollments = (
        Enrollment.objects.with_open_places()
        .annotate(participating=Exists(participating))
        .prefetch_related("choices")
        .order_by("pk")
    )
    if filters.role:
        enrollments = enrollments.filter(role=filters.role)
    if filters.status:
        enrollments = enrollments.filter(status=filters.status)
    if filters.participating is not None:
        enrollments = enrollments.filter(participating=filters.participating)
    if since := _moment(filters.updated_since, "updated_since"):
        enrollments = enrollments.filter(updated_at__gte=since)
    return enrollments


# --- Requests and relationships -----------------------------------------------------------------


class RequestRecord(Schema):
    id: int
    requester_id: int
    recipient_id: int
    mentor_id: int
    mentee_id: int
    status: RequestStatus
    decline_reason: str = Field(description="The reason chosen when declined, or empty.")
    created_at: datetime
    answered_at: datetime | None


class RequestFilters(Schema):
    status: RequestStatus | None = None
    member_id: int | None = Field(None, ge=1, le=MAX_ID, description="Sent or received by.")
    created_since: Moment | None = None


@router.get("/requests", response=list[RequestRecord], summary="Mentoring requests")
@paginate(Pages)
def list_requests(request, filters: Query[RequestFilters]):
    scope(request, Scope.REPORTS_READ)
    requests = MentoringRequest.objects.order_by("pk")
    if filters.status:
        requests = requests.filter(status=filters.status)
    if filters.member_id:
        requests = requests.filter(
            Q(requester_id=filters.member_id) | Q(recipient_id=filters.member_id)
        )
    if since := _moment(filters.created_since, "created_since"):
        requests = requests.filter(created_at__gte=since)
    return requests


class RelationshipRecord(Schema):
    id: int
    mentor_id: int
    mentee_id: int
    request_id: int | None
    status: RelationshipStatus
    started_at: datetime
    completed_at: datetime | None
    outcome: str = Field(description="How it ended (goals_met, not_a_fit, …), or empty.")
    rhythm: str
    meeting_format: str
    planned_months: int


class RelationshipFilters(Schema):
    status: RelationshipStatus | None = None
    member_id: int | None = Field(None, ge=1, le=MAX_ID, description="As mentor or mentee.")
    started_since: Moment | None = None


@router.get("/relationships", response=list[RelationshipRecord], summary="Mentoring relationships")
@paginate(Pages)
def list_relationships(request, filters: Query[RelationshipFilters]):
    scope(request, Scope.REPORTS_READ)
    relationships = Relationship.objects.order_by("pk")
    if filters.status:
        relationships = relationships.filter(status=filters.status)
    if filters.member_id:
        relationships = relationships.of(filters.member_id)
    if since := _moment(filters.started_since, "started_since"):
        relationships = relationships.filter(started_at__gte=since)
    return relationships


# --- The four reports ---------------------------------------------------------------------------

ReportName = Enum("ReportName", {slug: slug for slug in REPORTS}, type=str)


ReportStatus = Enum(
    "ReportStatus",
    {value: value for report in REPORTS.values() for value, _ in report.status_choices if value},
    type=str,
)


class ReportFilters(Schema):
    """The staff report page's filters (program/report_forms.py), checked by its form."""

    date_from: Day | None = Field(None, description="From this day (1900 to 2999).")
    date_to: Day | None = Field(None, description="To this day, included (1900 to 2999).")
    status: ReportStatus | None = Field(
        None,
        description="An enrollment status, or `all` (enrollment reports); a relationship "
        "status (the relationships report). Default: enrolled, or any.",
    )
    role: Role | None = Field(None, description="The participants report only.")
    option: RowId | None = Field(None, description="A criterion option's id (not relationships).")
    limit: int = Field(50, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=MAX_ID // 2)


class ReportPage(Schema):
    report: str
    title: str
    columns: list[str]
    items: list[dict[str, Any]] = Field(description="Rows, as objects keyed by the columns.")
    count: int


@router.get("/reports/{slug:name}", response=ReportPage, summary="A staff report, page by page")
def get_report(request, name: ReportName, filters: Query[ReportFilters]):
    scope(request, Scope.REPORTS_READ)
    report = REPORTS[name.value]
    data = {
        name: str(getattr(value, "value", value))
        for name, value in filters.dict(exclude={"limit", "offset"}, exclude_none=True).items()
    }
    program = ProgramSettings.current()
    form = ReportFilterForm(data, report=report, program=program)
    errors = [
        {"loc": ("query", field), "msg": f"The {report.slug} report has no {field} filter."}
        for field in data
        if field not in form.fields
    ]
    if not errors and not form.is_valid():
        errors = [
            {"loc": ("query", field if field in form.fields else ""), "msg": message}
            for field, messages in form.errors.items()
            for message in messages
        ]
    if errors:
        raise ValidationError(errors)
    rows = report.queryset(form.cleaned_data)[filters.offset : filters.offset + filters.limit]
    return {
        "report": report.slug,
        "title": report.title,
        "columns": list(report.columns),
        "items": [
            dict(zip(report.columns, row, strict=True)) for row in report.rows(rows, program)
        ],
        "count": report.total(form.cleaned_data),
    }
