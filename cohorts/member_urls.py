"""Matching rounds for members, under /rounds/: signed-in members only."""

from django.urls import path

import mentormatch.converters  # noqa: F401  (registers <id:…>)
from cohorts import member_views

app_name = "rounds"

urlpatterns = [
    path("", member_views.rounds, name="list"),
    path("<id:pk>/join/", member_views.join, name="join"),
    path("<id:pk>/leave/", member_views.leave, name="leave"),
]
