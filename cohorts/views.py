"""Matching rounds' staff pages. Thin: the rules are in cohorts.services; a RoundError becomes a
message."""

import csv

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cohorts import pool as pools
from cohorts import services
from cohorts.forms import OpenRoundForm, PairForm, ParametersForm
from cohorts.models import MatchingRound, RoundStatus
from mentoring.models import ProgramSettings
from program.access import staff_required
from program.reports import safe_cell

PAIRS_PER_PAGE = 100


@staff_required
def round_list(request):
    form = OpenRoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            matching_round = services.open_round(request.user, name=form.cleaned_data["name"])
        except services.RoundError as error:
            form.add_error("name", str(error))
        else:
            return redirect("cohorts:round", pk=matching_round.pk)
    return render(
        request,
        "cohorts/rounds.html",
        {
            "form": form,
            "rounds": MatchingRound.objects.select_related("created_by__profile")[:100],
            "staff_section": "rounds",
        },
        status=400 if form.errors else 200,
    )


def pool_preview(matching_round) -> dict:
    """How many mentees and mentors the round would take now, and the mentors' places."""
    open_places = pools.mentor_enrollments().values_list("open_places", flat=True)
    places = [pools.places_in_round(n, matching_round.places_per_mentor) for n in open_places]
    return {
        "mentees": pools.mentee_enrollments(matching_round).count(),
        "mentors": len(places),
        "places": sum(places),
    }


def pool_members(matching_round) -> dict:
    """The pool's mentees and mentors by name, for choosing a pair the result did not propose."""

    def named(enrollments):
        found = [(e.user_id, e.user.profile.full_name) for e in enrollments]
        return sorted(found, key=lambda member: member[1].lower())

    return {
        "mentees": named(pools.mentee_enrollments(matching_round).select_related("user__profile")),
        "mentors": named(pools.mentor_enrollments().select_related("user__profile")),
    }


def _progress_context(matching_round) -> dict:
    return {
        "round": matching_round,
        "in_progress": matching_round.status == RoundStatus.RUNNING
        and not matching_round.is_stalled(),
        "stalled": matching_round.is_stalled(),
    }


@staff_required
def round_detail(request, pk, form=None):
    matching_round = get_object_or_404(MatchingRound, pk=pk)
    pairs = matching_round.pairs.select_related(
        "mentee__profile", "mentor__profile", "request", "relationship"
    ).order_by("-score", "pk")
    decisions = matching_round.decisions.select_related("mentee__profile", "mentor__profile")
    page_of_pairs = Paginator(pairs, PAIRS_PER_PAGE).get_page(request.GET.get("page"))
    decided = {(d.mentee_id, d.mentor_id): d.get_kind_display() for d in decisions}
    for pair in page_of_pairs:
        # A pair staff fixed or forbade since shows that instead of its buttons.
        pair.decision = decided.get((pair.mentee_id, pair.mentor_id), "")
    context = _progress_context(matching_round) | {
        "form": form or ParametersForm(instance=matching_round),
        "pool": pool_preview(matching_round),
        "pairs": page_of_pairs,
        "unmatched": matching_round.unmatched.select_related("mentee__profile")[:500],
        "decisions": decisions,
        "members": pool_members(matching_round) if matching_round.is_editable else None,
        "publishes_as": ProgramSettings.current().get_round_publishes_as_display(),
        "staff_section": "rounds",
    }
    return render(request, "cohorts/round.html", context, status=400 if form else 200)


@staff_required
def progress(request, pk):
    matching_round = get_object_or_404(MatchingRound, pk=pk)
    context = _progress_context(matching_round)
    response = render(request, "cohorts/_progress.html", context)
    if request.headers.get("HX-Request") and not context["in_progress"]:
        # The run ended: the whole page (result, pairs) is new, not just this part.
        response["HX-Refresh"] = "true"
    return response


def _act(request, action, success, **kwargs) -> bool:
    try:
        action(**kwargs)
    except services.RoundError as error:
        messages.error(request, str(error))
        return False
    messages.success(request, success)
    return True


@staff_required
@require_POST
def parameters(request, pk):
    matching_round = get_object_or_404(MatchingRound, pk=pk)
    form = ParametersForm(request.POST, instance=matching_round)
    if not form.is_valid():
        return round_detail(request, pk, form=form)
    _act(
        request,
        services.update_parameters,
        "The parameters are saved. Run the round to see their result.",
        round_id=matching_round.pk,
        staff=request.user,
        **form.cleaned_data,
    )
    return redirect("cohorts:round", pk=pk)


@staff_required
@require_POST
def run(request, pk):
    get_object_or_404(MatchingRound, pk=pk)
    _act(
        request,
        services.run_round,
        "The round is running in the background. This page shows its progress.",
        round_id=pk,
        staff=request.user,
    )
    return redirect("cohorts:round", pk=pk)


def _decide(request, pk, action, success):
    get_object_or_404(MatchingRound, pk=pk)
    form = PairForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a pair from the round.")
    else:
        _act(
            request,
            action,
            success,
            round_id=pk,
            staff=request.user,
            mentee_id=form.cleaned_data["mentee"],
            mentor_id=form.cleaned_data["mentor"],
        )
    return redirect("cohorts:round", pk=pk)


@staff_required
@require_POST
def fix(request, pk):
    return _decide(request, pk, services.fix_pair, "The pair is fixed: it is in every next run.")


@staff_required
@require_POST
def forbid(request, pk):
    return _decide(
        request, pk, services.forbid_pair, "The pair is forbidden: it is in no next run."
    )


@staff_required
@require_POST
def remove_decision(request, pk, decision):
    get_object_or_404(MatchingRound, pk=pk)
    _act(
        request,
        services.remove_decision,
        "The decision is removed.",
        round_id=pk,
        staff=request.user,
        decision_id=decision,
    )
    return redirect("cohorts:round", pk=pk)


@staff_required
def publish(request, pk):
    """GET: what publishing will do, and a button to confirm; POST: publish."""
    matching_round = get_object_or_404(MatchingRound, pk=pk)
    if request.method == "POST":
        try:
            outcome = services.publish_round(pk, request.user)
        except services.RoundError as error:
            messages.error(request, str(error))
        else:
            published, missed = len(outcome.published), len(outcome.not_published)
            messages.success(
                request,
                f"Published: {published} pair{'s' if published != 1 else ''}."
                + (f" {missed} could not be published; the list says why." if missed else ""),
            )
        return redirect("cohorts:round", pk=pk)
    return render(
        request,
        "cohorts/publish.html",
        {
            "round": matching_round,
            "publishes_as": ProgramSettings.current().round_publishes_as,
            "publishes_as_label": ProgramSettings.current().get_round_publishes_as_display(),
            "staff_section": "rounds",
        },
    )


CSV_COLUMNS = [
    "mentee",
    "mentee_email",
    "mentor",
    "mentor_email",
    "score",
    "shortlist_bonus",
    "fixed",
    "why",
    "published_as",
    "not_published",
]


def _published_as(pair) -> str:
    if pair.request_id:
        return f"request {pair.request_id}"
    if pair.relationship_id:
        return f"relationship {pair.relationship_id}"
    return ""


@staff_required
def pairs_csv(request, pk):
    matching_round = get_object_or_404(MatchingRound, pk=pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"round-{matching_round.pk}-pairs-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response, quoting=csv.QUOTE_ALL)
    writer.writerow(CSV_COLUMNS)
    pairs = matching_round.pairs.select_related("mentee__profile", "mentor__profile")
    for pair in pairs.order_by("-score", "pk").iterator(chunk_size=2000):
        row = [
            pair.mentee.profile.full_name,
            pair.mentee.email,
            pair.mentor.profile.full_name,
            pair.mentor.email,
            pair.score,
            pair.bonus,
            "yes" if pair.fixed else "no",
            pair.why,
            _published_as(pair),
            pair.not_published,
        ]
        writer.writerow([safe_cell(value) for value in row])
    return response
