"""What program staff do for members. Each action goes through the mentoring rules (which record it on
the timeline and tell the members by email) and is written to the audit log with the staff's reason,
all in one transaction."""

from django.db import transaction

from mentoring import relationships, services
from mentoring.models import Enrollment, MentoringRequest, Role
from notifications.delivery import resend
from notifications.models import OutgoingEmail
from program.models import StaffAction


class ActionError(Exception):
    """The action was refused; str(error) says why."""


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ActionError("Give a reason: it is recorded and the member is told.")
    return reason


def _log(staff, kind, reason, *, member=None, target=""):
    StaffAction.objects.create(staff=staff, kind=kind, member=member, target=target, reason=reason)


@transaction.atomic
def accept_for_member(staff, request_id: int, *, reason: str):
    reason = _reason(reason)
    request = MentoringRequest.objects.select_related("recipient").get(pk=request_id)
    try:
        relationship = relationships.accept_request(
            request.pk, request.recipient, staff=staff, staff_reason=reason
        )
    except relationships.RequestError as error:
        raise ActionError(str(error)) from None
    _log(
        staff,
        StaffAction.Kind.ACCEPT,
        reason,
        member=request.recipient,
        target=f"request {request.pk}",
    )
    return relationship


@transaction.atomic
def decline_for_member(staff, request_id: int, *, decline_reason: str, note: str, reason: str):
    reason = _reason(reason)
    request = MentoringRequest.objects.select_related("recipient").get(pk=request_id)
    try:
        relationships.decline_request(
            request.pk,
            request.recipient,
            reason=decline_reason,
            note=note,
            staff=staff,
            staff_reason=reason,
        )
    except relationships.RequestError as error:
        raise ActionError(str(error)) from None
    _log(
        staff,
        StaffAction.Kind.DECLINE,
        reason,
        member=request.recipient,
        target=f"request {request.pk}",
    )


@transaction.atomic
def end_relationship(staff, relationship_id: int, *, reason: str):
    reason = _reason(reason)
    try:
        relationship = relationships.end_relationship(relationship_id, staff, reason=reason)
    except relationships.RequestError as error:
        raise ActionError(str(error)) from None
    _log(
        staff,
        StaffAction.Kind.END,
        reason,
        member=relationship.mentor,
        target=f"relationship {relationship.pk}",
    )
    return relationship


@transaction.atomic
def pause_mentor(staff, email: str, *, reason: str, return_date=None):
    reason = _reason(reason)
    enrollment = (
        Enrollment.objects.select_related("user__profile")
        .filter(user__email__iexact=email.strip(), role=Role.MENTOR)
        .first()
    )
    if enrollment is None:
        raise ActionError(f"No mentor is enrolled with the email address {email.strip()}.")
    try:
        services.pause_for_member(enrollment, reason=reason, return_date=return_date)
    except services.EnrollmentError as error:
        raise ActionError(str(error)) from None
    _log(
        staff,
        StaffAction.Kind.PAUSE,
        reason,
        member=enrollment.user,
        target=f"enrollment {enrollment.pk}",
    )
    return enrollment


@transaction.atomic
def resend_email(staff, email_id: int, *, reason: str) -> OutgoingEmail:
    reason = _reason(reason)
    original = OutgoingEmail.objects.filter(pk=email_id).first()
    if original is None:
        raise ActionError("No such email.")
    copy = resend(original.pk)
    _log(
        staff,
        StaffAction.Kind.RESEND,
        reason,
        target=f"email {original.pk} to {', '.join(original.to)}",
    )
    return copy
