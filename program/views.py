"""Program staff pages: the dashboard, and acting for members. Thin: figures come from
program.figures, actions from program.actions."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from members.text import search_text
from mentoring.models import MentoringRequest, ProgramSettings, Relationship, RequestStatus
from notifications.models import OutgoingEmail
from program import actions, charts, figures
from program.access import staff_required
from program.forms import DateRangeForm, PauseMentorForm, StaffDeclineForm, StaffReasonForm
from program.models import StaffAction


@staff_required
def dashboard(request):
    form = DateRangeForm(request.GET or None, initial=DateRangeForm.default_range())
    if request.GET and not form.is_valid():
        return render(
            request,
            "program/dashboard.html",
            {"form": form, "staff_section": "dashboard"},
            status=400,
        )
    dates = form.cleaned_data if request.GET else DateRangeForm.default_range()
    result = figures.compute_cached(dates["start"], dates["end"])
    shortfalls = [row for row in result.supply_demand if row["gap"] > 0][:5]
    return render(
        request,
        "program/dashboard.html",
        {
            "form": form,
            "figures": result,
            "monthly": charts.monthly_bars(result.months),
            "supply": charts.supply_demand_bars(result.supply_demand),
            "shortfalls": shortfalls,
            "staff_section": "dashboard",
        },
    )


@staff_required
def action_list(request):
    """Requests waiting longest, active relationships, pausing a mentor, and the audit log."""
    query = search_text(request.GET.get("q", ""), 200)
    pending = MentoringRequest.objects.filter(status=RequestStatus.PENDING).select_related(
        "requester__profile", "recipient__profile"
    )
    active = Relationship.objects.active().select_related("mentor__profile", "mentee__profile")
    if query:
        pending = pending.filter(
            Q(requester__email__icontains=query) | Q(recipient__email__icontains=query)
        )
        active = active.filter(
            Q(mentor__email__icontains=query) | Q(mentee__email__icontains=query)
        )
    return render(
        request,
        "program/actions.html",
        {
            "query": query,
            "pending": Paginator(pending.order_by("created_at"), 25).get_page(
                request.GET.get("page")
            ),
            "active": active.order_by("-started_at")[:25],
            "now": timezone.now(),
            "pause_form": PauseMentorForm(),
            "log": StaffAction.objects.select_related("staff__profile", "member__profile")[:50],
            "staff_section": "actions",
        },
    )


@staff_required
def request_detail(request, pk, accept_form=None, decline_form=None):
    item = get_object_or_404(
        MentoringRequest.objects.select_related("requester__profile", "recipient__profile"), pk=pk
    )
    return render(
        request,
        "program/request.html",
        {
            "item": item,
            "timeline": item.timeline.select_related("actor__profile"),
            "accept_form": accept_form or StaffReasonForm(),
            "decline_form": decline_form or StaffDeclineForm(),
            "staff_section": "actions",
        },
        status=400 if (accept_form or decline_form) else 200,
    )


def _run(request, action, success, **kwargs):
    try:
        action(request.user, **kwargs)
    except actions.ActionError as error:
        messages.error(request, str(error))
        return False
    messages.success(request, success)
    return True


def _act_on(request, pk, *, form_class, action, success, page, form_name, back):
    """POST a staff action on request or relationship `pk`: with a valid form, run it and go back
    to its page with a message; otherwise show the page again with the form's errors."""
    form = form_class(request.POST)
    if not form.is_valid():
        return page(request, pk, **{form_name: form})
    _run(request, action, success, pk=pk, **form.cleaned_data)
    return redirect(back, pk)


@staff_required
@require_POST
def accept_for_member(request, pk):
    get_object_or_404(MentoringRequest, pk=pk)
    return _act_on(
        request,
        pk,
        form_class=StaffReasonForm,
        action=actions.accept_for_member,
        success="Accepted for the member; both members have been told.",
        page=request_detail,
        form_name="accept_form",
        back="program:request",
    )


@staff_required
@require_POST
def decline_for_member(request, pk):
    get_object_or_404(MentoringRequest, pk=pk)
    return _act_on(
        request,
        pk,
        form_class=StaffDeclineForm,
        action=actions.decline_for_member,
        success="Declined for the member; both members have been told.",
        page=request_detail,
        form_name="decline_form",
        back="program:request",
    )


@staff_required
def relationship_detail(request, pk, form=None):
    relationship = get_object_or_404(
        Relationship.objects.select_related("mentor__profile", "mentee__profile"), pk=pk
    )
    return render(
        request,
        "program/relationship.html",
        {
            "relationship": relationship,
            "timeline": relationship.timeline_entries(),
            "form": form or StaffReasonForm(),
            "staff_section": "actions",
        },
        status=400 if form else 200,
    )


@staff_required
@require_POST
def end_relationship(request, pk):
    get_object_or_404(Relationship, pk=pk)
    return _act_on(
        request,
        pk,
        form_class=StaffReasonForm,
        action=actions.end_relationship,
        success="The relationship is ended; both members have been told.",
        page=relationship_detail,
        form_name="form",
        back="program:relationship",
    )


@staff_required
@require_POST
def pause_mentor(request):
    form = PauseMentorForm(request.POST)
    if form.is_valid():
        _run(
            request,
            actions.pause_mentor,
            "The mentor is Temporarily Not Participating and has been told.",
            **form.cleaned_data,
        )
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("program:actions")


@staff_required
def outbox(request):
    """Emails the site sent, newest first, searchable by address and filtered by status (a failed
    email says why); each can be sent again until its text is deleted. The list never shows (or
    loads) an email's text."""
    query = search_text(request.GET.get("q", ""), 200)
    status = request.GET.get("status", "")
    if status not in OutgoingEmail.Status.values:
        status = ""
    emails = OutgoingEmail.objects.defer("body", "html", "links").order_by("-created_at")
    if query:
        emails = emails.filter(Q(to__icontains=query) | Q(subject__icontains=query))
    if status:
        emails = emails.filter(status=status)
    return render(
        request,
        "program/outbox.html",
        {
            "query": query,
            "status": status,
            "statuses": OutgoingEmail.Status.choices,
            "emails": Paginator(emails, 25).get_page(request.GET.get("page")),
            "retention_days": ProgramSettings.current().email_retention_days,
            "max_attempts": settings.EMAIL_MAX_ATTEMPTS,
            "form": StaffReasonForm(),
            "staff_section": "actions",
        },
    )


@staff_required
@require_POST
def resend_email(request, pk):
    get_object_or_404(OutgoingEmail, pk=pk)
    form = StaffReasonForm(request.POST)
    if form.is_valid():
        _run(
            request,
            actions.resend_email,
            "The email is queued to be sent again.",
            pk=pk,
            reason=form.cleaned_data["reason"],
        )
    else:
        messages.error(request, "Give a reason: it is recorded.")
    return redirect("program:outbox")
