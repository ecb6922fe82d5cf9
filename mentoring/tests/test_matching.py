"""The match score on small hand-made cases, and the search's vectorised copy of it."""

import random

import numpy as np
import pytest

from mentoring.matching import CategoryRule, explain, match_score

AREAS = CategoryRule(1, "Areas of Professional Experience", 3, False, True)
SKILLS = CategoryRule(2, "Leadership Skills", 2, False, True)
REGION = CategoryRule(3, "Region", 1, False, False)
LANGUAGES = CategoryRule(4, "Languages", 1, True, True)  # must match: filters, never scores
CATEGORIES = [AREAS, SKILLS, REGION, LANGUAGES]


def test_a_candidate_offering_exactly_what_the_mentee_seeks_scores_100():
    mentee = {1: {10, 11}, 2: {20}, 3: {30}}
    assert match_score(mentee, mentee, CATEGORIES, searcher_is_mentee=True).score == 100


def test_nothing_in_common_scores_0():
    match = match_score({1: {10}}, {1: {11}}, CATEGORIES, searcher_is_mentee=True)
    assert match.score == 0
    assert match.contributions == []


def test_the_mentees_side_counts_three_times_the_mentors():
    # The mentee seeks 1 area; the mentor offers it among 4. Mentee side 1, mentor side 1/4.
    match = match_score({1: {10}}, {1: {10, 11, 12, 13}}, CATEGORIES, searcher_is_mentee=True)
    assert match.score == round(100 * (0.75 * 1 + 0.25 * 0.25))  # 81


def test_the_sides_swap_when_a_mentor_searches():
    # Same pair seen from the mentor's search: the mentee (candidate) chose 1, the mentor 4.
    match = match_score({1: {10, 11, 12, 13}}, {1: {10}}, CATEGORIES, searcher_is_mentee=False)
    assert match.score == 81


def test_weights_decide_how_much_each_category_counts():
    searcher = {1: {10}, 3: {30}}
    areas_only = match_score(searcher, {1: {10}, 3: {31}}, CATEGORIES, searcher_is_mentee=True)
    region_only = match_score(searcher, {1: {11}, 3: {30}}, CATEGORIES, searcher_is_mentee=True)
    assert areas_only.score == 75  # weight 3 of 4
    assert region_only.score == 25  # weight 1 of 4


def test_must_match_and_unchosen_categories_do_not_count():
    match = match_score({1: {10}, 4: {40}}, {1: {10}, 4: {41}}, CATEGORIES, searcher_is_mentee=True)
    assert match.score == 100
    assert [c.category for c in match.contributions] == [AREAS]


def test_a_zero_weight_category_is_left_out():
    silent = CategoryRule(5, "Hobbies", 0, False, True)
    match = match_score({1: {10}, 5: {50}}, {1: {10}}, [AREAS, silent], searcher_is_mentee=True)
    assert match.score == 100


def test_the_explanation_names_what_matched():
    labels = {
        10: "Sourcing",
        11: "Value Analysis",
        20: "Negotiation",
        21: "Team Building",
        30: "Midwest",
    }
    match = match_score(
        {1: {10, 11}, 2: {20, 21}, 3: {30}},
        {1: {10, 11}, 2: {20}, 3: {30}},
        CATEGORIES,
        searcher_is_mentee=True,
    )
    assert explain(match, labels) == (
        "Shares 2 of your 2 areas of professional experience · shares 1 of your 2 leadership skills"
        " · same region (Midwest)"
    )
    assert explain(
        match_score({1: {10}}, {1: {11}}, CATEGORIES, searcher_is_mentee=True), labels
    ) == ("No criteria in common yet")


@pytest.mark.parametrize("searcher_is_mentee", [True, False])
def test_the_search_scores_rows_exactly_like_match_score(searcher_is_mentee):
    from mentoring.search import Query, score_rows

    rng = random.Random(5)
    options = {1: [10, 11, 12, 13], 2: [20, 21, 22], 3: [30, 31], 4: [40, 41]}
    all_options = [o for opts in options.values() for o in opts]

    class FakeIndex:
        col_of = {o: i for i, o in enumerate(all_options)}
        matrix = np.zeros((200, len(all_options)), dtype=bool)

        @property
        def matrix_f32(self):
            return self.matrix.astype(np.float32)

    candidates = []
    for row in range(200):
        chosen = {
            cid: set(rng.sample(opts, rng.randint(0, len(opts)))) for cid, opts in options.items()
        }
        candidates.append({cid: s for cid, s in chosen.items() if s})
        for opts in chosen.values():
            for o in opts:
                FakeIndex.matrix[row, FakeIndex.col_of[o]] = True
    searcher = {1: {10, 12}, 2: {21}, 3: {30}, 4: {40}}
    query = Query(
        target_role="mentor" if searcher_is_mentee else "mentee",
        searcher_user_id=0,
        filters={},
        criteria=searcher,
        categories=CATEGORIES,
        options_by_category=options,
    )

    vectorised = score_rows(FakeIndex(), np.arange(200), query)

    expected = [
        match_score(searcher, c, CATEGORIES, searcher_is_mentee=searcher_is_mentee).score
        for c in candidates
    ]
    assert vectorised.astype(int).tolist() == expected
