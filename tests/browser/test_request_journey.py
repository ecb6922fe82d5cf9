"""The FAQ's heart in a browser, with two members: a mentee finds a mentor, clicks the Mentor badge,
sends a request; the mentor opens the Accept link from the email, signs in and accepts; both see the
relationship; the mentee marks it completed and the mentor is told by email."""

import re

import pytest
from django.core import mail

from mentoring.models import Relationship
from tests.browser.pages import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_request_accept_complete_with_two_members(
    browser,
    live_server,
    enrolled_mentee,
    enrolled_mentor,
    default_criteria,
    screenshot,
    assert_accessible,
    settings,
):
    settings.SITE_URL = live_server.url
    mentee_context = browser.new_context(base_url=live_server.url)
    mentor_context = browser.new_context(base_url=live_server.url)
    mentee, mentor = mentee_context.new_page(), mentor_context.new_page()

    sign_in(mentee, "maria@example.com")
    mentee.get_by_role("navigation", name="Main").get_by_role("link", name="Find a Mentor").click()
    mentee.get_by_role("link", name="Request as mentor: David Okafor").click()
    mentee.get_by_label("A personal message (optional)").fill(
        "I would love your help with negotiation."
    )
    assert_accessible(mentee)
    screenshot(mentee, "request-form")
    mentee.get_by_role("button", name="Send request").click()
    mentee.get_by_text("Your request has been sent to David Okafor.").wait_for()
    assert_accessible(mentee)
    screenshot(mentee, "mentee-relationships-pending")

    (request_email,) = mail.outbox
    assert request_email.to == ["david@example.com"]
    accept_link = re.search(r"Accept:\s+(\S+)", request_email.body).group(1)
    mentor.goto(accept_link)
    mentor.get_by_label("Email").fill("david@example.com")
    mentor.get_by_label("Password").fill("correct-horse-battery-staple")
    mentor.get_by_role("button", name="Sign In").click()
    mentor.get_by_role("heading", name="Accept Maria Santos's request?").wait_for()
    mentor.get_by_text("I would love your help with negotiation.").wait_for()
    assert mentor.locator(".nav-count").inner_text().startswith("1")
    assert_accessible(mentor)
    screenshot(mentor, "mentor-confirms-from-email")
    mentor.get_by_role("button", name="Accept").click()
    mentor.get_by_text("You are now mentoring partners with Maria Santos.").wait_for()
    assert mentor.locator(".nav-count").count() == 0
    assert_accessible(mentor)
    screenshot(mentor, "mentor-accepted")
    welcome = [m for m in mail.outbox if "now mentoring partners" in m.subject]
    assert sorted(m.to[0] for m in welcome) == ["david@example.com", "maria@example.com"]

    mentee.reload()
    mentee.get_by_role("link", name="Relationship and timeline").click()
    mentee.get_by_text("David Okafor accepted the request").wait_for()
    assert_accessible(mentee)
    screenshot(mentee, "mentee-relationship-page")
    mentee.go_back()
    mentee.reload()
    mentee.get_by_role("link", name="Mark completed").click()
    mentee.get_by_label("Goals met").check()
    assert_accessible(mentee)
    mentee.get_by_role("button", name="Mark completed").click()
    mentee.get_by_text("You can search again at any time.").wait_for()
    assert_accessible(mentee)
    screenshot(mentee, "mentee-completed")

    assert Relationship.objects.get().status == "completed"
    assert mail.outbox[-1].to == ["david@example.com"]
    assert "marked your mentoring relationship completed" in mail.outbox[-1].subject
    mentee_context.close()
    mentor_context.close()
