"""The mentoring events an association's systems hear of (mentoring/webhooks.py), each fired by
the real service functions (enroll, accept, decline, complete, end) and delivered by the real
worker to a real HTTP server: what each payload carries, and what it never does."""

import json

import pytest

from mentoring.models import Relationship
from mentoring.services.enrollment import enroll, withdraw
from mentoring.services.errors import RequestError
from mentoring.services.relationships import complete_relationship, end_relationship
from mentoring.services.requests import (
    accept_request,
    decline_request,
    send_request,
    withdraw_request,
)
from mentoring.webhooks import EVENTS
from notifications import webhooks
from notifications.models import WebhookDelivery
from notifications.tests.helpers import run_worker
from notifications.tests.test_webhooks import Receiver

pytestmark = pytest.mark.django_db(transaction=True)

PRIVATE = [
    "Please be my mentor, my phone is 555 0199",  # the request's message
    "Negotiate the GPO contract",  # goals
    "Too busy this quarter",  # a decline note
    "Thank you David",  # a note to the partner
    "Great mentor, would repeat",  # feedback for staff
    "maria@example.com",
    "david@example.com",
    "+1 555 123 4567",
]


@pytest.fixture
def receiver():
    with Receiver() as server:
        yield server


@pytest.fixture
def subscribe(receiver):
    """An endpoint for every mentoring event (made when the test asks, so that what happened
    before is not sent)."""

    def make(events=tuple(EVENTS)):
        endpoint = webhooks.create_endpoint(url=receiver.url, events=events)
        receiver.secret = endpoint.secret
        return endpoint

    return make


def received(receiver) -> list[dict]:
    run_worker("webhooks")
    assert all(request["valid"] for request in receiver.received)
    return receiver.payloads()


def no_private_words(receiver):
    bodies = b"".join(request["body"] for request in receiver.received).decode()
    for words in PRIVATE:
        assert words not in bodies


def with_external_id(user, external_id):
    user.profile.external_id = external_id
    user.profile.save(update_fields=["external_id"])
    return user


def test_enrolling_publishes_member_enrolled_with_the_external_id(
    subscribe, receiver, mentee, option
):
    subscribe()
    with_external_id(mentee, "AHRMM-1001")
    negotiation = option("Leadership Skills", "Negotiation").pk
    enrollment = enroll(mentee, "mentee", option_ids=[negotiation], statement="Lead committees")
    # Changing what one enrolled with is no event; leaving and coming back is.
    enroll(mentee, "mentee", option_ids=[negotiation], statement="Something else")
    withdraw(enrollment)
    enroll(mentee, "mentee", option_ids=[negotiation])

    first, again = received(receiver)
    assert first["event"] == again["event"] == "member.enrolled"
    assert first["data"] == {
        "member": {"id": mentee.pk, "external_id": "AHRMM-1001"},
        "enrollment": {
            "id": enrollment.pk,
            "role": "mentee",
            "status": "active",
            "came_back": False,
        },
    }
    assert again["data"]["enrollment"]["came_back"] is True
    assert first["id"] != again["id"]
    assert "Lead committees" not in json.dumps(first)


def test_a_member_without_an_external_id_is_sent_with_null(subscribe, receiver, mentor, option):
    subscribe()
    enroll(mentor, "mentor", option_ids=[option("Leadership Skills", "Negotiation").pk])
    [payload] = received(receiver)
    assert payload["data"]["member"] == {"id": mentor.pk, "external_id": None}
    assert payload["data"]["enrollment"]["role"] == "mentor"


def test_accepting_publishes_request_answered_then_relationship_started(
    enrolled_mentee, enrolled_mentor, subscribe, receiver
):
    with_external_id(enrolled_mentor, "AHRMM-2002")
    request = send_request(
        enrolled_mentee,
        enrolled_mentor,
        recipient_role="mentor",
        message=PRIVATE[0],
        goals=PRIVATE[1],
    )
    subscribe()
    relationship = accept_request(request.pk, enrolled_mentor)

    answered, started = received(receiver)
    assert answered["event"] == "request.answered"
    assert answered["data"]["request"] | {"created_at": None, "answered_at": None} == {
        "id": request.pk,
        "status": "accepted",
        "requester_role": "mentee",
        "answered_by": "member",
        "created_at": None,
        "answered_at": None,
    }
    assert answered["data"]["mentor"] == {"id": enrolled_mentor.pk, "external_id": "AHRMM-2002"}
    assert answered["data"]["mentee"] == {"id": enrolled_mentee.pk, "external_id": None}
    assert started["event"] == "relationship.started"
    assert started["data"]["relationship"]["id"] == relationship.pk
    assert started["data"]["relationship"]["status"] == "active"
    assert started["data"]["relationship"]["request_id"] == request.pk
    no_private_words(receiver)


def test_declining_publishes_request_answered_without_the_note(
    enrolled_mentee, enrolled_mentor, subscribe, receiver
):
    request = send_request(enrolled_mentee, enrolled_mentor, recipient_role="mentor")
    subscribe(events=["request.answered"])
    decline_request(request.pk, enrolled_mentor, reason="no_time", note=PRIVATE[2])
    [payload] = received(receiver)
    assert payload["data"]["request"]["status"] == "declined"
    assert payload["data"]["request"]["answered_at"]
    no_private_words(receiver)


def test_staff_answering_for_a_member_is_said_so(
    enrolled_mentee, enrolled_mentor, staff, subscribe, receiver
):
    request = send_request(enrolled_mentee, enrolled_mentor, recipient_role="mentor")
    subscribe(events=["request.answered"])
    accept_request(request.pk, enrolled_mentor, staff=staff, staff_reason="Asked by phone")
    [payload] = received(receiver)
    assert payload["data"]["request"]["answered_by"] == "staff"
    assert "Asked by phone" not in json.dumps(payload)


def test_withdrawing_a_request_or_changing_a_plan_is_no_event(
    enrolled_mentee, enrolled_mentor, subscribe, receiver
):
    request = send_request(enrolled_mentee, enrolled_mentor, recipient_role="mentor")
    subscribe()
    withdraw_request(request.pk, enrolled_mentee)
    assert received(receiver) == []
    assert not WebhookDelivery.objects.exists()


def test_completing_publishes_relationship_completed_without_notes_or_feedback(
    enrolled_mentee, enrolled_mentor, subscribe, receiver
):
    request = send_request(enrolled_mentee, enrolled_mentor, recipient_role="mentor")
    relationship = accept_request(request.pk, enrolled_mentor)
    subscribe(events=["relationship.completed"])
    complete_relationship(
        relationship.pk,
        enrolled_mentee,
        outcome="goals_met",
        note_to_partner=PRIVATE[3],
        feedback_for_staff=PRIVATE[4],
    )
    [payload] = received(receiver)
    data = payload["data"]["relationship"]
    assert (data["id"], data["status"], data["outcome"]) == (
        relationship.pk,
        "completed",
        "goals_met",
    )
    assert data["completed_by"] == "member"
    assert data["completed_at"] and data["started_at"]
    assert payload["data"]["mentee"]["id"] == enrolled_mentee.pk
    no_private_words(receiver)


def test_staff_ending_a_relationship_publishes_it_completed_by_staff_without_the_reason(
    enrolled_mentee, enrolled_mentor, staff, subscribe, receiver
):
    request = send_request(enrolled_mentee, enrolled_mentor, recipient_role="mentor")
    relationship = accept_request(request.pk, enrolled_mentor)
    subscribe(events=["relationship.completed"])
    end_relationship(relationship.pk, staff, reason="The member left the association")
    [payload] = received(receiver)
    assert payload["data"]["relationship"]["completed_by"] == "staff"
    assert "left the association" not in json.dumps(payload)


def test_a_refused_change_publishes_nothing(enrolled_mentee, enrolled_mentor, subscribe, receiver):
    request = send_request(enrolled_mentee, enrolled_mentor, recipient_role="mentor")
    relationship = accept_request(request.pk, enrolled_mentor)
    complete_relationship(relationship.pk, enrolled_mentor, outcome="goals_met")
    subscribe()
    with pytest.raises(RequestError):
        complete_relationship(relationship.pk, enrolled_mentor, outcome="goals_met")
    with pytest.raises(RequestError):
        decline_request(request.pk, enrolled_mentor, reason="no_time")
    assert accept_request(request.pk, enrolled_mentor) == relationship  # again: no change
    assert received(receiver) == []
    assert Relationship.objects.get().status == "completed"
