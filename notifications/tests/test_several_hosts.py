"""Workers and schedulers on several hosts: each scheduled rule runs once per period however many
schedulers claim it, old task rows are pruned, and an email whose worker is killed after the mail
server took it is sent again with the same Message-ID (docs/reliability.md)."""

import datetime
import signal
import time
from collections import Counter
from types import SimpleNamespace

import pytest
import time_machine
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from conftest import at_the_same_instant
from mentoring.management.commands.run_scheduler import RULES
from notifications import schedule
from notifications.models import OutgoingEmail, ScheduledRun
from notifications.tasks import prune, sweep
from notifications.tests.helpers import run_worker
from notifications.tests.mailserver import MailServer
from notifications.tests.test_reliability import (  # noqa: F401 - fixtures
    database_url,
    kill_worker_connections,
    processes,
)

pytestmark = pytest.mark.django_db(transaction=True)

FIVE_MINUTES = datetime.timedelta(minutes=5)
# 12:00:00 UTC on a Monday: the start of a five-minute period and of a day.
NOON = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC)


def periods(*instants):
    """For each rule, how many of its periods the instants fall in: how often it is due."""
    return {
        rule.name: len({schedule.period_start(t, rule.every or FIVE_MINUTES) for t in instants})
        for rule in RULES
    }


@pytest.fixture(autouse=True)
def queued(settings):
    """Emails stored and sent by the worker, as on the site."""
    settings.EMAIL_BACKEND = "notifications.backends.QueuedEmailBackend"


def enqueued():
    """How many times each task was enqueued."""
    return Counter(DBTaskResult.objects.values_list("task_path", flat=True))


# --- Scheduled rules, claimed once per period --------------------------------------------------


def test_each_rule_is_enqueued_once_in_its_period_however_often_the_scheduler_wakes():
    early, late, next_period = (
        NOON + datetime.timedelta(seconds=10),
        NOON + datetime.timedelta(minutes=4, seconds=59),
        NOON + FIVE_MINUTES,
    )
    with time_machine.travel(early, tick=False):
        first = schedule.enqueue_due(RULES, FIVE_MINUTES)
        again = schedule.enqueue_due(RULES, FIVE_MINUTES)
    with time_machine.travel(late, tick=False):
        late_in_the_period = schedule.enqueue_due(RULES, FIVE_MINUTES)
    with time_machine.travel(next_period, tick=False):
        in_the_next = schedule.enqueue_due(RULES, FIVE_MINUTES)

    assert sorted(first) == sorted(rule.name for rule in RULES)
    assert again == late_in_the_period == []
    # The rules run every cycle are due again; pruning waits for tomorrow.
    assert "notifications.tasks.sweep" in in_the_next
    assert "notifications.tasks.prune" not in in_the_next
    assert enqueued() == periods(early, late, next_period)
    runs = ScheduledRun.objects.filter(rule="notifications.tasks.sweep").order_by("period_start")
    assert [(run.period_start, run.period_end) for run in runs] == [
        (NOON, NOON + FIVE_MINUTES),
        (NOON + FIVE_MINUTES, NOON + 2 * FIVE_MINUTES),
    ]
    assert {run.task_id for run in runs} == set(
        DBTaskResult.objects.filter(task_path="notifications.tasks.sweep").values_list(
            "pk", flat=True
        )
    )


def test_the_scheduler_sleeps_until_the_next_period_of_any_rule():
    with time_machine.travel(NOON + datetime.timedelta(minutes=2), tick=False):
        assert schedule.next_start(RULES, FIVE_MINUTES) == NOON + FIVE_MINUTES
        assert schedule.period_start(timezone.now(), datetime.timedelta(days=1)) == NOON.replace(
            hour=0
        )


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent claims need PostgreSQL: run with DATABASE_URL=postgres://…",
)
def test_three_schedulers_waking_at_the_same_instant_enqueue_each_rule_once_per_period():
    for period in range(3):
        with time_machine.travel(NOON + period * FIVE_MINUTES, tick=False):
            outcomes = at_the_same_instant(
                lambda host: schedule.enqueue_due(RULES, FIVE_MINUTES), ["a", "b", "c"]
            )
        assert outcomes == ["ok", "ok", "ok"]

    due = periods(*(NOON + period * FIVE_MINUTES for period in range(3)))
    assert enqueued() == due
    assert due["notifications.tasks.sweep"] == 3 and due["notifications.tasks.prune"] == 1
    assert ScheduledRun.objects.count() == sum(due.values())


@pytest.mark.slow
def test_three_scheduler_processes_enqueue_each_period_once(processes):  # noqa: F811
    nowhere = SimpleNamespace(port=9)  # the schedulers send no email
    schedulers = [
        processes.start("run_scheduler", "--interval", "1", server=nowhere) for _ in range(3)
    ]
    sweeps = ScheduledRun.objects.filter(rule="notifications.tasks.sweep")
    processes.wait_for(lambda: sweeps.count() >= 6, "six periods", running=schedulers[0])
    processes.stop_all()

    counts = enqueued()
    periods = list(sweeps.values_list("period_start", flat=True))
    assert len(set(periods)) == len(periods) >= 6
    # Each period's run enqueued once, by whichever scheduler claimed it.
    assert counts["notifications.tasks.sweep"] == len(periods)
    assert (
        counts["mentoring.tasks.follow_up"]
        == ScheduledRun.objects.filter(rule="mentoring.tasks.follow_up").count()
    )
    assert counts["notifications.tasks.prune"] == 1


# --- Pruning -----------------------------------------------------------------------------------


def finished(task, status, days_ago):
    """A task result that finished `days_ago` days before NOON."""
    with time_machine.travel(NOON - datetime.timedelta(days=days_ago), tick=False):
        result = DBTaskResult.objects.get(pk=task.enqueue().id)
        result.claim("a-worker")
        if status == TaskResultStatus.SUCCESSFUL:
            result.set_successful({"done": 1})
        elif status == TaskResultStatus.FAILED:
            result.set_failed(RuntimeError("it broke"))
    return result.pk


def test_finished_task_rows_and_past_scheduled_runs_are_pruned_daily_and_only_once(settings):
    settings.TASK_RESULT_RETENTION_DAYS = 14
    old_success = finished(sweep, TaskResultStatus.SUCCESSFUL, 15)
    old_failure = finished(sweep, TaskResultStatus.FAILED, 15)
    recent = finished(sweep, TaskResultStatus.SUCCESSFUL, 13)
    still_running = finished(sweep, TaskResultStatus.RUNNING, 30)  # the sweep's to judge
    with time_machine.travel(NOON - datetime.timedelta(days=30), tick=False):
        waiting = sweep.using(run_after=NOON + datetime.timedelta(days=1)).enqueue().id
        old_run = schedule.claim(RULES[0], FIVE_MINUTES)
    with time_machine.travel(NOON - datetime.timedelta(days=13), tick=False):
        recent_run = schedule.claim(RULES[0], FIVE_MINUTES)
    kept = {recent, still_running, waiting, old_run, recent_run}

    with time_machine.travel(NOON, tick=False):
        schedule.enqueue_due([rule for rule in RULES if rule.task == prune], FIVE_MINUTES)
        run_worker("default")
        (result,) = DBTaskResult.objects.filter(task_path="notifications.tasks.prune")
        assert result.return_value == {"task results deleted": 2, "scheduled runs deleted": 1}
        assert prune.call() == {"task results deleted": 0, "scheduled runs deleted": 0}

    remaining = {str(pk) for pk in DBTaskResult.objects.values_list("pk", flat=True)}
    assert not {str(old_success), str(old_failure)} & remaining
    assert {str(pk) for pk in kept} <= remaining
    assert sorted(ScheduledRun.objects.values_list("period_start", flat=True)) == [
        NOON - datetime.timedelta(days=13),
        NOON.replace(hour=0),  # today's pruning
    ]


# --- A worker killed after the mail server took the email --------------------------------------


@pytest.mark.slow
def test_a_worker_killed_after_the_server_accepted_sends_a_copy_with_the_same_message_id(
    processes,  # noqa: F811
):
    """The window no lease closes: the server said "250", the worker died before the database
    heard. Held here by a row lock the test takes while the server holds its reply."""
    lease = 3
    with MailServer(hold={1}) as server:
        mail.send_mail("Hello", "The text of Hello", None, ["maria@example.com"])
        email = OutgoingEmail.objects.get()
        first = processes.worker(server=server, lease=lease)
        held, release = server.holds[1]
        assert held.wait(timeout=120), processes.logs()

        with transaction.atomic():
            # The row, locked: the worker's "sent" waits for this transaction.
            OutgoingEmail.objects.filter(pk=email.pk).update(last_error="locked by the test")
            release.set()
            processes.wait_for(lambda: server.accepted == 1, "the server's 250", running=first)
            time.sleep(0.5)  # the worker reaches its write, and waits
            first.send_signal(signal.SIGKILL)
            first.wait()
            if connection.vendor == "postgresql":
                # Its machine is gone, and with it the connection: PostgreSQL would otherwise
                # carry out the write the dead worker left waiting.
                assert kill_worker_connections() == 1
            transaction.set_rollback(True)

        email.refresh_from_db()
        assert (email.status, email.attempts) == ("pending", 1)
        processes.worker(server=server, lease=lease)
        processes.start("run_scheduler", "--interval", "1", server=server, lease=lease)
        processes.wait_for(
            lambda: OutgoingEmail.objects.filter(status="sent").exists(), "the copy to be sent"
        )
        processes.stop_all()

    email.refresh_from_db()
    assert (email.status, email.attempts) == ("sent", 2)
    # Two copies accepted, one email: a receiver that keeps one message per Message-ID shows it
    # once.
    assert server.accepted == 2
    assert server.message_ids == [email.message_id, email.message_id]
    deliveries = DBTaskResult.objects.filter(task_path="notifications.delivery.deliver_email")
    killed, taken_over = (
        deliveries.get(status=TaskResultStatus.FAILED),
        deliveries.get(status=TaskResultStatus.SUCCESSFUL),
    )
    assert killed.exception_class_path == "notifications.worker.StrandedTask"
    assert set(killed.worker_ids).isdisjoint(taken_over.worker_ids)
