"""Mentees opt in to a round, as the FAQ tells it: program staff may open a round only to the
mentees who join it; a mentee joins or leaves it from Matching rounds (/rounds/) until it is
published; only an enrolled, taking-part mentee without an active mentor may join, and the page
says what is missing otherwise; the round's run takes only those who joined."""

import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.utils import timezone

from cohorts import services
from cohorts.models import MatchingRound, RoundOptIn, RoundStatus
from cohorts.pool import mentee_enrollments
from cohorts.tasks import run_round_task
from conftest import at_the_same_instant
from mentoring.models import Enrollment, ProgramSettings
from mentoring.services.enrollment import enroll, set_participation, withdraw
from mentoring.services.requests import accept_request, send_request
from mentormatch.converters import MAX_ID

pytestmark = pytest.mark.django_db

JOIN_SENTENCE = (
    "Program staff will propose a mentor to everyone in the round; "
    "you can still search and send requests yourself."
)


@pytest.fixture
def make_mentee(make_member, option):
    def make(email, first, area):
        user = make_member(email, first, "Mentee", organization="Riverside Hospital")
        enroll(
            user,
            "mentee",
            option_ids=[
                option("Areas of Professional Experience", area).pk,
                option("Leadership Skills", "Negotiation").pk,
            ],
            statement=f"{first} wants to grow in {area.lower()}.",
        )
        return user

    return make


@pytest.fixture
def cohort(make_mentor, make_mentee):
    """Two mentors with two places each and three mentees, all of whom could be matched."""
    return {
        "grace": make_mentor(1, "Grace", "Hopper", "Value Analysis", "Negotiation"),
        "ana": make_mentor(2, "Ana", "Reyes", "Sourcing", "Negotiation"),
        "maria": make_mentee("maria@example.com", "Maria", "Value Analysis"),
        "rui": make_mentee("rui@example.com", "Rui", "Sourcing"),
        "lena": make_mentee("lena@example.com", "Lena", "Value Analysis"),
    }


def opt_in_round(staff, name="Spring 2027") -> MatchingRound:
    """A round staff open only to the mentees who join it."""
    matching_round = services.open_round(staff, name=name)
    return services.update_parameters(matching_round.pk, staff, opt_in_only=True)


def ran(matching_round, staff) -> MatchingRound:
    services.run_round(matching_round.pk, staff)
    run_round_task.call(matching_round.pk)
    matching_round.refresh_from_db()
    return matching_round


def joined(matching_round) -> set[str]:
    return {
        first
        for first in RoundOptIn.objects.filter(round=matching_round).values_list(
            "mentee__profile__first_name", flat=True
        )
    }


def said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- Joining and leaving -------------------------------------------------------------------------


def test_a_mentee_joins_and_leaves_a_round_from_matching_rounds(client, staff, cohort):
    matching_round = opt_in_round(staff)
    client.force_login(cohort["maria"])

    page = client.get("/rounds/").content.decode()
    assert "Spring 2027" in page
    assert JOIN_SENTENCE in page
    assert f'action="/rounds/{matching_round.pk}/join/"' in page

    response = client.post(f"/rounds/{matching_round.pk}/join/")
    assert response.status_code == 302 and response.url == "/rounds/"
    assert said(response) == ["You joined the round “Spring 2027”."]
    assert joined(matching_round) == {"Maria"}
    page = client.get("/rounds/").content.decode()
    assert "You are in this round." in page
    assert f'action="/rounds/{matching_round.pk}/leave/"' in page

    response = client.post(f"/rounds/{matching_round.pk}/leave/")
    assert said(response) == ["You left the round “Spring 2027”."]
    assert joined(matching_round) == set()


def test_joining_or_leaving_twice_changes_nothing_more(staff, cohort):
    matching_round = opt_in_round(staff)

    first = services.opt_in(matching_round.pk, cohort["maria"])
    again = services.opt_in(matching_round.pk, cohort["maria"])

    assert first.pk == again.pk
    assert RoundOptIn.objects.count() == 1
    assert services.opt_out(matching_round.pk, cohort["maria"]) is True
    assert services.opt_out(matching_round.pk, cohort["maria"]) is False
    assert RoundOptIn.objects.count() == 0


def test_joining_sends_no_email_and_writes_no_staff_log(staff, cohort, mailoutbox):
    from program.models import StaffAction

    matching_round = opt_in_round(staff)
    logged = StaffAction.objects.count()

    services.opt_in(matching_round.pk, cohort["maria"])

    assert mailoutbox == []
    assert StaffAction.objects.count() == logged


# --- Who may join ------------------------------------------------------------------------------


def test_a_member_not_enrolled_as_a_mentee_is_told_to_enroll(client, staff, cohort, outsider):
    matching_round = opt_in_round(staff)
    client.force_login(outsider)

    response = client.post(f"/rounds/{matching_round.pk}/join/")

    assert said(response) == ["Matching rounds are for mentees: enroll as a Mentee first."]
    assert not RoundOptIn.objects.exists()


def test_a_mentor_who_is_not_also_a_mentee_may_not_join(staff, cohort):
    matching_round = opt_in_round(staff)

    with pytest.raises(services.RoundError, match="enroll as a Mentee first"):
        services.opt_in(matching_round.pk, cohort["grace"])


def test_a_withdrawn_mentee_is_told_to_enroll_again(staff, cohort):
    matching_round = opt_in_round(staff)
    withdraw(Enrollment.objects.get(user=cohort["maria"], role="mentee"))

    with pytest.raises(services.RoundError, match="enroll as a Mentee first"):
        services.opt_in(matching_round.pk, cohort["maria"])
    assert not RoundOptIn.objects.exists()


def test_a_paused_mentee_is_told_to_become_active(staff, cohort):
    matching_round = opt_in_round(staff)
    enrollment = Enrollment.objects.get(user=cohort["maria"], role="mentee")
    set_participation(
        enrollment, paused=True, return_date=timezone.localdate() + timedelta(days=30)
    )

    with pytest.raises(services.RoundError) as refused:
        services.opt_in(matching_round.pk, cohort["maria"])

    assert str(refused.value) == (
        "You are not taking part as a Mentee at the moment (Temporarily Not Participating): "
        "set your Mentee status to Active first."
    )
    assert not RoundOptIn.objects.exists()


def test_a_mentee_with_an_active_mentor_is_told_so(staff, cohort):
    matching_round = opt_in_round(staff)
    request = send_request(cohort["maria"], cohort["grace"], recipient_role="mentor")
    accept_request(request.pk, cohort["grace"])

    with pytest.raises(services.RoundError) as refused:
        services.opt_in(matching_round.pk, cohort["maria"])

    assert str(refused.value) == (
        "You already have an active mentor: matching rounds are for mentees without one."
    )


def test_the_refusals_use_the_programs_names_for_the_roles(staff, cohort, outsider):
    program = ProgramSettings.current()
    program.mentee_label, program.mentee_label_plural = "Protégé", "Protégés"
    program.save()
    matching_round = opt_in_round(staff)

    with pytest.raises(services.RoundError) as refused:
        services.opt_in(matching_round.pk, outsider)

    assert str(refused.value) == "Matching rounds are for protégés: enroll as a Protégé first."


def test_the_page_says_what_is_missing_and_offers_no_join_button(client, staff, cohort, outsider):
    matching_round = opt_in_round(staff)
    client.force_login(outsider)

    page = client.get("/rounds/").content.decode()

    assert "Spring 2027" in page
    assert "Matching rounds are for mentees: enroll as a Mentee first." in page
    assert f"/rounds/{matching_round.pk}/join/" not in page


def test_a_mentee_who_found_a_mentor_may_still_leave(staff, cohort):
    matching_round = opt_in_round(staff)
    services.opt_in(matching_round.pk, cohort["maria"])
    request = send_request(cohort["maria"], cohort["grace"], recipient_role="mentor")
    accept_request(request.pk, cohort["grace"])

    services.opt_out(matching_round.pk, cohort["maria"])

    assert not RoundOptIn.objects.exists()


# --- Which rounds ------------------------------------------------------------------------------


def test_a_published_round_can_no_longer_be_joined_or_left(client, staff, cohort):
    matching_round = opt_in_round(staff)
    services.opt_in(matching_round.pk, cohort["maria"])
    services.publish_round(ran(matching_round, staff).pk, staff)

    with pytest.raises(services.RoundError, match="has been published"):
        services.opt_in(matching_round.pk, cohort["rui"])
    with pytest.raises(services.RoundError, match="has been published"):
        services.opt_out(matching_round.pk, cohort["maria"])

    client.force_login(cohort["rui"])
    assert "Spring 2027" not in client.get("/rounds/").content.decode()
    response = client.post(f"/rounds/{matching_round.pk}/join/")
    assert said(response) == ["This round has been published: it can no longer be joined or left."]
    assert joined(matching_round) == {"Maria"}


def test_a_round_staff_fill_themselves_cannot_be_joined(client, staff, cohort):
    matching_round = services.open_round(staff, name="Spring 2027")

    with pytest.raises(services.RoundError, match="not open for joining"):
        services.opt_in(matching_round.pk, cohort["maria"])

    client.force_login(cohort["maria"])
    assert "Spring 2027" not in client.get("/rounds/").content.decode()
    assert client.post(f"/rounds/{matching_round.pk}/join/").status_code == 404
    assert not RoundOptIn.objects.exists()


def test_my_relationships_links_to_matching_rounds_only_while_one_is_open(client, staff, cohort):
    client.force_login(cohort["maria"])
    link = 'href="/rounds/"'

    assert link not in client.get("/relationships/").content.decode()
    services.open_round(staff, name="Staff only")
    assert link not in client.get("/relationships/").content.decode()
    opt_in_round(staff)
    assert link in client.get("/relationships/").content.decode()


# --- The run -----------------------------------------------------------------------------------


def test_an_opt_in_round_matches_only_the_mentees_who_joined(staff, cohort):
    matching_round = opt_in_round(staff)
    services.opt_in(matching_round.pk, cohort["maria"])
    services.opt_in(matching_round.pk, cohort["rui"])

    matching_round = ran(matching_round, staff)

    assert matching_round.mentee_count == 2
    assert matching_round.matched == 2
    mentees = set(matching_round.pairs.values_list("mentee__profile__first_name", flat=True))
    assert mentees == {"Maria", "Rui"}
    assert not matching_round.unmatched.exists()


def test_a_mentee_who_joined_and_then_found_a_mentor_is_not_in_the_pool(staff, cohort):
    matching_round = opt_in_round(staff)
    services.opt_in(matching_round.pk, cohort["maria"])
    services.opt_in(matching_round.pk, cohort["rui"])
    request = send_request(cohort["rui"], cohort["ana"], recipient_role="mentor")
    accept_request(request.pk, cohort["ana"])

    names = mentee_enrollments(matching_round).values_list("user__profile__first_name", flat=True)

    assert list(names) == ["Maria"]


def test_without_opt_in_only_the_round_takes_every_mentee_it_may(staff, cohort):
    matching_round = opt_in_round(staff)
    services.opt_in(matching_round.pk, cohort["maria"])
    services.update_parameters(matching_round.pk, staff, opt_in_only=False)

    matching_round = ran(MatchingRound.objects.get(pk=matching_round.pk), staff)

    assert matching_round.mentee_count == 3


def test_staff_cannot_fix_a_mentee_who_did_not_join(staff, cohort):
    matching_round = opt_in_round(staff)
    services.opt_in(matching_round.pk, cohort["maria"])

    with pytest.raises(services.RoundError, match="not in this round's pool"):
        services.fix_pair(
            matching_round.pk, staff, mentee_id=cohort["lena"].pk, mentor_id=cohort["grace"].pk
        )
    services.fix_pair(
        matching_round.pk, staff, mentee_id=cohort["maria"].pk, mentor_id=cohort["grace"].pk
    )


# --- The staff page ----------------------------------------------------------------------------


def test_staff_open_a_round_to_those_who_join_and_see_how_many_did(client, staff, cohort):
    matching_round = services.open_round(staff, name="Spring 2027")
    client.force_login(staff)
    url = f"/staff/rounds/{matching_round.pk}/"

    client.post(
        f"{url}parameters/",
        {"name": "Spring 2027", "opt_in_only": "on", "shortlist_bonus": "10", "must_match": "on"},
    )
    matching_round.refresh_from_db()
    assert matching_round.opt_in_only is True
    services.opt_in(matching_round.pk, cohort["maria"])
    services.opt_in(matching_round.pk, cohort["rui"])

    page = client.get(url).content.decode()

    assert re.search(r'<input type="checkbox" name="opt_in_only"[^>]* checked>', page)
    assert "Only mentees who opted in to this round" in page
    assert "2 opted in so far." in page


def test_a_change_of_opt_in_only_sends_a_ready_round_back_to_draft(staff, cohort):
    matching_round = ran(services.open_round(staff, name="Spring 2027"), staff)
    assert matching_round.status == RoundStatus.READY

    services.update_parameters(matching_round.pk, staff, opt_in_only=True)

    matching_round.refresh_from_db()
    assert matching_round.status == RoundStatus.DRAFT


# --- Bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        f"/rounds/{MAX_ID + 1}/join/",
        "/rounds/99999999999999999999999/join/",
        "/rounds/abc/join/",
        "/rounds/-1/join/",
        f"/rounds/{MAX_ID}/join/",
        f"/rounds/{MAX_ID + 1}/leave/",
        "/rounds/abc/leave/",
        f"/rounds/{MAX_ID}/leave/",
    ],
)
def test_a_round_that_does_not_exist_is_a_404(client, staff, cohort, path):
    opt_in_round(staff)
    client.force_login(cohort["maria"])

    assert client.post(path).status_code == 404
    assert not RoundOptIn.objects.exists()


@pytest.mark.parametrize("action", ["join", "leave"])
def test_join_and_leave_take_post_only(client, staff, cohort, action):
    matching_round = opt_in_round(staff)
    client.force_login(cohort["maria"])

    assert client.get(f"/rounds/{matching_round.pk}/{action}/").status_code == 405
    assert not RoundOptIn.objects.exists()


def test_a_visitor_not_signed_in_is_sent_to_sign_in(client, staff):
    matching_round = opt_in_round(staff)

    for url in ("/rounds/", f"/rounds/{matching_round.pk}/join/"):
        response = client.post(url) if url.endswith("join/") else client.get(url)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    assert not RoundOptIn.objects.exists()


def test_a_member_joins_and_leaves_only_for_themselves(client, staff, cohort):
    matching_round = opt_in_round(staff)
    services.opt_in(matching_round.pk, cohort["maria"])
    client.force_login(cohort["rui"])

    # The addresses name no member; a member id sent along is ignored.
    response = client.post(f"/rounds/{matching_round.pk}/leave/", {"mentee": cohort["maria"].pk})
    assert said(response) == ["You are not in the round “Spring 2027”."]
    assert joined(matching_round) == {"Maria"}
    client.post(f"/rounds/{matching_round.pk}/join/", {"mentee": cohort["lena"].pk})
    assert joined(matching_round) == {"Maria", "Rui"}


# --- The same mentee joining twice at the same instant (row locks: PostgreSQL) -----------------


@pytest.mark.django_db(transaction=True)
def test_joining_twice_at_the_same_instant_joins_once(staff, cohort):
    if connection.vendor != "postgresql":
        pytest.skip("Concurrent joins are proven on PostgreSQL (CI runs this file there too).")
    matching_round = opt_in_round(staff)

    outcomes = at_the_same_instant(
        lambda member: services.opt_in(matching_round.pk, member),
        [cohort["maria"]] * 3,
        refused=services.RoundError,
    )

    assert outcomes == ["ok", "ok", "ok"]
    assert joined(matching_round) == {"Maria"}
