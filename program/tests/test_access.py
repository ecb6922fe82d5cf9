"""Program staff pages are for staff and the "Program staff" group only."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

pytestmark = pytest.mark.django_db

STAFF_URLS = ["program:dashboard"]


@pytest.mark.parametrize("name", STAFF_URLS)
def test_a_member_who_is_not_staff_gets_404(client, mentee, name):
    client.force_login(mentee)

    assert client.get(reverse(name)).status_code == 404


@pytest.mark.parametrize("name", STAFF_URLS)
def test_an_anonymous_visitor_is_asked_to_sign_in(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_staff_and_the_program_staff_group_may_enter(client, staff, outsider):
    client.force_login(staff)
    assert client.get("/staff/").status_code == 200

    outsider.groups.add(Group.objects.get(name="Program staff"))
    client.force_login(outsider)
    page = client.get("/staff/")
    assert page.status_code == 200
    assert 'href="/staff/">Program staff</a>' in client.get("/").content.decode()
