from django.urls import include, path

import mentormatch.converters  # noqa: F401  (registers <id:…>, <role:…> and the others)
from program import views

app_name = "program"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("actions/", views.action_list, name="actions"),
    path("actions/pause/", views.pause_mentor, name="pause"),
    path("requests/<id:pk>/", views.request_detail, name="request"),
    path("requests/<id:pk>/accept/", views.accept_for_member, name="accept"),
    path("requests/<id:pk>/decline/", views.decline_for_member, name="decline"),
    path("relationships/<id:pk>/", views.relationship_detail, name="relationship"),
    path("relationships/<id:pk>/end/", views.end_relationship, name="end"),
    path("sent-emails/", views.outbox, name="outbox"),
    path("sent-emails/<id:pk>/resend/", views.resend_email, name="resend"),
    path("reports/", include("program.report_urls")),
    path("import/", include("program.import_urls")),
    path("emails/", include("program.template_urls")),
]
