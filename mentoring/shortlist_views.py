"""A mentee's shortlist: My shortlist, and the add / move / remove actions of Find a Mentor's
cards and of that page. Thin: each calls mentoring.services.shortlist and turns its errors into a
message (or a 404 for a mentor not on the member's own shortlist)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from members.models import User
from mentoring.models import Enrollment, ProgramSettings, Role, ShortlistEntry
from mentoring.services import shortlist as service
from mentoring.services.errors import NotOnShortlist, ShortlistError
from mentoring.templatetags.mentoring_tags import shortlist_button


@login_required
def overview(request):
    """My shortlist: the mentors the member would most like, first choice first."""
    program = ProgramSettings.current()
    context = {
        "entries": service.shortlist_of(request.user),
        "most": ShortlistEntry.MAX_SHORTLIST,
        "is_mentee": Enrollment.objects.enrolled()
        .filter(user=request.user, role=Role.MENTEE)
        .exists(),
        "mentor_label": program.mentor_label,
        "mentor_plural": program.mentor_label_plural,
        "mentee_label": program.mentee_label,
        "mentee_plural": program.mentee_label_plural,
    }
    return render(request, "mentoring/shortlist.html", context)


def _htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _back(request):
    """Where the form came from (Find a Mentor with its search, or My shortlist)."""
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(next_url)
    return redirect("mentoring:shortlist")


def _card(request, mentor_id, name, error=""):
    """The card's shortlist button in its new state, for htmx to swap in."""
    state = service.card_state(service.shortlisted_mentor_ids(request.user), mentor_id)
    return HttpResponse(
        shortlist_button(
            state,
            mentor_id,
            name,
            csrf_token=get_token(request),
            next_url=request.POST.get("next", ""),
            error=error,
        )
    )


@login_required
@require_POST
def add(request, mentor_id):
    mentor = User.objects.filter(pk=mentor_id).select_related("profile").first()
    if mentor is None:
        raise Http404("No such member")
    name = mentor.profile.full_name
    try:
        entry = service.add_to_shortlist(request.user, mentor)
    except ShortlistError as error:
        if _htmx(request):
            return _card(request, mentor.pk, name, str(error))
        messages.error(request, str(error))
        return _back(request)
    if _htmx(request):
        return _card(request, mentor.pk, name)
    messages.success(
        request, f"{name} is on your shortlist ({entry.rank} of {ShortlistEntry.MAX_SHORTLIST})."
    )
    return _back(request)


@login_required
@require_POST
def remove(request, mentor_id):
    try:
        service.remove_from_shortlist(request.user, mentor_id)
    except NotOnShortlist:
        raise Http404("Not on your shortlist") from None
    mentor = User.objects.select_related("profile").get(pk=mentor_id)
    if _htmx(request):
        return _card(request, mentor.pk, mentor.profile.full_name)
    messages.success(request, f"{mentor.profile.full_name} is off your shortlist.")
    return _back(request)


@login_required
@require_POST
def move(request, mentor_id):
    try:
        service.move_on_shortlist(request.user, mentor_id, request.POST.get("direction", ""))
    except NotOnShortlist:
        raise Http404("Not on your shortlist") from None
    except ShortlistError as error:
        messages.error(request, str(error))
    return redirect(reverse("mentoring:shortlist"))
