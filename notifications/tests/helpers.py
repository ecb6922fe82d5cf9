"""Test helpers shared by every app's tests that need the background work done."""

import signal
import subprocess

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


def stop_processes(processes, grace: float = 30) -> None:
    """SIGTERM to each process still running, then wait for each; one that has not stopped
    after `grace` seconds is killed."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
