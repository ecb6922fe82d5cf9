import json
import os

from oauth2_provider.oauth2_validators import OAuth2Validator


def claims_file() -> dict:
    with open(os.environ["OIDC_PROVIDER_USERS"]) as file:
        return json.load(file)


class Validator(OAuth2Validator):
    # Every claim in the ID token and the user info, whatever the scopes (member_status too).
    oidc_claim_scope = None

    def get_additional_claims(self, request):
        user = claims_file()[request.user.username]
        return {key: value for key, value in user.items() if key != "password"}

    def validate_redirect_uri(self, client_id, redirect_uri, request, *args, **kwargs):
        return _is_test_callback(redirect_uri)


# The test site's callback on whatever host and port the test server has (the test client's
# "testserver", the live server's 127.0.0.1:<port>). A real provider registers exact URIs.
CALLBACK_PATH = "/accounts/oidc/association/login/callback/"
TEST_HOSTS = {"testserver", "127.0.0.1", "localhost"}


def _is_test_callback(uri: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(uri)
    return parts.scheme == "http" and parts.hostname in TEST_HOSTS and parts.path == CALLBACK_PATH
