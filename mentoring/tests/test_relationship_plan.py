"""The agreed plan, check-ins and calendar on a relationship's page: "We encourage each Mentor-Mentee
team to plan monthly calls for six months." """

import datetime

import pytest
import time_machine
from icalendar import Calendar

from mentoring.models import CalendarFeed, CheckIn, ProgramSettings
from mentoring.services.errors import RequestError
from mentoring.services.relationships import complete_relationship, log_check_in, update_plan
from mentoring.services.requests import accept_request, send_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def relationship(enrolled_mentee, enrolled_mentor):
    request = send_request(
        enrolled_mentee, enrolled_mentor, recipient_role="mentor", goals="Negotiation"
    )
    return accept_request(request.pk, enrolled_mentor)


def test_the_plan_starts_from_the_program_settings_and_the_mentees_goals(
    enrolled_mentee, enrolled_mentor
):
    program = ProgramSettings.current()
    program.default_rhythm, program.default_length_months = "biweekly", 4
    program.save()
    request = send_request(
        enrolled_mentee, enrolled_mentor, recipient_role="mentor", goals="Negotiation"
    )

    relationship = accept_request(request.pk, enrolled_mentor)

    assert (relationship.rhythm, relationship.planned_months, relationship.goals) == (
        "biweekly",
        4,
        "Negotiation",
    )


def test_either_partner_edits_the_plan_and_the_change_is_on_the_timeline(
    client, relationship, enrolled_mentee
):
    client.force_login(enrolled_mentee)

    response = client.post(
        f"/relationships/{relationship.pk}/plan/",
        {"rhythm": "weekly", "meeting_format": "phone", "planned_months": "3", "goals": "Lead"},
        follow=True,
    )

    relationship.refresh_from_db()
    assert (relationship.rhythm, relationship.meeting_format, relationship.planned_months) == (
        "weekly",
        "phone",
        3,
    )
    page = response.content.decode()
    assert "The plan is saved." in page
    assert "Maria Santos changed the plan" in page
    assert "meeting rhythm: monthly → weekly" in page


def test_a_bad_plan_is_refused_with_a_message_and_changes_nothing(
    client, relationship, enrolled_mentee
):
    client.force_login(enrolled_mentee)

    response = client.post(
        f"/relationships/{relationship.pk}/plan/",
        {"rhythm": "hourly", "meeting_format": "phone", "planned_months": "99", "goals": ""},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "Select a valid choice" in page and "less than or equal to 36" in page
    relationship.refresh_from_db()
    assert (relationship.rhythm, relationship.planned_months) == ("monthly", 6)


def test_a_completed_relationship_keeps_its_plan(relationship, enrolled_mentee):
    complete_relationship(relationship.pk, enrolled_mentee, outcome="goals_met")

    with pytest.raises(RequestError, match="completed"):
        update_plan(relationship.pk, enrolled_mentee, rhythm="weekly")


def test_outsiders_cannot_see_or_change_the_plan(client, relationship, outsider):
    client.force_login(outsider)

    assert client.get(f"/relationships/{relationship.pk}/").status_code == 404
    assert client.post(f"/relationships/{relationship.pk}/plan/", {}).status_code == 404
    assert client.post(f"/relationships/{relationship.pk}/check-ins/", {}).status_code == 404
    assert client.get(f"/relationships/{relationship.pk}/calendar.ics").status_code == 404


def test_a_shared_check_in_note_is_seen_by_the_partner_a_private_one_is_not(
    client, relationship, enrolled_mentee, enrolled_mentor
):
    today = datetime.date.today().isoformat()
    client.force_login(enrolled_mentee)
    client.post(
        f"/relationships/{relationship.pk}/check-ins/",
        {"met_on": today, "note": "Talked through the RFP", "shared": "1"},
    )
    client.post(
        f"/relationships/{relationship.pk}/check-ins/",
        {"met_on": today, "note": "I felt unprepared", "shared": "0"},
    )
    assert CheckIn.objects.count() == 2

    client.force_login(enrolled_mentor)
    page = client.get(f"/relationships/{relationship.pk}/").content.decode()

    assert "Talked through the RFP" in page
    assert "I felt unprepared" not in page


def test_a_check_in_in_the_future_or_before_the_start_is_refused(
    client, relationship, enrolled_mentee
):
    client.force_login(enrolled_mentee)
    tomorrow = datetime.date.today() + datetime.timedelta(days=2)

    response = client.post(
        f"/relationships/{relationship.pk}/check-ins/",
        {"met_on": tomorrow.isoformat(), "note": "", "shared": "1"},
    )

    assert response.status_code == 400
    assert "cannot be in the future" in response.content.decode()
    with pytest.raises(RequestError, match="before the relationship began"):
        log_check_in(relationship.pk, enrolled_mentee, met_on=datetime.date(2020, 1, 1))
    assert CheckIn.objects.count() == 0


def test_the_calendar_file_holds_the_planned_monthly_check_ins(
    client, enrolled_mentee, enrolled_mentor
):
    with time_machine.travel(datetime.datetime(2026, 1, 15, 12, tzinfo=datetime.UTC)):
        request = send_request(enrolled_mentee, enrolled_mentor, recipient_role="mentor")
        relationship = accept_request(request.pk, enrolled_mentor)
    client.force_login(enrolled_mentee)

    response = client.get(f"/relationships/{relationship.pk}/calendar.ics")

    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert [event.decoded("dtstart") for event in events] == [
        datetime.date(2026, month, 15) for month in range(2, 8)
    ]
    assert str(events[0]["summary"]) == "Mentoring check-in with David Okafor"
    assert len({str(event["uid"]) for event in events}) == 6


def test_the_personal_feed_works_without_sign_in_until_its_link_is_replaced(
    client, relationship, enrolled_mentee
):
    client.force_login(enrolled_mentee)
    client.get("/relationships/")
    token = CalendarFeed.objects.get(user=enrolled_mentee).token
    client.logout()

    feed = client.get(f"/calendar/{token}.ics")
    assert feed.status_code == 200
    assert len(Calendar.from_ical(feed.content).walk("VEVENT")) == 6

    client.force_login(enrolled_mentee)
    client.post("/calendar/new-link/")
    client.logout()
    assert client.get(f"/calendar/{token}.ics").status_code == 404
    new_token = CalendarFeed.objects.get(user=enrolled_mentee).token
    assert client.get(f"/calendar/{new_token}.ics").status_code == 200


def test_email_preferences_page_saves_the_choice(client, enrolled_mentee):
    from notifications.models import Preferences

    client.force_login(enrolled_mentee)
    response = client.post(
        "/notifications/preferences/", {"reminders": "on", "frequency": "weekly"}, follow=True
    )

    assert "Your email preferences are saved." in response.content.decode()
    assert Preferences.of(enrolled_mentee).frequency == "weekly"
    refused = client.post("/notifications/preferences/", {"frequency": "hourly"})
    assert "Select a valid choice" in refused.content.decode()
    assert Preferences.of(enrolled_mentee).frequency == "weekly"
