"""Find a Mentor in a real browser: suggestions, refining with htmx, paging, opening a profile."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def mentors(make_mentor):
    return [
        make_mentor(n, *who)
        for n, who in enumerate(
            [
                ("Grace", "Hopper", "Value Analysis", "Negotiation"),
                ("Alan", "Turing", "Value Analysis", "Team Building"),
                ("Ada", "Lovelace", "Sourcing", "Negotiation"),
                ("Edsger", "Dijkstra", "Sterile Processing", "Communication"),
            ]
        )
    ]


def test_a_mentee_finds_a_mentor_refines_and_opens_a_profile(
    page, enrolled_mentee, mentors, screenshot, assert_accessible
):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("maria@example.com")
    page.get_by_label("Password").fill("correct-horse-battery-staple")
    page.get_by_role("button", name="Sign In").click()

    # The main navigation's link: the member's home page has a "Find a Mentor" button too.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Find a Mentor").click()
    page.get_by_role("heading", name="Suggested for you").wait_for()
    results = page.locator(".result .member-name")
    # Suggested from the mentee's own areas (Value Analysis): best match first.
    assert results.all_inner_texts() == ["Grace Hopper", "Alan Turing"]
    assert (
        page.locator(".explanation")
        .first.inner_text()
        .startswith("Areas of professional experience")
    )
    assert_accessible(page)
    screenshot(page, "suggested")

    # Refine: add Sourcing. htmx swaps the results in place and the address follows.
    page.get_by_label("Sourcing").check()
    page.get_by_role("heading", name="3 mentors found").wait_for()
    assert "o=" in page.url and "s=1" in page.url
    assert sorted(results.all_inner_texts()) == ["Ada Lovelace", "Alan Turing", "Grace Hopper"]
    assert_accessible(page)
    screenshot(page, "refined")

    page.get_by_label("Keywords").fill("lovelace")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("heading", name="1 mentor found").wait_for()
    screenshot(page, "keyword")

    page.get_by_role("link", name="Ada Lovelace", exact=True).click()
    page.get_by_role("heading", name="Ada Lovelace").wait_for()
    assert page.get_by_text("Ada mentors in sourcing.").is_visible()
    screenshot(page, "profile")

    # The address of a search is shareable: opening it again gives the same results.
    page.go_back()
    page.get_by_role("heading", name="1 mentor found").wait_for()


def test_the_search_works_without_javascript(
    browser, live_server, enrolled_mentee, mentors, default_criteria, screenshot
):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("maria@example.com")
    page.get_by_label("Password").fill("correct-horse-battery-staple")
    page.get_by_role("button", name="Sign In").click()

    page.goto("/find-a-mentor/")
    page.get_by_label("Negotiation").check()
    page.get_by_role("button", name="Search").click()

    assert page.get_by_role("heading", name="1 mentor found").is_visible()
    assert page.locator(".result .member-name").all_inner_texts() == ["Grace Hopper"]
    screenshot(page, "no-js-results")
    context.close()
