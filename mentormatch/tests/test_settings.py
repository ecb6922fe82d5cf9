"""Configuration comes from the environment, and a bad value stops the site loudly."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from mentormatch.env import envbool, envint, envlist

ROOT = Path(__file__).resolve().parents[2]


def manage(*args, **env):
    full_env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=full_env, capture_output=True, text=True
    )


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("yes", True), ("off", False), ("0", False)]
)
def test_envbool_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("SOME_FLAG", raw)
    assert envbool("SOME_FLAG", not expected) is expected


def test_envbool_refuses_anything_else(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG"):
        envbool("SOME_FLAG", False)


def test_envint_refuses_a_non_number(monkeypatch):
    monkeypatch.setenv("EMAIL_PORT", "twenty-five")
    with pytest.raises(ImproperlyConfigured, match="EMAIL_PORT"):
        envint("EMAIL_PORT", 25)


def test_envlist_splits_on_commas(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", "a.example.org, b.example.org,")
    assert envlist("ALLOWED_HOSTS", []) == ["a.example.org", "b.example.org"]


def test_production_settings_pass_the_deploy_check():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="x7" * 30 + "-a-long-random-production-secret",
        ALLOWED_HOSTS="mentoring.example.org",
        SITE_URL="https://mentoring.example.org",
        TRUSTED_PROXY_COUNT="1",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "identified no issues" in result.stdout


def test_the_number_of_trusted_proxies_reaches_allauth():
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "from allauth import app_settings; print(app_settings.TRUSTED_PROXY_COUNT)",
        TRUSTED_PROXY_COUNT="2",
    )
    assert result.stdout.split() == ["2"], result.stderr


@pytest.mark.parametrize("raw", ["two", "-1", "1.5"])
def test_a_malformed_trusted_proxy_count_stops_the_site(raw):
    result = manage("check", TRUSTED_PROXY_COUNT=raw)
    assert result.returncode != 0
    assert "TRUSTED_PROXY_COUNT must be" in result.stderr
    assert repr(raw) in result.stderr


def test_rate_limits_count_in_a_cache_every_process_shares():
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])",
    )
    assert result.stdout.split() == ["django.core.cache.backends.db.DatabaseCache"], result.stderr


def test_without_debug_a_secret_key_is_required():
    result = manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_a_malformed_debug_value_stops_the_site():
    result = manage("check", DEBUG="sometimes")
    assert result.returncode != 0
    assert "DEBUG must be one of" in result.stderr


def test_without_email_host_emails_go_to_the_console(settings):
    from django.conf import settings as live

    # The test runner swaps in locmem; the configured value is what `make run` uses.
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.EMAIL_BACKEND, settings.DELIVERY_EMAIL_BACKEND)",
        EMAIL_HOST="",
    )
    assert result.stdout.split() == [
        "notifications.backends.QueuedEmailBackend",
        "django.core.mail.backends.console.EmailBackend",
    ]
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.EMAIL_BACKEND, settings.DELIVERY_EMAIL_BACKEND)",
        EMAIL_HOST="smtp.example.org",
    )
    assert result.stdout.split()[1] == "notifications.smtp.EmailBackend"
    assert live.DEFAULT_FROM_EMAIL
