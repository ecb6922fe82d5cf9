"""The API's framework: one error format (RFC 9457) for every error it can answer, token auth,
the per-token rate with Retry-After, pagination with totals, and a schema that declares it all."""

import json

import pytest
from django.utils import timezone

from integrations.api import PROBLEM_CONTENT_TYPE, PROBLEM_STATUSES
from integrations.models import ApiToken, Scope
from integrations.services import create_token, revoke_token
from integrations.tests.api_client import *  # noqa: F403
from integrations.tests.api_client import API, call

pytestmark = pytest.mark.django_db


def assert_problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"]
    return body


def test_an_unknown_address_is_a_404_problem(client, staff_token):
    assert_problem(call(client, "get", "/no/such/thing", staff_token), 404)
    assert_problem(call(client, "post", "/no/such/thing", staff_token, body={}), 404)


def test_a_wrong_method_is_a_405_problem_with_allow(client, staff_token):
    response = call(client, "delete", "/members", staff_token)
    assert_problem(response, 405)
    assert "GET" in response["Allow"]


def test_a_body_that_is_not_json_is_a_400_problem(client, staff_token):
    schema = client.get(f"{API}/openapi.json").json()
    path = next(
        p
        for p, ops in schema["paths"].items()
        if "post" in ops and "{" not in p and not p.startswith(f"{API}/me/")
    )
    response = client.post(
        path, data="{not json", content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {staff_token}",
    )  # fmt: skip
    assert_problem(response, 400)


@pytest.mark.parametrize(
    "path",
    ["/members%00", "/reports/mentees%00", "/members?updated_since=%00", "/members?x%00=1"],
)
def test_a_nul_character_in_the_address_is_a_400_problem(client, staff_token, path):
    assert_problem(call(client, "get", path, staff_token), 400)


def test_a_nul_character_in_a_json_body_is_a_400_problem_and_nothing_is_saved(client, staff_token):
    from members.models import Profile

    before = Profile.objects.count()
    schema = client.get(f"{API}/openapi.json").json()
    path = next(
        p
        for p, ops in schema["paths"].items()
        if "post" in ops and "{" not in p and not p.startswith(f"{API}/me/")
    )
    body = {"members": [{"external_id": "A1", "email": "nul@example.com", "first_name": "N\x00"}]}
    response = client.post(
        path, data=json.dumps(body), content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {staff_token}",
    )  # fmt: skip
    assert_problem(response, 400)
    assert Profile.objects.count() == before


@pytest.mark.parametrize("member_id", ["99999999999999999999", "9223372036854775808", "0", "x"])
def test_an_id_that_cannot_be_one_is_a_404_not_a_500(client, staff_token, member_id):
    assert_problem(call(client, "get", f"/members/{member_id}", staff_token), 404)


def test_the_largest_id_is_simply_not_found(client, staff_token):
    assert_problem(call(client, "get", f"/members/{2**63 - 1}", staff_token), 404)


@pytest.mark.parametrize("token", [None, "mm_wrong", "mm_\x00", "x" * 500])
def test_without_a_live_token_the_answer_is_401_with_www_authenticate(client, token):
    response = call(client, "get", "/members", token)
    assert_problem(response, 401)
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_revoked_token_is_refused(client, staff, staff_token):
    token = ApiToken.objects.get(user=staff)
    revoke_token(token.pk, by=staff)
    assert_problem(call(client, "get", "/members", staff_token), 401)


def test_a_token_of_a_deactivated_account_is_refused(client, staff, staff_token):
    staff.is_active = False
    staff.save()
    assert_problem(call(client, "get", "/members", staff_token), 401)


def test_a_token_of_someone_no_longer_staff_keeps_no_staff_power(client, staff, staff_token):
    staff.is_staff = False
    staff.save()
    body = assert_problem(call(client, "get", "/members", staff_token), 403)
    assert "no longer program staff" in body["detail"]


def test_a_call_notes_when_the_token_was_last_used(client, staff, staff_token):
    token = ApiToken.objects.get(user=staff)
    assert token.last_used_at is None
    call(client, "get", "/criteria", staff_token)
    token.refresh_from_db()
    assert token.last_used_at is not None and token.last_used_at <= timezone.now()


def test_past_the_rate_a_token_gets_429_with_retry_after(client, settings, staff, staff_token):
    settings.API_RATE = "3/min"
    for _ in range(3):
        assert call(client, "get", "/criteria", staff_token).status_code == 200
    response = call(client, "get", "/criteria", staff_token)
    assert_problem(response, 429)
    assert 0 < int(response["Retry-After"]) <= 60
    # Counted per token: another token is not held back.
    other = create_token(staff, name="Other", scopes=[Scope.REPORTS_READ])[1]
    assert call(client, "get", "/criteria", other).status_code == 200


def test_lists_are_paged_with_their_total(client, staff_token, make_member):
    for n in range(5):
        make_member(f"p{n}@example.com", f"P{n}", "Paged")
    first = call(client, "get", "/members?limit=2", staff_token).json()
    rest = call(client, "get", "/members?limit=2&offset=2", staff_token).json()
    assert first["count"] == rest["count"] == 6  # and Pat, the staff member
    assert len(first["items"]) == len(rest["items"]) == 2
    assert {m["id"] for m in first["items"]}.isdisjoint(m["id"] for m in rest["items"])


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=1001", "offset=-1", f"offset={2**63}", "limit=x"]
)
def test_paging_out_of_range_is_a_422_problem(client, staff_token, query):
    body = assert_problem(call(client, "get", f"/members?{query}", staff_token), 422)
    assert body["errors"][0]["location"].startswith("query.")


def test_the_schema_declares_the_problems_of_every_operation(client):
    schema = client.get(f"{API}/openapi.json").json()
    assert schema["components"]["schemas"]["Problem"]["required"] == [
        "type", "title", "status", "detail"
    ]  # fmt: skip
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status in PROBLEM_STATUSES:
                response = operation["responses"][str(status)]
                assert list(response["content"]) == [PROBLEM_CONTENT_TYPE], (path, method, status)
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert "application/json" not in response.get("content", {}), (path, status)


def test_the_schema_and_its_documentation_need_no_token(client):
    assert client.get(f"{API}/openapi.json").status_code == 200
    assert client.get(f"{API}/docs").status_code == 200


def test_no_two_schemas_of_the_api_share_a_name():
    """ninja names each schema's component by its class name: a second class of the same name
    in another router silently replaces the first in the OpenAPI schema. A router's own Problem
    is replaced by integrations.api's, so it must say no more than that one."""
    from ninja import Schema

    from integrations import api_me, api_read, api_sync
    from integrations.api import PROBLEM_SCHEMA

    seen = {}
    for module in (api_read, api_sync, api_me):
        for name, value in vars(module).items():
            if not (isinstance(value, type) and issubclass(value, Schema)):
                continue
            if value.__module__ != module.__name__:
                continue
            if name == "Problem":
                assert set(value.model_fields) <= set(PROBLEM_SCHEMA["properties"])
                continue
            assert name not in seen, f"{name} in both {seen[name]} and {module.__name__}"
            seen[name] = module.__name__
