"""Who may open the program staff pages: staff accounts and members of the "Program staff" group.

Anyone else signed in gets 404 (the pages do not exist for them); anonymous visitors are sent to
sign in first.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404

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
