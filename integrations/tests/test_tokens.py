"""The API token pages: made and revoked through integrations.services, the secret shown once
in the answer to the form (never in an address, never stored), refusals that change nothing."""

import pytest

from integrations.models import ApiToken, hash_token
from integrations.services import create_token
from integrations.tests.api_client import call

pytestmark = pytest.mark.django_db

STAFF_PAGE = "/staff/integrations/"
MEMBER_PAGE = "/account/api-tokens/"


def test_staff_make_a_token_whose_secret_is_shown_once_and_stored_hashed(client, staff):
    client.force_login(staff)
    response = client.post(STAFF_PAGE, {"name": "  AMS   sync ", "scopes": ["reports:read"]})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secret = response.context["secret"]
    assert secret.encode() in response.content
    token = ApiToken.objects.get()
    assert (token.name, token.scopes, token.user) == ("AMS sync", ["reports:read"], staff)
    assert token.key_hash == hash_token(secret) and token.prefix == secret[:8]
    assert secret not in str(ApiToken.objects.values_list())
    again = client.get(STAFF_PAGE)
    assert secret.encode() not in again.content and token.prefix.encode() in again.content
    assert call(client, "get", "/members", secret).status_code == 200


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({"name": "", "scopes": ["reports:read"]}, "This field is required."),
        ({"name": "AMS"}, "Choose at least one scope."),
        ({"name": "AMS", "scopes": ["me"]}, "Select a valid choice."),
        ({"name": "AMS", "scopes": ["admin"]}, "Select a valid choice."),
        ({"name": "A\x00MS", "scopes": ["reports:read"]}, "Null characters are not allowed."),
        ({"name": "A" * 101, "scopes": ["reports:read"]}, "at most 100 characters"),
    ],
)
def test_a_bad_staff_token_form_says_why_and_makes_nothing(client, staff, data, says):
    client.force_login(staff)
    response = client.post(STAFF_PAGE, data)
    assert response.status_code == 400
    assert says in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_member_makes_their_own_me_token(client, mentee):
    client.force_login(mentee)
    response = client.post(MEMBER_PAGE, {"name": "My script", "scopes": ["reports:read"]})
    assert response.status_code == 200
    assert ApiToken.objects.get().scopes == ["me"]  # whatever was posted


def test_a_member_cannot_open_the_staff_page_nor_make_a_staff_token(client, mentee):
    client.force_login(mentee)
    assert client.get(STAFF_PAGE).status_code == 404
    assert client.post(STAFF_PAGE, {"name": "x", "scopes": ["reports:read"]}).status_code == 404
    assert not ApiToken.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for url in (STAFF_PAGE, MEMBER_PAGE):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_member_lists_and_revokes_only_their_own_tokens(client, mentee, outsider):
    mine = create_token(mentee, name="Mine", scopes=["me"])[0]
    theirs = create_token(outsider, name="Theirs", scopes=["me"])[0]
    client.force_login(mentee)
    page = client.get(MEMBER_PAGE).content.decode()
    assert "Mine" in page and "Theirs" not in page
    assert client.post(f"{MEMBER_PAGE}{theirs.pk}/revoke/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    response = client.post(f"{MEMBER_PAGE}{mine.pk}/revoke/")
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.revoked_at is not None


def test_staff_revoke_any_staff_token_but_no_members_own(client, staff, make_member, mentee):
    other_staff = make_member("sam@example.com", "Sam", "Staff")
    other_staff.is_staff = True
    other_staff.save()
    theirs, secret = create_token(other_staff, name="Theirs", scopes=["members:write"])
    members = create_token(mentee, name="Hers", scopes=["me"])[0]
    client.force_login(staff)
    assert client.post(f"/staff/integrations/tokens/{members.pk}/revoke/").status_code == 404
    members.refresh_from_db()
    assert members.revoked_at is None
    assert client.post(f"/staff/integrations/tokens/{theirs.pk}/revoke/").status_code == 302
    theirs.refresh_from_db()
    assert theirs.revoked_at is not None
    assert call(client, "get", "/members/sync", secret).status_code in (401, 405)
    assert call(client, "get", "/criteria", secret).status_code == 401


@pytest.mark.parametrize("pk", ["99999999999999999999", "9223372036854775807"])
def test_revoking_a_token_that_cannot_exist_is_a_404(client, staff, pk):
    client.force_login(staff)
    assert client.post(f"/staff/integrations/tokens/{pk}/revoke/").status_code == 404


def test_revoke_takes_post_only(client, staff):
    token = create_token(staff, name="AMS", scopes=["reports:read"])[0]
    client.force_login(staff)
    assert client.get(f"/staff/integrations/tokens/{token.pk}/revoke/").status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None
