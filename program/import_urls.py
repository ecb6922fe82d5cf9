"""URLs of this part of the staff pages, included by program/urls.py under the "program" namespace."""

from django.urls import path

import mentormatch.converters  # noqa: F401  (registers <id:…>, <role:…> and the others)
from program import import_views

urlpatterns = [
    path("", import_views.upload, name="import"),
    path("<id:pk>/", import_views.batch_detail, name="import_batch"),
    path("<id:pk>/run/", import_views.run, name="import_run"),
    path("<id:pk>/progress/", import_views.progress, name="import_progress"),
]
