from django.utils.functional import SimpleLazyObject

from program.access import is_program_staff


def staff(request):
    """`is_program_staff` in every template, for the navigation."""
    user = getattr(request, "user", None)
    return {"is_program_staff": SimpleLazyObject(lambda: bool(user and is_program_staff(user)))}
