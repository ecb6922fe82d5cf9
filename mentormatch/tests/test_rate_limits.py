"""Failed sign-ins are limited per client, not per reverse proxy, and counted where every process
sees them: one visitor guessing passwords cannot lock everyone else out, and cannot slip out of
the limit by sending an X-Forwarded-For of their own."""

import runpy
from pathlib import Path

import pytest
from django.conf import settings as live_settings
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import PASSWORD

pytestmark = pytest.mark.django_db

SETTINGS_FILE = Path(__file__).resolve().parents[1] / "settings.py"
PROXY = "10.0.0.2"  # the reverse proxy: every request arrives from it
LOCKED_OUT = "Too many failed login attempts"
# allauth's default "login_failed" limit: 10 a minute per address (and 5 in 5 minutes per email).
FAILURES_ALLOWED = 10


@pytest.fixture
def trusted_proxies(settings, monkeypatch):
    """Apply what settings.py makes of TRUSTED_PROXY_COUNT to the running site."""

    def configure(count: str | None):
        if count is None:
            monkeypatch.delenv("TRUSTED_PROXY_COUNT", raising=False)
        else:
            monkeypatch.setenv("TRUSTED_PROXY_COUNT", count)
        configured = runpy.run_path(str(SETTINGS_FILE))
        settings.ALLAUTH_TRUSTED_PROXY_COUNT = configured["ALLAUTH_TRUSTED_PROXY_COUNT"]

    return configure


def sign_in(client, email, password, *, forwarded_for=None):
    headers = {"x-forwarded-for": forwarded_for} if forwarded_for else {}
    return client.post(
        "/accounts/login/",
        {"login": email, "password": password},
        REMOTE_ADDR=PROXY,
        headers=headers,
    )


def fail_until_locked_out(client, *, forwarded_for):
    """Wrong guesses, each at a different email (so that only the per-address limit counts)."""
    for n in range(FAILURES_ALLOWED):
        response = sign_in(client, f"guess{n}@example.org", "wrong", forwarded_for=forwarded_for(n))
        assert response.status_code == 200
        assert LOCKED_OUT not in response.content.decode()


def signed_in(response):
    return response.status_code == 302 and "_auth_user_id" in response.wsgi_request.session


def test_behind_one_proxy_a_guessing_client_does_not_lock_out_its_neighbour(
    client, trusted_proxies, mentee, mentor
):
    trusted_proxies("1")

    fail_until_locked_out(client, forwarded_for=lambda n: "198.51.100.7")

    refused = sign_in(client, "maria@example.com", PASSWORD, forwarded_for="198.51.100.7")
    assert LOCKED_OUT in refused.content.decode()
    assert not signed_in(refused)
    # Another visitor behind the same proxy signs in as usual.
    assert signed_in(sign_in(client, "david@example.com", PASSWORD, forwarded_for="203.0.113.9"))


def test_behind_one_proxy_a_client_cannot_forge_its_way_out_of_the_limit(
    client, trusted_proxies, mentee
):
    trusted_proxies("1")
    # The client writes any X-Forwarded-For it likes; the proxy appends the address it saw.
    fail_until_locked_out(client, forwarded_for=lambda n: f"192.0.2.{n}, 198.51.100.7")

    refused = sign_in(
        client, "maria@example.com", PASSWORD, forwarded_for="192.0.2.99, 198.51.100.7"
    )

    assert LOCKED_OUT in refused.content.decode()
    assert not signed_in(refused)


def test_without_trusted_proxies_a_forged_forwarded_for_does_not_escape_the_limit(
    client, trusted_proxies, mentee
):
    trusted_proxies(None)  # the default: no proxy is trusted, the header is ignored

    fail_until_locked_out(client, forwarded_for=lambda n: f"192.0.2.{n}")

    refused = sign_in(client, "maria@example.com", PASSWORD, forwarded_for="192.0.2.99")
    assert LOCKED_OUT in refused.content.decode()
    assert not signed_in(refused)


def test_failed_sign_ins_are_counted_in_the_shared_database_cache(client, trusted_proxies, mentee):
    trusted_proxies("1")

    sign_in(client, "maria@example.com", "wrong", forwarded_for="198.51.100.7")

    # Not in this process's memory: a row of the cache table every worker reads...
    table = connection.ops.quote_name(live_settings.CACHES["default"]["LOCATION"])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key FROM {table}")  # noqa: S608 (a setting, quoted)
        keys = [key for (key,) in cursor.fetchall()]
    [per_address] = [
        key for key in keys if "login_failed" in key and key.endswith(":ip:198.51.100.7")
    ]
    # ...and a new connection to the cache, as another process would open, counts the failure.
    other_process = caches.create_connection("default")
    assert len(other_process.get(per_address.split(":", 2)[2])) == 1


def test_an_ordinary_page_reads_nothing_from_the_shared_cache(client, mentee):
    """The nav's staff link is remembered per process (CACHES["local"]): the shared cache is a
    database table, and a round trip to it on every page would cost more than it saves."""
    client.force_login(mentee)
    client.get("/")  # the first page may remember

    with CaptureQueriesContext(connection) as queries:
        client.get("/")

    assert not [
        q["sql"] for q in queries if live_settings.CACHES["default"]["LOCATION"] in q["sql"]
    ]
