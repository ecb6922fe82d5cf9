"""The dashboard's figures against a known small program, and its charts' text alternatives."""

import datetime

import pytest
import time_machine

from mentoring.services.enrollment import enroll
from mentoring.services.relationships import complete_relationship
from mentoring.services.requests import accept_request, decline_request, send_request
from program import figures

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def at(y, m, d):
    return time_machine.travel(datetime.datetime(y, m, d, 12, tzinfo=UTC), tick=False)


@pytest.fixture
def program_2026(make_member, option):
    """Two mentors (2 places each), four mentees; in 2026: five requests, three accepted (one in
    March answered after 2 days, two in April after 4 and 6 days), one declined after 1 day, one
    still pending; one relationship completed in May."""
    negotiation = option("Leadership Skills", "Negotiation").pk
    sourcing = option("Areas of Professional Experience", "Sourcing").pk
    mentors = [make_member(f"mentor{i}@example.com", "Men", f"Tor{i}") for i in (1, 2)]
    mentees = [make_member(f"mentee{i}@example.com", "Men", f"Tee{i}") for i in (1, 2, 3, 4)]
    with at(2026, 1, 5):
        for mentor in mentors:
            enroll(mentor, "mentor", option_ids=[sourcing], max_mentees=2)
        for mentee in mentees:
            enroll(mentee, "mentee", option_ids=[negotiation, sourcing])

    def ask(mentee, mentor, day):
        with at(*day):
            return send_request(mentee, mentor, recipient_role="mentor")

    first = ask(mentees[0], mentors[0], (2026, 3, 1))
    with at(2026, 3, 3):
        done = accept_request(first.pk, mentors[0])
    second = ask(mentees[1], mentors[0], (2026, 4, 1))
    with at(2026, 4, 5):
        accept_request(second.pk, mentors[0])
    third = ask(mentees[2], mentors[1], (2026, 4, 2))
    with at(2026, 4, 8):
        accept_request(third.pk, mentors[1])
    fourth = ask(mentees[3], mentors[1], (2026, 4, 10))
    with at(2026, 4, 11):
        decline_request(fourth.pk, mentors[1], reason="no_time")
    with at(2026, 5, 20):
        complete_relationship(done.pk, mentees[0], outcome="goals_met")
    ask(mentees[3], mentors[0], (2026, 6, 1))  # still pending
    return mentors, mentees


def test_the_key_figures_of_a_known_program(program_2026):
    with at(2026, 6, 20):
        result = figures.compute(datetime.date(2026, 1, 1), datetime.date(2026, 6, 30))

    assert (result.mentors, result.mentees) == (2, 4)
    # Mentor 1: one active (the other completed) of 2; mentor 2: one active of 2.
    assert (result.participating_mentors, result.open_places) == (2, 2)
    assert result.pending == 1
    assert dict(result.pending_ages)["2–4 weeks"] == 1
    assert result.answered == 4 and result.accepted == 3 and result.acceptance_rate == 75
    assert result.median_answer_days == 3.0  # waits of 2, 4, 6 and 1 days
    assert (result.active_relationships, result.completed) == (2, 1)
    assert dict(result.outcomes)["Goals met"] == 1
    months = {m["month"].month: m for m in result.months}
    assert (months[3]["requests"], months[3]["accepted"]) == (1, 1)
    assert (months[4]["requests"], months[4]["accepted"]) == (3, 2)
    assert months[5]["completed"] == 1 and months[6]["requests"] == 1
    assert len(result.months) == 6


def test_a_date_range_counts_only_what_happened_inside_it(program_2026):
    with at(2026, 6, 20):
        march = figures.compute(datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))

    assert march.answered == 1 and march.accepted == 1 and march.completed == 0
    assert [m["requests"] for m in march.months] == [1]


def test_supply_and_demand_puts_the_biggest_shortfall_first(program_2026):
    rows = figures.supply_and_demand()

    first = rows[0]
    assert (first["option"], first["demand"], first["supply"], first["gap"]) == (
        "Negotiation",
        4,
        0,
        4,
    )
    sourcing = next(row for row in rows if row["option"] == "Sourcing")
    assert (sourcing["demand"], sourcing["supply"]) == (4, 2)


def test_the_dashboard_shows_figures_charts_and_their_data_tables(client, staff, program_2026):
    client.force_login(staff)
    with at(2026, 6, 20):
        page = client.get("/staff/", {"start": "2026-01-01", "end": "2026-06-30"}).content.decode()

    assert "75 %" in page and "3.0 days" in page
    assert page.count('role="img"') == 2
    assert "<title>Acceptances, April 2026: 2</title>" in page
    assert '<th scope="row">April 2026</th><td>3</td><td>2</td><td>0</td>' in page
    assert (
        "Recruit mentors for:</strong>\n    Negotiation in Leadership Skills (4 mentees, 0 mentors)"
        in page
    )


def test_the_dashboard_is_kept_but_shows_a_new_request_or_enrollment_at_once(
    client, staff, program_2026, make_member, option, django_assert_max_num_queries
):
    """The figures are kept in the cache (reading them takes seconds at 100,000 members), and made
    again as soon as a request, relationship or enrollment changes."""
    client.force_login(staff)
    mentors, mentees = program_2026
    dates = {"start": "2026-01-01", "end": "2026-12-31"}

    def dashboard():
        with at(2026, 6, 20):
            return client.get("/staff/", dates).content.decode()

    assert '<span class="stat-value">1</span> requests waiting' in dashboard()
    with django_assert_max_num_queries(8):  # kept: the figures' ten queries are not read again
        dashboard()
    with at(2026, 6, 20):
        send_request(mentees[0], mentors[1], recipient_role="mentor")
    assert '<span class="stat-value">2</span> requests waiting' in dashboard()
    with at(2026, 6, 20):
        sourcing = option("Areas of Professional Experience", "Sourcing").pk
        enroll(make_member("new@example.com"), "mentor", option_ids=[sourcing], max_mentees=3)
    assert '<span class="stat-value">3</span> enrolled mentors' in dashboard()


def test_a_bad_date_range_is_refused_with_a_message(client, staff):
    client.force_login(staff)

    backwards = client.get("/staff/", {"start": "2026-06-01", "end": "2026-01-01"})
    nonsense = client.get("/staff/", {"start": "soon", "end": "2026-01-01"})

    assert backwards.status_code == 400
    assert "The start date must come before the end date." in backwards.content.decode()
    assert nonsense.status_code == 400 and "Enter a valid date." in nonsense.content.decode()


def test_the_dashboard_opens_with_the_last_twelve_months_on_an_empty_program(client, staff):
    client.force_login(staff)

    page = client.get("/staff/")

    assert page.status_code == 200
    assert "median time to an answer" in page.content.decode()


@pytest.fixture
def juniors_and_seniors(make_member, option):
    """Years of experience ("mentor ahead"): three mentees with less than 3 years and two with more
    than 20; two mentors with 11–20 years and one with more than 20."""

    def years(label):
        return [option("Years of Experience", label).pk]

    for n, label in enumerate(["11–20", "11–20", "More than 20"]):
        enroll(
            make_member(f"senior{n}@example.com"), "mentor", option_ids=years(label), max_mentees=2
        )
    for n, label in enumerate(["Less than 3"] * 3 + ["More than 20"] * 2):
        enroll(make_member(f"junior{n}@example.com"), "mentee", option_ids=years(label))


def test_for_an_ordered_category_juniors_seeking_are_covered_by_seniors_offering(
    juniors_and_seniors,
):
    rows = {
        row["option"]: (row["demand"], row["supply"], row["gap"])
        for row in figures.supply_and_demand()
        if row["category"] == "Years of Experience"
    }

    # A level's supply is the mentors at or above it.
    assert rows == {
        "Less than 3": (3, 3, 0),
        "3–5": (0, 3, -3),
        "6–10": (0, 3, -3),
        "11–20": (0, 3, -3),
        "More than 20": (2, 1, 1),
    }


def test_the_dashboard_never_asks_to_recruit_for_an_entry_level_seniors_cover(
    client, staff, juniors_and_seniors
):
    client.force_login(staff)

    page = client.get("/staff/").content.decode()

    assert "Recruit mentors for:" in page
    assert "Less than 3 in Years of Experience" not in page
    assert "More than 20 in Years of Experience (2 mentees, 1 mentors at or above)." in page
    assert (
        '<th scope="row">Less than 3</th><td>Years of Experience</td><td>3</td>'
        "<td>3 (at or above)</td>" in page
    )
