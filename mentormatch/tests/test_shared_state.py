"""State every app host shares, chosen by environment variables with the defaults unchanged:
the cache (rate-limit counts) from CACHE_URL, sessions, photo storage from STORAGE_URL (see
members/tests/test_photo_storage.py), and PgBouncer's transaction pooling from PGBOUNCER.

Settings are read in a new Python process with the environment set, as a host starts. The Redis
tests use a real server: TEST_REDIS_URL, by default database 3 of the one on 127.0.0.1:6379 (only
that database is flushed)."""

import json
import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.urls import reverse

from conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_FILE = ROOT / "mentormatch" / "settings.py"
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/3")
SHARED_STATE_VARIABLES = (
    "CACHE_URL",
    "STORAGE_URL",
    "PGBOUNCER",
    "AWS_STORAGE_BUCKET_NAME",
    "AWS_S3_ENDPOINT_URL",
    "AWS_S3_ADDRESSING_STYLE",
    "AWS_S3_REGION_NAME",
)


def python(code, **env):
    """Run `code` in a new Python process with the site's settings and this environment."""
    full_env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE", *SHARED_STATE_VARIABLES)
    }
    full_env.update(env, DJANGO_SETTINGS_MODULE="mentormatch.settings")
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=full_env, capture_output=True, text=True
    )


def configured(**env):
    """What settings.py makes of this environment."""
    result = python(
        "import json; from mentormatch import settings as s\n"
        "print(json.dumps({'cache': s.CACHES['default'], 'sessions': s.SESSION_ENGINE,"
        " 'storage': s.STORAGES['default'], 'database': s.DATABASES['default']}, default=str))",
        **env,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def refused(**env):
    """The message a host that cannot start with this environment stops with."""
    result = python("import mentormatch.settings", **env)
    assert result.returncode != 0, result.stdout
    return result.stderr.strip().splitlines()[-1]


# --- The cache and sessions ------------------------------------------------------------------


def test_by_default_the_cache_is_the_database_table_and_sessions_are_database_rows():
    settings = configured()

    assert settings["cache"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert settings["cache"]["LOCATION"] == "django_cache"
    assert settings["sessions"] == "django.contrib.sessions.backends.db"


def test_cache_url_db_names_the_default_database_cache():
    assert configured(CACHE_URL="db://") == configured()


def test_cache_url_redis_uses_djangos_redis_cache_and_sessions_are_cached_there():
    settings = configured(CACHE_URL="redis://cache.internal:6380/2")

    assert settings["cache"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert settings["cache"]["LOCATION"] == "redis://cache.internal:6380/2"
    assert settings["sessions"] == "django.contrib.sessions.backends.cached_db"


def test_cache_url_locmem_is_one_process_memory_and_sessions_stay_in_the_database():
    settings = configured(CACHE_URL="locmem://")

    assert settings["cache"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    # A sign-out in one process could not clear a session cached in another's memory.
    assert settings["sessions"] == "django.contrib.sessions.backends.db"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("memcached://127.0.0.1:11211", "CACHE_URL must be redis://host:port/db"),
        ("127.0.0.1:6379", "CACHE_URL must be redis://host:port/db"),
        ("db://elsewhere", "CACHE_URL must be redis://host:port/db"),
        ("redis://:s3cret@cache.internal:63x9/0", "CACHE_URL: the Redis port must be a number"),
        ("redis:///0", "CACHE_URL must name the Redis host"),
        ("redis://cache.internal:6379/zero", "CACHE_URL: the Redis database must be a number"),
    ],
)
def test_a_cache_url_that_cannot_be_used_stops_the_site_and_says_why(url, message):
    last_line = refused(CACHE_URL=url)

    assert "ImproperlyConfigured" in last_line
    assert message in last_line
    assert "s3cret" not in last_line  # the URL may carry a password: never echoed


# --- Redis: shared by every process ----------------------------------------------------------


@pytest.fixture
def redis_cache(settings, monkeypatch):
    """The running site with CACHE_URL naming the test Redis, as settings.py configures it."""
    import redis

    try:
        redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"No Redis at {TEST_REDIS_URL}: start one or set TEST_REDIS_URL")
    monkeypatch.setenv("CACHE_URL", TEST_REDIS_URL)
    configured = runpy.run_path(str(SETTINGS_FILE))
    settings.CACHES = configured["CACHES"]
    settings.SESSION_ENGINE = configured["SESSION_ENGINE"]
    caches["default"].clear()  # FLUSHDB of the test's own database only
    yield caches["default"]
    caches["default"].clear()


def sign_in(client, email, password):
    return client.post(
        "/accounts/login/", {"login": email, "password": password}, REMOTE_ADDR="198.51.100.7"
    )


def failures_in_another_process(count):
    """Failed sign-ins from 198.51.100.7 that another web process records in the cache."""
    result = python(
        "import django; django.setup()\n"
        "from django.test import RequestFactory\n"
        "from allauth.core.ratelimit import consume\n"
        "request = RequestFactory().post('/accounts/login/', REMOTE_ADDR='198.51.100.7')\n"
        f"print(sum(consume(request, action='login_failed', key=f'elsewhere{{n}}@example.org')"
        f" for n in range({count})))",
        CACHE_URL=TEST_REDIS_URL,
    )
    assert result.returncode == 0, result.stderr
    return int(result.stdout)


def test_failed_sign_ins_count_across_processes_in_redis(client, redis_cache, mentee, mentor):
    # allauth allows 10 failed sign-ins a minute per address: 5 here...
    for n in range(5):
        assert "Too many" not in sign_in(client, f"guess{n}@example.org", "wrong").text
    # ...and 5 more on another host (which saw all 5 as allowed)...
    assert failures_in_another_process(5) == 5

    # ...so this host refuses the next attempt from that address, even the right password.
    refused = sign_in(client, "maria@example.com", PASSWORD)
    assert "Too many failed login attempts" in refused.text
    assert "_auth_user_id" not in client.session


def test_a_session_lives_in_redis_and_in_the_database(client, redis_cache, mentee):
    assert sign_in(client, "maria@example.com", PASSWORD).status_code == 302
    key = client.session.session_key

    # Another process reads it from Redis (its own database holds no such session)...
    result = python(
        "import django; django.setup()\n"
        "from django.contrib.sessions.backends.cached_db import SessionStore\n"
        f"print(SessionStore({key!r}).get('_auth_user_id'))",
        CACHE_URL=TEST_REDIS_URL,
        DATABASE_URL="sqlite:///:memory:",
    )
    assert result.stdout.split() == [str(mentee.pk)], result.stderr
    # ...and the row is in the database too.
    assert Session.objects.filter(session_key=key).exists()


def test_a_session_survives_redis_losing_everything(client, redis_cache, mentee):
    sign_in(client, "maria@example.com", PASSWORD)

    redis_cache.clear()  # Redis restarted without its data

    response = client.get(reverse("members:profile_edit"))
    assert response.status_code == 200
    assert response.wsgi_request.user == mentee


def test_signing_out_ends_the_session_in_redis_and_the_database(client, redis_cache, mentee):
    sign_in(client, "maria@example.com", PASSWORD)
    key = client.session.session_key

    client.post(reverse("account_logout"))

    assert not Session.objects.filter(session_key=key).exists()
    assert redis_cache.get(f"django.contrib.sessions.cached_db{key}") is None
    stolen = client.get(reverse("members:profile_edit"), HTTP_COOKIE=f"sessionid={key}")
    assert stolen.status_code == 302


# --- Photo storage ---------------------------------------------------------------------------


def test_by_default_photos_are_files_under_media_root():
    assert configured()["storage"] == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def test_storage_url_s3_keeps_photos_in_a_private_bucket():
    storage = configured(
        STORAGE_URL="s3://mentormatch-photos/media",
        AWS_S3_ENDPOINT_URL="http://minio.internal:9000",
        AWS_S3_REGION_NAME="eu-west-1",
    )["storage"]

    assert storage["BACKEND"] == "members.storage.PhotoS3Storage"
    options = storage["OPTIONS"]
    assert options["bucket_name"] == "mentormatch-photos"
    assert options["location"] == "media"
    assert options["endpoint_url"] == "http://minio.internal:9000"
    assert options["region_name"] == "eu-west-1"
    assert options["default_acl"] is None
    assert options["file_overwrite"] is False


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"STORAGE_URL": "file:///srv/photos"}, "STORAGE_URL must be s3://bucket"),
        ({"STORAGE_URL": "s3://Photos_Bucket"}, "is not a bucket name"),
        (
            {"STORAGE_URL": "s3://photos?endpoint_url=http://x"},
            "STORAGE_URL takes no options: set AWS_S3_ENDPOINT_URL",
        ),
        (
            {"AWS_STORAGE_BUCKET_NAME": "photos"},
            "AWS_STORAGE_BUCKET_NAME is not read: set STORAGE_URL=s3://<bucket>",
        ),
        (
            {"STORAGE_URL": "s3://photos", "AWS_STORAGE_BUCKET_NAME": "other"},
            "AWS_STORAGE_BUCKET_NAME ('other') and STORAGE_URL ('photos') disagree",
        ),
        (
            {"STORAGE_URL": "s3://photos", "AWS_S3_ENDPOINT_URL": "minio:9000"},
            "AWS_S3_ENDPOINT_URL must be an http:// or https:// URL",
        ),
        (
            {"STORAGE_URL": "s3://photos", "AWS_S3_ADDRESSING_STYLE": "sideways"},
            "AWS_S3_ADDRESSING_STYLE must be one of path, virtual, auto",
        ),
    ],
)
def test_a_storage_setting_that_cannot_be_used_stops_the_site_and_says_why(env, message):
    last_line = refused(**env)

    assert "ImproperlyConfigured" in last_line
    assert message in last_line


# --- PgBouncer -------------------------------------------------------------------------------

POSTGRES = "postgres://mentormatch@db.internal:6432/mentormatch"


def test_behind_pgbouncer_server_side_cursors_are_off():
    database = configured(DATABASE_URL=POSTGRES, PGBOUNCER="1")["database"]

    assert database["DISABLE_SERVER_SIDE_CURSORS"] is True


def test_without_pgbouncer_server_side_cursors_stay_on():
    database = configured(DATABASE_URL=POSTGRES)["database"]

    assert database.get("DISABLE_SERVER_SIDE_CURSORS", False) is False


def test_a_malformed_pgbouncer_value_stops_the_site():
    assert "PGBOUNCER must be one of" in refused(PGBOUNCER="transaction")
