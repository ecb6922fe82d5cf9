from django.urls import path

import mentormatch.converters  # noqa: F401  (registers <id:…>, <role:…> and the others)
from notifications import views

app_name = "notifications"

urlpatterns = [
    path("preferences/", views.preferences, name="preferences"),
    path("unsubscribe/<signed_token:token>/", views.unsubscribe, name="unsubscribe"),
]
