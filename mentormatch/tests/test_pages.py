"""Site-wide pages: the start page and the error pages."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_missing_page_gets_the_sites_own_not_found_page(client, mentee):
    client.force_login(mentee)

    response = client.get("/members/999999/")

    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()
    assert "Mentor Match" in response.content.decode()


def test_the_start_page_invites_a_visitor_to_join(client):
    page = client.get("/").content.decode()

    assert "Join Mentor Match" in page
    assert 'href="/accounts/signup/"' in page


def test_the_start_page_shows_a_member_their_enrollments(client, enrolled_mentee):
    client.force_login(enrolled_mentee)

    page = client.get("/").content.decode()

    assert "My mentee enrollment" in page
    assert "Enroll as a Mentor" in page
