"""The start page. A visitor reads what Mentor Match is; a signed-in member gets their home: what
waits for their answer, their active relationships with the next planned check-in, their status in
each role, what their profile lacks, and the first few of Find a Mentor's (or Find a Mentee's)
suggestions."""

from django.http import QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from mentoring import find as find_params
from mentoring import search
from mentoring.models import (
    Enrollment,
    EnrollmentStatus,
    MentoringRequest,
    ProgramSettings,
    Relationship,
    RequestStatus,
    Role,
)
from mentoring.views import _result_rows

# How many waiting requests and suggested members the home page lists; the rest are a link away.
AWAITING_SHOWN = 5
SUGGESTIONS_SHOWN = 3

# What other members look for on a profile, in the order the home page asks for it.
PROFILE_PARTS = (
    (("first_name", "last_name"), "your name"),
    (("photo",), "a photo"),
    (("job_title",), "your job title"),
    (("organization",), "your organization"),
    (("bio",), "a short bio"),
    (("city", "country"), "where you are (city and country)"),
    (("time_zone",), "your time zone"),
)


def home(request):
    if not request.user.is_authenticated:
        return render(request, "home.html")
    me = request.user
    program = ProgramSettings.current()
    enrollments = {
        enrollment.role: enrollment
        for enrollment in Enrollment.objects.enrolled()
        .filter(user=me)
        .with_open_places()
        .select_related("user")
        .prefetch_related("choices")
    }
    now = timezone.now()
    awaiting = (
        MentoringRequest.objects.filter(recipient=me, status=RequestStatus.PENDING)
        .select_related("requester__profile")
        .order_by("created_at")[:AWAITING_SHOWN]
    )
    relationships = [
        {
            "relationship": rel,
            "partner": rel.partner_of(me).profile,
            "partner_role": Role.MENTEE if rel.mentor_id == me.pk else Role.MENTOR,
            # The next of the check-ins the pair planned (the relationship page lists them).
            "next_meeting": next((w for w in rel.planned_meetings() if w >= now), None),
        }
        for rel in Relationship.objects.active()
        .of(me)
        .select_related("mentor__profile", "mentee__profile")
        .order_by("started_at")
    ]
    partners = {item["partner"].user_id for item in relationships}
    profile = me.profile
    context = {
        "profile": profile,
        "profile_gaps": profile_gaps(profile),
        "awaiting": awaiting,
        "relationships": relationships,
        "roles": [
            {
                "role": role,
                "label": program.role_label(role),
                "enrollment": enrollments.get(role),
                "status": participation(enrollments.get(role)),
            }
            for role in (Role.MENTOR, Role.MENTEE)
        ],
        "suggestions": [
            suggestions(me, enrollments[role], program, skip=partners)
            for role in (Role.MENTEE, Role.MENTOR)
            if role in enrollments
        ],
    }
    return render(request, "home_member.html", context)


def participation(enrollment) -> dict | None:
    """What the home page says of an enrollment: Active when it takes new requests today
    (Enrollment.is_participating, the one rule), otherwise why not."""
    if enrollment is None:
        return None
    if enrollment.is_participating():
        return {"active": True, "text": "Active"}
    if enrollment.status == EnrollmentStatus.PAUSED:
        return {
            "active": False,
            "text": "Temporarily Not Participating",
            "until": enrollment.return_date,
        }
    # Active, but past the availability end date the mentor set.
    return {"active": False, "text": "Not taking new requests", "ended": enrollment.available_until}


def profile_gaps(profile) -> list[str]:
    """What the member's profile lacks of what other members look for."""
    return [
        label
        for fields, label in PROFILE_PARTS
        if not all(getattr(profile, field) for field in fields)
    ]


def suggestions(me, enrollment, program, skip=frozenset()) -> dict:
    """The first few members Find a Mentor (for a mentee) or Find a Mentee (for a mentor) suggests
    when opened: the same form and search with a shorter page, less the member's current partners
    (`skip`), and how many it suggests in all."""
    target_role = Role.MENTOR if enrollment.role == Role.MENTEE else Role.MENTEE
    form = find_params.build(
        QueryDict(),
        searcher=me,
        own_option_ids=[choice.option_id for choice in enrollment.choices.all()],
        target_role=target_role,
    )
    form.query.page_size = SUGGESTIONS_SHOWN + len(skip)
    results = search.run(form.query)
    rows = [
        row for row in _result_rows(results, form, program) if row["profile"].user_id not in skip
    ]
    return {
        "target_role": target_role,
        "label": program.role_label(target_role),
        "plural": program.role_label(target_role, plural=True),
        "total": results.total,
        "rows": rows[:SUGGESTIONS_SHOWN],
        "find_url": reverse(
            "mentoring:find_mentor" if target_role == Role.MENTOR else "mentoring:find_mentee"
        ),
    }
