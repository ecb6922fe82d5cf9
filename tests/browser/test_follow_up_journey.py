"""Keeping mentoring alive, in a browser: the pair agree a plan, log a check-in with a private note,
download the calendar; a reminder's one-click unsubscribe and the email preferences page."""

import datetime
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar

from mentoring.models import CheckIn, MentoringRequest
from mentoring.reminders import run_follow_up
from mentoring.services.enrollment import enroll
from mentoring.services.requests import accept_request, send_request
from notifications.models import Preferences
from tests.browser.pages import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_plan_check_in_calendar_and_reminder_preferences(
    page,
    live_server,
    enrolled_mentee,
    enrolled_mentor,
    make_member,
    option,
    screenshot,
    assert_accessible,
    settings,
):
    settings.SITE_URL = live_server.url
    request = send_request(enrolled_mentee, enrolled_mentor, recipient_role="mentor")
    relationship = accept_request(request.pk, enrolled_mentor)

    sign_in(page, "maria@example.com")
    page.goto(f"/relationships/{relationship.pk}/")
    page.get_by_text("Edit the plan").click()
    page.get_by_label("Meeting rhythm").select_option("biweekly")
    page.get_by_label("Format").select_option("phone")
    page.get_by_label("Shared goals").fill("Lead the value analysis committee by June.")
    assert_accessible(page)
    page.get_by_role("button", name="Save the plan").click()
    page.get_by_text("The plan is saved.").wait_for()
    page.get_by_text("meeting rhythm: monthly → every two weeks").wait_for()

    page.get_by_label("Note (optional)").fill("Practised the supplier call; felt nervous.")
    page.get_by_label("Only me").check()
    page.get_by_role("button", name="Log a check-in").click()
    page.get_by_text("Check-in logged.").wait_for()
    assert_accessible(page)
    screenshot(page, "relationship-plan-and-check-in")
    assert CheckIn.objects.get().shared is False

    with page.expect_download() as download:
        page.get_by_role("link", name="Add them to your calendar (.ics)").click()
    events = Calendar.from_ical(Path(download.value.path()).read_bytes()).walk("VEVENT")
    days = [event.decoded("dtstart") for event in events]
    relationship.refresh_from_db()
    fortnight = datetime.timedelta(days=14)
    assert days[0] == timezone.localtime(relationship.started_at).date() + fortnight
    assert all(later - earlier == fortnight for earlier, later in zip(days, days[1:], strict=False))
    assert days[-1] <= timezone.localtime(relationship.planned_end).date() < days[-1] + fortnight

    page.goto("/notifications/preferences/")
    assert_accessible(page)
    screenshot(page, "email-preferences")

    # A week-old request reminds Maria; the email's one-click link turns reminders off.
    ana = make_member("ana@example.com", "Ana", "Reyes", job_title="Director")
    enroll(ana, "mentor", option_ids=[option("Leadership Skills", "Negotiation").pk], max_mentees=2)
    waiting = send_request(ana, enrolled_mentee, recipient_role="mentee")
    MentoringRequest.objects.filter(pk=waiting.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=8)
    )
    mail.outbox.clear()
    run_follow_up()
    reminder = next(m for m in mail.outbox if m.to == ["maria@example.com"])
    link = re.search(r"Stop reminders: (\S+)", reminder.body).group(1)
    page.goto(urlsplit(link).path)
    assert_accessible(page)
    page.get_by_role("button", name="Stop reminders").click()
    page.get_by_text("Reminders are off.").wait_for()
    screenshot(page, "unsubscribed")
    assert Preferences.of(enrolled_mentee).reminders is False
