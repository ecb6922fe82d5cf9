from django.urls import path

from mentoring import relationship_views, views

app_name = "mentoring"

urlpatterns = [
    path("request/<str:role>/<int:member_id>/", relationship_views.send, name="send_request"),
    path("relationships/", relationship_views.overview, name="relationships"),
    path("requests/<int:pk>/accept/", relationship_views.accept, name="accept"),
    path("requests/<int:pk>/decline/", relationship_views.decline, name="decline"),
    path("requests/<int:pk>/withdraw/", relationship_views.withdraw, name="withdraw_request"),
    path("relationships/<int:pk>/", relationship_views.detail, name="relationship"),
    path("relationships/<int:pk>/complete/", relationship_views.complete, name="complete"),
    path("find-a-mentor/", views.find, {"target_role": "mentor"}, name="find_mentor"),
    path("find-a-mentee/", views.find, {"target_role": "mentee"}, name="find_mentee"),
    path("enroll/<str:role>/", views.enroll, name="enroll"),
    path("enroll/<str:role>/status/", views.participation, name="participation"),
    path("enroll/<str:role>/withdraw/", views.withdraw, name="withdraw"),
]
