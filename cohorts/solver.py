"""Cohort matching's solver: the best matching of a whole pool, with a certificate that it is.

The problem. Rows are mentees, columns mentors; `scores[i, j]` is the pair's match score (0-100,
cohorts.scoring) or NOT_ALLOWED where a hard rule forbids the pair; mentor j takes at most
`places[j]` mentees and a mentee at most one mentor. A shortlisted mentor adds `bonus[(i, j)]`.
The objective is lexicographic: first the number of mentees matched, then the highest total of
score + bonus. Pairs staff fixed are in every answer; pairs they forbade in none.

The method. This is a maximum-weight b-matching, a min-cost flow: source → mentee (capacity 1) →
mentor (capacity 1, cost −weight) → sink (capacity: places), solved by OR-Tools' min-cost flow,
which first maximises the flow (the number matched) and then minimises the cost. The full graph
has n × m arcs (50 million at 10,000 × 5,000), too many to hand to a solver in seconds, so it is
given each mentee's best few mentors only, and the answer is then *certified* against every pair:

Linear-programming duality. With weight' = BIG + score + bonus, where BIG exceeds any total score
(so one more match always outweighs any gain in score), the best matching maximises Σ weight'.
Prices u_i ≥ 0 for mentees and v_j ≥ 0 for mentors with u_i + v_j ≥ weight'_ij for EVERY allowed
pair bound every matching from above: Σ weight' ≤ Σ u_i + Σ places_j · v_j. We derive the prices
from the pruned problem's optimum (the smallest that satisfy its pairs, with u_i + v_j = weight'_ij
on each chosen pair, u_i = 0 for an unmatched mentee and v_j = 0 for a mentor with a free place:
then the bound equals the matching's own value), and check them against all n × m pairs. If every
pair satisfies them, no matching is better: the answer is optimal. A pair that does not is a
candidate the pruning left out; it is added and the pruned problem solved again. If rounds run out
(they do not on any pool we have generated), the prices, raised until they hold for every pair,
still bound the optimum, and the result says how far from it the answer can be at most.
"""

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from ortools.graph.python import min_cost_flow

from cohorts.scoring import NOT_ALLOWED

NO_ELIGIBLE_MENTOR = "no_eligible_mentor"
PLACES_TAKEN = "places_taken"
CANDIDATES_PER_MENTEE = 8  # each mentee's best mentors given to the solver at first
ADDED_PER_ROUND = 8  # per mentee whose prices fail, the most violating pairs added (at least)
ADDED_PER_ROUND_TOTAL = 100_000  # ... or more each when few mentees fail, up to
MAX_ADDED_PER_MENTEE = 256
MAX_ROUNDS = 30
CHUNK_ELEMENTS = 4_000_000  # rows × columns per slice of the score matrix (int32: 16 MB)


class SolverError(Exception):
    pass


@dataclass
class Problem:
    scores: np.ndarray  # uint8 (mentees, mentors); NOT_ALLOWED where a hard rule forbids the pair
    places: np.ndarray  # (mentors,) places each mentor offers in this round
    bonus: dict[tuple[int, int], int] = field(default_factory=dict)
    fixed: list[tuple[int, int]] = field(default_factory=list)
    forbidden: list[tuple[int, int]] = field(default_factory=list)

    @property
    def shape(self) -> tuple[int, int]:
        return self.scores.shape


@dataclass
class Solution:
    pairs: list[tuple[int, int]]  # (mentee row, mentor column), fixed pairs included
    matched: int
    total_score: int  # Σ score of the pairs (the shortlist bonus not included)
    objective: int  # Σ score + bonus
    optimal: bool = False
    gap_percent: float = 0.0  # at most this far below the best total (0 when optimal)
    unmatched: dict[int, str] = field(
        default_factory=dict
    )  # row -> NO_ELIGIBLE_MENTOR | PLACES_TAKEN
    rounds: int = 0  # solver runs until certified
    candidates: int = 0  # pairs given to the solver in its last run


def _checked(problem: Problem) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int]]]:
    """The working places and the fixed pairs after checking them; forbidden pairs are marked
    NOT_ALLOWED in `problem.scores` (the round's own copy)."""
    scores = problem.scores
    if scores.dtype != np.uint8 or scores.ndim != 2:
        raise SolverError("scores must be a 2-d uint8 matrix")
    n, m = scores.shape
    places = np.asarray(problem.places, dtype=np.int64).copy()
    if places.shape != (m,) or (places < 0).any():
        raise SolverError("places must give each mentor a number of places, 0 or more")
    for i, j in problem.forbidden:
        scores[i, j] = NOT_ALLOWED
    fixed_rows = np.zeros(n, dtype=bool)
    fixed = []
    for i, j in problem.fixed:
        if fixed_rows[i]:
            raise SolverError(f"mentee row {i} is fixed to two mentors")
        if scores[i, j] == NOT_ALLOWED:
            raise SolverError(f"the fixed pair ({i}, {j}) is not allowed")
        if places[j] == 0:
            raise SolverError(f"mentor column {j} has no place left for the fixed pair ({i}, {j})")
        places[j] -= 1
        fixed_rows[i] = True
        fixed.append((i, j))
    return places, fixed_rows, fixed


def _chunks(n: int, m: int):
    step = max(1, CHUNK_ELEMENTS // max(m, 1))
    for start in range(0, n, step):
        yield start, min(n, start + step)


def _bonus_arrays(problem: Problem, free_rows: np.ndarray):
    if not problem.bonus:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    keys = np.array(list(problem.bonus.keys()), dtype=np.int64).reshape(-1, 2)
    values = np.array(list(problem.bonus.values()), dtype=np.int64)
    keep = free_rows[keys[:, 0]] & (problem.scores[keys[:, 0], keys[:, 1]] != NOT_ALLOWED)
    return keys[keep, 0], keys[keep, 1], values[keep]


# Scores shifted up by one, with a forbidden pair at 0: a table lookup per slice of the matrix.
_RANKABLE = np.arange(1, 257, dtype=np.uint16).clip(max=255).astype(np.uint8)
_RANKABLE[NOT_ALLOWED] = 0
_NEVER = -(2**28)  # far below any weight; twice it, less a price, still fits in int32
_AS_INT32 = np.arange(256, dtype=np.int32)
_AS_INT32[NOT_ALLOWED] = _NEVER


def _row_slices(scores, rows):
    """(first row, the rows among `rows` in this slice, the slice's scores): consecutive rows
    are read as a view, not copied."""
    n, m = scores.shape
    for a, b in _chunks(n, m):
        chunk_rows = rows[(rows >= a) & (rows < b)]
        if not len(chunk_rows):
            continue
        if len(chunk_rows) == b - a:
            yield chunk_rows, scores[a:b]
        else:
            yield chunk_rows, scores[chunk_rows]


def _each_slice(scores, rows, work):
    """work(rows of the slice, its scores) for every slice, on as many threads as cores: numpy
    lets go of the GIL inside its loops. The results in slice order."""
    slices = list(_row_slices(scores, rows))
    if len(slices) < 2:
        return [work(*piece) for piece in slices]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return list(pool.map(lambda piece: work(*piece), slices))


def _best_candidates(scores, rows, places, k):
    """(rows, columns) of each free mentee's k best allowed mentors that have a place."""
    m = scores.shape[1]
    no_place = places == 0
    k = min(k, m)

    def best(chunk_rows, block):
        rankable = _RANKABLE[block]
        rankable[:, no_place] = 0
        top = np.argpartition(rankable, m - k, axis=1)[:, m - k :]
        keep = np.take_along_axis(rankable, top, axis=1) > 0
        return np.repeat(chunk_rows, k)[keep.ravel()], top[keep]

    found = _each_slice(scores, rows, best)
    if not found:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return (
        np.concatenate([r for r, _ in found]).astype(np.int64),
        np.concatenate([c for _, c in found]).astype(np.int64),
    )


class _Pruned:
    """The candidate pairs given to the solver: unique (row, column) with their weight'."""

    def __init__(self, scores, big, bonus_rows, bonus_cols, bonus_values):
        self.scores = scores
        self.big = big
        self.m = scores.shape[1]
        self.keys = np.zeros(0, dtype=np.int64)  # row * m + column, sorted
        self.bonus_keys = bonus_rows * self.m + bonus_cols
        order = np.argsort(self.bonus_keys)
        self.bonus_keys, self.bonus_values = self.bonus_keys[order], bonus_values[order]

    def add(self, rows, cols):
        keys = np.sort(np.concatenate([self.keys, rows * self.m + cols]))
        self.keys = keys[np.r_[True, keys[1:] != keys[:-1]]] if len(keys) else keys

    def contains(self, keys):
        at = np.minimum(np.searchsorted(self.keys, keys), max(len(self.keys) - 1, 0))
        return self.keys[at] == keys if len(self.keys) else np.zeros(len(keys), dtype=bool)

    def bonus_of(self, keys):
        if not len(self.bonus_keys):
            return np.zeros(len(keys), dtype=np.int64)
        at = np.searchsorted(self.bonus_keys, keys)
        at_ok = np.minimum(at, len(self.bonus_keys) - 1)
        hit = self.bonus_keys[at_ok] == keys
        return np.where(hit, self.bonus_values[at_ok], 0)

    def edges(self):
        rows, cols = np.divmod(self.keys, self.m)
        weights = self.scores[rows, cols].astype(np.int64) + self.bonus_of(self.keys) + self.big
        return rows, cols, weights


def _flow(n, m, rows, cols, weights, places, big):
    """OR-Tools: the most mentees matched, then the highest Σ weight. Returns each edge's flow."""
    flow = min_cost_flow.SimpleMinCostFlow()
    source, sink = n + m, n + m + 1
    # rows come sorted (the candidates' keys are row-major and sorted).
    used_rows = rows[np.r_[True, rows[1:] != rows[:-1]]]
    used_cols = np.flatnonzero(np.bincount(cols, minlength=m))
    tails = np.concatenate([np.full(len(used_rows), source), rows, n + used_cols])
    heads = np.concatenate([used_rows, n + cols, np.full(len(used_cols), sink)])
    capacities = np.concatenate(
        [np.ones(len(used_rows) + len(rows), dtype=np.int64), places[used_cols]]
    )
    # The flow is maximised first anyway (the number matched), so the solver is given score +
    # bonus alone: smaller costs scale better.
    costs = np.concatenate(
        [np.zeros(len(used_rows), np.int64), big - weights, np.zeros(len(used_cols), np.int64)]
    )
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
    supply = int(min(len(used_rows), places[used_cols].sum()))
    flow.set_node_supply(source, supply)
    flow.set_node_supply(sink, -supply)
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise SolverError(f"the min-cost flow solver stopped: {status}")
    first = len(used_rows)
    return flow.flows(np.arange(first, first + len(rows))) > 0


def _prices(n, m, rows, cols, weights, chosen, places):
    """The smallest mentor prices v (and mentee prices u) with u_i + v_j ≥ weight' on every
    candidate pair, tight on chosen pairs, 0 for unmatched mentees and mentors with free places:
    a least fixed point, reached by relaxing along alternating paths (Bellman-Ford, vectorised)."""
    match_of = np.full(n, -1, dtype=np.int64)
    match_weight = np.zeros(n, dtype=np.int64)
    match_of[rows[chosen]] = cols[chosen]
    match_weight[rows[chosen]] = weights[chosen]
    load = np.bincount(cols[chosen], minlength=m)
    full = load >= places
    other = ~chosen & full[cols]  # a pair into a mentor with a free place constrains nothing new
    o_rows, o_cols, o_weights = rows[other], cols[other], weights[other]
    order = np.argsort(o_cols, kind="stable")
    o_rows, o_cols, o_weights = o_rows[order], o_cols[order], o_weights[order]
    starts = np.flatnonzero(np.r_[True, o_cols[1:] != o_cols[:-1]]) if len(o_cols) else []
    heads = o_cols[starts] if len(o_cols) else np.zeros(0, np.int64)
    v = np.zeros(m, dtype=np.int64)
    matched = match_of >= 0
    for _ in range(4 * (n + m) + 10):
        u = np.where(matched, match_weight - v[np.maximum(match_of, 0)], 0)
        if not len(o_cols):
            break
        need = np.maximum.reduceat(o_weights - u[o_rows], starts)
        new_v = v.copy()
        new_v[heads] = np.maximum(v[heads], need)
        if np.array_equal(new_v, v):
            break
        v = new_v
    else:
        raise SolverError("the prices did not settle: the pruned answer is not optimal")
    u = np.where(matched, match_weight - v[np.maximum(match_of, 0)], 0)
    if (u < 0).any():
        raise SolverError("a negative mentee price: the pruned answer is not optimal")
    return u, v


def _violations(scores, free_rows_idx, places, u, v, big, pruned: "_Pruned", per_row):
    """Pairs outside the candidates whose weight' exceeds u_i + v_j (the most violating few per
    mentee), and the amount by which each mentee's price must rise to cover every pair."""
    n, m = scores.shape
    raise_by = np.zeros(n, dtype=np.int64)
    add_r, add_c = [], []
    # weight' - v_j - u_i = score + (big - v_j) - u_i; the bonus pairs are all candidates already.
    # Prices are below 2 × big (a few million), so int32 holds every sum.
    offset = np.where(places > 0, big - v, _NEVER).astype(np.int32)

    def slack_of(rows, block):
        slack = _AS_INT32[block]
        slack += offset
        slack -= u[rows, None].astype(np.int32)
        return slack

    def worst(rows, block):
        return slack_of(rows, block).max(axis=1)

    for rows, found in zip(
        [rows for rows, _ in _row_slices(scores, free_rows_idx)],
        _each_slice(scores, free_rows_idx, worst),
        strict=True,
    ):
        raise_by[rows] = np.maximum(found, 0)
    bad_rows = np.flatnonzero(raise_by)
    if not len(bad_rows):
        return np.zeros(0, np.int64), np.zeros(0, np.int64), raise_by
    # Few mentees left to fix: take more of each one's pairs, so fewer solver runs are needed.
    k = int(min(m, max(per_row, min(MAX_ADDED_PER_MENTEE, ADDED_PER_ROUND_TOTAL // len(bad_rows)))))

    def most_violating(rows, block):
        slack = slack_of(rows, block)
        top = np.argpartition(slack, m - k, axis=1)[:, m - k :]
        positive = np.take_along_axis(slack, top, axis=1) > 0
        return np.repeat(rows, k)[positive.ravel()], top[positive]

    for rows, cols in _each_slice(scores, bad_rows, most_violating):
        add_r.append(rows)
        add_c.append(cols)
    if add_r:
        rows = np.concatenate(add_r).astype(np.int64)
        cols = np.concatenate(add_c).astype(np.int64)
        new = ~pruned.contains(rows * m + cols)
        rows, cols = rows[new], cols[new]
    else:
        rows = cols = np.zeros(0, dtype=np.int64)
    return rows, cols, raise_by


def solve(problem: Problem, progress: Callable[[str], None] | None = None) -> Solution:
    """The certified-optimal matching of `problem` (see the module docstring)."""
    note = progress or (lambda text: None)
    places, fixed_rows, fixed = _checked(problem)
    scores = problem.scores
    n, m = scores.shape
    free_rows = ~fixed_rows
    free_idx = np.flatnonzero(free_rows).astype(np.int64)
    if not len(free_idx) or not places.any():
        return _solution(problem, fixed, optimal=True)
    b_rows, b_cols, b_values = _bonus_arrays(problem, free_rows)
    max_weight = 100 + (int(b_values.max()) if len(b_values) else 0)
    big = max_weight * max(1, min(len(free_idx), int(places.sum()))) + 1
    pruned = _Pruned(scores, big, b_rows, b_cols, b_values)
    note("Choosing each mentee's best candidates")
    pruned.add(*_best_candidates(scores, free_idx, places, CANDIDATES_PER_MENTEE))
    keep = places[b_cols] > 0
    pruned.add(b_rows[keep], b_cols[keep])
    rounds = 0
    chosen_rows = chosen_cols = np.zeros(0, dtype=np.int64)
    optimal = False
    gap = 0.0
    while True:
        rounds += 1
        rows, cols, weights = pruned.edges()
        note(f"Solving ({len(rows):,} candidate pairs, run {rounds})")
        chosen = _flow(n, m, rows, cols, weights, places, big) if len(rows) else np.zeros(0, bool)
        chosen_rows, chosen_cols = rows[chosen], cols[chosen]
        u, v = _prices(n, m, rows, cols, weights, chosen, places)
        note("Checking the answer against every pair")
        add_r, add_c, raise_by = _violations(
            scores, free_idx, places, u, v, big, pruned, ADDED_PER_ROUND
        )
        if not raise_by.any():
            optimal = True
            break
        if rounds >= MAX_ROUNDS or not len(add_r):
            value = int(weights[chosen].sum())
            bound = int((u + raise_by).sum() + (places * v).sum())
            # The bound in weight' units: a shortfall under `big` is score, not a lost match.
            gap = 100.0 * (bound - value) / max(1, value - big * len(chosen_rows))
            break
        pruned.add(add_r, add_c)
    pairs = fixed + list(zip(chosen_rows.tolist(), chosen_cols.tolist(), strict=True))
    return _solution(
        problem,
        pairs,
        places_after_fixed=places,
        optimal=optimal,
        gap=gap,
        rounds=rounds,
        candidates=len(pruned.keys),
    )


def _solution(
    problem, pairs, *, places_after_fixed=None, optimal=False, gap=0.0, rounds=0, candidates=0
) -> Solution:
    scores = problem.scores
    n, m = scores.shape
    pairs = sorted(pairs)
    total = sum(int(scores[i, j]) for i, j in pairs)
    objective = total + sum(problem.bonus.get((i, j), 0) for i, j in pairs)
    matched_rows = {i for i, _ in pairs}
    places = np.asarray(problem.places, dtype=np.int64)
    unmatched = {}
    for a, b in _chunks(n, m):
        rows = [i for i in range(a, b) if i not in matched_rows]
        if not rows:
            continue
        has_eligible = ((scores[rows] != NOT_ALLOWED) & (places > 0)).any(axis=1)
        for i, eligible in zip(rows, has_eligible.tolist(), strict=True):
            unmatched[i] = PLACES_TAKEN if eligible else NO_ELIGIBLE_MENTOR
    return Solution(
        pairs=pairs,
        matched=len(pairs),
        total_score=total,
        objective=objective,
        optimal=optimal,
        gap_percent=0.0 if optimal else round(gap, 2),
        unmatched=unmatched,
        rounds=rounds,
        candidates=candidates,
    )


def greedy(problem: Problem) -> Solution:
    """First come, first served: fixed pairs first, then each mentee in row order takes their
    best allowed mentor (score + bonus) who still has a place. What a program gets without a
    solver; shown beside the optimum for comparison."""
    places, fixed_rows, fixed = _checked(problem)
    scores = problem.scores
    n, m = scores.shape
    bonus_by_row: dict[int, list[tuple[int, int]]] = {}
    for (i, j), value in problem.bonus.items():
        bonus_by_row.setdefault(i, []).append((j, value))
    pairs = list(fixed)
    left = places.copy()
    for i in np.flatnonzero(~fixed_rows).tolist():
        row = scores[i].astype(np.int16)
        for j, value in bonus_by_row.get(i, ()):
            if row[j] != NOT_ALLOWED:
                row[j] += value
        row[scores[i] == NOT_ALLOWED] = -1
        row[left == 0] = -1
        j = int(row.argmax()) if m else 0
        if m and row[j] >= 0:
            pairs.append((i, j))
            left[j] -= 1
    return _solution(problem, pairs)


def hungarian_in_rounds(problem: Problem) -> Solution:
    """The method of a published public-sector matching tool, for the benchmark's comparison:
    an optimal one-to-one assignment (the Hungarian algorithm), repeated with each mentor's
    remaining places until nobody more can be matched. Optimal round by round, not overall."""
    from scipy.optimize import linear_sum_assignment

    places, fixed_rows, fixed = _checked(problem)
    scores = problem.scores
    pairs = list(fixed)
    left = places.copy()
    free = np.flatnonzero(~fixed_rows)
    while len(free) and (left > 0).any():
        cols = np.flatnonzero(left > 0)
        block = scores[np.ix_(free, cols)].astype(np.float64)
        allowed = block != NOT_ALLOWED
        weight = np.where(allowed, block + 1.0, 0.0)  # a match beats none
        for (i, j), value in problem.bonus.items():
            ri = np.searchsorted(free, i)
            cj = np.searchsorted(cols, j)
            in_round = ri < len(free) and free[ri] == i and cj < len(cols) and cols[cj] == j
            if in_round and allowed[ri, cj]:
                weight[ri, cj] += value
        r, c = linear_sum_assignment(weight, maximize=True)
        ok = allowed[r, c]
        if not ok.any():
            break
        for ri, cj in zip(r[ok].tolist(), c[ok].tolist(), strict=True):
            pairs.append((int(free[ri]), int(cols[cj])))
            left[cols[cj]] -= 1
        free = np.setdiff1d(free, free[r[ok]])
    return _solution(problem, pairs)
