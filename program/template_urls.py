"""URLs of this part of the staff pages, included by program/urls.py under the "program" namespace."""

from django.urls import path

from program import template_views

urlpatterns = [
    path("", template_views.email_list, name="emails"),
    path("<slug:name>/", template_views.email_edit, name="email_edit"),
    path("<slug:name>/reset/", template_views.email_reset, name="email_reset"),
]
