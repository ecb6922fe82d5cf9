"""The start page. A visitor reads what Mentor Match is; a signed-in member gets their home: what
waits for their answer, their active relationships with the next planned check-in, their status in
each role, what their profile lacks, and the first few of Find a Mentor's (or Find a Mentee's)
suggestions."""

from django.shortcuts import render

from members.models import Profile
from mentoring.models import (
    Enrollment,
    MentoringRequest,
    ProgramSettings,
    Relationship,
    RequestStatus,
    Role,
)
from mentoring.views import suggested_for

# How many waiting requests and suggested members the home page lists; the rest are a link away.
AWAITING_SHOWN = 5
SUGGESTIONS_SHOWN = 3


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
    awaiting = list(
        MentoringRequest.objects.filter(recipient=me, status=RequestStatus.PENDING).order_by(
            "created_at"
        )[:AWAITING_SHOWN]
    )
    active = list(Relationship.objects.active().of(me).order_by("started_at"))
    # The members on the page with their profiles, in one query (members.models).
    Profile.objects.attach_to([*awaiting, *active], "requester", "mentor", "mentee")
    relationships = [
        {
            "relationship": rel,
            "partner": rel.partner_of(me).profile,
            "partner_role": Role.MENTEE if rel.mentor_id == me.pk else Role.MENTOR,
            "next_meeting": rel.next_planned_meeting(),
        }
        for rel in active
    ]
    partners = {item["partner"].user_id for item in relationships}
    profile = me.profile
    context = {
        "profile": profile,
        "profile_gaps": profile.missing_parts(),
        "awaiting": awaiting,
        "relationships": relationships,
        "roles": [
            {
                "role": role,
                "label": program.role_label(role),
                "enrollment": enrollments.get(role),
                "status": enrollments[role].participation_status() if role in enrollments else None,
            }
            for role in (Role.MENTOR, Role.MENTEE)
        ],
        "suggestions": [
            suggested_for(me, enrollments[role], program, count=SUGGESTIONS_SHOWN, skip=partners)
            for role in (Role.MENTEE, Role.MENTOR)
            if role in enrollments
        ],
    }
    return render(request, "home_member.html", context)
