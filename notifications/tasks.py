from datetime import timedelta

from django.conf import settings
from django_tasks import task

from notifications import delivery, schedule, worker
from notifications.emails import send_due_digests


@task()
def send_digests() -> int:
    """Weekly digests that are due, run by the background worker."""
    return send_due_digests()


@task()
def sweep() -> dict[str, int]:
    """Emails and tasks whose worker died, taken up again (notifications.delivery.sweep); enqueued
    by `manage.py run_scheduler` every cycle."""
    return delivery.sweep()


@task()
def prune() -> dict[str, int]:
    """The rows of finished tasks and of past scheduled runs, deleted after
    TASK_RESULT_RETENTION_DAYS; enqueued by `manage.py run_scheduler` daily. (The text of
    delivered emails is deleted by the follow-up rules, after the program's retention period.)"""
    kept = timedelta(days=settings.TASK_RESULT_RETENTION_DAYS)
    return {
        "task results deleted": worker.prune_task_results(kept),
        "scheduled runs deleted": schedule.prune_runs(kept),
    }
