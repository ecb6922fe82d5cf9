"""URLs of this part of the staff pages, included by program/urls.py under the "program" namespace."""

from django.urls import path

from program import report_views

urlpatterns = [
    path("", report_views.report_index, name="reports"),
    path("<slug:slug>/", report_views.report_page, name="report"),
    path("<slug:slug>/csv", report_views.report_csv, name="report_csv"),
]
