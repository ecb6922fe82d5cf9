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
from cohorts.forms import OpenRoundForm, PairForm, ParametersForm, PickPairForm
from cohorts.models import MatchingRound, RoundPair, RoundStatus
from mentoring.models import ProgramSettings
from program.access import staff_required
from program.reports import safe_cell

PAIRS_PER_PAGE = 50


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
    # The page's ids first (the index by score), then those pairs with their members: the
    # planner cannot then join every pair of a large round before it sorts.
    ids = matching_round.pairs.order_by("-score", "pk").values_list("pk", flat=True)
    page_of_pairs = Paginator(ids, PAIRS_PER_PAGE).get_page(request.GET.get("page"))
    found = RoundPair.objects.select_related("mentee__profile", "mentor__profile").in_bulk(
        list(page_of_pairs)
    )
    page_of_pairs.object_list = [found[pair_id] for pair_id in page_of_pairs if pair_id in found]
    decisions = matching_round.decisions.select_related("mentee__profile", "mentor__profile")
    decided = {(d.mentee_id, d.mentor_id): d.get_kind_display() for d in decisions}
    for pair in page_of_pairs:
        # A pair staff fixed or forbade since shows that instead of its buttons.
        pair.decision = decided.get((pair.mentee_id, pair.mentor_id), "")
    context = _progress_context(matching_round) | {
        "form": form or ParametersForm(instance=matching_round),
        "pool": pools.preview(matching_round),
        "pairs": page_of_pairs,
        "published": matching_round.status == RoundStatus.PUBLISHED,
        "editable": matching_round.is_editable,
        "decide_label": "Published" if matching_round.status == RoundStatus.PUBLISHED else "Decide",
        "unmatched": matching_round.unmatched.select_related("mentee__profile")[:500],
        "decisions": decisions,
        "pick_form": PickPairForm(),
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


def _named_pair(matching_round, post) -> tuple[int, int] | str:
    """The pair the "Fix or forbid any pair" form names (each member by full name or email, found
    in the round's pool), or what is wrong with it."""
    form = PickPairForm(post)
    if not form.is_valid():
        return "Type the mentee's and the mentor's full name or email."
    ids = []
    for role, pool, text in (
        ("mentee", pools.mentee_enrollments(matching_round), form.cleaned_data["mentee_name"]),
        ("mentor", pools.mentor_enrollments(), form.cleaned_data["mentor_name"]),
    ):
        found = pools.find_member(pool, text)
        if not found:
            return f"No {role} in this round's pool is called or has the email “{text}”."
        if len(found) > 1:
            return f"More than one {role} in the pool is called “{text}”: type their email."
        ids.append(found[0])
    return ids[0], ids[1]


def _decide(request, pk, action, success):
    matching_round = get_object_or_404(MatchingRound, pk=pk)
    if "mentee_name" in request.POST:
        pair = _named_pair(matching_round, request.POST)
    else:
        form = PairForm(request.POST)
        pair = (
            (form.cleaned_data["mentee"], form.cleaned_data["mentor"])
            if form.is_valid()
            else "Choose a pair from the round."
        )
    if isinstance(pair, str):
        messages.error(request, pair)
    else:
        _act(
            request,
            action,
            success,
            round_id=pk,
            staff=request.user,
            mentee_id=pair[0],
            mentor_id=pair[1],
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
