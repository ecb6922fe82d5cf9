"""The scheduled follow-up rules: mentoring decides *when* to remind, notifications how to deliver.

Each rule selects due rows by their timestamps and claims each with a conditional update inside the
transaction that stores its email, so running a rule twice (or two workers at once) sends nothing
twice. `run_follow_up()` runs them all; the scheduler (`manage.py run_scheduler`) enqueues it.
It also deletes the text of emails delivered longer ago than the program keeps it.
"""

from datetime import datetime, time, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from mentoring import emails
from mentoring.models import (
    MentoringRequest,
    ProgramSettings,
    Relationship,
    RequestStatus,
    rhythm_step,
)
from mentoring.services.enrollment import resume_returning
from mentoring.services.requests import expire_request
from notifications.delivery import prune_bodies

RELATED = ("requester__profile", "recipient__profile")


def _claim_requests(field: str, older_than: timedelta, now, send) -> int:
    due = MentoringRequest.objects.filter(
        status=RequestStatus.PENDING, created_at__lte=now - older_than, **{f"{field}__isnull": True}
    ).values_list("pk", flat=True)
    return sum(claim_and_send(request_id, field, now, send) for request_id in list(due))


def claim_and_send(request_id: int, field: str, now, send) -> bool:
    """Claim one request's follow-up (`field` still empty, request still pending) and send it, in
    one transaction. A second worker that selected the same request finds it claimed: False."""
    with transaction.atomic():
        claimed = MentoringRequest.objects.filter(
            pk=request_id, status=RequestStatus.PENDING, **{f"{field}__isnull": True}
        ).update(**{field: now})
        if claimed:
            send(MentoringRequest.objects.select_related(*RELATED).get(pk=request_id))
    return bool(claimed)


def expire_requests(now) -> int:
    program = ProgramSettings.current()
    due = MentoringRequest.objects.filter(
        status=RequestStatus.PENDING,
        created_at__lte=now - timedelta(days=program.expire_after_days),
    ).values_list("pk", flat=True)
    return sum(1 for request_id in list(due) if expire_request(request_id))


def remind_recipients(now) -> int:
    days = ProgramSettings.current().reminder_after_days
    return _claim_requests("reminded_at", timedelta(days=days), now, emails.request_reminder)


def nudge_requesters(now) -> int:
    days = ProgramSettings.current().nudge_after_days
    return _claim_requests("nudged_at", timedelta(days=days), now, emails.requester_nudge)


def claim_relationship(relationship, field: str, now) -> bool:
    """Set the relationship's follow-up timestamp `field` only if it still holds the value this
    worker read: a second worker that read the same row finds it changed and sends nothing."""
    return bool(
        Relationship.objects.filter(
            pk=relationship.pk, **{field: getattr(relationship, field)}
        ).update(**{field: now})
    )


def _start_of(day):
    return timezone.make_aware(datetime.combine(day, time.min))


def remind_check_ins(now) -> int:
    """A rhythm period passed with no check-in: one friendly reminder to both, until the next one."""
    sent = 0
    active = Relationship.objects.active().annotate(last_check_in=Max("check_ins__met_on"))
    for relationship in active:
        last_contact = relationship.started_at
        if relationship.last_check_in:
            last_contact = max(last_contact, _start_of(relationship.last_check_in))
        due = last_contact + rhythm_step(relationship.rhythm) <= now < relationship.planned_end
        reminded = relationship.checkin_reminded_at
        if not due or (reminded is not None and reminded >= last_contact):
            continue
        with transaction.atomic():
            if claim_relationship(relationship, "checkin_reminded_at", now):
                for member in (relationship.mentor, relationship.mentee):
                    emails.check_in_reminder(relationship, member, last_contact)
                sent += 1
    return sent


def remind_planned_ends(now) -> int:
    """At the planned end, both are asked to mark the relationship completed or extend it."""
    sent = 0
    for relationship in Relationship.objects.active().filter(end_reminded_at__isnull=True):
        if relationship.planned_end > now:
            continue
        with transaction.atomic():
            if claim_relationship(relationship, "end_reminded_at", now):
                for member in (relationship.mentor, relationship.mentee):
                    emails.planned_end_reminder(relationship, member)
                sent += 1
    return sent


def delete_old_email_texts(now) -> int:
    """The program keeps a delivered email's text for `email_retention_days`; then only who it
    went to, its subject and its times remain."""
    days = ProgramSettings.current().email_retention_days
    return prune_bodies(timedelta(days=days), now=now)


def run_follow_up(now=None) -> dict[str, int]:
    now = now or timezone.now()
    return {
        # Expiry first: an expired request needs no reminder.
        "requests expired": expire_requests(now),
        "recipients reminded": remind_recipients(now),
        "requesters nudged": nudge_requesters(now),
        "members back from a pause": resume_returning(timezone.localdate(now)),
        "check-in reminders": remind_check_ins(now),
        "planned-end reminders": remind_planned_ends(now),
        "email texts deleted": delete_old_email_texts(now),
    }
