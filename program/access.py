"""Who may open the program staff pages: staff accounts and members of the "Program staff" group.

Anyone else signed in gets 404 (the pages do not exist for them); anonymous visitors are sent to
sign in first.
"""

from functools import wraps

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect

STAFF_GROUP = "Program staff"


def is_program_staff(user) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_staff or user.groups.filter(name=STAFF_GROUP).exists()


def staff_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_program_staff(request.user):
            raise Http404("No such page")
        return view(request, *args, **kwargs)

    return wrapper


# Where a staff member without a second factor may still go under SSO_ONLY: allauth's pages (to
# set up TOTP, to sign out) and the static files those pages need.
_SECOND_FACTOR_SETUP_PATHS = ("/accounts/", "/static/")


def staff_second_factor(get_response):
    """Under SSO_ONLY staff sign in with a password, so they must add a second factor: until they
    have set up TOTP, every page (staff pages, the admin, the member pages) sends them to do so."""

    def middleware(request):
        if (
            settings.SSO_ONLY
            and is_program_staff(request.user)
            and not request.path.startswith(_SECOND_FACTOR_SETUP_PATHS)
            and not is_mfa_enabled(request.user, [Authenticator.Type.TOTP])
        ):
            messages.info(
                request,
                "Staff accounts need a second factor: set up an authenticator app to continue.",
            )
            return redirect("mfa_activate_totp")
        return get_response(request)

    return middleware
