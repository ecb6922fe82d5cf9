"""The member sync API (issue 15, `members:write`): PUT /api/v1/members/by-external-id/{id},
POST /api/v1/members/sync (up to 1,000), POST /api/v1/members/by-external-id/{id}/deactivate.
Refusals are RFC 9457 problems and write nothing."""

import json

import pytest
from django.core import mail

from integrations.models import Scope
from integrations.services import create_token
from members.models import Profile, User
from mentoring.services.requests import accept_request, send_request
from program.models import StaffAction

pytestmark = pytest.mark.django_db

API = "/api/v1"
PROBLEM = "application/problem+json"


@pytest.fixture
def ams(client, staff):
    """A client calling as the association's member system, with a staff members:write token."""
    _, secret = create_token(staff, name="AMS", scopes=[Scope.MEMBERS_WRITE])
    return Caller(client, secret)


class Caller:
    def __init__(self, client, secret):
        self.client, self.secret = client, secret

    def _send(self, method, path, body=None, raw=None):
        data = raw if raw is not None else (json.dumps(body) if body is not None else "")
        return getattr(self.client, method)(
            API + path,
            data=data,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {self.secret}",
        )

    def put(self, external_id, body=None, raw=None):
        return self._send("put", f"/members/by-external-id/{external_id}", body, raw)

    def sync(self, body=None, raw=None):
        return self._send("post", "/members/sync", body, raw)

    def deactivate(self, external_id):
        return self._send("post", f"/members/by-external-id/{external_id}/deactivate")


def ana(**fields):
    return {"email": "ana@example.org", "first_name": "Ana", "last_name": "Lima", **fields}


def state():
    """What a refused call must leave as it was."""
    return (
        list(User.objects.order_by("pk").values("pk", "email", "is_active")),
        list(Profile.objects.order_by("pk").values()),
        StaffAction.objects.count(),
    )


# --- Who may call ---------------------------------------------------------------------------------


def test_without_a_token_the_sync_is_refused_with_401(client):
    before = state()
    response = client.put(
        f"{API}/members/by-external-id/A1", json.dumps(ana()), content_type="application/json"
    )

    assert response.status_code == 401 and response["Content-Type"] == PROBLEM
    assert state() == before


def test_a_token_without_members_write_is_refused_with_403(client, staff, enrolled_mentor):
    _, reports = create_token(staff, name="Reports", scopes=[Scope.REPORTS_READ])
    _, own = create_token(enrolled_mentor, name="Mine", scopes=[Scope.ME])
    before = state()

    for secret in (reports, own):
        response = Caller(client, secret).sync({"members": [{"external_id": "A1", **ana()}]})
        assert response.status_code == 403, secret
        assert response.json()["detail"] == "This token lacks the members:write scope."
    assert state() == before


def test_a_token_of_someone_no_longer_staff_is_refused(client, ams, staff):
    staff.is_staff = False
    staff.save()

    response = ams.put("A1", ana())

    assert response.status_code == 403
    assert "no longer program staff" in response.json()["detail"]
    assert not User.objects.filter(email="ana@example.org").exists()


# --- PUT: one member ------------------------------------------------------------------------------


def test_put_creates_then_reports_unchanged_then_updates(ams):
    created = ams.put("A1", ana(country="Canada"))
    unchanged = ams.put("A1", ana(country="CA"))
    updated = ams.put("A1", ana(job_title="Buyer"))

    assert created.status_code == 201
    assert created.json()["outcome"] == "created"
    assert created.json()["member"]["external_id"] == "A1"
    assert (unchanged.status_code, unchanged.json()["outcome"]) == (200, "unchanged")
    assert updated.json()["outcome"] == "updated"
    assert updated.json()["changed"] == ["job_title"]
    assert Profile.objects.get(external_id="A1").job_title == "Buyer"


def test_put_with_a_different_external_id_in_the_body_is_refused(ams):
    response = ams.put("A1", ana(external_id="A2"))

    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == "body.payload.external_id"
    assert not User.objects.filter(email="ana@example.org").exists()


@pytest.mark.parametrize(
    ("fields", "location", "message"),
    [
        ({"email": "not-an-email"}, "email", "“not-an-email” is not a valid email address."),
        ({"email": ""}, "email", "Email is missing."),
        ({"last_name": ""}, "last_name", "Last name is missing."),
        ({"first_name": "x" * 81}, "first_name", "First name is longer than 80 characters."),
        ({"city": "x" * 101}, "city", "City is longer than 100 characters."),
        ({"country": "Narnia"}, "country", "Unknown country “Narnia”: use a two-letter ISO code."),
        ({"job_title": "Buy\x01er"}, "job_title", "Job title contains a control character."),
        ({"first_name": "\u200b"}, "first_name", "First name has no visible letters."),
    ],
)
def test_put_with_a_bad_field_is_a_422_problem_naming_the_field(ams, fields, location, message):
    before = state()

    response = ams.put("A1", ana(**fields))

    assert response.status_code == 422 and response["Content-Type"] == PROBLEM
    assert response.json()["errors"] == [
        {"location": f"body.payload.{location}", "message": message}
    ]
    assert state() == before


@pytest.mark.parametrize(
    "body",
    [
        {**ana(), "first_name": 5},
        {**ana(), "email": ["a@example.org"]},
        {**ana(), "email": None},
        {**ana(), "status": "gone"},
        {**ana(), "invite": "yes"},
        {**ana(), "phone": "+1 555"},  # not a field the sync sets: a typo is not ignored
        ["not", "an", "object"],
        "just text",
    ],
)
def test_put_with_a_wrong_type_is_a_422_problem(ams, body):
    before = state()

    response = ams.put("A1", body)

    assert response.status_code == 422 and response["Content-Type"] == PROBLEM
    assert response.json()["errors"]
    assert state() == before


@pytest.mark.parametrize(
    ("external_id", "message"),
    [
        ("A%201", "without spaces"),
        ("x" * 65, "longer than 64 characters"),
        ("%C3%A9t%C3%A9", "without spaces"),
    ],
)
def test_put_with_a_bad_member_id_in_the_path_is_a_422_problem(ams, external_id, message):
    before = state()

    response = ams.put(external_id, ana())

    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["location"] == "path.external_id"
    assert message in response.json()["errors"][0]["message"]
    assert state() == before


def test_a_nul_byte_in_the_body_is_refused_and_nothing_is_written(ams):
    before = state()

    in_body = ams.put("A1", ana(last_name="Li\x00ma"))

    assert in_body.status_code in (400, 422) and in_body["Content-Type"] == PROBLEM
    assert state() == before


@pytest.mark.parametrize(
    ("external_id", "answers"),
    [
        # A NUL byte may be refused before the address is looked up, by the API's parser (400).
        ("A%00", (400, 404)),
        ("9" * 101, (404,)),
        ("9" * 5000, (404,)),
    ],
)
def test_a_path_no_member_id_could_be_is_not_found(ams, external_id, answers):
    before = state()

    put = ams.put(external_id, ana())
    deactivate = ams.deactivate(external_id)

    assert put.status_code in answers and deactivate.status_code in answers
    assert state() == before


def test_not_json_is_refused_and_nothing_is_written(ams):
    before = state()

    response = ams.put("A1", raw="{email: ana")

    assert response.status_code in (400, 422) and response["Content-Type"] == PROBLEM
    assert state() == before


def test_put_of_a_changed_email_is_a_422_and_keeps_the_sign_in_address(ams):
    ams.put("A1", ana())

    response = ams.put("A1", ana(email="ana.new@example.org"))

    assert response.status_code == 422
    assert "never changes a sign-in address" in response.json()["errors"][0]["message"]
    assert User.objects.filter(email="ana@example.org").exists()
    assert not User.objects.filter(email="ana.new@example.org").exists()


def test_put_with_invite_emails_a_new_member_a_link(ams):
    ams.put("A1", {**ana(), "invite": True})

    (invitation,) = mail.outbox
    assert invitation.to == ["ana@example.org"]


# --- Bulk -----------------------------------------------------------------------------------------


def test_bulk_reports_each_member_and_skips_the_invalid_ones(ams, mentee):
    response = ams.sync(
        {
            "members": [
                {"external_id": "A1", **ana()},
                {"external_id": "A2", **ana(email="bad")},
                {"external_id": "M1", **ana(email="maria@example.com")},
                {"external_id": "A 4", **ana(email="d@example.org")},
            ]
        }
    )

    assert response.status_code == 200
    body = response.json()
    assert [r["outcome"] for r in body["results"]] == ["created", "invalid", "updated", "invalid"]
    assert body["counts"]["created"] == 1 and body["counts"]["invalid"] == 2
    assert body["results"][1]["errors"] == [
        {
            "location": "body.payload.members.1.email",
            "message": "“bad” is not a valid email address.",
        }
    ]
    assert body["results"][3]["errors"][0]["location"] == "body.payload.members.3.external_id"
    assert body["results"][2]["member"]["id"] == mentee.pk
    assert not User.objects.filter(email="d@example.org").exists()


@pytest.mark.parametrize(
    "body",
    [
        {"members": []},
        {"members": {"external_id": "A1"}},
        {"members": "A1"},
        {"members": [{"external_id": 1, **ana()}]},
        {"members": [["A1", "ana@example.org"]]},
        {"members": [{"external_id": "A1", **ana()}], "extra": True},
        [{"external_id": "A1", **ana()}],
        {},
    ],
)
def test_bulk_of_the_wrong_shape_is_refused_whole(ams, body):
    before = state()

    response = ams.sync(body)

    assert response.status_code == 422 and response["Content-Type"] == PROBLEM
    assert response.json()["errors"]
    assert state() == before


def test_more_than_a_thousand_members_are_refused_with_413_and_nothing_written(ams):
    members = [{"external_id": f"A{n}", **ana(email=f"a{n}@example.org")} for n in range(1001)]
    before = state()

    response = ams.sync({"members": members})

    assert response.status_code == 413 and response["Content-Type"] == PROBLEM
    assert "At most 1,000 members per call; this call has 1,001" in response.json()["detail"]
    assert state() == before


def test_a_thousand_members_in_one_call_are_created_and_the_same_call_again_changes_nothing(ams):
    members = [
        {"external_id": f"AMS-{n:04d}", **ana(email=f"m{n}@example.org", country="US")}
        for n in range(1000)
    ]

    first = ams.sync({"members": members})
    stamps = dict(Profile.objects.values_list("user_id", "updated_at"))
    second = ams.sync({"members": members})

    assert first.json()["counts"]["created"] == 1000
    assert second.json()["counts"]["unchanged"] == 1000
    assert dict(Profile.objects.values_list("user_id", "updated_at")) == stamps
    assert User.objects.count() == 1001  # and the staff member


# --- Deactivate -----------------------------------------------------------------------------------


def test_deactivate_ends_the_relationship_and_a_second_call_changes_nothing(
    ams, enrolled_mentor, enrolled_mentee
):
    accept_request(
        send_request(enrolled_mentee, enrolled_mentor, recipient_role="mentor").pk,
        enrolled_mentor,
    )
    Profile.objects.filter(user=enrolled_mentor).update(external_id="M-7")
    mail.outbox.clear()

    first = ams.deactivate("M-7")
    second = ams.deactivate("M-7")

    assert (first.status_code, first.json()["outcome"]) == (200, "deactivated")
    assert first.json()["member"]["active"] is False
    assert second.json()["outcome"] == "unchanged"
    assert len([m for m in mail.outbox if m.to == ["maria@example.com"]]) == 1


def test_deactivate_an_unknown_id_is_404_and_a_staff_account_409(ams, staff):
    assert ams.deactivate("nobody").status_code == 404
    Profile.objects.filter(user=staff).update(external_id="S1")

    response = ams.deactivate("S1")

    assert response.status_code == 409 and "staff account" in response.json()["detail"]
    staff.refresh_from_db()
    assert staff.is_active


def test_lapsed_in_an_upsert_deactivates_and_active_brings_the_member_back(ams, outsider):
    Profile.objects.filter(user=outsider).update(external_id="O1")
    olivia = {"email": "olivia@example.com", "first_name": "Olivia", "last_name": "Outsider"}

    lapsed = ams.put("O1", {**olivia, "status": "lapsed"})
    renewed = ams.put("O1", {**olivia, "status": "active"})

    assert lapsed.json()["outcome"] == "deactivated"
    assert renewed.json()["outcome"] == "reactivated"
    outsider.refresh_from_db()
    assert outsider.is_active


def test_the_schema_documents_the_sync_operations(client):
    paths = client.get(f"{API}/openapi.json").json()["paths"]

    assert "put" in paths[f"{API}/members/by-external-id/{{external_id}}"]
    assert "post" in paths[f"{API}/members/sync"]
    assert "post" in paths[f"{API}/members/by-external-id/{{external_id}}/deactivate"]
