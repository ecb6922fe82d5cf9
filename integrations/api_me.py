"""A member's own token (`me`): their profile, enrollments, search, requests and relationships.

Every operation acts as the token's member, through the same forms (for validation), queries and
service functions as the member's pages: a rule's refusal is a 409 problem with the page's
message, someone else's request or relationship a 404. Other members appear as public cards;
their contact details only where the profile page would show them (Profile.contact_visible_to).
"""

from typing import Literal

from django.db.models import Prefetch, Q
from django.http import QueryDict
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from integrations.api import PROBLEM_CONTENT_TYPE, Pages, problem, scope
from integrations.models import Scope
from members.forms import ProfileForm
from members.models import Profile
from members.services import ensure_profile, update_profile
from mentoring import find
from mentoring.forms import DeclineForm, EnrollmentForm, RequestForm
from mentoring.models import (
    MAX_MENTEES,
    MIN_MENTEES,
    CheckIn,
    CriterionOption,
    DeclineReason,
    Enrollment,
    MentoringRequest,
    ProgramSettings,
    Relationship,
    Role,
)
from mentoring.services import enrollment as enrollment_service
from mentoring.services import requests as request_service
from mentormatch.converters import MAX_ID

router = Router(tags=["me"])

# --- Schemas ---------------------------------------------------------------------------------


class Contact(Schema):
    email: str
    phone: str
    linkedin_url: str


class MemberCard(Schema):
    """Another member as the member's pages show them. `contact` is there only where their
    profile page would show it to this member (their choice: all members, or only partners)."""

    member_id: int
    name: str
    job_title: str
    organization: str
    location: str
    profile_url: str
    photo_url: str | None
    contact: Contact | None


class MyProfile(Schema):
    member_id: int
    account_email: str
    first_name: str
    last_name: str
    job_title: str
    organization: str
    city: str
    region: str
    country: str = Field(description="ISO 3166 code, or empty")
    time_zone: str
    bio: str
    contact_email: str
    phone: str
    linkedin_url: str
    contact_visibility: Literal["members", "partners"]
    photo_url: str | None
    profile_url: str
    is_complete: bool
    missing: list[str] = Field(description="What other members look for that the profile lacks")


class ProfileChange(Schema):
    """The fields of the profile page (the photo is changed on the page only). Send only those to
    change; the rest stay as they are. The same rules as the page's form apply."""

    model_config = {"extra": "forbid"}

    first_name: str | None = None
    last_name: str | None = None
    job_title: str | None = None
    organization: str | None = None
    city: str | None = None
    region: str | None = None
    country: str | None = None
    time_zone: str | None = None
    bio: str | None = None
    contact_email: str | None = None
    phone: str | None = None
    linkedin_url: str | None = None
    contact_visibility: Literal["members", "partners"] | None = None


class Criterion(Schema):
    option_id: int
    label: str
    category_id: int
    category: str


class Participation(Schema):
    active: bool = Field(description="Takes new requests today")
    text: str
    until: str | None = Field(None, description="Back on this date (ISO), when paused with one")
    ended: str | None = Field(None, description="The availability end date that has passed")


class CriteriaOption(Schema):
    option_id: int
    label: str


class CriteriaCategory(Schema):
    category_id: int
    name: str
    help: str
    multiple: bool = Field(description="Several options may be chosen")
    options: list[CriteriaOption]


class MyEnrollment(Schema):
    role: Literal["mentor", "mentee"]
    role_label: str
    status: Literal["active", "paused", "withdrawn"]
    participation: Participation
    statement: str
    criteria: list[Criterion]
    max_mentees: int | None
    active_mentees: int | None
    open_places: int | None = Field(description="Mentors: how many more mentees they take now")
    return_date: str | None
    available_until: str | None
    created_at: str


class EnrollmentIn(Schema):
    """What the enrollment page asks: the chosen options (ids from the criteria), a statement and,
    for mentors, how many mentees at a time (the program's recommendation when left out)."""

    model_config = {"extra": "forbid"}

    options: list[int] = Field(max_length=200)
    statement: str = Field("", max_length=EnrollmentForm.base_fields["statement"].max_length)
    max_mentees: int | None = Field(None, ge=MIN_MENTEES, le=MAX_MENTEES)


class PendingBetween(Schema):
    sent: bool = Field(description="Whether you sent it (else it waits for your answer)")


class SearchHit(Schema):
    member: MemberCard
    roles: list[Literal["mentor", "mentee"]]
    last_active: str
    score: int = Field(description="Match score, 0 to 100, as on the page")
    explanation: str = Field(description="Why it matches, as on the page")
    open_places: int | None = Field(description="Mentors: open places now")
    capacity: int | None
    places: str | None = Field(description="The page's words for the open places")
    has_place: bool
    pending_request: PendingBetween | None


class Relaxation(Schema):
    count: int
    remove: str = Field(description="The filter whose removal finds the most")


class SearchPage(Schema):
    items: list[SearchHit]
    count: int
    suggested: bool = Field(description="The search started from your own criteria (no s=1)")
    filters: list[str] = Field(description="The active criteria and filters, as the page's chips")
    messages: list[str] = Field(description="What the search could not use, and why")
    relaxation: Relaxation | None


class SearchParams(Schema):
    """The Find a Mentor / Find a Mentee page's own URL parameters: a page's query string can be
    copied as it is."""

    s: bool = Field(False, description="1: the criteria are these (else your own, suggested)")
    sg: bool = Field(False, description="1: a keyword search from the suggestion")
    o: list[int] = Field([], description="Criterion option ids (repeat the parameter)")
    q: str = Field("", description="Keywords", max_length=1000)
    country: str = Field("", max_length=100)
    tz: str = Field("", max_length=100, description="Time zone, e.g. America/Chicago")
    open: bool = Field(False, description="1: only mentors with an open place (with s=1)")
    sort: Literal["best", "name", "newest", "active"] = "best"
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=10_000)


class RequestOut(Schema):
    id: int
    status: Literal["pending", "accepted", "declined", "withdrawn", "expired"]
    direction: Literal["sent", "received"]
    my_role: Literal["mentor", "mentee"]
    other: MemberCard
    message: str
    goals: str
    decline_reason: str
    decline_note: str
    created_at: str
    answered_at: str | None
    relationship_id: int | None


class RequestPage(Schema):
    items: list[RequestOut]
    count: int


class SendRequest(Schema):
    model_config = {"extra": "forbid"}

    recipient: int = Field(description="The member's id (member_id in search results)")
    role: Literal["mentor", "mentee"] = Field(description="The role you ask them to take")
    message: str = Field("", max_length=RequestForm.base_fields["message"].max_length)
    goals: str = Field("", max_length=RequestForm.base_fields["goals"].max_length)


class DeclineIn(Schema):
    model_config = {"extra": "forbid"}

    reason: Literal[tuple(DeclineReason.values)]  # type: ignore[valid-type]
    note: str = Field("", max_length=DeclineForm.base_fields["note"].max_length)


class Plan(Schema):
    rhythm: str
    meeting_format: str
    planned_months: int
    goals: str


class CheckInOut(Schema):
    id: int
    met_on: str
    note: str
    shared: bool
    mine: bool


class RelationshipOut(Schema):
    id: int
    state: Literal["active", "completed"]
    my_role: Literal["mentor", "mentee"]
    partner: MemberCard
    plan: Plan
    started_at: str
    planned_end: str
    next_meeting: str | None
    completed_at: str | None
    outcome: str
    note_to_partner: str
    check_ins: list[CheckInOut] = Field(description="Shared ones, and your own private ones")


class RelationshipPage(Schema):
    items: list[RelationshipOut]
    count: int


# --- Shared pieces ---------------------------------------------------------------------------


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _photo_url(user_id: int, photo) -> str | None:
    return reverse("members:photo", args=[user_id, "thumb"]) if photo else None


def _card(profile, viewer, *, with_contact: bool = True) -> dict:
    """A member's public card; contact details only if their profile page would show them."""
    contact = None
    if with_contact and profile.contact_visible_to(viewer):
        contact = {
            "email": profile.public_contact_email,
            "phone": profile.phone,
            "linkedin_url": profile.linkedin_url,
        }
    return {
        "member_id": profile.user_id,
        "name": profile.full_name,
        "job_title": profile.job_title,
        "organization": profile.organization,
        "location": profile.location,
        "profile_url": profile.get_absolute_url(),
        "photo_url": _photo_url(profile.user_id, profile.photo),
        "contact": contact,
    }


def _profile_of(user) -> Profile:
    return user.profile if hasattr(user, "profile") else ensure_profile(user)


def _me(request):
    scope(request, Scope.ME)
    return request.user


def _id(value: int) -> int:
    """An id the database can hold; anything larger names nothing (404, as the pages' URLs)."""
    if not 1 <= value <= MAX_ID:
        raise HttpError(404, "No such thing, or not one this token may see.")
    return value


def _form_problem(request, form, body: str):
    """The page form's errors as a 422 problem, located as ninja locates its own
    (body.<parameter>.<field>)."""
    errors = [
        {"location": f"body.{body}" + (f".{field}" if field != "__all__" else ""), "message": m}
        for field, messages in form.errors.items()
        for m in messages
    ]
    return problem(request, 422, "The request's input is not valid.", errors=errors)


# --- Profile ---------------------------------------------------------------------------------


def _my_profile(profile) -> dict:
    return {
        "member_id": profile.user_id,
        "account_email": profile.user.email,
        **{
            name: getattr(profile, name)
            for name in ProfileForm.Meta.fields
            if name not in ("country",)
        },
        "country": profile.country_code,
        "photo_url": _photo_url(profile.user_id, profile.photo),
        "profile_url": profile.get_absolute_url(),
        "is_complete": profile.is_complete,
        "missing": profile.missing_parts(),
    }


@router.get("/profile", response=MyProfile, summary="My profile", url_name="me_profile")
def get_profile(request):
    return _my_profile(ensure_profile(_me(request)))


@router.patch(
    "/profile", response=MyProfile, summary="Change my profile", url_name="me_profile_change"
)
def change_profile(request, changes: ProfileChange):
    """The profile page's rules (members/forms.py ProfileForm) and save (update_profile)."""
    profile = ensure_profile(_me(request))
    data = _my_profile(profile)
    data.update({name: value or "" for name, value in changes.dict(exclude_unset=True).items()})
    # The form writes what it cleans onto its instance: give it a copy, not the stored profile.
    form = ProfileForm(data, instance=Profile.objects.get(pk=profile.pk))
    if not form.is_valid():
        return _form_problem(request, form, "changes")
    profile = update_profile(profile, fields=form.profile_fields())
    return _my_profile(profile)


# --- Enrollments -----------------------------------------------------------------------------


def _my_enrollment(enrollment, program) -> dict:
    status = enrollment.participation_status()
    is_mentor = enrollment.role == Role.MENTOR
    return {
        "role": enrollment.role,
        "role_label": program.role_label(enrollment.role),
        "status": enrollment.status,
        "participation": {
            "active": status["active"],
            "text": status["text"],
            "until": _iso(status.get("until")),
            "ended": _iso(status.get("ended")),
        },
        "statement": enrollment.statement,
        "criteria": [
            {
                "option_id": choice.option_id,
                "label": choice.option.label,
                "category_id": choice.option.category_id,
                "category": choice.option.category.name,
            }
            for choice in sorted(
                enrollment.choices.all(),
                key=lambda c: (c.option.category.order, c.option.category.name, c.option.order),
            )
        ],
        "max_mentees": enrollment.max_mentees,
        "active_mentees": enrollment.active_mentees if is_mentor else None,
        "open_places": enrollment.open_places if is_mentor else None,
        "return_date": _iso(enrollment.return_date),
        "available_until": _iso(enrollment.available_until),
        "created_at": enrollment.created_at.isoformat(),
    }


def _enrollments_of(member):
    return (
        Enrollment.objects.filter(user=member)
        .with_open_places()
        .select_related("user")
        .prefetch_related("choices__option__category")
        .order_by("role")
    )


@router.get(
    "/enrollments", response=list[MyEnrollment], summary="My enrollments", url_name="me_enrollments"
)
def list_enrollments(request):
    program = ProgramSettings.current()
    return [_my_enrollment(e, program) for e in _enrollments_of(_me(request))]


@router.get(
    "/criteria/{role:role}",
    response=list[CriteriaCategory],
    summary="The criteria to choose from when enrolling in a role",
    url_name="me_criteria",
)
def list_criteria(request, role: Literal["mentor", "mentee"]):
    """The categories and options the enrollment page offers for `role` (their ids go in
    PUT /me/enrollments/{role:role})."""
    _me(request)
    categories, _, _ = find.criteria_for(role)
    return [
        {
            "category_id": category.pk,
            "name": category.name,
            "help": category.help_for(role),
            "multiple": category.multiple,
            "options": [{"option_id": o.pk, "label": o.label} for o in category.active_options],
        }
        for category in categories
    ]


@router.put(
    "/enrollments/{role:role}",
    response={200: MyEnrollment, 201: MyEnrollment},
    summary="Enroll, or change my enrollment",
    url_name="me_enrollment",
)
def put_enrollment(request, role: Literal["mentor", "mentee"], enrollment: EnrollmentIn):
    """The enrollment page: its form's rules, then the same service (enroll); a withdrawn
    enrollment comes back active."""
    me = _me(request)
    program = ProgramSettings.current()
    existing = Enrollment.objects.filter(user=me, role=role).first()
    # The page's form takes the options per category: sort the ids into its fields.
    form_data = QueryDict(mutable=True)
    form_data["statement"] = enrollment.statement
    if enrollment.max_mentees is not None:
        form_data["max_mentees"] = str(enrollment.max_mentees)
    elif role == Role.MENTOR:
        form_data["max_mentees"] = str(
            existing.max_mentees if existing else program.recommended_mentees
        )
    categories = dict(
        CriterionOption.objects.filter(
            pk__in=[i for i in enrollment.options if 1 <= i <= MAX_ID]
        ).values_list("pk", "category_id")
    )
    if unknown := [i for i in enrollment.options if i not in categories]:
        return problem(
            request,
            422,
            "The request's input is not valid.",
            errors=[
                {"location": "body.enrollment.options", "message": f"No such option: {i}."}
                for i in unknown
            ],
        )
    for option_id in enrollment.options:
        form_data.appendlist(f"category_{categories[option_id]}", str(option_id))
    form = EnrollmentForm(form_data, role=role, program=program, enrollment=existing)
    # An option of a category not asked of this role has no field on the form: the service's
    # own check refuses it (409), as it would refuse one posted to the page.
    if any(f"category_{categories[i]}" not in form.fields for i in enrollment.options):
        enrollment_service.check_options(role, enrollment.options)
    if not form.is_valid():
        return _form_problem(request, form, "enrollment")
    was_enrolled = existing is not None and not existing.is_withdrawn
    enrollment_service.enroll(
        me,
        role,
        option_ids=form.option_ids(),
        statement=form.cleaned_data["statement"],
        max_mentees=form.cleaned_data.get("max_mentees"),
    )
    saved = _enrollments_of(me).get(role=role)
    return Status(200 if was_enrolled else 201, _my_enrollment(saved, program))


# --- Search ----------------------------------------------------------------------------------


def _search(request, target_role: str, params: SearchParams) -> dict:
    me = _me(request)
    program = ProgramSettings.current()
    query = QueryDict(mutable=True)
    for name, on in (("s", params.s), ("sg", params.sg), ("open", params.open)):
        if on:
            query[name] = "1"
    query.setlist("o", [str(option_id) for option_id in params.o])
    for name in ("q", "country", "tz", "sort"):
        if value := getattr(params, name):
            query[name] = value
    # A page of `limit` from `offset`: the search puts in order only the rows up to its page.
    aligned = params.offset % params.limit == 0
    page_size = params.limit if aligned else params.offset + params.limit
    query["page"] = str(params.offset // params.limit + 1 if aligned else 1)
    found = find.find(query, member=me, target_role=target_role, page_size=page_size)
    if found is None:
        searcher = Role.MENTEE if target_role == Role.MENTOR else Role.MENTOR
        raise HttpError(
            409,
            f"Enroll as a {program.role_label(searcher).lower()} to find "
            f"{program.role_label(target_role, plural=True).lower()}.",
        )
    results = found.results
    rows = []
    if params.offset < results.total:
        rows = find.result_rows(results, found.form, program)
        if not aligned:
            rows = rows[params.offset :]
    return {
        "items": [
            {
                "member": _card(row["profile"], me, with_contact=False),
                "roles": [r["kind"] for r in row["ribbons"]],
                "last_active": row["last_active"],
                "score": row["score"],
                "explanation": row["explanation"],
                "open_places": row["open_places"],
                "capacity": row["capacity"],
                "places": row["places"],
                "has_place": row["has_place"],
                "pending_request": {"sent": row["pending"]["sent"]} if row["pending"] else None,
            }
            for row in rows
        ],
        "count": results.total,
        "suggested": found.form.suggested,
        "filters": [chip.label for chip in found.form.chips],
        "messages": found.form.messages,
        "relaxation": {
            "count": found.relaxation["count"],
            "remove": found.relaxation["chip"].label,
        }
        if found.relaxation
        else None,
    }


# Searching needs an enrollment in the other role, as the page asks: a 409 problem without one.
NOT_ENROLLED = {
    "responses": {
        409: {
            "description": "Not enrolled in the role that searches (a mentee finds mentors).",
            "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    }
}


@router.get(
    "/search/mentors",
    response=SearchPage,
    summary="Find a Mentor",
    url_name="me_search_mentors",
    openapi_extra=NOT_ENROLLED,
)
def search_mentors(request, params: Query[SearchParams]):
    """The Find a Mentor page's search, scores and explanations, for an enrolled mentee."""
    return _search(request, Role.MENTOR, params)


@router.get(
    "/search/mentees",
    response=SearchPage,
    summary="Find a Mentee",
    url_name="me_search_mentees",
    openapi_extra=NOT_ENROLLED,
)
def search_mentees(request, params: Query[SearchParams]):
    """The Find a Mentee page's search, scores and explanations, for an enrolled mentor."""
    return _search(request, Role.MENTEE, params)


# --- Requests --------------------------------------------------------------------------------


def _request_out(item: MentoringRequest, me) -> dict:
    sent = item.requester_id == me.pk
    other = item.recipient if sent else item.requester
    return {
        "id": item.pk,
        "status": item.status,
        "direction": "sent" if sent else "received",
        "my_role": item.requester_role if sent else item.recipient_role,
        "other": _card(_profile_of(other), me),
        "message": item.message,
        "goals": item.goals,
        "decline_reason": item.decline_reason,
        "decline_note": item.decline_note,
        "created_at": item.created_at.isoformat(),
        "answered_at": _iso(item.answered_at),
        "relationship_id": getattr(getattr(item, "relationship", None), "pk", None),
    }


def _requests_of(me):
    return MentoringRequest.objects.filter(Q(recipient=me) | Q(requester=me)).select_related(
        "relationship"
    )


def _one_request(me, request_id: int) -> dict:
    item = _requests_of(me).get(pk=request_id)
    Profile.objects.attach_to([item], "requester", "recipient")
    return _request_out(item, me)


@router.get(
    "/requests",
    response=RequestPage,
    summary="My requests, sent and received",
    url_name="me_requests",
)
def list_requests(
    request,
    page: Query[Pages.Input],
    status: Literal["pending", "accepted", "declined", "withdrawn", "expired"] | None = None,
):
    me = _me(request)
    mine = _requests_of(me).order_by("-created_at", "-pk")
    if status:
        mine = mine.filter(status=status)
    items = Profile.objects.attach_to(
        mine[page.offset : page.offset + page.limit], "requester", "recipient"
    )
    return {"items": [_request_out(item, me) for item in items], "count": mine.count()}


@router.post(
    "/requests", response={201: RequestOut}, summary="Send a request", url_name="me_request_send"
)
def send_request(request, body: SendRequest):
    """Ask a member to be your mentor (role "mentor") or mentee: the request page's form and rules."""
    me = _me(request)
    recipient = get_object_or_404(
        Profile.objects.listed().select_related("user"), user_id=_id(body.recipient)
    )
    form = RequestForm({"message": body.message, "goals": body.goals})
    if not form.is_valid():
        return _form_problem(request, form, "body")
    sent = request_service.send_request(
        me,
        recipient.user,
        recipient_role=body.role,
        message=form.cleaned_data["message"],
        goals=form.cleaned_data["goals"],
    )
    return Status(201, _one_request(me, sent.pk))


@router.post(
    "/requests/{id:request_id}/accept",
    response={200: RelationshipOut},
    summary="Accept a request sent to me",
    url_name="me_request_accept",
)
def accept_request(request, request_id: int):
    """The relationship starts (or, if already accepted, is returned as it is)."""
    me = _me(request)
    relationship = request_service.accept_request(_id(request_id), me)
    return _one_relationship(me, relationship.pk)


@router.post(
    "/requests/{id:request_id}/decline",
    response=RequestOut,
    summary="Decline a request sent to me",
    url_name="me_request_decline",
)
def decline_request(request, request_id: int, body: DeclineIn):
    me = _me(request)
    form = DeclineForm({"reason": body.reason, "note": body.note})
    if not form.is_valid():
        return _form_problem(request, form, "body")
    request_service.decline_request(_id(request_id), me, **form.cleaned_data)
    return _one_request(me, request_id)


@router.post(
    "/requests/{id:request_id}/withdraw",
    response=RequestOut,
    summary="Withdraw a request I sent",
    url_name="me_request_withdraw",
)
def withdraw_request(request, request_id: int):
    me = _me(request)
    request_service.withdraw_request(_id(request_id), me)
    return _one_request(me, request_id)


# --- Relationships ---------------------------------------------------------------------------


def _relationships_of(me):
    return (
        Relationship.objects.of(me)
        .prefetch_related(
            Prefetch("check_ins", queryset=CheckIn.objects.seen_by(me).order_by("-met_on", "-pk"))
        )
        .order_by("-started_at", "-pk")
    )


def _relationship_out(relationship: Relationship, me) -> dict:
    partner = relationship.partner_of(me)
    return {
        "id": relationship.pk,
        "state": relationship.status,
        "my_role": Role.MENTOR if relationship.mentor_id == me.pk else Role.MENTEE,
        "partner": _card(_profile_of(partner), me),
        "plan": {
            "rhythm": relationship.rhythm,
            "meeting_format": relationship.meeting_format,
            "planned_months": relationship.planned_months,
            "goals": relationship.goals,
        },
        "started_at": relationship.started_at.isoformat(),
        "planned_end": relationship.planned_end.isoformat(),
        "next_meeting": _iso(relationship.next_planned_meeting())
        if relationship.status == "active"
        else None,
        "completed_at": _iso(relationship.completed_at),
        "outcome": relationship.outcome,
        "note_to_partner": relationship.note_to_partner,
        "check_ins": [
            {
                "id": check_in.pk,
                "met_on": check_in.met_on.isoformat(),
                "note": check_in.note,
                "shared": check_in.shared,
                "mine": check_in.author_id == me.pk,
            }
            for check_in in relationship.check_ins.all()
        ],
    }


def _one_relationship(me, relationship_id: int) -> dict:
    relationship = _relationships_of(me).get(pk=relationship_id)
    Profile.objects.attach_to([relationship], "mentor", "mentee")
    return _relationship_out(relationship, me)


@router.get(
    "/relationships",
    response=RelationshipPage,
    summary="My mentoring relationships",
    url_name="me_relationships",
)
def list_relationships(
    request,
    page: Query[Pages.Input],
    state: Literal["active", "completed"] | None = None,
):
    me = _me(request)
    mine = _relationships_of(me)
    if state:
        mine = mine.filter(status=state)
    items = Profile.objects.attach_to(
        mine[page.offset : page.offset + page.limit], "mentor", "mentee"
    )
    return {"items": [_relationship_out(item, me) for item in items], "count": mine.count()}


@router.get(
    "/relationships/{id:relationship_id}",
    response=RelationshipOut,
    summary="One relationship",
    url_name="me_relationship",
)
def get_relationship(request, relationship_id: int):
    me = _me(request)
    if not _relationships_of(me).filter(pk=_id(relationship_id)).exists():
        raise HttpError(404, "No such thing, or not one this token may see.")
    return _one_relationship(me, relationship_id)
