"""A mentee's shortlist: up to ShortlistEntry.MAX_SHORTLIST mentors, ranked 1 (first choice) to n
without gaps. Program staff's matching rounds (cohorts) give a shortlisted mentor a bonus; the
shortlist itself sends nothing to anyone, so it writes no timeline row and no email.

Every change locks the mentee's enrollment row first: two adds at the same instant must not both
count four entries and together pass five, and a move must not interleave with a remove.
"""

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef

from mentoring.models import Enrollment, ProgramSettings, Role, ShortlistEntry
from mentoring.services.errors import NotOnShortlist, ShortlistError

DIRECTIONS = ("up", "down")


def shortlisted_mentor_ids(mentee_user) -> list[int]:
    """The mentors on the member's shortlist, first choice first, in one query."""
    return list(
        ShortlistEntry.objects.filter(mentee=mentee_user)
        .order_by("rank")
        .values_list("mentor_id", flat=True)
    )


def card_state(shortlist_ids: list[int], mentor_id: int) -> dict:
    """What a mentor's card on Find a Mentor shows of the searcher's shortlist (its ids, first
    choice first): {"rank": the mentor's rank or None, "count": entries, "max": its size}."""
    return {
        "rank": shortlist_ids.index(mentor_id) + 1 if mentor_id in shortlist_ids else None,
        "count": len(shortlist_ids),
        "max": ShortlistEntry.MAX_SHORTLIST,
    }


def shortlist_of(mentee_user) -> list[ShortlistEntry]:
    """The member's shortlist, first choice first, each entry with its mentor's profile and
    `taking_part` (whether the mentor participates today, the one rule), in one query."""
    taking_part = Enrollment.objects.participating().filter(
        user_id=OuterRef("mentor_id"), role=Role.MENTOR
    )
    return list(
        ShortlistEntry.objects.filter(mentee=mentee_user)
        .select_related("mentor__profile")
        .annotate(taking_part=Exists(taking_part))
        .order_by("rank")
    )


def _lock_mentee_enrollment(mentee_user) -> Enrollment | None:
    # A row lock: two changes to one shortlist must see each other's entries.
    return Enrollment.objects.select_for_update().filter(user=mentee_user, role=Role.MENTEE).first()


@transaction.atomic
def add_to_shortlist(mentee_user, mentor_user) -> ShortlistEntry:
    """Put a mentor last on the member's shortlist. Already on it: unchanged, no error."""
    program = ProgramSettings.current()
    mentor, mentors = program.mentor_label.lower(), program.mentor_label_plural.lower()
    enrollment = _lock_mentee_enrollment(mentee_user)
    if enrollment is None or enrollment.is_withdrawn:
        raise ShortlistError(f"Enroll as a {program.mentee_label} before you shortlist {mentors}.")
    if mentor_user.pk == mentee_user.pk:
        raise ShortlistError("You cannot put yourself on your shortlist.")
    existing = ShortlistEntry.objects.filter(mentee=mentee_user, mentor=mentor_user).first()
    if existing is not None:
        return existing
    if not (Enrollment.objects.participating().filter(user=mentor_user, role=Role.MENTOR).exists()):
        raise ShortlistError(f"This member is not taking part as a {mentor} at the moment.")
    count = ShortlistEntry.objects.filter(mentee=mentee_user).count()
    if count >= ShortlistEntry.MAX_SHORTLIST:
        raise ShortlistError(
            f"Your shortlist is full: it holds {ShortlistEntry.MAX_SHORTLIST} {mentors}. "
            "Remove one first."
        )
    try:
        with transaction.atomic():
            return ShortlistEntry.objects.create(
                mentee=mentee_user, mentor=mentor_user, rank=count + 1
            )
    except IntegrityError:
        # Only without the lock's protection (a row the lock cannot see); kept as a plain refusal.
        raise ShortlistError(f"This {mentor} is already on your shortlist.") from None


def _locked_entry(mentee_user, mentor_id) -> ShortlistEntry:
    _lock_mentee_enrollment(mentee_user)
    entry = ShortlistEntry.objects.filter(mentee=mentee_user, mentor_id=mentor_id).first()
    if entry is None:
        raise NotOnShortlist("That member is not on your shortlist.")
    return entry


@transaction.atomic
def remove_from_shortlist(mentee_user, mentor_id: int) -> None:
    """Take a mentor off the shortlist; those ranked after move up one, so ranks stay 1..n."""
    entry = _locked_entry(mentee_user, mentor_id)
    entry.delete()
    ShortlistEntry.objects.filter(mentee=mentee_user, rank__gt=entry.rank).update(
        rank=F("rank") - 1
    )


@transaction.atomic
def move_on_shortlist(mentee_user, mentor_id: int, direction: str) -> ShortlistEntry:
    """Swap a mentor with the one above ("up") or below ("down"). At either end: unchanged."""
    entry = _locked_entry(mentee_user, mentor_id)
    if direction not in DIRECTIONS:
        label = ProgramSettings.current().mentor_label.lower()
        raise ShortlistError(f"Move a {label} up or down.")
    neighbour_rank = entry.rank - 1 if direction == "up" else entry.rank + 1
    neighbour = ShortlistEntry.objects.filter(mentee=mentee_user, rank=neighbour_rank).first()
    if neighbour is None:
        return entry
    neighbour.rank, entry.rank = entry.rank, neighbour_rank
    # Ranks are not unique per mentee in the database, so the two rows swap in either order.
    neighbour.save(update_fields=["rank"])
    entry.save(update_fields=["rank"])
    return entry
