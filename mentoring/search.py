"""Find a Mentor / Find a Mentee: one role's enrollments as numpy arrays, searched in memory.

Why in memory: ranking by the match score needs every candidate's choices, and a LIKE scan of
40,000 bios alone takes 70-85 ms in SQLite.

The arrays come from a snapshot (mentoring/search_snapshot.py) built outside requests by
`manage.py build_search_index` (at deploy, and every few minutes by the worker) and memory-mapped
by every web process, which share its pages. A process opens the current snapshot at its first
search, and every SEARCH_INDEX_CHECK_INTERVAL seconds looks whether a newer one was published
(then switches) and catches up with the rows changed since the snapshot: it re-reads every row
stamped within SEARCH_INDEX_SAFETY_WINDOW seconds of the newest stamp it has seen, so that a
transaction that commits after a later-stamped one, or a host whose clock runs behind, is still
read. Changed rows are written over the snapshot's copy-on-write row arrays (only those pages
become the process's own); their choices and words live in a small overlay beside the read-only
bit-packed choices and word index.

What timestamps do not show (an account switched off in the admin, a deleted member) waits for
the next snapshot; the page's rows are read from the database through the account's is_active,
so nobody switched off is ever shown. The 20 result cards of a page are read in one query.
"""

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from django.conf import settings
from django.db import connection
from django.utils import timezone

from members.models import Profile, ProfileSummary
from mentoring import search_snapshot as snapshots
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
from mentoring.models import Enrollment, EnrollmentChoice, EnrollmentStatus, Role
from mentoring.search_snapshot import ROW_ARRAYS, STATUS_CODE, WORD

log = logging.getLogger(__name__)
SORTS = ("best", "name", "newest", "active")
__all__ = ["STATUS_CODE", "WORD", "SORTS", "RoleIndex", "index_for", "run", "Query"]


class RowOf:
    """Enrollment id -> row: the snapshot's ids are ascending (binary search), rows added since
    are in a small dict."""

    def __init__(self, ids: np.ndarray, rows: int):
        self.ids = ids
        self.rows = rows
        self.added: dict[int, int] = {}

    def get(self, enrollment_id, default=None):
        row = self.added.get(enrollment_id)
        if row is not None:
            return row
        row = int(np.searchsorted(self.ids[: self.rows], enrollment_id))
        if row < self.rows and self.ids[row] == enrollment_id:
            return row
        return default

    def __getitem__(self, enrollment_id):
        row = self.get(enrollment_id)
        if row is None:
            raise KeyError(enrollment_id)
        return row

    def __contains__(self, enrollment_id):
        return self.get(enrollment_id) is not None


class RoleIndex:
    """Every enrollment of one role, as arrays: a snapshot plus the rows changed since."""

    def __init__(self, role: str):
        self.role = role
        self.lock = threading.Lock()
        self.snapshot = None
        self.matrix = None  # an in-memory choice matrix instead of a snapshot (unit tests)
        self.checked_at = None

    # --- opening, switching and catching up ----------------------------------------------------

    def build(self):
        """Build a new snapshot now and open it (tests, and a fresh `runserver`)."""
        snapshots.build(self.role)
        self.open(snapshots.open_current(self.role))

    def open(self, snapshot):
        self.snapshot = snapshot
        self.version = snapshot.version
        self.option_ids = snapshot.option_ids
        self.col_of = {option_id: col for col, option_id in enumerate(self.option_ids)}
        # Plain arrays over the same mapped pages (np.memmap's subclass costs on every operation).
        self._full = {name: np.asarray(array) for name, array in snapshot.arrays.items()}
        self.bits = self._full["bits"]
        self.sorted_names = self._full["sorted_names"]
        self.vocabulary = self._full["vocabulary"]
        self.offsets = self._full["offsets"]
        self.postings = self._full["postings"]
        self.users_sorted = self._full["users_sorted"]
        self.user_order = self._full["user_order"]
        self.snapshot_rows = snapshot.rows
        self.time_zones = list(snapshot.time_zones)
        self.tz_code_of = {tz: code for code, tz in enumerate(self.time_zones)}
        self.row_of = RowOf(self._full["ids"], snapshot.rows)
        self._set_rows(snapshot.rows)
        # The overlay: rows changed since the snapshot.
        self.changed_choices: dict[int, np.ndarray] = {}  # row -> bool per option
        self.changed_texts: dict[int, frozenset] = {}  # row -> the words of its text
        self.applied: dict[int, tuple] = {}  # enrollment id -> the stamps already applied
        self.seen = snapshot.since
        self._snapshot_cache = {}
        self._overlay_changed()
        self.catch_up()

    def _set_rows(self, n):
        self.n = n
        for name in ROW_ARRAYS:
            setattr(self, name, self._full[name][:n])

    def ensure_current(self):
        with self.lock:
            now = time.monotonic()
            if self.snapshot is None:
                self.open(snapshots.open_current(self.role))
                self.checked_at = now
            elif now - self.checked_at >= settings.SEARCH_INDEX_CHECK_INTERVAL:
                try:
                    newer = snapshots.current_version(self.role)
                except snapshots.SnapshotError as exc:
                    log.warning("search index: %s; keeping %s", exc, self.version)
                    newer = None
                if newer and newer != self.version:
                    try:
                        self.open(snapshots.Snapshot(self.role, newer))
                    except snapshots.SnapshotError as exc:
                        log.warning("search index: %s; keeping %s", exc, self.version)
                        self.catch_up()
                else:
                    self.catch_up()
                self.checked_at = now

    def _window_start(self):
        return self.seen - timedelta(seconds=settings.SEARCH_INDEX_SAFETY_WINDOW)

    def catch_up(self):
        """Re-read every row stamped within the safety window of the newest stamp seen; apply those
        whose stamps differ from what was applied."""
        since = self._window_start()
        # Two indexed look-ups in one UNION (an OR of the two would scan every enrollment).
        mine = Enrollment.objects.filter(role=self.role).order_by()
        ids = list(
            mine.filter(updated_at__gte=since)
            .values_list("pk", flat=True)
            .union(
                mine.filter(
                    user_id__in=Profile.objects.filter(updated_at__gte=since).values("user_id")
                ).values_list("pk", flat=True)
            )
        )
        rows = (
            list(Enrollment.objects.filter(pk__in=ids).values_list(*snapshots.ROW_COLUMNS))
            if ids
            else []
        )
        fresh = []
        for row in rows:
            stamps = (row[17], row[18])
            for stamp in stamps:
                if stamp is not None and stamp > self.seen:
                    self.seen = stamp
            if self.applied.get(row[0]) != stamps:
                fresh.append(row)
        # Forget what fell out of the window: it can no longer come back as "fresh".
        if len(self.applied) > 4 * len(rows) + 1000:
            in_window = {row[0] for row in rows}
            self.applied = {k: v for k, v in self.applied.items() if k in in_window}
        if not fresh:
            return
        ids = [row[0] for row in fresh]
        choices: dict[int, list[int]] = {}
        for enrollment_id, option_id in EnrollmentChoice.objects.filter(
            enrollment_id__in=ids
        ).values_list("enrollment_id", "option_id"):
            choices.setdefault(enrollment_id, []).append(option_id)
        new = [eid for eid in ids if eid not in self.row_of]
        if new:
            self._add_rows(new)
        counts = (
            snapshots.active_mentees(ids) if self.role == Role.MENTOR else {}
        )  # accepting or completing a relationship touches the mentor's enrollment
        for row in fresh:
            i = self.row_of[row[0]]
            self._set_row(i, row)
            vector = np.zeros(len(self.option_ids), dtype=bool)
            unknown = False
            for option_id in choices.get(row[0], ()):
                col = self.col_of.get(option_id)
                if col is None:
                    unknown = True  # an option staff added since the snapshot: the next one has it
                else:
                    vector[col] = True
            if unknown:
                log.info("search index: an option newer than snapshot %s", self.version)
            self.changed_choices[i] = vector
            self.active_count[i] = counts.get(row[0], 0)
            self.applied[row[0]] = (row[17], row[18])
        self._overlay_changed()

    def _add_rows(self, enrollment_ids):
        start = self.n
        needed = start + len(enrollment_ids)
        capacity = len(self._full["ids"])
        if needed > capacity:
            # Out of room before the next snapshot: grow this process's own copy.
            extra = -(-max(needed - capacity, snapshots.spare_rows(capacity)) // 64) * 64
            for name, array in list(self._full.items()):
                if name in ROW_ARRAYS:
                    self._full[name] = np.concatenate([array, np.zeros(extra, array.dtype)])
            self._full["name_rank"][capacity:] = np.inf
            pad = (capacity + extra + 7) // 8 - self.bits.shape[1]
            self.bits = np.concatenate(
                [self.bits, np.zeros((self.bits.shape[0], pad), np.uint8)], axis=1
            )
            self.row_of.ids = self._full["ids"]
        for offset, enrollment_id in enumerate(enrollment_ids):
            self.row_of.added[enrollment_id] = start + offset
        self._set_rows(needed)

    def _set_row(self, i, row):
        for name, value in snapshots.scalars(row).items():
            self._full[name][i] = value
        key, text, tz = snapshots.row_name_and_text(row)
        tz = tz or ""
        if tz not in self.tz_code_of:
            self.tz_code_of[tz] = len(self.time_zones)
            self.time_zones.append(tz)
        self._full["tz_code"][i] = self.tz_code_of[tz]
        # Between the snapshot's names, before any equal one; ties by row.
        position = np.searchsorted(self.sorted_names, key.encode(), side="left")
        self._full["name_rank"][i] = position - 0.5 + i / (4 * len(self._full["ids"]))
        self.changed_texts[i] = frozenset(WORD.findall(text))

    def _overlay_changed(self):
        rows = sorted(self.changed_choices)
        self.dirty_rows = np.array(rows, dtype=np.int64)
        k = len(self.option_ids)
        self.dirty_new = np.array([self.changed_choices[r] for r in rows], dtype=bool).reshape(
            -1, k
        )
        self.dirty_old = self._snapshot_rows(self.dirty_rows)
        self._places = None
        self._levels = {}
        self._cache = {}

    def cached(self, key, compute):
        """compute(), kept until the rows change (masks every search of the day starts from)."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def forget_derived(self):
        """Forget what was computed from the rows (after writing to them directly: tests)."""
        self._overlay_changed()

    def rows_of_user(self, user_id: int) -> np.ndarray:
        """The rows of one member (one at most, as one enrollment per role is the rule)."""
        if self.matrix is not None:
            return np.flatnonzero(self.user_ids == user_id)
        start = np.searchsorted(self.users_sorted, user_id, side="left")
        end = np.searchsorted(self.users_sorted, user_id, side="right")
        added = np.flatnonzero(self.user_ids[self.snapshot_rows :] == user_id) + self.snapshot_rows
        return np.concatenate([self.user_order[start:end], added])

    def _snapshot_rows(self, rows) -> np.ndarray:
        """The snapshot's choices of `rows` (rows x options, bool)."""
        byte = self.bits[:, rows >> 3]
        return ((byte >> (7 - (rows & 7)).astype(np.uint8)) & 1).astype(bool).T

    # --- an in-memory matrix instead of a snapshot (unit tests of the arithmetic) -----------------

    def _forget_derived(self):
        """Use `self.matrix` (rows x options, bool, read as it is at each call) and `self.col_of` as
        the whole index."""
        self.option_ids = sorted(self.col_of, key=self.col_of.get)
        self.n = len(self.matrix)
        self._levels = {}
        self._cache = {}

    # --- reading -------------------------------------------------------------------------------

    def column(self, col: int) -> np.ndarray:
        """Which rows chose the option in column `col` (bool per row), changes included."""
        if self.matrix is not None:
            return self.matrix[:, col]
        values = np.unpackbits(self.bits[col], count=self.n).view(bool)
        if len(self.dirty_rows):
            values[self.dirty_rows] = self.dirty_new[:, col]
        return values

    def any_of(self, cols) -> np.ndarray:
        """Rows that chose any of the options in `cols`."""
        if not cols:
            return np.zeros(self.n, dtype=bool)
        packed = np.bitwise_or.reduce(self.bits[cols], axis=0)
        values = np.unpackbits(packed, count=self.n).view(bool)
        if len(self.dirty_rows):
            values[self.dirty_rows] = self.dirty_new[:, cols].any(axis=1)
        return values

    def column_counts(self, mask: np.ndarray) -> np.ndarray:
        """Per option, how many rows of `mask` chose it: popcounts of the bit-packed columns."""
        packed = np.packbits(mask)
        width = self.bits.shape[1]
        if width % 8 == 0:  # whole 64-bit words: 8 times fewer popcounts
            padded = np.zeros(width, dtype=np.uint8)
            padded[: len(packed)] = packed
            bits, packed = self.bits.view(np.uint64), padded.view(np.uint64)
        else:
            bits = self.bits[:, : len(packed)]
        counts = np.zeros(len(self.option_ids), dtype=np.int64)
        step = 1 << 13  # words per slice: the temporaries stay small
        for start in range(0, len(packed), step):
            piece = packed[start : start + step]
            part = bits[:, start : start + len(piece)] & piece
            counts += np.bitwise_count(part).sum(axis=1, dtype=np.int64)
        if len(self.dirty_rows):
            chosen = mask[self.dirty_rows]
            counts += self.dirty_new[chosen].sum(axis=0) - self.dirty_old[chosen].sum(axis=0)
        return counts

    def options_of(self, row) -> set[int]:
        if row in self.changed_choices:
            vector = self.changed_choices[row]
        else:
            vector = self._snapshot_rows(np.array([row], dtype=np.int64))[0]
        return {self.option_ids[col] for col in np.flatnonzero(vector)}

    def rows_containing(self, word: str) -> np.ndarray:
        """Rows with a word that starts with `word` (keywords match words and word beginnings).
        Rows changed since the snapshot are checked against their current text."""
        mask = np.zeros(self.n, dtype=bool)
        probe = word.encode()
        size = self.vocabulary.dtype.itemsize
        if len(self.vocabulary) and len(probe) <= size:
            start = np.searchsorted(self.vocabulary, probe, side="left")
            if len(probe) < size:
                # UTF-8 never holds 0xff: every word starting with `probe` sorts before this.
                end = np.searchsorted(self.vocabulary, probe + b"\xff", side="left")
            else:
                end = np.searchsorted(self.vocabulary, probe, side="right")
            mask[self.postings[self.offsets[start] : self.offsets[end]]] = True
        if self.changed_texts:
            for row, words in self.changed_texts.items():
                mask[row] = any(w.startswith(word) for w in words)
        return mask

    @property
    def places(self) -> tuple[list[str], list[str]]:
        """The countries and time zones members of this role are in, for the filter lists."""
        if self._places is None:
            # The snapshot's once (a million rows take a while), then the changed rows'.
            if "places" not in self._snapshot_cache:
                rows = self.snapshot_rows
                self._snapshot_cache["places"] = (
                    set(np.unique(self._full["country"][:rows]).tolist()),
                    set(np.unique(self._full["tz_code"][:rows]).tolist()),
                )
            countries, codes = self._snapshot_cache["places"]
            changed = np.fromiter(self.changed_texts, dtype=np.int64)
            countries = countries | set(self.country[changed].tolist())
            codes = codes | set(self.tz_code[changed].tolist())
            self._places = (
                sorted(c.decode() for c in countries if c),
                sorted(self.time_zones[c] for c in codes if self.time_zones[c]),
            )
        return self._places

    def levels(self, levels: tuple[int, ...], *, mentor: bool) -> np.ndarray:
        """Every row's level in an ordered category (matching.level_of), -1 for none."""
        key = (levels, mentor)
        if key not in self._levels or self.matrix is not None:
            self._levels[key] = self._derived(
                ("levels", key), lambda column: level_array(self, column, levels, mentor=mentor)
            )
        return self._levels[key]

    def chosen_in(self, option_ids: tuple[int, ...]) -> np.ndarray:
        """How many of `option_ids` each row chose."""
        cols = [self.col_of[o] for o in option_ids if o in self.col_of]

        def count(column):
            total = None
            for col in cols:
                values = column(col).astype(np.int16)
                total = values if total is None else total + values
            return total

        result = self._derived(("chosen", tuple(cols)), count)
        return np.zeros(self.n, dtype=np.int16) if result is None else result

    def _derived(self, key, compute):
        """compute(column getter) over the snapshot's rows (kept for the snapshot's life), then
        the changed rows recomputed from the overlay."""
        if self.matrix is not None:
            return compute(lambda col: self.matrix[:, col])
        base = self._snapshot_cache.get(key)
        if base is None:
            base = compute(lambda col: np.unpackbits(self.bits[col], count=self.n).view(bool))
            self._snapshot_cache[key] = base
        if base is None:
            return None
        if len(base) < self.n:
            base = np.concatenate([base, np.zeros(self.n - len(base), base.dtype)])
        if not len(self.dirty_rows):
            return base
        result = base.copy()
        result[self.dirty_rows] = compute(lambda col: self.dirty_new[:, col])
        return result


_indexes: dict[tuple[str, str], RoleIndex] = {}
_indexes_lock = threading.Lock()


def index_for(role: str) -> RoleIndex:
    key = (connection.alias, role)
    with _indexes_lock:
        index = _indexes.get(key) or _indexes.setdefault(key, RoleIndex(role))
    index.ensure_current()
    return index


def reset_indexes():
    """Forget every opened index (tests, whose rolled-back rows would otherwise linger)."""
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
    user_id: int  # what the row shows is read for the whole page at once: CARD_FIELDS


# A result's card (members.models.ProfileSummary) as read from User with the page's other facts.
CARD_FIELDS = ("email", "profile__first_name", "profile__last_name", "profile__photo",
               "profile__job_title", "profile__organization", "profile__city", "profile__region",
               "profile__country")  # fmt: skip


def card(user_id: int, values) -> ProfileSummary:
    return ProfileSummary(user_id, *(value or "" for value in values))


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
    return index.any_of([index.col_of[o] for o in option_ids if o in index.col_of])


def level_array(index, column, levels, *, mentor: bool) -> np.ndarray:
    """matching.level_of over rows whose choices `column(col)` gives (bool per row): the rank of
    each row's highest (mentor) or lowest (mentee) option among `levels`, -1 for none."""
    ranked = [(rank, index.col_of[o]) for rank, o in enumerate(levels) if o in index.col_of]
    result = None
    # Later assignments win: ascending ranks leave the highest, descending the lowest.
    for rank, col in ranked if mentor else reversed(ranked):
        chosen = column(col)
        if result is None:
            result = np.full(len(chosen), -1, dtype=np.int8)
        result[chosen] = rank
    if result is None:
        result = np.full(len(column(0)) if index.option_ids else 0, -1, dtype=np.int8)
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
        return np.zeros(index.n, dtype=bool)
    theirs = index.levels(rule.levels, mentor=finding_mentors)
    return theirs >= own if finding_mentors else (theirs >= 0) & (theirs <= own)


def _ahead_counts(index, rule, rows_mask, target_role) -> np.ndarray:
    """Per level of an ordered category, how many of `rows_mask` _satisfies() it alone: the
    members at each level, summed upwards (mentors at or above) or downwards (mentees at or
    below)."""
    finding_mentors = target_role == Role.MENTOR
    theirs = index.levels(rule.levels, mentor=finding_mentors)[rows_mask].astype(np.int64)
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
    today = query.today or timezone.localdate()
    base = index.cached(("participating", today), lambda: participating_mask(index, today)).copy()
    base[index.rows_of_user(query.searcher_user_id)] = False
    open_places = index.cached("open_places", lambda: open_places_of(index))
    if query.open_only and query.target_role == Role.MENTOR:
        base &= index.cached("has_open_place", lambda: open_places > 0)
    if query.country:
        base &= index.country == query.country.encode()
    if query.time_zone:
        code = index.tz_code_of.get(query.time_zone)
        base &= index.tz_code == code if code is not None else False
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
            counts_for[key] = index.column_counts(others_for[key])
        counts = counts_for[key]
        for option_id in option_ids:
            col = index.col_of.get(option_id)
            if col is not None:
                facets[option_id] = int(counts[col])

    rows = np.flatnonzero(final)
    total = len(rows)
    pages = max(1, -(-total // query.page_size))
    page = min(max(1, query.page), pages)
    # Only the rows up to this page are put in order; ties go by name.
    if query.sort == "name":
        primary = index.name_rank[rows]
    elif query.sort == "newest":
        primary = -index.created[rows]
    elif query.sort == "active":
        primary = -index.last_login[rows]
    else:
        primary = -score_rows(index, rows, query)
    order = first_in_order(primary, index.name_rank[rows], page * query.page_size)
    chosen = rows[order[(page - 1) * query.page_size :]]
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
            Hit(
                int(index.ids[row]),
                match,
                places,
                int(index.capacity[row]),
                int(index.user_ids[row]),
            )
        )
    return Results(total, page, pages, hits, facets, *index.places)


def first_in_order(primary: np.ndarray, secondary: np.ndarray, count: int) -> np.ndarray:
    """The positions of the `count` smallest by (primary, secondary), in that order: what a full
    lexsort would begin with, without sorting the rest."""
    if count < len(primary):
        kth = np.partition(primary, count - 1)[count - 1]
        candidates = np.flatnonzero(primary <= kth)
    else:
        candidates = np.arange(len(primary))
    order = np.lexsort((secondary[candidates], primary[candidates]))
    return candidates[order[:count]]


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

    What a row earns in a category depends only on small whole numbers (its level in an ordered
    category; the options it shares with the searcher and, for a mentor searching, the options it
    chose there), so each category's possible values are computed once, with match_score's
    arithmetic, into a table that every row then looks up.
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
    credits = np.array(AHEAD_CREDIT, dtype=np.float64)
    for category in scoring:
        weight = category.weight
        criteria = query.criteria[category.id]
        if category.kind == AHEAD:
            own = level_of(criteria, category.levels, mentor=not searcher_is_mentee)
            if own is None:
                continue
            total += weight
            theirs = np.arange(-1, len(category.levels), dtype=np.int64)  # every possible level
            steps = theirs - own if searcher_is_mentee else own - theirs
            credit = np.where(
                (theirs >= 0) & (steps >= 0), credits[np.clip(steps, 0, len(credits) - 1)], 0.0
            )
            best = best_ahead_credit(own, category.levels, searcher_is_mentee=searcher_is_mentee)
            table = weight * (credit / best)
            earned += table[index.levels(category.levels, mentor=searcher_is_mentee)[rows] + 1]
        elif category.kind == PREFERENCE:
            shared = _overlap(index, rows, criteria) > 0
            total += np.where(shared, weight, 0)
            earned += np.where(shared, weight * 1.0, 0.0)
        else:
            total += weight
            overlap = _overlap(index, rows, criteria)
            if searcher_is_mentee:
                shares = np.arange(len(criteria) + 1, dtype=np.float64)
                table = weight * np.divide(shares, np.full(len(shares), float(len(criteria))))
                earned += table[overlap]
            else:
                in_category = tuple(query.options_by_category.get(category.id, []))
                chosen = index.chosen_in(in_category)[rows].astype(np.intp)
                shares, counts = np.meshgrid(
                    np.arange(len(criteria) + 1, dtype=np.float64),
                    np.arange(len(in_category) + 1, dtype=np.float64),
                    indexing="ij",
                )
                table = weight * np.divide(
                    shares, counts, out=np.zeros(shares.shape), where=counts > 0
                )
                earned += table[overlap, chosen]
    percent = np.divide(100 * earned, total, out=np.zeros(len(rows)), where=total > 0)
    return np.rint(percent)


def _overlap(index: RoleIndex, rows, option_ids) -> np.ndarray:
    """How many of `option_ids` each of `rows` chose."""
    overlap = np.zeros(len(rows), dtype=np.intp)
    for option_id in option_ids:
        if option_id in index.col_of:
            overlap += index.column(index.col_of[option_id])[rows]
    return overlap
