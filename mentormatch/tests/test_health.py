"""/health/: 200 when the site can serve and its background work moves, 503 naming what fails.

The checks run in threads of their own, on connections of their own, as in production: these
tests commit their rows (transactional_db) so that those threads see them, and break each
service for real (a closed port, a path that cannot be a directory, a stale task row).
"""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from mentormatch import health
from notifications.tasks import sweep

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "s3cret-Pa55word"


@pytest.fixture(autouse=True)
def fresh_runs(settings):
    settings.HEALTH_CHECK_REUSE = 0
    health._last_runs.clear()
    yield
    health._last_runs.clear()


def get_json(client, url="/health/"):
    response = client.get(url, headers={"Accept": "application/json"})
    assert response["Content-Type"] == "application/json"
    return response.status_code, json.loads(response.content)


def test_it_answers_200_when_everything_works(client):
    status, body = get_json(client)
    assert status == 200
    assert body == {
        "status": "ok",
        "failing": [],
        "checks": {
            "database": "ok",
            "cache": "ok",
            "storage": "ok",
            "queue": "ok",
            "stranded_tasks": "ok",
        },
    }


def test_it_answers_plain_text_to_a_person_and_json_on_request(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode().splitlines()[0] == "ok"
    assert "database: ok" in response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0")

    response = client.get("/health/?format=json")
    assert json.loads(response.content)["status"] == "ok"


def test_it_answers_a_load_balancer_asking_by_address_over_http(client, settings):
    settings.ALLOWED_HOSTS = ["mentoring.example.org"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/health/web/", headers={"Host": "10.0.0.5:8000"})
    assert response.status_code == 200
    # Every other page still checks both.
    assert client.get("/", headers={"Host": "10.0.0.5:8000"}).status_code == 400


def test_a_cache_it_cannot_reach_answers_503_naming_it(client, settings):
    # A closed port, and a password in the URL that must not be shown.
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://:{SECRET}@127.0.0.1:9/5",
        },
    }
    response = client.get("/health/?format=json")
    body = json.loads(response.content)
    assert response.status_code == 503
    assert body["failing"] == ["cache"]
    assert body["checks"]["cache"] == "cannot write and read a value in the cache"
    assert SECRET not in response.content.decode()
    assert "127.0.0.1" not in response.content.decode()


def test_a_failing_check_is_logged_as_a_warning_not_reported_as_an_error(
    client, settings, tmp_path, caplog
):
    # An ERROR would go to Sentry each time the load balancer asks.
    (tmp_path / "a-file").write_text("")
    settings.MEDIA_ROOT = tmp_path / "a-file" / "media"
    assert client.get("/health/").status_code == 503
    assert [(r.name, r.levelname) for r in caplog.records] == [("health_check", "WARNING")]
    assert "NotADirectoryError" in caplog.text  # the cause, for whoever reads the log


def test_a_database_it_cannot_reach_answers_503_naming_it(client):
    # The checks' threads open connections of their own from these settings; this test's own
    # connection, already open, stays as it is.
    connection.ensure_connection()
    broken = {"PASSWORD": SECRET}
    if connection.vendor == "sqlite":
        broken["NAME"] = "/nonexistent/directory/db.sqlite3"
    else:
        broken["HOST"], broken["PORT"] = "127.0.0.1", "9"
    saved = {key: connection.settings_dict.get(key) for key in broken}
    connection.settings_dict.update(broken)
    try:
        response = client.get("/health/?format=json")
    finally:
        connection.settings_dict.update(saved)
    body = json.loads(response.content)
    assert response.status_code == 503
    assert "database" in body["failing"]
    assert body["checks"]["database"] == "cannot query the database"
    assert SECRET not in response.content.decode()
    assert "nonexistent" not in response.content.decode()


def test_storage_it_cannot_write_to_answers_503_naming_it(client, settings, tmp_path):
    # A file where the media directory should be: no directory can be made under it (even as
    # root, who may write anywhere).
    (tmp_path / "a-file").write_text("")
    settings.MEDIA_ROOT = tmp_path / "a-file" / "media"
    response = client.get("/health/?format=json")
    body = json.loads(response.content)
    assert response.status_code == 503
    assert body["failing"] == ["storage"]
    assert body["checks"]["storage"] == "cannot write, read and delete a file in storage"
    assert "a-file" not in response.content.decode()


def test_storage_check_leaves_no_file_behind(client, settings):
    assert client.get("/health/").status_code == 200
    assert not any(p.is_file() for p in settings.MEDIA_ROOT.rglob("*"))


def test_a_task_waiting_longer_than_the_limit_answers_503_naming_the_queue(client, settings):
    settings.HEALTH_QUEUE_LAG = 300
    result = sweep.enqueue()
    # Just enqueued: a worker has not had time.
    assert client.get("/health/").status_code == 200

    DBTaskResult.objects.filter(pk=result.id).update(
        enqueued_at=timezone.now() - timedelta(seconds=400)
    )
    status, body = get_json(client)
    assert status == 503
    assert body["failing"] == ["queue"]
    assert body["checks"]["queue"].startswith("a task on queue 'default' has waited 40")
    assert "(limit 300 s)" in body["checks"]["queue"]


def test_a_task_due_later_does_not_count_as_waiting(client):
    result = sweep.using(run_after=timezone.now() + timedelta(hours=2)).enqueue()
    DBTaskResult.objects.filter(pk=result.id).update(
        enqueued_at=timezone.now() - timedelta(hours=1)
    )
    assert client.get("/health/").status_code == 200


def test_a_task_running_longer_than_the_lease_answers_503(client, settings):
    settings.TASK_LEASE = 600
    result = sweep.enqueue()
    DBTaskResult.objects.filter(pk=result.id).update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now() - timedelta(seconds=60)
    )
    # Running for a minute: still within its lease.
    assert client.get("/health/").status_code == 200

    DBTaskResult.objects.filter(pk=result.id).update(
        started_at=timezone.now() - timedelta(seconds=700)
    )
    status, body = get_json(client)
    assert status == 503
    assert body["failing"] == ["stranded_tasks"]
    assert body["checks"]["stranded_tasks"].startswith("1 task(s) running longer than TASK_LEASE")


def test_the_load_balancers_check_ignores_the_workers(client):
    result = sweep.enqueue()
    DBTaskResult.objects.filter(pk=result.id).update(
        enqueued_at=timezone.now() - timedelta(hours=1)
    )
    assert client.get("/health/").status_code == 503
    status, body = get_json(client, "/health/web/")
    assert status == 200
    assert list(body["checks"]) == ["database", "cache", "storage"]


def test_asking_often_reuses_the_last_run(client, settings, tmp_path):
    settings.HEALTH_CHECK_REUSE = 60
    assert client.get("/health/").status_code == 200
    (tmp_path / "a-file").write_text("")
    settings.MEDIA_ROOT = tmp_path / "a-file" / "media"
    # Within HEALTH_CHECK_REUSE the checks are not run again...
    assert client.get("/health/").status_code == 200
    # ...after it, they are.
    settings.HEALTH_CHECK_REUSE = 0
    assert client.get("/health/").status_code == 503


def test_it_only_answers_get(client):
    assert client.post("/health/").status_code == 405
