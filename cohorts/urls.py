"""Matching rounds (cohort matching), under /staff/rounds/: program staff only."""

from django.urls import path

import mentormatch.converters  # noqa: F401  (registers <id:…>, <role:…> and the others)
from cohorts import views

app_name = "cohorts"

urlpatterns = [
    path("", views.round_list, name="rounds"),
    path("<id:pk>/", views.round_detail, name="round"),
    path("<id:pk>/parameters/", views.parameters, name="parameters"),
    path("<id:pk>/run/", views.run, name="run"),
    path("<id:pk>/progress/", views.progress, name="progress"),
    path("<id:pk>/fix/", views.fix, name="fix"),
    path("<id:pk>/forbid/", views.forbid, name="forbid"),
    path("<id:pk>/decisions/<id:decision>/remove/", views.remove_decision, name="remove_decision"),
    path("<id:pk>/publish/", views.publish, name="publish"),
    path("<id:pk>/pairs.csv", views.pairs_csv, name="pairs_csv"),
]
