"""The pages around requests: the badge's confirmation page, My Mentoring Relationships, answering,
withdrawing and completing. Anyone not entitled gets 404."""

import re

import pytest

from conftest import PASSWORD
from mentoring.models import CalendarFeed, MentoringRequest, Relationship
from mentoring.services.requests import accept_request, send_request

pytestmark = pytest.mark.django_db


def test_the_badge_opens_a_confirmation_page_and_sends_the_request(
    client, enrolled_mentee, enrolled_mentor
):
    client.force_login(enrolled_mentee)
    url = f"/request/mentor/{enrolled_mentor.pk}/"

    page = client.get(url).content.decode()
    response = client.post(url, {"message": "Would you mentor me?", "goals": "Negotiation"})

    assert "Ask David Okafor to be your mentor" in page
    assert response.status_code == 302 and response["Location"] == "/relationships/"
    request = MentoringRequest.objects.get()
    assert (request.requester, request.recipient, request.message, request.goals) == (
        enrolled_mentee,
        enrolled_mentor,
        "Would you mentor me?",
        "Negotiation",
    )


def test_a_refused_request_says_why_and_sends_nothing(client, mentee, enrolled_mentor):
    client.force_login(mentee)  # not enrolled as a mentee

    response = client.post(f"/request/mentor/{enrolled_mentor.pk}/", {"message": "Hi"})

    assert response.status_code == 200
    assert "Enroll as a Mentee before you request a Mentor." in response.content.decode()
    assert not MentoringRequest.objects.exists()


def test_a_message_over_2000_characters_is_refused(client, enrolled_mentee, enrolled_mentor):
    client.force_login(enrolled_mentee)
    response = client.post(f"/request/mentor/{enrolled_mentor.pk}/", {"message": "x" * 2001})
    assert "at most 2000 characters" in response.content.decode()
    assert not MentoringRequest.objects.exists()


def test_search_results_and_profiles_carry_the_badge(
    client, enrolled_mentee, enrolled_mentor, option
):
    client.force_login(enrolled_mentee)

    results = client.get(
        "/find-a-mentor/", {"s": "1", "o": [option("Leadership Skills", "Negotiation").pk]}
    )
    profile = client.get(f"/members/{enrolled_mentor.pk}/")

    assert f'href="/request/mentor/{enrolled_mentor.pk}/"' in results.content.decode()
    assert f'href="/request/mentor/{enrolled_mentor.pk}/"' in profile.content.decode()


def test_search_results_say_when_each_member_was_last_active(
    client, enrolled_mentee, enrolled_mentor, option
):
    query = {"s": "1", "o": [option("Leadership Skills", "Negotiation").pk]}
    client.force_login(enrolled_mentee)
    assert "Not active recently" in client.get("/find-a-mentor/", query).content.decode()

    client.force_login(enrolled_mentor)
    client.get("/")
    client.force_login(enrolled_mentee)

    assert "Active today" in client.get("/find-a-mentor/", query).content.decode()


def test_my_mentoring_relationships_shows_each_section(client, enrolled_mentee, enrolled_mentor):
    request = send_request(
        enrolled_mentee, enrolled_mentor, recipient_role="mentor", message="Please"
    )

    client.force_login(enrolled_mentor)
    mentor_page = client.get("/relationships/").content.decode()
    client.force_login(enrolled_mentee)
    mentee_page = client.get("/relationships/").content.decode()

    assert "Requests awaiting your answer (1)" in mentor_page and "Maria Santos" in mentor_page
    assert f'action="/requests/{request.pk}/accept/"' in mentor_page
    assert "Your pending requests (1)" in mentee_page
    assert f'action="/requests/{request.pk}/withdraw/"' in mentee_page


def test_the_recipient_accepts_from_the_page_and_both_see_the_relationship(
    client, enrolled_mentee, enrolled_mentor
):
    request = send_request(enrolled_mentee, enrolled_mentor, recipient_role="mentor")
    client.force_login(enrolled_mentor)

    response = client.post(f"/requests/{request.pk}/accept/", follow=True)

    assert "You are now mentoring partners with Maria Santos." in response.content.decode()
    assert Relationship.objects.active().count() == 1
    client.force_login(enrolled_mentee)
    page = client.get("/relationships/").content.decode()
    assert "David Okafor" in page and "david@example.com" in page  # the partner's contact details


def test_declining_asks_for_a_reason(client, enrolled_mentee, enrolled_mentor):
    request = send_request(enrolled_mentee, enrolled_mentor, recipient_role="mentor")
    client.force_login(enrolled_mentor)

    refused = client.post(f"/requests/{request.pk}/decline/", {"note": "Sorry"})
    request.refresh_from_db()
    assert refused.status_code == 200 and request.status == "pending"

    client.post(f"/requests/{request.pk}/decline/", {"reason": "no_time", "note": "Sorry"})
    request.refresh_from_db()
    assert (request.status, request.decline_reason) == ("declined", "no_time")


def test_nobody_else_may_answer_withdraw_or_complete(
    client, enrolled_mentee, enrolled_mentor, outsider
):
    request = send_request(enrolled_mentee, enrolled_mentor, recipient_role="mentor")
    client.force_login(outsider)

    assert client.get(f"/requests/{request.pk}/accept/").status_code == 404
    assert client.post(f"/requests/{request.pk}/accept/").status_code == 404
    assert client.post(f"/requests/{request.pk}/decline/", {"reason": "no_time"}).status_code == 404
    assert client.post(f"/requests/{request.pk}/withdraw/").status_code == 404
    relationship = accept_request(request.pk, enrolled_mentor)
    assert (
        client.post(f"/relationships/{relationship.pk}/complete/", {"outcome": "other"}).status_code
        == 404
    )
    request.refresh_from_db()
    relationship.refresh_from_db()
    assert request.status == "accepted" and relationship.status == "active"


def test_the_requester_withdraws_and_either_partner_completes(
    client, enrolled_mentee, enrolled_mentor
):
    request = send_request(enrolled_mentee, enrolled_mentor, recipient_role="mentor")
    client.force_login(enrolled_mentee)
    client.post(f"/requests/{request.pk}/withdraw/")
    request.refresh_from_db()
    assert request.status == "withdrawn"

    again = send_request(enrolled_mentee, enrolled_mentor, recipient_role="mentor")
    relationship = accept_request(again.pk, enrolled_mentor)
    response = client.post(
        f"/relationships/{relationship.pk}/complete/",
        {"outcome": "goals_met", "note_to_partner": "Thank you", "feedback_for_staff": ""},
        follow=True,
    )

    relationship.refresh_from_db()
    assert relationship.status == "completed" and relationship.outcome == "goals_met"
    assert "You can search again at any time." in response.content.decode()


def test_an_accept_link_for_an_answered_request_explains_itself(
    client, enrolled_mentee, enrolled_mentor
):
    request = send_request(enrolled_mentee, enrolled_mentor, recipient_role="mentor")
    accept_request(request.pk, enrolled_mentor)
    client.force_login(enrolled_mentor)

    page = client.get(f"/requests/{request.pk}/accept/").content.decode()

    assert "This request was accepted and needs no answer now." in page


def test_the_link_in_the_email_asks_to_sign_in_then_to_confirm(
    client, enrolled_mentee, enrolled_mentor
):
    request = send_request(enrolled_mentee, enrolled_mentor, recipient_role="mentor")
    link = f"/requests/{request.pk}/accept/"

    anonymous = client.get(link)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    signed_in = client.post(
        anonymous["Location"], {"login": "david@example.com", "password": PASSWORD}, follow=True
    )
    page = signed_in.content.decode()

    assert "Accept Maria Santos" in page
    request.refresh_from_db()
    assert request.status == "pending", "opening the link changes nothing until confirmed"


def test_the_navigation_counts_requests_awaiting_my_answer(
    client, enrolled_mentee, enrolled_mentor
):
    client.force_login(enrolled_mentor)
    assert "nav-count" not in client.get("/relationships/").content.decode()

    send_request(enrolled_mentee, enrolled_mentor, recipient_role="mentor")

    page = client.get("/").content.decode()
    assert '<span class="nav-count">1<span class="visually-hidden"> awaiting your answer' in page
    client.force_login(enrolled_mentee)
    assert "nav-count" not in client.get("/").content.decode()


def test_the_relationship_page_shows_the_partner_and_the_timeline(
    client, enrolled_mentee, enrolled_mentor, outsider
):
    request = send_request(
        enrolled_mentee, enrolled_mentor, recipient_role="mentor", message="Hello David"
    )
    relationship = accept_request(request.pk, enrolled_mentor)
    client.force_login(enrolled_mentee)

    page = client.get(f"/relationships/{relationship.pk}/").content.decode()

    assert "Mentoring with David Okafor" in page
    assert "+1 555 123 4567" in page and "a monthly call for 6 months" in page
    assert page.index("Maria Santos sent the request") < page.index(
        "David Okafor accepted the request"
    )
    assert "The relationship began" in page
    client.force_login(outsider)
    assert client.get(f"/relationships/{relationship.pk}/").status_code == 404


def test_partners_see_contact_details_kept_for_partners_only(
    client, enrolled_mentee, enrolled_mentor, outsider
):
    enrolled_mentor.profile.contact_visibility = "partners"
    enrolled_mentor.profile.save()
    client.force_login(enrolled_mentee)
    assert "+1 555 123 4567" not in client.get(f"/members/{enrolled_mentor.pk}/").content.decode()

    request = send_request(enrolled_mentee, enrolled_mentor, recipient_role="mentor")
    accept_request(request.pk, enrolled_mentor)

    assert "+1 555 123 4567" in client.get(f"/members/{enrolled_mentor.pk}/").content.decode()
    client.force_login(outsider)
    assert "+1 555 123 4567" not in client.get(f"/members/{enrolled_mentor.pk}/").content.decode()


def test_the_signed_in_member_comes_with_the_count_of_requests_awaiting_them(
    client, enrolled_mentee, enrolled_mentor
):
    send_request(enrolled_mentee, enrolled_mentor, recipient_role="mentor")
    client.force_login(enrolled_mentor)

    response = client.get("/")

    assert response.wsgi_request.user.awaiting_answer == 1
    assert '<span class="nav-count">1' in response.content.decode()


def test_the_page_title_holds_neither_the_calendar_secret_nor_the_csrf_token(
    client, enrolled_mentee
):
    client.force_login(enrolled_mentee)

    page = client.get("/relationships/").content.decode()

    token = CalendarFeed.objects.get(user=enrolled_mentee).token
    title = re.search(r"<title>(.*?)</title>", page, re.DOTALL).group(1)
    assert title == "My Mentoring Relationships · Mentor Match"
    assert token not in title and "csrf" not in title.lower()
    assert page.count(token) == 1, "the calendar link is shown once, in its own section"


def test_a_deactivated_members_calendar_feed_answers_404_with_no_calendar(
    client, enrolled_mentee, enrolled_mentor
):
    request = send_request(enrolled_mentee, enrolled_mentor, recipient_role="mentor")
    accept_request(request.pk, enrolled_mentor)
    token = CalendarFeed.objects.create(user=enrolled_mentee).token
    assert client.get(f"/calendar/{token}.ics").status_code == 200

    enrolled_mentee.is_active = False
    enrolled_mentee.save()
    response = client.get(f"/calendar/{token}.ics")

    assert response.status_code == 404
    assert "BEGIN:VCALENDAR" not in response.content.decode()
    assert "David Okafor" not in response.content.decode()


def test_my_relationships_costs_the_same_queries_for_one_partner_or_many(
    client, enrolled_mentee, enrolled_mentor, make_member, option, django_assert_num_queries
):
    """Everyone on the page is read with their profile in one query, whatever their number."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from mentoring.services.enrollment import enroll, set_participation
    from mentoring.services.relationships import complete_relationship

    set_participation(enrolled_mentor.enrollments.get(role="mentor"), paused=False, max_mentees=6)
    negotiation = option("Leadership Skills", "Negotiation").pk

    def mentee(n):
        user = make_member(f"mentee{n}@example.com", "Mentee", f"Number {n}")
        enroll(user, "mentee", option_ids=[negotiation])
        return user

    first = send_request(enrolled_mentee, enrolled_mentor, recipient_role="mentor")
    accept_request(first.pk, enrolled_mentor)
    send_request(mentee(7), enrolled_mentor, recipient_role="mentor")
    client.force_login(enrolled_mentor)
    client.get("/relationships/")  # the calendar link is made on the first visit
    with CaptureQueriesContext(connection) as one:
        client.get("/relationships/")
    for n in range(4):
        accepted = accept_request(
            send_request(mentee(n), enrolled_mentor, recipient_role="mentor").pk, enrolled_mentor
        )
        if n == 0:
            complete_relationship(accepted.pk, enrolled_mentor, outcome="goals_met")
    for n in range(4, 7):
        send_request(mentee(n), enrolled_mentor, recipient_role="mentor")

    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get("/relationships/").content.decode()

    assert "Requests awaiting your answer (4)" in page
    assert all(f"Mentee Number {n}" in page for n in range(8))
    assert page.index("Mentee Number 0") > page.index('id="past-h"')  # completed: under Past
