"""The member experience end to end, on a phone and on a desktop: the home page, a search with its
criteria as chips, a request sent and shown as sent, the answer from the home page, and the
relationship page for the mentee, the mentor and staff. Every page: axe-core finds nothing serious
and nothing scrolls sideways."""

import re

import pytest

from tests.browser.pages import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


def check(page, assert_accessible, screenshot, step):
    """What every page of the walk must do, then a screenshot to look at."""
    width = page.evaluate("document.documentElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    assert width <= inner, f"{page.url} scrolls sideways: {width} px on a {inner} px screen"
    assert_accessible(page)
    screenshot(page, step)


def open_from_menu(page, name):
    """A link of the main navigation: on a phone it sits in the Menu disclosure."""
    nav = page.get_by_role("navigation", name="Main")
    link = nav.get_by_role("link", name=name, exact=True)
    if not link.is_visible():
        nav.locator("summary", has_text="Menu").click()
    link.click()


@pytest.mark.parametrize("device", WIDTHS)
def test_home_search_request_answer_and_relationship_for_each_role(
    browser,
    live_server,
    settings,
    device,
    enrolled_mentee,
    enrolled_mentor,
    staff,
    assert_accessible,
    screenshot,
):
    settings.SITE_URL = live_server.url
    contexts = {
        who: browser.new_context(base_url=live_server.url, viewport=WIDTHS[device])
        for who in ("mentee", "mentor", "staff")
    }
    mentee, mentor, program_staff = (contexts[who].new_page() for who in contexts)
    try:
        # The mentee lands on their home page, which suggests a mentor.
        sign_in(mentee, "maria@example.com")
        mentee.get_by_role("heading", name="Welcome back, Maria").wait_for()
        assert mentee.get_by_role("link", name="David Okafor").count() >= 1
        check(mentee, assert_accessible, screenshot, "mentee-home")

        # Find a Mentor: the suggested criteria show as chips above the results.
        open_from_menu(mentee, "Find a Mentor")
        chips = mentee.get_by_role("list", name="Active criteria and filters")
        chips.wait_for()
        assert chips.get_by_role("link").count() >= 1
        check(mentee, assert_accessible, screenshot, "find-with-chips")

        # The badge under the photo sends the request; afterwards it says it was sent.
        mentee.get_by_role("link", name="Request as mentor: David Okafor").click()
        mentee.get_by_label("A personal message (optional)").fill("Would you help me negotiate?")
        check(mentee, assert_accessible, screenshot, "request-form")
        mentee.get_by_role("button", name="Send request").click()
        mentee.get_by_text("Your request has been sent to David Okafor.").wait_for()
        open_from_menu(mentee, "Find a Mentor")
        mentee.get_by_text(re.compile(r"Request sent · today")).first.wait_for()
        assert mentee.get_by_role("link", name="Request as mentor: David Okafor").count() == 0
        check(mentee, assert_accessible, screenshot, "find-request-sent")

        # The mentor answers from their home page.
        sign_in(mentor, "david@example.com")
        mentor.get_by_role("heading", name=re.compile(r"Waiting for your answer")).wait_for()
        check(mentor, assert_accessible, screenshot, "mentor-home-waiting")
        mentor.get_by_role("link", name="Accept Maria Santos's request").click()
        check(mentor, assert_accessible, screenshot, "accept-confirm")
        mentor.get_by_role("button", name="Accept").click()
        mentor.get_by_text("You are now mentoring partners with Maria Santos.").wait_for()
        check(mentor, assert_accessible, screenshot, "mentor-relationships")

        # The relationship page, for the mentor and for the mentee.
        mentor.get_by_role("link", name=re.compile("Relationship and timeline")).first.click()
        mentor.get_by_role("heading", name="Timeline").wait_for()
        relationship_url = mentor.url
        check(mentor, assert_accessible, screenshot, "relationship-as-mentor")
        mentee.goto(relationship_url)
        mentee.get_by_role("heading", name="Timeline").wait_for()
        check(mentee, assert_accessible, screenshot, "relationship-as-mentee")

        # Staff see the same relationship on their own page.
        sign_in(program_staff, "pat@example.com")
        pk = re.search(r"/relationships/(\d+)/", relationship_url).group(1)
        program_staff.goto(f"/staff/relationships/{pk}/")
        program_staff.get_by_text("Maria Santos").first.wait_for()
        check(program_staff, assert_accessible, screenshot, "relationship-as-staff")
    finally:
        for context in contexts.values():
            context.close()
