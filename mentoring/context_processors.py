from django.utils.functional import SimpleLazyObject

from mentoring.auth import users_with_awaiting_count
from mentoring.models import ProgramSettings


def program(request):
    """`program` in every template: the role names staff chose, read once per request.
    `awaiting_answer`: how many requests wait for the signed-in member's answer (for the nav)."""

    def awaiting():
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return 0
        if not hasattr(user, "awaiting_answer"):  # a user not loaded by mentoring.auth's backends
            user = users_with_awaiting_count().get(pk=user.pk)
        return user.awaiting_answer or 0

    return {
        "program": SimpleLazyObject(ProgramSettings.current),
        "awaiting_answer": SimpleLazyObject(awaiting),
    }
