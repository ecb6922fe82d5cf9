"""Relationships: active → completed, and what the pair agree on the way (the plan, check-ins,
extending). A relationship begins when a request is accepted (services/requests.py).

Each function checks the state, raises RequestError (NotYours for anyone outside the pair), changes
state in one transaction and writes a timeline row; emails leave after the commit.
"""

from django.db import transaction
from django.utils import timezone

from mentoring import emails
from mentoring.models import (
    CheckIn,
    Enrollment,
    MeetingFormat,
    Outcome,
    ProgramSettings,
    Relationship,
    RelationshipStatus,
    Rhythm,
    Role,
)
from mentoring.services.errors import NotYours, RequestError
from mentoring.services.requests import (
    _begin_relationship,
    _check_open_place,
    _locked_mentor_enrollment,
)
from mentoring.timeline import record


def _locked_active_relationship(
    relationship_id: int,
    *,
    member=None,
    completed: str = "This relationship has already been completed.",
) -> Relationship:
    """The relationship, locked for the change; NotYours when `member` (if given: staff act on any)
    is not one of the pair, RequestError with `completed` when it is no longer active."""
    relationship = Relationship.objects.select_for_update().filter(pk=relationship_id).first()
    if relationship is None or (
        member is not None and member.pk not in (relationship.mentor_id, relationship.mentee_id)
    ):
        raise NotYours("No such relationship.")
    if relationship.status != RelationshipStatus.ACTIVE:
        raise RequestError(completed)
    return relationship


def _mark_completed(relationship, by, *, outcome, why, note_to_partner="", feedback_for_staff=""):
    """active → completed, on the timeline; the mentor's open places change (the search index
    catches up by the enrollment's timestamp)."""
    now = timezone.now()
    relationship.status = RelationshipStatus.COMPLETED
    relationship.completed_at = now
    relationship.completed_by = by
    relationship.outcome = outcome
    relationship.note_to_partner = note_to_partner.strip()
    relationship.feedback_for_staff = feedback_for_staff.strip()
    relationship.save()
    record(
        actor=by,
        relationship=relationship,
        from_state=RelationshipStatus.ACTIVE,
        to_state=RelationshipStatus.COMPLETED,
        note=why,
    )
    Enrollment.objects.filter(user_id=relationship.mentor_id, role=Role.MENTOR).update(
        updated_at=now
    )


@transaction.atomic
def complete_relationship(
    relationship_id: int,
    by,
    *,
    outcome: str,
    note_to_partner: str = "",
    feedback_for_staff: str = "",
) -> Relationship:
    """Either member marks an active relationship completed; both can search again at once."""
    if outcome not in Outcome.values:
        raise RequestError("Please choose how the mentoring ended.")
    relationship = _locked_active_relationship(relationship_id, member=by)
    _mark_completed(
        relationship,
        by,
        outcome=outcome,
        why=outcome,
        note_to_partner=note_to_partner,
        feedback_for_staff=feedback_for_staff,
    )
    emails.relationship_completed(relationship)
    return relationship


def _plan_of(relationship_id, by) -> Relationship:
    return _locked_active_relationship(
        relationship_id,
        member=by,
        completed="This relationship has been completed; its plan can no longer change.",
    )


PLAN_FIELDS = ["rhythm", "meeting_format", "planned_months", "goals"]


@transaction.atomic
def update_plan(relationship_id: int, by, **plan) -> Relationship:
    """Either partner edits the agreed plan; what changed goes on the timeline."""
    relationship = _plan_of(relationship_id, by)
    unknown = set(plan) - set(PLAN_FIELDS)
    if unknown:
        raise RequestError(f"Unknown plan fields: {', '.join(sorted(unknown))}.")
    if "rhythm" in plan and plan["rhythm"] not in Rhythm.values:
        raise RequestError("Please choose a meeting rhythm from the list.")
    if "meeting_format" in plan and plan["meeting_format"] not in MeetingFormat.values:
        raise RequestError("Please choose a format from the list.")
    months = plan.get("planned_months", relationship.planned_months)
    if not isinstance(months, int) or not 1 <= months <= 36:
        raise RequestError("The planned length is between 1 and 36 months.")
    changes = []
    for field in PLAN_FIELDS:
        if field not in plan:
            continue
        value = plan[field].strip() if isinstance(plan[field], str) else plan[field]
        old = getattr(relationship, field)
        if value != old:
            setattr(relationship, field, value)
            changes.append(_describe_change(relationship, field, old))
    if not changes:
        return relationship
    relationship.save(update_fields=PLAN_FIELDS)
    record(
        actor=by,
        relationship=relationship,
        from_state=RelationshipStatus.ACTIVE,
        to_state=RelationshipStatus.ACTIVE,
        note="; ".join(changes),
    )
    return relationship


def _describe_change(relationship, field, old) -> str:
    label = Relationship._meta.get_field(field).verbose_name
    if field == "goals":
        return "shared goals updated"
    new = getattr(relationship, field)
    if field == "planned_months":
        return f"{label}: {old} → {new}"
    choices = dict(Relationship._meta.get_field(field).choices)
    return f"{label}: {choices.get(old, old)} → {choices.get(new, new)}".lower()


@transaction.atomic
def extend_relationship(relationship_id: int, by, *, months: int) -> Relationship:
    """At the planned end the pair may go on: the plan grows and the end reminder may come again."""
    relationship = _plan_of(relationship_id, by)
    if not isinstance(months, int) or months < 1:
        raise RequestError("Extend by at least one month.")
    if relationship.planned_months + months > 36:
        raise RequestError("A relationship is planned for 36 months at most.")
    old = relationship.planned_months
    relationship.planned_months = old + months
    relationship.end_reminded_at = None
    relationship.save(update_fields=["planned_months", "end_reminded_at"])
    record(
        actor=by,
        relationship=relationship,
        from_state=RelationshipStatus.ACTIVE,
        to_state=RelationshipStatus.ACTIVE,
        note=f"extended by {months} month{'s' if months != 1 else ''}: planned length {old} → "
        f"{relationship.planned_months} months",
    )
    return relationship


@transaction.atomic
def log_check_in(relationship_id: int, by, *, met_on, note: str = "", shared: bool = True):
    """Either partner records a meeting. A shared note is seen by the partner, a private one only
    by its author."""
    relationship = _plan_of(relationship_id, by)
    today = timezone.localdate()
    if met_on > today:
        raise RequestError(
            "A check-in records a meeting that happened: the date cannot be in the future."
        )
    if met_on < timezone.localtime(relationship.started_at).date():
        raise RequestError("The date is before the relationship began.")
    return CheckIn.objects.create(
        relationship=relationship, author=by, met_on=met_on, note=note.strip(), shared=shared
    )


@transaction.atomic
def end_relationship(relationship_id: int, staff, *, reason: str) -> Relationship:
    """Program staff end an active relationship, with a reason; both members are told."""
    if not reason.strip():
        raise RequestError("Give a reason: it is recorded and both members are told.")
    relationship = _locked_active_relationship(relationship_id)
    _mark_completed(
        relationship, staff, outcome=Outcome.OTHER, why=f"ended by program staff: {reason.strip()}"
    )
    for member in (relationship.mentor, relationship.mentee):
        partner = relationship.partner_of(member)
        emails.staff_acted(
            member, f"ended your mentoring relationship with {partner.profile.full_name}", reason
        )
    return relationship


@transaction.atomic
def start_relationship(staff, *, mentor, mentee, note: str) -> Relationship:
    """Program staff start an active relationship directly (a published matching round), as
    accepting a request does: the mentor's open place checked under the row lock, both still taking
    part, the program's default plan; program staff on the timeline with `note`; both emailed."""
    program = ProgramSettings.current()
    mentor_enrollment = _locked_mentor_enrollment(mentor.pk, program)
    sides = ((mentor, mentor_enrollment, Role.MENTOR), (mentee, None, Role.MENTEE))
    for member, enrollment, role in sides:
        enrollment = enrollment or Enrollment.objects.filter(user=member, role=role).first()
        if enrollment is None or not enrollment.is_participating():
            raise RequestError(
                f"{member.profile.full_name} is not taking part as a "
                f"{program.role_label(role).lower()} at the moment."
            )
    if Relationship.objects.active().filter(mentor=mentor, mentee=mentee).exists():
        raise RequestError(
            f"{mentee.profile.full_name} and {mentor.profile.full_name} are already in a "
            "mentoring relationship together."
        )
    _check_open_place(mentor_enrollment, program)
    return _begin_relationship(mentor_enrollment, mentee.pk, program, actor=staff, note=note)
