"""Rules members met by surprise, now said where they apply: a limit below one's mentees, a
paused mentor asking someone, a full mentor's Accept, and the other requests once one is accepted."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from mentoring.models import Enrollment, MentoringRequest, Relationship
from mentoring.services.enrollment import enroll, set_participation
from mentoring.services.errors import RequestError
from mentoring.services.requests import accept_request, requests_to_reconsider, send_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def negotiation(option):
    return [option("Leadership Skills", "Negotiation").pk]


@pytest.fixture
def make_mentee(make_member, negotiation):
    def make(n):
        member = make_member(f"mentee{n}@example.com", f"Mentee{n}", "Person")
        enroll(member, "mentee", option_ids=negotiation)
        return member

    return make


@pytest.fixture
def make_mentor(make_member, negotiation):
    def make(n, places=2):
        member = make_member(f"mentor{n}@example.com", f"Mentor{n}", "Person")
        enroll(member, "mentor", option_ids=negotiation, max_mentees=places)
        return member

    return make


def ask(mentee, mentor):
    return send_request(mentee, mentor, recipient_role="mentor")


# --- Lowering the limit below one's mentees ---------------------------------------------------


def test_lowering_the_limit_below_ones_mentees_says_what_it_means(
    client, enrolled_mentor, make_mentee
):
    for n in range(2):
        accept_request(ask(make_mentee(n), enrolled_mentor).pk, enrolled_mentor)
    client.force_login(enrolled_mentor)

    response = client.post(
        reverse("mentoring:participation", args=["mentor"]),
        {"max_mentees": 1, "return_date": "", "available_until": ""},
        follow=True,
    )

    page = response.text
    assert "You mentor 2 mentees and your limit is 1" in page
    assert "cannot send you new requests until a place opens" in page
    assert "Nobody is dropped" in page
    assert Relationship.objects.active().filter(mentor=enrolled_mentor).count() == 2


def test_a_limit_with_places_left_needs_no_such_note(client, enrolled_mentor):
    client.force_login(enrolled_mentor)

    response = client.post(
        reverse("mentoring:participation", args=["mentor"]),
        {"max_mentees": 3, "return_date": "", "available_until": ""},
        follow=True,
    )

    assert "Nobody is dropped" not in response.text


# --- A paused mentor does not start relationships ---------------------------------------------


def test_a_paused_mentor_cannot_send_a_request_as_mentor_and_is_told_how_to_resume(
    enrolled_mentor, enrolled_mentee
):
    enrollment = Enrollment.objects.get(user=enrolled_mentor, role="mentor")
    back = timezone.localdate() + datetime.timedelta(days=20)
    set_participation(enrollment, paused=True, return_date=back, max_mentees=2)

    with pytest.raises(RequestError, match="Temporarily Not Participating as a Mentor"):
        send_request(enrolled_mentor, enrolled_mentee, recipient_role="mentee")
    assert not MentoringRequest.objects.exists()

    set_participation(enrollment, paused=False, max_mentees=2)
    assert send_request(enrolled_mentor, enrolled_mentee, recipient_role="mentee").is_pending


def test_the_request_page_shows_the_refusal_to_a_paused_mentor(
    client, enrolled_mentor, enrolled_mentee
):
    enrollment = Enrollment.objects.get(user=enrolled_mentor, role="mentor")
    set_participation(enrollment, paused=True, max_mentees=2)
    client.force_login(enrolled_mentor)

    response = client.post(
        reverse("mentoring:send_request", args=["mentee", enrolled_mentee.pk]),
        {"message": "Shall we?"},
        follow=True,
    )

    assert "Set yourself Active on your Mentor Status page" in response.text
    assert not MentoringRequest.objects.exists()


# --- A full mentor sees why Accept is not there ------------------------------------------------


def test_a_full_mentor_sees_no_open_place_instead_of_accept_and_can_still_decline(
    client, make_mentor, make_mentee
):
    mentor = make_mentor(1, places=1)
    first, second = ask(make_mentee(1), mentor), ask(make_mentee(2), mentor)
    accept_request(first.pk, mentor)
    client.force_login(mentor)

    page = client.get(reverse("mentoring:relationships")).text
    confirm = client.get(reverse("mentoring:accept", args=[second.pk])).text

    assert "No open place — " in page
    assert "raise your limit" in page
    assert reverse("mentoring:accept", args=[second.pk]) not in page
    assert reverse("mentoring:decline", args=[second.pk]) in page
    assert "No open place — " in confirm
    assert '<button type="submit" class="button">Accept</button>' not in confirm


def test_a_mentor_with_a_place_still_sees_accept(client, make_mentor, make_mentee):
    mentor = make_mentor(1, places=2)
    waiting = ask(make_mentee(1), mentor)
    client.force_login(mentor)

    page = client.get(reverse("mentoring:relationships")).text

    assert reverse("mentoring:accept", args=[waiting.pk]) in page
    assert "No open place" not in page


# --- The other requests, once one is accepted ----------------------------------------------------


def test_once_a_request_is_accepted_the_member_is_asked_about_the_others(
    client, make_mentor, make_mentee, mailoutbox
):
    mentee = make_mentee(1)
    mentors = [make_mentor(n) for n in range(3)]
    sent = [ask(mentee, mentor) for mentor in mentors]
    accept_request(sent[0].pk, mentors[0])
    client.force_login(mentee)

    page = client.get(reverse("mentoring:relationships")).text

    assert "Keep your other requests?" in page
    assert "Mentor1 Person, Mentor2 Person" in page
    mailoutbox.clear()
    client.post(reverse("mentoring:reconsider_requests"), {"action": "withdraw"})
    assert [MentoringRequest.objects.get(pk=r.pk).status for r in sent[1:]] == [
        "withdrawn",
        "withdrawn",
    ]
    assert sorted(m.to[0] for m in mailoutbox) == ["mentor1@example.com", "mentor2@example.com"]
    assert "Keep your other requests?" not in client.get(reverse("mentoring:relationships")).text


def test_keeping_them_leaves_them_waiting_and_stops_asking(client, make_mentor, make_mentee):
    mentee = make_mentee(1)
    mentors = [make_mentor(n) for n in range(2)]
    sent = [ask(mentee, mentor) for mentor in mentors]
    accept_request(sent[0].pk, mentors[0])
    client.force_login(mentee)

    client.post(reverse("mentoring:reconsider_requests"), {"action": "keep"})

    assert MentoringRequest.objects.get(pk=sent[1].pk).status == "pending"
    assert requests_to_reconsider(mentee) == []
    assert "Keep your other requests?" not in client.get(reverse("mentoring:relationships")).text


def test_a_request_sent_after_the_acceptance_is_not_asked_about(make_mentor, make_mentee):
    mentee = make_mentee(1)
    first, later = make_mentor(1), make_mentor(2)
    accept_request(ask(mentee, first).pk, first)

    ask(mentee, later)

    assert requests_to_reconsider(mentee) == []


def test_nothing_is_asked_without_an_acceptance(make_mentor, make_mentee):
    mentee = make_mentee(1)
    ask(mentee, make_mentor(1))

    assert requests_to_reconsider(mentee) == []
