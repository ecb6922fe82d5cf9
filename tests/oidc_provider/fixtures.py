"""pytest fixtures that start the test-only OpenID Connect provider in its own process.

    from tests.oidc_provider.fixtures import oidc_provider, sso  # noqa: F401

`oidc_provider` (session): the running provider, its issuer and users. `sso` (per test): the site
configured to sign in with it, as OIDC_ISSUER and friends would configure it.
"""

import copy
import json
import os
import socket
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "mentor-match-tests"
CLIENT_SECRET = "test-only-client-secret-0123456789"
PASSWORD = "provider-password"


def member(email, given, family, *, status="active", verified=True):
    return {
        "password": PASSWORD,
        "email": email,
        "email_verified": verified,
        "given_name": given,
        "family_name": family,
        "name": f"{given} {family}",
        "member_status": status,
    }


# The association's members, by their login there.
USERS = {
    "nina": member("nina.new@example.org", "Nina", "Newcomer"),
    "maria": member("maria@example.com", "Maria", "Santos"),
    "olivia": member("olivia@example.com", "Olivia", "Outsider", verified=False),
    "lapsed": member("lena.lapsed@example.org", "Lena", "Lapsed", status="lapsed"),
    "ulla": member("ulla@example.com", "Ulla", "Unconfirmed"),
    "rita": member("rita.renewal@example.org", "Rita", "Renewal"),
}


@dataclass
class Provider:
    url: str
    users_file: Path

    @property
    def issuer(self) -> str:
        return f"{self.url}/o"

    def users(self) -> dict:
        return json.loads(self.users_file.read_text())

    @contextmanager
    def claims(self, username, **changes):
        """Change a member's claims at the provider for the block (it reads them afresh on
        each request)."""
        saved = self.users()
        changed = {**saved, username: {**saved[username], **changes}}
        self.users_file.write_text(json.dumps(changed))
        try:
            yield
        finally:
            self.users_file.write_text(json.dumps(saved))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    folder = tmp_path_factory.mktemp("oidc-provider")
    users_file = folder / "users.json"
    users_file.write_text(json.dumps(USERS))
    port = _free_port()
    env = {
        **os.environ,
        "OIDC_PROVIDER_DB": str(folder / "provider.sqlite3"),
        "OIDC_PROVIDER_USERS": str(users_file),
        "OIDC_PROVIDER_CLIENT_ID": CLIENT_ID,
        "OIDC_PROVIDER_CLIENT_SECRET": CLIENT_SECRET,
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.oidc_provider.serve",
            str(port),
            "http://testserver/accounts/oidc/association/login/callback/",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # It prints "ready" once it listens (or exits with its error on stderr).
        line = process.stdout.readline()
        if line.strip() != "ready":
            process.kill()
            raise RuntimeError(f"The OIDC provider did not start: {process.stderr.read()}")
        url = f"http://127.0.0.1:{port}"
        discovery = requests.get(f"{url}/o/.well-known/openid-configuration", timeout=30)
        discovery.raise_for_status()
        yield Provider(url, users_file)
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def sso(settings, oidc_provider):
    """The site signing in with the provider: what OIDC_ISSUER, OIDC_CLIENT_ID,
    OIDC_CLIENT_SECRET and OIDC_REQUIRED_CLAIM=member_status:active set up."""
    settings.OIDC_ISSUER = oidc_provider.issuer
    settings.OIDC_REQUIRED_CLAIM = "member_status:active"
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": "association",
                    "name": "Sign in with your AHRMM account",
                    "client_id": CLIENT_ID,
                    "secret": CLIENT_SECRET,
                    "settings": {"server_url": oidc_provider.issuer, "oauth_pkce_enabled": True},
                }
            ],
        }
    }
    # SSO_FORM_ACTION: the button's form is redirected to the provider.
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"] = [*policy["DIRECTIVES"]["form-action"], oidc_provider.url]
    settings.CONTENT_SECURITY_POLICY = policy
    return oidc_provider
