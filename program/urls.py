from django.urls import include, path

from program import views

app_name = "program"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("reports/", include("program.report_urls")),
    path("import/", include("program.import_urls")),
    path("emails/", include("program.template_urls")),
]
