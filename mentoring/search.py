"""Find a Mentor / Find a Mentee: an in-memory index of one role's enrollments, searched with numpy.

Why in memory: ranking by the match score needs every candidate's choices, and a LIKE scan of
40,000 bios alone takes 70–85 ms in SQLite. Each process keeps, per role, a boolean matrix
(enrollment × criterion option) plus the few columns the filters need, and catches up with the
database on every search by two indexed MAX(updated_at) look-ups: rows changed since the last look
are reloaded. A full rebuild runs every SEARCH_INDEX_TTL seconds to pick up what timestamps do not
show (an account switched off in the admin, a deleted member). The page's rows are read from the
database afterwards, through Enrollment.objects.participating(), so what a member sees is always
current.
"""

import bisect
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import Max, Q
from django.utils import timezone

from members.models import Profile, ProfileSummary
from mentoring.matching import (
    AHEAD,
    AHEAD_CREDIT,
    PREFERENCE,
    CategoryRule,
    Match,
    best_ahead_credit,
    level_of,
    match_score,
)
from mentoring.models import (
    CriterionOption,
    Enrollment,
    EnrollmentChoice,
    EnrollmentStatus,
    Relationship,
    Role,
)

WORD = re.compile(r"\w+")
STATUS_CODE = {
    EnrollmentStatus.ACTIVE: 0,
    EnrollmentStatus.PAUSED: 1,
    EnrollmentStatus.WITHDRAWN: 2,
}
SORTS = ("best", "name", "newest", "active")


def _ts(value) -> float:
    return value.timestamp() if value else float("-inf")


class RoleIndex:
    """Every enrollment of one role, as arrays. Rows are never removed, only overwritten."""

    def __init__(self, role: str):
        self.role = role
        self.lock = threading.Lock()
        self.built_at = None

    # --- building and catching up -------------------------------------------------------------

    def _latest_changes(self):
        # Two index look-ups (both columns are indexed).
        return (
            Enrollment.objects.aggregate(latest=Max("updated_at"))["latest"],
            Profile.objects.aggregate(latest=Max("updated_at"))["latest"],
        )

    def _rows(self, queryset):
        return queryset.values_list(
            "id",
            "user_id",
            "status",
            "return_date",
            "available_until",
            "max_mentees",
            "created_at",
            "statement",
            "user__is_active",
            "user__profile__last_active_at",
            "user__profile__first_name",
            "user__profile__last_name",
            "user__profile__job_title",
            "user__profile__organization",
            "user__profile__bio",
            "user__profile__country",
            "user__profile__time_zone",
            "user__email",
            "user__profile__photo",
            "user__profile__city",
            "user__profile__region",
        )

    def build(self):
        latest = self._latest_changes()
        self.option_ids = list(CriterionOption.objects.order_by("pk").values_list("pk", flat=True))
        self.col_of = {option_id: col for col, option_id in enumerate(self.option_ids)}
        rows = list(self._rows(Enrollment.objects.filter(role=self.role).order_by("pk")))
        n = len(rows)
        self.ids = np.zeros(n, dtype=np.int64)
        self.user_ids = np.zeros(n, dtype=np.int64)
        self.status = np.zeros(n, dtype=np.int8)
        self.return_ord = np.zeros(n, dtype=np.int32)
        self.until_ord = np.zeros(n, dtype=np.int32)
        self.capacity = np.zeros(n, dtype=np.int16)
        self.active_count = np.zeros(n, dtype=np.int16)
        self.user_active = np.zeros(n, dtype=bool)
        self.created = np.zeros(n, dtype=np.float64)
        self.last_login = np.zeros(n, dtype=np.float64)
        self.country = np.zeros(n, dtype="<U2")
        self.time_zone = np.zeros(n, dtype="<U40")
        self.matrix = np.zeros((n, len(self.option_ids)), dtype=bool)
        self.texts = [""] * n
        self.names = [""] * n
        self.cards = [None] * n
        self.row_of = {}
        for row_index, row in enumerate(rows):
            self.row_of[row[0]] = row_index
            self._set_row(row_index, row)
        for enrollment_id, option_id in EnrollmentChoice.objects.filter(
            enrollment__role=self.role
        ).values_list("enrollment_id", "option_id"):
            self.matrix[self.row_of[enrollment_id], self.col_of[option_id]] = True
        self._count_active_mentees(self.row_of.values(), every_row=True)
        self._forget_derived()
        self._vocabulary = None
        self.seen = latest
        self.built_at = time.monotonic()

    def _set_row(self, i, row):
        (eid, uid, status, return_date, until, capacity, created, statement, active, last_login,
         first, last, title, org, bio, country, tz, email, photo, city, region) = row  # fmt: skip
        self.ids[i] = eid
        self.user_ids[i] = uid
        self.status[i] = STATUS_CODE[status]
        self.return_ord[i] = return_date.toordinal() if return_date else 0
        self.until_ord[i] = until.toordinal() if until else 0
        self.capacity[i] = capacity or 0
        self.user_active[i] = bool(active)
        self.created[i] = _ts(created)
        self.last_login[i] = _ts(last_login)
        self.country[i] = country or ""
        self.time_zone[i] = tz or ""
        self.names[i] = f"{last} {first}".casefold()
        # What a result row shows, so that a page of results needs no query of its own.
        self.cards[i] = ProfileSummary(
            uid, email, first or "", last or "", photo or "", title or "", org or "",
            city or "", region or "", country or "",
        )  # fmt: skip
        self.texts[i] = " ".join(
            [first or "", last or "", title or "", org or "", bio or "", statement or ""]
        ).casefold()

    def _count_active_mentees(self, rows, every_row=False):
        """How many active relationships each mentor row has, for "open places", read through
        Enrollment.objects.with_open_places() (the one definition)."""
        if self.role != Role.MENTOR:
            return
        rows = list(rows)
        for i in rows:
            self.active_count[i] = 0
        enrollments = Enrollment.objects.filter(role=Role.MENTOR).with_open_places()
        if not every_row:
            enrollments = enrollments.filter(pk__in=[int(self.ids[i]) for i in rows])
        else:
            # Only mentors with someone to count: the others stay at 0 without a subquery each.
            busy = Relationship.objects.active().values("mentor_id")
            enrollments = enrollments.filter(user_id__in=busy)
        for enrollment_id, n in enrollments.values_list("pk", "active_mentees"):
            if enrollment_id in self.row_of:
                self.active_count[self.row_of[enrollment_id]] = n

    def _append(self, count):
        def grow(array, extra_shape=()):
            return np.concatenate([array, np.zeros((count, *extra_shape), dtype=array.dtype)])

        for name in ("ids", "user_ids", "status", "return_ord", "until_ord", "capacity",
                     "active_count", "user_active", "created", "last_login", "country", "time_zone"):  # fmt: skip
            setattr(self, name, grow(getattr(self, name)))
        self.matrix = grow(self.matrix, (self.matrix.shape[1],))
        self.texts.extend([""] * count)
        self.names.extend([""] * count)
        self.cards.extend([None] * count)

    def catch_up(self):
        latest = self._latest_changes()
        if latest == self.seen:
            return
        seen_enrollment, seen_profile = self.seen
        if None in (seen_enrollment, seen_profile, *latest) or latest < self.seen:
            # Rows went away (or there were none): start again rather than guess.
            self.build()
            return
        changed = Q(updated_at__gte=seen_enrollment) | Q(
            user_id__in=Profile.objects.filter(updated_at__gte=seen_profile).values("user_id")
        )
        rows = list(self._rows(Enrollment.objects.filter(role=self.role).filter(changed)))
        if not rows:
            self.seen = latest
            return
        ids = [row[0] for row in rows]
        choices = list(
            EnrollmentChoice.objects.filter(enrollment_id__in=ids).values_list(
                "enrollment_id", "option_id"
            )
        )
        if any(option_id not in self.col_of for _, option_id in choices):
            self.build()  # staff added an option: rebuild with the new column
            return
        new = [eid for eid in ids if eid not in self.row_of]
        if new:
            start = len(self.texts)
            self._append(len(new))
            for offset, eid in enumerate(new):
                self.row_of[eid] = start + offset
        for row in rows:
            i = self.row_of[row[0]]
            self._set_row(i, row)
            self.matrix[i, :] = False
            if self._vocabulary is not None:
                self._dirty.add(i)
        for enrollment_id, option_id in choices:
            self.matrix[self.row_of[enrollment_id], self.col_of[option_id]] = True
        # Accepting or completing a relationship touches the mentor's enrollment, so its row is here.
        self._count_active_mentees(self.row_of[eid] for eid in ids)
        self._forget_derived()
        self.seen = latest

    def _forget_derived(self):
        self._name_rank = None
        self._places = None
        self._matrix_f32 = None
        self._levels = {}

    @property
    def matrix_f32(self):
        """The choice matrix as float32, for facet counts by matrix product (BLAS)."""
        if self._matrix_f32 is None:
            self._matrix_f32 = self.matrix.astype(np.float32)
        return self._matrix_f32

    def ensure_current(self):
        with self.lock:
            now = time.monotonic()
            if self.built_at is None or now - self.built_at > settings.SEARCH_INDEX_TTL:
                self.build()
                self.checked_at = now
            elif now - self.checked_at >= settings.SEARCH_INDEX_CHECK_INTERVAL:
                self.catch_up()
                self.checked_at = now

    @property
    def name_rank(self):
        if self._name_rank is None:
            order = sorted(range(len(self.names)), key=self.names.__getitem__)
            rank = np.empty(len(order), dtype=np.int64)
            rank[order] = np.arange(len(order))
            self._name_rank = rank
        return self._name_rank

    def _build_words(self):
        """A word index: every distinct word of the texts, sorted, with the rows it occurs in."""
        postings: dict[str, list[int]] = {}
        for row, text in enumerate(self.texts):
            for word in set(WORD.findall(text)):
                postings.setdefault(word, []).append(row)
        self._vocabulary = sorted(postings)
        self._postings = [np.array(postings[w], dtype=np.int32) for w in self._vocabulary]
        self._dirty = set()

    def rows_containing(self, word: str) -> np.ndarray:
        """Rows with a word that starts with `word` (keywords match words and word beginnings).

        Rows changed since the word index was built are checked against their current text.
        """
        if self._vocabulary is None:
            self._build_words()
        mask = np.zeros(len(self.texts), dtype=bool)
        start = bisect.bisect_left(self._vocabulary, word)
        end = bisect.bisect_left(self._vocabulary, word + "\U0010ffff")
        for posting in self._postings[start:end]:
            mask[posting] = True
        if self._dirty:
            dirty = np.fromiter(self._dirty, dtype=np.int64)
            mask[dirty] = False
            for row in self._dirty:
                if any(w.startswith(word) for w in WORD.findall(self.texts[row])):
                    mask[row] = True
        return mask

    @property
    def places(self) -> tuple[list[str], list[str]]:
        """The countries and time zones members of this role are in, for the filter lists."""
        if self._places is None:
            self._places = (
                [c for c in np.unique(self.country).tolist() if c],
                [t for t in np.unique(self.time_zone).tolist() if t],
            )
        return self._places

    def levels(self, levels: tuple[int, ...], *, mentor: bool) -> np.ndarray:
        """Every row's level in an ordered category (matching.level_of), -1 for none."""
        key = (levels, mentor)
        if key not in self._levels:
            self._levels[key] = level_array(self, self.matrix, levels, mentor=mentor)
        return self._levels[key]

    def options_of(self, row) -> set[int]:
        return {self.option_ids[col] for col in np.flatnonzero(self.matrix[row])}


_indexes: dict[tuple[str, str], RoleIndex] = {}
_indexes_lock = threading.Lock()


def index_for(role: str) -> RoleIndex:
    key = (connection.alias, role)
    with _indexes_lock:
        index = _indexes.get(key) or _indexes.setdefault(key, RoleIndex(role))
    index.ensure_current()
    return index


def reset_indexes():
    """Forget every index (tests, whose rolled-back rows would otherwise linger)."""
    with _indexes_lock:
        _indexes.clear()


# --- searching --------------------------------------------------------------------------------


@dataclass
class Query:
    target_role: str
    searcher_user_id: int
    filters: dict[int, set[int]]  # category id -> any of these option ids
    criteria: dict[int, set[int]]  # what the score compares: category id -> option ids
    categories: list[CategoryRule]
    options_by_category: dict[int, list[int]]
    words: list[str] = field(default_factory=list)
    country: str = ""
    time_zone: str = ""
    open_only: bool = False
    sort: str = "best"
    page: int = 1
    page_size: int = 20
    today: date | None = None


@dataclass
class Hit:
    enrollment_id: int
    match: Match
    open_places: int | None
    capacity: int
    card: ProfileSummary


@dataclass
class Results:
    total: int
    page: int
    pages: int
    hits: list[Hit]
    facets: dict[int, int]  # option id -> how many results choosing it alone in its category gives
    countries: list[str]
    time_zones: list[str]
    # When nobody matches: how many each of run()'s alternatives (the search without one of its
    # criteria) would find, in their order.
    alternatives: list[int] = field(default_factory=list)


def _any_of(index, option_ids):
    cols = [index.col_of[o] for o in option_ids if o in index.col_of]
    if not cols:
        return np.zeros(len(index.texts), dtype=bool)
    return index.matrix[:, cols].any(axis=1)


def level_array(index, matrix, levels, *, mentor: bool) -> np.ndarray:
    """matching.level_of over the rows of `matrix` (the index's columns): the rank of each row's
    highest (mentor) or lowest (mentee) option among `levels`, -1 for none."""
    ranked = [(rank, index.col_of[o]) for rank, o in enumerate(levels) if o in index.col_of]
    result = np.full(len(matrix), -1, dtype=np.int64)
    # Later assignments win: ascending ranks leave the highest, descending the lowest.
    for rank, col in ranked if mentor else reversed(ranked):
        result[matrix[:, col]] = rank
    return result


def _satisfies(index, rule, option_ids, target_role):
    """Rows that meet the searcher's options in one category: any of them; in a "mentor ahead"
    category, on the right side of the searcher's level (mentors at or above it, mentees at or
    below it), as mentoring/matching.py documents."""
    if rule is None or rule.kind != AHEAD:
        return _any_of(index, option_ids)
    finding_mentors = target_role == Role.MENTOR
    own = level_of(option_ids, rule.levels, mentor=not finding_mentors)
    if own is None:
        return np.zeros(len(index.texts), dtype=bool)
    theirs = index.levels(rule.levels, mentor=finding_mentors)
    return theirs >= own if finding_mentors else (theirs >= 0) & (theirs <= own)


def _ahead_counts(index, rule, rows_mask, target_role) -> np.ndarray:
    """Per level of an ordered category, how many of `rows_mask` _satisfies() it alone: the
    members at each level, summed upwards (mentors at or above) or downwards (mentees at or
    below)."""
    finding_mentors = target_role == Role.MENTOR
    theirs = index.levels(rule.levels, mentor=finding_mentors)[rows_mask]
    per_level = np.bincount(theirs[theirs >= 0], minlength=len(rule.levels))
    return per_level[::-1].cumsum()[::-1] if finding_mentors else per_level.cumsum()


def run(query: Query, alternatives: Iterable[Query] = ()) -> Results:
    """Search. `alternatives` are read, and counted, only when nobody matches `query`."""
    index = index_for(query.target_role)
    # A catch-up in another thread of this process replaces arrays; search one consistent state.
    with index.lock:
        results = _run(index, query)
        if not results.total:
            results.alternatives = [
                _run(index, other, count_only=True).total for other in alternatives
            ]
        return results


def participating_mask(index: RoleIndex, today: date):
    """Enrollment.objects.participating(today) over the index's rows (the rule stated in
    mentoring/models.py), vectorised; tested equal to the queryset and the model method."""
    day = today.toordinal()
    return (
        (
            (index.status == STATUS_CODE[EnrollmentStatus.ACTIVE])
            | (
                (index.status == STATUS_CODE[EnrollmentStatus.PAUSED])
                & (index.return_ord > 0)
                & (index.return_ord <= day)
            )
        )
        & ((index.until_ord == 0) | (index.until_ord >= day))
        & index.user_active
    )


def open_places_of(index: RoleIndex):
    """Enrollment.objects.with_open_places()'s `open_places` over the index's rows: the active
    counts are read through that same annotation."""
    return np.maximum(index.capacity.astype(np.int32) - index.active_count, 0)


def _run(index: RoleIndex, query: Query, *, count_only=False) -> Results:
    # Who may be listed at all: participating on the site's date, not the searcher.
    base = participating_mask(index, query.today or timezone.localdate()) & (
        index.user_ids != query.searcher_user_id
    )
    open_places = open_places_of(index)
    if query.open_only and query.target_role == Role.MENTOR:
        base &= open_places > 0
    if query.country:
        base &= index.country == query.country
    if query.time_zone:
        base &= index.time_zone == query.time_zone
    rules = {category.id: category for category in query.categories}
    for category in query.categories:
        if category.must_match and query.criteria.get(category.id):
            base &= _satisfies(index, category, query.criteria[category.id], query.target_role)
    for word in query.words:
        base &= index.rows_containing(word)

    category_masks = {
        cid: _satisfies(index, rules.get(cid), opts, query.target_role)
        for cid, opts in query.filters.items()
        if opts
    }
    final = base.copy()
    for mask in category_masks.values():
        final &= mask
    if count_only:
        return Results(int(final.sum()), 1, 1, [], {}, [], [])

    # Facets: for each category, the results as if only the other categories filtered. Categories
    # without a filter of their own all see `final`, so at most one count per filtered category
    # plus one; each count is a single matrix product. An ordered ("mentor ahead") category counts
    # by the direction its filter uses, not by equal options.
    facets = {}
    others_for = {}
    counts_for = {}
    for category_id, option_ids in query.options_by_category.items():
        key = category_id if category_id in category_masks else None
        if key not in others_for:
            others = base.copy()
            for other_id, mask in category_masks.items():
                if other_id != key:
                    others &= mask
            others_for[key] = others
        rule = rules.get(category_id)
        if rule is not None and rule.kind == AHEAD:
            counts = _ahead_counts(index, rule, others_for[key], query.target_role)
            rank = {option_id: r for r, option_id in enumerate(rule.levels)}
            for option_id in option_ids:
                if option_id in rank:
                    facets[option_id] = int(counts[rank[option_id]])
            continue
        if key not in counts_for:
            counts_for[key] = others_for[key].astype(np.float32) @ index.matrix_f32
        counts = counts_for[key]
        for option_id in option_ids:
            col = index.col_of.get(option_id)
            if col is not None:
                facets[option_id] = int(counts[col])

    rows = np.flatnonzero(final)
    scores = score_rows(index, rows, query)
    if query.sort == "name":
        order = np.argsort(index.name_rank[rows], kind="stable")
    elif query.sort == "newest":
        order = np.lexsort((index.name_rank[rows], -index.created[rows]))
    elif query.sort == "active":
        order = np.lexsort((index.name_rank[rows], -index.last_login[rows]))
    else:
        order = np.lexsort((index.name_rank[rows], -scores))

    total = len(rows)
    pages = max(1, -(-total // query.page_size))
    page = min(max(1, query.page), pages)
    chosen = rows[order[(page - 1) * query.page_size : page * query.page_size]]
    hits = []
    for row in chosen:
        candidate = _by_category(index.options_of(row), query.options_by_category)
        match = match_score(
            query.criteria,
            candidate,
            query.categories,
            searcher_is_mentee=query.target_role == Role.MENTOR,
        )
        places = int(open_places[row]) if query.target_role == Role.MENTOR else None
        hits.append(
            Hit(int(index.ids[row]), match, places, int(index.capacity[row]), index.cards[row])
        )
    return Results(total, page, pages, hits, facets, *index.places)


def _by_category(
    option_ids: set[int], options_by_category: dict[int, list[int]]
) -> dict[int, set[int]]:
    return {
        cid: chosen
        for cid, options in options_by_category.items()
        if (chosen := option_ids.intersection(options))
    }


def score_rows(index: RoleIndex, rows, query: Query) -> np.ndarray:
    """match_score() for many rows at once: the same formula with the same arithmetic in the same
    order, category by category (tests hold them equal).

    Two matrix products give, per row and category, the options shared with the searcher
    (overlap) and the options the candidate chose in that category; ordered categories compare
    each row's level with the searcher's.
    """
    searcher_is_mentee = query.target_role == Role.MENTOR
    scoring = [
        c
        for c in query.categories
        if not c.must_match and c.weight > 0 and query.criteria.get(c.id)
    ]
    earned = np.zeros(len(rows), dtype=np.float64)
    total = np.zeros(len(rows), dtype=np.float64)
    if not scoring or not len(rows):
        return earned
    n_cols = index.matrix.shape[1]
    wanted = np.zeros((n_cols, len(scoring)), dtype=np.float32)
    in_category = np.zeros((n_cols, len(scoring)), dtype=np.float32)
    for j, category in enumerate(scoring):
        for option_id in query.criteria[category.id]:
            if option_id in index.col_of:
                wanted[index.col_of[option_id], j] = 1
        for option_id in query.options_by_category.get(category.id, []):
            if option_id in index.col_of:
                in_category[index.col_of[option_id], j] = 1
    sub_f32 = index.matrix[rows].astype(np.float32)  # quicker than indexing matrix_f32
    overlap = (sub_f32 @ wanted).astype(np.float64)
    chosen = (sub_f32 @ in_category).astype(np.float64)
    credits = np.array(AHEAD_CREDIT, dtype=np.float64)
    for j, category in enumerate(scoring):
        weight = category.weight
        criteria = query.criteria[category.id]
        if category.kind == AHEAD:
            own = level_of(criteria, category.levels, mentor=not searcher_is_mentee)
            if own is None:
                continue
            total += weight
            theirs = index.levels(category.levels, mentor=searcher_is_mentee)[rows]
            steps = theirs - own if searcher_is_mentee else own - theirs
            credit = np.where(
                (theirs >= 0) & (steps >= 0), credits[np.clip(steps, 0, len(credits) - 1)], 0.0
            )
            best = best_ahead_credit(own, category.levels, searcher_is_mentee=searcher_is_mentee)
            earned += weight * (credit / best)
        elif category.kind == PREFERENCE:
            shared = overlap[:, j] > 0
            total += np.where(shared, weight, 0)
            earned += np.where(shared, weight * 1.0, 0.0)
        else:
            total += weight
            mentee_count = (
                np.full(len(rows), float(len(criteria))) if searcher_is_mentee else chosen[:, j]
            )
            earned += weight * np.divide(
                overlap[:, j], mentee_count, out=np.zeros(len(rows)), where=mentee_count > 0
            )
    percent = np.divide(100 * earned, total, out=np.zeros(len(rows)), where=total > 0)
    return np.rint(percent)
