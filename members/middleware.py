from django.conf import settings
from django.http import FileResponse
from django.shortcuts import render
from django.utils import timezone

from members.models import Profile
from notifications.emails import time_zone_of

SESSION_KEY = "members_active_on"


def time_zone(get_response):
    """Dates and times in the signed-in member's own time zone (Profile.time_zone; the site's
    TIME_ZONE when they chose none, and for visitors). Emails follow the same rule per recipient
    (notifications.emails.time_zone_of)."""

    def middleware(request):
        zone = time_zone_of(getattr(request, "user", None))
        # override(), not activate(): the zone ends with the request, and a thread that serves
        # another member (or runs a test) next starts from the site's.
        with timezone.override(zone):
            response = get_response(request)
        if response.streaming and not isinstance(response, FileResponse):
            # A streamed CSV is written after this returns: it keeps the member's zone too.
            response.streaming_content = _in_zone(zone, response.streaming_content)
        return response

    return middleware


def _in_zone(zone, chunks):
    with timezone.override(zone):
        yield from chunks


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


def upload_limit(get_response):
    """Refuse a request whose declared body is larger than MAX_UPLOAD_BYTES before any of it is
    read: the size comes from the Content-Length header, so a 2 GB upload costs nothing. It runs
    before the CSRF check, which would otherwise read the whole body to find its token."""

    def middleware(request):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > settings.MAX_UPLOAD_BYTES:
            return render(
                request,
                "413.html",
                {"limit": settings.MAX_UPLOAD_BYTES},
                status=413,
            )
        return get_response(request)

    return middleware
