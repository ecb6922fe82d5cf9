"""The authentication backends, whose signed-in member comes with the number of requests awaiting
their answer: the navigation shows it on every page, and reading it with the user saves a query per
page (docs/benchmarks.md)."""

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth import backends
from django.db.models import Count, IntegerField, OuterRef, Subquery

from members.models import User
from mentoring.models import MentoringRequest, RequestStatus


def users_with_awaiting_count():
    waiting = (
        MentoringRequest.objects.filter(recipient=OuterRef("pk"), status=RequestStatus.PENDING)
        .order_by()
        .values("recipient")
        .annotate(n=Count("pk"))
        .values("n")
    )
    # With the profile too: every page reads it (the member's time zone, the navigation).
    return User.objects.select_related("profile").annotate(
        awaiting_answer=Subquery(waiting, output_field=IntegerField())
    )


class _WithAwaitingCount:
    def get_user(self, user_id):
        user = users_with_awaiting_count().filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(_WithAwaitingCount, backends.ModelBackend):
    """Django's backend (the admin's sign-in)."""


class AllauthBackend(_WithAwaitingCount, AuthenticationBackend):
    """allauth's backend (members' sign-in by email)."""
