"""Requests that must not go through: from someone who has left the program, past the open-request
limit when sends race, and staff reasons that are for one member's eyes only."""

import pytest
from django.db import connection
from django.urls import reverse

from conftest import at_the_same_instant
from mentoring.models import Enrollment, MentoringRequest, ProgramSettings, Relationship
from mentoring.services.enrollment import enroll
from mentoring.services.errors import RequestError
from mentoring.services.requests import accept_request, decline_request, send_request

pytestmark = pytest.mark.django_db


def ask(mentee, mentor, **kwargs):
    return send_request(mentee, mentor, recipient_role="mentor", **kwargs)


# --- Accepting needs both members still in the program ----------------------------------------


def test_a_request_from_a_deactivated_member_cannot_be_accepted(enrolled_mentee, enrolled_mentor):
    request = ask(enrolled_mentee, enrolled_mentor)
    enrolled_mentee.is_active = False
    enrolled_mentee.save()

    with pytest.raises(RequestError, match="Maria Santos has left the program"):
        accept_request(request.pk, enrolled_mentor)

    request.refresh_from_db()
    assert request.status == "pending"
    assert not Relationship.objects.exists()


def test_a_request_from_a_member_no_longer_enrolled_as_mentee_cannot_be_accepted(
    enrolled_mentee, enrolled_mentor
):
    request = ask(enrolled_mentee, enrolled_mentor)
    # Changed behind the services' back (as a raw admin edit would): the rule still holds.
    Enrollment.objects.filter(user=enrolled_mentee, role="mentee").update(status="withdrawn")

    with pytest.raises(RequestError, match="no longer enrolled as a mentee"):
        accept_request(request.pk, enrolled_mentor)

    assert not Relationship.objects.exists()


def test_the_refusal_is_shown_on_the_page_and_decline_still_works(
    client, enrolled_mentee, enrolled_mentor
):
    request = ask(enrolled_mentee, enrolled_mentor)
    enrolled_mentee.is_active = False
    enrolled_mentee.save()
    client.force_login(enrolled_mentor)

    response = client.post(reverse("mentoring:accept", args=[request.pk]), follow=True)

    assert response.status_code == 200
    assert "has left the program" in response.text
    decline_request(request.pk, enrolled_mentor, reason="other")
    request.refresh_from_db()
    assert request.status == "declined"


# --- A staff reason is for the member it was given to -----------------------------------------


def test_a_staff_reason_for_the_mentor_is_not_shown_to_the_mentee(
    client, enrolled_mentee, enrolled_mentor, staff
):
    request = ask(enrolled_mentee, enrolled_mentor)
    relationship = accept_request(
        request.pk,
        enrolled_mentor,
        staff=staff,
        staff_reason="David is on sick leave, asked by phone",
    )
    page = reverse("mentoring:relationship", args=[relationship.pk])

    client.force_login(enrolled_mentee)
    seen_by_mentee = client.get(page).text
    client.force_login(enrolled_mentor)
    seen_by_mentor = client.get(page).text
    client.force_login(staff)
    seen_by_staff = client.get(reverse("program:relationship", args=[relationship.pk])).text

    assert "sick leave" not in seen_by_mentee
    assert "by program staff" in seen_by_mentee
    assert "sick leave" in seen_by_mentor
    assert "sick leave" in seen_by_staff


def test_a_staff_reason_for_a_decline_is_kept_from_the_requester(
    enrolled_mentee, enrolled_mentor, staff
):
    request = ask(enrolled_mentee, enrolled_mentor)
    decline_request(
        request.pk, enrolled_mentor, reason="no_time", staff=staff, staff_reason="private matter"
    )

    entry = request.timeline.get(to_state="declined")
    assert entry.note_for == enrolled_mentor
    assert entry.as_seen_by(enrolled_mentee).why == "by program staff"
    entry.refresh_from_db()
    assert "private matter" in entry.as_seen_by(enrolled_mentor).why


# --- The open-request limit holds when sends race (row locks: PostgreSQL) ----------------------


@pytest.mark.django_db(transaction=True)
def test_six_concurrent_sends_never_pass_the_open_request_limit(make_member, option):
    if connection.vendor != "postgresql":
        pytest.skip("Concurrent sends are proven on PostgreSQL (CI runs this file there too).")
    program = ProgramSettings.current()
    program.max_open_requests = 5
    program.save()
    negotiation = [option("Leadership Skills", "Negotiation").pk]
    mentee = make_member("eager@example.com", "Eager", "Mentee")
    enroll(mentee, "mentee", option_ids=negotiation)
    mentors = []
    for n in range(10):
        mentor = make_member(f"mentor{n}@example.com", f"Mentor{n}", "Person")
        enroll(mentor, "mentor", option_ids=negotiation, max_mentees=2)
        mentors.append(mentor)
    for mentor in mentors[:4]:
        ask(mentee, mentor)
    outcomes = at_the_same_instant(
        lambda mentor: ask(mentee, mentor), mentors[4:], refused=RequestError
    )

    assert outcomes.count("ok") == 1
    assert all("already have 5 requests waiting" in o for o in outcomes if o != "ok")
    assert MentoringRequest.objects.filter(requester=mentee, status="pending").count() == 5
