from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("profile/", views.profile_edit, name="profile_edit"),
    path("members/", views.directory, name="directory"),
    path("members/<int:member_id>/", views.profile_detail, name="profile"),
    path("members/<int:member_id>/photo/<str:size>.jpg", views.photo, name="photo"),
]
