"""A round's pool, read from the database through the one definitions that exist: who takes part
(EnrollmentQuerySet.enrolled / participating), a mentor's open places (with_open_places), the
criteria as Find a Mentor scores them (mentoring.find.criteria_for, a mentee searching mentors).

Mentees: enrolled and participating, without an active relationship as mentee, in enrollment
order (greedy's "first come"); in a round only for those who opted in, only those. Mentors:
participating, with open places; a mentor's places in the round are their open places, or the
round's places per mentor when that is fewer. Shortlists
become the bonus; previous pairs (any relationship, when the rule is on), a member paired with
themselves and staff's forbids are forbidden; staff's fixes are fixed.
"""

from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, Max, Q, Value
from django.db.models.functions import Concat

from mentoring.find import criteria_for
from mentoring.matching import CategoryRule
from mentoring.models import (
    Enrollment,
    EnrollmentChoice,
    Relationship,
    Role,
    ShortlistEntry,
)
from program.figures import program_changed


@dataclass
class Pool:
    mentee_ids: list[int]
    mentor_ids: list[int]
    mentee_choices: list[dict[int, set[int]]]
    mentor_choices: list[dict[int, set[int]]]
    mentee_orgs: list[str]
    mentor_orgs: list[str]
    places: list[int]
    categories: list[CategoryRule]
    options: dict[int, list[int]]  # category id -> its active option ids, in order
    labels: dict[int, str]  # option id -> label, for the explanations
    bonus: dict[tuple[int, int], int] = field(default_factory=dict)
    fixed: list[tuple[int, int]] = field(default_factory=list)
    forbidden: list[tuple[int, int]] = field(default_factory=list)

    @property
    def place_count(self) -> int:
        return sum(self.places)


def categories() -> tuple[list[CategoryRule], dict[int, list[int]], dict[int, int], dict]:
    """The categories as Find a Mentor scores them (a mentee searching mentors): the rules, each
    category's option ids, the category of each option, and each option's label."""
    found, options_by_category, category_of = criteria_for(Role.MENTOR)
    rules = [
        CategoryRule(
            c.pk,
            c.name,
            c.weight,
            c.must_match,
            c.multiple,
            c.kind,
            tuple(options_by_category[c.pk]),
        )
        for c in found
    ]
    labels = {o.pk: o.label for c in found for o in c.active_options}
    return rules, options_by_category, category_of, labels


def mentee_enrollments(matching_round=None):
    """The round's mentees: enrolled, participating, without an active mentor; first come first.
    In a round only for those who opted in (MatchingRound.opt_in_only), only those of them with a
    RoundOptIn for it. Without a round: every mentee who may be in one (and may opt in)."""
    from cohorts.models import RoundOptIn

    with_mentor = Relationship.objects.active().values("mentee_id")
    found = (
        Enrollment.objects.enrolled()
        .participating()
        .filter(role=Role.MENTEE)
        .exclude(user_id__in=with_mentor)
    )
    if matching_round is not None and matching_round.opt_in_only:
        opted_in = RoundOptIn.objects.filter(round=matching_round).values("mentee_id")
        found = found.filter(user_id__in=opted_in)
    return found.order_by("created_at", "pk")


def mentor_enrollments():
    """The round's mentors: participating, with an open place (the one definition)."""
    return (
        Enrollment.objects.participating()
        .filter(role=Role.MENTOR)
        .with_open_places()
        .filter(open_places__gt=0)
        .order_by("created_at", "pk")
    )


def find_member(enrollments, text: str) -> list[int]:
    """The user ids of those enrollments whose member `text` names: their email or their full name
    ("First Last"), ignoring case and extra spaces. At most two: enough to say a name is shared."""
    wanted = " ".join(text.split())
    if not wanted:
        return []
    named = enrollments.annotate(
        full_name=Concat("user__profile__first_name", Value(" "), "user__profile__last_name")
    )
    found = named.filter(Q(user__email__iexact=wanted) | Q(full_name__iexact=wanted))
    return list(found.values_list("user_id", flat=True)[:2])


def places_in_round(open_places: int, places_per_mentor: int | None) -> int:
    """A mentor's places in a round: never more than their open places."""
    return open_places if places_per_mentor is None else min(open_places, places_per_mentor)


# How long "Pool now" is kept at most. Every request and relationship change adds a timeline row,
# every enrollment change stamps the enrollment and every opt-in adds or removes a row, and any of
# them counts the pool again at once (the key below); this bounds what changes none of them.
POOL_CACHE_SECONDS = 300


def preview(matching_round) -> dict:
    """counts(), kept in the shared cache: at 100,000 members it reads every mentor's open places,
    and staff reload a round's page far more often than the pool changes."""
    opt_ins = matching_round.opt_ins.aggregate(n=Count("pk"), last=Max("pk"))
    key = "round-pool:" + ":".join(
        str(part)
        for part in (
            matching_round.pk,
            matching_round.opt_in_only,
            matching_round.places_per_mentor,
            opt_ins["n"],
            opt_ins["last"],
            *program_changed(),
        )
    )
    found = cache.get(key)
    if found is None:
        found = counts(matching_round)
        cache.set(key, found, POOL_CACHE_SECONDS)
    return found


def counts(matching_round) -> dict:
    """How many mentees and mentors the round would take now, and the mentors' places."""
    open_places = mentor_enrollments().values_list("open_places", flat=True)
    places = [places_in_round(n, matching_round.places_per_mentor) for n in open_places]
    return {
        "mentees": mentee_enrollments(matching_round).count(),
        "mentors": len(places),
        "places": sum(places),
    }


def choices_of(enrollment_ids, category_of) -> dict[int, dict[int, set[int]]]:
    """Each enrollment's chosen active options, by category: {enrollment id: {category: {option}}}."""
    chosen: dict[int, dict[int, set[int]]] = {pk: {} for pk in enrollment_ids}
    # The pool's enrollments by subquery, not a list of ids: SQLite takes at most 32,766
    # parameters in one statement, fewer than a large pool's ids.
    rows = EnrollmentChoice.objects.filter(
        Q(enrollment_id__in=mentee_enrollments().values("pk"))
        | Q(enrollment_id__in=mentor_enrollments().values("pk"))
    ).values_list("enrollment_id", "option_id")
    for enrollment_id, option_id in rows.iterator(chunk_size=10_000):
        category = category_of.get(option_id)
        if category is not None and enrollment_id in chosen:
            chosen[enrollment_id].setdefault(category, set()).add(option_id)
    return chosen


def build_pool(matching_round) -> Pool:
    from cohorts.models import DecisionKind

    rules, options, category_of, labels = categories()
    in_pool = mentee_enrollments(matching_round)
    mentees = list(in_pool.values_list("pk", "user_id", "user__profile__organization"))
    mentors = list(
        mentor_enrollments().values_list(
            "pk", "user_id", "user__profile__organization", "open_places"
        )
    )
    chosen = choices_of([row[0] for row in mentees + mentors], category_of)
    pool = Pool(
        mentee_ids=[row[1] for row in mentees],
        mentor_ids=[row[1] for row in mentors],
        mentee_choices=[chosen[row[0]] for row in mentees],
        mentor_choices=[chosen[row[0]] for row in mentors],
        mentee_orgs=[row[2] or "" for row in mentees],
        mentor_orgs=[row[2] or "" for row in mentors],
        places=[places_in_round(row[3], matching_round.places_per_mentor) for row in mentors],
        categories=rules,
        options=options,
        labels=labels,
    )
    row_of = {user_id: i for i, user_id in enumerate(pool.mentee_ids)}
    col_of = {user_id: j for j, user_id in enumerate(pool.mentor_ids)}

    def cell(mentee_id, mentor_id):
        i, j = row_of.get(mentee_id), col_of.get(mentor_id)
        return None if i is None or j is None else (i, j)

    if matching_round.shortlist_bonus:
        shortlisted = ShortlistEntry.objects.filter(
            mentee_id__in=in_pool.values("user_id")
        ).values_list("mentee_id", "mentor_id")
        for mentee_id, mentor_id in shortlisted.iterator(chunk_size=10_000):
            if (at := cell(mentee_id, mentor_id)) is not None:
                pool.bonus[at] = matching_round.shortlist_bonus
    forbidden = set()
    # A member enrolled in both roles is never their own mentor.
    for user_id, i in row_of.items():
        if user_id in col_of:
            forbidden.add((i, col_of[user_id]))
    if matching_round.not_previous_pair:
        previous = Relationship.objects.filter(mentee_id__in=in_pool.values("user_id")).values_list(
            "mentee_id", "mentor_id"
        )
        for mentee_id, mentor_id in previous.iterator(chunk_size=10_000):
            if (at := cell(mentee_id, mentor_id)) is not None:
                forbidden.add(at)
    for mentee_id, mentor_id, kind in matching_round.decisions.values_list(
        "mentee_id", "mentor_id", "kind"
    ):
        if (at := cell(mentee_id, mentor_id)) is None:
            continue  # one of the two left the pool since: the decision waits
        if kind == DecisionKind.FORBID:
            forbidden.add(at)
        else:
            pool.fixed.append(at)
    pool.forbidden = sorted(forbidden)
    return pool
