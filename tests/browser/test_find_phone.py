"""Find a Mentor on a phone (390×844) and a desktop (1280×900): the keyword box and Filters come
before the first result, the filters open in a panel that stays open while options change and
closes on Apply, the active criteria are chips, zero results offer a way out, nothing scrolls
sideways, and axe-core finds nothing at each step. Also on a phone without JavaScript."""

import pytest

from tests.browser.pages import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
AREAS = "Areas of Professional Experience"
SKILLS = "Leadership Skills"


@pytest.fixture
def mentors(make_mentor):
    # The mentee (conftest) chose Value Analysis and Negotiation: Suggested for you lists the
    # four Value Analysis mentors.
    return [
        make_mentor(n, *who)
        for n, who in enumerate(
            [
                ("Grace", "Hopper", "Value Analysis", "Negotiation"),
                ("Alan", "Turing", "Value Analysis", "Team Building"),
                ("Barbara", "Liskov", "Value Analysis", "Communication"),
                ("Donald", "Knuth", "Value Analysis", "Coaching Others"),
                ("Ada", "Lovelace", "Sourcing", "Negotiation"),
                ("Edsger", "Dijkstra", "Sterile Processing", "Communication"),
            ]
        )
    ]


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def top(locator) -> float:
    return locator.bounding_box()["y"]


def panel_open(page) -> bool:
    return page.locator("details.find-filters").evaluate("details => details.open")


def shown(locator) -> str:
    """The text a sighted member reads: without what is there for screen readers only."""
    return locator.evaluate(
        """element => {
          const copy = element.cloneNode(true);
          copy.querySelectorAll(".visually-hidden").forEach(hidden => hidden.remove());
          return copy.textContent.replace(/\\s+/g, " ").trim();
        }"""
    )


def result_names(page) -> list[str]:
    return page.locator(".result .member-name").all_inner_texts()


def check(page, screenshot, assert_accessible, step):
    assert fits(page), f"{step}: the page scrolls sideways"
    assert_accessible(page)
    screenshot(page, step)


def test_find_a_mentor_on_a_phone(page, enrolled_mentee, mentors, screenshot, assert_accessible):
    page.set_viewport_size(PHONE)
    sign_in(page, "maria@example.com")
    page.goto("/find-a-mentor/")
    page.get_by_role("heading", name="Suggested for you").wait_for()

    first_result = page.locator(".result").first
    toggle = page.locator("summary.find-filters-toggle")
    keywords = page.get_by_label("Keywords")
    assert top(keywords) < top(first_result)
    assert top(toggle) < top(first_result)
    assert top(first_result) < PHONE["height"]  # the first result is on the first screen
    assert toggle.inner_text().startswith("Filters (2)")  # Value Analysis, open place
    assert not page.get_by_label("Sourcing").is_visible()
    assert page.get_by_role("link", name="Request as mentor: Grace Hopper").is_visible()
    check(page, screenshot, assert_accessible, "phone-suggested")

    # The panel opens; ticking an option re-runs the search (htmx) and the panel stays open.
    toggle.click()
    page.get_by_label("Sourcing").check()
    page.get_by_role("heading", name="5 mentors found").wait_for()
    assert panel_open(page)
    assert page.get_by_label("Sourcing").is_checked()
    assert toggle.inner_text().startswith("Filters (3)")
    # A screen reader hears the new count from a live region that stayed in place.
    assert page.get_by_role("status").filter(has_text="mentors found").inner_text() == (
        "5 mentors found"
    )
    assert "o=" in page.url and "s=1" in page.url
    check(page, screenshot, assert_accessible, "phone-filters-open")

    # Apply closes it; the results and the chips are there.
    page.get_by_role("button", name="Apply filters").click()
    # (A locator, not wait_for_function: the Content-Security-Policy forbids eval.)
    page.locator("details.find-filters[open]").wait_for(state="detached")
    assert not page.get_by_label("Sourcing").is_visible()
    assert page.get_by_role("link", name="Remove Sourcing").is_visible()
    assert page.get_by_role("link", name="Clear all").is_visible()
    assert len(result_names(page)) == 5
    check(page, screenshot, assert_accessible, "phone-applied")

    # A chip removes its criterion, in place, and the address follows.
    page.get_by_role("link", name="Remove Value Analysis").click()
    page.get_by_role("heading", name="1 mentor found").wait_for()
    assert result_names(page) == ["Ada Lovelace"]
    assert page.get_by_role("link", name="Remove Value Analysis").count() == 0
    assert toggle.inner_text().startswith("Filters (2)")

    # From Suggested for you, a name finds a mentor outside the suggestion.
    page.goto("/find-a-mentor/")
    page.get_by_label("Keywords").fill("dijkstra")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("heading", name="1 mentor found").wait_for()
    assert result_names(page) == ["Edsger Dijkstra"]
    assert page.get_by_role("link", name="Keep Value Analysis").is_visible()
    check(page, screenshot, assert_accessible, "phone-keyword-from-suggested")

    # Nobody matches: the page offers the one change that gives results.
    page.get_by_role("link", name="Keep Value Analysis").click()
    page.get_by_role("heading", name="0 mentors found").wait_for()
    check(page, screenshot, assert_accessible, "phone-zero-results")
    page.get_by_role("link", name="4 mentors match if you remove “dijkstra”").click()
    page.get_by_role("heading", name="4 mentors found").wait_for()
    assert len(result_names(page)) == 4


def test_find_a_mentor_on_a_desktop(page, enrolled_mentee, mentors, screenshot, assert_accessible):
    page.set_viewport_size(DESKTOP)
    sign_in(page, "maria@example.com")
    page.goto("/find-a-mentor/")
    page.get_by_role("heading", name="Suggested for you").wait_for()

    # A sidebar: the filters show without opening anything.
    first_result = page.locator(".result").first
    assert top(page.get_by_label("Keywords")) < top(first_result)
    assert page.get_by_label("Sourcing").is_visible()
    assert not page.locator("summary.find-filters-toggle").is_visible()
    assert page.get_by_role("link", name="Remove Value Analysis").is_visible()
    check(page, screenshot, assert_accessible, "desktop-suggested")

    page.get_by_label("Sourcing").check()
    page.get_by_role("heading", name="5 mentors found").wait_for()
    assert page.get_by_role("link", name="Remove Sourcing").is_visible()
    assert page.get_by_label("Sourcing").is_visible()
    check(page, screenshot, assert_accessible, "desktop-refined")

    page.get_by_role("link", name="Clear all").click()
    page.get_by_role("heading", name="6 mentors found").wait_for()
    assert not page.get_by_label("Sourcing").is_checked()
    check(page, screenshot, assert_accessible, "desktop-cleared")

    # The order sits above the results and re-sorts them in place.
    page.get_by_label("Sort by").select_option("name")
    page.wait_for_url("**sort=name**")
    page.locator(".result .member-name").first.filter(has_text="Edsger Dijkstra").wait_for()
    assert result_names(page) == [
        "Edsger Dijkstra",
        "Grace Hopper",
        "Donald Knuth",
        "Barbara Liskov",
        "Ada Lovelace",
        "Alan Turing",
    ]


def test_the_filters_panel_works_without_javascript(
    browser, live_server, enrolled_mentee, mentors, screenshot
):
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, viewport=PHONE
    )
    page = context.new_page()
    sign_in(page, "maria@example.com")
    page.goto("/find-a-mentor/")

    page.locator("summary.find-filters-toggle").click()
    page.get_by_label("Sterile Processing").check()
    page.get_by_role("button", name="Apply filters").click()

    assert page.get_by_role("heading", name="5 mentors found").is_visible()
    assert not page.locator("details.find-filters").evaluate("details => details.open")
    assert fits(page)
    screenshot(page, "phone-no-js")
    page.get_by_role("link", name="Remove Value Analysis").click()
    assert page.get_by_role("heading", name="1 mentor found").is_visible()
    assert result_names(page) == ["Edsger Dijkstra"]
    context.close()


def test_the_badge_sends_a_request_then_says_so(
    page, enrolled_mentee, mentors, screenshot, assert_accessible
):
    page.set_viewport_size(PHONE)
    sign_in(page, "maria@example.com")
    page.goto("/find-a-mentor/")
    grace = page.locator(".result", has_text="Grace Hopper")

    grace.get_by_role("link", name="Request as mentor: Grace Hopper").click()
    page.get_by_role("button", name="Send request").click()
    page.get_by_text("Your request has been sent to Grace Hopper.").wait_for()

    page.goto("/find-a-mentor/")
    assert shown(grace.locator(".request-pending")) == "Request sent · today · Withdraw"
    assert grace.locator(".role-badge").count() == 0
    check(page, screenshot, assert_accessible, "phone-request-sent")

    grace.get_by_role("link", name="Grace Hopper", exact=True).click()
    page.get_by_role("heading", name="Grace Hopper").wait_for()
    side = page.locator(".profile-side")
    assert shown(side.locator(".request-pending")) == "Request sent · today · Withdraw"
    assert page.locator(".role-badge").count() == 0
    check(page, screenshot, assert_accessible, "phone-profile-request-sent")
    side.get_by_role("link", name="Withdraw your request to Grace Hopper").click()
    page.get_by_role("heading", name="Withdraw your request to Grace Hopper?").wait_for()
