"""The signed-in member's home, at /: what waits for their answer, their active relationships with
the next planned check-in, their status in each role, what their profile lacks, and the first of
Find a Mentor's (or Find a Mentee's) suggestions. Signing in lands there; visitors keep the start
page."""

import datetime
import re
from io import BytesIO

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from conftest import PASSWORD
from members.photos import process_photo
from members.services import update_profile
from mentoring.models import Enrollment
from mentoring.services.enrollment import enroll, set_participation, withdraw
from mentoring.services.relationships import complete_relationship
from mentoring.services.requests import accept_request, decline_request, send_request

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 29, 9, 0, tzinfo=datetime.UTC)


def negotiation(option) -> int:
    return option("Leadership Skills", "Negotiation").pk


def home(client):
    response = client.get("/")
    assert response.status_code == 200
    return response


def text(response) -> str:
    """The page's words, without tags, on one line."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.fixture
def mentees(make_member, option):
    """Three more enrolled mentees."""
    made = []
    for n, name in enumerate(["Ana Reyes", "Ben Ode", "Cara Lim"]):
        first, last = name.split()
        user = make_member(f"mentee{n}@example.com", first, last, job_title="Buyer")
        enroll(user, "mentee", option_ids=[option("Leadership Skills", "Negotiation").pk])
        made.append(user)
    return made


def test_a_visitor_keeps_the_start_page(client):
    response = home(client)

    assert [t.name for t in response.templates][0] == "home.html"
    assert "Join Mentor Match" in text(response)


def test_signing_in_lands_on_the_home_page(client, mentor):
    response = client.post(
        reverse("account_login"), {"login": "david@example.com", "password": PASSWORD}
    )

    assert response.status_code == 302 and response["Location"] == "/"
    page = home(client)
    assert [t.name for t in page.templates][0] == "home_member.html"
    assert "Welcome back, David" in text(page)
    assert '<a href="/" aria-current="page">Home</a>' in page.content.decode()


def test_requests_waiting_for_the_member_each_link_to_accept_and_decline(
    client, enrolled_mentor, enrolled_mentee, mentees, option
):
    waiting = send_request(enrolled_mentee, enrolled_mentor, recipient_role="mentor")
    answered = send_request(mentees[0], enrolled_mentor, recipient_role="mentor")
    decline_request(answered.pk, enrolled_mentor, reason="no_time")
    enroll(enrolled_mentor, "mentee", option_ids=[negotiation(option)], statement="Learning.")
    sent = send_request(enrolled_mentor, mentees[1], recipient_role="mentee")
    client.force_login(enrolled_mentor)

    page = home(client).content.decode()

    assert f'href="/requests/{waiting.pk}/accept/"' in page
    assert f'href="/requests/{waiting.pk}/decline/"' in page
    assert "Maria Santos</a>\n            asks you to be their mentor" in page
    # Neither one already answered, nor one the member sent, waits for their answer.
    assert f"/requests/{answered.pk}/" not in page
    assert f"/requests/{sent.pk}/" not in page
    assert "Waiting for your answer (1)" in text(home(client))


def test_with_nothing_waiting_the_home_page_says_so(client, enrolled_mentor):
    client.force_login(enrolled_mentor)

    assert "Nothing is waiting for your answer." in text(home(client))


def test_active_relationships_show_the_next_planned_check_in(
    client, enrolled_mentor, enrolled_mentee, mentees
):
    with time_machine.travel(NOW, tick=False):
        request = send_request(enrolled_mentee, enrolled_mentor, recipient_role="mentor")
        relationship = accept_request(request.pk, enrolled_mentor)
        ended = accept_request(
            send_request(mentees[0], enrolled_mentor, recipient_role="mentor").pk,
            enrolled_mentor,
        )
        complete_relationship(ended.pk, enrolled_mentor, outcome="goals_met")

    def home_on(day):
        with time_machine.travel(day, tick=False):
            client.force_login(enrolled_mentor)  # a session lasts two weeks
            return home(client)

    # Monthly by default: a month after it began, then the month after that.
    first = home_on(NOW + datetime.timedelta(days=3))
    second = text(home_on(datetime.datetime(2027, 1, 2, tzinfo=datetime.UTC)))
    last = text(home_on(datetime.datetime(2027, 6, 1, tzinfo=datetime.UTC)))

    assert f'href="/relationships/{relationship.pk}/"' in first.content.decode()
    first = text(first)
    assert "Maria Santos , your mentee Next planned check-in: December 29, 2026" in first
    assert "Next planned check-in: January 29, 2027" in second
    assert "The planned check-ins are over" in last
    assert "Ana Reyes" not in first  # completed: past relationships live on My Relationships


def test_the_mentee_sees_their_mentor(client, enrolled_mentor, enrolled_mentee):
    request = send_request(enrolled_mentee, enrolled_mentor, recipient_role="mentor")
    accept_request(request.pk, enrolled_mentor)
    client.force_login(enrolled_mentee)

    assert "David Okafor , your mentor Next planned check-in" in text(home(client))


def test_a_member_enrolled_in_neither_role_is_invited_to_enroll(client, mentee):
    client.force_login(mentee)

    page = text(home(client))

    assert "Enroll as a Mentor" in page and "Enroll as a Mentee" in page
    assert "Suggested" not in page
    assert "No active relationships yet." in page


@time_machine.travel(NOW, tick=False)
def test_the_status_in_each_role_follows_the_participating_rule(client, enrolled_mentor, option):
    enroll(enrolled_mentor, "mentee", option_ids=[negotiation(option)], statement="Learning.")
    mentor = Enrollment.objects.get(user=enrolled_mentor, role="mentor")
    set_participation(mentor, paused=True, return_date=datetime.date(2027, 1, 15), max_mentees=2)
    client.force_login(enrolled_mentor)

    page = text(home(client))
    with time_machine.travel(datetime.datetime(2027, 1, 15, 8, tzinfo=datetime.UTC)):
        client.force_login(enrolled_mentor)  # a session lasts two weeks
        back = text(home(client))

    assert "As a Mentor Temporarily Not Participating until January 15, 2027" in page
    assert "As a Mentee Active" in page
    # From the return date the mentor counts as participating again (Enrollment.is_participating).
    assert "As a Mentor Active 2 of 2 places open" in back
    assert 'href="/enroll/mentor/status/"' in home(client).content.decode()


@time_machine.travel(NOW, tick=False)
def test_a_mentor_past_their_availability_end_date_is_told_so(client, enrolled_mentor):
    mentor = Enrollment.objects.get(user=enrolled_mentor, role="mentor")
    set_participation(
        mentor, paused=False, available_until=datetime.date(2026, 12, 31), max_mentees=2
    )
    client.force_login(enrolled_mentor)

    with time_machine.travel(datetime.datetime(2027, 1, 1, 8, tzinfo=datetime.UTC)):
        client.force_login(enrolled_mentor)  # a session lasts two weeks
        page = text(home(client))

    assert "Not taking new requests your availability ended December 31, 2026" in page


def test_a_withdrawn_role_is_offered_again(client, enrolled_mentee):
    withdraw(Enrollment.objects.get(user=enrolled_mentee, role="mentee"))
    client.force_login(enrolled_mentee)

    page = text(home(client))

    assert "Enroll as a Mentee" in page
    assert "Suggested mentors" not in page


def test_the_profile_hint_names_what_is_missing(client, mentee):
    client.force_login(mentee)

    page = text(home(client))

    assert (
        "Yours still needs: a photo a short bio where you are (city and country) your time zone"
        in page
    )
    assert 'href="/profile/"' in home(client).content.decode()


def test_a_complete_profile_gets_no_hint(client, mentee):
    data = BytesIO()
    Image.new("RGB", (120, 120), (200, 30, 30)).save(data, "JPEG")
    upload = SimpleUploadedFile("me.jpg", data.getvalue(), content_type="image/jpeg")
    update_profile(
        mentee.profile,
        fields={
            "bio": "Ten years in purchasing.",
            "city": "Madison",
            "country": "US",
            "time_zone": "America/Chicago",
        },
        photo=process_photo(upload),
    )
    client.force_login(mentee)

    page = text(home(client))

    assert "Your profile has everything members look for." in page
    assert "still needs" not in page


def test_suggestions_are_the_first_of_find_a_mentor(client, enrolled_mentee, make_member, option):
    for n, (name, area) in enumerate(
        [
            ("Grace Hopper", "Value Analysis"),
            ("Alan Turing", "Value Analysis"),
            ("Ada Lovelace", "Value Analysis"),
            ("Edsger Dijkstra", "Value Analysis"),
            ("Barbara Liskov", "Sterile Processing"),
        ]
    ):
        first, last = name.split()
        user = make_member(f"m{n}@example.com", first, last, job_title="Director")
        negotiation = option("Leadership Skills", "Negotiation").pk
        areas = [option("Areas of Professional Experience", area).pk]
        enroll(user, "mentor", option_ids=areas + ([negotiation] if n % 2 else []), max_mentees=2)
    client.force_login(enrolled_mentee)

    home_page = home(client)
    find_page = client.get("/find-a-mentor/")

    suggested = [row["name"] for row in home_page.context["suggestions"][0]["rows"]]
    assert suggested == [row["name"] for row in find_page.context["rows"]][:3]
    assert len(suggested) == 3
    assert "Barbara Liskov" not in suggested  # not in the mentee's area, as on Find a Mentor
    page = text(home_page)
    assert "Suggested mentors" in page
    assert f"{find_page.context['results'].total} suggested there" in page
    assert 'href="/find-a-mentor/"' in home_page.content.decode()


def test_with_no_mentor_to_suggest_the_home_page_says_so(client, enrolled_mentee):
    client.force_login(enrolled_mentee)

    page = text(home(client))

    assert "Suggested mentors No mentors match your enrollment yet. Find a Mentor" in page


def test_suggestions_leave_out_the_members_partners(client, enrolled_mentee, enrolled_mentor):
    accept_request(
        send_request(enrolled_mentee, enrolled_mentor, recipient_role="mentor").pk,
        enrolled_mentor,
    )
    client.force_login(enrolled_mentee)

    response = home(client)

    assert response.context["suggestions"][0]["rows"] == []
    page = text(response)
    assert "Those Find a Mentor suggests are already your mentoring partners." in page
    assert "suggested there" not in page


def test_the_home_page_reads_the_database_a_fixed_number_of_times(
    client,
    enrolled_mentor,
    enrolled_mentee,
    mentees,
    make_member,
    option,
    settings,
    django_assert_max_num_queries,
):
    """However many requests, relationships and suggestions it shows."""
    settings.SEARCH_INDEX_CHECK_INTERVAL = 60  # seconds: as within a second between checks
    enroll(enrolled_mentor, "mentee", option_ids=[negotiation(option)], statement="Learning.")
    enroll(enrolled_mentor, "mentor", option_ids=[negotiation(option)], max_mentees=10)
    grace = make_member("grace@example.com", "Grace", "Hopper", job_title="Director")
    enroll(grace, "mentor", option_ids=[negotiation(option)], max_mentees=2)

    accept_request(
        send_request(enrolled_mentee, enrolled_mentor, recipient_role="mentor").pk,
        enrolled_mentor,
    )
    waiting = [send_request(m, enrolled_mentor, recipient_role="mentor") for m in mentees]
    client.force_login(enrolled_mentor)
    home(client)  # the search indexes are built once per process

    with django_assert_max_num_queries(QUERIES):
        page = text(home(client))
    assert "Waiting for your answer (3)" in page
    assert page.count("Next planned check-in") == 1
    assert "Suggested mentors GH Grace Hopper" in page and "Suggested mentees" in page

    # Three more relationships, three more requests: not one more query.
    for request in waiting:
        accept_request(request.pk, enrolled_mentor)
    for n in range(3):
        user = make_member(f"more{n}@example.com", "More", f"Mentee{n}")
        enroll(user, "mentee", option_ids=[negotiation(option)])
        send_request(user, enrolled_mentor, recipient_role="mentor")
    with django_assert_max_num_queries(QUERIES):
        page = text(home(client))
    assert "Waiting for your answer (3)" in page
    assert page.count("Next planned check-in") == 4


# The session, the member (with their count of waiting requests) and their profile; their
# enrollments and choices; the waiting requests; the relationships; and for each role's suggestions
# the search page's own look-ups (its members' accounts, and requests already sent to them).
QUERIES = 11


def enroll_by_form(client, role, option, **fields):
    """Post the enrollment form as the browser does, choosing Negotiation; the page after."""
    negotiation = option("Leadership Skills", "Negotiation")
    data = {f"category_{negotiation.category_id}": [negotiation.pk], **fields}
    return client.post(f"/enroll/{role}/", data, follow=True).content.decode()


def test_enrolling_leads_on_to_find_a_mentor(client, mentee, option):
    client.force_login(mentee)

    page = enroll_by_form(client, "mentee", option, statement="Lead the committee.")

    assert "You are enrolled as a Mentee. Welcome!" in page
    assert '<a class="button message-action" href="/find-a-mentor/">Find a Mentor</a>' in page


def test_enrolling_as_a_mentor_leads_on_to_find_a_mentee(client, mentor, option):
    client.force_login(mentor)

    page = enroll_by_form(client, "mentor", option, statement="Ask me.", max_mentees=2)

    assert '<a class="button message-action" href="/find-a-mentee/">Find a Mentee</a>' in page


def test_saving_an_enrollment_again_says_saved(client, enrolled_mentee, option):
    client.force_login(enrolled_mentee)

    page = enroll_by_form(client, "mentee", option, statement="Still leading.")

    assert "Your Mentee enrollment has been saved." in page
    assert "message-action" not in page
