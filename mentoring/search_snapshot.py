"""The search index's snapshot: one role's enrollments as numpy arrays in files, built outside the
request path (`manage.py build_search_index`, the worker's `mentoring.tasks.build_search_index`)
and memory-mapped read-only by every web process, so that the pages are shared between them.

Layout under settings.SEARCH_INDEX_DIR/<database>/ (database_key(): the database's name and a
hash of where it is):

    <role>/<version>/manifest.json   what the arrays mean (options, time zones, since when)
    <role>/<version>/<name>.npy      one array each (see ARRAYS)
    <role>/current                   the version in use, replaced atomically with os.replace()
    <role>/.lock                     held (flock) while a snapshot is built and published

A version is written to a temporary directory, renamed into place, then named in `current`; a
process that opened an older version keeps its mapping (the files stay readable while mapped).
The two newest versions are kept.

Per row: the enrollment's scalar columns (a little room is left after the last row for
enrollments that arrive before the next build); the choices as one bit-packed row per criterion
option (facet counts are popcounts); the names' sort order as a rank; the words of name, job
title, organization, bio and statement as a sorted vocabulary (UTF-8 bytes) with the rows of
each word in one postings array. Nothing in a snapshot is a Python object per member.
"""

import array
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import connection
from django.utils import timezone

from mentoring.models import (
    CriterionOption,
    Enrollment,
    EnrollmentChoice,
    EnrollmentStatus,
    Relationship,
    Role,
)

log = logging.getLogger(__name__)

FORMAT = 1
WORD = re.compile(r"\w+")
STATUS_CODE = {
    EnrollmentStatus.ACTIVE: 0,
    EnrollmentStatus.PAUSED: 1,
    EnrollmentStatus.WITHDRAWN: 2,
}
# The per-row arrays a search process may overwrite for rows changed since the build (opened
# copy-on-write: only the pages written become the process's own).
ROW_ARRAYS = {
    "ids": np.int64,
    "user_ids": np.int64,
    "status": np.int8,
    "return_ord": np.int32,
    "until_ord": np.int32,
    "capacity": np.int16,
    "active_count": np.int16,
    "user_active": np.bool_,
    "created": np.float64,
    "last_login": np.float64,
    "country": "S2",
    "tz_code": np.int16,
    "name_rank": np.float64,
}
# Read-only arrays: the choices, bit-packed per option; the names in order; the word index.
READ_ONLY_ARRAYS = (
    "bits",
    "sorted_names",
    "vocabulary",
    "offsets",
    "postings",
    "users_sorted",
    "user_order",
)
ARRAYS = (*ROW_ARRAYS, *READ_ONLY_ARRAYS)

ROW_COLUMNS = (
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
    "updated_at",
    "user__profile__updated_at",
)


class SnapshotError(Exception):
    """A snapshot that cannot be used (missing, unfinished, damaged). The message says why."""


def _ts(value) -> float:
    return value.timestamp() if value else float("-inf")


def name_key(first, last) -> str:
    """What "sort by name" compares: last name, then first name, without case."""
    return f"{last or ''} {first or ''}".casefold()


def text_of(first, last, title, org, bio, statement) -> str:
    """What keywords are looked for in."""
    return " ".join([first or "", last or "", title or "", org or "", bio or "", statement or ""])


def scalars(row) -> dict:
    """One enrollment row (ROW_COLUMNS) as the values of ROW_ARRAYS, less the derived ones."""
    (eid, uid, status, return_date, until, capacity, created, _statement, active, last_login,
     _first, _last, _title, _org, _bio, country, _tz, _updated, _profile_updated) = row  # fmt: skip
    return {
        "ids": eid,
        "user_ids": uid,
        "status": STATUS_CODE[status],
        "return_ord": return_date.toordinal() if return_date else 0,
        "until_ord": until.toordinal() if until else 0,
        "capacity": capacity or 0,
        "user_active": bool(active),
        "created": _ts(created),
        "last_login": _ts(last_login),
        "country": (country or "").encode(),
    }


def row_name_and_text(row) -> tuple[str, str, str]:
    """(name key, text, time zone) of one enrollment row."""
    first, last, title, org, bio = row[10:15]
    return name_key(first, last), text_of(first, last, title, org, bio, row[7]).casefold(), row[16]


def active_mentees(enrollment_ids=None) -> dict[int, int]:
    """Active relationships per mentor enrollment, read through Enrollment.objects.
    with_open_places() (the one definition of "open places"). Without ids: every mentor with
    someone to count (the others have 0, without a subquery each)."""
    enrollments = Enrollment.objects.filter(role=Role.MENTOR).with_open_places()
    if enrollment_ids is None:
        enrollments = enrollments.filter(
            user_id__in=Relationship.objects.active().values("mentor_id")
        )
    else:
        enrollments = enrollments.filter(pk__in=list(enrollment_ids))
    return dict(enrollments.values_list("pk", "active_mentees"))


# --- building ---------------------------------------------------------------------------------


def database_key() -> str:
    """A directory name for the database in use: one SEARCH_INDEX_DIR may serve several (a
    benchmark's, a development one) without a process ever opening another database's snapshot."""
    db = connection.settings_dict
    where = f"{connection.vendor}:{db.get('HOST') or ''}:{db.get('PORT') or ''}:{db['NAME']}"
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(str(db["NAME"])).name)[:40]
    return f"{name}-{hashlib.sha1(where.encode()).hexdigest()[:8]}"


def role_dir(role: str) -> Path:
    return Path(settings.SEARCH_INDEX_DIR) / database_key() / role


@contextmanager
def build_lock(role: str):
    """One builder per role and directory at a time (across processes on this host)."""
    directory = role_dir(role)
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def spare_rows(n: int) -> int:
    """Room after the last row for enrollments that arrive before the next build (a multiple of
    64, so that each option's bits are whole 64-bit words)."""
    return -(-(n + max(1_000, n // 50)) // 64) * 64 - n


def build(role: str, *, chunk: int = 5_000) -> str:
    """Build and publish a snapshot of `role`; returns its version. Streams the rows, so the
    builder holds arrays, not a million Python strings."""
    with build_lock(role):
        return _build_locked(role, chunk=chunk)


def _build_locked(role: str, *, chunk: int) -> str:
    started = time.monotonic()
    # Rows changed from here on are the search processes' to catch up with (they re-read a
    # safety window behind this), so the build may read a moving table.
    since = timezone.now()
    option_ids = list(CriterionOption.objects.order_by("pk").values_list("pk", flat=True))
    col_of = {option_id: col for col, option_id in enumerate(option_ids)}
    total = Enrollment.objects.filter(role=role).count()
    capacity = total + spare_rows(total)
    arrays = {name: np.zeros(capacity, dtype=dtype) for name, dtype in ROW_ARRAYS.items()}
    tz_codes: dict[str, int] = {"": 0}
    names: list[bytes] = []
    vocabulary: dict[str, int] = {}
    word_ids = array.array("i")  # (word, row) pairs, 4 bytes each
    word_rows = array.array("i")
    n = 0
    queryset = Enrollment.objects.filter(role=role).order_by("pk").values_list(*ROW_COLUMNS)
    for row in queryset.iterator(chunk_size=chunk):
        if n == capacity:  # more rows than counted a moment ago: grow
            capacity += spare_rows(capacity) + 64
            arrays = {
                k: np.concatenate([a, np.zeros(capacity - len(a), a.dtype)])
                for k, a in arrays.items()
            }
        for name, value in scalars(row).items():
            arrays[name][n] = value
        key, text, tz = row_name_and_text(row)
        arrays["tz_code"][n] = tz_codes.setdefault(tz or "", len(tz_codes))
        names.append(key.encode())
        ids = [vocabulary.setdefault(w, len(vocabulary)) for w in set(WORD.findall(text))]
        word_ids.extend(ids)
        word_rows.extend([n] * len(ids))
        n += 1

    row_of_id = arrays["ids"][:n]
    bool_rows = np.zeros((len(option_ids), capacity), dtype=bool)
    choices = EnrollmentChoice.objects.filter(enrollment__role=role).values_list(
        "enrollment_id", "option_id"
    )
    pairs = _pairs(choices)
    if len(pairs):
        rows = np.searchsorted(row_of_id, pairs[:, 0])
        known = (rows < n) & (row_of_id[np.minimum(rows, max(n - 1, 0))] == pairs[:, 0])
        cols = np.array([col_of.get(int(o), -1) for o in pairs[:, 1]], dtype=np.int64)
        keep = known & (cols >= 0)
        bool_rows[cols[keep], rows[keep]] = True
    bits = np.packbits(bool_rows, axis=1)
    del bool_rows

    if role == Role.MENTOR:
        counts = active_mentees()
        for enrollment_id, count in counts.items():
            row = int(np.searchsorted(row_of_id, enrollment_id))
            if row < n and row_of_id[row] == enrollment_id:
                arrays["active_count"][row] = count

    # Name order: byte order of UTF-8 is code point order, as Python sorts strings.
    name_array = np.array(names, dtype=f"S{max([len(b) for b in names] + [1])}")
    order = np.argsort(name_array, kind="stable")
    arrays["name_rank"][order] = np.arange(n, dtype=np.float64)
    arrays["name_rank"][n:] = np.inf
    sorted_names = name_array[order]
    del names, name_array

    # The word index: words sorted (as UTF-8 bytes), each word's rows in one postings slice.
    words = list(vocabulary)
    vocab_array = np.array(
        [w.encode() for w in words], dtype=f"S{max([len(w.encode()) for w in words] + [1])}"
    )
    word_order = np.argsort(vocab_array, kind="stable")
    rank_of_word = np.empty(len(words), dtype=np.int32)
    rank_of_word[word_order] = np.arange(len(words), dtype=np.int32)
    all_words = rank_of_word[np.frombuffer(word_ids, dtype=np.int32)]
    all_rows = np.frombuffer(word_rows, dtype=np.int32)
    del word_ids, word_rows
    by_word = np.argsort(all_words, kind="stable")  # rows stay ascending within a word
    postings = all_rows[by_word]
    offsets = np.zeros(len(words) + 1, dtype=np.int64)
    np.cumsum(np.bincount(all_words, minlength=len(words)), out=offsets[1:])

    # Rows by member (the searcher is left out of their own search without a pass over every row).
    user_order = np.argsort(arrays["user_ids"][:n], kind="stable")
    arrays |= {
        "users_sorted": arrays["user_ids"][:n][user_order],
        "user_order": user_order.astype(np.int64),
        "bits": bits,
        "sorted_names": sorted_names,
        "vocabulary": vocab_array[word_order],
        "offsets": offsets,
        "postings": postings,
    }
    manifest = {
        "format": FORMAT,
        "role": role,
        "rows": n,
        "capacity": capacity,
        "option_ids": option_ids,
        "time_zones": sorted(tz_codes, key=tz_codes.get),
        "since": since.isoformat(),
        "built_at": timezone.now().isoformat(),
        "database": connection.settings_dict.get("NAME") and str(connection.settings_dict["NAME"]),
        "build_seconds": round(time.monotonic() - started, 3),
    }
    version = publish(role, arrays, manifest)
    log.info(
        "search index: %s snapshot %s, %d rows, %.1f s",
        role,
        version,
        n,
        time.monotonic() - started,
    )
    return version


def _pairs(values_list, chunk: int = 100_000) -> np.ndarray:
    """(enrollment id, option id) rows as an n x 2 array, read in chunks: millions of Python
    tuples at once would take gigabytes."""
    parts, batch = [], []
    for pair in values_list.iterator(chunk_size=chunk):
        batch.append(pair)
        if len(batch) == chunk:
            parts.append(np.array(batch, dtype=np.int64))
            batch = []
    parts.append(np.array(batch, dtype=np.int64).reshape(-1, 2))
    return np.concatenate(parts)


def publish(role: str, arrays: dict, manifest: dict) -> str:
    directory = role_dir(role)
    directory.mkdir(parents=True, exist_ok=True)
    version = f"{time.time_ns():020d}-{os.getpid()}"
    manifest = {**manifest, "version": version}
    temporary = directory / f".tmp-{version}"
    temporary.mkdir()
    for name, values in arrays.items():
        np.save(temporary / f"{name}.npy", np.ascontiguousarray(values), allow_pickle=False)
    (temporary / "manifest.json").write_text(json.dumps(manifest))
    os.rename(temporary, directory / version)
    pointer = directory / f".current-{version}"
    pointer.write_text(version)
    os.replace(pointer, directory / "current")
    prune(role, keep=2)
    return version


def prune(role: str, keep: int = 2):
    """Remove all but the `keep` newest versions (and unfinished ones over an hour old). A
    process still mapping a removed version keeps reading it until it switches."""
    directory = role_dir(role)
    current = current_version(role)
    versions = sorted(
        p.name for p in directory.iterdir() if p.is_dir() and not p.name.startswith(".")
    )
    for name in versions[:-keep]:
        if name != current:
            shutil.rmtree(directory / name, ignore_errors=True)
    for stale in directory.glob(".tmp-*"):
        if time.time() - stale.stat().st_mtime > 3600:
            shutil.rmtree(stale, ignore_errors=True)


# --- opening ----------------------------------------------------------------------------------


def current_version(role: str) -> str | None:
    try:
        version = (role_dir(role) / "current").read_text().strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise SnapshotError(f"{role_dir(role) / 'current'} cannot be read: {exc}") from exc
    if not re.fullmatch(r"[0-9]{20}-[0-9]+", version):
        raise SnapshotError(f"{role_dir(role) / 'current'} names no snapshot version.")
    return version


class Snapshot:
    """One opened version: its manifest and its arrays, memory-mapped."""

    def __init__(self, role: str, version: str):
        self.role = role
        self.version = version
        directory = role_dir(role) / version
        try:
            self.manifest = json.loads((directory / "manifest.json").read_text())
            if self.manifest.get("format") != FORMAT or self.manifest.get("role") != role:
                raise SnapshotError(f"{directory} is not a format-{FORMAT} {role} snapshot.")
            self.rows = int(self.manifest["rows"])
            self.capacity = int(self.manifest["capacity"])
            self.option_ids = [int(o) for o in self.manifest["option_ids"]]
            self.time_zones = [str(t) for t in self.manifest["time_zones"]]
            self.since = datetime.fromisoformat(self.manifest["since"])
            self.arrays = {
                name: _load(directory / f"{name}.npy", "c" if name in ROW_ARRAYS else "r")
                for name in ARRAYS
            }
        except SnapshotError:
            raise
        except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            raise SnapshotError(
                f"The search index snapshot {directory} cannot be read: {exc}"
            ) from exc
        self._check(directory)

    def _check(self, directory):
        a = self.arrays
        ok = (
            0 <= self.rows <= self.capacity
            and all(a[name].shape == (self.capacity,) for name in ROW_ARRAYS)
            and a["bits"].shape == (len(self.option_ids), (self.capacity + 7) // 8)
            and a["sorted_names"].shape == (self.rows,)
            and a["users_sorted"].shape == a["user_order"].shape == (self.rows,)
            and a["offsets"].shape == (len(a["vocabulary"]) + 1,)
            and (len(a["offsets"]) == 1 or int(a["offsets"][-1]) == len(a["postings"]))
            and len(self.time_zones) > int(a["tz_code"].max(initial=0))
        )
        if not ok:
            raise SnapshotError(f"The search index snapshot {directory} is inconsistent.")


def _load(path, mode):
    try:
        return np.load(path, mmap_mode=mode, allow_pickle=False)
    except ValueError:
        array = np.load(path, allow_pickle=False)  # an empty array cannot be mapped
        if array.size:
            raise
        return array


def open_current(role: str, *, build_if_missing: bool = True) -> Snapshot:
    """The current snapshot of `role`. Without one (a fresh clone, a test), or with a damaged one,
    this process builds it, once, under the lock: a web process normally never builds."""
    problem = None
    for _attempt in range(3):
        seen = current_version_or_none(role)
        if seen not in (None, DAMAGED):
            try:
                return Snapshot(role, seen)
            except SnapshotError as exc:
                problem = exc
        else:
            problem = SnapshotError(
                f"No usable {role} search index snapshot in {role_dir(role)} ({seen or 'none'})."
            )
        if not build_if_missing:
            raise problem
        log.warning("search index: %s Building one.", problem)
        with build_lock(role):
            # Another process may have published one (or pruned this one) meanwhile.
            if current_version_or_none(role) == seen:
                _build_locked(role, chunk=5_000)
    raise SnapshotError(f"The {role} search index in {role_dir(role)} cannot be opened: {problem}")


DAMAGED = "damaged"


def current_version_or_none(role: str) -> str | None:
    try:
        return current_version(role)
    except SnapshotError:
        return DAMAGED
