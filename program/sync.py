"""Member sync from the association's member system (AMS), for the API (integrations/api_sync.py):
create or update members by their member ID (Profile.external_id), and deactivate or reactivate
them as their membership lapses or is renewed.

The rules:
- Each member is checked as a row of the CSV import is (importing.check_member); the member ID is
  required here. A bad member is reported with its position and messages and skipped: it never
  stops the others, and nothing of it is written.
- A member is found by member ID; else by email (ignoring case), if that member has no member ID
  yet, and the ID is then attached. An email of a member with another member ID is refused.
- The email is the member's sign-in address: a different email for a known member ID is refused
  (the member changes it on their Email page, or staff in the admin), never changed from outside.
- New members are created as the import creates them (no password, a verified address; an
  invitation to choose a password only if asked). Fields left empty never clear what is there;
  a member sent again unchanged writes nothing.
- status "lapsed": the member is deactivated (mentoring/services/membership.py); "active": a
  member this sync deactivated may sign in again. No status: the account is left as it is. Staff
  accounts are never changed, and an account deactivated by staff (in the admin) is not
  reactivated from outside.
- Each member is written in its own transaction: a call cut short leaves the members before it
  done, and sending the call again finishes it.
"""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from members.models import User
from mentoring.services import membership
from program import importing
from program.models import StaffAction

MAX_MEMBERS = 1000
ACTIVE, LAPSED = "active", "lapsed"
# The fields of a member, by the API's names; the import calls the member ID "member_id".
FIELDS = ("external_id", "email", *importing.PROFILE_FIELDS)


class SyncError(Exception):
    """This member cannot be synced; str(error) says why."""


@dataclass
class Result:
    index: int
    external_id: str
    outcome: str  # created, updated, unchanged, deactivated, reactivated or invalid
    member: User | None = None
    changed: list[str] = field(default_factory=list)
    # [(field, message)]: the field by the API's name, "" for the member as a whole
    errors: list[tuple[str, str]] = field(default_factory=list)


def _api_name(name: str) -> str:
    return "external_id" if name == "member_id" else name


def check(items: list[dict]) -> list[importing.Row]:
    """Each member (a dict of text by FIELDS), checked as an import's rows are."""
    first_line: dict = {}
    rows = []
    for index, item in enumerate(items):
        cells = {
            ("member_id" if name == "external_id" else name): item.get(name) or ""
            for name in FIELDS
        }
        row = importing.check_member(index, cells, first_line, called="item")
        if not cells["member_id"].strip():
            row.fail("member_id", "Member ID is missing.")
        rows.append(row)
    return rows


def sync_members(items: list[dict], *, staff, invite: bool = False) -> list[Result]:
    """Create, update, deactivate or reactivate each member of `items` (dicts with FIELDS and
    "status"), as `staff` (the staff member whose token calls). Each member's Result, in order."""
    rows = check(items)
    valid = [row for row in rows if row.is_valid]
    known = importing.look_up(
        [row.key for row in valid], [row.values["external_id"] for row in valid]
    )
    results = []
    for row, item in zip(rows, items, strict=True):
        external_id = row.values.get("external_id") or str(item.get("external_id") or "")
        result = Result(row.line, external_id, "invalid")
        if not row.is_valid:
            result.errors = [
                (_api_name(name), message)
                for name, message in zip(row.error_fields, row.errors, strict=True)
            ]
        else:
            try:
                result = _sync_with_retry(row, item.get("status"), known, staff, invite)
            except (importing.RowError, SyncError) as error:
                result.errors = [("", str(error))]
        results.append(result)
    return results


def _sync_with_retry(row, status, known, staff, invite) -> Result:
    try:
        return _sync_one(row, status, known, staff, invite)
    except (IntegrityError, importing.RowError, SyncError):
        # Another call may have created this member (or taken the address or ID) at the same
        # instant, even between the look-ups of this one: read the member again, with what is
        # committed now, and try once more (a refusal the second time is the answer).
        fresh = importing.look_up([row.key], [row.values["external_id"]])
        try:
            return _sync_one(row, status, fresh, staff, invite)
        except IntegrityError:
            raise SyncError(
                "Another call changed this member at the same time; send it again."
            ) from None


def _sync_one(row, status, known, staff, invite) -> Result:
    external_id = row.values["external_id"]
    member = known.by_external_id.get(external_id)
    if member is not None and member.email.lower() != row.key:
        raise SyncError(
            f"The member with member ID {external_id} signs in with another email address. "
            "Mentor Match never changes a sign-in address from outside: the member changes it "
            "on their Email page, or staff in the admin; then send this member again."
        )
    if member is None:
        member = known.by_email.get(row.key)
    was_active = member.is_active if member is not None else None
    if member is not None and status == ACTIVE and not was_active:
        _check_may_reactivate(member)
    # First without writing: a member sent again unchanged costs no transaction at all.
    outcome, user, changed = importing.apply_row(row, member, known, write=False, invite=False)
    lapses = status == LAPSED and was_active
    renews = status == ACTIVE and was_active is False
    if outcome == "unchanged" and not (lapses or renews):
        return Result(row.line, external_id, outcome, user, changed)
    with transaction.atomic():
        outcome, user, changed = importing.apply_row(
            row,
            member,
            known,
            write=True,
            invite=invite and status != LAPSED,
            active=status != LAPSED,
        )
        if outcome == "created":
            known.by_email[row.key] = known.by_external_id[external_id] = user
            user.is_program_staff = False
            if status == LAPSED:
                _log(staff, StaffAction.Kind.DEACTIVATE, user, "created as lapsed")
        elif lapses:
            if deactivate(user, staff=staff).deactivated:
                outcome = "deactivated"
            user.is_active = False
        elif renews:
            if reactivate(user, staff=staff):
                outcome = "reactivated"
            user.is_active = True
    return Result(row.line, external_id, outcome, user, changed)


def _log(staff, kind, member, reason):
    StaffAction.objects.create(
        staff=staff,
        kind=kind,
        member=member,
        target=f"member {member.profile.external_id or member.pk}",
        reason=f"By the member system: {reason}.",
    )


def _check_may_reactivate(member) -> None:
    """Only an account this sync deactivated comes back from outside: one staff deactivated in
    the admin stays as staff left it."""
    last = (
        StaffAction.objects.filter(
            member=member, kind__in=[StaffAction.Kind.DEACTIVATE, StaffAction.Kind.REACTIVATE]
        )
        .order_by("-created_at", "-pk")
        .values_list("kind", flat=True)
        .first()
    )
    if last != StaffAction.Kind.DEACTIVATE:
        raise SyncError(
            "This account was deactivated by staff in Mentor Match, not by the member system; "
            "staff reactivate it in the admin if it should come back."
        )


def find_member(external_id: str):
    """The member with this member ID, or None."""
    return User.objects.select_related("profile").filter(profile__external_id=external_id).first()


def _refuse_staff(member) -> None:
    if (
        member.is_staff
        or member.is_superuser
        or member.groups.filter(name=importing.STAFF_GROUP).exists()
    ):
        raise SyncError(
            "This is a staff account, which the member system never changes. "
            "Edit it in the admin if it needs to change."
        )


@transaction.atomic
def deactivate(member, *, staff) -> membership.Departure:
    """The member's membership has lapsed: they leave the program (membership.deactivate_member),
    recorded in the staff audit log once, when the account is made inactive. Raises SyncError for
    a staff account."""
    _refuse_staff(member)
    departure = membership.deactivate_member(member, staff=staff)
    if departure.deactivated:
        what = (
            f"membership lapsed; {departure.enrollments_withdrawn} enrollment(s) withdrawn, "
            f"{departure.relationships_ended} relationship(s) ended"
        )
        _log(staff, StaffAction.Kind.DEACTIVATE, member, what)
    return departure


@transaction.atomic
def reactivate(member, *, staff) -> bool:
    _refuse_staff(member)
    if membership.reactivate_member(member):
        _log(staff, StaffAction.Kind.REACTIVATE, member, "membership renewed")
        return True
    return False
