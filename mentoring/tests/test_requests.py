"""Requests and relationships: "The Mentee will click on the Mentor badge ... to request that person as
their Mentor ... The Mentor will be able to accept or decline the request." These tests hold the rules;
the pages and emails have their own files."""

import pytest
from django.db import IntegrityError, connection, transaction

from conftest import at_the_same_instant
from mentoring.models import (
    Enrollment,
    MentoringRequest,
    ProgramSettings,
    Relationship,
    TimelineEntry,
)
from mentoring.services.enrollment import enroll, set_participation, withdraw
from mentoring.services.errors import NotYours, RequestError
from mentoring.services.relationships import complete_relationship
from mentoring.services.requests import (
    accept_request,
    decline_request,
    send_request,
    withdraw_request,
)

pytestmark = pytest.mark.django_db


def ask(mentee, mentor, **kwargs):
    return send_request(mentee, mentor, recipient_role="mentor", **kwargs)


def states(entries):
    return [(e.actor.email if e.actor else None, e.from_state, e.to_state) for e in entries]


def test_a_mentee_requests_a_mentor_and_the_mentor_accepts(enrolled_mentee, enrolled_mentor):
    request = ask(
        enrolled_mentee, enrolled_mentor, message="Would you mentor me?", goals="Negotiation"
    )

    assert (request.mentor, request.mentee, request.status) == (
        enrolled_mentor,
        enrolled_mentee,
        "pending",
    )
    relationship = accept_request(request.pk, enrolled_mentor)

    request.refresh_from_db()
    assert request.status == "accepted" and request.answered_at
    assert (relationship.mentor, relationship.mentee, relationship.status) == (
        enrolled_mentor,
        enrolled_mentee,
        "active",
    )
    assert states(request.timeline.all()) == [
        ("maria@example.com", "", "pending"),
        ("david@example.com", "pending", "accepted"),
    ]
    assert states(relationship.timeline.all()) == [("david@example.com", "", "active")]


def test_a_mentor_may_request_a_mentee_too(enrolled_mentor, enrolled_mentee):
    request = send_request(enrolled_mentor, enrolled_mentee, recipient_role="mentee")

    assert (request.mentor, request.mentee) == (enrolled_mentor, enrolled_mentee)
    assert accept_request(request.pk, enrolled_mentee).status == "active"


def test_accepting_twice_changes_nothing(enrolled_mentee, enrolled_mentor):
    request = ask(enrolled_mentee, enrolled_mentor)
    first = accept_request(request.pk, enrolled_mentor)

    again = accept_request(request.pk, enrolled_mentor)

    assert again.pk == first.pk
    assert Relationship.objects.count() == 1
    assert TimelineEntry.objects.filter(enrollment=None).count() == 3


@pytest.mark.parametrize("action", ["accept", "decline"])
def test_only_the_recipient_may_answer(enrolled_mentee, enrolled_mentor, outsider, action):
    request = ask(enrolled_mentee, enrolled_mentor)

    for somebody in (outsider, enrolled_mentee):
        with pytest.raises(NotYours):
            if action == "accept":
                accept_request(request.pk, somebody)
            else:
                decline_request(request.pk, somebody, reason="no_time")
    request.refresh_from_db()
    assert request.status == "pending"


def test_declining_records_the_reason(enrolled_mentee, enrolled_mentor):
    request = ask(enrolled_mentee, enrolled_mentor)

    decline_request(
        request.pk, enrolled_mentor, reason="not_a_fit", note="Try someone in sourcing."
    )

    request.refresh_from_db()
    assert (request.status, request.decline_reason, request.decline_note) == (
        "declined",
        "not_a_fit",
        "Try someone in sourcing.",
    )
    with pytest.raises(RequestError, match="was declined and can no longer be accepted"):
        accept_request(request.pk, enrolled_mentor)


def test_declining_needs_a_reason_from_the_list(enrolled_mentee, enrolled_mentor):
    request = ask(enrolled_mentee, enrolled_mentor)
    with pytest.raises(RequestError, match="choose a reason"):
        decline_request(request.pk, enrolled_mentor, reason="because")
    request.refresh_from_db()
    assert request.status == "pending"


def test_only_the_requester_may_withdraw_and_only_while_pending(enrolled_mentee, enrolled_mentor):
    request = ask(enrolled_mentee, enrolled_mentor)
    with pytest.raises(NotYours):
        withdraw_request(request.pk, enrolled_mentor)

    withdraw_request(request.pk, enrolled_mentee)

    request.refresh_from_db()
    assert request.status == "withdrawn"
    with pytest.raises(RequestError, match="already been answered"):
        withdraw_request(request.pk, enrolled_mentee)


# --- The rules for sending, each with a clear message and no change ---------------------------


def test_nobody_can_request_themself(enrolled_mentee):
    with pytest.raises(RequestError, match="yourself"):
        ask(enrolled_mentee, enrolled_mentee)


def test_the_requester_must_be_enrolled_in_the_other_role(mentee, enrolled_mentor):
    with pytest.raises(RequestError, match="Enroll as a Mentee"):
        ask(mentee, enrolled_mentor)
    assert not MentoringRequest.objects.exists()


def test_the_recipient_must_be_enrolled_and_participating(enrolled_mentee, enrolled_mentor, mentor):
    enrollment = Enrollment.objects.get(user=enrolled_mentor, role="mentor")
    set_participation(enrollment, paused=True, max_mentees=2)
    with pytest.raises(RequestError, match="not taking mentor requests"):
        ask(enrolled_mentee, enrolled_mentor)
    withdraw(enrollment)
    with pytest.raises(RequestError, match="not taking mentor requests"):
        ask(enrolled_mentee, enrolled_mentor)
    assert not MentoringRequest.objects.exists()


def test_one_pending_request_or_active_relationship_per_pair(enrolled_mentee, enrolled_mentor):
    request = ask(enrolled_mentee, enrolled_mentor)
    with pytest.raises(RequestError, match="already waiting"):
        ask(enrolled_mentee, enrolled_mentor)
    enroll(
        enrolled_mentee,
        "mentor",
        option_ids=[Enrollment.objects.get(user=enrolled_mentor).choices.first().option_id],
        max_mentees=1,
    )
    enroll(
        enrolled_mentor,
        "mentee",
        option_ids=[
            Enrollment.objects.get(user=enrolled_mentor, role="mentor").choices.first().option_id
        ],
    )
    # The same pair, asked the other way round, is another pair (roles swapped): allowed.
    assert (
        send_request(enrolled_mentor, enrolled_mentee, recipient_role="mentor").mentor
        == enrolled_mentee
    )

    accept_request(request.pk, enrolled_mentor)
    with pytest.raises(RequestError, match="already in a mentoring relationship"):
        ask(enrolled_mentee, enrolled_mentor)


def test_the_database_keeps_one_pending_request_per_pair(enrolled_mentee, enrolled_mentor):
    ask(enrolled_mentee, enrolled_mentor)
    with pytest.raises(IntegrityError), transaction.atomic():
        MentoringRequest.objects.create(
            requester=enrolled_mentee,
            recipient=enrolled_mentor,
            mentor=enrolled_mentor,
            mentee=enrolled_mentee,
        )


def test_a_mentor_without_an_open_place_cannot_be_requested_or_accept(
    enrolled_mentor, make_member, option
):
    Enrollment.objects.filter(user=enrolled_mentor).update(max_mentees=1)
    mentees = []
    for n in range(2):
        member = make_member(f"mentee{n}@example.com", f"Mentee{n}", "Person")
        enroll(member, "mentee", option_ids=[option("Leadership Skills", "Negotiation").pk])
        mentees.append(member)
    first = ask(mentees[0], enrolled_mentor)
    second = ask(mentees[1], enrolled_mentor)

    accept_request(first.pk, enrolled_mentor)
    with pytest.raises(RequestError, match="No open place"):
        accept_request(second.pk, enrolled_mentor)
    second.refresh_from_db()
    assert second.status == "pending"
    late = make_member("late@example.com", "Late", "Comer")
    enroll(late, "mentee", option_ids=[option("Leadership Skills", "Negotiation").pk])
    with pytest.raises(RequestError, match="no open place"):
        ask(late, enrolled_mentor)


def test_a_member_may_have_only_so_many_open_requests(enrolled_mentee, make_member, option):
    program = ProgramSettings.current()
    program.max_open_requests = 2
    program.save()
    mentors = []
    for n in range(3):
        member = make_member(f"mentor{n}@example.com", f"Mentor{n}", "Person")
        enroll(
            member,
            "mentor",
            option_ids=[option("Leadership Skills", "Negotiation").pk],
            max_mentees=2,
        )
        mentors.append(member)
    ask(enrolled_mentee, mentors[0])
    ask(enrolled_mentee, mentors[1])

    with pytest.raises(RequestError, match="already have 2 requests waiting"):
        ask(enrolled_mentee, mentors[2])
    assert MentoringRequest.objects.count() == 2


# --- Completing ------------------------------------------------------------------------------


def test_either_member_completes_with_an_outcome_and_both_can_search_again(
    enrolled_mentee, enrolled_mentor
):
    relationship = accept_request(ask(enrolled_mentee, enrolled_mentor).pk, enrolled_mentor)

    complete_relationship(
        relationship.pk,
        enrolled_mentee,
        outcome="goals_met",
        note_to_partner="Thank you!",
        feedback_for_staff="Great",
    )

    relationship.refresh_from_db()
    assert (relationship.status, relationship.outcome, relationship.completed_by) == (
        "completed",
        "goals_met",
        enrolled_mentee,
    )
    assert states(relationship.timeline.all())[-1] == ("maria@example.com", "active", "completed")
    # History is kept, and the pair may start again.
    assert ask(enrolled_mentee, enrolled_mentor).status == "pending"
    with pytest.raises(RequestError, match="already been completed"):
        complete_relationship(relationship.pk, enrolled_mentor, outcome="other")


def test_only_the_two_members_may_complete(enrolled_mentee, enrolled_mentor, outsider):
    relationship = accept_request(ask(enrolled_mentee, enrolled_mentor).pk, enrolled_mentor)
    with pytest.raises(NotYours):
        complete_relationship(relationship.pk, outsider, outcome="other")
    with pytest.raises(RequestError, match="how the mentoring ended"):
        complete_relationship(relationship.pk, enrolled_mentor, outcome="bored")


def test_search_counts_open_places_from_relationships(
    client, enrolled_mentee, enrolled_mentor, option
):
    Enrollment.objects.filter(user=enrolled_mentor).update(max_mentees=1)
    client.force_login(enrolled_mentee)
    url = "/find-a-mentor/"
    params = {"s": "1", "o": [option("Leadership Skills", "Negotiation").pk], "open": "1"}
    assert "David Okafor" in client.get(url, params).content.decode()

    relationship = accept_request(ask(enrolled_mentee, enrolled_mentor).pk, enrolled_mentor)
    assert "David Okafor" not in client.get(url, params).content.decode()

    complete_relationship(relationship.pk, enrolled_mentee, outcome="goals_met")
    assert "David Okafor" in client.get(url, params).content.decode()


# --- Concurrency: the proof needs PostgreSQL's row locks ---------------------------------------


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_accepts_fill_one_open_place_once(make_member, option):
    if connection.vendor != "postgresql":
        pytest.skip("Concurrent accepts are proven on PostgreSQL (CI runs this file there too).")
    mentor = make_member("busy@example.com", "Busy", "Mentor")
    enroll(
        mentor, "mentor", option_ids=[option("Leadership Skills", "Negotiation").pk], max_mentees=1
    )
    requests = []
    for n in range(20):
        mentee = make_member(f"m{n}@example.com", f"M{n}", "Mentee")
        enroll(mentee, "mentee", option_ids=[option("Leadership Skills", "Negotiation").pk])
        requests.append(ask(mentee, mentor))
    outcomes = at_the_same_instant(
        lambda request_id: accept_request(request_id, mentor),
        [r.pk for r in requests],
        refused=RequestError,
    )

    assert outcomes.count("ok") == 1
    assert all(o.startswith("No open place") for o in outcomes if o != "ok")
    assert Relationship.objects.active().filter(mentor=mentor).count() == 1
