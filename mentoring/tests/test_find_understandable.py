"""Find a Mentor, understandable: the active criteria as chips that each remove one, a keyword
search from Suggested for you that is not hidden by the suggestion, a way out of zero results,
and the badge under the photo as the request it sends ("click on the Mentor badge (seen below the
Mentor's profile picture) to send the Mentor an email request")."""

import datetime
import html
import re
from urllib.parse import parse_qsl

import pytest
import time_machine
from django.utils import timezone

from mentoring.models import MentoringRequest, ProgramSettings
from mentoring.services.enrollment import enroll
from mentoring.services.requests import send_request

pytestmark = pytest.mark.django_db

AREAS = "Areas of Professional Experience"
SKILLS = "Leadership Skills"


@pytest.fixture
def add_mentor(make_member, option):
    counter = {"n": 0}

    def add(first, last, options, *, capacity=2):
        counter["n"] += 1
        user = make_member(f"{first.lower()}{counter['n']}@example.com", first, last)
        enroll(
            user,
            "mentor",
            option_ids=[option(category, label).pk for category, label in options],
            statement="Happy to help.",
            max_mentees=capacity,
        )
        return user

    return add


def names(page: str) -> list[str]:
    return re.findall(r'class="member-name" href="/members/\d+/">([^<]+)</a>', page)


def text(fragment: str) -> str:
    """What a fragment of HTML reads as: tags dropped, entities and spaces resolved."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def name(fragment: str) -> str:
    """An inline fragment's accessible name: its text without aria-hidden parts (inline
    elements join without spaces)."""
    shown = re.sub(r'<span [^>]*aria-hidden="true"[^>]*>.*?</span>', "", fragment)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", shown)).split())


def chips(page: str) -> dict[str, str]:
    """{chip's accessible name: its link's query string}."""
    return {
        name(label): html.unescape(href)
        for href, label in re.findall(r'<a class="chip" href="\?([^"]*)">(.*?)</a>', page)
    }


def link(page: str, label: str) -> str:
    """The query string of the link whose text starts with `label`."""
    for href, content in re.findall(r'<a [^>]*href="\?([^"]*)"[^>]*>(.*?)</a>', page):
        if text(content).startswith(label):
            return html.unescape(href)
    raise AssertionError(f"no link {label!r}")


def get(client, query: str) -> str:
    return client.get(f"/find-a-mentor/?{query}").content.decode()


def result_items(page: str) -> list[str]:
    return re.findall(r'<li class="result">(.*?)</li>(?=<li class="result">|</ol>)', page)


# --- Chips -------------------------------------------------------------------------------------


def test_each_active_criterion_is_a_chip_that_removes_it(
    client, enrolled_mentee, add_mentor, option
):
    add_mentor("Ann", "Both", [(AREAS, "Sourcing"), (SKILLS, "Negotiation")])
    add_mentor("Ben", "Area", [(AREAS, "Sourcing"), (SKILLS, "Team Building")])
    add_mentor("Cat", "Skill", [(AREAS, "Value Analysis"), (SKILLS, "Negotiation")])
    sourcing, negotiation = option(AREAS, "Sourcing").pk, option(SKILLS, "Negotiation").pk
    client.force_login(enrolled_mentee)

    page = get(client, f"s=1&o={sourcing}&o={negotiation}")

    assert names(page) == ["Ann Both"]
    found = chips(page)
    assert list(found) == ["Remove Sourcing", "Remove Negotiation"]
    assert sorted(parse_qsl(found["Remove Sourcing"])) == [("o", str(negotiation)), ("s", "1")]
    assert sorted(parse_qsl(found["Remove Negotiation"])) == [("o", str(sourcing)), ("s", "1")]
    assert "Filters (2)" in text(page)
    # Following a chip is a plain GET: it works without JavaScript.
    assert sorted(names(get(client, found["Remove Sourcing"]))) == ["Ann Both", "Cat Skill"]
    assert sorted(names(get(client, found["Remove Negotiation"]))) == ["Ann Both", "Ben Area"]
    everyone = get(client, link(page, "Clear all"))
    assert sorted(names(everyone)) == ["Ann Both", "Ben Area", "Cat Skill"]
    assert chips(everyone) == {}


def test_keywords_country_and_the_open_place_filter_are_chips_too(
    client, enrolled_mentee, add_mentor, option
):
    add_mentor("Ann", "Lee", [(SKILLS, "Negotiation")])
    client.force_login(enrolled_mentee)

    page = get(client, "s=1&q=lee&country=CA&open=1&sort=name")

    assert list(chips(page)) == ["Remove “lee”", "Remove Canada", "Remove With an open place"]
    assert "Filters (2)" in text(page)  # the keywords have their own box
    # Clear all keeps only the order.
    assert sorted(parse_qsl(link(page, "Clear all"))) == [("s", "1"), ("sort", "name")]
    assert names(get(client, chips(page)["Remove Canada"])) == ["Ann Lee"]


def test_suggested_for_you_shows_its_criteria_as_chips(client, enrolled_mentee, option):
    client.force_login(enrolled_mentee)

    page = get(client, "")

    assert "Suggested for you" in page
    assert list(chips(page)) == ["Remove Value Analysis", "Remove With an open place"]
    assert "Filters (2)" in text(page)


# --- Suggested for you, then keywords ----------------------------------------------------------


def test_a_keyword_search_from_the_suggestion_finds_a_mentor_outside_it(
    client, enrolled_mentee, add_mentor, option
):
    # The mentee's suggestion is her own area, Value Analysis.
    add_mentor("Ann", "Smith", [(AREAS, "Value Analysis")])
    add_mentor("Bob", "Smith", [(AREAS, "Sterile Processing")])
    value_analysis = option(AREAS, "Value Analysis").pk
    client.force_login(enrolled_mentee)
    suggested = get(client, "")
    assert names(suggested) == ["Ann Smith"]
    # The suggested form says so, and sends it with whatever the member types.
    assert '<input type="hidden" name="sg" value="1">' in suggested

    page = get(client, f"s=1&sg=1&o={value_analysis}&open=1&q=smith")

    assert sorted(names(page)) == ["Ann Smith", "Bob Smith"]
    assert "2 mentors found" in page
    assert "the suggested criterion Value Analysis is set aside" in text(page)
    assert not re.search(rf'value="{value_analysis}" checked', page)
    kept = get(client, link(page, "Keep Value Analysis"))
    assert names(kept) == ["Ann Smith"]
    assert list(chips(kept)) == [
        "Remove “smith”",
        "Remove Value Analysis",
        "Remove With an open place",
    ]
    assert re.search(rf'value="{value_analysis}" checked', kept)


def test_criteria_the_member_chose_stay_with_keywords(client, enrolled_mentee, add_mentor, option):
    add_mentor("Ann", "Smith", [(AREAS, "Value Analysis")])
    add_mentor("Bob", "Smith", [(AREAS, "Sterile Processing")])
    value_analysis = option(AREAS, "Value Analysis").pk
    sourcing = option(AREAS, "Sourcing").pk
    client.force_login(enrolled_mentee)

    # Without the suggestion's mark, or with criteria the member changed, nothing is set aside.
    chosen = get(client, f"s=1&o={value_analysis}&q=smith")
    changed = get(client, f"s=1&sg=1&o={value_analysis}&o={sourcing}&q=smith")

    assert names(chosen) == ["Ann Smith"]
    assert names(changed) == ["Ann Smith"]
    assert "set aside" not in chosen + changed


# --- Zero results ------------------------------------------------------------------------------


def test_zero_results_offer_the_one_change_that_gives_the_most(
    client, enrolled_mentee, add_mentor, option
):
    for first in ("Ann", "Ben", "Cat"):
        add_mentor(first, "Negotiates", [(AREAS, "Value Analysis"), (SKILLS, "Negotiation")])
    add_mentor("Dee", "Sterile", [(AREAS, "Sterile Processing"), (SKILLS, "Communication")])
    sterile, negotiation = option(AREAS, "Sterile Processing").pk, option(SKILLS, "Negotiation").pk
    client.force_login(enrolled_mentee)

    page = get(client, f"s=1&o={sterile}&o={negotiation}")

    assert names(page) == []
    assert "0 mentors found" in page
    # Removing Negotiation would give 1; removing Sterile Processing gives 3.
    offer = link(page, "3 mentors match if you remove Sterile Processing")
    following = get(client, offer)
    assert len(names(following)) == 3
    assert "3 mentors found" in following


def test_zero_results_from_a_keyword_offer_to_drop_it(client, enrolled_mentee, add_mentor, option):
    add_mentor("Ann", "Lovelace", [(SKILLS, "Negotiation")])
    client.force_login(enrolled_mentee)

    page = get(client, "s=1&q=lovlace")

    assert names(get(client, link(page, "1 mentor matches if you remove “lovlace”"))) == [
        "Ann Lovelace"
    ]


def test_zero_results_say_when_no_single_change_is_enough(
    client, enrolled_mentee, add_mentor, option
):
    add_mentor("Ann", "Sourcing", [(AREAS, "Sourcing"), (SKILLS, "Negotiation")])
    client.force_login(enrolled_mentee)
    sterile, coaching = option(AREAS, "Sterile Processing").pk, option(SKILLS, "Coaching Others").pk

    page = get(client, f"s=1&o={sterile}&o={coaching}")

    assert "removing any one of them is not enough" in page
    assert " match if you " not in page
    assert names(get(client, link(page, "clear all"))) == ["Ann Sourcing"]


# --- The badge under the photo -----------------------------------------------------------------


def badges(fragment: str) -> list[str]:
    return re.findall(r'<a class="role-badge[^"]*" href="[^"]*"[^>]*>.*?</a>', fragment)


def visible(fragment: str) -> str:
    return name(re.sub(r'<span class="visually-hidden">.*?</span>', "", fragment))


def test_the_badge_reads_as_the_request_it_sends(client, enrolled_mentee, enrolled_mentor, option):
    client.force_login(enrolled_mentee)

    page = get(client, f"s=1&o={option(SKILLS, 'Negotiation').pk}")

    (row,) = result_items(page)
    (badge,) = badges(row)
    assert visible(badge) == "Request as mentor"
    # The accessible name begins with the visible text (WCAG 2.5.3: label in name).
    assert 'aria-label="Request as mentor: David Okafor"' in badge
    assert f'href="/request/mentor/{enrolled_mentor.pk}/"' in badge
    # "Mentor" once more, on the ribbon: not three times.
    assert len(re.findall(r"\bmentor\b", text(row), re.IGNORECASE)) == 2


def test_the_badge_uses_the_programs_role_names(client, enrolled_mentee, enrolled_mentor, option):
    program = ProgramSettings.current()
    program.mentor_label = "Guide"
    program.save()
    client.force_login(enrolled_mentee)

    (row,) = result_items(get(client, f"s=1&o={option(SKILLS, 'Negotiation').pk}"))

    assert visible(badges(row)[0]) == "Request as guide"
    assert len(re.findall(r"\bguide\b", text(row), re.IGNORECASE)) == 2


def test_after_a_request_results_and_profile_show_it_with_withdraw(
    client, enrolled_mentee, enrolled_mentor, option
):
    with time_machine.travel(timezone.now() - datetime.timedelta(days=3)):
        sent = send_request(enrolled_mentee, enrolled_mentor, recipient_role="mentor")
    client.force_login(enrolled_mentee)

    (row,) = result_items(get(client, f"s=1&o={option(SKILLS, 'Negotiation').pk}"))
    profile = client.get(f"/members/{enrolled_mentor.pk}/").content.decode()

    withdraw = f'href="/requests/{sent.pk}/withdraw/"'
    assert "Request sent · 3 days ago · Withdraw" in text(row)
    assert withdraw in row and badges(row) == []
    side = profile.split('class="profile-side"')[1].split('class="profile-main"')[0]
    assert "Request sent · 3 days ago · Withdraw" in text(side) and withdraw in side
    assert "/request/mentor/" not in profile
    # Withdraw is the existing confirmation page.
    confirm = client.get(f"/requests/{sent.pk}/withdraw/").content.decode()
    assert "Withdraw your request to David Okafor?" in confirm


def test_the_profile_badge_sits_under_the_photo(client, enrolled_mentee, enrolled_mentor):
    client.force_login(enrolled_mentee)

    profile = client.get(f"/members/{enrolled_mentor.pk}/").content.decode()

    side, main = profile.split('class="profile-main"')
    (badge,) = badges(side.split('class="profile-side"')[1])
    assert visible(badge) == "Request as mentor"
    assert f'href="/request/mentor/{enrolled_mentor.pk}/"' in badge
    assert "/request/mentor/" not in main


def test_a_request_the_mentor_sent_shows_as_waiting_for_an_answer(
    client, enrolled_mentee, enrolled_mentor, option
):
    send_request(enrolled_mentor, enrolled_mentee, recipient_role="mentee")
    client.force_login(enrolled_mentee)

    (row,) = result_items(get(client, f"s=1&o={option(SKILLS, 'Negotiation').pk}"))

    assert "Asked you · today · Answer" in text(row)
    assert 'href="/relationships/"' in row and badges(row) == []


def test_a_withdrawn_request_brings_the_badge_back(
    client, enrolled_mentee, enrolled_mentor, option
):
    sent = send_request(enrolled_mentee, enrolled_mentor, recipient_role="mentor")
    client.force_login(enrolled_mentee)
    client.post(f"/requests/{sent.pk}/withdraw/")
    assert MentoringRequest.objects.get().status == "withdrawn"

    (row,) = result_items(get(client, f"s=1&o={option(SKILLS, 'Negotiation').pk}"))

    assert "Request sent" not in row
    assert visible(badges(row)[0]) == "Request as mentor"
