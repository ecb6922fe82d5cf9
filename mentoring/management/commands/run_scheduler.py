"""django-tasks has no scheduler: this small loop enqueues the periodic work for the worker.

Every rule it enqueues is idempotent (claims by timestamp), so a missed tick is caught up by the
next and a doubled one sends nothing twice. `make run` starts it beside the worker. The sweep
takes up emails and tasks whose worker died (notifications.delivery.sweep).
"""

import time

from django.core.management.base import BaseCommand

from mentoring.tasks import follow_up
from notifications.tasks import send_digests, sweep

PERIODIC = [follow_up, send_digests, sweep]


class Command(BaseCommand):
    help = "Enqueue the follow-up rules and weekly digests every --interval seconds."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=int, default=300, help="seconds between runs")
        parser.add_argument("--once", action="store_true", help="enqueue once and exit")

    def handle(self, *args, interval, once, **options):
        if interval < 1:
            self.stderr.write("--interval must be at least 1 second.")
            raise SystemExit(2)
        while True:
            for periodic in PERIODIC:
                periodic.enqueue()
            self.stdout.write(f"Enqueued {', '.join(p.name for p in PERIODIC)}.")
            if once:
                return
            time.sleep(interval)
