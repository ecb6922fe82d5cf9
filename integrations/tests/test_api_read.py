"""The reads (`reports:read`): what program staff see on the staff pages, through the same
definitions (contact visibility, participating, open places, the reports and their filters)."""

import pytest
from django.contrib.auth.models import Group

from integrations.models import Scope
from integrations.services import create_token
from integrations.tests.api_client import *  # noqa: F403
from integrations.tests.api_client import call
from members.models import ContactVisibility, User
from mentoring.models import Enrollment, ProgramSettings
from mentoring.services.requests import accept_request, send_request
from program.access import STAFF_GROUP
from program.reports import REPORTS

pytestmark = pytest.mark.django_db


@pytest.fixture
def relationship(enrolled_mentee, enrolled_mentor):
    request = send_request(
        enrolled_mentee, enrolled_mentor, recipient_role="mentor", message="Private hello",
        goals="Private goals",
    )  # fmt: skip
    return accept_request(request.pk, enrolled_mentor)


@pytest.fixture
def group_staff_token(make_member):
    """Program staff by the group, not an is_staff account."""
    user = make_member("gina@example.com", "Gina", "Group")
    user.groups.add(Group.objects.get_or_create(name=STAFF_GROUP)[0])
    return create_token(user, name="Group", scopes=[Scope.REPORTS_READ])[1]


def hide_contact(user):
    profile = user.profile
    profile.contact_visibility = ContactVisibility.PARTNERS
    profile.save()


def test_members_show_public_fields_and_contact_details_the_owner_may_see(
    client, reader_token, enrolled_mentor
):
    body = call(client, "get", f"/members/{enrolled_mentor.pk}", reader_token).json()
    assert body["full_name"] == "David Okafor" and body["email"] == "david@example.com"
    assert body["contact"]["phone"] == "+1 555 123 4567"
    assert body["profile_url"].endswith(f"/members/{enrolled_mentor.pk}/")


def test_hidden_contact_details_stay_hidden_from_staff_who_may_not_see_them(
    client, group_staff_token, enrolled_mentor
):
    hide_contact(enrolled_mentor)
    gina = User.objects.get(email="gina@example.com")
    assert not enrolled_mentor.profile.contact_visible_to(gina)  # the one definition
    body = call(client, "get", f"/members/{enrolled_mentor.pk}", group_staff_token).json()
    assert body["contact"] is None
    listed = call(client, "get", "/members", group_staff_token).json()["items"]
    assert [m["contact"] for m in listed if m["id"] == enrolled_mentor.pk] == [None]
    assert "555 123" not in str(listed)


def test_a_deactivated_member_is_neither_listed_nor_found(client, reader_token, outsider):
    outsider.is_active = False
    outsider.save()
    assert outsider.pk not in [
        m["id"] for m in call(client, "get", "/members", reader_token).json()["items"]
    ]
    assert call(client, "get", f"/members/{outsider.pk}", reader_token).status_code == 404


def test_members_filter_by_updated_since_and_external_id(client, reader_token, outsider):
    profile = outsider.profile
    profile.external_id = "AMS-42"
    profile.save()
    found = call(client, "get", "/members?external_id=AMS-42", reader_token).json()
    assert [m["id"] for m in found["items"]] == [outsider.pk] and found["count"] == 1
    assert found["items"][0]["external_id"] == "AMS-42"
    later = call(client, "get", "/members?updated_since=2999-01-01T00:00:00Z", reader_token)
    assert later.json() == {"items": [], "count": 0}


@pytest.mark.parametrize(
    "value", ["0.5", "2020-01-01", "2020-01-01T00:00:00", "yesterday", "0001-01-01T00:00:00+23:59"]
)
def test_a_moment_must_be_rfc_3339_with_its_offset(client, reader_token, value):
    response = call(client, "get", f"/members?updated_since={value}", reader_token)
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == "query.updated_since"


def test_criteria_list_categories_with_options(client, reader_token, default_criteria):
    body = call(client, "get", "/criteria", reader_token).json()
    skills = next(c for c in body if c["name"] == "Leadership Skills")
    assert skills["applies_to"] in ("both", "mentor", "mentee")
    assert "Negotiation" in [o["label"] for o in skills["options"]]


def test_enrollments_say_participating_and_open_places_by_the_one_definitions(
    client, reader_token, relationship, enrolled_mentor
):
    items = call(client, "get", "/enrollments?role=mentor", reader_token).json()["items"]
    (mentor,) = items
    enrollment = Enrollment.objects.get(user=enrolled_mentor, role="mentor")
    assert mentor["open_places"] == enrollment.open_places() == 1
    assert mentor["participating"] is enrollment.is_participating() is True
    enrollment.status = "paused"
    enrollment.save()
    assert (
        call(client, "get", "/enrollments?participating=true&role=mentor", reader_token).json()[
            "count"
        ]
        == 0
    )
    paused = call(client, "get", "/enrollments?participating=false", reader_token).json()
    assert [e["id"] for e in paused["items"]] == [enrollment.pk]


def test_requests_and_relationships_carry_no_private_words(client, reader_token, relationship):
    requests = call(client, "get", "/requests", reader_token).json()
    relationships = call(client, "get", "/relationships?status=active", reader_token).json()
    assert requests["count"] == 1 and requests["items"][0]["status"] == "accepted"
    assert relationships["count"] == 1
    assert relationships["items"][0]["request_id"] == requests["items"][0]["id"]
    assert "Private" not in str(requests) + str(relationships)
    assert "message" not in requests["items"][0] and "goals" not in relationships["items"][0]


def test_requests_filter_by_member(client, reader_token, relationship, outsider):
    mine = call(client, "get", f"/requests?member_id={relationship.mentee_id}", reader_token)
    assert mine.json()["count"] == 1
    theirs = call(client, "get", f"/requests?member_id={outsider.pk}", reader_token)
    assert theirs.json()["count"] == 0


@pytest.mark.parametrize("slug", list(REPORTS))
def test_each_report_gives_the_staff_pages_rows_keyed_by_its_columns(
    client, reader_token, relationship, slug
):
    report = REPORTS[slug]
    body = call(client, "get", f"/reports/{slug}", reader_token).json()
    expected = report.rows(report.queryset({}), ProgramSettings.current())
    assert body["columns"] == list(report.columns)
    assert body["count"] == report.total({}) == len(expected) > 0
    assert body["items"] == [dict(zip(report.columns, row, strict=True)) for row in expected]


def test_report_filters_are_the_staff_forms(client, reader_token, relationship):
    mentors = call(client, "get", "/reports/participants?role=mentor", reader_token).json()
    assert [row["Role"] for row in mentors["items"]] == ["Mentor"]
    empty = call(client, "get", "/reports/mentees?date_from=2999-01-01", reader_token).json()
    assert empty["count"] == 0
    paged = call(client, "get", "/reports/participants?limit=1&offset=1", reader_token).json()
    assert paged["count"] == 2 and len(paged["items"]) == 1


@pytest.mark.parametrize(
    ("query", "location", "says"),
    [
        ("/reports/mentees?date_from=2020-02-01&date_to=2020-01-01", "query.", "must not be after"),
        ("/reports/mentees?date_from=1800-01-01", "query.date_from", "between 1900 and 2999"),
        ("/reports/mentees?role=mentor", "query.role", "has no role filter"),
        ("/reports/relationships?option=1", "query.option", "has no option filter"),
        ("/reports/mentees?option=9223372036854775807", "query.option", "valid choice"),
        ("/reports/mentees?status=completed", "query.status", "valid choice"),
        ("/reports/mentees?date_from=2020-1-1", "query.date_from", "a day"),
    ],
)
def test_bad_report_filters_are_a_422_saying_why(client, reader_token, query, location, says):
    response = call(client, "get", query, reader_token)
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["location"].startswith(location) and says in error["message"]


def test_an_unknown_report_is_a_404(client, reader_token):
    assert call(client, "get", "/reports/salaries", reader_token).status_code == 404
