from django.utils import timezone

from members.models import Profile

SESSION_KEY = "members_active_on"


def last_active(get_response):
    """Note when a signed-in member uses the site, at most once a day per session, so that profiles
    and search results can say who is around."""

    def middleware(request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            today = timezone.localdate().isoformat()
            if request.session.get(SESSION_KEY) != today:
                # update(): no save signals, and updated_at (the search index's clock) is untouched.
                Profile.objects.filter(user=user).update(last_active_at=timezone.now())
                request.session[SESSION_KEY] = today
        return get_response(request)

    return middleware
