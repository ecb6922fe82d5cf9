from django.urls import path

from mentoring import views

app_name = "mentoring"

urlpatterns = [
    path("find-a-mentor/", views.find, {"target_role": "mentor"}, name="find_mentor"),
    path("find-a-mentee/", views.find, {"target_role": "mentee"}, name="find_mentee"),
    path("enroll/<str:role>/", views.enroll, name="enroll"),
    path("enroll/<str:role>/status/", views.participation, name="participation"),
    path("enroll/<str:role>/withdraw/", views.withdraw, name="withdraw"),
]
