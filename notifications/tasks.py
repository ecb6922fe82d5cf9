from django_tasks import task

from notifications.emails import send_due_digests


@task()
def send_digests() -> int:
    """Weekly digests that are due, run by the background worker."""
    return send_due_digests()
