from django.core.cache import caches
from django.utils.functional import SimpleLazyObject

from program.access import is_program_staff

NAV_CACHE_SECONDS = 60


def staff(request):
    """`is_program_staff` in every template, for the navigation link. Remembered for a minute per
    member in this process's own memory (the "local" cache: the shared one is a database table)
    so that ordinary pages pay no query for it; the staff pages themselves always check."""
    user = getattr(request, "user", None)

    def check():
        if user is None or not user.is_authenticated:
            return False
        if user.is_staff:
            return True
        key = f"program-staff-nav:{user.pk}"
        answer = caches["local"].get(key)
        if answer is None:
            answer = is_program_staff(user)
            caches["local"].set(key, answer, NAV_CACHE_SECONDS)
        return answer

    return {"is_program_staff": SimpleLazyObject(check)}
