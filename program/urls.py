from django.urls import include, path

from program import views

app_name = "program"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("actions/", views.action_list, name="actions"),
    path("actions/pause/", views.pause_mentor, name="pause"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("requests/<int:pk>/accept/", views.accept_for_member, name="accept"),
    path("requests/<int:pk>/decline/", views.decline_for_member, name="decline"),
    path("relationships/<int:pk>/", views.relationship_detail, name="relationship"),
    path("relationships/<int:pk>/end/", views.end_relationship, name="end"),
    path("sent-emails/", views.outbox, name="outbox"),
    path("sent-emails/<int:pk>/resend/", views.resend_email, name="resend"),
    path("reports/", include("program.report_urls")),
    path("import/", include("program.import_urls")),
    path("emails/", include("program.template_urls")),
]
