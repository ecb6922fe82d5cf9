"""The API token pages: program staff's (staff scopes) and a member's own (`me`). A new token's
secret is shown once, in the answer to the form that made it: never in an address, never stored."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from integrations import services
from integrations.forms import StaffTokenForm, TokenForm
from integrations.models import Scope
from program.access import staff_required


def _tokens_page(request, *, staff: bool):
    form_class = StaffTokenForm if staff else TokenForm
    form = form_class(request.POST if request.method == "POST" else None)
    created = secret = None
    status = 200
    if form.is_bound:
        if form.is_valid():
            scopes = form.cleaned_data["scopes"] if staff else [Scope.ME]
            try:
                created, secret = services.create_token(
                    request.user, name=form.cleaned_data["name"], scopes=scopes
                )
            except services.TokenError as error:
                form.add_error(None, str(error))
        if created is None:
            status = 400
        else:
            form = form_class()
    tokens = services.staff_tokens() if staff else services.own_tokens(request.user)
    template = "integrations/tokens_staff.html" if staff else "integrations/tokens_member.html"
    return render(
        request,
        template,
        {
            "form": form,
            "tokens": tokens,
            "created": created,
            "secret": secret,
            "staff": staff,
            "staff_section": "integrations",
        },
        status=status,
    )


def _revoke(request, pk, *, back):
    try:
        token = services.revoke_token(pk, by=request.user)
    except services.TokenError:
        # Someone else's token, or none: not one this visitor may know of.
        raise Http404("No such token") from None
    messages.success(request, f"The token “{token.name}” is revoked: it no longer works.")
    return redirect(back)


@staff_required
@never_cache
def staff_tokens(request):
    return _tokens_page(request, staff=True)


@staff_required
@require_POST
def staff_revoke(request, pk):
    return _revoke(request, pk, back="integrations:staff_tokens")


@login_required
@never_cache
def member_tokens(request):
    return _tokens_page(request, staff=False)


@login_required
@require_POST
def member_revoke(request, pk):
    return _revoke(request, pk, back="integrations:member_tokens")
