"""The write flows of matching rounds: open, set the parameters, run (in the worker), fix or forbid
pairs, publish. Each checks the round's state under its row lock and raises RoundError with a
message for staff, changes state in one transaction and writes the audit log (program.StaffAction),
as program/actions.py does. Publishing goes through mentoring's own services, pair by pair.
"""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from cohorts import pool as pools
from cohorts.models import (
    MAX_BONUS,
    MAX_PLACES,
    DecisionKind,
    MatchingRound,
    PublishAs,
    RoundDecision,
    RoundOptIn,
    RoundPair,
    RoundStatus,
)
from cohorts.scoring import HardRules, why_not_allowed
from mentoring.models import Enrollment, ProgramSettings, Relationship, Role
from mentoring.services.errors import RequestError
from mentoring.services.relationships import start_relationship
from mentoring.services.requests import propose_request
from program.models import StaffAction


class RoundError(Exception):
    """The change to a round was refused; str(error) says why."""


PARAMETERS = [
    "name",
    "opt_in_only",
    "must_match",
    "other_organization",
    "not_previous_pair",
    "mentor_ahead",
    "shortlist_bonus",
    "places_per_mentor",
]


def hard_rules(matching_round):
    """The round's hard rules as cohorts.scoring takes them (a previous pair is a forbidden pair,
    cohorts.pool)."""
    return HardRules(
        must_match=matching_round.must_match,
        other_organization=matching_round.other_organization,
        mentor_ahead=matching_round.mentor_ahead,
    )


def _log(staff, matching_round, what: str, *, kind=StaffAction.Kind.ROUND, member=None):
    StaffAction.objects.create(
        staff=staff, kind=kind, member=member, target=f"round {matching_round.pk}", reason=what
    )


def _locked(round_id) -> MatchingRound:
    found = MatchingRound.objects.select_for_update().filter(pk=round_id).first()
    if found is None:
        raise RoundError("No such round.")
    return found


def _editable(round_id) -> MatchingRound:
    """The round, locked, when its parameters and decisions may change."""
    matching_round = _locked(round_id)
    if matching_round.status == RoundStatus.PUBLISHED:
        raise RoundError("This round has been published: it can no longer change.")
    if matching_round.status == RoundStatus.RUNNING and not matching_round.is_stalled():
        raise RoundError("This round is running: wait for its result, then change it.")
    return matching_round


def _result_out_of_date(matching_round) -> None:
    """A ready result no longer answers the round as it stands: it must run again to publish."""
    if matching_round.status == RoundStatus.READY:
        matching_round.status = RoundStatus.DRAFT
        matching_round.save(update_fields=["status"])


def _clean_name(name) -> str:
    name = (name or "").strip()
    if not name:
        raise RoundError("Give the round a name, e.g. “Spring 2027”.")
    if len(name) > MatchingRound._meta.get_field("name").max_length:
        raise RoundError("The name is 120 characters at most.")
    return name


@transaction.atomic
def open_round(staff, *, name: str) -> MatchingRound:
    matching_round = MatchingRound.objects.create(name=_clean_name(name), created_by=staff)
    _log(staff, matching_round, f"Opened the matching round “{matching_round.name}”")
    return matching_round


@transaction.atomic
def update_parameters(round_id: int, staff, **parameters) -> MatchingRound:
    """Change the name, hard rules, shortlist bonus or places per mentor (not once published)."""
    unknown = set(parameters) - set(PARAMETERS)
    if unknown:
        raise RoundError(f"Unknown parameters: {', '.join(sorted(unknown))}.")
    matching_round = _editable(round_id)
    if "name" in parameters:
        parameters["name"] = _clean_name(parameters["name"])
    bonus = parameters.get("shortlist_bonus", matching_round.shortlist_bonus)
    if not isinstance(bonus, int) or not 0 <= bonus <= MAX_BONUS:
        raise RoundError(f"The shortlist bonus is 0 to {MAX_BONUS} points.")
    places = parameters.get("places_per_mentor", matching_round.places_per_mentor)
    if places is not None and (not isinstance(places, int) or not 1 <= places <= MAX_PLACES):
        raise RoundError(f"Places per mentor: 1 to {MAX_PLACES}, or blank for their open places.")
    changed = [
        MatchingRound._meta.get_field(name).verbose_name
        for name, value in parameters.items()
        if getattr(matching_round, name) != value
    ]
    if not changed:
        return matching_round
    for name, value in parameters.items():
        setattr(matching_round, name, value)
    matching_round.save(update_fields=list(parameters))
    _result_out_of_date(matching_round)
    _log(staff, matching_round, f"Changed the round's {', '.join(changed)}")
    return matching_round


@transaction.atomic
def run_round(round_id: int, staff) -> MatchingRound:
    """Hand the round to the worker. Refused while running (unless stalled) and once published."""
    from cohorts.tasks import run_round_task

    matching_round = _locked(round_id)
    if matching_round.status == RoundStatus.PUBLISHED:
        raise RoundError("This round has been published: it cannot run again.")
    if matching_round.status == RoundStatus.RUNNING and not matching_round.is_stalled():
        raise RoundError("This round is already running.")
    matching_round.status = RoundStatus.RUNNING
    # A new run number: a stalled run that wakes up later finds it is not the current one.
    matching_round.run += 1
    matching_round.progress_done = matching_round.progress_total = 0
    matching_round.stage = "Waiting for the worker"
    matching_round.progress_at = timezone.now()
    matching_round.error = ""
    matching_round.save()
    _log(staff, matching_round, f"Ran the matching round “{matching_round.name}”")
    # The database task backend writes the task in this transaction: it exists exactly when the
    # round is running.
    run_round_task.enqueue(matching_round.pk, matching_round.run)
    return matching_round


def _pair_members(matching_round, mentee_id, mentor_id):
    """The two pool enrollments, or RoundError when either is not in the round's pool."""
    mentee = pools.mentee_enrollments(matching_round).filter(user_id=mentee_id)
    mentee = mentee.select_related("user__profile")
    mentor = pools.mentor_enrollments().filter(user_id=mentor_id).select_related("user__profile")
    mentee, mentor = mentee.first(), mentor.first()
    if mentee is None:
        raise RoundError("That mentee is not in this round's pool.")
    if mentor is None:
        raise RoundError(
            "That mentor is not in this round's pool (no open place, or not taking part)."
        )
    if mentee.user_id == mentor.user_id:
        raise RoundError("A member cannot be their own mentor.")
    return mentee, mentor


def why_pair_not_allowed(matching_round, mentee, mentor) -> str:
    """The hard rule the pair breaks, in a sentence ("" when allowed)."""
    if (
        matching_round.not_previous_pair
        and Relationship.objects.filter(mentee_id=mentee.user_id, mentor_id=mentor.user_id).exists()
    ):
        return "They have been a mentoring pair before (the round's “not a previous pair” rule)."
    rules, options, category_of, _ = pools.categories()
    chosen = pools.choices_of([mentee.pk, mentor.pk], category_of)
    return why_not_allowed(
        chosen[mentee.pk],
        chosen[mentor.pk],
        mentee.user.profile.organization or "",
        mentor.user.profile.organization or "",
        rules,
        hard_rules(matching_round),
    )


def _decide(matching_round, staff, mentee, mentor, kind) -> RoundDecision:
    try:
        with transaction.atomic():
            decision = RoundDecision.objects.create(
                round=matching_round,
                mentee_id=mentee.user_id,
                mentor_id=mentor.user_id,
                kind=kind,
                created_by=staff,
            )
    except IntegrityError:
        raise RoundError("This pair already has a decision; remove it first.") from None
    _result_out_of_date(matching_round)
    verb = "Fixed" if kind == DecisionKind.FIX else "Forbade"
    _log(
        staff,
        matching_round,
        f"{verb} the pair {mentee.user.profile.full_name} with {mentor.user.profile.full_name}",
        member=mentee.user,
    )
    return decision


@transaction.atomic
def fix_pair(round_id: int, staff, *, mentee_id: int, mentor_id: int) -> RoundDecision:
    """The pair is in every result from the next run on; refused with the hard rule's sentence
    when not allowed, or when the mentor's places in the round are all fixed already."""
    matching_round = _editable(round_id)
    mentee, mentor = _pair_members(matching_round, mentee_id, mentor_id)
    decisions = matching_round.decisions.filter(kind=DecisionKind.FIX)
    if decisions.filter(mentee_id=mentee.user_id).exists():
        raise RoundError(
            f"{mentee.user.profile.full_name} is already fixed with a mentor; remove that first."
        )
    why_not = why_pair_not_allowed(matching_round, mentee, mentor)
    if why_not:
        raise RoundError(f"This pair cannot be fixed: {why_not}")
    places = pools.places_in_round(mentor.open_places, matching_round.places_per_mentor)
    if decisions.filter(mentor_id=mentor.user_id).count() >= places:
        raise RoundError(
            f"{mentor.user.profile.full_name} is out of places: all {places} are fixed already."
        )
    return _decide(matching_round, staff, mentee, mentor, DecisionKind.FIX)


@transaction.atomic
def forbid_pair(round_id: int, staff, *, mentee_id: int, mentor_id: int) -> RoundDecision:
    """The pair is in no result from the next run on."""
    matching_round = _editable(round_id)
    mentee, mentor = _pair_members(matching_round, mentee_id, mentor_id)
    return _decide(matching_round, staff, mentee, mentor, DecisionKind.FORBID)


@transaction.atomic
def remove_decision(round_id: int, staff, *, decision_id: int) -> None:
    matching_round = _editable(round_id)
    decision = (
        matching_round.decisions.select_related("mentee__profile", "mentor__profile")
        .filter(pk=decision_id)
        .first()
    )
    if decision is None:
        raise RoundError("No such decision in this round.")
    decision.delete()
    _result_out_of_date(matching_round)
    _log(
        staff,
        matching_round,
        f"Removed the decision “{decision.get_kind_display()}” on "
        f"{decision.mentee.profile.full_name} with {decision.mentor.profile.full_name}",
        member=decision.mentee,
    )


@dataclass
class Published:
    """What a publish did: the pairs it published now and those it could not (with why)."""

    published: list[RoundPair] = field(default_factory=list)
    not_published: list[RoundPair] = field(default_factory=list)


def proposal_note(matching_round, pair) -> str:
    """Why the program proposes the pair, for the request's message and the timeline."""
    proposed = f"Proposed by the program's matching round “{matching_round.name}”"
    if not pair.score:
        # A pair sharing no criteria (why says so): the round matches everyone it can first.
        return f"{proposed} (no criteria in common yet)"
    why = pair.why[0].lower() + pair.why[1:]
    return f"{proposed} (match {pair.score} %: {why})"


def publish_round(round_id: int, staff) -> Published:
    """ready → published, claimed with a conditional update so that two clicks publish once; then
    each pair in its own transaction, claimed under its row lock and skipped once settled, so that
    a crash halfway and a second publish send nothing twice. A pair that can no longer start (a
    mentor who paused since the run, a place taken meanwhile) is kept with the reason."""
    as_what = ProgramSettings.current().round_publishes_as
    with transaction.atomic():
        claimed = MatchingRound.objects.filter(pk=round_id, status=RoundStatus.READY).update(
            status=RoundStatus.PUBLISHED,
            published_at=timezone.now(),
            published_by=staff,
            published_as=as_what,
        )
        matching_round = MatchingRound.objects.filter(pk=round_id).first()
        if matching_round is None:
            raise RoundError("No such round.")
        if not claimed and matching_round.status != RoundStatus.PUBLISHED:
            raise RoundError("Only a round with a result of its current settings can be published.")
        if claimed:
            _log(
                staff,
                matching_round,
                f"Published the matching round “{matching_round.name}” as "
                f"{matching_round.get_published_as_display().lower()}",
                kind=StaffAction.Kind.PUBLISH,
            )
    outcome = Published()
    pending = matching_round.pairs.filter(published_at__isnull=True).order_by("pk")
    for pair_id in pending.values_list("pk", flat=True):
        pair = _publish_pair(matching_round, pair_id, staff)
        if pair is not None:
            (outcome.not_published if pair.not_published else outcome.published).append(pair)
    return outcome


@transaction.atomic
def _publish_pair(matching_round, pair_id, staff) -> RoundPair | None:
    pair = (
        RoundPair.objects.select_for_update(of=("self",))
        .filter(pk=pair_id, published_at__isnull=True)
        .select_related("mentee__profile", "mentor__profile")
        .first()
    )
    if pair is None:
        return None  # another publish settled it meanwhile
    note = proposal_note(matching_round, pair)
    try:
        with transaction.atomic():
            if matching_round.published_as == PublishAs.RELATIONSHIPS:
                pair.relationship = start_relationship(
                    staff, mentor=pair.mentor, mentee=pair.mentee, note=note
                )
            else:
                pair.request = propose_request(
                    staff, mentor=pair.mentor, mentee=pair.mentee, note=note
                )
    except RequestError as error:
        pair.not_published = str(error)
    pair.published_at = timezone.now()
    pair.save(update_fields=["request", "relationship", "not_published", "published_at"])
    return pair


# --- Mentees opt in to a round ---------------------------------------------------------------


def why_not_in_rounds(member) -> str:
    """Why the member cannot be in a matching round now, in a sentence with the program's role
    labels ("" when they can). Whether they can is the pool's one definition
    (pool.mentee_enrollments); the rest only says what is missing."""
    if pools.mentee_enrollments().filter(user=member).exists():
        return ""
    program = ProgramSettings.current()
    mentee, mentees = program.mentee_label, program.mentee_label_plural.lower()
    enrollment = Enrollment.objects.enrolled().filter(user=member, role=Role.MENTEE).first()
    if enrollment is None:
        return f"Matching rounds are for {mentees}: enroll as a {mentee} first."
    if Relationship.objects.active().filter(mentee=member).exists():
        mentor = program.mentor_label.lower()
        return (
            f"You already have an active {mentor}: matching rounds are for {mentees} without one."
        )
    status = enrollment.participation_status()["text"]
    return (
        f"You are not taking part as a {mentee} at the moment ({status}): "
        f"set your {mentee} status to Active first."
    )


def _open_for_opt_in(round_id) -> MatchingRound:
    """The round, locked (a publish waits for the opt-in, or the opt-in sees it published), when
    mentees may join or leave it."""
    matching_round = _locked(round_id)
    if matching_round.status == RoundStatus.PUBLISHED:
        raise RoundError("This round has been published: it can no longer be joined or left.")
    if not matching_round.opt_in_only:
        raise RoundError("This round is not open for joining: program staff choose who is in it.")
    return matching_round


@transaction.atomic
def opt_in(round_id: int, member) -> RoundOptIn:
    """The member joins a round only for those who opted in. Already in: unchanged, no error.
    Sends nothing: the round's publish is what emails."""
    matching_round = _open_for_opt_in(round_id)
    existing = RoundOptIn.objects.filter(round=matching_round, mentee=member).first()
    if existing is not None:
        return existing
    why_not = why_not_in_rounds(member)
    if why_not:
        raise RoundError(why_not)
    # The round's row lock orders two joins by the same member: the second finds the first.
    return RoundOptIn.objects.create(round=matching_round, mentee=member)


@transaction.atomic
def opt_out(round_id: int, member) -> bool:
    """The member leaves the round; False when they were not in it (unchanged, no error). Allowed
    whatever the member's enrollment is now (a mentee who found a mentor meanwhile may leave)."""
    matching_round = _open_for_opt_in(round_id)
    deleted, _ = RoundOptIn.objects.filter(round=matching_round, mentee=member).delete()
    return deleted > 0
