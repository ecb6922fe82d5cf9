from django_tasks import task

from notifications import delivery
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
