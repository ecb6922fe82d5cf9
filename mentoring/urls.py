from django.urls import path

from mentoring import views

app_name = "mentoring"

urlpatterns = [
    path("enroll/<str:role>/", views.enroll, name="enroll"),
    path("enroll/<str:role>/status/", views.participation, name="participation"),
    path("enroll/<str:role>/withdraw/", views.withdraw, name="withdraw"),
]
