"""Write flows for enrollment. Each checks the rules, raises EnrollmentError with a message a member
can act on, and changes state in one transaction. Views and forms hold no rules of their own."""

from collections import Counter
from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.utils import timezone

from members.models import Profile
from mentoring import emails
from mentoring.models import (
    MAX_MENTEES,
    MIN_MENTEES,
    CriterionOption,
    Enrollment,
    EnrollmentChoice,
    EnrollmentStatus,
    ProgramSettings,
    Role,
)
from mentoring.services.errors import EnrollmentError
from mentoring.services.requests import close_requests_of_withdrawn
from mentoring.timeline import record


def _check_profile(user):
    # Read the stored profile, not a copy cached on the user object.
    profile = Profile.objects.filter(user=user).first()
    if profile is None or not profile.is_complete:
        raise EnrollmentError(
            "Please complete your profile (first and last name and job title) before you enroll."
        )


def check_options(role: str, option_ids: Iterable[int]) -> list[CriterionOption]:
    """The chosen options, checked: each exists, is active, belongs to a category for this role,
    and single-choice categories have at most one choice."""
    ids = set(option_ids)
    options = list(CriterionOption.objects.select_related("category").filter(pk__in=ids))
    if len(options) != len(ids):
        raise EnrollmentError("One of the chosen options does not exist. Please choose again.")
    for option in options:
        if not (option.is_active and option.category.is_active):
            raise EnrollmentError(f"“{option.label}” is no longer offered. Please choose again.")
        if not option.category.applies_to_role(role):
            raise EnrollmentError(
                f"“{option.label}” belongs to {option.category.name}, which is not asked of "
                f"{role}s."
            )
    per_category = Counter(option.category for option in options)
    for category, count in per_category.items():
        if count > 1 and not category.multiple:
            raise EnrollmentError(f"Choose only one option for {category.name}.")
    if not options:
        raise EnrollmentError("Choose at least one option, so that others can find you.")
    return options


def _check_capacity(max_mentees):
    if max_mentees is None or not (MIN_MENTEES <= max_mentees <= MAX_MENTEES):
        raise EnrollmentError(
            f"The number of mentees must be between {MIN_MENTEES} and {MAX_MENTEES}."
        )


def _check_dates(status, return_date: date | None, available_until: date | None, today: date):
    if return_date is not None:
        if status != EnrollmentStatus.PAUSED:
            raise EnrollmentError(
                "A return date goes with Temporarily Not Participating; tick that box or clear the date."
            )
        if return_date <= today:
            raise EnrollmentError("The return date must be in the future.")
    if available_until is not None and available_until < today:
        raise EnrollmentError("The availability end date cannot be in the past.")


def _replace_choices(enrollment: Enrollment, options: list[CriterionOption]):
    """Set the member's current choices. Choices of options staff have since deactivated are kept:
    the member could not see them on the form, so they did not mean to drop them."""
    keep_inactive = enrollment.choices.exclude(
        option__in=CriterionOption.objects.active()
    ).values_list("option_id", flat=True)
    wanted = {option.pk for option in options} | set(keep_inactive)
    enrollment.choices.exclude(option_id__in=wanted).delete()
    existing = set(enrollment.choices.values_list("option_id", flat=True))
    EnrollmentChoice.objects.bulk_create(
        EnrollmentChoice(enrollment=enrollment, option_id=option_id)
        for option_id in sorted(wanted - existing)
    )


@transaction.atomic
def enroll(
    user,
    role: str,
    *,
    option_ids: Iterable[int],
    statement: str = "",
    max_mentees: int | None = None,
) -> Enrollment:
    """Enroll `user` in `role`, or update their enrollment; a withdrawn enrollment comes back active.
    Enrolling and coming back go on the enrollment's timeline."""
    if role not in Role.values:
        raise EnrollmentError("Unknown role.")
    _check_profile(user)
    options = check_options(role, option_ids)
    if role == Role.MENTOR:
        if max_mentees is None:
            max_mentees = ProgramSettings.current().recommended_mentees
        _check_capacity(max_mentees)
    else:
        max_mentees = None
    enrollment = Enrollment.objects.select_for_update().filter(
        user=user, role=role
    ).first() or Enrollment(user=user, role=role)
    is_new = enrollment._state.adding
    came_back = enrollment.status == EnrollmentStatus.WITHDRAWN
    enrollment.statement = statement.strip()
    enrollment.max_mentees = max_mentees
    if came_back:
        enrollment.status = EnrollmentStatus.ACTIVE
        enrollment.withdrawn_at = None
    enrollment.save()
    _replace_choices(enrollment, options)
    if is_new or came_back:
        record(
            actor=user,
            enrollment=enrollment,
            from_state="" if is_new else EnrollmentStatus.WITHDRAWN,
            to_state=EnrollmentStatus.ACTIVE,
        )
    return enrollment


@transaction.atomic
def set_participation(
    enrollment: Enrollment,
    *,
    paused: bool,
    return_date: date | None = None,
    available_until: date | None = None,
    max_mentees: int | None = None,
    today: date | None = None,
    by=None,
) -> Enrollment:
    """Mentor/Mentee Status: Active or Temporarily Not Participating, dates and (mentors) capacity.
    A change between the two goes on the enrollment's timeline (`by`: who made it, the member by
    default)."""
    today = today or timezone.localdate()
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if enrollment.is_withdrawn:
        raise EnrollmentError("This enrollment was withdrawn; enroll again first.")
    status = EnrollmentStatus.PAUSED if paused else EnrollmentStatus.ACTIVE
    _check_dates(status, return_date, available_until, today)
    if enrollment.role == Role.MENTOR:
        _check_capacity(max_mentees)
        enrollment.max_mentees = max_mentees
        enrollment.available_until = available_until
    elif available_until is not None:
        raise EnrollmentError("An availability end date applies to mentors only.")
    was = enrollment.status
    enrollment.status = status
    enrollment.return_date = return_date if paused else None
    enrollment.save()
    if was != status:
        note = f"until {return_date:%B %-d, %Y}" if paused and return_date else ""
        record(
            actor=by or enrollment.user,
            enrollment=enrollment,
            from_state=was,
            to_state=status,
            note=note,
        )
    return enrollment


def capacity_note(enrollment: Enrollment) -> str:
    """What a mentor's limit means now, when it is reached or below their current mentees:
    nobody is dropped, and no new request comes until a place opens. Empty otherwise."""
    if enrollment.role != Role.MENTOR:
        return ""
    counted = Enrollment.objects.with_open_places().get(pk=enrollment.pk)
    if counted.open_places > 0:
        return ""
    label = ProgramSettings.current().mentee_label_plural.lower()
    return (
        f"You mentor {counted.active_mentees} {label} and your limit is {counted.max_mentees}: "
        "members cannot send you new requests until a place opens. Nobody is dropped; your "
        "relationships go on as they are."
    )


@transaction.atomic
def withdraw(enrollment: Enrollment, *, by=None) -> Enrollment:
    """Leave the role: hidden from searches at once. Choices are kept for a later return.

    Active mentoring relationships are not touched; they go on until completed. Pending requests
    in the role are closed, so no one waits for an answer that will not come.
    """

    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if enrollment.is_withdrawn:
        raise EnrollmentError("You have already withdrawn from this role.")
    was = enrollment.status
    enrollment.status = EnrollmentStatus.WITHDRAWN
    enrollment.return_date = None
    enrollment.withdrawn_at = timezone.now()
    enrollment.save()
    record(
        actor=by or enrollment.user,
        enrollment=enrollment,
        from_state=was,
        to_state=EnrollmentStatus.WITHDRAWN,
    )
    close_requests_of_withdrawn(enrollment.user, enrollment.role)
    return enrollment


def resume_returning(today: date | None = None) -> int:
    """Temporarily Not Participating members whose return date has come are active again, and
    told so. Each is claimed with a conditional update, so a second run sends nothing."""
    today = today or timezone.localdate()
    due = Enrollment.objects.filter(
        status=EnrollmentStatus.PAUSED, return_date__lte=today
    ).values_list("pk", flat=True)
    resumed = 0
    for enrollment_id in list(due):
        with transaction.atomic():
            claimed = Enrollment.objects.filter(
                pk=enrollment_id, status=EnrollmentStatus.PAUSED, return_date__lte=today
            ).update(status=EnrollmentStatus.ACTIVE, return_date=None, updated_at=timezone.now())
            if claimed:
                enrollment = Enrollment.objects.select_related("user__profile").get(
                    pk=enrollment_id
                )
                record(
                    actor=None,
                    enrollment=enrollment,
                    from_state=EnrollmentStatus.PAUSED,
                    to_state=EnrollmentStatus.ACTIVE,
                    note="the return date came",
                )
                emails.participation_resumed(enrollment)
                resumed += 1
    return resumed


@transaction.atomic
def pause_for_member(
    enrollment: Enrollment, *, reason: str, return_date: date | None = None, staff=None
):
    """Program staff mark a mentor Temporarily Not Participating, with a reason; the mentor is told.
    Their relationships go on; they are hidden from searches until the return date, if any."""
    if not reason.strip():
        raise EnrollmentError("Give a reason: it is recorded and the member is told.")
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if enrollment.is_withdrawn:
        raise EnrollmentError("This member has withdrawn from the role.")
    if enrollment.status == EnrollmentStatus.PAUSED:
        raise EnrollmentError("This member is already Temporarily Not Participating.")
    _check_dates(EnrollmentStatus.PAUSED, return_date, None, timezone.localdate())
    was = enrollment.status
    enrollment.status = EnrollmentStatus.PAUSED
    enrollment.return_date = return_date
    enrollment.save()
    record(
        actor=staff,
        enrollment=enrollment,
        from_state=was,
        to_state=EnrollmentStatus.PAUSED,
        note=f"by program staff: {reason.strip()}",
        note_for=enrollment.user,
    )
    label = ProgramSettings.current().role_label(enrollment.role).lower()
    until = f" until {return_date:%B %-d, %Y}" if return_date else ""
    emails.staff_acted(
        enrollment.user, f"marked you Temporarily Not Participating as a {label}{until}", reason
    )
    return enrollment
