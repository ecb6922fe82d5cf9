from django.urls import path

import mentormatch.converters  # noqa: F401  (registers <id:…>, <role:…> and the others)
from mentoring import relationship_views, shortlist_views, views

app_name = "mentoring"

urlpatterns = [
    path("request/<role:role>/<id:member_id>/", relationship_views.send, name="send_request"),
    path("relationships/", relationship_views.overview, name="relationships"),
    path("requests/<id:pk>/accept/", relationship_views.accept, name="accept"),
    path("requests/<id:pk>/decline/", relationship_views.decline, name="decline"),
    path("requests/<id:pk>/withdraw/", relationship_views.withdraw, name="withdraw_request"),
    path("requests/reconsider/", relationship_views.reconsider, name="reconsider_requests"),
    path("relationships/<id:pk>/", relationship_views.detail, name="relationship"),
    path("relationships/<id:pk>/plan/", relationship_views.plan, name="plan"),
    path("relationships/<id:pk>/check-ins/", relationship_views.check_in, name="check_in"),
    path("relationships/<id:pk>/extend/", relationship_views.extend, name="extend"),
    path(
        "relationships/<id:pk>/calendar.ics",
        relationship_views.relationship_ics,
        name="relationship_ics",
    ),
    path("calendar/<feed_token:token>.ics", relationship_views.feed_ics, name="feed"),
    path("calendar/new-link/", relationship_views.new_feed_link, name="new_feed_link"),
    path("relationships/<id:pk>/complete/", relationship_views.complete, name="complete"),
    path("find-a-mentor/", views.find, {"target_role": "mentor"}, name="find_mentor"),
    path("find-a-mentee/", views.find, {"target_role": "mentee"}, name="find_mentee"),
    path("shortlist/", shortlist_views.overview, name="shortlist"),
    path("shortlist/add/<id:mentor_id>/", shortlist_views.add, name="shortlist_add"),
    path("shortlist/<id:mentor_id>/remove/", shortlist_views.remove, name="shortlist_remove"),
    path("shortlist/<id:mentor_id>/move/", shortlist_views.move, name="shortlist_move"),
    path("enroll/<role:role>/", views.enroll, name="enroll"),
    path("enroll/<role:role>/status/", views.participation, name="participation"),
    path("enroll/<role:role>/withdraw/", views.withdraw, name="withdraw"),
]
