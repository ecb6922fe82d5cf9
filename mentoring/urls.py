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
    path("relationships/<int:pk>/plan/", relationship_views.plan, name="plan"),
    path("relationships/<int:pk>/check-ins/", relationship_views.check_in, name="check_in"),
    path("relationships/<int:pk>/extend/", relationship_views.extend, name="extend"),
    path(
        "relationships/<int:pk>/calendar.ics",
        relationship_views.relationship_ics,
        name="relationship_ics",
    ),
    path("calendar/<str:token>.ics", relationship_views.feed_ics, name="feed"),
    path("calendar/new-link/", relationship_views.new_feed_link, name="new_feed_link"),
    path("relationships/<int:pk>/complete/", relationship_views.complete, name="complete"),
    path("find-a-mentor/", views.find, {"target_role": "mentor"}, name="find_mentor"),
    path("find-a-mentee/", views.find, {"target_role": "mentee"}, name="find_mentee"),
    path("enroll/<str:role>/", views.enroll, name="enroll"),
    path("enroll/<str:role>/status/", views.participation, name="participation"),
    path("enroll/<str:role>/withdraw/", views.withdraw, name="withdraw"),
]
