"""Which mentoring changes are webhook events, and what each tells the association's systems.

Every state change is a timeline row written by its service function, in its transaction
(mentoring/timeline.py); `publish_for(entry)` is called for each and publishes the ones below
through notifications.webhooks, in that same transaction: a change rolled back publishes nothing.

    member.enrolled         a member enrolled as mentor or mentee, or came back to a role they left
    request.answered        a request accepted or declined (by the member asked, or by staff for them)
    relationship.started    a relationship began (a request was accepted)
    relationship.completed  a relationship was completed by one of the pair, or ended by staff

A payload's `data` holds ids (each member's, and their `external_id` from the association's
member system when they have one), roles, states and times: never a message, a note, goals or
feedback, and no contact details.
"""

from mentoring.models import Enrollment, EnrollmentStatus, RelationshipStatus, RequestStatus
from notifications import webhooks

MEMBER_ENROLLED = "member.enrolled"
REQUEST_ANSWERED = "request.answered"
RELATIONSHIP_STARTED = "relationship.started"
RELATIONSHIP_COMPLETED = "relationship.completed"

EVENTS = {
    MEMBER_ENROLLED: "A member enrolled as a mentor or mentee (or came back to a role they left)",
    REQUEST_ANSWERED: "A request was accepted or declined",
    RELATIONSHIP_STARTED: "A mentoring relationship started",
    RELATIONSHIP_COMPLETED: "A mentoring relationship was completed, or ended by staff",
}


def when(moment) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def member(user) -> dict:
    return {"id": user.pk, "external_id": user.profile.external_id}


def event_of(entry) -> str | None:
    """The webhook event a timeline row is, if any."""
    if entry.enrollment_id:
        is_enrolling = entry.from_state in ("", EnrollmentStatus.WITHDRAWN)
        if is_enrolling and entry.to_state == EnrollmentStatus.ACTIVE:
            return MEMBER_ENROLLED
    elif entry.relationship_id:
        if not entry.from_state and entry.to_state == RelationshipStatus.ACTIVE:
            return RELATIONSHIP_STARTED
        if entry.to_state == RelationshipStatus.COMPLETED:
            return RELATIONSHIP_COMPLETED
    elif entry.request_id and entry.to_state in (RequestStatus.ACCEPTED, RequestStatus.DECLINED):
        return REQUEST_ANSWERED
    return None


def _enrolled(entry) -> dict:
    enrollment: Enrollment = entry.enrollment
    return {
        "member": member(enrollment.user),
        "enrollment": {
            "id": enrollment.pk,
            "role": enrollment.role,
            "status": enrollment.status,
            "came_back": entry.from_state == EnrollmentStatus.WITHDRAWN,
        },
    }


def _answered(entry) -> dict:
    request = entry.request
    return {
        "request": {
            "id": request.pk,
            "status": request.status,
            # Who asked whom: "mentee" when the mentee asked the mentor.
            "requester_role": request.requester_role,
            "answered_by": "member" if entry.actor_id == request.recipient_id else "staff",
            "created_at": when(request.created_at),
            "answered_at": when(request.answered_at),
        },
        "mentor": member(request.mentor),
        "mentee": member(request.mentee),
    }


def _relationship(entry) -> dict:
    relationship = entry.relationship
    data = {
        "id": relationship.pk,
        "status": relationship.status,
        "request_id": relationship.request_id,
        "started_at": when(relationship.started_at),
    }
    if relationship.status == RelationshipStatus.COMPLETED:
        pair = (relationship.mentor_id, relationship.mentee_id)
        data |= {
            "completed_at": when(relationship.completed_at),
            "outcome": relationship.outcome,
            "completed_by": "member" if relationship.completed_by_id in pair else "staff",
        }
    return {
        "relationship": data,
        "mentor": member(relationship.mentor),
        "mentee": member(relationship.mentee),
    }


PAYLOADS = {
    MEMBER_ENROLLED: _enrolled,
    REQUEST_ANSWERED: _answered,
    RELATIONSHIP_STARTED: _relationship,
    RELATIONSHIP_COMPLETED: _relationship,
}


def publish_for(entry) -> None:
    """Publish the event this timeline row is (if any) to the endpoints subscribed to it, in the
    current transaction."""
    event = event_of(entry)
    if event is None:
        return
    # Looked up first: the payload costs queries, made only when some endpoint listens.
    endpoints = webhooks.subscribed(event)
    if endpoints:
        payload = PAYLOADS[event](entry)
        webhooks.publish(event, payload, occurred_at=entry.created_at, endpoints=endpoints)
