"""A reminder's one-click unsubscribe link works for a year; after that it says so and points to the
email preferences behind sign-in. Whoever opens the link sees no email address: a forwarded
reminder must not reveal it."""

import datetime
import re
from urllib.parse import urlsplit

import pytest
import time_machine

from notifications.emails import unsubscribe_url
from notifications.models import Preferences

pytestmark = pytest.mark.django_db

SENT = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
AN_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


def days_later(days):
    return time_machine.travel(SENT + datetime.timedelta(days=days), tick=False)


@pytest.fixture
def link(mentee):
    with days_later(0):
        return urlsplit(unsubscribe_url(mentee)).path


def test_a_link_364_days_old_still_stops_reminders(client, mentee, link):
    with days_later(364):
        page = client.get(link)
        client.post(link, {"List-Unsubscribe": "One-Click"})

    assert page.status_code == 200 and "Stop sending you reminders?" in page.content.decode()
    assert Preferences.of(mentee).reminders is False


def test_a_link_366_days_old_is_refused_and_says_where_to_go_instead(client, mentee, link):
    with days_later(366):
        opened = client.get(link)
        posted = client.post(link, {"List-Unsubscribe": "One-Click"})

    assert opened.status_code == posted.status_code == 400
    page = opened.content.decode()
    assert "This link has expired: the links in reminders work for a year." in page
    assert "sign in and turn them off in your" in page
    assert 'href="/notifications/preferences/"' in page
    assert Preferences.of(mentee).reminders is True


def test_the_page_shows_no_email_address(client, mentee, link):
    with days_later(1):
        asked = client.get(link).content.decode()
        done = client.post(link).content.decode()

    assert "Reminders are off." in done
    for page in (asked, done):
        assert mentee.email not in page
        assert AN_ADDRESS.search(page) is None
