"""Who may read what through the API, over every operation the schema holds (the member's own
/me operations included): a member's token reads none of the association's lists and nothing of
another member's requests, relationships, notes or hidden contact details; a staff token needs
reports:read to read; a revoked token, or one of a deactivated account, is refused."""

import re

import pytest

from integrations.api import api
from integrations.models import ApiToken, Scope
from integrations.services import create_token, revoke_token
from integrations.tests.api_client import *  # noqa: F403
from integrations.tests.api_client import API, call
from members.models import ContactVisibility
from mentoring.models import MentoringRequest, Relationship
from mentoring.services.enrollment import enroll
from mentoring.services.requests import accept_request, send_request

pytestmark = pytest.mark.django_db

SECRETS = ("SECRET-MESSAGE", "SECRET-GOALS", "555 123", "david.private@example.com")


def _operations():
    schema = api.get_openapi_schema(path_prefix=API + "/")
    for path, operations in schema["paths"].items():
        for method in operations:
            yield method.upper(), path


OPERATIONS = sorted(_operations())
READS = [(m, p) for m, p in OPERATIONS if not p.startswith(f"{API}/me")]
ME_WITH_IDS = [
    (m, p)
    for m, p in OPERATIONS
    if p.startswith(f"{API}/me") and ("{request_id}" in p or "{relationship_id}" in p)
]
ME_GETS = [(m, p) for m, p in OPERATIONS if p.startswith(f"{API}/me") and m == "GET"]


@pytest.fixture
def others(enrolled_mentor, make_member, option):
    """David (contact details for partners only) with two other members: a relationship with
    Rui and a pending request from Olivia, with words meant for them alone."""
    negotiation = option("Leadership Skills", "Negotiation").pk
    profile = enrolled_mentor.profile
    profile.contact_visibility = ContactVisibility.PARTNERS
    profile.contact_email = "david.private@example.com"
    profile.save()
    rui = make_member("rui@example.com", "Rui", "Requester")
    enroll(rui, "mentee", option_ids=[negotiation], statement="Negotiating.")
    relationship = accept_request(
        send_request(rui, enrolled_mentor, recipient_role="mentor", goals="SECRET-GOALS").pk,
        enrolled_mentor,
    )
    olivia = make_member("olivia@example.com", "Olivia", "Other")
    enroll(olivia, "mentee", option_ids=[negotiation], statement="Negotiating too.")
    pending = send_request(
        olivia, enrolled_mentor, recipient_role="mentor", message="SECRET-MESSAGE"
    )
    return {"request": pending, "relationship": relationship, "member": enrolled_mentor}


def fill(path, others):
    values = {
        "request_id": others["request"].pk,
        "relationship_id": others["relationship"].pk,
        "member_id": others["member"].pk,
        "external_id": "AMS-1",
        "name": "mentees",
        "role": "mentor",
    }
    return re.sub(r"\{(\w+)\}", lambda m: str(values.get(m[1], 1)), path).removeprefix(API)


def state():
    return (
        list(MentoringRequest.objects.order_by("pk").values_list("pk", "status")),
        list(Relationship.objects.order_by("pk").values_list("pk", "status")),
        list(ApiToken.objects.values_list("pk", "revoked_at")),
    )


@pytest.mark.parametrize(("method", "path"), READS)
def test_a_member_token_reads_none_of_the_associations_operations(
    client, member_token, enrolled_mentee, others, method, path
):
    before = state()
    response = call(
        client, method, fill(path, others), member_token, body={} if method != "GET" else None
    )
    # A write's body is checked before its scope: refused either way, and nothing changes.
    refusals = (403,) if method == "GET" else (403, 422)
    assert response.status_code in refusals
    assert state() == before
    assert not any(secret in response.content.decode() for secret in SECRETS)


@pytest.mark.parametrize(("method", "path"), ME_WITH_IDS)
def test_a_member_token_cannot_reach_another_members_request_or_relationship(
    client, member_token, enrolled_mentee, others, method, path
):
    before = state()
    response = call(
        client, method, fill(path, others), member_token, body={} if method != "GET" else None
    )
    assert response.status_code in (404, 422)
    assert state() == before
    assert not any(secret in response.content.decode() for secret in SECRETS)


@pytest.mark.parametrize(("method", "path"), ME_GETS)
def test_no_read_of_a_member_token_shows_others_words_or_hidden_contact_details(
    client, member_token, enrolled_mentee, others, method, path
):
    response = call(client, method, fill(path, others), member_token)
    assert response.status_code < 500
    text = response.content.decode()
    assert not any(secret in text for secret in SECRETS), text


@pytest.mark.parametrize(("method", "path"), [op for op in READS if op[0] == "GET"])
def test_a_staff_token_without_reports_read_is_refused_the_reads(
    client, writer_token, others, method, path
):
    assert call(client, method, fill(path, others), writer_token).status_code == 403


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_a_revoked_token_is_refused_everywhere(client, staff, others, method, path):
    token, secret = create_token(
        staff, name="Old", scopes=[Scope.REPORTS_READ, Scope.MEMBERS_WRITE]
    )
    revoke_token(token.pk, by=staff)
    response = call(
        client, method, fill(path, others), secret, body={} if method != "GET" else None
    )
    assert response.status_code == 401


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_a_token_of_a_deactivated_account_is_refused_everywhere(
    client, mentee, member_token, others, method, path
):
    mentee.is_active = False
    mentee.save()
    response = call(
        client, method, fill(path, others), member_token, body={} if method != "GET" else None
    )
    assert response.status_code == 401
