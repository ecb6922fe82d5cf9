"""A mentee's shortlist in a real browser, on a desktop and on a phone: search, add two mentors
from their cards (htmx swaps each card's button), see them on My shortlist, move one up, remove
one, and find the search's cards agreeing."""

import pytest

from mentoring.models import ShortlistEntry
from tests.browser.pages import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def mentors(make_mentor):
    return [
        make_mentor(0, "Grace", "Hopper", "Value Analysis", "Negotiation"),
        make_mentor(1, "Alan", "Turing", "Value Analysis", "Team Building"),
        make_mentor(2, "Ada", "Lovelace", "Sourcing", "Negotiation"),
    ]


def fits(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_mentee_shortlists_two_mentors_then_reorders_and_removes(
    page, width, enrolled_mentee, mentors, screenshot, assert_accessible
):
    page.set_viewport_size(WIDTHS[width])
    sign_in(page, "maria@example.com")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    page.goto("/find-a-mentor/")
    page.get_by_role("heading", name="Suggested for you").wait_for()
    page.get_by_role("button", name="Add to my shortlist: Grace Hopper").click()
    page.get_by_text("On your shortlist (1 of 5)").wait_for()
    page.get_by_role("button", name="Add to my shortlist: Alan Turing").click()
    page.get_by_text("On your shortlist (2 of 5)").wait_for()
    # htmx swapped the two buttons in place: the page was not reloaded, no message was shown.
    assert page.locator(".messages").count() == 0
    assert fits(page)
    assert_accessible(page)
    screenshot(page, f"{width}-find-two-shortlisted")

    page.goto("/relationships/")
    page.get_by_role("link", name="My shortlist").click()
    page.get_by_role("heading", name="My shortlist", exact=True).wait_for()
    names = page.locator(".shortlist .member-name")
    assert names.all_inner_texts() == ["Grace Hopper", "Alan Turing"]
    assert page.get_by_text("It sends nothing to the mentors.").is_visible()
    assert fits(page)
    assert_accessible(page)
    screenshot(page, f"{width}-my-shortlist")

    page.get_by_role("button", name="Move up: Alan Turing").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Move down: Alan Turing").wait_for()
    assert names.all_inner_texts() == ["Alan Turing", "Grace Hopper"]
    screenshot(page, f"{width}-moved-up")

    page.get_by_role("button", name="Remove: Grace Hopper").click()
    page.get_by_text("Grace Hopper is off your shortlist.").wait_for()
    assert names.all_inner_texts() == ["Alan Turing"]
    assert fits(page)
    assert_accessible(page)
    screenshot(page, f"{width}-removed")

    page.goto("/find-a-mentor/")
    page.get_by_role("heading", name="Suggested for you").wait_for()
    alan = page.locator(".result", has_text="Alan Turing")
    assert alan.get_by_text("On your shortlist (1 of 5)").is_visible()
    assert page.get_by_role("button", name="Add to my shortlist: Grace Hopper").is_visible()
    assert list(ShortlistEntry.objects.values_list("mentor__email", "rank")) == [
        ("m1@example.com", 1)
    ]


def test_the_card_button_works_without_javascript(
    browser, live_server, enrolled_mentee, mentors, default_criteria, screenshot
):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, "maria@example.com")

    page.goto("/find-a-mentor/?s=1&q=lovelace")
    page.get_by_role("button", name="Add to my shortlist: Ada Lovelace").click()

    # Back on the same search, with a message and the card's new state.
    assert "q=lovelace" in page.url
    assert page.get_by_text("Ada Lovelace is on your shortlist (1 of 5).").is_visible()
    assert page.get_by_text("On your shortlist (1 of 5) ·").is_visible()
    screenshot(page, "no-js-added")
    context.close()
