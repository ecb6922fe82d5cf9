"""`/health/`: is this site able to serve, and is its background work moving? For load balancers
and monitoring (docs/deploy.md).

django-health-check runs the checks (each in its own thread, each with a time limit) and this
module says which: the database, the shared cache, the photo storage (a small file written, read
and deleted), the queue (the oldest task ready to run has waited too long: no worker is taking
tasks) and stranded tasks (running longer than TASK_LEASE: a worker died with it).

What the page says is safe to show anyone: a check that fails gives a fixed message of its own,
never the exception's text, which may hold a host name, a user or a connection string (the
exception goes to the log). The answer is 200 when every check passes, 503 naming each that
failed; plain text, or JSON for `?format=json` or `Accept: application/json`.

Anyone may ask, so asking costs little: each process runs the checks at most once every
HEALTH_CHECK_REUSE seconds and answers with that run meanwhile.
"""

import asyncio
import dataclasses
import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.cache import caches
from django.db import connections
from django.db.models import Case, F, When
from django.http import HttpResponse, JsonResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.views.decorators.http import require_GET
from django_tasks_db.models import DBTaskResult, get_date_max
from health_check import checks
from health_check.base import HealthCheck
from health_check.exceptions import HealthCheckException, ServiceUnavailable

from notifications.worker import stranded_tasks

check_logger = logging.getLogger("health_check")


@dataclasses.dataclass
class Database(checks.Database):
    def run(self):
        # In a thread of health_check's, on a connection it opens and closes.
        try:
            super().run()
        except Exception as error:
            raise ServiceUnavailable("cannot query the database") from error


@dataclasses.dataclass
class Cache(checks.Cache):
    """Run in the request's own thread (checked()), on its own database connection when the cache
    is the database table: health_check's async version needs an event loop of the thread's."""

    in_request_thread = True

    def run(self):
        key = f"{self.key_prefix}:{uuid.uuid4().hex}"
        try:
            cache = caches[self.alias]
            cache.set(key, "ok", self.timeout.total_seconds())
            if cache.get(key) != "ok":
                raise ValueError("the value read back differs")
            cache.delete(key)
        except Exception as error:
            raise ServiceUnavailable("cannot write and read a value in the cache") from error


@dataclasses.dataclass
class Storage(checks.Storage):
    def run(self):
        try:
            super().run()
        except Exception as error:
            raise ServiceUnavailable("cannot write, read and delete a file in storage") from error


class InOwnThread:
    """A check that queries the database from health_check's thread: its connection is closed
    when done, so that asking often opens no connections that stay."""

    def run(self):
        try:
            self.check()
        except HealthCheckException:
            raise
        except Exception as error:
            raise ServiceUnavailable("cannot read the task queue") from error
        finally:
            connections.close_all()


def waiting_since():
    """When a ready task became ready: its run_after, or when it was enqueued if it has none."""
    return Case(
        When(run_after=get_date_max(), then=F("enqueued_at")),
        default=F("run_after"),
    )


@dataclasses.dataclass
class QueueLag(InOwnThread, HealthCheck):
    def check(self):
        limit = settings.HEALTH_QUEUE_LAG
        oldest = (
            DBTaskResult.objects.ready()
            .annotate(since=waiting_since())
            .order_by("since")
            .values("queue_name", "since")
            .first()
        )
        if oldest is None:
            return
        waited = (timezone.now() - oldest["since"]).total_seconds()
        if waited > limit:
            raise ServiceUnavailable(
                f"a task on queue {oldest['queue_name']!r} has waited {waited:.0f} s to run "
                f"(limit {limit} s): are the workers running?"
            )


@dataclasses.dataclass
class StrandedTasks(InOwnThread, HealthCheck):
    def check(self):
        count = stranded_tasks().count()
        if count:
            raise ServiceUnavailable(
                f"{count} task(s) running longer than TASK_LEASE ({settings.TASK_LEASE} s): "
                "a worker died; the sweep takes them up"
            )


# name → check. What a web host needs, then what the background work needs.
WEB_CHECKS = {"database": Database, "cache": Cache, "storage": Storage}
ALL_CHECKS = {**WEB_CHECKS, "queue": QueueLag, "stranded_tasks": StrandedTasks}

_last_runs: dict[str, tuple[float, dict[str, str | None]]] = {}


async def run_checks(which: dict[str, type[HealthCheck]]) -> dict[str, str | None]:
    """Each check's failure message, or None when it passed, each in a thread of health_check's
    with its time limit."""
    results = await asyncio.gather(*(check().get_result() for check in which.values()))
    return {
        name: None if result.error is None else result.error.message
        for name, result in zip(which, results, strict=True)
    }


def run_here(check: HealthCheck) -> str | None:
    """One check in this thread, reported as health_check reports its own."""
    try:
        check.run()
    except HealthCheckException as error:
        check_logger.warning("Health check %r failed", check, exc_info=True)
        return error.message
    except Exception:
        check_logger.exception("Unexpected exception during health check")
        return "unknown error"
    return None


def checked(which: dict[str, type[HealthCheck]]) -> dict[str, str | None]:
    """Every check of `which`, at most one run per HEALTH_CHECK_REUSE seconds per process for
    each set (a gunicorn sync worker answers one request at a time, so there is no crowd to hold
    back). The thread-bound ones (the cache) run here; the others meanwhile on a thread with an
    event loop of its own, so that this works whatever this thread runs (a test's browser driver
    keeps a loop here)."""
    key = ",".join(which)
    last = _last_runs.get(key)
    if last and time.monotonic() - last[0] < settings.HEALTH_CHECK_REUSE:
        return last[1]
    here = {
        name: check for name, check in which.items() if getattr(check, "in_request_thread", False)
    }
    elsewhere = {name: check for name, check in which.items() if name not in here}
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(asyncio.run, run_checks(elsewhere))
        outcome = {name: run_here(check()) for name, check in here.items()}
        outcome.update(future.result())
    outcome = {name: outcome[name] for name in which}
    _last_runs[key] = (time.monotonic(), outcome)
    return outcome


def wants_json(request) -> bool:
    return (
        request.GET.get("format") == "json"
        or "application/json" in request.headers.get("Accept", "").lower()
    )


def respond(request, outcome: dict[str, str | None]):
    failing = [name for name, error in outcome.items() if error]
    status = 503 if failing else 200
    if wants_json(request):
        response = JsonResponse(
            {
                "status": "failing" if failing else "ok",
                "failing": failing,
                "checks": {name: error or "ok" for name, error in outcome.items()},
            },
            status=status,
        )
    else:
        lines = [f"{name}: {error or 'ok'}" for name, error in outcome.items()]
        summary = f"failing: {', '.join(failing)}" if failing else "ok"
        response = HttpResponse(
            "\n".join([summary, *lines]) + "\n",
            content_type="text/plain; charset=utf-8",
            status=status,
        )
    patch_vary_headers(response, ["Accept"])
    add_never_cache_headers(response)
    # Each failing check is logged (a WARNING from health_check, with the cause); Django would
    # also log every 503 as an ERROR, which Sentry would report each time the load balancer asks.
    response._has_been_logged = True
    return response


@require_GET
def health(request):
    """Everything: for monitoring and alerts."""
    return respond(request, checked(ALL_CHECKS))


@require_GET
def health_web(request):
    """What this web host needs to serve pages: for the load balancer, which should not take every
    host out of service because the workers are behind."""
    return respond(request, checked(WEB_CHECKS))


def answer_before_host_checks(get_response):
    """Answers /health/ before the host name is checked (a load balancer asks by the host's
    address, which ALLOWED_HOSTS rightly leaves out) and before the redirect to HTTPS (it asks
    in plain HTTP, inside the network). Nothing in the answer depends on the host."""
    views = {}

    def middleware(request):
        if not views:
            try:
                views.update({reverse("health"): health, reverse("health_web"): health_web})
            except NoReverseMatch:  # a URLconf without them (a test's)
                return get_response(request)
        view = views.get(request.path_info)
        if view is not None:
            return view(request)
        return get_response(request)

    return middleware
