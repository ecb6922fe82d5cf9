from django_tasks import task

from mentoring.reminders import run_follow_up


@task()
def follow_up() -> dict[str, int]:
    """The scheduled rules, run by the background worker (enqueued by `manage.py run_scheduler`)."""
    return run_follow_up()
