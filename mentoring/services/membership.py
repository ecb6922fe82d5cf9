"""Membership: a member whose membership of the association lapses leaves the program, and comes
back when it is renewed. What leaving means is mentoring's rule: nobody is left waiting on them or
mentored by someone who is gone. The member sync (program/sync.py) calls these for the association's
member system; each step goes through the service that does it for a member or staff, so each
leaves its timeline row and sends its emails after the commit."""

from dataclasses import dataclass

from django.db import transaction

from members.models import User
from mentoring.models import Enrollment, Relationship
from mentoring.services.enrollment import withdraw
from mentoring.services.relationships import end_relationship


@dataclass
class Departure:
    """What deactivating a member did; all zero and False when there was nothing left to do."""

    deactivated: bool  # the account was active and now is not
    enrollments_withdrawn: int
    relationships_ended: int


def lapsed_reason(user) -> str:
    return f"{user.profile.full_name}'s membership of the association has lapsed."


@transaction.atomic
def deactivate_member(user, *, staff) -> Departure:
    """The member leaves the program: each enrollment is withdrawn (which withdraws the requests
    they sent and declines those sent to them, and hides them from searches), each active
    relationship is ended as when staff end one (both members are emailed), and the account is
    made inactive (no sign-in; their API tokens stop working). Running it again finds nothing
    left to do and sends nothing."""
    # A row lock on the account: two deactivations at once end each relationship once.
    user = User.objects.select_for_update().get(pk=user.pk)
    withdrawn = 0
    for enrollment in Enrollment.objects.enrolled().filter(user=user).order_by("pk"):
        withdraw(enrollment, by=staff)
        withdrawn += 1
    ended = 0
    active = Relationship.objects.active().of(user).order_by("pk")
    for relationship_id in active.values_list("pk", flat=True):
        end_relationship(relationship_id, staff, reason=lapsed_reason(user))
        ended += 1
    deactivated = user.is_active
    if deactivated:
        user.is_active = False
        user.save(update_fields=["is_active"])
    return Departure(deactivated, withdrawn, ended)


@transaction.atomic
def reactivate_member(user) -> bool:
    """The membership is renewed: the member may sign in again (True if they could not). Their
    enrollments stay withdrawn: they enroll again themselves when they want to."""
    return bool(User.objects.filter(pk=user.pk, is_active=False).update(is_active=True))
