"""The single sign-on settings, read from the environment as in production (a fresh process)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SHOW = (
    "import json; from mentormatch import settings as s; print(json.dumps({"
    "'providers': s.SOCIALACCOUNT_PROVIDERS, 'sso_only': s.SSO_ONLY, "
    "'form_action': s.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action'], "
    "'claim': s.OIDC_REQUIRED_CLAIM}))"
)


def settings_with(**env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OIDC_", "SAML_", "SSO_"))}
    return subprocess.run(
        [sys.executable, "-c", SHOW],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
    )


def test_without_an_issuer_there_is_no_provider():
    result = settings_with()

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["providers"] == {}


def test_the_oidc_variables_make_the_association_app_with_discovery_and_pkce():
    result = settings_with(
        OIDC_ISSUER="https://login.example.org/realms/members/",
        OIDC_CLIENT_ID="mentor-match",
        OIDC_CLIENT_SECRET="s3cret",
        OIDC_BUTTON_LABEL="Sign in with your AHRMM account",
        OIDC_REQUIRED_CLAIM="member_status:active",
        SSO_ONLY="1",
    )

    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    [app] = shown["providers"]["openid_connect"]["APPS"]
    assert app["provider_id"] == "association"
    assert app["name"] == "Sign in with your AHRMM account"
    assert (app["client_id"], app["secret"]) == ("mentor-match", "s3cret")
    assert app["settings"] == {
        "server_url": "https://login.example.org/realms/members",
        "oauth_pkce_enabled": True,
    }
    assert shown["sso_only"] is True
    assert "https://login.example.org" in shown["form_action"]


def test_the_saml_variables_make_the_saml_app():
    result = settings_with(
        SAML_IDP_ENTITY_ID="https://idp.example.org/saml",
        SAML_IDP_SSO_URL="https://idp.example.org/saml/sso",
        SAML_IDP_X509_CERT="MIIC",
    )

    assert result.returncode == 0, result.stderr
    [app] = json.loads(result.stdout)["providers"]["saml"]["APPS"]
    assert app["client_id"] == "association"
    assert app["settings"]["idp"]["sso_url"] == "https://idp.example.org/saml/sso"
    assert app["settings"]["advanced"]["want_assertion_signed"] is True


def test_a_required_claim_without_a_value_is_refused_at_start():
    result = settings_with(OIDC_ISSUER="https://login.example.org", OIDC_REQUIRED_CLAIM="active")

    assert result.returncode != 0
    assert "OIDC_REQUIRED_CLAIM must be claim:value" in result.stderr


def test_sso_only_without_a_provider_is_refused_at_start():
    result = settings_with(SSO_ONLY="1")

    assert result.returncode != 0
    assert "SSO_ONLY needs OIDC_ISSUER or SAML_IDP_ENTITY_ID" in result.stderr
