"""URLs of this part of the staff pages, included by program/urls.py under the "program" namespace."""

urlpatterns = []
