"""Pages for requests and relationships. Thin: each calls mentoring.relationships and turns its
errors into a message (or a 404 for what is not the member's)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from members.models import Profile
from mentoring import relationships
from mentoring.forms import CompleteForm, DeclineForm, RequestForm
from mentoring.models import (
    MentoringRequest,
    ProgramSettings,
    Relationship,
    RelationshipStatus,
    RequestStatus,
    Role,
    TimelineEntry,
)


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
            relationships.send_request(
                request.user,
                recipient.user,
                recipient_role=role,
                message=form.cleaned_data["message"],
                goals=form.cleaned_data["goals"],
            )
        except relationships.RequestError as error:
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
    related = ("requester__profile", "recipient__profile")
    context = {
        "awaiting": MentoringRequest.objects.filter(recipient=me, status=RequestStatus.PENDING)
        .select_related(*related)
        .order_by("created_at"),
        "sent": MentoringRequest.objects.filter(requester=me, status=RequestStatus.PENDING)
        .select_related(*related)
        .order_by("created_at"),
        "as_mentor": Relationship.objects.active()
        .filter(mentor=me)
        .select_related("mentee__profile"),
        "as_mentee": Relationship.objects.active()
        .filter(mentee=me)
        .select_related("mentor__profile"),
        "past_relationships": Relationship.objects.filter(
            Q(mentor=me) | Q(mentee=me), status=RelationshipStatus.COMPLETED
        )
        .select_related("mentor__profile", "mentee__profile")
        .order_by("-completed_at"),
        "past_requests": MentoringRequest.objects.filter(Q(requester=me) | Q(recipient=me))
        .exclude(status__in=[RequestStatus.PENDING, RequestStatus.ACCEPTED])
        .select_related(*related)
        .order_by("-answered_at")[:50],
    }
    return render(request, "mentoring/relationships.html", context)


def _act(request, action, *args, **kwargs):
    try:
        return action(*args, **kwargs)
    except relationships.NotYours:
        raise Http404("No such request") from None
    except relationships.RequestError as error:
        messages.error(request, str(error))
        return None


@login_required
def accept(request, pk):
    pending = get_object_or_404(
        MentoringRequest.objects.select_related("requester__profile"), pk=pk, recipient=request.user
    )
    if request.method == "POST":
        if _act(request, relationships.accept_request, pk, request.user):
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
        if _act(request, relationships.decline_request, pk, request.user, **form.cleaned_data):
            messages.success(request, "The request has been declined. Thank you for answering.")
        return redirect("mentoring:relationships")
    return render(request, "mentoring/answer_decline.html", {"pending": pending, "form": form})


@login_required
@require_POST
def withdraw(request, pk):
    if _act(request, relationships.withdraw_request, pk, request.user):
        messages.success(request, "Your request has been withdrawn.")
    return redirect("mentoring:relationships")


@login_required
def detail(request, pk):
    """One relationship: the partner, how to reach them, the suggested rhythm and the timeline."""
    relationship = get_object_or_404(
        Relationship.objects.filter(Q(mentor=request.user) | Q(mentee=request.user)).select_related(
            "mentor__profile", "mentee__profile", "request"
        ),
        pk=pk,
    )
    partner = (
        relationship.mentee if relationship.mentor_id == request.user.pk else relationship.mentor
    )
    timeline = TimelineEntry.objects.filter(
        Q(relationship=relationship) | Q(request_id=relationship.request_id, request__isnull=False)
    ).select_related("actor__profile")
    return render(
        request,
        "mentoring/relationship_detail.html",
        {
            "relationship": relationship,
            "partner": partner.profile,
            "i_am_mentor": relationship.mentor_id == request.user.pk,
            "timeline": timeline,
        },
    )


@login_required
def complete(request, pk):
    relationship = get_object_or_404(
        Relationship.objects.filter(Q(mentor=request.user) | Q(mentee=request.user)), pk=pk
    )
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
