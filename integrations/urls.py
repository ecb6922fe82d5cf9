"""Pages of the integrations: API tokens (program staff's and a member's own) and webhooks."""

from django.urls import path  # noqa: F401

app_name = "integrations"

urlpatterns = []
