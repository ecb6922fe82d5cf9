"""What program staff do for members. Each action goes through the mentoring rules (which record it on
the timeline and tell the members by email) and is written to the audit log with the staff's reason,
all in one transaction."""

from contextlib import contextmanager

from django.db import transaction

from mentoring.models import Enrollment, MentoringRequest, Role
from mentoring.services import enrollment as enrollment_service
from mentoring.services import errors, relationships, requests
from notifications.delivery import DeliveryError, resend
from notifications.models import OutgoingEmail
from program.models import StaffAction


class ActionError(Exception):
    """The action was refused; str(error) says why."""


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ActionError("Give a reason: it is recorded and the member is told.")
    return reason


@contextmanager
def _refused_as_action_error():
    """A mentoring rule's refusal, told to staff in its own words."""
    try:
        yield
    except (errors.RequestError, errors.EnrollmentError) as error:
        raise ActionError(str(error)) from None


def _log(staff, kind, reason, *, member=None, target=""):
    StaffAction.objects.create(staff=staff, kind=kind, member=member, target=target, reason=reason)


@transaction.atomic
def accept_for_member(staff, pk: int, *, reason: str):
    reason = _reason(reason)
    request = MentoringRequest.objects.select_related("recipient").get(pk=pk)
    with _refused_as_action_error():
        relationship = requests.accept_request(
            request.pk, request.recipient, staff=staff, staff_reason=reason
        )
    _log(
        staff,
        StaffAction.Kind.ACCEPT,
        reason,
        member=request.recipient,
        target=f"request {request.pk}",
    )
    return relationship


@transaction.atomic
def decline_for_member(staff, pk: int, *, decline_reason: str, note: str, reason: str):
    reason = _reason(reason)
    request = MentoringRequest.objects.select_related("recipient").get(pk=pk)
    with _refused_as_action_error():
        requests.decline_request(
            request.pk,
            request.recipient,
            reason=decline_reason,
            note=note,
            staff=staff,
            staff_reason=reason,
        )
    _log(
        staff,
        StaffAction.Kind.DECLINE,
        reason,
        member=request.recipient,
        target=f"request {request.pk}",
    )


@transaction.atomic
def end_relationship(staff, pk: int, *, reason: str):
    reason = _reason(reason)
    with _refused_as_action_error():
        relationship = relationships.end_relationship(pk, staff, reason=reason)
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
    with _refused_as_action_error():
        enrollment_service.pause_for_member(
            enrollment, reason=reason, return_date=return_date, staff=staff
        )
    _log(
        staff,
        StaffAction.Kind.PAUSE,
        reason,
        member=enrollment.user,
        target=f"enrollment {enrollment.pk}",
    )
    return enrollment


@transaction.atomic
def resend_email(staff, pk: int, *, reason: str) -> OutgoingEmail:
    reason = _reason(reason)
    original = OutgoingEmail.objects.filter(pk=pk).first()
    if original is None:
        raise ActionError("No such email.")
    try:
        copy = resend(original.pk)
    except DeliveryError as error:
        raise ActionError(str(error)) from None
    _log(
        staff,
        StaffAction.Kind.RESEND,
        reason,
        target=f"email {original.pk} to {', '.join(original.to)}",
    )
    return copy
