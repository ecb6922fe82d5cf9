"""Dates and times in the member's own time zone (Profile.time_zone): on the pages they open and in
the emails they receive. A member who chose none reads the site's TIME_ZONE (UTC here), whoever
caused the page or the email."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from mentoring.reminders import run_follow_up
from mentoring.services.requests import accept_request, send_request

pytestmark = pytest.mark.django_db

# 2 March 2026, 09:00 UTC: 01:00 in Los Angeles (PST until 8 March), 18:00 in Tokyo.
SENT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def set_zone(user, name):
    user.profile.time_zone = name
    user.profile.save()


def start_relationship(mentee, mentor, when):
    with time_machine.travel(when, tick=False):
        request = send_request(mentee, mentor, recipient_role="mentor", message="Hello")
        relationship = accept_request(request.pk, mentor)
    mail.outbox.clear()
    return relationship


@pytest.mark.parametrize(
    ("zone", "shown"),
    [
        ("America/Los_Angeles", "March 2, 2026, 01:00"),
        ("Asia/Tokyo", "March 2, 2026, 18:00"),
        ("", "March 2, 2026, 09:00"),  # no zone chosen: the site's
    ],
)
def test_a_member_reads_the_timeline_in_their_own_time_zone(
    client, enrolled_mentee, enrolled_mentor, zone, shown
):
    set_zone(enrolled_mentee, zone)
    relationship = start_relationship(enrolled_mentee, enrolled_mentor, SENT)
    client.force_login(enrolled_mentee)

    page = client.get(reverse("mentoring:relationship", args=[relationship.pk])).content.decode()

    assert shown in page
    others = {"March 2, 2026, 01:00", "March 2, 2026, 18:00", "March 2, 2026, 09:00"} - {shown}
    assert not [other for other in others if other in page]


def test_the_members_zone_ends_with_their_request(client, enrolled_mentee, enrolled_mentor):
    set_zone(enrolled_mentee, "Asia/Tokyo")
    relationship = start_relationship(enrolled_mentee, enrolled_mentor, SENT)
    client.force_login(enrolled_mentee)

    client.get(reverse("mentoring:relationship", args=[relationship.pk]))

    # The next request this thread serves, for someone else, starts from the site's zone.
    assert timezone.get_current_timezone_name() == "UTC"


@pytest.mark.parametrize(
    ("zone", "started", "members_date", "elsewhere"),
    [
        # 03:00 UTC on 2 March is still 1 March in Los Angeles (and in New York)...
        (
            "America/Los_Angeles",
            datetime(2026, 3, 2, 3, 0, tzinfo=UTC),
            "March 1, 2026",
            "America/New_York",
        ),
        # ...and 20:00 UTC is already 3 March in Tokyo (and in Auckland).
        (
            "Asia/Tokyo",
            datetime(2026, 3, 2, 20, 0, tzinfo=UTC),
            "March 3, 2026",
            "Pacific/Auckland",
        ),
    ],
)
def test_a_check_in_reminder_dates_the_last_meeting_in_each_recipients_zone(
    enrolled_mentee, enrolled_mentor, zone, started, members_date, elsewhere
):
    set_zone(enrolled_mentee, zone)  # the mentor chose no zone: the site's
    start_relationship(enrolled_mentee, enrolled_mentor, started)

    # Run while a third zone is active, as when another member's request causes an email: each
    # email is still written in its own recipient's zone, or the site's.
    with (
        time_machine.travel(started + timedelta(days=32), tick=False),
        timezone.override(elsewhere),
    ):
        assert run_follow_up()["check-in reminders"] == 1

    emails = {message.to[0]: message for message in mail.outbox}
    to_mentee, to_mentor = emails["maria@example.com"], emails["david@example.com"]
    assert "last check-in on record was " + members_date in to_mentee.body
    assert members_date in to_mentee.alternatives[0][0]
    assert "last check-in on record was March 2, 2026" in to_mentor.body


def test_a_streamed_report_is_written_in_the_staff_members_zone(
    client, staff, enrolled_mentee, enrolled_mentor
):
    set_zone(staff, "Asia/Tokyo")
    # 20:00 UTC on 2 March: 3 March in Tokyo.
    start_relationship(enrolled_mentee, enrolled_mentor, datetime(2026, 3, 2, 20, 0, tzinfo=UTC))
    client.force_login(staff)

    response = client.get(reverse("program:report_csv", args=["relationships"]))
    text = b"".join(response.streaming_content).decode("utf-8-sig")

    (row,) = list(csv.reader(io.StringIO(text)))[1:]
    assert "2026-03-03" in row and "2026-03-02" not in row
