"""What mentoring adds to member pages: ribbons and the enrollment section of a profile."""

from itertools import groupby

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince

from mentoring.models import (
    Enrollment,
    EnrollmentChoice,
    MentoringRequest,
    ProgramSettings,
    Relationship,
    RequestStatus,
    Role,
)


def ribbon(role, program):
    """The ribbon a member wears for an enrollment in `role`."""
    return {"label": program.role_label(role), "kind": role}


def ribbons(user_ids):
    program = ProgramSettings.current()
    result = {}
    rows = Enrollment.objects.enrolled().filter(user_id__in=user_ids).values_list("user_id", "role")
    # Mentor first, then mentee, whatever the database's ordering.
    for user_id, role in sorted(rows, key=lambda row: row[1] != Role.MENTOR):
        result.setdefault(user_id, []).append(ribbon(role, program))
    return result


def ago(when, now=None) -> str:
    """'today', 'yesterday', '3 days ago', '2 weeks ago': how long a request has been waiting."""
    now = now or timezone.now()
    days = (timezone.localdate(now) - timezone.localdate(when)).days
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    return f"{timesince(when, now, depth=1)} ago"


def pending_requests(viewer_id, member_ids, member_role) -> dict[int, dict]:
    """The request waiting for an answer between the viewer and each of `member_ids`, where the
    member is (or would be) the `member_role`, in one query: {member id: {"sent": whether the
    viewer sent it, "ago": since when, "url": where to withdraw or answer it}}."""
    member_field, viewer_field = (
        ("mentor_id", "mentee_id") if member_role == Role.MENTOR else ("mentee_id", "mentor_id")
    )
    waiting = MentoringRequest.objects.filter(
        status=RequestStatus.PENDING,
        **{viewer_field: viewer_id, f"{member_field}__in": list(member_ids)},
    ).values_list("pk", member_field, "requester_id", "created_at")
    return {
        member_id: {
            "sent": requester_id == viewer_id,
            "ago": ago(created_at),
            "url": reverse("mentoring:withdraw_request", args=[pk])
            if requester_id == viewer_id
            else reverse("mentoring:relationships"),
        }
        for pk, member_id, requester_id, created_at in waiting
    }


def are_partners(user_id, other_id) -> bool:
    """Members in a relationship, active or past, see each other's contact details."""
    return Relationship.objects.filter(
        Q(mentor_id=user_id, mentee_id=other_id) | Q(mentor_id=other_id, mentee_id=user_id)
    ).exists()


def grouped_choices(enrollment):
    """[(category, [option labels])] of the enrollment's currently offered options, in form order."""
    choices = (
        EnrollmentChoice.objects.filter(
            enrollment=enrollment, option__is_active=True, option__category__is_active=True
        )
        .select_related("option__category")
        .order_by(
            "option__category__order", "option__category__name", "option__order", "option__label"
        )
    )
    return [
        (category, [choice.option.label for choice in group])
        for category, group in groupby(choices, key=lambda choice: choice.option.category)
    ]


def profile_sections(request, profile):
    program = ProgramSettings.current()
    enrollments = {
        enrollment.role: enrollment
        for enrollment in Enrollment.objects.enrolled().filter(user_id=profile.user_id)
    }
    is_own = request.user.pk == profile.user_id
    if not enrollments and not is_own:
        return []
    items = [
        {
            "role": role,
            "label": program.role_label(role),
            "enrollment": enrollments.get(role),
            "criteria": grouped_choices(enrollments[role]) if role in enrollments else [],
        }
        for role in (Role.MENTOR, Role.MENTEE)
        if role in enrollments or is_own
    ]
    sections = [
        (
            "mentoring/_profile_enrollments.html",
            {"items": items, "is_own": is_own, "program": program, "member_id": profile.user_id},
        )
    ]
    actions = [] if is_own else _request_actions(request.user, profile, enrollments, program)
    if actions:
        # The FAQ's badge below the profile picture sends the request.
        sections.insert(
            0, ("mentoring/_profile_request.html", {"under_photo": True, "actions": actions})
        )
    return sections


def _request_actions(viewer, profile, enrollments, program):
    """The badges under a profile's photo: one per role the viewer may request this member in
    (they hold the other role themselves and the member is participating in it)."""
    viewer_roles = set(
        Enrollment.objects.enrolled().filter(user=viewer).values_list("role", flat=True)
    )
    actions = []
    for role in (Role.MENTOR, Role.MENTEE):
        enrollment = enrollments.get(role)
        other = Role.MENTEE if role == Role.MENTOR else Role.MENTOR
        if enrollment is None or other not in viewer_roles or not enrollment.is_participating():
            continue
        has_place = role != Role.MENTOR or enrollment.open_places() > 0
        actions.append(
            {
                "role": role,
                "label": program.role_label(role),
                "name": profile.full_name,
                "href": reverse("mentoring:send_request", args=[role, profile.user_id])
                if has_place
                else "",
                "pending": pending_requests(viewer.pk, [profile.user_id], role).get(
                    profile.user_id
                ),
            }
        )
    return actions
