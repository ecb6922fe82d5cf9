"""A cohort round's pair scores are the Find a Mentor scores, and the hard rules forbid exactly the
pairs their plain definition forbids."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cohorts.scoring import (
    NOT_ALLOWED,
    HardRules,
    allowed,
    encode,
    score_matrix,
    score_rows,
    why_not_allowed,
)
from mentoring.matching import AHEAD, PREFERENCE, SAME, CategoryRule, match_score

AREAS = CategoryRule(1, "Areas of Professional Experience", 3, False, True)
LANGUAGES = CategoryRule(2, "Languages", 1, True, True, PREFERENCE)
STAGE = CategoryRule(3, "Career Stage", 1, False, True, AHEAD, (30, 31, 32, 33, 34, 35))
REGION = CategoryRule(4, "Region", 1, False, False, PREFERENCE)
CATEGORIES = [AREAS, LANGUAGES, STAGE, REGION]
OPTIONS = {1: [10, 11, 12, 13], 2: [20, 21, 22], 3: list(STAGE.levels), 4: [40, 41]}
EARLY, MANAGER = 31, 33
ALL_RULES = HardRules(must_match=True, other_organization=True, mentor_ahead=True)
NO_RULES = HardRules(must_match=False)


def build(mentees, mentors, categories=CATEGORIES, rules=NO_RULES, options=OPTIONS, **kwargs):
    """The matrix of a pool given as (choices, organization) per member."""
    sides = encode(
        [m for m, _ in mentees],
        [org for _, org in mentees],
        [m for m, _ in mentors],
        [org for _, org in mentors],
        categories,
        options,
    )
    return score_matrix(*sides, categories, rules, **kwargs)


def expected(mentees, mentors, categories, rules):
    """Cell by cell: match_score's score where the rules allow the pair, else NOT_ALLOWED."""
    return np.array(
        [
            [
                match_score(mentee, mentor, categories, searcher_is_mentee=True).score
                if allowed(mentee, mentor, mentee_org, mentor_org, categories, rules)
                else NOT_ALLOWED
                for mentor, mentor_org in mentors
            ]
            for mentee, mentee_org in mentees
        ],
        dtype=np.int64,
    ).reshape(len(mentees), len(mentors))


# --- The score is the Find a Mentor score ------------------------------------------------------


def test_a_pair_scores_what_find_a_mentor_shows_the_mentee():
    mentee = ({1: {10, 11}, 2: {20}, 3: {EARLY}, 4: {40}}, "")
    close = ({1: {10, 11, 12}, 3: {MANAGER}, 4: {40}}, "")
    halfway = ({1: {10}, 3: {EARLY}, 4: {41}}, "")

    matrix = build([mentee], [close, halfway])

    assert matrix.dtype == np.uint8
    # Half the areas (3 × ½) and the same stage (1 × ½) of 4; no shared region costs nothing.
    assert matrix.tolist() == [[100, 50]]
    assert matrix.tolist() == expected([mentee], [close, halfway], CATEGORIES, NO_RULES).tolist()


def test_a_category_with_weight_0_does_not_count():
    areas_off = CategoryRule(1, "Areas of Professional Experience", 0, False, True)
    categories = [areas_off, REGION]
    mentee = ({1: {10}, 4: {40}}, "")
    mentor = ({1: {11}, 4: {40}}, "")

    assert build([mentee], [mentor], categories).tolist() == [[100]]


def test_a_mentee_who_chose_nothing_scores_0_with_every_mentor():
    mentors = [({1: {10}, 3: {MANAGER}, 4: {40}}, ""), ({}, ""), ({2: {20}}, "")]

    assert build([({}, "")], mentors).tolist() == [[0, 0, 0]]


def test_an_option_no_longer_offered_still_counts_as_chosen():
    # The mentee chose 2 areas, one since removed from the list: sharing the other is half.
    mentee = ({1: {10, 99}}, "")
    mentor = ({1: {10}}, "")

    assert build([mentee], [mentor]).tolist() == [[50]]


def test_an_empty_pool_gives_an_empty_matrix():
    someone = ({1: {10}}, "")

    assert build([], [someone]).shape == (0, 1)
    assert build([someone], []).shape == (1, 0)
    assert build([], []).shape == (0, 0)


def test_blocks_of_rows_give_the_same_matrix_and_report_progress():
    rng = np.random.default_rng(7)
    pool = [
        ({1: set(rng.choice(OPTIONS[1], 2).tolist()), 3: {int(rng.choice(STAGE.levels))}}, "")
        for _ in range(9)
    ]
    reports = []

    whole = build(pool, pool)
    in_blocks = build(pool, pool, chunk_rows=2, progress=lambda done, n: reports.append((done, n)))

    assert (in_blocks == whole).all()
    assert reports == [(2, 9), (4, 9), (6, 9), (8, 9), (9, 9)]
    sides = encode(
        [m for m, _ in pool], [""] * 9, [m for m, _ in pool], [""] * 9, CATEGORIES, OPTIONS
    )
    assert (score_rows(*sides, CATEGORIES, NO_RULES, slice(3, 7)) == whole[3:7]).all()


# --- The hard rules ----------------------------------------------------------------------------


def test_must_match_needs_a_shared_option_when_the_mentee_chose_one():
    mentee = ({2: {20, 21}}, "")
    speaks_one = ({2: {21}}, "")
    speaks_other = ({2: {22}}, "")
    says_nothing = ({}, "")

    matrix = build([mentee, ({}, "")], [speaks_one, speaks_other, says_nothing], rules=HardRules())

    assert matrix.tolist() == [[0, NOT_ALLOWED, NOT_ALLOWED], [0, 0, 0]]
    assert why_not_allowed(mentee[0], speaks_other[0], "", "", CATEGORIES, HardRules()) == (
        "Must match in Languages"
    )


def test_must_match_in_an_ahead_category_needs_the_mentor_at_or_above_the_mentee():
    stage = CategoryRule(3, "Career Stage", 1, True, True, AHEAD, STAGE.levels)
    mentee = ({3: {EARLY, MANAGER}}, "")  # a mentee's level is their lowest: early career
    mentors = [({3: {30}}, ""), ({3: {30, EARLY}}, ""), ({3: {35}}, ""), ({}, "")]

    matrix = build([mentee], mentors, [stage], HardRules())

    assert matrix.tolist() == [[NOT_ALLOWED, 0, 0, NOT_ALLOWED]]


def test_must_match_on_a_level_no_longer_on_the_scale_lets_no_mentor_through():
    # As on Find a Mentor, where such a filter lists nobody.
    stage = CategoryRule(3, "Career Stage", 1, True, True, AHEAD, STAGE.levels)
    mentee = ({3: {39}}, "")
    mentors = [({3: {35}}, ""), ({3: {39}}, ""), ({}, "")]

    matrix = build([mentee], mentors, [stage], HardRules())

    assert matrix.tolist() == [[NOT_ALLOWED] * 3]
    assert why_not_allowed(mentee[0], mentors[0][0], "", "", [stage], HardRules()) == (
        "Must match in Career Stage"
    )


def test_same_organization_is_compared_without_case_or_spaces_and_empty_never_clashes():
    rules = HardRules(must_match=False, other_organization=True)
    mentees = [({}, "Acme Health"), ({}, "")]
    mentors = [({}, "  acme health "), ({}, "Beta"), ({}, "")]

    matrix = build(mentees, mentors, rules=rules)

    assert matrix.tolist() == [[NOT_ALLOWED, 0, 0], [0, 0, 0]]
    assert why_not_allowed({}, {}, "Acme Health ", "ACME health", [], rules) == (
        "Not the same organization (Acme Health)"
    )


def test_mentor_ahead_needs_a_level_at_or_above_the_mentees_in_every_ahead_category():
    rules = HardRules(must_match=False, mentor_ahead=True)
    mentee = ({3: {MANAGER}}, "")
    mentors = [({3: {EARLY}}, ""), ({3: {MANAGER}}, ""), ({}, "")]

    matrix = build([mentee, ({}, "")], mentors, rules=rules)

    assert matrix.tolist() == [[NOT_ALLOWED, 50, NOT_ALLOWED], [0, 0, 0]]
    assert why_not_allowed(mentee[0], mentors[0][0], "", "", CATEGORIES, rules) == (
        "Mentor behind in Career Stage"
    )
    assert why_not_allowed(mentee[0], mentors[1][0], "", "", CATEGORIES, rules) == ""


def test_rules_that_are_off_forbid_nothing():
    mentee = ({2: {20}, 3: {MANAGER}}, "Acme")
    mentor = ({2: {21}, 3: {EARLY}}, "Acme")

    assert build([mentee], [mentor], rules=NO_RULES).tolist() == [[0]]
    assert build([mentee], [mentor], rules=ALL_RULES).tolist() == [[NOT_ALLOWED]]


# --- Equal to match_score and allowed() on random pools ----------------------------------------


@st.composite
def pools(draw):
    """Random categories of all three kinds and random members, some with empty choices and
    some with an option the category no longer lists."""
    categories, options = [], {}
    for category_id in range(1, draw(st.integers(0, 5)) + 1):
        kind = draw(st.sampled_from([SAME, AHEAD, PREFERENCE]))
        listed = [category_id * 100 + k for k in range(draw(st.integers(1, 6)))]
        options[category_id] = listed
        categories.append(
            CategoryRule(
                category_id,
                f"Category {category_id}",
                draw(st.integers(0, 5)),
                draw(st.booleans()),
                draw(st.booleans()),
                kind,
                tuple(listed) if kind == AHEAD else (),
            )
        )

    def member():
        choices = {}
        for category in categories:
            choosable = [*options[category.id], category.id * 100 + 99]  # 99: no longer listed
            most = len(choosable) if category.multiple else 1
            picked = draw(st.none() | st.sets(st.sampled_from(choosable), max_size=most))
            if picked is not None:
                choices[category.id] = picked
        return choices, draw(st.sampled_from(["", "Acme", " acme", "Beta"]))

    mentees = [member() for _ in range(draw(st.integers(0, 6)))]
    mentors = [member() for _ in range(draw(st.integers(0, 6)))]
    rules = HardRules(draw(st.booleans()), draw(st.booleans()), draw(st.booleans()))
    return categories, options, mentees, mentors, rules


@settings(max_examples=400, deadline=None)
@given(pools(), st.integers(0, 3))
def test_every_cell_is_match_score_or_not_allowed_exactly_where_allowed_says_no(pool, chunk_rows):
    categories, options, mentees, mentors, rules = pool

    matrix = build(mentees, mentors, categories, rules, options, chunk_rows=chunk_rows)

    assert matrix.shape == (len(mentees), len(mentors))
    assert (matrix.astype(np.int64) == expected(mentees, mentors, categories, rules)).all()


def test_a_realistic_pool_scores_bit_for_bit_like_match_score():
    # The default criteria's shape: two "same" lists, two ordered scales, four preferences, with
    # uneven weights so that the float sums and the halves in rounding are exercised.
    rng = np.random.default_rng(16)
    spec = [(SAME, 10, 3, True), (SAME, 10, 2, True), (AHEAD, 6, 1, True), (AHEAD, 5, 2, False)]
    spec += [(PREFERENCE, 7, 1, False), (PREFERENCE, 7, 3, False), (PREFERENCE, 4, 1, True)]
    spec += [(PREFERENCE, 8, 5, True)]
    categories, options = [], {}
    for category_id, (kind, n, weight, multiple) in enumerate(spec, start=1):
        listed = [category_id * 100 + k for k in range(n)]
        options[category_id] = listed
        levels = tuple(listed) if kind == AHEAD else ()
        categories.append(
            CategoryRule(category_id, f"C{category_id}", weight, False, multiple, kind, levels)
        )

    def member():
        choices = {}
        for category in categories:
            listed = options[category.id]
            size = int(rng.integers(1, 5)) if category.multiple else 1
            if rng.random() < 0.9:
                choices[category.id] = set(
                    rng.choice(listed, min(size, len(listed)), replace=False).tolist()
                )
        return choices, ""

    mentees = [member() for _ in range(120)]
    mentors = [member() for _ in range(80)]

    matrix = build(mentees, mentors, categories, NO_RULES, options, chunk_rows=7)

    assert (matrix.astype(np.int64) == expected(mentees, mentors, categories, NO_RULES)).all()
