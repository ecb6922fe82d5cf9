"""Member import: a CSV exported from the association's member system, checked row by row, then
run by the background worker to create or update members by email.

The rules, in order:
- The file: UTF-8 (a byte-order mark is fine), comma- or semicolon-separated, at most 5 MB, with
  email, first name and last name columns. Anything else is refused whole, with a message.
- Each row: a valid email address that no earlier row has, a first and a last name, values that
  fit the profile, a known country. A bad row is reported with its line number and skipped; it
  never stops the others.
- A member is found by email, ignoring case. A new one gets an account without a password, a
  verified address (the association vouches for it) and the profile fields of the row; an existing
  one gets only the fields the row fills in that differ, so importing a file twice writes nothing
  the second time. An empty cell never clears what a member wrote themselves.
- A dry run goes through the same checks and counts and writes nothing but its own progress.
"""

import csv
import functools
import io
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
from members.models import Profile, User
from members.text import clean_name
from notifications.emails import absolute_url, render
from notifications.links import Link
from notifications.links import attach as attach_links
from program.access import STAFF_GROUP
from program.models import ImportBatch, StaffAction

MAX_FILE_BYTES = 5 * 1024 * 1024
# The worker saves its progress (and commits) after this many rows.
PROGRESS_EVERY = 200
MEMBER_ID_MAX_LENGTH = 64

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
    line: int
    cells: dict[str, str]  # what the file says, by field, for the report
    values: dict[str, str] = field(default_factory=dict)  # profile fields to set, cleaned
    errors: list[str] = field(default_factory=list)

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
        first_email_line: dict[str, int] = {}
        line = reader.line_num + 1
        for cells in reader:
            if any(cell.strip() for cell in cells):
                rows.append(_check_row(line, cells, columns, first_email_line))
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


def _check_row(line, cells, columns, first_email_line) -> Row:
    # Runs of spaces and line breaks inside a cell become one space, as a profile shows them.
    cleaned = {c: " ".join(cells[i].split()) for i, c in enumerate(columns) if c and i < len(cells)}
    row = Row(line, cleaned)
    if any(cell.strip() for cell in cells[len(columns) :]):
        row.errors.append(f"Has {len(cells)} cells but the first line names {len(columns)}.")
    _check_email(row, first_email_line)
    for name in ("first_name", "last_name"):
        if not row.cells.get(name):
            row.errors.append(f"{LABELS[name]} is missing.")
            continue
        try:
            row.cells[name] = clean_name(row.cells[name])
        except ValueError:
            row.errors.append(f"{LABELS[name]} has no visible letters.")
    for name, value in row.cells.items():
        if name == "email":
            continue
        if name == "country" and value:
            code = country_code(value)
            if not code:
                row.errors.append(f"Unknown country “{value}”: use a two-letter ISO code.")
            value = code
        elif len(value) > MAX_LENGTHS[name]:
            row.errors.append(f"{LABELS[name]} is longer than {MAX_LENGTHS[name]} characters.")
        if name in PROFILE_FIELDS and value:
            row.values[name] = value
    return row


def _check_email(row, first_email_line):
    if not row.email:
        row.errors.append("Email is missing.")
        return
    try:
        validate_email(row.email)
    except ValidationError:
        row.errors.append(f"“{row.email}” is not a valid email address.")
        return
    if len(row.email) > MAX_LENGTHS["email"]:
        row.errors.append(f"Email is longer than {MAX_LENGTHS['email']} characters.")
    elif row.key in first_email_line:
        row.errors.append(f"Same email as line {first_email_line[row.key]}.")
    else:
        first_email_line[row.key] = row.line


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
            members, taken = _look_up([row.key for row in chunk if row.is_valid])
            for row in chunk:
                errors = row.errors
                if not errors:
                    try:
                        with transaction.atomic():
                            outcome = _import_row(row, members, taken, write=write, invite=invite)
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


def _look_up(keys):
    """The existing members with these (lower-case) emails, and the addresses any account has
    (a new member cannot take another member's second address)."""
    members = {
        user.email.lower(): user
        for user in User.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=keys)
        .select_related("profile")
    }
    taken = set(EmailAddress.objects.filter(email__in=keys).values_list("email", flat=True))
    in_staff_group = set(
        User.objects.filter(
            pk__in=[user.pk for user in members.values()], groups__name=STAFF_GROUP
        ).values_list("pk", flat=True)
    )
    for user in members.values():
        user.is_program_staff = user.is_staff or user.is_superuser or user.pk in in_staff_group
    return members, taken


def _import_row(row, members, taken, *, write, invite) -> str:
    """'created', 'updated' or 'unchanged'; raises RowError."""
    member = members.get(row.key)
    if member is not None and member.is_program_staff:
        # An import comes from outside: it must never be a way to change who runs the site.
        raise RowError(
            "This address belongs to a staff account, which an import never changes. "
            "Edit it in the admin if it needs to change."
        )
    if member is None:
        if row.key in taken:
            raise RowError("This address belongs to another member's account.")
        if write:
            _create_member(row, invite=invite)
        return "created"
    profile = getattr(member, "profile", None) or Profile(user=member)
    current = {name: getattr(profile, name) for name in row.values}
    if "country" in current:
        current["country"] = profile.country_code
    changed = [name for name, value in row.values.items() if current[name] != value]
    if not changed:
        return "unchanged"
    if write:
        for name in changed:
            setattr(profile, name, row.values[name])
        if profile._state.adding:
            profile.save()
        else:
            profile.save(update_fields=[*changed, "updated_at"])
    return "updated"


def _create_member(row, *, invite):
    # What User.objects.create_user does, with the profile filled in as it is created: three
    # inserts instead of create_user's empty profile (a look-up, an insert) and then an update,
    # which doubled the time of a 10,000-row import (bench/import_members.py).
    user = User(email=User.objects.normalize_email(row.email))
    user.set_unusable_password()  # until the member chooses one
    user.save()
    Profile.objects.create(user=user, **row.values)
    EmailAddress.objects.create(user=user, email=row.key, verified=True, primary=True)
    if invite:
        send_invitation(user)


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
