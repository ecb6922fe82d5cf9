"""The background worker, made to outlive what kills django-tasks-db's own (docs/reliability.md).

- `Worker` is db_worker's loop that, when the database connection drops (a restart, a failover,
  pg_terminate_backend), closes it, waits 1 s, 2 s, 4 s … (at most MAX_BACKOFF) and carries on,
  where db_worker exits. It also writes each task's outcome across a reconnect, so a task is not
  left RUNNING because the connection dropped just before.
- `reconnecting()` does the same for one database write: deliver_email uses it to record an email
  it has sent.
- `fail_stranded_tasks()` finds tasks whose worker died (kill -9, a lost machine): RUNNING for
  longer than TASK_LEASE. Each is marked failed, and enqueued again when its path is in
  TASKS_RERUN_WHEN_STRANDED (tasks that are safe to run twice). The sweep runs it.
"""

import contextlib
import functools
import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

# What a dropped or unreachable database raises (psycopg's "terminating connection", "server
# closed the connection unexpectedly", "connection already closed"; SQLite's "database is locked").
DISCONNECTED = (OperationalError, InterfaceError)
MAX_BACKOFF = 30


class StrandedTask(Exception):
    """Recorded on a task whose worker stopped while running it."""


def backoff(failures: int) -> float:
    """Seconds to wait after the n-th failure in a row (0-based): 1, 2, 4 … MAX_BACKOFF."""
    return min(2**failures, MAX_BACKOFF)


def pause(seconds: float) -> None:
    time.sleep(seconds)


def close_connection() -> None:
    """Drop this thread's connection; the next query opens a new one."""
    # A broken connection may fail to close: Django lets go of it all the same.
    with contextlib.suppress(DatabaseError):
        transaction.get_connection().close()


def reconnecting(func, *, tries: int = 5, until=None):
    """`func`, tried again across a dropped connection: at least `tries` times, and with `until`
    (a datetime) for as long as the next try starts before it. Never inside a transaction: that
    is the caller's to retry as a whole."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        failures = 0
        while True:
            try:
                return func(*args, **kwargs)
            except DISCONNECTED as error:
                delay = backoff(failures)
                failures += 1
                out_of_time = until is None or timezone.now() + timedelta(seconds=delay) >= until
                if transaction.get_connection().in_atomic_block or (
                    failures >= tries and out_of_time
                ):
                    raise
                logger.warning(
                    "Database unreachable in %s (%s): trying again in %s s",
                    func.__name__,
                    error,
                    delay,
                )
                close_connection()
                pause(delay)

    return wrapper


class Worker(db_worker.Worker):
    def run(self) -> None:
        failures = 0
        while True:
            started = time.monotonic()
            try:
                return super().run()
            except DISCONNECTED as error:
                if time.monotonic() - started > MAX_BACKOFF:
                    failures = 0  # it had been working: this is a new outage
                delay = backoff(failures)
                failures += 1
                logger.warning(
                    "Worker %s lost the database (%s): reconnecting in %s s",
                    self.worker_id,
                    error,
                    delay,
                )
                close_connection()
                pause(delay)
                self.startup_delay = False

    def run_task(self, db_task_result: DBTaskResult) -> None:
        # The outcome is written after the task ran: a connection that dropped meanwhile must
        # not leave the task RUNNING (nor stop the worker).
        for name in ("set_successful", "set_failed"):
            setattr(db_task_result, name, reconnecting(getattr(db_task_result, name)))
        super().run_task(db_task_result)


def mark_stranded(results, now, why: str) -> int:
    """Mark the RUNNING task results in `results` failed, saying why. Conditional: a worker that
    finishes one meanwhile records its own outcome."""
    return results.filter(status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.FAILED,
        finished_at=now,
        return_value=None,
        exception_class_path=f"{StrandedTask.__module__}.{StrandedTask.__qualname__}",
        traceback=f"StrandedTask: {why}\n",
    )


def stranded_tasks(now=None):
    """Tasks RUNNING for longer than TASK_LEASE: their worker is taken for dead (the one
    definition, for the sweep below and for /health/)."""
    now = now or timezone.now()
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING,
        started_at__lt=now - timedelta(seconds=settings.TASK_LEASE),
    )


def fail_stranded_tasks(now=None) -> int:
    """Each stranded task (stranded_tasks()) is marked failed and, when safe to run twice
    (settings.TASKS_RERUN_WHEN_STRANDED), enqueued again with the same arguments. Returns how many
    were found; a second run finds none."""
    now = now or timezone.now()
    found = 0
    for result in list(stranded_tasks(now)):
        with transaction.atomic():
            why = (
                f"Still running {settings.TASK_LEASE} s after it started on worker "
                f"{', '.join(result.worker_ids) or '?'}: taken for dead on {now:%Y-%m-%d %H:%M:%S}."
            )
            if not mark_stranded(DBTaskResult.objects.filter(pk=result.pk), now, why):
                continue
            found += 1
            if result.task_path in settings.TASKS_RERUN_WHEN_STRANDED:
                again = rerun(result)
                logger.warning(
                    "Task %s (%s) was stranded: enqueued again as %s",
                    result.pk,
                    result.task_path,
                    again,
                )
            else:
                logger.warning(
                    "Task %s (%s) was stranded: marked failed", result.pk, result.task_path
                )
    return found


def rerun(result: DBTaskResult) -> str:
    """Enqueue the task of `result` again, with its arguments, queue and priority."""
    task = import_string(result.task_path).using(
        queue_name=result.queue_name, priority=result.priority, backend=result.backend_name
    )
    arguments = result.args_kwargs
    return task.enqueue(*arguments["args"], **arguments["kwargs"]).id


def prune_task_results(older_than: timedelta, now=None) -> int:
    """Delete the rows of tasks that finished (successful or failed) more than `older_than` ago;
    waiting and running ones stay. A second call finds none."""
    now = now or timezone.now()
    deleted, _ = DBTaskResult.objects.filter(
        status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED],
        finished_at__lt=now - older_than,
    ).delete()
    return deleted


def lease_is_free(now) -> Q:
    """A leased row (an email, a webhook delivery) that no worker holds at `now`."""
    return Q(leased_until__isnull=True) | Q(leased_until__lte=now)


def requeue_stranded_rows(pending, *, lease: timedelta, enqueue, what: str, now=None) -> int:
    """Enqueue again each row of `pending` (a queryset of rows waiting to be delivered, with
    `leased_until` and `task_id`) that no worker holds (its lease ran out: the worker died) and no
    live task will take (the one recorded on the row is neither waiting nor running for less than
    `lease`). Its task stranded RUNNING is marked failed. Two tasks for one row are harmless (the
    claim); this only keeps the queue short. `enqueue(row_id)` returns the new task's id."""
    now = now or timezone.now()
    live_task = DBTaskResult.objects.filter(pk=OuterRef("task_id")).filter(
        Q(status=TaskResultStatus.READY)
        | Q(status=TaskResultStatus.RUNNING, started_at__gt=now - lease)
    )
    stranded = (
        pending.filter(lease_is_free(now)).exclude(Exists(live_task)).values_list("pk", "task_id")
    )
    requeued = 0
    for row_id, task_id in list(stranded):
        with transaction.atomic():
            mark_stranded(
                DBTaskResult.objects.filter(pk=task_id),
                now,
                f"Its worker stopped while delivering {what} {row_id}: enqueued again.",
            )
            new_task_id = enqueue(row_id)
            if pending.filter(pk=row_id, task_id=task_id).update(task_id=new_task_id):
                requeued += 1
            else:
                transaction.set_rollback(True)  # a worker moved on meanwhile
    if requeued:
        logger.warning("Enqueued %s stranded %s again", requeued, what)
    return requeued
