from django.urls import path

import mentormatch.converters  # noqa: F401  (registers <id:…>, <role:…> and the others)
from members import views

app_name = "members"

urlpatterns = [
    path("profile/", views.profile_edit, name="profile_edit"),
    path("members/", views.directory, name="directory"),
    path("members/<id:member_id>/", views.profile_detail, name="profile"),
    path("members/<id:member_id>/photo/<photo_size:size>.jpg", views.photo, name="photo"),
]
