"""Member import: a CSV exported from the association's member system, checked row by row, then
run by the background worker to create or update members by email.

The rules, in order:
- The file: UTF-8 (a byte-order mark is fine), comma- or semicolon-separated, at most 5 MB, with
  email, first name and last name columns. Anything else is refused whole, with a message.
- Each row: a valid email address that no earlier row has, a first and a last name, values that
  fit the profile, no control characters, a known country, a member ID (optional) of letters,
  digits and . _ - : @ + that no earlier row has. A bad row is reported with its line number and
  skipped; it never stops the others. The member sync API (program/sync.py) checks each member it
  is sent with the same check_member().
- A member is found by email, ignoring case. A new one gets an account without a password, a
  verified address (the association vouches for it) and the profile fields of the row; an existing
  one gets only the fields the row fills in that differ, so importing a file twice writes nothing
  the second time. An empty cell never clears what a member wrote themselves.
- The member ID is stored as the member's external_id: the same again changes nothing; one that
  another member has, or a member who already has another one, is a row error (an ID never
  moves between members, nor changes, from outside).
- A dry run goes through the same checks and counts and writes nothing but its own progress.
"""

import csv
import functools
import io
import unicodedata
from dataclasses import dataclass, field
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django_countries import countries

from members.adapter import password_reset_link
from members.models import EXTERNAL_ID_MAX_LENGTH, Profile, User, validate_external_id
from members.text import clean_name
from notifications.emails import absolute_url, render
from notifications.links import Link
from notifications.links import attach as attach_links
from program.access import STAFF_GROUP
from program.models import ImportBatch, StaffAction

MAX_FILE_BYTES = 5 * 1024 * 1024
# The worker saves its progress (and commits) after this many rows.
PROGRESS_EVERY = 200
MEMBER_ID_MAX_LENGTH = EXTERNAL_ID_MAX_LENGTH

PROFILE_FIELDS = (
    "first_name",
    "last_name",
    "job_title",
    "organization",
    "city",
    "region",
    "country",
)
REQUIRED_COLUMNS = ("email", "first_name", "last_name")
LABELS = {
    "email": "Email",
    "first_name": "First name",
    "last_name": "Last name",
    "job_title": "Job title",
    "organization": "Organization",
    "city": "City",
    "region": "Region",
    "country": "Country",
    "member_id": "Member ID",
}
# Header names as member systems spell them, compared without case, spaces, "_" or "-".
ALIASES = {
    "email": "email",
    "emailaddress": "email",
    "firstname": "first_name",
    "lastname": "last_name",
    "surname": "last_name",
    "jobtitle": "job_title",
    "title": "job_title",
    "organization": "organization",
    "organisation": "organization",
    "company": "organization",
    "city": "city",
    "region": "region",
    "state": "region",
    "country": "country",
    "memberid": "member_id",
}
MAX_LENGTHS = {
    "email": User._meta.get_field("email").max_length,
    **{name: Profile._meta.get_field(name).max_length for name in PROFILE_FIELDS},
    "member_id": MEMBER_ID_MAX_LENGTH,
}


class ImportFileError(Exception):
    """The file as a whole cannot be imported; the message says why, for the staff member."""


class ImportStateError(Exception):
    """The batch cannot be run now (it is already queued, running or imported)."""


class RowError(Exception):
    """This row cannot be imported; the message says why."""


@dataclass
class Row:
    line: int  # the file's line; the item's position for the sync API
    cells: dict[str, str]  # what the file says, by field, for the report
    # profile fields to set, cleaned (the member ID as "external_id")
    values: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    error_fields: list[str] = field(default_factory=list)  # each error's field; "" for the row

    def fail(self, name: str, message: str) -> None:
        self.errors.append(message)
        self.error_fields.append(name)

    @property
    def email(self) -> str:
        return self.cells.get("email", "")

    @property
    def key(self) -> str:
        return self.email.lower()

    @property
    def is_valid(self) -> bool:
        return not self.errors

    @property
    def location_parts(self) -> list[str]:
        return [self.cells[name] for name in ("city", "region", "country") if self.cells.get(name)]


@dataclass
class Report:
    columns: list[str]  # the fields found in the header, in file order
    ignored: list[str]  # header names that mean nothing here
    rows: list[Row]

    @functools.cached_property
    def valid(self) -> int:
        return sum(row.is_valid for row in self.rows)

    @property
    def invalid(self) -> int:
        return len(self.rows) - self.valid


# --- Reading and checking the file -------------------------------------------------------------


def decode(data: bytes) -> str:
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(_too_big())
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            "This file is not UTF-8 text. Export it from your member system as “CSV UTF-8” "
            "and upload it again."
        ) from None


def _too_big():
    return f"This file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; split it in parts."


def _delimiter(header_line: str) -> str:
    # Spreadsheets in many locales save CSV with ";": whichever separates the header wins.
    return max((",", ";", "\t"), key=header_line.count)


def _column(header: str) -> str:
    return ALIASES.get("".join(ch for ch in header.lower() if ch not in " _-\t"), "")


# Names association systems write that are not django-countries' official English names.
COUNTRY_ALIASES = {
    "united states": "US",
    "usa": "US",
    "u.s.": "US",
    "u.s.a.": "US",
    "united states of america": "US",
    "america": "US",
    "uk": "GB",
    "u.k.": "GB",
    "united kingdom": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "south korea": "KR",
    "korea": "KR",
    "russia": "RU",
    "vietnam": "VN",
}


@functools.lru_cache(maxsize=1024)
def country_code(value: str) -> str:
    """The ISO code of a country given by code, by English name or by a common short name;
    "" when unknown."""
    return (
        countries.alpha2(value)
        or countries.by_name(value)
        or COUNTRY_ALIASES.get(value.strip().lower(), "")
    )


def parse_csv(text: str) -> Report:
    """Every row of the file, checked on its own and against the rows above it."""
    text = text.removeprefix("\ufeff")
    delimiter = _delimiter(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, [])
        columns = [_column(name) for name in header]
        _check_columns(header, columns)
        rows = []
        first_line: dict[tuple[str, str], int] = {}
        line = reader.line_num + 1
        for cells in reader:
            if any(cell.strip() for cell in cells):
                rows.append(_check_row(line, cells, columns, first_line))
            line = reader.line_num + 1
    except csv.Error as error:
        raise ImportFileError(f"Line {reader.line_num} cannot be read as CSV: {error}.") from None
    ignored = [
        name.strip()
        for name, column in zip(header, columns, strict=True)
        if not column and name.strip()
    ]
    return Report(columns=[c for c in columns if c], ignored=ignored, rows=rows)


def _check_columns(header, columns):
    if not any(name.strip() for name in header):
        raise ImportFileError("This file is empty.")
    missing = [LABELS[name].lower() for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise ImportFileError(
            f"This file has no {' or '.join(missing)} column. The first line must name the "
            "columns, e.g. “email,first_name,last_name,job_title,organization,city,region,"
            "country,member_id”."
        )
    for column in set(columns) - {""}:
        same = [name.strip() for name, c in zip(header, columns, strict=True) if c == column]
        if len(same) > 1:
            raise ImportFileError(
                f"The columns {' and '.join(f'“{n}”' for n in same)} both hold the "
                f"{LABELS[column].lower()}; keep one."
            )


def _check_row(line, cells, columns, first_line) -> Row:
    row = check_member(
        line, {c: cells[i] for i, c in enumerate(columns) if c and i < len(cells)}, first_line
    )
    if any(cell.strip() for cell in cells[len(columns) :]):
        row.errors.insert(0, f"Has {len(cells)} cells but the first line names {len(columns)}.")
        row.error_fields.insert(0, "")
    return row


def _has_control_character(value: str) -> bool:
    # A NUL byte is refused by PostgreSQL (and no other control character belongs in a profile).
    return any(unicodedata.category(char) == "Cc" for char in value)


def check_member(line, cells: dict[str, str], first_line: dict, *, called="line") -> Row:
    """One member as the member system sends them (text by field name: those of LABELS), checked:
    the rules of every way members arrive from it, a CSV file's row or an item of the sync API.
    `first_line` remembers the emails and member IDs of the earlier rows (or items) of the same
    file (or call); `called` is what a row is called in the messages."""
    # Runs of spaces and line breaks inside a cell become one space, as a profile shows them.
    row = Row(line, {name: " ".join(value.split()) for name, value in cells.items()})
    for name, value in row.cells.items():
        if _has_control_character(value):
            row.fail(name, f"{LABELS[name]} contains a control character.")
    bad = set(row.error_fields)
    if "email" not in bad:
        _check_email(row, first_line, called)
    for name in ("first_name", "last_name"):
        if name in bad:
            continue
        if not row.cells.get(name):
            row.fail(name, f"{LABELS[name]} is missing.")
            continue
        try:
            row.cells[name] = clean_name(row.cells[name])
        except ValueError:
            row.fail(name, f"{LABELS[name]} has no visible letters.")
    for name, value in row.cells.items():
        if name == "email" or name in bad:
            continue
        if name == "country" and value:
            code = country_code(value)
            if not code:
                row.fail(name, f"Unknown country “{value}”: use a two-letter ISO code.")
            value = code
        elif len(value) > MAX_LENGTHS[name]:
            row.fail(name, f"{LABELS[name]} is longer than {MAX_LENGTHS[name]} characters.")
            continue
        if name in PROFILE_FIELDS and value:
            row.values[name] = value
        elif name == "member_id" and value:
            _check_member_id(row, value, first_line, called)
    return row


def _check_email(row, first_line, called):
    if not row.email:
        row.fail("email", "Email is missing.")
        return
    try:
        validate_email(row.email)
    except ValidationError:
        row.fail("email", f"“{row.email}” is not a valid email address.")
        return
    if len(row.email) > MAX_LENGTHS["email"]:
        row.fail("email", f"Email is longer than {MAX_LENGTHS['email']} characters.")
    elif ("email", row.key) in first_line:
        row.fail("email", f"Same email as {called} {first_line['email', row.key]}.")
    else:
        first_line["email", row.key] = row.line


def _check_member_id(row, value, first_line, called):
    try:
        validate_external_id(value)
    except ValidationError as error:
        row.fail("member_id", error.messages[0])
        return
    if ("member_id", value) in first_line:
        row.fail("member_id", f"Same member ID as {called} {first_line['member_id', value]}.")
        return
    first_line["member_id", value] = row.line
    row.values["external_id"] = value


def create_batch(upload, *, send_invitations: bool, staff) -> ImportBatch:
    """Check an uploaded file and keep it for its preview. Raises ImportFileError."""
    if upload.size > MAX_FILE_BYTES:
        raise ImportFileError(_too_big())
    text = decode(upload.read())
    report = parse_csv(text)
    if not report.rows:
        raise ImportFileError("This file has a header line but no members in it.")
    return ImportBatch.objects.create(
        uploaded_by=staff,
        filename=upload.name[:255],
        content=text.removeprefix("\ufeff"),
        send_invitations=send_invitations,
        total=len(report.rows),
    )


# --- Running it --------------------------------------------------------------------------------

# A batch may run from its preview, and again after a dry run; a real import runs once (upload the
# file again to run it again: it then changes nothing).
RUNNABLE = Q(status=ImportBatch.Status.PREVIEW) | Q(status=ImportBatch.Status.DONE, dry_run=True)


def can_run(batch: ImportBatch) -> bool:
    return batch.status == ImportBatch.Status.PREVIEW or (
        batch.status == ImportBatch.Status.DONE and batch.dry_run
    )


def queue_import(batch: ImportBatch, *, dry_run: bool, staff) -> ImportBatch:
    """Hand the batch to the background worker. Claimed with a conditional update, so a double
    click queues it once."""
    from program.import_tasks import run_import_task

    with transaction.atomic():
        queued = ImportBatch.objects.filter(RUNNABLE, pk=batch.pk).update(
            status=ImportBatch.Status.QUEUED,
            dry_run=dry_run,
            processed=0,
            created=0,
            updated=0,
            unchanged=0,
            failed=0,
            problems=[],
            started_at=None,
            finished_at=None,
        )
        if not queued:
            batch.refresh_from_db()
            if batch.status == ImportBatch.Status.DONE:
                raise ImportStateError(
                    "This file has been imported. To import it again, upload it again."
                )
            raise ImportStateError("This file is already being imported.")
        if not dry_run:
            StaffAction.objects.create(
                kind=StaffAction.Kind.IMPORT,
                staff=staff,
                target=f"import {batch.pk}",
                reason=f"Imported {batch.filename}",
            )
        # The database task backend writes the task in this transaction: it exists exactly
        # when the batch is queued.
        run_import_task.enqueue(batch.pk)
    batch.refresh_from_db()
    return batch


def start_import(batch_id: int) -> ImportBatch | None:
    """Claim a queued batch for this worker, or one left running longer than TASK_LEASE by a
    worker that died (the task is run again: notifications.worker); None when another worker has
    it or it is done. Running a batch again is safe: it creates or updates by email."""
    now = timezone.now()
    stranded = Q(
        status=ImportBatch.Status.RUNNING,
        started_at__lt=now - timedelta(seconds=settings.TASK_LEASE),
    )
    claimed = (
        ImportBatch.objects.filter(pk=batch_id)
        .filter(Q(status=ImportBatch.Status.QUEUED) | stranded)
        .update(status=ImportBatch.Status.RUNNING, started_at=now)
    )
    return ImportBatch.objects.get(pk=batch_id) if claimed else None


def finish_import(batch: ImportBatch, *, error: Exception | None = None) -> None:
    batch.refresh_from_db()
    if error is not None:
        batch.problems.append(
            {"line": None, "email": "", "errors": [f"The import stopped: {error}"]}
        )
    batch.status = ImportBatch.Status.DONE
    batch.finished_at = timezone.now()
    batch.save(update_fields=["status", "finished_at", "problems"])


def run_import(batch: ImportBatch) -> ImportBatch:
    """Create or update a member for each valid row (or, on a dry run, only count what would
    change), saving the counts every PROGRESS_EVERY rows so the staff page shows progress."""
    rows = parse_csv(batch.content).rows
    counts = {"created": 0, "updated": 0, "unchanged": 0, "failed": 0}
    problems = []
    write = not batch.dry_run
    invite = write and batch.send_invitations
    ImportBatch.objects.filter(pk=batch.pk).update(total=len(rows), processed=0, **counts)
    for start in range(0, len(rows), PROGRESS_EVERY):
        chunk = rows[start : start + PROGRESS_EVERY]
        # One transaction per chunk (fast, and the progress commits with the rows it counts);
        # a savepoint per row, so a row the database refuses is undone alone.
        with transaction.atomic():
            valid = [row for row in chunk if row.is_valid]
            known = look_up(
                [row.key for row in valid],
                [row.values["external_id"] for row in valid if "external_id" in row.values],
            )
            for row in chunk:
                errors = row.errors
                if not errors:
                    try:
                        with transaction.atomic():
                            outcome, _, _ = apply_row(
                                row, known.by_email.get(row.key), known, write=write, invite=invite
                            )
                    except RowError as error:
                        errors = [str(error)]
                    except DatabaseError as error:
                        errors = [f"The database refused this row: {error}"]
                if errors:
                    counts["failed"] += 1
                    problems.append({"line": row.line, "email": row.email, "errors": errors})
                else:
                    counts[outcome] += 1
            ImportBatch.objects.filter(pk=batch.pk).update(
                processed=start + len(chunk), problems=problems, **counts
            )
    batch.refresh_from_db()
    return batch


@dataclass
class Known:
    """What the database holds about a chunk of rows, read in a few queries: the members with
    their emails (lower case) and with their member IDs, each with their profile and
    `is_program_staff`, and the addresses any account has (a new member cannot take another
    member's second address)."""

    by_email: dict[str, User]
    by_external_id: dict[str, User]
    taken: set[str]


def look_up(keys, external_ids=()) -> Known:
    by_email = {
        user.email.lower(): user
        for user in User.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=keys)
        .select_related("profile")
    }
    by_external_id = {}
    if external_ids:
        for user in User.objects.filter(profile__external_id__in=external_ids).select_related(
            "profile"
        ):
            # The same member found both ways is one object, so a change shows through both.
            user = by_email.setdefault(user.email.lower(), user)
            by_external_id[user.profile.external_id] = user
    taken = set(EmailAddress.objects.filter(email__in=keys).values_list("email", flat=True))
    members = {user.pk: user for user in [*by_email.values(), *by_external_id.values()]}
    in_staff_group = set(
        User.objects.filter(pk__in=list(members), groups__name=STAFF_GROUP).values_list(
            "pk", flat=True
        )
    )
    for user in members.values():
        user.is_program_staff = user.is_staff or user.is_superuser or user.pk in in_staff_group
    return Known(by_email, by_external_id, taken)


def apply_row(row, member, known, *, write, invite, active=True) -> tuple[str, User | None, list]:
    """Create `row`'s member (`member` None) or bring `member` up to date with it: ('created',
    'updated' or 'unchanged', the member (None for one a dry run would create), the fields that
    changed). Raises RowError, before writing anything. `active` False: a new member's account is
    made inactive (a lapsed member the member system sends)."""
    if member is not None and member.is_program_staff:
        # An import comes from outside: it must never be a way to change who runs the site.
        raise RowError(
            "This address belongs to a staff account, which an import never changes. "
            "Edit it in the admin if it needs to change."
        )
    external_id = row.values.get("external_id")
    if external_id:
        owner = known.by_external_id.get(external_id)
        if owner is not None and (member is None or owner.pk != member.pk):
            raise RowError(f"Member ID {external_id} belongs to another member.")
        current = getattr(getattr(member, "profile", None), "external_id", None)
        if current and current != external_id:
            raise RowError(
                f"This member has the member ID {current}, not {external_id}. A member ID "
                "never changes from outside; correct it in the admin if it must."
            )
    if member is None:
        if row.key in known.taken:
            raise RowError("This address belongs to another member's account.")
        user = _create_member(row, invite=invite, active=active) if write else None
        return "created", user, sorted(row.values)
    profile = getattr(member, "profile", None) or Profile(user=member)
    current = {name: getattr(profile, name) for name in row.values}
    if "country" in current:
        current["country"] = profile.country_code
    changed = [name for name, value in row.values.items() if current[name] != value]
    if not changed:
        return "unchanged", member, []
    if write:
        for name in changed:
            setattr(profile, name, row.values[name])
        if profile._state.adding:
            profile.save()
        else:
            profile.save(update_fields=[*changed, "updated_at"])
    return "updated", member, changed


def _create_member(row, *, invite, active=True):
    # What User.objects.create_user does, with the profile filled in as it is created: three
    # inserts instead of create_user's empty profile (a look-up, an insert) and then an update,
    # which doubled the time of a 10,000-row import (bench/import_members.py).
    user = User(email=User.objects.normalize_email(row.email), is_active=active)
    user.set_unusable_password()  # until the member chooses one
    user.save()
    Profile.objects.create(user=user, **row.values)
    EmailAddress.objects.create(user=user, email=row.key, verified=True, primary=True)
    if invite:
        send_invitation(user)
    return user


def set_password_url(user) -> Link:
    """allauth's password-reset link, which lets a member without a password choose one. The
    email holds it as a marker; the worker makes the link when it sends (notifications/links.py)."""
    return password_reset_link(user)


def send_invitation(user) -> None:
    link = set_password_url(user)
    subject, text, html = render(
        "invitation",
        {
            "first_name": user.profile.first_name,
            "email": user.email,
            "set_password_url": link,
            "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
            "reset_url": absolute_url(reverse("account_reset_password")),
        },
    )
    message = EmailMultiAlternatives(subject=subject, body=text, to=[user.email])
    message.attach_alternative(html, "text/html")
    attach_links(message, [link])
    message.send()
