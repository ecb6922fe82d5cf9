"""The webhook pages for program staff: the endpoints (add one: its secret is shown once, in the
answer to the form), and each endpoint's settings, actions (pause or activate, a new secret, a test
ping, delete) and delivery log, where a failed delivery can be sent again. Every change is a
service function of notifications.webhooks; the events to choose from are mentoring's."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from mentoring.webhooks import EVENTS
from notifications import webhooks
from notifications.models import WebhookDelivery, WebhookEndpoint
from program.access import staff_required

LOG_PAGE = 25


class WebhookForm(forms.Form):
    url = forms.CharField(
        label="URL",
        max_length=2000,
        help_text="Where your system receives the events, e.g. https://ams.example.org/hooks/mentoring",
        widget=forms.URLInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    description = forms.CharField(
        max_length=200, required=False, help_text="What receives them, for this list."
    )
    events = forms.MultipleChoiceField(
        choices=[(event, f"{description} ({event})") for event, description in EVENTS.items()],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event."},
    )


class ActiveForm(forms.Form):
    active = forms.BooleanField(required=False)


class DeleteForm(forms.Form):
    confirm = forms.BooleanField(
        label="Yes, delete this webhook and its delivery log",
        error_messages={"required": "Tick the box to confirm."},
    )


def _endpoints():
    return WebhookEndpoint.objects.annotate(
        failed=Count("deliveries", filter=Q(deliveries__status=WebhookDelivery.Status.FAILED)),
        waiting=Count("deliveries", filter=Q(deliveries__status=WebhookDelivery.Status.PENDING)),
    ).order_by("created_at", "pk")


def _event_names(endpoint) -> list[str]:
    return [f"{event}: {EVENTS[event]}" if event in EVENTS else event for event in endpoint.events]


@staff_required
@never_cache
def webhook_list(request):
    form = WebhookForm(request.POST if request.method == "POST" else None)
    created = None
    status = 200
    if form.is_bound:
        if form.is_valid():
            try:
                created = webhooks.create_endpoint(by=request.user, **form.cleaned_data)
            except webhooks.WebhookError as error:
                form.add_error("url", str(error))
        if created is None:
            status = 400
        else:
            form = WebhookForm()
    endpoints = _endpoints()
    return render(
        request,
        "integrations/webhooks.html",
        {
            "form": form,
            "endpoints": endpoints,
            "created": created,
            "secret": created.secret if created else None,
            "staff_section": "integrations",
        },
        status=status,
    )


def _detail(request, endpoint, *, secret=None, delete_form=None, status=200):
    deliveries = endpoint.deliveries.order_by("-created_at", "-pk")
    shown = request.GET.get("status", "")
    if shown not in WebhookDelivery.Status.values:
        shown = ""
    if shown:
        deliveries = deliveries.filter(status=shown)
    page = Paginator(deliveries.defer("payload"), LOG_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "integrations/webhook.html",
        {
            "endpoint": endpoint,
            "event_names": _event_names(endpoint),
            "deliveries": page,
            "status": shown,
            "statuses": WebhookDelivery.Status.choices,
            "secret": secret,
            "delete_form": delete_form or DeleteForm(),
            "staff_section": "integrations",
        },
        status=status,
    )


@staff_required
@never_cache
def webhook_detail(request, pk):
    return _detail(request, get_object_or_404(WebhookEndpoint, pk=pk))


def _act(request, pk, action, success, **kwargs):
    get_object_or_404(WebhookEndpoint, pk=pk)
    try:
        action(pk, by=request.user, **kwargs)
    except webhooks.WebhookError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success)
    return redirect("integrations:webhook", pk)


@staff_required
@require_POST
def webhook_active(request, pk):
    form = ActiveForm(request.POST)
    active = form.is_valid() and form.cleaned_data["active"]
    return _act(
        request,
        pk,
        webhooks.set_active,
        "The webhook is active: events are sent to it."
        if active
        else "The webhook is paused: no events are recorded for it until you activate it.",
        active=active,
    )


@staff_required
@require_POST
def webhook_ping(request, pk):
    return _act(
        request,
        pk,
        webhooks.send_ping,
        "A test ping is on its way: its delivery appears in the log below.",
    )


@staff_required
@require_POST
@never_cache
def webhook_rotate(request, pk):
    get_object_or_404(WebhookEndpoint, pk=pk)
    endpoint = webhooks.rotate_secret(pk, by=request.user)
    return _detail(request, endpoint, secret=endpoint.secret)


@staff_required
@require_POST
def webhook_delete(request, pk):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    form = DeleteForm(request.POST)
    if not form.is_valid():
        return _detail(request, endpoint, delete_form=form, status=400)
    webhooks.delete_endpoint(pk, by=request.user)
    messages.success(request, f"The webhook to {endpoint.url} is deleted.")
    return redirect("integrations:webhooks")


@staff_required
@require_POST
def webhook_resend(request, pk, delivery):
    get_object_or_404(WebhookDelivery, pk=delivery, endpoint_id=pk)
    return _act(
        request,
        pk,
        lambda _pk, by: webhooks.resend(delivery, by=by),
        "The delivery is queued to be sent again, with the same event id.",
    )
