from django.utils.functional import SimpleLazyObject

from mentoring.models import MentoringRequest, ProgramSettings, RequestStatus


def program(request):
    """`program` in every template: the role names staff chose, read once per request.
    `awaiting_answer`: how many requests wait for the signed-in member's answer (for the nav)."""

    def awaiting():
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return 0
        if hasattr(user, "awaiting_answer"):  # read with the user (mentoring.auth)
            return user.awaiting_answer or 0
        return MentoringRequest.objects.filter(recipient=user, status=RequestStatus.PENDING).count()

    return {
        "program": SimpleLazyObject(ProgramSettings.current),
        "awaiting_answer": SimpleLazyObject(awaiting),
    }
