from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.urls import include, path, reverse
from django.views.defaults import server_error

from integrations.api import api
from mentormatch import health, views

admin.site.site_header = "Mentor Match administration"
admin.site.site_title = "Mentor Match"
_admin_refusal = admin.site.login


def admin_login(request, extra_context=None):
    """The admin's own sign-in form would take passwords past allauth's rate limits, so staff
    sign in through the site's, and come back to the admin page they asked for. A signed-in member
    who is not staff still sees the admin's refusal (its page; the form there posts back here)."""
    if request.method == "GET" and request.user.is_authenticated:
        return _admin_refusal(request, extra_context)
    next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
    return redirect_to_login(next_url, reverse("account_login"))


admin.site.login = admin_login

# templates/500.html carries its own small stylesheet, so that it shows even when static files or
# the base layout are what failed; the rest of the site allows no inline style.
handler500 = csp_update({"style-src": ["'unsafe-inline'"]})(server_error)

urlpatterns = [
    path("", views.home, name="home"),
    # For load balancers and monitoring: no sign-in (docs/deploy.md).
    path("health/", health.health, name="health"),
    path("health/web/", health.health_web, name="health_web"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("members.urls")),
    path("", include("mentoring.urls")),
    path("notifications/", include("notifications.urls")),
    path("staff/rounds/", include("cohorts.urls")),
    path("rounds/", include("cohorts.member_urls")),
    path("staff/", include("program.urls")),
    path("api/v1/", api.urls),
    path("", include("integrations.urls")),
]
