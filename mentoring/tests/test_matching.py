"""The match score on small hand-made cases, and the search's vectorised copy of it."""

import random

import numpy as np
import pytest

from mentoring.matching import AHEAD, PREFERENCE, CategoryRule, explain, match_score

AREAS = CategoryRule(1, "Areas of Professional Experience", 3, False, True)
SKILLS = CategoryRule(2, "Leadership Skills", 2, False, True)
REGION = CategoryRule(3, "Region", 1, False, False, PREFERENCE)
LANGUAGES = CategoryRule(4, "Languages", 1, True, True, PREFERENCE)  # must match: filters only
STUDENT, EARLY, MID, MANAGER, DIRECTOR, EXECUTIVE = 50, 51, 52, 53, 54, 55
STAGE = CategoryRule(
    5, "Career Stage", 1, False, True, AHEAD, (STUDENT, EARLY, MID, MANAGER, DIRECTOR, EXECUTIVE)
)
FORMAT = CategoryRule(6, "Preferred Meeting Format", 1, False, True, PREFERENCE)
CATEGORIES = [AREAS, SKILLS, REGION, LANGUAGES, STAGE, FORMAT]
LABELS = {
    10: "Sourcing",
    11: "Value Analysis",
    20: "Negotiation",
    21: "Team Building",
    30: "Midwest",
    31: "West",
    STUDENT: "Student or new to the field",
    EARLY: "Early career",
    MID: "Mid-career",
    MANAGER: "Manager",
    DIRECTOR: "Director",
    EXECUTIVE: "Executive",
    60: "Video",
    61: "Phone",
}


def score(searcher, candidate, *, searcher_is_mentee=True, categories=CATEGORIES):
    return match_score(searcher, candidate, categories, searcher_is_mentee=searcher_is_mentee)


# --- The scale: a percentage of the best possible for this searcher --------------------------


def test_a_mentor_offering_more_than_the_mentee_seeks_still_scores_100():
    # Everything the mentee asked for is met; what else the mentor offers costs nothing.
    mentee = {1: {10, 11}, 2: {20}}
    mentor = {1: {10, 11, 12, 13}, 2: {20, 21, 22}}

    assert score(mentee, mentor).score == 100


def test_sharing_2_of_2_areas_and_being_ahead_scores_100_whatever_the_preferences():
    # The complaint: "43 match" for a mentor who shares both of the mentee's areas. The mentee's
    # own enrollment also names a career stage, a region and a meeting format.
    mentee = {1: {10, 11}, 5: {EARLY}, 3: {30}, 6: {60}}
    mentor = {1: {10, 11, 12}, 5: {MANAGER}, 3: {31}, 6: {61}}

    match = score(mentee, mentor)

    assert match.score == 100
    assert explain(match, LABELS) == (
        "Shares 2 of your 2 areas of professional experience · 2 steps ahead in career stage"
    )


def test_nothing_in_common_scores_0():
    match = score({1: {10}}, {1: {11}})
    assert match.score == 0
    assert match.contributions == []
    assert explain(match, LABELS) == "No criteria in common yet"


def test_the_same_pair_scores_the_same_on_find_a_mentor_and_find_a_mentee():
    # Each searching with their own enrollment, both having chosen in the same categories.
    mentee = {1: {10, 11, 12}, 2: {20, 21}, 3: {30}, 5: {EARLY}, 6: {60, 61}}
    mentors = [
        {1: {10}, 2: {20, 21, 22}, 3: {31}, 5: {MID}, 6: {60}},
        {1: {10, 11, 13}, 2: {22}, 3: {30}, 5: {MANAGER}},
        {1: {12}, 2: {23}, 5: {STUDENT}, 6: {61}},
    ]
    for mentor in mentors:
        from_mentee = score(mentee, mentor, searcher_is_mentee=True).score
        from_mentor = score(mentor, mentee, searcher_is_mentee=False).score
        assert 0 < from_mentee < 100
        assert from_mentee == from_mentor


def test_a_mentor_searching_sees_100_for_a_mentee_whose_every_wish_they_cover():
    mentor = {1: {10, 11, 12}, 2: {20, 21}, 5: {DIRECTOR}}
    covered = {1: {11}, 2: {20, 21}, 5: {EARLY}}
    half = {1: {11, 13}, 2: {20, 21}, 5: {EARLY}}

    assert score(mentor, covered, searcher_is_mentee=False).score == 100
    # Areas count 3 of 6: half of the mentee's areas gives 100 − 3/6 × 50.
    assert score(mentor, half, searcher_is_mentee=False).score == 75
    assert explain(score(mentor, half, searcher_is_mentee=False), LABELS) == (
        "Shares 1 of their 2 areas of professional experience"
        " · shares 2 of their 2 leadership skills · you are 3 steps ahead in career stage"
    )


# --- same: the more of the mentee's options in common, the better -----------------------------


def test_same_counts_the_share_of_the_mentees_options_the_mentor_has():
    assert score({1: {10, 11, 12, 13}}, {1: {10}}).score == 25
    assert score({1: {10, 11, 12, 13}}, {1: {10, 11, 12}}).score == 75


def test_weights_decide_how_much_each_category_counts():
    searcher = {1: {10}, 2: {20}}
    areas_only = score(searcher, {1: {10}, 2: {21}})
    skills_only = score(searcher, {1: {11}, 2: {20}})
    assert areas_only.score == 60  # weight 3 of 5
    assert skills_only.score == 40  # weight 2 of 5


def test_must_match_and_unchosen_categories_do_not_count():
    match = score({1: {10}, 4: {40}}, {1: {10}, 4: {41}})
    assert match.score == 100
    assert [c.category for c in match.contributions] == [AREAS]


def test_a_zero_weight_category_is_left_out():
    silent = CategoryRule(7, "Hobbies", 0, False, True)
    assert score({1: {10}, 7: {70}}, {1: {10}}, categories=[AREAS, silent]).score == 100


def test_a_candidate_who_chose_nothing_in_a_category_earns_nothing_for_it():
    assert score({1: {10}, 2: {20}}, {1: {10}}).score == 60
    assert score({1: {10}, 2: {20}}, {1: {10}}, searcher_is_mentee=False).score == 60


# --- mentor ahead: ordered options, the mentor at or above the mentee -------------------------


def test_a_mentor_ahead_of_the_mentee_scores_more_up_to_two_steps():
    mentee = {5: {EARLY}}
    scores = {
        stage: score(mentee, {5: {stage}}).score
        for stage in (STUDENT, EARLY, MID, MANAGER, DIRECTOR)
    }

    # Behind: nothing; level: half; one step ahead: ¾; two or more: full marks (the cap).
    assert scores == {STUDENT: 0, EARLY: 50, MID: 75, MANAGER: 100, DIRECTOR: 100}
    assert scores[DIRECTOR] > scores[MID] > scores[EARLY] > scores[STUDENT]


def test_the_explanation_says_how_far_ahead():
    def said(stage, **kwargs):
        return explain(score({5: {EARLY}}, {5: {stage}}, **kwargs), LABELS)

    assert said(DIRECTOR) == "3 steps ahead in career stage"
    assert said(MID) == "1 step ahead in career stage"
    assert said(EARLY) == "Same career stage (Early career)"
    assert said(STUDENT) == "No criteria in common yet"
    from_the_mentor = score({5: {DIRECTOR}}, {5: {EARLY}}, searcher_is_mentee=False)
    assert explain(from_the_mentor, LABELS) == "You are 3 steps ahead in career stage"


def test_at_the_end_of_the_scale_the_best_possible_is_full_marks():
    # A mentee at the top can at best meet a mentor at the same level; a mentor one step above the
    # lowest level can at best be one step ahead.
    assert score({5: {EXECUTIVE}}, {5: {EXECUTIVE}}).score == 100
    assert score({5: {EXECUTIVE}}, {5: {DIRECTOR}}).score == 0
    assert score({5: {EARLY}}, {5: {STUDENT}}, searcher_is_mentee=False).score == 100
    assert score({5: {EARLY}}, {5: {EARLY}}, searcher_is_mentee=False).score == round(
        100 * 0.5 / 0.75
    )


def test_with_several_levels_chosen_a_mentor_is_their_highest_and_a_mentee_their_lowest():
    mentee = {5: {EARLY, MID}}
    mentor = {5: {EARLY, MANAGER}}

    match = score(mentee, mentor)

    assert match.contributions[0].steps == 2
    assert score(mentor, mentee, searcher_is_mentee=False).contributions[0].steps == 2


# --- preference: a shared option is a plus, none costs nothing --------------------------------


def test_a_shared_preference_adds_and_no_overlap_costs_nothing():
    mentee = {1: {10, 11}, 3: {30}, 6: {60}}
    without_preferences = score({1: {10, 11}}, {1: {10}}).score

    other_region = score(mentee, {1: {10}, 3: {31}, 6: {61}})
    same_region = score(mentee, {1: {10}, 3: {30}, 6: {61}})
    both = score(mentee, {1: {10}, 3: {30}, 6: {60, 61}})

    assert without_preferences == 50
    assert other_region.score == 50  # no overlap: as if the preferences were not there
    assert same_region.score == round(100 * (3 * 0.5 + 1) / 4)  # 62: a plus
    assert both.score == 70  # (1.5 + 1 + 1) / 5
    assert explain(both, LABELS) == (
        "Shares 1 of your 2 areas of professional experience · same region (Midwest)"
        " · preferred meeting format: Video"
    )


def test_a_shared_preference_never_lowers_a_score():
    mentee = {1: {10}, 3: {30}}
    assert score(mentee, {1: {10}, 3: {30}}).score == 100
    assert score(mentee, {1: {10}, 3: {31}}).score == 100
    assert score(mentee, {1: {11}, 3: {30}}).score == 25  # only the preference: still a plus


# --- The search's vectorised copy -------------------------------------------------------------


@pytest.mark.parametrize("searcher_is_mentee", [True, False])
def test_the_search_scores_rows_exactly_like_match_score(searcher_is_mentee):
    from mentoring.search import Query, RoleIndex, score_rows

    rng = random.Random(5)
    options = {
        1: [10, 11, 12, 13],
        2: [20, 21, 22],
        3: [30, 31],
        4: [40, 41],
        5: list(STAGE.levels),
        6: [60, 61, 62],
    }
    all_options = [o for opts in options.values() for o in opts]

    index = RoleIndex("mentor" if searcher_is_mentee else "mentee")
    index.col_of = {o: i for i, o in enumerate(all_options)}
    index.matrix = np.zeros((400, len(all_options)), dtype=bool)
    index._forget_derived()
    candidates = []
    for row in range(400):
        chosen = {
            cid: set(rng.sample(opts, rng.choice([0, 1, 1, 2, len(opts)])))
            for cid, opts in options.items()
        }
        candidates.append({cid: s for cid, s in chosen.items() if s})
        for opts in chosen.values():
            for o in opts:
                index.matrix[row, index.col_of[o]] = True
    searchers = [
        {1: {10, 12}, 2: {21}, 3: {30}, 4: {40}, 5: {EARLY}, 6: {60}},
        {1: {11}, 5: {STUDENT, MANAGER}, 6: {61, 62}},
        {2: {20, 21, 22}, 5: {EXECUTIVE}},
        {5: {STUDENT}, 3: {31}},
        {3: {30}, 6: {60}},  # preferences only
    ]
    seen = set()
    for searcher in searchers:
        query = Query(
            target_role="mentor" if searcher_is_mentee else "mentee",
            searcher_user_id=0,
            filters={},
            criteria=searcher,
            categories=CATEGORIES,
            options_by_category=options,
        )

        vectorised = score_rows(index, np.arange(400), query)

        expected = [
            match_score(searcher, c, CATEGORIES, searcher_is_mentee=searcher_is_mentee).score
            for c in candidates
        ]
        assert vectorised.astype(int).tolist() == expected
        seen.update(expected)
    assert len(seen) > 15  # varied enough cases to tell formulas apart
