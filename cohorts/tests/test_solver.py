"""The cohort solver: never over a mentor's places, never against a hard rule, equal to brute force
on small random pools, never worse than a first-come greedy matching or Hungarian-in-rounds."""

from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cohorts import solver
from cohorts.scoring import NOT_ALLOWED
from cohorts.solver import NO_ELIGIBLE_MENTOR, PLACES_TAKEN, Problem, SolverError


@st.composite
def pools(draw, max_mentees=6, max_mentors=4):
    n = draw(st.integers(0, max_mentees))
    m = draw(st.integers(0, max_mentors))
    cells = draw(
        st.lists(
            st.one_of(st.integers(0, 100), st.just(NOT_ALLOWED)), min_size=n * m, max_size=n * m
        )
    )
    scores = np.array(cells, dtype=np.uint8).reshape(n, m)
    places = np.array(draw(st.lists(st.integers(0, 2), min_size=m, max_size=m)), dtype=np.int64)
    pairs = [(i, j) for i in range(n) for j in range(m)]
    bonus = {}
    forbidden = []
    fixed = []
    if pairs:
        for pair in draw(st.lists(st.sampled_from(pairs), max_size=4, unique=True)):
            bonus[pair] = draw(st.integers(1, 30))
        forbidden = draw(st.lists(st.sampled_from(pairs), max_size=2, unique=True))
        left = places.copy()
        for i, j in draw(st.lists(st.sampled_from(pairs), max_size=2, unique=True)):
            fixable = (
                scores[i, j] != NOT_ALLOWED
                and (i, j) not in forbidden
                and left[j] > 0
                and i not in {r for r, _ in fixed}
            )
            if fixable:
                fixed.append((i, j))
                left[j] -= 1
    return Problem(scores, places, bonus, fixed, forbidden)


def copy_of(problem: Problem) -> Problem:
    return Problem(
        problem.scores.copy(),
        problem.places.copy(),
        dict(problem.bonus),
        list(problem.fixed),
        list(problem.forbidden),
    )


def brute_force(problem: Problem) -> tuple[int, int]:
    """(matched, Σ score + bonus) of the best matching, trying every one."""
    scores = problem.scores
    n, m = scores.shape
    forbidden = set(problem.forbidden)
    fixed = dict(problem.fixed)
    best = (-1, -1)

    def walk(i, left, matched, value):
        nonlocal best
        if i == n:
            best = max(best, (matched, value))
            return
        if i in fixed:  # its place was taken before the walk
            j = fixed[i]
            walk(i + 1, left, matched + 1, value + int(scores[i, j]) + problem.bonus.get((i, j), 0))
            return
        walk(i + 1, left, matched, value)
        for j in range(m):
            if left[j] > 0 and scores[i, j] != NOT_ALLOWED and (i, j) not in forbidden:
                left[j] -= 1
                weight = int(scores[i, j]) + problem.bonus.get((i, j), 0)
                walk(i + 1, left, matched + 1, value + weight)
                left[j] += 1

    left = [int(p) for p in problem.places]
    for j in fixed.values():
        left[j] -= 1
    walk(0, left, 0, 0)
    return best


def assert_feasible(problem: Problem, result: solver.Solution):
    original = problem.scores
    rows = [i for i, _ in result.pairs]
    assert len(rows) == len(set(rows)), "a mentee matched twice"
    load = np.bincount([j for _, j in result.pairs], minlength=original.shape[1])
    assert (load <= problem.places).all(), "a mentor over their places"
    for pair in result.pairs:
        assert original[pair] != NOT_ALLOWED, "a pair against a hard rule"
        assert pair not in problem.forbidden, "a pair staff forbade"
    for pair in problem.fixed:
        assert pair in result.pairs, "a pair staff fixed is missing"
    assert result.matched == len(result.pairs)
    assert result.total_score == sum(int(original[p]) for p in result.pairs)


@contextmanager
def pruned_hard(candidates=1, added=1):
    """The solver given only each mentee's single best mentor at first, one more pair per round:
    every other pair must come from the certificate's check."""
    names = ("CANDIDATES_PER_MENTEE", "ADDED_PER_ROUND", "ADDED_PER_ROUND_TOTAL")
    saved = [getattr(solver, name) for name in names]
    for name, value in zip(names, (candidates, added, added), strict=True):
        setattr(solver, name, value)
    try:
        yield
    finally:
        for name, value in zip(names, saved, strict=True):
            setattr(solver, name, value)


@settings(max_examples=300, deadline=None)
@given(pools())
def test_the_solver_equals_brute_force_on_small_pools(problem):
    result = solver.solve(copy_of(problem))
    assert_feasible(problem, result)
    assert (result.matched, result.objective) == brute_force(problem)
    assert result.optimal and result.gap_percent == 0


@settings(max_examples=200, deadline=None)
@given(pools(max_mentees=7, max_mentors=4))
def test_a_pair_left_out_by_the_pruning_is_found_by_the_certificate(problem):
    with pruned_hard():
        result = solver.solve(copy_of(problem))
    assert_feasible(problem, result)
    assert (result.matched, result.objective) == brute_force(problem)
    assert result.optimal


@settings(max_examples=200, deadline=None)
@given(pools(max_mentees=8, max_mentors=5))
def test_never_worse_than_first_come_greedy_or_hungarian_in_rounds(problem):
    best = solver.solve(copy_of(problem))
    for other in (solver.greedy(copy_of(problem)), solver.hungarian_in_rounds(copy_of(problem))):
        assert_feasible(problem, other)
        assert (best.matched, best.objective) >= (other.matched, other.objective)


def test_contention_for_one_popular_mentor_is_resolved_by_the_certificate():
    # Everyone's best mentor is column 0, who has one place; the others have places for all.
    rng = np.random.default_rng(7)
    scores = rng.integers(0, 60, size=(40, 12)).astype(np.uint8)
    scores[:, 0] = 100
    scores[rng.random((40, 12)) < 0.2] = NOT_ALLOWED
    scores[:, 0] = 100
    places = np.array([1] + [4] * 11)
    problem = Problem(scores, places)
    with pruned_hard(candidates=1, added=2):
        result = solver.solve(copy_of(problem))
    assert result.optimal and result.rounds > 1
    assert result.matched == min(40, int((places[(scores != NOT_ALLOWED).any(axis=0)]).sum()))
    reference = solver.solve(copy_of(problem))  # with the usual candidates
    assert (result.matched, result.objective) == (reference.matched, reference.objective)


def test_each_unmatched_mentee_has_a_reason():
    scores = np.array([[NOT_ALLOWED, NOT_ALLOWED], [90, 10], [80, NOT_ALLOWED]], dtype=np.uint8)
    result = solver.solve(Problem(scores, np.array([1, 0])))
    assert result.pairs == [(1, 0)]
    assert result.unmatched == {0: NO_ELIGIBLE_MENTOR, 2: PLACES_TAKEN}


def test_the_number_matched_comes_before_the_score():
    # Mentee 0 scores 100 with mentor 0 and 1 with mentor 1; mentee 1 can only have mentor 0.
    scores = np.array([[100, 1], [2, NOT_ALLOWED]], dtype=np.uint8)
    result = solver.solve(Problem(scores, np.array([1, 1])))
    assert result.pairs == [(0, 1), (1, 0)]
    assert result.total_score == 3


def test_a_shortlist_bonus_can_tip_the_choice():
    scores = np.array([[60, 55]], dtype=np.uint8)
    plain = solver.solve(Problem(scores.copy(), np.array([1, 1])))
    shortlisted = solver.solve(Problem(scores.copy(), np.array([1, 1]), bonus={(0, 1): 10}))
    assert plain.pairs == [(0, 0)]
    assert shortlisted.pairs == [(0, 1)]
    assert shortlisted.total_score == 55 and shortlisted.objective == 65


def test_an_empty_pool_has_an_empty_answer():
    for shape in ((0, 0), (3, 0), (0, 3)):
        result = solver.solve(Problem(np.zeros(shape, np.uint8), np.ones(shape[1], np.int64)))
        assert result.pairs == [] and result.optimal
    result = solver.solve(Problem(np.zeros((2, 2), np.uint8), np.zeros(2, np.int64)))
    assert result.pairs == [] and result.unmatched == {0: NO_ELIGIBLE_MENTOR, 1: NO_ELIGIBLE_MENTOR}


@pytest.mark.parametrize(
    "fixed, message",
    [
        ([(0, 1)], "not allowed"),
        ([(0, 0), (0, 2)], "fixed to two mentors"),
        ([(0, 0), (1, 0)], "no place left"),
    ],
)
def test_an_impossible_fixed_pair_is_refused(fixed, message):
    scores = np.array([[50, NOT_ALLOWED, 20], [40, 30, 20]], dtype=np.uint8)
    with pytest.raises(SolverError, match=message):
        solver.solve(Problem(scores, np.array([1, 1, 1]), fixed=fixed))


def test_bad_matrices_are_refused():
    with pytest.raises(SolverError):
        solver.solve(Problem(np.zeros((2, 2), np.int32), np.ones(2)))
    with pytest.raises(SolverError):
        solver.solve(Problem(np.zeros((2, 2), np.uint8), np.ones(3)))
    with pytest.raises(SolverError):
        solver.solve(Problem(np.zeros((2, 2), np.uint8), np.array([1, -1])))
