"""Requests, a small state machine: pending → accepted | declined | withdrawn | expired.

Each function checks the state and the rules, raises RequestError with a message the member can
act on, changes state in one transaction, and writes a timeline row. Capacity is checked under a
row lock on the mentor's enrollment, so two accepts can never both take the last place; sending
locks the requester's enrollment, so two sends never pass the open-request limit together.
Emails (mentoring.emails) are stored in the same transaction and leave after the commit.
"""

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from mentoring import emails
from mentoring.models import (
    DeclineReason,
    Enrollment,
    EnrollmentStatus,
    MentoringRequest,
    ProgramSettings,
    Relationship,
    RelationshipStatus,
    RequestStatus,
    Role,
)
from mentoring.services.errors import NotYours, RequestError
from mentoring.timeline import record


@transaction.atomic
def send_request(requester, recipient, *, recipient_role: str, message: str = "", goals: str = ""):
    """A member asks another to be their mentor (recipient_role="mentor") or mentee."""
    if recipient_role not in Role.values:
        raise RequestError("Unknown role.")
    if requester.pk == recipient.pk:
        raise RequestError("You cannot send a request to yourself.")
    program = ProgramSettings.current()
    requester_role = Role.MENTEE if recipient_role == Role.MENTOR else Role.MENTOR
    label = program.role_label(recipient_role)
    # A row lock on the requester's enrollment: two sends at the same instant must not both count
    # the same waiting requests and together pass the open-request limit.
    requester_enrollment = (
        Enrollment.objects.enrolled()
        .select_for_update()
        .filter(user=requester, role=requester_role)
        .first()
    )
    if requester_enrollment is None:
        raise RequestError(
            f"Enroll as a {program.role_label(requester_role)} before you request a {label}."
        )
    if not requester_enrollment.is_participating():
        # Taking part is both ways: a member hidden from searches does not start relationships.
        own = program.role_label(requester_role)
        if requester_enrollment.status == EnrollmentStatus.PAUSED:
            raise RequestError(
                f"You are Temporarily Not Participating as a {own}. Set yourself Active on your "
                f"{own} Status page to send requests."
            )
        raise RequestError(
            f"You are not taking part as a {own} at the moment (your availability has ended). "
            f"Change it on your {own} Status page to send requests."
        )
    target = Enrollment.objects.participating().filter(user=recipient, role=recipient_role).first()
    if target is None:
        raise RequestError(f"This member is not taking {label.lower()} requests at the moment.")
    mentor, mentee = (
        (recipient, requester) if recipient_role == Role.MENTOR else (requester, recipient)
    )
    _check_pair_may_start(mentor, mentee, program, between="the two of you")
    waiting = MentoringRequest.objects.filter(
        requester=requester, status=RequestStatus.PENDING
    ).count()
    if waiting >= program.max_open_requests:
        raise RequestError(
            f"You already have {waiting} requests waiting for an answer, the most the program allows. "
            "Withdraw one or wait for an answer."
        )
    request = _create_request(
        requester,
        recipient,
        mentor=mentor,
        mentee=mentee,
        message=message,
        goals=goals,
        actor=requester,
        between="the two of you",
    )
    emails.request_received(request)
    return request


def _check_pair_may_start(mentor, mentee, program, *, between: str) -> None:
    """What a new request between `mentor` and `mentee` needs of the pair: none already waiting,
    not already together, and an open place with the mentor. `between` names the two in the
    message: "the two of you" to a member, their names to staff."""
    if MentoringRequest.objects.filter(
        mentor=mentor, mentee=mentee, status=RequestStatus.PENDING
    ).exists():
        raise RequestError(f"A request between {between} is already waiting for an answer.")
    if Relationship.objects.active().filter(mentor=mentor, mentee=mentee).exists():
        who = "You are" if between == "the two of you" else f"{between} are"
        raise RequestError(f"{who} already in a mentoring relationship together.")
    mentor_enrollment = Enrollment.objects.get(user=mentor, role=Role.MENTOR)
    if mentor_enrollment.open_places() == 0:
        raise RequestError(f"This {program.mentor_label.lower()} has no open place at the moment.")


def _create_request(requester, recipient, *, mentor, mentee, message, goals, actor, between):
    """The pending request and its timeline row (the emails are the caller's)."""
    try:
        with transaction.atomic():
            request = MentoringRequest.objects.create(
                requester=requester,
                recipient=recipient,
                mentor=mentor,
                mentee=mentee,
                message=message.strip(),
                goals=goals.strip(),
            )
    except IntegrityError:
        # A double submission (or the other member asking at the same moment) got there first.
        raise RequestError(
            f"A request between {between} is already waiting for an answer."
        ) from None
    record(actor=actor, request=request, to_state=RequestStatus.PENDING)
    return request


@transaction.atomic
def propose_request(staff, *, mentor, mentee, note: str) -> MentoringRequest:
    """A request from `mentee` to `mentor` proposed by the program (a published matching round):
    send_request's checks but the mentee's open-request limit, program staff on the timeline. The
    mentor gets the usual new-request email, the mentee one saying who, why, and that they may
    withdraw it."""
    program = ProgramSettings.current()
    mentee_label, mentor_label = program.mentee_label.lower(), program.mentor_label.lower()
    # The same lock send_request takes on the requester's enrollment.
    mentee_enrollment = (
        Enrollment.objects.enrolled()
        .select_for_update()
        .filter(user=mentee, role=Role.MENTEE)
        .first()
    )
    if mentee_enrollment is None or not mentee_enrollment.is_participating():
        raise RequestError(
            f"{mentee.profile.full_name} is not taking part as a {mentee_label} at the moment."
        )
    if not Enrollment.objects.participating().filter(user=mentor, role=Role.MENTOR).exists():
        raise RequestError(
            f"{mentor.profile.full_name} is not taking {mentor_label} requests at the moment."
        )
    between = f"{mentee.profile.full_name} and {mentor.profile.full_name}"
    _check_pair_may_start(mentor, mentee, program, between=between)
    request = _create_request(
        mentee,
        mentor,
        mentor=mentor,
        mentee=mentee,
        message=note,
        goals="",
        actor=staff,
        between=between,
    )
    emails.request_received(request)
    emails.request_proposed(request)
    return request


def _locked_request(request_id, user, *, as_recipient: bool) -> MentoringRequest:
    request = MentoringRequest.objects.select_for_update().filter(pk=request_id).first()
    owner_id = (
        request.recipient_id if request and as_recipient else getattr(request, "requester_id", None)
    )
    if request is None or owner_id != user.pk:
        raise NotYours("No such request.")
    return request


@transaction.atomic
def accept_request(request_id: int, by, *, staff=None, staff_reason: str = "") -> Relationship:
    """The recipient accepts: the relationship starts. Accepting again changes nothing.
    Program staff may accept for the recipient (`by`), with a reason; the recipient is told."""
    why = _for_member(by, staff, staff_reason)
    request = _locked_request(request_id, by, as_recipient=True)
    if request.status == RequestStatus.ACCEPTED:
        return request.relationship
    if request.status != RequestStatus.PENDING:
        raise RequestError(
            f"This request was {request.get_status_display().lower()} and can no longer be accepted."
        )
    program = ProgramSettings.current()
    mentor_enrollment = _locked_mentor_enrollment(request.mentor_id, program)
    _check_still_taking_part(request, program)
    _check_open_place(mentor_enrollment, program)
    now = timezone.now()
    request.status = RequestStatus.ACCEPTED
    request.answered_at = now
    request.save(update_fields=["status", "answered_at"])
    record(
        actor=staff or by,
        request=request,
        from_state=RequestStatus.PENDING,
        to_state=RequestStatus.ACCEPTED,
        note=why,
        note_for=by if staff else None,
    )
    relationship = _begin_relationship(
        mentor_enrollment, request.mentee_id, program, actor=staff or by, request=request, now=now
    )
    if staff:
        emails.staff_acted(
            by,
            f"accepted the request from {request.requester.profile.full_name} on your behalf",
            staff_reason,
        )
    return relationship


def _locked_mentor_enrollment(mentor_id, program) -> Enrollment:
    # A row lock: two accepts must not both see a free place.
    mentor_enrollment = (
        Enrollment.objects.select_for_update().filter(user=mentor_id, role=Role.MENTOR).first()
    )
    if mentor_enrollment is None or mentor_enrollment.is_withdrawn:
        raise RequestError(f"The {program.mentor_label.lower()} is no longer enrolled.")
    return mentor_enrollment


def _check_open_place(mentor_enrollment, program) -> None:
    # Counted after the lock is held: a count read with the lock could predate the other accept.
    if mentor_enrollment.open_places() == 0:
        raise RequestError(
            f"No open place: the {program.mentor_label.lower()} already mentors "
            f"{mentor_enrollment.max_mentees} {program.mentee_label_plural.lower()}. Raise the limit on "
            "Mentor Status or complete a relationship first."
        )


def _begin_relationship(
    mentor_enrollment, mentee_id, program, *, actor, request=None, now=None, note=""
):
    """The active relationship with the program's default plan, on the timeline, both members
    emailed; the mentor's open places changed, so the search index catches up by the timestamp."""
    now = now or timezone.now()
    relationship = Relationship.objects.create(
        mentor_id=mentor_enrollment.user_id,
        mentee_id=mentee_id,
        request=request,
        started_at=now,
        rhythm=program.default_rhythm,
        planned_months=program.default_length_months,
        goals=request.goals if request else "",
    )
    record(actor=actor, relationship=relationship, to_state=RelationshipStatus.ACTIVE, note=note)
    emails.relationship_started(relationship)
    Enrollment.objects.filter(pk=mentor_enrollment.pk).update(updated_at=now)
    return relationship


def _check_still_taking_part(request, program) -> None:
    """Both members must still have an active account and their enrollment in the request's role:
    a request from someone who has left the program, or withdrew that role, cannot start anything."""
    sides = ((request.mentor, Role.MENTOR), (request.mentee, Role.MENTEE))
    for member, role in sides:
        label = program.role_label(role).lower()
        if not member.is_active:
            raise RequestError(
                f"{member.profile.full_name} has left the program, so this request can no longer "
                "be accepted. You may decline it."
            )
        if not Enrollment.objects.enrolled().filter(user=member, role=role).exists():
            raise RequestError(
                f"{member.profile.full_name} is no longer enrolled as a {label}, so this request "
                "can no longer be accepted. You may decline it."
            )


def _for_member(member, staff, staff_reason) -> str:
    """The timeline's note when program staff act for a member."""
    if staff is None:
        return ""
    if not staff_reason.strip():
        raise RequestError("Give a reason: it is recorded and the member is told.")
    return f"by program staff for {member.profile.full_name}: {staff_reason.strip()}"


def _close(request, by, to_state, *, reason="", note="", why="", why_for=None):
    """pending → declined | withdrawn: the state, the timeline row and the email to the other side."""
    request.status = to_state
    request.answered_at = timezone.now()
    request.decline_reason = reason
    request.decline_note = note.strip()
    request.save(update_fields=["status", "answered_at", "decline_reason", "decline_note"])
    record(
        actor=by,
        request=request,
        from_state=RequestStatus.PENDING,
        to_state=to_state,
        note=why or reason,
        note_for=why_for if why else None,
    )
    if to_state == RequestStatus.DECLINED:
        emails.request_declined(request)
    else:
        emails.request_withdrawn(request)
    return request


@transaction.atomic
def decline_request(
    request_id: int, by, *, reason: str, note: str = "", staff=None, staff_reason: str = ""
) -> MentoringRequest:
    if reason not in DeclineReason.values:
        raise RequestError("Please choose a reason from the list.")
    request = _locked_request(request_id, by, as_recipient=True)
    if request.status != RequestStatus.PENDING:
        raise RequestError("This request has already been answered.")
    why = _for_member(by, staff, staff_reason)
    _close(
        request,
        staff or by,
        RequestStatus.DECLINED,
        reason=reason,
        note=note,
        why=why,
        why_for=by if staff else None,
    )
    if staff:
        emails.staff_acted(
            by,
            f"declined the request from {request.requester.profile.full_name} on your behalf",
            staff_reason,
        )
    return request


@transaction.atomic
def withdraw_request(request_id: int, by) -> MentoringRequest:
    request = _locked_request(request_id, by, as_recipient=False)
    if request.status != RequestStatus.PENDING:
        raise RequestError("This request has already been answered.")
    return _close(request, by, RequestStatus.WITHDRAWN)


def requests_to_reconsider(member) -> list[MentoringRequest]:
    """The member's own pending requests sent before another of theirs (in the same role) was
    accepted, which they have not chosen to keep: they may no longer want them all."""
    active = Relationship.objects.active()
    latest = {
        Role.MENTEE: active.filter(mentee=member).aggregate(at=Max("started_at"))["at"],
        Role.MENTOR: active.filter(mentor=member).aggregate(at=Max("started_at"))["at"],
    }
    pending = MentoringRequest.objects.filter(
        requester=member, status=RequestStatus.PENDING, kept_at__isnull=True
    ).order_by("created_at")
    return [
        request
        for request in pending
        if latest[request.requester_role] and request.created_at < latest[request.requester_role]
    ]


@transaction.atomic
def keep_requests(member, request_ids) -> int:
    """The member keeps these pending requests waiting: they are not offered again."""
    return MentoringRequest.objects.filter(
        pk__in=list(request_ids), requester=member, status=RequestStatus.PENDING
    ).update(kept_at=timezone.now())


def withdraw_requests(member, request_ids) -> int:
    """Withdraw several of the member's pending requests, each in its own transaction with its
    timeline row and email; one already answered is skipped."""
    withdrawn = 0
    for request_id in request_ids:
        try:
            withdraw_request(request_id, member)
            withdrawn += 1
        except RequestError:
            continue
    return withdrawn


def close_requests_of_withdrawn(user, role: str) -> None:
    """A member who withdraws from a role leaves no one waiting: requests addressed to them in that
    role are declined, the ones they sent in it are withdrawn, each with its timeline row and email.
    Called inside enrollment's withdraw transaction."""
    program = ProgramSettings.current()
    side = {"mentor": user} if role == Role.MENTOR else {"mentee": user}
    pending = MentoringRequest.objects.select_for_update().filter(
        status=RequestStatus.PENDING, **side
    )
    for request in pending:
        if request.recipient_id == user.pk:
            note = (
                f"{request.recipient.profile.full_name} is no longer taking part as a "
                f"{program.role_label(role).lower()}."
            )
            _close(
                request,
                user,
                RequestStatus.DECLINED,
                reason=DeclineReason.OTHER,
                note=note,
                why="enrollment withdrawn",
            )
        else:
            _close(request, user, RequestStatus.WITHDRAWN, why="enrollment withdrawn")


@transaction.atomic
def expire_request(request_id: int) -> MentoringRequest | None:
    """pending → expired, by the schedule (mentoring/reminders.py); both members are told.
    A request answered meanwhile is left alone (returns None)."""
    request = (
        MentoringRequest.objects.select_for_update()
        .filter(pk=request_id, status=RequestStatus.PENDING)
        .first()
    )
    if request is None:
        return None
    request.status = RequestStatus.EXPIRED
    request.answered_at = timezone.now()
    request.save(update_fields=["status", "answered_at"])
    record(
        actor=None,
        request=request,
        from_state=RequestStatus.PENDING,
        to_state=RequestStatus.EXPIRED,
        note="no answer",
    )
    emails.request_expired(request)
    return request
