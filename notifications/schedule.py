"""Periodic work that any number of hosts may schedule: each run of a rule is claimed once per
period in the database, so N schedulers (`manage.py run_scheduler` on every host) enqueue it once.

A period is a fixed slice of time counted from the Unix epoch (every 300 s: 12:00:00, 12:05:00 …),
the same on every host whose clock is roughly right. The claim is an INSERT of (rule, period start)
under a unique constraint, in the same transaction as the task it enqueues: the first scheduler to
commit has it, the others' INSERT conflicts and they enqueue nothing. A scheduler that dies between
the two leaves neither, and the next tick (on any host) claims the period.
"""

import logging
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks.base import Task

from notifications.models import ScheduledRun

logger = logging.getLogger(__name__)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Rule:
    """A task enqueued once per period. `every` None: the scheduler's own --interval."""

    task: Task
    every: timedelta | None = None

    @property
    def name(self) -> str:
        return self.task.module_path


def period_start(now: datetime, every: timedelta) -> datetime:
    """The start of the period of length `every` that holds `now`, counted from the epoch."""
    return now - (now - EPOCH) % every


def this_host() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def claim(rule: Rule, every: timedelta, now=None) -> str | None:
    """Claim this period's run of `rule` and enqueue its task, together. Returns the task id, or
    None when another scheduler has this period already."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            start = period_start(now, every)
            run = ScheduledRun.objects.create(
                rule=rule.name,
                period_start=start,
                period_end=start + every,
                claimed_by=this_host(),
            )
            run.task_id = rule.task.enqueue().id
            run.save(update_fields=["task_id"])
    except IntegrityError:
        return None  # another host's, this period
    return str(run.task_id)


def enqueue_due(rules, interval: timedelta, now=None) -> list[str]:
    """Every rule whose run this period no scheduler has claimed yet: claimed and enqueued here.
    Returns the names of those enqueued by this call."""
    now = now or timezone.now()
    return [rule.name for rule in rules if claim(rule, rule.every or interval, now) is not None]


def next_start(rules, interval: timedelta, now=None) -> datetime:
    """When the next period of any rule begins: the scheduler sleeps until then."""
    now = now or timezone.now()
    return min(period_start(now, every) + every for every in (r.every or interval for r in rules))


def prune_runs(older_than: timedelta, now=None) -> int:
    """Delete the record of runs whose period ended more than `older_than` ago. A period that has
    ended is never claimed again, so this changes nothing the schedulers do; a second call finds
    none."""
    now = now or timezone.now()
    deleted, _ = ScheduledRun.objects.filter(period_end__lt=now - older_than).delete()
    return deleted
