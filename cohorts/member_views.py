"""Matching rounds for members, under /rounds/: the rounds open for joining, and Join / Leave.
Thin: the rules are in cohorts.services; a RoundError becomes a message."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cohorts import services
from cohorts.models import MatchingRound, RoundOptIn


@login_required
def rounds(request):
    """The rounds the member may join or leave, each saying whether they are in it."""
    mine = RoundOptIn.objects.filter(round=OuterRef("pk"), mentee=request.user)
    return render(
        request,
        "cohorts/join.html",
        {
            "rounds": MatchingRound.objects.open_for_opt_in()
            .annotate(joined=Exists(mine))
            .order_by("created_at", "pk"),
            "why_not": services.why_not_in_rounds(request.user),
        },
    )


def _act(request, pk, action, success, unchanged=""):
    # A round members can see (the page lists them); published since the page was read, the
    # service says so.
    matching_round = get_object_or_404(MatchingRound, pk=pk, opt_in_only=True)
    try:
        changed = action(matching_round.pk, request.user)
    except services.RoundError as error:
        messages.error(request, str(error))
    else:
        said = success if changed or not unchanged else unchanged
        messages.success(request, said.format(name=matching_round.name))
    return redirect("rounds:list")


@login_required
@require_POST
def join(request, pk):
    return _act(request, pk, services.opt_in, "You joined the round “{name}”.")


@login_required
@require_POST
def leave(request, pk):
    return _act(
        request,
        pk,
        services.opt_out,
        "You left the round “{name}”.",
        unchanged="You are not in the round “{name}”.",
    )
