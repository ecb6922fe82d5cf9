"""What mentoring adds to member pages: ribbons and the enrollment section of a profile."""

from itertools import groupby

from django.db.models import Q

from mentoring.models import Enrollment, EnrollmentChoice, ProgramSettings, Relationship, Role


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
    # Roles the viewer may request this member in: they hold the other role themselves.
    viewer_roles = set(
        Enrollment.objects.enrolled().filter(user=request.user).values_list("role", flat=True)
    )
    items = [
        {
            "role": role,
            "label": program.role_label(role),
            "enrollment": enrollments.get(role),
            "criteria": grouped_choices(enrollments[role]) if role in enrollments else [],
            "can_request": not is_own
            and role in enrollments
            and enrollments[role].is_participating()
            and (Role.MENTEE if role == Role.MENTOR else Role.MENTOR) in viewer_roles,
        }
        for role in (Role.MENTOR, Role.MENTEE)
        if role in enrollments or is_own
    ]
    return [
        (
            "mentoring/_profile_enrollments.html",
            {"items": items, "is_own": is_own, "program": program, "member_id": profile.user_id},
        )
    ]
