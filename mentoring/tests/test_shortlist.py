"""A mentee's shortlist: "Add to my shortlist" on Find a Mentor, and My shortlist.

Up to five mentors, ranked 1 to n without gaps; program staff's cohort matching gives a
shortlisted mentor a bonus. It sends nothing to the mentors."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from conftest import at_the_same_instant
from mentoring.models import Enrollment, ProgramSettings, ShortlistEntry
from mentoring.services.enrollment import enroll, set_participation, withdraw
from mentoring.services.errors import NotOnShortlist, ShortlistError
from mentoring.services.shortlist import (
    add_to_shortlist,
    move_on_shortlist,
    remove_from_shortlist,
    shortlisted_mentor_ids,
)

pytestmark = pytest.mark.django_db

FULL = "Your shortlist is full: it holds 5 mentors. Remove one first."


@pytest.fixture
def mentors(make_mentor):
    """Six participating mentors, one more than a shortlist holds."""
    names = ["Grace Hopper", "Alan Turing", "Ada Lovelace", "Edsger Dijkstra", "Barbara Liskov"]
    names.append("Donald Knuth")
    return [
        make_mentor(n, *name.split(), "Value Analysis", "Negotiation")
        for n, name in enumerate(names)
    ]


def pause(mentor):
    set_participation(
        Enrollment.objects.get(user=mentor, role="mentor"), paused=True, max_mentees=2
    )


def names(mentee):
    return [
        entry.mentor.profile.full_name
        for entry in ShortlistEntry.objects.filter(mentee=mentee).order_by("rank")
    ]


def ranks(mentee):
    return list(ShortlistEntry.objects.filter(mentee=mentee).values_list("rank", flat=True))


# --- The service: adding --------------------------------------------------------------------


def test_a_mentee_adds_mentors_in_the_order_they_choose(enrolled_mentee, mentors):
    first = add_to_shortlist(enrolled_mentee, mentors[0])
    second = add_to_shortlist(enrolled_mentee, mentors[1])

    assert (first.rank, second.rank) == (1, 2)
    assert names(enrolled_mentee) == ["Grace Hopper", "Alan Turing"]
    assert shortlisted_mentor_ids(enrolled_mentee) == [mentors[0].pk, mentors[1].pk]


def test_the_shortlist_holds_five_mentors_and_refuses_a_sixth(enrolled_mentee, mentors):
    for mentor in mentors[:5]:
        add_to_shortlist(enrolled_mentee, mentor)

    with pytest.raises(ShortlistError, match=re.escape(FULL)):
        add_to_shortlist(enrolled_mentee, mentors[5])
    assert ranks(enrolled_mentee) == [1, 2, 3, 4, 5]


def test_the_full_message_uses_the_programs_word_for_mentor(enrolled_mentee, mentors):
    program = ProgramSettings.current()
    program.mentor_label, program.mentor_label_plural = "Coach", "Coaches"
    program.save()
    for mentor in mentors[:5]:
        add_to_shortlist(enrolled_mentee, mentor)

    with pytest.raises(ShortlistError, match="it holds 5 coaches"):
        add_to_shortlist(enrolled_mentee, mentors[5])


def test_adding_a_mentor_twice_changes_nothing_and_is_no_error(enrolled_mentee, mentors):
    add_to_shortlist(enrolled_mentee, mentors[0])
    add_to_shortlist(enrolled_mentee, mentors[1])

    again = add_to_shortlist(enrolled_mentee, mentors[0])

    assert again.rank == 1
    assert names(enrolled_mentee) == ["Grace Hopper", "Alan Turing"]


def test_a_mentor_already_on_a_full_shortlist_can_be_added_again_without_error(
    enrolled_mentee, mentors
):
    for mentor in mentors[:5]:
        add_to_shortlist(enrolled_mentee, mentor)

    assert add_to_shortlist(enrolled_mentee, mentors[4]).rank == 5


def test_only_an_enrolled_mentee_has_a_shortlist(outsider, enrolled_mentor, mentors):
    with pytest.raises(ShortlistError, match="Enroll as a Mentee before you shortlist mentors."):
        add_to_shortlist(outsider, mentors[0])
    # A mentor is not a mentee: the shortlist is for the mentee's role.
    with pytest.raises(ShortlistError, match="Enroll as a Mentee"):
        add_to_shortlist(enrolled_mentor, mentors[0])
    assert not ShortlistEntry.objects.exists()


def test_a_withdrawn_mentee_cannot_add(enrolled_mentee, mentors):
    withdraw(Enrollment.objects.get(user=enrolled_mentee, role="mentee"))

    with pytest.raises(ShortlistError, match="Enroll as a Mentee"):
        add_to_shortlist(enrolled_mentee, mentors[0])


def test_a_member_who_is_not_a_mentor_cannot_be_shortlisted(enrolled_mentee, outsider):
    with pytest.raises(ShortlistError, match="not taking part as a mentor at the moment"):
        add_to_shortlist(enrolled_mentee, outsider)
    assert not ShortlistEntry.objects.exists()


def test_a_paused_mentor_cannot_be_shortlisted(enrolled_mentee, mentors):
    pause(mentors[0])

    with pytest.raises(ShortlistError, match="not taking part as a mentor at the moment"):
        add_to_shortlist(enrolled_mentee, mentors[0])


def test_a_mentee_cannot_shortlist_themselves(enrolled_mentee, option):
    enroll(
        enrolled_mentee,
        "mentor",
        option_ids=[option("Leadership Skills", "Negotiation").pk],
        max_mentees=1,
    )

    with pytest.raises(ShortlistError, match="You cannot put yourself on your shortlist."):
        add_to_shortlist(enrolled_mentee, enrolled_mentee)


# --- The service: removing and moving keep the ranks 1..n -----------------------------------


@pytest.fixture
def four(enrolled_mentee, mentors):
    for mentor in mentors[:4]:
        add_to_shortlist(enrolled_mentee, mentor)
    return mentors[:4]


def test_removing_a_mentor_closes_the_gap(enrolled_mentee, four):
    remove_from_shortlist(enrolled_mentee, four[1].pk)

    assert names(enrolled_mentee) == ["Grace Hopper", "Ada Lovelace", "Edsger Dijkstra"]
    assert ranks(enrolled_mentee) == [1, 2, 3]


def test_a_removed_place_can_be_filled_again(enrolled_mentee, mentors):
    for mentor in mentors[:5]:
        add_to_shortlist(enrolled_mentee, mentor)
    remove_from_shortlist(enrolled_mentee, mentors[0].pk)

    assert add_to_shortlist(enrolled_mentee, mentors[5]).rank == 5
    assert ranks(enrolled_mentee) == [1, 2, 3, 4, 5]


def test_moving_up_and_down_swaps_with_the_neighbour(enrolled_mentee, four):
    move_on_shortlist(enrolled_mentee, four[2].pk, "up")
    assert names(enrolled_mentee) == [
        "Grace Hopper",
        "Ada Lovelace",
        "Alan Turing",
        "Edsger Dijkstra",
    ]

    move_on_shortlist(enrolled_mentee, four[0].pk, "down")
    assert names(enrolled_mentee) == [
        "Ada Lovelace",
        "Grace Hopper",
        "Alan Turing",
        "Edsger Dijkstra",
    ]
    assert ranks(enrolled_mentee) == [1, 2, 3, 4]


def test_moving_past_either_end_changes_nothing(enrolled_mentee, four):
    move_on_shortlist(enrolled_mentee, four[0].pk, "up")
    move_on_shortlist(enrolled_mentee, four[3].pk, "down")

    assert names(enrolled_mentee) == [
        "Grace Hopper",
        "Alan Turing",
        "Ada Lovelace",
        "Edsger Dijkstra",
    ]


def test_an_unknown_direction_is_refused(enrolled_mentee, four):
    with pytest.raises(ShortlistError, match="Move a mentor up or down."):
        move_on_shortlist(enrolled_mentee, four[1].pk, "sideways")


def test_another_members_entries_cannot_be_touched(enrolled_mentee, four, make_member, option):
    other = make_member("rui@example.com", "Rui", "Requester")
    enroll(other, "mentee", option_ids=[option("Leadership Skills", "Negotiation").pk])

    with pytest.raises(NotOnShortlist):
        remove_from_shortlist(other, four[0].pk)
    with pytest.raises(NotOnShortlist):
        move_on_shortlist(other, four[1].pk, "down")
    assert ranks(enrolled_mentee) == [1, 2, 3, 4]


# --- Two adds at the same instant (row locks: PostgreSQL) -----------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_adds_at_the_same_instant_never_pass_five(enrolled_mentee, mentors):
    if connection.vendor != "postgresql":
        pytest.skip("Concurrent adds are proven on PostgreSQL (CI runs this file there too).")
    for mentor in mentors[:4]:
        add_to_shortlist(enrolled_mentee, mentor)

    outcomes = at_the_same_instant(
        lambda mentor: add_to_shortlist(enrolled_mentee, mentor),
        [mentors[4], mentors[5]],
        refused=ShortlistError,
    )

    assert sorted(outcomes) == sorted(["ok", FULL])
    assert ranks(enrolled_mentee) == [1, 2, 3, 4, 5]


@pytest.mark.django_db(transaction=True)
def test_the_same_mentor_added_twice_at_the_same_instant_is_on_the_list_once(
    enrolled_mentee, mentors
):
    if connection.vendor != "postgresql":
        pytest.skip("Concurrent adds are proven on PostgreSQL (CI runs this file there too).")

    outcomes = at_the_same_instant(
        lambda mentor: add_to_shortlist(enrolled_mentee, mentor),
        [mentors[0], mentors[0], mentors[0]],
        refused=ShortlistError,
    )

    assert outcomes == ["ok", "ok", "ok"]
    assert ranks(enrolled_mentee) == [1]


# --- Find a Mentor's cards -------------------------------------------------------------------


def test_each_mentor_card_offers_add_to_my_shortlist(client, enrolled_mentee, mentors):
    client.force_login(enrolled_mentee)

    page = client.get("/find-a-mentor/", {"s": "1"}).content.decode()

    assert page.count(">Add to my shortlist<") == 6
    assert f'action="/shortlist/add/{mentors[0].pk}/"' in page


def test_find_a_mentee_offers_no_shortlist(client, enrolled_mentor, enrolled_mentee):
    client.force_login(enrolled_mentor)

    page = client.get("/find-a-mentee/", {"s": "1"}).content.decode()

    assert "Maria Santos" in page and "shortlist" not in page


def test_adding_from_a_card_without_javascript_returns_to_the_search(
    client, enrolled_mentee, mentors
):
    client.force_login(enrolled_mentee)
    search = "/find-a-mentor/?s=1&q=hopper"

    response = client.post(f"/shortlist/add/{mentors[0].pk}/", {"next": search})
    page = client.get(search).content.decode()

    assert response.status_code == 302 and response["Location"] == search
    assert "Grace Hopper is on your shortlist (1 of 5)." in page
    assert "On your shortlist (1 of 5)" in page
    assert names(enrolled_mentee) == ["Grace Hopper"]


def test_a_next_address_on_another_site_is_not_followed(client, enrolled_mentee, mentors):
    client.force_login(enrolled_mentee)

    response = client.post(
        f"/shortlist/add/{mentors[0].pk}/", {"next": "https://evil.example.com/"}
    )

    assert response["Location"] == "/shortlist/"


def test_with_htmx_the_card_swaps_to_on_your_shortlist(client, enrolled_mentee, mentors):
    client.force_login(enrolled_mentee)
    add_to_shortlist(enrolled_mentee, mentors[1])

    response = client.post(
        f"/shortlist/add/{mentors[0].pk}/", {"next": "/find-a-mentor/"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()

    assert response.status_code == 200
    assert html.startswith('<div class="shortlist-action">')
    assert "On your shortlist (2 of 5) · " in html
    assert 'aria-label="Remove Grace Hopper from your shortlist">Remove</button>' in html
    assert f'hx-post="/shortlist/{mentors[0].pk}/remove/"' in html


def test_with_htmx_remove_swaps_the_card_back_to_add(client, enrolled_mentee, mentors):
    client.force_login(enrolled_mentee)
    add_to_shortlist(enrolled_mentee, mentors[0])

    response = client.post(f"/shortlist/{mentors[0].pk}/remove/", HTTP_HX_REQUEST="true")

    assert ">Add to my shortlist<" in response.content.decode()
    assert not ShortlistEntry.objects.exists()


def test_with_htmx_a_full_shortlist_says_so_in_the_card(client, enrolled_mentee, mentors):
    client.force_login(enrolled_mentee)
    for mentor in mentors[:5]:
        add_to_shortlist(enrolled_mentee, mentor)

    response = client.post(f"/shortlist/add/{mentors[5].pk}/", HTTP_HX_REQUEST="true")
    html = response.content.decode()

    assert response.status_code == 200
    assert f'<p class="shortlist-error" role="alert">{FULL}</p>' in html
    assert "Your shortlist is full (5 of 5)" in html


def test_without_javascript_a_refusal_is_a_message(client, enrolled_mentee, mentors):
    pause(mentors[0])
    client.force_login(enrolled_mentee)

    response = client.post(f"/shortlist/add/{mentors[0].pk}/", follow=True)

    assert "This member is not taking part as a mentor at the moment." in (
        response.content.decode()
    )
    assert not ShortlistEntry.objects.exists()


def test_cards_of_shortlisted_mentors_show_their_place(client, enrolled_mentee, mentors):
    add_to_shortlist(enrolled_mentee, mentors[2])
    add_to_shortlist(enrolled_mentee, mentors[0])
    client.force_login(enrolled_mentee)

    page = client.get("/find-a-mentor/", {"s": "1"}).content.decode()

    assert page.count(">Add to my shortlist<") == 4
    assert "On your shortlist (1 of 5)" in page and "On your shortlist (2 of 5)" in page


def test_a_full_shortlist_shows_no_add_buttons(client, enrolled_mentee, mentors):
    for mentor in mentors[:5]:
        add_to_shortlist(enrolled_mentee, mentor)
    client.force_login(enrolled_mentee)

    page = client.get("/find-a-mentor/", {"s": "1"}).content.decode()

    assert ">Add to my shortlist<" not in page
    assert page.count("Your shortlist is full (5 of 5)") == 1


def test_the_shortlist_costs_the_results_page_one_query_however_many_are_on_it(
    client, enrolled_mentee, mentors, django_assert_num_queries
):
    client.force_login(enrolled_mentee)
    client.get("/find-a-mentor/", {"s": "1"})  # warms the search index and the criteria
    add_to_shortlist(enrolled_mentee, mentors[0])
    with CaptureQueriesContext(connection) as one:
        client.get("/find-a-mentor/", {"s": "1"})
    for mentor in mentors[1:5]:
        add_to_shortlist(enrolled_mentee, mentor)

    with django_assert_num_queries(len(one.captured_queries)):
        client.get("/find-a-mentor/", {"s": "1"})
    shortlist_reads = [q for q in one.captured_queries if "shortlistentry" in q["sql"].lower()]
    assert len(shortlist_reads) == 1


# --- My shortlist ----------------------------------------------------------------------------


def test_my_shortlist_lists_the_mentors_by_rank_with_their_profiles(client, enrolled_mentee, four):
    client.force_login(enrolled_mentee)

    page = client.get("/shortlist/").content.decode()

    found = re.findall(r'<a class="member-name" href="/members/(\d+)/">([^<]+)</a>', page)
    assert found == [(str(m.pk), m.profile.full_name) for m in four]
    assert "Program staff use your shortlist when they match a cohort of mentees and mentors: " in (
        page
    )
    assert "a mentor you shortlisted counts for more. It sends nothing to the mentors." in page
    # The first cannot move up, the last cannot move down.
    assert page.count(">Move up<") == 3 and page.count(">Move down<") == 3
    assert page.count(">Remove<") == 4


def test_an_empty_shortlist_links_to_find_a_mentor(client, enrolled_mentee):
    client.force_login(enrolled_mentee)

    page = client.get("/shortlist/").content.decode()

    assert "Your shortlist is empty." in page
    assert 'href="/find-a-mentor/"' in page


def test_my_relationships_links_to_my_shortlist(client, enrolled_mentee, four):
    client.force_login(enrolled_mentee)

    page = client.get("/relationships/").content.decode()

    assert '<a href="/shortlist/">My shortlist</a> (4 of 5)' in page


def test_a_member_enrolled_only_as_a_mentor_is_not_offered_a_shortlist(client, mentors):
    client.force_login(mentors[0])

    page = client.get("/relationships/").content.decode()

    assert "My shortlist" not in page


def test_a_mentor_who_paused_stays_listed_and_is_marked(client, enrolled_mentee, four):
    pause(four[1])
    client.force_login(enrolled_mentee)

    page = client.get("/shortlist/").content.decode()

    assert page.count("Not taking part as a mentor at the moment.") == 1


def test_moving_and_removing_on_my_shortlist(client, enrolled_mentee, four):
    client.force_login(enrolled_mentee)

    moved = client.post(f"/shortlist/{four[3].pk}/move/", {"direction": "up"})
    removed = client.post(f"/shortlist/{four[0].pk}/remove/", {"next": "/shortlist/"})

    assert moved["Location"] == "/shortlist/" and removed["Location"] == "/shortlist/"
    assert names(enrolled_mentee) == ["Alan Turing", "Edsger Dijkstra", "Ada Lovelace"]
    assert ranks(enrolled_mentee) == [1, 2, 3]


def test_a_bad_direction_is_a_message_not_an_error(client, enrolled_mentee, four):
    client.force_login(enrolled_mentee)

    response = client.post(f"/shortlist/{four[1].pk}/move/", {"direction": "\x00"}, follow=True)

    assert response.status_code == 200
    assert "Move a mentor up or down." in response.content.decode()
    assert ranks(enrolled_mentee) == [1, 2, 3, 4]


# --- Refusals --------------------------------------------------------------------------------


def test_another_members_shortlist_answers_404(client, enrolled_mentee, four, outsider):
    client.force_login(outsider)

    assert client.post(f"/shortlist/{four[0].pk}/remove/").status_code == 404
    assert client.post(f"/shortlist/{four[0].pk}/move/", {"direction": "down"}).status_code == 404
    assert ranks(enrolled_mentee) == [1, 2, 3, 4]


@pytest.mark.parametrize(
    "mentor_id", ["99999999999999999999", "9223372036854775808", "abc", "%00", "1%002", "-1"]
)
@pytest.mark.parametrize("action", ["add/{}/", "{}/remove/", "{}/move/"])
def test_bad_ids_answer_404(client, enrolled_mentee, action, mentor_id):
    client.force_login(enrolled_mentee)

    response = client.post("/shortlist/" + action.format(mentor_id), {"direction": "up"})

    assert response.status_code == 404


@pytest.mark.parametrize("action", ["add/{}/", "{}/remove/", "{}/move/"])
def test_an_unknown_member_answers_404(client, enrolled_mentee, action):
    client.force_login(enrolled_mentee)

    response = client.post("/shortlist/" + action.format(9223372036854775807))

    assert response.status_code == 404


@pytest.mark.parametrize("action", ["add/{}/", "{}/remove/", "{}/move/"])
def test_the_actions_take_only_post(client, enrolled_mentee, four, action):
    client.force_login(enrolled_mentee)

    response = client.get("/shortlist/" + action.format(four[0].pk))

    assert response.status_code == 405
    assert ranks(enrolled_mentee) == [1, 2, 3, 4]


def test_a_post_without_the_csrf_token_is_refused(enrolled_mentee, mentors):
    client = Client(enforce_csrf_checks=True)
    client.force_login(enrolled_mentee)
    page = client.get("/find-a-mentor/", {"s": "1"}).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    refused = client.post(f"/shortlist/add/{mentors[0].pk}/")
    assert refused.status_code == 403
    assert not ShortlistEntry.objects.exists()

    accepted = client.post(f"/shortlist/add/{mentors[0].pk}/", {"csrfmiddlewaretoken": token})
    assert accepted.status_code == 302
    assert names(enrolled_mentee) == ["Grace Hopper"]


def test_signing_in_is_needed(client, mentors):
    assert client.get("/shortlist/")["Location"].startswith("/accounts/login/")
    assert client.post(f"/shortlist/add/{mentors[0].pk}/")["Location"].startswith(
        "/accounts/login/"
    )
    assert not ShortlistEntry.objects.exists()
