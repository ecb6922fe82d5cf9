"""Single sign-on with OpenID Connect, against a real provider (tests/oidc_provider) in its own
process: the test client plays the browser on our side, `requests` the browser at the provider."""

from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import SESSION_KEY

from conftest import PASSWORD as SITE_PASSWORD
from members.models import User
from tests.oidc_provider.fixtures import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/oidc/association/login/"
CALLBACK = "/accounts/oidc/association/login/callback/"


def callback_from_provider(client, username, password=PASSWORD) -> str:
    """Press the button, log in at the provider: the callback URL it sends the browser back to."""
    response = client.post(LOGIN)
    assert response.status_code == 302, response.content[:500]
    authorize = response["Location"]
    browser = requests.Session()
    answer = browser.get(authorize, allow_redirects=False)
    login_url = urljoin(authorize, answer.headers["Location"])
    browser.get(login_url)
    answer = browser.post(
        login_url,
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": browser.cookies["provider_csrftoken"],
        },
        headers={"Referer": login_url},
        allow_redirects=False,
    )
    assert answer.status_code == 302, answer.text[:500]
    answer = browser.get(urljoin(login_url, answer.headers["Location"]), allow_redirects=False)
    assert answer.status_code == 302, answer.text[:500]
    callback = urlsplit(answer.headers["Location"])
    assert callback.path == CALLBACK
    return f"{callback.path}?{callback.query}"


def sign_in_by_sso(client, username):
    return client.get(callback_from_provider(client, username))


def signed_in_user(client):
    user_id = client.session.get(SESSION_KEY)
    return User.objects.get(pk=user_id) if user_id else None


def test_first_sign_in_creates_the_member_with_a_profile_named_from_the_claims(client, sso):
    response = sign_in_by_sso(client, "nina")

    assert response.status_code == 302
    user = User.objects.get(email="nina.new@example.org")
    assert signed_in_user(client) == user
    assert (user.profile.first_name, user.profile.last_name) == ("Nina", "Newcomer")
    assert EmailAddress.objects.get(user=user).verified
    assert SocialAccount.objects.get(user=user).provider == "association"
    assert not user.has_usable_password()


def test_signing_in_again_signs_in_the_same_member(client, sso):
    sign_in_by_sso(client, "nina")
    first = signed_in_user(client)
    client.post("/accounts/logout/")
    assert signed_in_user(client) is None

    sign_in_by_sso(client, "nina")

    assert signed_in_user(client) == first
    assert User.objects.filter(email="nina.new@example.org").count() == 1


def test_a_member_with_a_verified_account_is_linked_to_it_on_first_sign_in(client, sso, mentee):
    sign_in_by_sso(client, "maria")

    assert signed_in_user(client) == mentee
    assert User.objects.filter(email__iexact="maria@example.com").count() == 1
    assert SocialAccount.objects.get(provider="association").user == mentee
    mentee.refresh_from_db()
    assert mentee.check_password(SITE_PASSWORD)  # her password still works too


def test_an_account_whose_address_was_never_verified_is_not_taken_over(client, sso):
    # Someone signed up with Ulla's address and never confirmed it (they could not).
    squatter = User.objects.create_user("ulla@example.com", "squatters-password-123")
    EmailAddress.objects.create(user=squatter, email="ulla@example.com", verified=False)

    response = sign_in_by_sso(client, "ulla")

    assert response.status_code == 403
    assert "was never confirmed" in response.content.decode()
    assert signed_in_user(client) is None
    assert not SocialAccount.objects.exists()
    assert list(User.objects.values_list("email", flat=True)) == ["ulla@example.com"]
    squatter.refresh_from_db()
    assert squatter.check_password("squatters-password-123")


def test_an_address_the_provider_does_not_vouch_for_is_refused_and_not_linked(
    client, sso, outsider
):
    response = sign_in_by_sso(client, "olivia")  # email_verified: false

    assert response.status_code == 403
    assert "does not confirm your email address" in response.content.decode()
    assert signed_in_user(client) is None
    assert not SocialAccount.objects.exists()


def test_a_lapsed_member_is_refused_with_a_clear_message_and_nothing_is_created(client, sso):
    users_before = User.objects.count()

    response = sign_in_by_sso(client, "lapsed")

    assert response.status_code == 403
    assert "Your association membership is not active" in response.content.decode()
    assert signed_in_user(client) is None
    assert User.objects.count() == users_before
    assert not SocialAccount.objects.exists()
    assert not EmailAddress.objects.filter(email="lena.lapsed@example.org").exists()


def test_a_member_who_lapsed_since_their_last_sign_in_is_refused(client, sso):
    sign_in_by_sso(client, "rita")
    client.post("/accounts/logout/")
    account = SocialAccount.objects.get()
    claims_before = account.extra_data

    with sso.claims("rita", member_status="lapsed"):
        response = sign_in_by_sso(client, "rita")

    assert response.status_code == 403
    assert "Your association membership is not active" in response.content.decode()
    assert signed_in_user(client) is None
    account.refresh_from_db()
    assert account.extra_data == claims_before  # not even the stored claims change


def test_a_sign_in_without_the_required_claim_at_all_is_refused(client, sso):
    users = sso.users()
    claims = {key: value for key, value in users["nina"].items() if key != "member_status"}
    with sso.claims("nina"):
        sso.users_file.write_text(__import__("json").dumps({**users, "nina": claims}))
        response = sign_in_by_sso(client, "nina")

    assert response.status_code == 403
    assert not User.objects.filter(email="nina.new@example.org").exists()


def test_without_a_required_claim_configured_any_member_may_sign_in(client, sso, settings):
    settings.OIDC_REQUIRED_CLAIM = ""

    sign_in_by_sso(client, "lapsed")

    assert signed_in_user(client).email == "lena.lapsed@example.org"


def test_a_forged_state_signs_no_one_in(client, sso):
    callback = callback_from_provider(client, "nina")
    query = parse_qs(urlsplit(callback).query)

    response = client.get(CALLBACK, {"code": query["code"][0], "state": "forged-state-value"})

    assert response.status_code == 401
    assert "Sign-in did not complete" in response.content.decode()
    assert signed_in_user(client) is None
    assert not User.objects.filter(email="nina.new@example.org").exists()


def test_a_replayed_callback_signs_no_one_in(client, sso):
    callback = callback_from_provider(client, "nina")
    client.get(callback)
    client.post("/accounts/logout/")

    response = client.get(callback)

    assert response.status_code == 401
    assert "Sign-in did not complete" in response.content.decode()
    assert signed_in_user(client) is None


def test_a_callback_from_another_browser_signs_no_one_in(client, sso, django_user_model):
    from django.test import Client

    callback = callback_from_provider(client, "nina")

    response = Client().get(callback)  # the state belongs to the first browser's session

    assert "Sign-in did not complete" in response.content.decode()
    assert not django_user_model.objects.filter(email="nina.new@example.org").exists()


@pytest.mark.parametrize(
    "query",
    [
        {"code": "x\x00y", "state": "s\x00t"},
        {"code": "x" * 20_000, "state": "s" * 20_000},
        {"state": "missing-code"},
        {"error": "access_denied", "state": "whatever"},
        {"code": ["a", "b"], "state": ["c", "d"]},
    ],
)
def test_a_malformed_callback_is_refused_without_a_server_error(client, sso, query):
    response = client.get(CALLBACK, query)

    assert response.status_code in (302, 400, 401)
    assert signed_in_user(client) is None


def test_the_sign_in_page_offers_the_association_button(client, sso):
    page = client.get("/accounts/login/").content.decode()

    assert "Sign in with your AHRMM account" in page
    assert 'name="password"' in page  # without SSO_ONLY the password stays


def test_without_an_issuer_there_is_no_button_and_no_sso_url(client):
    page = client.get("/accounts/login/").content.decode()

    assert "association account" not in page
    assert 'name="password"' in page
    assert client.post(LOGIN).status_code == 404
