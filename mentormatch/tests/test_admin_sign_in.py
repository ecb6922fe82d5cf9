"""The admin has no sign-in form of its own: staff sign in through the site's, where failed attempts
are rate limited and counted like everyone else's."""

import pytest

from conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_the_admin_sign_in_page_sends_visitors_to_the_site_sign_in(client):
    response = client.get("/admin/login/?next=/admin/mentoring/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/mentoring/"


def test_a_password_posted_to_the_admin_is_not_checked_there(client, staff):
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "pat@example.com", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/"
    assert "_auth_user_id" not in client.session


def test_staff_opening_the_admin_sign_in_on_the_site_and_come_back_to_the_admin(client, staff):
    response = client.get("/admin/", follow=True)

    assert response.redirect_chain[-1] == ("/accounts/login/?next=/admin/", 302)
    assert response.templates[0].name == "account/login.html"

    response = client.post(
        "/accounts/login/?next=/admin/",
        {"login": "pat@example.com", "password": PASSWORD, "next": "/admin/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert "Site administration" in client.get("/admin/").content.decode()


def test_a_member_who_is_not_staff_gets_the_admins_refusal_and_its_form_checks_nothing(
    client, mentee, staff
):
    client.post("/accounts/login/", {"login": "maria@example.com", "password": PASSWORD})

    response = client.get("/admin/", follow=True)

    assert response.redirect_chain == [("/admin/login/?next=/admin/", 302)]
    assert response.status_code == 200
    assert "not authorized to access this page" in response.content.decode()
    # The refusal offers to sign in as someone else: that goes through the site's sign-in too.
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "pat@example.com", "password": PASSWORD}
    )
    assert response["Location"] == "/accounts/login/?next=/admin/"
    assert int(client.session["_auth_user_id"]) == mentee.pk
