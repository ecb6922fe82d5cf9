"""The pair scores of a cohort round and its hard rules.

A round scores every (mentee, mentor) pair at once. A pair's score is exactly the Find a Mentor
score the mentee would see for that mentor, `mentoring.matching.match_score(mentee, mentor,
categories, searcher_is_mentee=True).score`, computed here for whole blocks of rows with numpy and
tested equal to match_score on random pools. To be bit-exact it adds the same float64 terms in the
same category order:

* same: weight × (overlap / the mentee's count), the overlap counted by a 0/1 matrix product;
* ahead: weight × (ahead_credit(steps) / best), looked up in a small table per category;
* preference: weight × 1.0 where the two share an option, and only then does the weight count;

then round(100 × earned / total) with numpy's round-half-to-even, as Python's round().

The hard rules, each on or off per round, have one plain-Python definition, `why_not_allowed`
(used wherever a single pair is checked, e.g. when staff fix a pair), and the vectorised copy in
`score_rows`, tested equal to it. A pair a rule forbids gets NOT_ALLOWED instead of a score.

* must_match: in each must-match category in which the mentee chose something, the mentor meets
  it as Find a Mentor's filter does (mentoring/search.py `_satisfies`): "same" and "preference":
  shares at least one option; "ahead": has a level at or above the mentee's.
* other_organization: the two are not in the same organization (compared after strip() and
  casefold(); an empty organization never clashes).
* mentor_ahead: in every "ahead" category in which the mentee has a level, the mentor has a level
  at or above it (whatever the category's weight or must-match setting).
"""

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from mentoring.matching import (
    AHEAD,
    PREFERENCE,
    CategoryRule,
    ahead_credit,
    best_ahead_credit,
    level_of,
)

NOT_ALLOWED = 255  # in the uint8 matrix: a hard rule forbids the pair

# Pairs per block of rows: the block's float64 temporaries (a few arrays of this many cells) stay
# in the processor's cache-friendly range and far below the memory budget.
CHUNK_CELLS = 1 << 17


@dataclass(frozen=True)
class HardRules:
    must_match: bool = True
    other_organization: bool = False
    mentor_ahead: bool = False


@dataclass
class Side:
    """One side of the pool; row i is member i."""

    chosen: dict[int, np.ndarray]  # category id -> bool array (rows, n options of the category)
    organization: np.ndarray  # int32 code per row, -1 for none; codes shared by both sides

    @property
    def n(self) -> int:
        return len(self.organization)


# --- The reference definition of the hard rules --------------------------------------------


def organization_key(organization: str) -> str:
    return (organization or "").strip().casefold()


def why_not_allowed(
    mentee: dict[int, set[int]],
    mentor: dict[int, set[int]],
    mentee_org: str,
    mentor_org: str,
    categories: list[CategoryRule],
    rules: HardRules,
) -> str:
    """Why a hard rule forbids this pair, in a short sentence for staff; "" when it is allowed."""
    if rules.other_organization:
        key = organization_key(mentee_org)
        if key and key == organization_key(mentor_org):
            return f"Not the same organization ({mentee_org.strip()})"
    if rules.must_match:
        for category in categories:
            wanted = mentee.get(category.id)
            if not category.must_match or not wanted:
                continue
            offered = mentor.get(category.id) or set()
            if category.kind == AHEAD:
                own = level_of(wanted, category.levels, mentor=False)
                theirs = level_of(offered, category.levels, mentor=True)
                met = own is not None and theirs is not None and theirs >= own
            else:
                met = bool(wanted & offered)
            if not met:
                return f"Must match in {category.name}"
    if rules.mentor_ahead:
        for category in categories:
            if category.kind != AHEAD:
                continue
            own = level_of(mentee.get(category.id) or (), category.levels, mentor=False)
            if own is None:
                continue
            theirs = level_of(mentor.get(category.id) or (), category.levels, mentor=True)
            if theirs is None or theirs < own:
                return f"Mentor behind in {category.name}"
    return ""


def allowed(
    mentee: dict[int, set[int]],
    mentor: dict[int, set[int]],
    mentee_org: str,
    mentor_org: str,
    categories: list[CategoryRule],
    rules: HardRules,
) -> bool:
    return not why_not_allowed(mentee, mentor, mentee_org, mentor_org, categories, rules)


# --- Encoding a pool as arrays -----------------------------------------------------------------


def encode(
    mentees: list[dict[int, set[int]]],
    mentee_orgs: list[str],
    mentors: list[dict[int, set[int]]],
    mentor_orgs: list[str],
    categories: list[CategoryRule],
    options: dict[int, list[int]],
) -> tuple[Side, Side]:
    """Both sides as arrays. `options`: category id -> its option ids in order. An "ahead"
    category's columns are always its CategoryRule.levels first, lowest first, so that column
    number = level. A chosen option missing from the list (an option since removed) gets a column
    of its own after them, so that counts and overlaps stay those of match_score."""
    codes: dict[str, int] = {}

    def organization_codes(orgs):
        result = np.full(len(orgs), -1, dtype=np.int32)
        for row, org in enumerate(orgs):
            key = organization_key(org)
            if key:
                result[row] = codes.setdefault(key, len(codes))
        return result

    mentee_side = Side({}, organization_codes(mentee_orgs))
    mentor_side = Side({}, organization_codes(mentor_orgs))
    for category in categories:
        if category.kind == AHEAD:
            columns = list(category.levels)
        else:
            columns = list(options.get(category.id, ()))
        col_of = {option: col for col, option in enumerate(columns)}
        for members in (mentees, mentors):
            for member in members:
                for option in member.get(category.id) or ():
                    col_of.setdefault(option, len(col_of))
        for side, members in ((mentee_side, mentees), (mentor_side, mentors)):
            chosen = np.zeros((len(members), len(col_of)), dtype=bool)
            for row, member in enumerate(members):
                for option in member.get(category.id) or ():
                    chosen[row, col_of[option]] = True
            side.chosen[category.id] = chosen
    return mentee_side, mentor_side


# --- The vectorised scores and rules -----------------------------------------------------------


def _levels(chosen: np.ndarray, n_levels: int, *, mentor: bool) -> np.ndarray:
    """matching.level_of for every row (columns 0..n_levels-1 are the levels): -1 for none."""
    ranked = chosen[:, :n_levels]
    if not n_levels:
        return np.full(len(chosen), -1, dtype=np.int64)
    if mentor:
        level = n_levels - 1 - np.argmax(ranked[:, ::-1], axis=1)
    else:
        level = np.argmax(ranked, axis=1)
    return np.where(ranked.any(axis=1), level, -1)


def _as_float(chosen: np.ndarray) -> np.ndarray:
    # 0/1 in float32: a matrix product then counts shared options exactly.
    return np.ascontiguousarray(chosen, dtype=np.float32)


@dataclass
class _Plan:
    """What every block of mentee rows needs, worked out once per pool."""

    n_mentors: int
    base_total: np.ndarray  # per mentee: the weights that count whoever the mentor is
    terms: list[tuple]  # per scoring category, in order: how to add its credit
    checks: list[tuple]  # per hard rule in force: how to find the pairs it forbids


def _plan(mentees: Side, mentors: Side, categories: list[CategoryRule], rules: HardRules) -> _Plan:
    base_total = np.zeros(mentees.n, dtype=np.float64)
    terms, checks = [], []
    for category in categories:
        ours, theirs = mentees.chosen[category.id], mentors.chosen[category.id]
        if not ours.any():
            continue  # no mentee chose anything here: nothing counts, nothing is required
        weight = category.weight
        if category.kind == AHEAD:
            n_levels = len(category.levels)
            own = _levels(ours, n_levels, mentor=False)
            their = _levels(theirs, n_levels, mentor=True)
            # The level a mentor must reach (-1: none required; n_levels: none can).
            need = np.full(mentees.n, -1, dtype=np.int64)
            if rules.mentor_ahead:
                need = np.maximum(need, own)
            if rules.must_match and category.must_match:
                need = np.maximum(
                    need, np.where(ours.any(axis=1), np.where(own >= 0, own, n_levels), -1)
                )
            if need.max() >= 0:
                checks.append(("level", need, their))
            if category.must_match or weight <= 0 or own.max() < 0:
                continue
            base_total += weight * (own >= 0)
            # credit[mentee level, mentor level], the last row and column for "no level".
            credit = np.zeros((n_levels + 1, n_levels + 1), dtype=np.float64)
            for mine in range(n_levels):
                best = best_ahead_credit(mine, category.levels, searcher_is_mentee=True)
                for level in range(mine, n_levels):
                    credit[mine, level] = weight * (ahead_credit(level - mine) / best)
            own_row = np.where(own >= 0, own, n_levels)
            their_col = np.where(their >= 0, their, n_levels).astype(np.intp)
            terms.append(("ahead", credit, own_row, their_col))
            continue
        count = ours.sum(axis=1)
        if rules.must_match and category.must_match:
            checks.append(("share", _as_float(ours), _as_float(theirs.T), count > 0))
        if category.must_match or weight <= 0:
            continue
        if category.kind == PREFERENCE:
            terms.append(("preference", weight, _as_float(ours), _as_float(theirs.T)))
        else:
            base_total += weight * (count > 0)
            divisor = np.maximum(count, 1).astype(np.float64)  # no choice: overlap 0, adds 0.0
            terms.append(("same", weight, _as_float(ours), _as_float(theirs.T), divisor))
    if rules.other_organization and (mentees.organization >= 0).any():
        # A mentee without an organization gets -2, which no mentor has: never a clash.
        checks.append(
            (
                "organization",
                np.where(mentees.organization >= 0, mentees.organization, -2),
                mentors.organization,
            )
        )
    return _Plan(mentors.n, base_total, terms, checks)


class _Buffers:
    """One thread's scratch arrays for blocks of up to `cells` pairs, reused block after block
    (fresh arrays would be page-faulted in every time)."""

    def __init__(self, cells: int):
        self.earned = np.empty(cells, dtype=np.float64)
        self.total = np.empty(cells, dtype=np.float64)
        self.term = np.empty(cells, dtype=np.float64)
        self.overlap = np.empty(cells, dtype=np.float32)
        self.bad = np.empty(cells, dtype=bool)
        self.forbidden = np.empty(cells, dtype=bool)

    def get(self, name: str, shape: tuple[int, int]) -> np.ndarray:
        return getattr(self, name)[: shape[0] * shape[1]].reshape(shape)


def _score_block(
    plan: _Plan, rows: slice, buffers: _Buffers | None = None, out: np.ndarray | None = None
) -> np.ndarray:
    base_total = plan.base_total[rows]
    shape = (len(base_total), plan.n_mentors)
    if buffers is None:
        buffers = _Buffers(shape[0] * shape[1])
    earned, total, term, overlap = (
        buffers.get(name, shape) for name in ("earned", "total", "term", "overlap")
    )
    # The same float64 operations, in the same category order, as match_score.
    earned.fill(0.0)
    np.copyto(total, base_total[:, None])
    for kind, *data in plan.terms:
        if kind == "same":
            weight, ours, theirs_t, divisor = data
            np.matmul(ours[rows], theirs_t, out=overlap)
            np.divide(overlap, divisor[rows, None], out=term)
            if weight != 1:
                term *= weight
            earned += term
        elif kind == "preference":
            weight, ours, theirs_t = data
            np.matmul(ours[rows], theirs_t, out=overlap)
            np.minimum(overlap, 1, out=overlap)  # 1 where they share an option, else 0
            if weight != 1:
                overlap *= weight
            earned += overlap
            total += overlap
        else:
            credit, own, their = data
            np.take(credit[own[rows]], their, axis=1, out=term)
            earned += term
    earned *= 100
    np.maximum(total, 1, out=total)  # no weight counted: nothing earned either, score 0
    earned /= total
    np.rint(earned, out=earned)  # half to even, as Python's round()
    scores = np.empty(shape, dtype=np.uint8) if out is None else out
    np.copyto(scores, earned, casting="unsafe")
    if plan.checks:
        forbidden, bad = buffers.get("forbidden", shape), buffers.get("bad", shape)
        forbidden.fill(False)
        for kind, *data in plan.checks:
            if kind == "organization":
                ours, theirs = data
                np.equal(ours[rows, None], theirs[None, :], out=bad)
            elif kind == "level":
                need, theirs = data
                np.less(theirs[None, :], need[rows, None], out=bad)
            else:
                ours, theirs_t, chose = data
                np.matmul(ours[rows], theirs_t, out=overlap)
                np.less(overlap, 0.5, out=bad)
                bad &= chose[rows, None]
            forbidden |= bad
        np.copyto(scores, NOT_ALLOWED, where=forbidden)
    return scores


def score_rows(
    mentees: Side, mentors: Side, categories: list[CategoryRule], rules: HardRules, rows: slice
) -> np.ndarray:
    """The uint8 scores of the mentees in `rows` against every mentor, NOT_ALLOWED where a hard
    rule forbids the pair."""
    return _score_block(_plan(mentees, mentors, categories, rules), rows)


def score_matrix(
    mentees: Side,
    mentors: Side,
    categories: list[CategoryRule],
    rules: HardRules,
    *,
    chunk_rows: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Every pair's score, uint8 (n_mentees, n_mentors), built in blocks of rows on every core;
    `progress(rows done, rows)` after each block."""
    plan = _plan(mentees, mentors, categories, rules)
    n = mentees.n
    result = np.empty((n, mentors.n), dtype=np.uint8)
    if not chunk_rows:
        chunk_rows = max(1, CHUNK_CELLS // max(mentors.n, 1))
    blocks = [slice(start, min(start + chunk_rows, n)) for start in range(0, n, chunk_rows)]

    local = threading.local()

    def fill(rows):
        if not hasattr(local, "buffers"):
            local.buffers = _Buffers(chunk_rows * mentors.n)
        _score_block(plan, rows, local.buffers, out=result[rows])
        return rows

    done = 0
    # numpy lets go of the GIL inside its loops, so threads fill blocks side by side.
    with ThreadPoolExecutor(max_workers=min(len(blocks), os.cpu_count() or 1) or 1) as pool:
        for rows in pool.map(fill, blocks):
            done += rows.stop - rows.start
            if progress:
                progress(done, n)
    return result
