from django.contrib import admin
from django.urls import include, path

from mentormatch import views

admin.site.site_header = "Mentor Match administration"
admin.site.site_title = "Mentor Match"

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("members.urls")),
    path("", include("mentoring.urls")),
    path("notifications/", include("notifications.urls")),
    path("staff/", include("program.urls")),
]
