"""The Content-Security-Policy in a real browser: a member's and a staff member's usual pages,
htmx included, run under it without Chromium refusing anything."""

from types import SimpleNamespace

import pytest

from mentoring.services.enrollment import enroll
from mentoring.services.requests import send_request
from tests.browser.pages import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportViolation(
    `${event.effectiveDirective} refused ${event.blockedURI || "inline"} on ${location.pathname}`
  );
});
"""


@pytest.fixture
def watch(page):
    """Every CSP violation and header complaint Chromium reports, and every page loaded."""
    seen = SimpleNamespace(problems=[], documents=[])

    def on_console(message):
        if "Content Security Policy" in message.text or "Permissions-Policy" in message.text:
            seen.problems.append(message.text)

    def on_response(response):
        if response.request.resource_type == "document":
            seen.documents.append(response)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.expose_function("reportViolation", lambda text: seen.problems.append(text))
    page.add_init_script(REPORT_VIOLATIONS)
    page.on("console", on_console)
    page.on("response", on_response)
    return seen


def test_a_staff_member_who_is_also_a_mentee_walks_the_site_under_the_policy(
    page, watch, staff, enrolled_mentor, option, screenshot
):
    enroll(
        staff,
        "mentee",
        option_ids=[option("Areas of Professional Experience", "Value Analysis").pk],
        statement="I want to learn value analysis.",
    )
    send_request(staff, enrolled_mentor, recipient_role="mentor", message="Hello")

    sign_in(page, "pat@example.com")
    page.get_by_role("link", name="My profile").click()
    page.get_by_role("heading", name="Pat Morgan").wait_for()
    # The initials avatar gets its colour from a class, not a style attribute.
    hue = page.locator(".avatar-initials").first.evaluate(
        "el => getComputedStyle(el).getPropertyValue('--hue').trim()"
    )
    assert hue and int(hue) % 10 == 0
    screenshot(page, "profile")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Find a Mentor").click()
    page.get_by_role("heading", name="Suggested for you").wait_for()
    # htmx re-runs the search and swaps the results in place.
    page.get_by_label("Sourcing").check()
    page.get_by_role("heading", name="1 mentor found").wait_for()
    assert "o=" in page.url
    assert page.locator(".result .member-name").all_inner_texts() == ["David Okafor"]
    screenshot(page, "find-a-mentor")

    page.get_by_role("link", name="My Relationships").click()
    page.get_by_role("heading", name="My Mentoring Relationships").wait_for()
    screenshot(page, "relationships")

    page.get_by_role("link", name="Program staff").click()
    page.get_by_role("heading", name="Program dashboard").wait_for()
    swatch = page.locator(".swatch.series-requests").evaluate(
        "el => getComputedStyle(el).backgroundColor"
    )
    assert swatch == "rgb(11, 92, 122)"
    screenshot(page, "dashboard")

    assert watch.problems == []
    # The policy was in force on every page the walk loaded.
    assert len(watch.documents) >= 5
    for response in watch.documents:
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy and "style-src 'self'" in policy, response.url
        assert "unsafe-inline" not in policy, response.url
