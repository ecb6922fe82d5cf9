"""Every response carries a Content-Security-Policy that allows only the site's own scripts and
styles, and a Permissions-Policy; the pages themselves need no inline style or script."""

import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.urls import path

pytestmark = pytest.mark.django_db

SITE_CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "site.css"
INLINE = re.compile(r"<style|\sstyle=|<script(?![^>]*\ssrc=)", re.IGNORECASE)


def policy(response) -> dict[str, list[str]]:
    directives = [part.split() for part in response["Content-Security-Policy"].split(";")]
    return {name: values for name, *values in directives}


def assert_strict_policy(response):
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    features = dict(item.split("=") for item in response["Permissions-Policy"].split(", "))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert features[feature] == "()"


SIGNED_OUT_PAGES = ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]
MEMBER_PAGES = [
    "/",
    "/profile/",
    "/members/",
    "/members/{mentor}/",
    "/find-a-mentor/",
    "/find-a-mentor/?s=1&q=sourcing",
    "/relationships/",
    "/enroll/mentor/",
    "/accounts/email/",
    "/members/999999/",  # the site's 404 page
]
STAFF_PAGES = ["/staff/", "/staff/actions/", "/staff/emails/", "/staff/reports/", "/admin/"]


def test_signed_out_pages_carry_the_strict_policy_and_need_nothing_inline(client):
    for url in SIGNED_OUT_PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict_policy(response)
        assert not INLINE.search(response.content.decode()), url


def test_member_pages_carry_the_strict_policy_and_need_nothing_inline(
    client, enrolled_mentee, enrolled_mentor
):
    client.force_login(enrolled_mentee)

    for url in MEMBER_PAGES:
        response = client.get(url.format(mentor=enrolled_mentor.pk))
        assert response.status_code in (200, 404), url
        assert_strict_policy(response)
        assert not INLINE.search(response.content.decode()), url


def test_staff_pages_carry_the_strict_policy_and_need_nothing_inline(
    client, staff, enrolled_mentee, enrolled_mentor
):
    from mentoring.services.requests import send_request

    send_request(enrolled_mentee, enrolled_mentor, recipient_role="mentor", message="Hello")
    client.force_login(staff)

    for url in STAFF_PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict_policy(response)
        if not url.startswith("/admin/"):  # Django's own admin templates are Django's business
            assert not INLINE.search(response.content.decode()), url
    assert "swatch series-requests" in client.get("/staff/").content.decode()


def test_responses_that_skip_the_views_carry_both_headers_too(client):
    # upload_limit refuses an oversized body before any view runs.
    response = client.generic(
        "POST", "/profile/", b"", content_type="text/plain", CONTENT_LENGTH="999999999999"
    )

    assert response.status_code == 413
    assert_strict_policy(response)


def broken(request):
    raise RuntimeError("boom")


# This module is the URLconf of the next test: the site's error handler, and a view that fails.
urlpatterns = [path("broken/", broken)]
handler500 = "mentormatch.urls.handler500"


@pytest.mark.urls(__name__)
def test_the_server_error_page_may_use_its_own_small_stylesheet_and_nothing_else(client):
    client.raise_request_exception = False

    response = client.get("/broken/")

    assert response.status_code == 500
    csp = policy(response)
    assert csp["style-src"] == ["'self'", "'unsafe-inline'"]
    assert csp["script-src"] == ["'self'"]
    assert response["Permissions-Policy"]


def test_an_initials_avatar_takes_its_colour_from_the_stylesheet(mentee):
    html = Template("{% load members_tags %}{% avatar profile %}").render(
        Context({"profile": mentee.profile})
    )

    assert "style=" not in html
    bucket = int(re.search(r'data-hue="(\d+)"', html).group(1))
    assert abs(bucket * 10 - mentee.profile.avatar_hue) <= 5 or mentee.profile.avatar_hue > 355


def test_the_stylesheet_has_a_colour_for_every_avatar_hue_and_chart_series():
    css = SITE_CSS.read_text()

    for bucket in range(36):
        assert f'.avatar[data-hue="{bucket}"] {{ --hue: {bucket * 10}; }}' in css
    for series in ("requests", "accepted", "completed", "seeking", "offering"):
        assert re.search(rf"\.series-{series}\b[^{{]*\{{ fill: #[0-9a-f]{{6}}; background:", css)
