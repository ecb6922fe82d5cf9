"""Pages for requests and relationships. Thin: each calls mentoring.services and turns its
errors into a message (or a 404 for what is not the member's)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from members.models import Profile
from mentoring import calendar
from mentoring.forms import (
    CheckInForm,
    CompleteForm,
    DeclineForm,
    ExtendForm,
    PlanForm,
    RequestForm,
)
from mentoring.models import (
    CalendarFeed,
    Enrollment,
    MentoringRequest,
    ProgramSettings,
    Relationship,
    RelationshipStatus,
    RequestStatus,
    Role,
    ShortlistEntry,
    new_feed_token,
)
from mentoring.services import errors, relationships, requests


@login_required
def send(request, role, member_id):
    """The Mentor/Mentee badge: confirm, add a message, send."""
    if role not in Role.values:
        raise Http404("Unknown role")
    recipient = get_object_or_404(
        Profile.objects.listed().select_related("user"), user_id=member_id
    )
    program = ProgramSettings.current()
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            requests.send_request(
                request.user,
                recipient.user,
                recipient_role=role,
                message=form.cleaned_data["message"],
                goals=form.cleaned_data["goals"],
            )
        except errors.RequestError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"Your request has been sent to {recipient.full_name}. You will hear by email when they answer.",
            )
            return redirect("mentoring:relationships")
    return render(
        request,
        "mentoring/request_form.html",
        {"form": form, "recipient": recipient, "role": role, "label": program.role_label(role)},
    )


@login_required
def overview(request):
    """My Mentoring Relationships."""
    me = request.user
    mine = MentoringRequest.objects.filter(Q(recipient=me) | Q(requester=me))
    pending = list(
        mine.filter(status=RequestStatus.PENDING).with_mentor_open_places().order_by("created_at")
    )
    relationships = list(
        Relationship.objects.of(me)
        .filter(status__in=[RelationshipStatus.ACTIVE, RelationshipStatus.COMPLETED])
        .order_by("pk")
    )
    past_requests = list(
        mine.exclude(status__in=[RequestStatus.PENDING, RequestStatus.ACCEPTED]).order_by(
            "-answered_at"
        )[:50]
    )
    to_reconsider = requests.requests_to_reconsider(me)
    # Everyone on the page with their profile, in one query.
    Profile.objects.attach_to(
        [*pending, *past_requests, *to_reconsider, *relationships],
        "requester",
        "recipient",
        "mentor",
        "mentee",
    )
    active = [rel for rel in relationships if rel.status == RelationshipStatus.ACTIVE]
    context = {
        "awaiting": [item for item in pending if item.recipient_id == me.pk],
        "to_reconsider": to_reconsider,
        "sent": [item for item in pending if item.requester_id == me.pk],
        "as_mentor": [rel for rel in active if rel.mentor_id == me.pk],
        "as_mentee": [rel for rel in active if rel.mentee_id == me.pk],
        "past_relationships": sorted(
            (rel for rel in relationships if rel.status == RelationshipStatus.COMPLETED),
            key=lambda rel: rel.completed_at or rel.started_at,
            reverse=True,
        ),
        "past_requests": past_requests,
        "shortlisted": ShortlistEntry.objects.filter(mentee=me).count(),
        # The shortlist is a mentee's: a member enrolled only as a mentor is not offered one.
        "enrolled_as_mentee": Enrollment.objects.enrolled()
        .filter(user=me, role=Role.MENTEE)
        .exists(),
        "shortlist_most": ShortlistEntry.MAX_SHORTLIST,
    }
    feed, _ = CalendarFeed.objects.get_or_create(user=me)
    context["feed_url"] = request.build_absolute_uri(reverse("mentoring:feed", args=[feed.token]))
    return render(request, "mentoring/relationships.html", context)


def _act(request, action, *args, **kwargs):
    try:
        return action(*args, **kwargs)
    except errors.NotYours:
        raise Http404("No such request") from None
    except errors.RequestError as error:
        messages.error(request, str(error))
        return None


@login_required
@require_POST
def reconsider(request):
    """After one of their requests was accepted: keep the member's other pending requests, or
    withdraw them all (each recipient is told)."""
    me = request.user
    ids = [pending.pk for pending in requests.requests_to_reconsider(me)]
    if request.POST.get("action") == "withdraw":
        count = requests.withdraw_requests(me, ids)
        messages.success(request, f"Withdrew {count} request{'s' if count != 1 else ''}.")
    elif request.POST.get("action") == "keep":
        requests.keep_requests(me, ids)
        messages.success(request, "Your other requests stay open; we will not ask again.")
    else:
        messages.error(request, "Choose to keep or withdraw your other requests.")
    return redirect("mentoring:relationships")


@login_required
def accept(request, pk):
    pending = get_object_or_404(
        MentoringRequest.objects.with_mentor_open_places().select_related("requester__profile"),
        pk=pk,
        recipient=request.user,
    )
    if request.method == "POST":
        if _act(request, requests.accept_request, pk, request.user):
            messages.success(
                request,
                f"You are now mentoring partners with {pending.requester.profile.full_name}.",
            )
        return redirect("mentoring:relationships")
    return render(request, "mentoring/answer_accept.html", {"pending": pending})


@login_required
def decline(request, pk):
    pending = get_object_or_404(
        MentoringRequest.objects.select_related("requester__profile"), pk=pk, recipient=request.user
    )
    form = DeclineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _act(request, requests.decline_request, pk, request.user, **form.cleaned_data):
            messages.success(request, "The request has been declined. Thank you for answering.")
        return redirect("mentoring:relationships")
    return render(request, "mentoring/answer_decline.html", {"pending": pending, "form": form})


@login_required
def withdraw(request, pk):
    """GET (the link in a nudge email) asks to confirm; POST withdraws."""
    pending = get_object_or_404(
        MentoringRequest.objects.select_related("recipient__profile"), pk=pk, requester=request.user
    )
    if request.method == "POST":
        if _act(request, requests.withdraw_request, pk, request.user):
            messages.success(request, "Your request has been withdrawn.")
        return redirect("mentoring:relationships")
    return render(request, "mentoring/withdraw_request.html", {"pending": pending})


def _my_relationship(request, pk):
    return get_object_or_404(
        Relationship.objects.of(request.user).select_related(
            "mentor__profile", "mentee__profile", "request"
        ),
        pk=pk,
    )


@login_required
def detail(request, pk, plan_form=None, check_in_form=None, extend_form=None):
    """One relationship: the partner, how to reach them, the agreed plan, check-ins and the
    timeline. The plan, check-in and extend forms post to their own URLs and come back here."""
    relationship = _my_relationship(request, pk)
    me = request.user
    partner = relationship.partner_of(me)
    check_ins = relationship.check_ins.seen_by(me).select_related("author__profile")
    now = timezone.now()
    upcoming = [when for when in relationship.planned_meetings() if when >= now][:3]
    return render(
        request,
        "mentoring/relationship_detail.html",
        {
            "relationship": relationship,
            "partner": partner.profile,
            "i_am_mentor": relationship.mentor_id == me.pk,
            "timeline": relationship.timeline_entries(seen_by=me),
            "check_ins": check_ins,
            "upcoming": upcoming,
            "planned_end": relationship.planned_end,
            "end_reached": relationship.planned_end <= now,
            "plan_form": plan_form
            or PlanForm(
                initial={field: getattr(relationship, field) for field in relationships.PLAN_FIELDS}
            ),
            "check_in_form": check_in_form or CheckInForm(initial={"met_on": timezone.localdate()}),
            "extend_form": extend_form or ExtendForm(),
        },
        status=400 if (plan_form or check_in_form or extend_form) else 200,
    )


def _relationship_form(request, pk, form_class, action, success, form_name):
    """POST a form about one relationship: call the rule, come back to the page with a message,
    or show the page again with the form's errors (nothing changed)."""
    _my_relationship(request, pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            action(pk, request.user, **form.cleaned_data)
        except errors.NotYours:
            raise Http404("No such relationship") from None
        except errors.RequestError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, success)
            return redirect("mentoring:relationship", pk)
    return detail(request, pk, **{form_name: form})


@login_required
@require_POST
def plan(request, pk):
    return _relationship_form(
        request, pk, PlanForm, relationships.update_plan, "The plan is saved.", "plan_form"
    )


@login_required
@require_POST
def check_in(request, pk):
    return _relationship_form(
        request,
        pk,
        CheckInForm,
        relationships.log_check_in,
        "Check-in logged. Thank you for keeping the rhythm.",
        "check_in_form",
    )


@login_required
@require_POST
def extend(request, pk):
    return _relationship_form(
        request,
        pk,
        ExtendForm,
        relationships.extend_relationship,
        "The relationship is extended.",
        "extend_form",
    )


def _ics(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def relationship_ics(request, pk):
    relationship = _my_relationship(request, pk)
    return _ics(
        calendar.relationship_calendar(relationship, request.user),
        f"mentoring-{relationship.pk}.ics",
    )


def feed_ics(request, token):
    """A member's personal feed: no sign-in (calendar apps cannot), the secret token is the key.
    A deactivated account's feed stops with the account, as its sign-in does."""
    feed = get_object_or_404(
        CalendarFeed.objects.select_related("user"), token=token, user__is_active=True
    )
    member = feed.user
    active = (
        Relationship.objects.active()
        .of(member)
        .select_related("mentor__profile", "mentee__profile")
    )
    return _ics(calendar.member_feed(active, member), "mentor-match.ics")


@login_required
@require_POST
def new_feed_link(request):
    """Revoke the feed link: a new secret, and the old URL stops working at once."""
    CalendarFeed.objects.update_or_create(
        user=request.user, defaults={"token": new_feed_token(), "created_at": timezone.now()}
    )
    messages.success(request, "Your calendar link was replaced; the old one no longer works.")
    return redirect("mentoring:relationships")


@login_required
def complete(request, pk):
    relationship = _my_relationship(request, pk)
    form = CompleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _act(
            request, relationships.complete_relationship, pk, request.user, **form.cleaned_data
        ):
            messages.success(
                request, "The relationship is marked completed. You can search again at any time."
            )
        return redirect("mentoring:relationships")
    return render(request, "mentoring/complete.html", {"relationship": relationship, "form": form})
