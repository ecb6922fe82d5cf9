"""URLs of this part of the staff pages, included by program/urls.py under the "program" namespace."""

from django.urls import path

from program import import_views

urlpatterns = [
    path("", import_views.upload, name="import"),
    path("<int:pk>/", import_views.batch_detail, name="import_batch"),
    path("<int:pk>/run/", import_views.run, name="import_run"),
    path("<int:pk>/progress/", import_views.progress, name="import_progress"),
]
