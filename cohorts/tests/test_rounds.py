"""Matching rounds, as the issue tells them: staff open a round on the pool of the day, run it (the
worker's task, called here directly), see pairs that keep every mentor's places and every hard
rule, fix and forbid pairs and run again, and publish: requests proposed by the program or active
relationships, each member emailed once, however often publish is pressed."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from cohorts import services
from cohorts.models import MatchingRound, RoundDecision, RoundPair, RoundStatus
from cohorts.tasks import run_round_task
from mentoring.matching import match_score
from mentoring.models import (
    Enrollment,
    MentoringRequest,
    ProgramSettings,
    Relationship,
    RequestStatus,
)
from mentoring.services.enrollment import enroll, set_participation
from mentoring.services.relationships import complete_relationship
from mentoring.services.requests import accept_request, send_request
from program.models import StaffAction

pytestmark = pytest.mark.django_db


@pytest.fixture
def make_mentee(make_member, option):
    def make(email, first, last, area, skill, organization="Riverside Hospital"):
        user = make_member(email, first, last, organization=organization)
        enroll(
            user,
            "mentee",
            option_ids=[
                option("Areas of Professional Experience", area).pk,
                option("Leadership Skills", skill).pk,
            ],
            statement=f"{first} wants to grow in {area.lower()}.",
        )
        return user

    return make


@pytest.fixture
def cohort(make_mentor, make_mentee):
    """Two mentors with one place each (Lakeside Health) and three mentees, the first two at
    Riverside Hospital, the third at Lakeside Health: one of the three cannot be matched."""
    grace = make_mentor(1, "Grace", "Hopper", "Value Analysis", "Negotiation", max_mentees=1)
    ana = make_mentor(2, "Ana", "Reyes", "Sourcing", "Negotiation", max_mentees=1)
    maria = make_mentee("maria@example.com", "Maria", "Santos", "Value Analysis", "Negotiation")
    rui = make_mentee("rui@example.com", "Rui", "Costa", "Sourcing", "Negotiation")
    lena = make_mentee(
        "lena@example.com", "Lena", "Park", "Value Analysis", "Negotiation", "Lakeside Health"
    )
    return {"grace": grace, "ana": ana, "maria": maria, "rui": rui, "lena": lena}


def ran(matching_round, staff) -> MatchingRound:
    """Run the round as staff do, and the worker's task at once."""
    services.run_round(matching_round.pk, staff)
    run_round_task.call(matching_round.pk)
    matching_round.refresh_from_db()
    return matching_round


def pairs_of(matching_round) -> set[tuple[str, str]]:
    return {
        (pair.mentee.profile.first_name, pair.mentor.profile.first_name)
        for pair in matching_round.pairs.select_related("mentee__profile", "mentor__profile")
    }


def test_a_round_matches_everyone_it_can_and_says_why_not_the_rest(cohort, staff):
    matching_round = services.open_round(staff, name="Spring 2027")

    matching_round = ran(matching_round, staff)

    assert matching_round.status == RoundStatus.READY
    assert (matching_round.mentee_count, matching_round.mentor_count) == (3, 2)
    assert matching_round.place_count == 2
    assert matching_round.matched == 2
    # Each mentor's one place goes to the mentee who shares their area: 100 % each.
    assert pairs_of(matching_round) in (
        {("Maria", "Grace"), ("Rui", "Ana")},
        {("Lena", "Grace"), ("Rui", "Ana")},
    )
    assert matching_round.optimal is True
    assert matching_round.greedy_matched == 2
    left_out = matching_round.unmatched.get()
    assert left_out.reason == "places_taken"
    assert left_out.sentence == "Every eligible mentor's places went to better pairs"


def test_each_pair_scores_as_find_a_mentor_would_and_says_why(cohort, staff):
    from cohorts.pool import build_pool

    matching_round = ran(services.open_round(staff, name="Spring 2027"), staff)
    pool = build_pool(matching_round)

    for pair in matching_round.pairs.all():
        i, j = pool.mentee_ids.index(pair.mentee_id), pool.mentor_ids.index(pair.mentor_id)
        expected = match_score(
            pool.mentee_choices[i], pool.mentor_choices[j], pool.categories, searcher_is_mentee=True
        )
        assert pair.score == expected.score
        assert pair.why.startswith("Shares") or ":" in pair.why
    assert matching_round.mean_score == 100
    assert matching_round.lowest_score == 100


def test_no_mentor_gets_more_than_their_places_in_the_round(cohort, staff, make_mentee):
    for n in range(4):
        make_mentee(f"extra{n}@example.com", "Extra", f"N{n}", "Sourcing", "Negotiation")
    Enrollment.objects.filter(user=cohort["ana"], role="mentor").update(max_mentees=3)
    matching_round = services.open_round(staff, name="Spring 2027")
    services.update_parameters(matching_round.pk, staff, places_per_mentor=2)

    matching_round = ran(matching_round, staff)

    per_mentor = {}
    for pair in matching_round.pairs.all():
        per_mentor[pair.mentor_id] = per_mentor.get(pair.mentor_id, 0) + 1
    assert per_mentor == {cohort["grace"].pk: 1, cohort["ana"].pk: 2}, (
        "Grace: her one open place, though the round allows two; Ana: the round's two of her three"
    )


def test_not_the_same_organization_keeps_colleagues_apart(cohort, staff):
    matching_round = services.open_round(staff, name="Spring 2027")
    services.update_parameters(matching_round.pk, staff, other_organization=True)

    matching_round = ran(matching_round, staff)

    assert pairs_of(matching_round) == {("Maria", "Grace"), ("Rui", "Ana")}
    lena = matching_round.unmatched.get()
    assert lena.mentee == cohort["lena"]
    assert lena.reason == "no_eligible_mentor"


def test_a_previous_pair_is_not_matched_again(cohort, staff):
    request = send_request(cohort["maria"], cohort["grace"], recipient_role="mentor")
    relationship = accept_request(request.pk, cohort["grace"])
    complete_relationship(relationship.pk, cohort["maria"], outcome="goals_met")
    matching_round = services.open_round(staff, name="Spring 2027")
    services.update_parameters(matching_round.pk, staff, other_organization=True)

    matching_round = ran(matching_round, staff)

    # Two matched still comes first: each with the other's mentor.
    assert pairs_of(matching_round) == {("Maria", "Ana"), ("Rui", "Grace")}


def test_a_fix_and_a_forbid_change_the_next_run(cohort, staff):
    matching_round = ran(services.open_round(staff, name="Spring 2027"), staff)

    services.fix_pair(
        matching_round.pk, staff, mentee_id=cohort["lena"].pk, mentor_id=cohort["ana"].pk
    )
    services.forbid_pair(
        matching_round.pk, staff, mentee_id=cohort["rui"].pk, mentor_id=cohort["ana"].pk
    )
    matching_round.refresh_from_db()
    assert matching_round.status == RoundStatus.DRAFT, "the result no longer answers the round"
    matching_round = ran(matching_round, staff)

    assert pairs_of(matching_round) == {("Lena", "Ana"), ("Maria", "Grace")}
    assert matching_round.pairs.get(mentee=cohort["lena"]).fixed
    assert (
        StaffAction.objects.filter(kind="round", target=f"round {matching_round.pk}").count() >= 4
    )


def test_a_fix_that_breaks_a_hard_rule_is_refused_with_the_rule(cohort, staff):
    matching_round = services.open_round(staff, name="Spring 2027")
    services.update_parameters(matching_round.pk, staff, other_organization=True)

    with pytest.raises(services.RoundError, match="Not the same organization"):
        services.fix_pair(
            matching_round.pk, staff, mentee_id=cohort["lena"].pk, mentor_id=cohort["grace"].pk
        )
    assert not RoundDecision.objects.exists()


def test_a_fix_on_a_mentor_out_of_places_is_refused(cohort, staff):
    matching_round = services.open_round(staff, name="Spring 2027")
    services.fix_pair(
        matching_round.pk, staff, mentee_id=cohort["maria"].pk, mentor_id=cohort["grace"].pk
    )

    with pytest.raises(services.RoundError, match="out of places"):
        services.fix_pair(
            matching_round.pk, staff, mentee_id=cohort["lena"].pk, mentor_id=cohort["grace"].pk
        )
    with pytest.raises(services.RoundError, match="already fixed"):
        services.fix_pair(
            matching_round.pk, staff, mentee_id=cohort["maria"].pk, mentor_id=cohort["ana"].pk
        )
    assert RoundDecision.objects.count() == 1


@pytest.mark.parametrize(
    ("mentee", "mentor", "message"),
    [
        ("outsider", "grace", "mentee is not in this round's pool"),
        ("maria", "maria", "mentor is not in this round's pool"),
        ("maria", "missing", "mentor is not in this round's pool"),
    ],
)
def test_a_decision_on_someone_outside_the_pool_is_refused(
    cohort, staff, outsider, mentee, mentor, message
):
    people = cohort | {"outsider": outsider}
    matching_round = services.open_round(staff, name="Spring 2027")
    mentor_id = 2**63 - 1 if mentor == "missing" else people[mentor].pk

    with pytest.raises(services.RoundError, match=message):
        services.forbid_pair(
            matching_round.pk, staff, mentee_id=people[mentee].pk, mentor_id=mentor_id
        )
    assert not RoundDecision.objects.exists()


def test_publishing_proposes_requests_and_tells_both_members(cohort, staff, mailoutbox):
    matching_round = ran(services.open_round(staff, name="Spring 2027"), staff)
    mailoutbox.clear()

    outcome = services.publish_round(matching_round.pk, staff)

    matching_round.refresh_from_db()
    assert matching_round.status == RoundStatus.PUBLISHED
    assert matching_round.published_as == "requests"
    assert len(outcome.published) == 2 and outcome.not_published == []
    rui = MentoringRequest.objects.get(mentee=cohort["rui"])
    assert (rui.requester, rui.recipient, rui.status) == (
        cohort["rui"],
        cohort["ana"],
        RequestStatus.PENDING,
    )
    assert rui.message.startswith("Proposed by the program's matching round “Spring 2027” (match")
    assert rui.timeline.get().actor == staff
    assert matching_round.pairs.get(mentee=cohort["rui"]).request == rui
    to_rui = [m for m in mailoutbox if m.to == ["rui@example.com"]]
    to_ana = [m for m in mailoutbox if m.to == ["m2@example.com"]]
    assert [m.subject for m in to_rui] == ["The program proposes Ana Reyes as your mentor"]
    assert "withdraw" in to_rui[0].body
    assert [m.subject for m in to_ana] == ["Rui Costa asks you to be their mentor"]
    assert len(mailoutbox) == 4
    assert StaffAction.objects.filter(kind="publish").count() == 1


def test_publishing_as_relationships_starts_them(cohort, staff, mailoutbox):
    program = ProgramSettings.current()
    program.round_publishes_as = "relationships"
    program.save()
    matching_round = ran(services.open_round(staff, name="Spring 2027"), staff)
    mailoutbox.clear()

    services.publish_round(matching_round.pk, staff)

    relationship = Relationship.objects.get(mentee=cohort["rui"])
    assert relationship.mentor == cohort["ana"] and relationship.status == "active"
    assert relationship.timeline.get().actor == staff
    assert not MentoringRequest.objects.exists()
    assert Enrollment.objects.get(user=cohort["ana"], role="mentor").open_places() == 0
    assert sorted(m.subject for m in mailoutbox if m.to == ["rui@example.com"]) == [
        "You and Ana Reyes are now mentoring partners"
    ]
    assert len(mailoutbox) == 4


def test_publishing_twice_sends_nothing_twice(cohort, staff, mailoutbox):
    matching_round = ran(services.open_round(staff, name="Spring 2027"), staff)
    services.publish_round(matching_round.pk, staff)
    sent = len(mailoutbox)

    again = services.publish_round(matching_round.pk, staff)

    assert again.published == [] and again.not_published == []
    assert len(mailoutbox) == sent
    assert MentoringRequest.objects.count() == 2
    assert StaffAction.objects.filter(kind="publish").count() == 1


def test_a_publish_cut_short_finishes_the_rest_once(cohort, staff, mailoutbox):
    """A crash after the first pair: the second publish sends only what was not sent."""
    matching_round = ran(services.open_round(staff, name="Spring 2027"), staff)
    first = matching_round.pairs.order_by("pk").first()
    services.publish_round(matching_round.pk, staff)
    # As if the worker died before the second pair: put it back as never published.
    second = matching_round.pairs.exclude(pk=first.pk).get()
    MentoringRequest.objects.filter(pk=second.request_id).delete()
    RoundPair.objects.filter(pk=second.pk).update(published_at=None, request=None)
    mailoutbox.clear()

    services.publish_round(matching_round.pk, staff)

    assert MentoringRequest.objects.count() == 2
    assert sorted(m.to[0] for m in mailoutbox) == sorted([second.mentee.email, second.mentor.email])


def test_a_mentor_who_paused_after_the_run_is_not_published_and_the_rest_go_through(cohort, staff):
    matching_round = ran(services.open_round(staff, name="Spring 2027"), staff)
    ana = Enrollment.objects.get(user=cohort["ana"], role="mentor")
    set_participation(ana, paused=True, return_date=None, max_mentees=1)

    outcome = services.publish_round(matching_round.pk, staff)

    [missed] = outcome.not_published
    assert missed.mentor == cohort["ana"]
    assert "not taking mentor requests" in missed.not_published
    assert [pair.mentor for pair in outcome.published] == [cohort["grace"]]
    assert MentoringRequest.objects.get().mentor == cohort["grace"]


def test_a_round_not_ready_cannot_be_published(cohort, staff):
    matching_round = ran(services.open_round(staff, name="Spring 2027"), staff)
    services.update_parameters(matching_round.pk, staff, shortlist_bonus=30)

    with pytest.raises(services.RoundError, match="Only a round with a result"):
        services.publish_round(matching_round.pk, staff)
    assert not MentoringRequest.objects.exists()


def test_a_shortlisted_mentor_wins_a_tie(cohort, staff):
    from mentoring.models import ShortlistEntry

    ShortlistEntry.objects.create(mentee=cohort["lena"], mentor=cohort["grace"], rank=1)
    matching_round = ran(services.open_round(staff, name="Spring 2027"), staff)

    assert pairs_of(matching_round) == {("Lena", "Grace"), ("Rui", "Ana")}
    assert matching_round.pairs.get(mentee=cohort["lena"]).bonus == 10


def test_a_running_round_refuses_a_second_run_until_it_stalls(cohort, staff):
    matching_round = services.open_round(staff, name="Spring 2027")
    services.run_round(matching_round.pk, staff)

    with pytest.raises(services.RoundError, match="already running"):
        services.run_round(matching_round.pk, staff)
    with pytest.raises(services.RoundError, match="running"):
        services.update_parameters(matching_round.pk, staff, shortlist_bonus=0)

    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        matching_round.refresh_from_db()
        assert matching_round.is_stalled()
        services.run_round(matching_round.pk, staff)
    matching_round.refresh_from_db()
    assert matching_round.run == 2
    assert run_round_task.call(matching_round.pk, 1) is None, "the stalled run writes nothing"
    run_round_task.call(matching_round.pk, 2)
    matching_round.refresh_from_db()
    assert matching_round.status == RoundStatus.READY


def test_a_published_round_changes_no_more(cohort, staff):
    matching_round = ran(services.open_round(staff, name="Spring 2027"), staff)
    services.publish_round(matching_round.pk, staff)

    for refused in (
        lambda: services.run_round(matching_round.pk, staff),
        lambda: services.update_parameters(matching_round.pk, staff, shortlist_bonus=0),
        lambda: services.forbid_pair(
            matching_round.pk, staff, mentee_id=cohort["rui"].pk, mentor_id=cohort["ana"].pk
        ),
    ):
        with pytest.raises(services.RoundError, match="published"):
            refused()


@pytest.mark.parametrize(
    "parameters",
    [{"shortlist_bonus": 101}, {"places_per_mentor": 0}, {"places_per_mentor": 11}, {"name": " "}],
)
def test_parameters_out_of_range_are_refused(staff, parameters):
    matching_round = services.open_round(staff, name="Spring 2027")

    with pytest.raises(services.RoundError):
        services.update_parameters(matching_round.pk, staff, **parameters)
    matching_round.refresh_from_db()
    assert (matching_round.shortlist_bonus, matching_round.places_per_mentor) == (10, None)


@pytest.mark.django_db(transaction=True)
def test_two_publishes_at_the_same_instant_publish_each_pair_once(cohort, staff, mailoutbox):
    from django.db import connection

    from conftest import at_the_same_instant

    if connection.vendor != "postgresql":
        pytest.skip("Concurrent publishes are proven on PostgreSQL (row locks).")
    matching_round = ran(services.open_round(staff, name="Spring 2027"), staff)
    mailoutbox.clear()

    outcomes = at_the_same_instant(
        lambda _: services.publish_round(matching_round.pk, staff), [1, 2]
    )

    assert outcomes == ["ok", "ok"]
    assert MentoringRequest.objects.count() == 2
    assert len(mailoutbox) == 4
    assert StaffAction.objects.filter(kind="publish").count() == 1


def test_a_run_that_fails_says_why_and_may_run_again(cohort, staff, monkeypatch):
    from cohorts import solver

    def broken(problem, progress=None):
        raise solver.SolverError("the solver gave up")

    matching_round = services.open_round(staff, name="Spring 2027")
    services.run_round(matching_round.pk, staff)
    monkeypatch.setattr(solver, "solve", broken)

    with pytest.raises(solver.SolverError):
        run_round_task.call(matching_round.pk)

    matching_round.refresh_from_db()
    assert matching_round.status == RoundStatus.FAILED
    assert matching_round.error == "SolverError: the solver gave up"
    monkeypatch.undo()
    assert ran(matching_round, staff).status == RoundStatus.READY


def test_a_proposed_request_does_not_count_against_the_mentees_own_limit(cohort, staff):
    program = ProgramSettings.current()
    program.max_open_requests = 1
    program.save()
    matching_round = ran(services.open_round(staff, name="Spring 2027"), staff)
    rui_pair = matching_round.pairs.get(mentee=cohort["rui"])
    other = cohort["grace"] if rui_pair.mentor == cohort["ana"] else cohort["ana"]
    send_request(cohort["rui"], other, recipient_role="mentor")  # Rui's one own request

    outcome = services.publish_round(matching_round.pk, staff)

    assert len(outcome.published) == 2
    rui_pair.refresh_from_db()
    assert rui_pair.request is not None and rui_pair.request.mentor == rui_pair.mentor


def test_a_proposed_pair_sharing_no_criteria_says_so_instead_of_a_zero_percent_match():
    matching_round = MatchingRound(name="Autumn")
    sharing = services.proposal_note(matching_round, RoundPair(score=60, why="Both: Finance"))
    nothing = services.proposal_note(
        matching_round, RoundPair(score=0, why="No criteria in common yet")
    )

    assert (
        sharing == "Proposed by the program's matching round “Autumn” (match 60 %: both: Finance)"
    )
    assert (
        nothing == "Proposed by the program's matching round “Autumn” (no criteria in common yet)"
    )


# The worker's own transactions must see the task: committed rows, as in notifications' tests.
@pytest.mark.django_db(transaction=True)
def test_a_run_whose_worker_died_is_run_again_by_the_sweep_and_finishes(cohort, staff, settings):
    from django_tasks_db.models import DBTaskResult

    from notifications import worker
    from notifications.tests.helpers import run_worker

    settings.TASK_LEASE = 3600
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        matching_round = services.run_round(services.open_round(staff, name="Spring").pk, staff)
        task = DBTaskResult.objects.get(task_path="cohorts.tasks.run_round_task")
        task.claim("killed-worker")

    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        assert worker.fail_stranded_tasks() == 1
        run_worker("default")

    matching_round.refresh_from_db()
    assert matching_round.status == RoundStatus.READY
    assert matching_round.matched == matching_round.pairs.count() > 0
    again = DBTaskResult.objects.exclude(pk=task.pk).get(task_path="cohorts.tasks.run_round_task")
    assert again.args_kwargs["args"] == [matching_round.pk, matching_round.run]
