"""URLs no link of the site makes: ids past what the database holds, tokens of the wrong shape,
NUL bytes, very long and non-ASCII strings. Each is a 404 (or the page's own refusal), never a 500,
on SQLite and on PostgreSQL: the path converters (mentormatch/converters.py) turn them away before
a view runs or a query is made."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import get_converters

from integrations.models import Scope
from integrations.services import create_token
from members.templatetags.members_tags import AVATAR_PIXELS
from mentoring.models import Role, new_feed_token
from mentormatch.converters import MAX_ID
from notifications.emails import unsubscribe_url

pytestmark = pytest.mark.django_db

PAST_ANY_DATABASE = "99999999999999999999"
PAST_BIGINT = str(MAX_ID + 1)  # 9223372036854775808


def routes(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from routes(pattern, route)
        else:
            assert isinstance(pattern, URLPattern)
            yield route


# Our own URLs; allauth's and the admin's are checked by example below.
OURS = [route for route in routes() if not route.startswith(("accounts/", "admin/"))]
PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
# A valid value for each converter that is not the one under test.
SAMPLE = {"role": "mentor", "photo_size": "full", "slug": "mentees", "id": "1"}


def url_with(route: str, value: str, converters=("id", "int")) -> str:
    """The route with `value` for each parameter of those converters and a sample elsewhere."""

    def fill(match):
        converter = match["converter"] or "str"
        return value if converter in converters else SAMPLE.get(converter, "x")

    return "/" + PARAMETER.sub(fill, route)


ID_ROUTES = [
    route
    for route in OURS
    if any(match["converter"] in ("id", "int") for match in PARAMETER.finditer(route))
]


def test_every_parameter_of_our_urls_has_a_converter_of_its_shape():
    """`int` takes any number of digits, `str` and `path` take NUL bytes and any length."""
    loose = [
        route
        for route in OURS
        for match in PARAMETER.finditer(route)
        if (match["converter"] or "str") in ("int", "str", "path")
    ]
    assert loose == []


def test_the_converters_accept_what_the_site_makes(mentee):
    converters = get_converters()
    unsubscribe_token = unsubscribe_url(mentee).rstrip("/").rsplit("/", 1)[1]

    assert re.fullmatch(converters["feed_token"].regex, new_feed_token())
    assert re.fullmatch(converters["signed_token"].regex, unsubscribe_token)
    assert set(converters["role"].regex.split("|")) == set(Role.values)
    assert set(converters["photo_size"].regex.split("|")) == set(AVATAR_PIXELS)


@pytest.fixture
def as_role(client, outsider, staff):
    def sign_in(role) -> Client:
        user, scopes = {
            "member": (outsider, [Scope.ME]),
            "staff": (staff, [Scope.REPORTS_READ, Scope.MEMBERS_WRITE]),
        }.get(role, (None, None))
        if user is not None:
            client.force_login(user)
            # The REST API (/api/v1/) takes a token, not the session.
            secret = create_token(user, name="hostile", scopes=scopes)[1]
            client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
        # Answer with the status a visitor would see, not the exception the test client re-raises.
        client.raise_request_exception = False
        return client

    return sign_in


@pytest.mark.parametrize("role", ["anonymous", "member", "staff"])
@pytest.mark.parametrize("value", [PAST_ANY_DATABASE, PAST_BIGINT])
@pytest.mark.parametrize("route", ID_ROUTES)
def test_an_id_past_the_largest_is_not_found(as_role, route, value, role):
    url = url_with(route, value)

    response = as_role(role).get(url)

    assert response.status_code == 404, f"GET {url} as {role}: {response.status_code}"


@pytest.mark.parametrize("role", ["member", "staff"])
@pytest.mark.parametrize("route", ID_ROUTES)
def test_the_largest_id_is_looked_up_like_any_other(as_role, route, role):
    url = url_with(route, str(MAX_ID))

    response = as_role(role).get(url)

    # An API operation of the other kind of token (a member's own, program staff's) is a 403.
    expected = (403, 404, 405) if route.startswith("api/") else (404, 405)
    assert response.status_code in expected, f"GET {url} as {role}: {response.status_code}"


HOSTILE = {
    "nul": "ab%00cd",
    "nul-in-a-token-of-the-right-length": "a" * 15 + "%00" + "b" * 16,
    "10000-characters": "x" * 10_000,
    "unicode": "%C3%A9t%C3%A9-%E2%9C%93-%F0%9F%94%91",
    "percent-encoded-slash": "ab%2Fcd",
}
SHAPED = {
    "feed": "/calendar/{}.ics",
    "unsubscribe": "/notifications/unsubscribe/{}/",
    "enroll-role": "/enroll/{}/",
    "participation-role": "/enroll/{}/status/",
    "withdraw-role": "/enroll/{}/withdraw/",
    "request-role": "/request/{}/1/",
    "photo-size": "/members/1/photo/{}.jpg",
}


@pytest.mark.parametrize("role", ["anonymous", "member"])
@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
@pytest.mark.parametrize("template", SHAPED.values(), ids=SHAPED.keys())
def test_a_token_or_word_of_the_wrong_shape_is_not_found(as_role, template, value, role):
    url = template.format(value)

    response = as_role(role).get(url)

    assert response.status_code == 404, f"GET {url[:120]} as {role}: {response.status_code}"


@pytest.mark.parametrize(
    "url",
    [
        "/enroll/admin/",
        "/enroll/Mentor/",
        "/request/staff/1/",
        "/members/1/photo/original.jpg",
        "/members/1/photo/..%2Ffull.jpg",
        "/calendar/" + "A" * 31 + "=.ics",
        "/calendar/" + "A" * 31 + ".ics",
        "/calendar/" + "A" * 33 + ".ics",
        "/calendar/" + "A" * 32 + "%00.ics",
        "/notifications/unsubscribe/a.b/",
    ],
)
def test_a_word_the_site_does_not_use_is_not_found(as_role, url):
    assert as_role("member").get(url).status_code == 404


# allauth's keys and the admin's object ids: not ours to shape, but never a 500.
OTHERS = [
    "/accounts/confirm-email/{}/",
    "/accounts/password/reset/key/1-{}/",
    "/accounts/password/reset/key/{}-abc/",
    "/admin/mentoring/relationship/{}/change/",
    "/admin/mentoring/mentoringrequest/{}/history/",
    "/admin/members/user/{}/password/",
    "/admin/members/user/{}/delete/",
    "/admin/django_tasks_database/dbtaskresult/{}/change/",
    "/admin/r/{}/1/",
    "/admin/{}/",
]
# Profile and Preferences have the member's id as their primary key (a one-to-one field): the
# admin looked a huge id up and SQLite could not hold it (OverflowError, a 500); they refuse such
# ids now (mentormatch.converters.AdminIdsInRange).
ADMIN_ONE_TO_ONE = [
    "/admin/members/profile/{}/change/",
    "/admin/members/profile/{}/delete/",
    "/admin/notifications/preferences/{}/change/",
    "/admin/notifications/preferences/{}/history/",
]
HUGE = {"past-any-database": PAST_ANY_DATABASE, "past-bigint": PAST_BIGINT}


def admin_and_allauth_cases():
    for template in OTHERS + ADMIN_ONE_TO_ONE:
        for name, value in (HOSTILE | HUGE).items():
            yield pytest.param(template, value, id=f"{template}-{name}")


@pytest.mark.parametrize(("template", "value"), list(admin_and_allauth_cases()))
def test_allauth_and_the_admin_never_fail_on_them(client, staff, template, value):
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    client.raise_request_exception = False
    url = template.format(value)

    response = client.get(url)

    assert response.status_code < 500, f"GET {url[:120]}: {response.status_code}"


# Not a URL's shape but a search box's: PostgreSQL refuses a NUL in a text lookup.
@pytest.mark.parametrize("path", ["/staff/actions/", "/staff/sent-emails/"])
def test_a_nul_byte_in_a_staff_search_is_no_500(as_role, path):
    assert as_role("staff").get(path, {"q": "a\x00b"}).status_code < 500


def test_a_nul_byte_in_the_member_directory_search_is_no_500(as_role):
    assert as_role("member").get("/members/", {"q": "a\x00b"}).status_code == 200
