"""Pages of the integrations: API tokens (program staff's and a member's own) and webhooks."""

from django.urls import path

import mentormatch.converters  # noqa: F401  (registers <id:…>)
from integrations import views, webhook_views

app_name = "integrations"

urlpatterns = [
    # API tokens (Part B)
    path("staff/integrations/", views.staff_tokens, name="staff_tokens"),
    path("staff/integrations/tokens/<id:pk>/revoke/", views.staff_revoke, name="staff_revoke"),
    path("account/api-tokens/", views.member_tokens, name="member_tokens"),
    path("account/api-tokens/<id:pk>/revoke/", views.member_revoke, name="member_revoke"),
    # Webhooks (Part E)
    path("staff/integrations/webhooks/", webhook_views.webhook_list, name="webhooks"),
    path("staff/integrations/webhooks/<id:pk>/", webhook_views.webhook_detail, name="webhook"),
    path(
        "staff/integrations/webhooks/<id:pk>/active/",
        webhook_views.webhook_active,
        name="webhook_active",
    ),
    path(
        "staff/integrations/webhooks/<id:pk>/ping/", webhook_views.webhook_ping, name="webhook_ping"
    ),
    path(
        "staff/integrations/webhooks/<id:pk>/secret/",
        webhook_views.webhook_rotate,
        name="webhook_rotate",
    ),
    path(
        "staff/integrations/webhooks/<id:pk>/delete/",
        webhook_views.webhook_delete,
        name="webhook_delete",
    ),
    path(
        "staff/integrations/webhooks/<id:pk>/deliveries/<id:delivery>/resend/",
        webhook_views.webhook_resend,
        name="webhook_resend",
    ),
]
