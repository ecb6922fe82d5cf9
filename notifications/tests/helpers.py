"""Test helpers shared by every app's tests that need the background work done."""

from django.core.management import call_command


def run_worker(queues: str = "default,email") -> None:
    """Run every ready task on `queues` in this process, as `manage.py run_worker` would, and
    return when none is left."""
    call_command(
        "run_worker",
        queue_name=queues,
        batch=True,
        no_startup_delay=True,
        reload=False,
        interval=0.01,
    )
