"""The round's staff pages: open, set, run (the progress part), fix, forbid, publish with a
confirmation, the CSV; members get 404, bad input changes nothing."""

import csv
import html
import io

import pytest
from django.test import Client

from cohorts import services
from cohorts.models import MatchingRound, RoundDecision, RoundStatus
from cohorts.tasks import run_round_task
from mentoring.models import MentoringRequest
from mentoring.services.enrollment import enroll
from mentormatch.converters import MAX_ID

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(make_mentor, make_member, option):
    """A mentor and a mentee who share an area, the mentee's name a formula."""
    grace = make_mentor(1, "Grace", "Hopper", "Value Analysis", "Negotiation", max_mentees=1)
    mentee = make_member("eve@example.com", "=HYPERLINK(1)", "Evans", organization="Riverside")
    enroll(
        mentee,
        "mentee",
        option_ids=[option("Areas of Professional Experience", "Value Analysis").pk],
        statement="Value analysis.",
    )
    return mentee, grace


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def ready_round(staff) -> MatchingRound:
    matching_round = services.open_round(staff, name="Spring 2027")
    services.run_round(matching_round.pk, staff)
    run_round_task.call(matching_round.pk)
    matching_round.refresh_from_db()
    return matching_round


def test_staff_open_run_and_review_a_round_in_the_pages(staff_client, staff, pair):
    response = staff_client.post("/staff/rounds/", {"name": "Spring 2027"})
    matching_round = MatchingRound.objects.get()
    assert response.status_code == 302 and response.url == f"/staff/rounds/{matching_round.pk}/"

    page = staff_client.get(response.url).content.decode()
    assert "Mentees</dt><dd>1 " in page and "Places</dt><dd>1<" in page
    assert "Requests the mentor accepts or declines as usual" in page

    staff_client.post(f"/staff/rounds/{matching_round.pk}/run/")
    matching_round.refresh_from_db()
    assert matching_round.status == RoundStatus.RUNNING
    fragment = staff_client.get(f"/staff/rounds/{matching_round.pk}/progress/")
    assert 'hx-trigger="every 1s"' in fragment.content.decode()
    assert "Reload" in fragment.content.decode()

    run_round_task.call(matching_round.pk)
    fragment = staff_client.get(
        f"/staff/rounds/{matching_round.pk}/progress/", headers={"HX-Request": "true"}
    )
    assert fragment["HX-Refresh"] == "true"
    page = staff_client.get(f"/staff/rounds/{matching_round.pk}/").content.decode()
    assert "1 of 1 mentees" in page
    assert "Optimal" in page
    assert "A first-come matching of the same pool: 1 matched, mean 100.0" in page
    assert "Fix<span" in page and "Forbid<span" in page


def test_the_parameters_form_refuses_what_is_out_of_range(staff_client, staff):
    matching_round = services.open_round(staff, name="Spring 2027")

    response = staff_client.post(
        f"/staff/rounds/{matching_round.pk}/parameters/",
        {"name": "Spring", "shortlist_bonus": "500", "places_per_mentor": "0"},
    )

    assert response.status_code == 400
    matching_round.refresh_from_db()
    assert (matching_round.name, matching_round.shortlist_bonus) == ("Spring 2027", 10)


def test_the_parameters_form_saves(staff_client, staff):
    matching_round = services.open_round(staff, name="Spring 2027")

    staff_client.post(
        f"/staff/rounds/{matching_round.pk}/parameters/",
        {"name": "Spring", "shortlist_bonus": "25", "places_per_mentor": "", "must_match": "on"},
    )

    matching_round.refresh_from_db()
    assert (matching_round.name, matching_round.shortlist_bonus) == ("Spring", 25)
    assert (matching_round.must_match, matching_round.not_previous_pair) == (True, False)


def test_fix_forbid_and_remove_through_the_page(staff_client, staff, pair):
    mentee, grace = pair
    matching_round = ready_round(staff)
    url = f"/staff/rounds/{matching_round.pk}/"

    staff_client.post(f"{url}forbid/", {"mentee": mentee.pk, "mentor": grace.pk})
    decision = RoundDecision.objects.get()
    assert decision.kind == "forbid"
    staff_client.post(f"{url}decisions/{decision.pk}/remove/")
    assert not RoundDecision.objects.exists()
    staff_client.post(f"{url}fix/", {"mentee": mentee.pk, "mentor": grace.pk})
    assert RoundDecision.objects.get().kind == "fix"


def test_staff_fix_or_forbid_any_pair_by_name_or_email(staff_client, staff, pair):
    mentee, grace = pair
    matching_round = ready_round(staff)
    url = f"/staff/rounds/{matching_round.pk}/"

    response = staff_client.post(
        f"{url}forbid/", {"mentee_name": " EVE@example.com ", "mentor_name": "grace   hopper"}
    )

    assert response.status_code == 302
    decision = RoundDecision.objects.get()
    assert (decision.kind, decision.mentee, decision.mentor) == ("forbid", mentee, grace)


def test_a_name_two_mentors_share_asks_for_the_email(staff_client, staff, pair, make_mentor):
    make_mentor(2, "Grace", "Hopper", "Sourcing", "Negotiation")
    matching_round = ready_round(staff)

    response = staff_client.post(
        f"/staff/rounds/{matching_round.pk}/fix/",
        {"mentee_name": "eve@example.com", "mentor_name": "Grace Hopper"},
        follow=True,
    )

    assert "More than one mentor in the pool is called “Grace Hopper”: type their email." in (
        response.content.decode()
    )
    assert not RoundDecision.objects.exists()


@pytest.mark.parametrize(
    "data, said",
    [
        ({"mentee_name": "", "mentor_name": "Grace Hopper"}, "Type the mentee's and the mentor's"),
        ({"mentee_name": "Eve\x00", "mentor_name": "m1@example.com"}, "Type the mentee's"),
        ({"mentee_name": "x" * 300, "mentor_name": "m1@example.com"}, "Type the mentee's"),
        (
            {"mentee_name": "Nobody Here", "mentor_name": "m1@example.com"},
            "No mentee in this round's pool is called or has the email “Nobody Here”.",
        ),
        (
            # Grace is a mentor, not a mentee of the pool.
            {"mentee_name": "m1@example.com", "mentor_name": "m1@example.com"},
            "No mentee in this round's pool is called or has the email “m1@example.com”.",
        ),
    ],
)
def test_a_named_pair_not_in_the_pool_changes_nothing(staff_client, staff, pair, data, said):
    matching_round = ready_round(staff)

    response = staff_client.post(f"/staff/rounds/{matching_round.pk}/fix/", data, follow=True)

    assert response.status_code == 200
    assert said in html.unescape(response.content.decode())
    assert not RoundDecision.objects.exists()


def test_pool_now_counts_again_when_a_mentee_joins_an_opt_in_round(staff_client, staff, pair):
    mentee, _ = pair
    matching_round = services.open_round(staff, name="Spring 2027")
    services.update_parameters(matching_round.pk, staff, opt_in_only=True)
    url = f"/staff/rounds/{matching_round.pk}/"
    assert "Mentees</dt><dd>0 " in staff_client.get(url).content.decode()

    services.opt_in(matching_round.pk, mentee)

    assert "Mentees</dt><dd>1 " in staff_client.get(url).content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"mentee": "x", "mentor": "1"},
        {"mentee": str(MAX_ID + 1), "mentor": "1"},
        {"mentee": "99999999999999999999999", "mentor": "1"},
        {"mentee": "-1", "mentor": "1"},
        {"mentee": str(MAX_ID), "mentor": str(MAX_ID)},
    ],
)
def test_a_pair_the_round_does_not_have_changes_nothing(staff_client, staff, pair, data):
    matching_round = ready_round(staff)

    response = staff_client.post(f"/staff/rounds/{matching_round.pk}/fix/", data)

    assert response.status_code == 302
    assert not RoundDecision.objects.exists()
    matching_round.refresh_from_db()
    assert matching_round.status == RoundStatus.READY


def test_removing_a_decision_of_another_round_is_refused(staff_client, staff, pair):
    mentee, grace = pair
    first = services.open_round(staff, name="First")
    other = services.open_round(staff, name="Other")
    decision = services.forbid_pair(first.pk, staff, mentee_id=mentee.pk, mentor_id=grace.pk)

    staff_client.post(f"/staff/rounds/{other.pk}/decisions/{decision.pk}/remove/")

    assert RoundDecision.objects.filter(pk=decision.pk).exists()


def test_publish_asks_first_then_publishes_once(staff_client, staff, pair):
    matching_round = ready_round(staff)
    url = f"/staff/rounds/{matching_round.pk}/publish/"

    confirm = staff_client.get(url).content.decode()
    assert "Publish 1 pair" in confirm and "Publishing cannot be undone" in confirm
    assert not MentoringRequest.objects.exists()

    staff_client.post(url)
    staff_client.post(url)

    assert MentoringRequest.objects.count() == 1
    page = staff_client.get(f"/staff/rounds/{matching_round.pk}/").content.decode()
    assert "Request sent" in page


def test_the_csv_lists_the_pairs_safely(staff_client, staff, pair):
    matching_round = ready_round(staff)

    response = staff_client.get(f"/staff/rounds/{matching_round.pk}/pairs.csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="round-')
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "mentee",
        "mentee_email",
        "mentor",
        "mentor_email",
        "score",
        "shortlist_bonus",
        "fixed",
        "why",
        "published_as",
        "not_published",
    ]
    assert rows[1][0] == "'=HYPERLINK(1) Evans", "a formula is shown as text"
    assert rows[1][2:5] == ["Grace Hopper", "m1@example.com", "100"]


ROUND_URLS = [
    ("get", "/staff/rounds/"),
    ("get", "/staff/rounds/{pk}/"),
    ("get", "/staff/rounds/{pk}/progress/"),
    ("get", "/staff/rounds/{pk}/publish/"),
    ("get", "/staff/rounds/{pk}/pairs.csv"),
    ("post", "/staff/rounds/{pk}/run/"),
    ("post", "/staff/rounds/{pk}/publish/"),
    ("post", "/staff/rounds/{pk}/parameters/"),
]


@pytest.mark.parametrize(("method", "url"), ROUND_URLS)
def test_a_member_finds_no_round_pages(client, outsider, staff, pair, method, url):
    matching_round = ready_round(staff)
    client.force_login(outsider)

    response = getattr(client, method)(url.format(pk=matching_round.pk), {"name": "Mine"})

    assert response.status_code == 404
    matching_round.refresh_from_db()
    assert matching_round.status == RoundStatus.READY
    assert not MentoringRequest.objects.exists()


@pytest.mark.parametrize("pk", ["999999", str(MAX_ID)])
@pytest.mark.parametrize(("method", "url"), ROUND_URLS[1:])
def test_an_unknown_round_is_not_found(staff_client, method, url, pk):
    assert getattr(staff_client, method)(url.format(pk=pk)).status_code == 404


def test_the_pairs_come_a_page_at_a_time_best_first(
    staff_client, staff, pair, make_mentor, make_member, option, monkeypatch
):
    make_mentor(2, "Alan", "Turing", "Sourcing", "Team Building")
    other = make_member("bo@example.com", "Bo", "Lind", organization="Harbor")
    enroll(
        other,
        "mentee",
        option_ids=[option("Areas of Professional Experience", "Sourcing").pk],
        statement="Sourcing.",
    )
    matching_round = ready_round(staff)
    best, second = matching_round.pairs.order_by("-score", "pk")
    monkeypatch.setattr("cohorts.views.PAIRS_PER_PAGE", 1)
    url = f"/staff/rounds/{matching_round.pk}/"

    first_page = staff_client.get(url).content.decode()
    second_page = staff_client.get(url, {"page": "2"}).content.decode()
    past_the_end = staff_client.get(url, {"page": "99999999999999999999"})

    assert f'name="mentee" value="{best.mentee_id}"' in first_page
    assert f'name="mentee" value="{second.mentee_id}"' not in first_page
    assert f'name="mentee" value="{second.mentee_id}"' in second_page
    assert past_the_end.status_code == 200


def test_the_mentee_sees_why_the_program_proposed_their_request(staff, pair):
    mentee, _ = pair
    services.publish_round(ready_round(staff).pk, staff)
    member = Client()
    member.force_login(mentee)

    page = html.unescape(member.get("/relationships/").content.decode())

    assert "Your pending requests (1)" in page
    assert "Proposed by the program's matching round “Spring 2027” (match" in page


def test_a_published_opt_in_round_says_who_was_in_it(staff_client, staff, pair):
    mentee, _ = pair
    matching_round = services.open_round(staff, name="Spring 2027")
    services.update_parameters(matching_round.pk, staff, opt_in_only=True)
    services.opt_in(matching_round.pk, mentee)
    services.run_round(matching_round.pk, staff)
    run_round_task.call(matching_round.pk)
    services.publish_round(matching_round.pk, staff)

    page = staff_client.get(f"/staff/rounds/{matching_round.pk}/").content.decode()

    assert "<dt>Mentees</dt><dd>Only those who opted in (1)</dd>" in page
