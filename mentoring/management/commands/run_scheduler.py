"""django-tasks has no scheduler: this small loop enqueues the periodic work for the worker.

It may run on every host: each rule's run is claimed once per period in the database
(notifications.schedule), so N schedulers enqueue it once. Every rule is idempotent as well
(claims by timestamp), so a period no scheduler was awake for is caught up by the next.
`make run` starts it beside the worker. The sweep takes up emails and tasks whose worker died
(notifications.delivery.sweep).
"""

import time
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from mentoring.tasks import build_search_index, follow_up
from notifications import schedule, webhooks, worker
from notifications.schedule import Rule
from notifications.tasks import prune, send_digests, sweep

# One line per rule; `every` left out: the scheduler's --interval.
RULES = [
    Rule(follow_up),
    Rule(send_digests),
    Rule(sweep),
    Rule(webhooks.sweep),
    Rule(prune, every=timedelta(days=1)),
    # A fresh search index snapshot, written where this worker's host keeps it (SEARCH_INDEX_DIR):
    # app hosts that do not share that directory run `build_search_index` on their own timer
    # (deploy/systemd/mentormatch-search-index.timer, docs/deploy.md).
    Rule(build_search_index, every=timedelta(seconds=settings.SEARCH_INDEX_TTL)),
]


class Command(BaseCommand):
    help = (
        "Enqueue the follow-up rules, weekly digests, sweep, pruning and the search index snapshot, "
        "each once per period "
        "however many hosts run this."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval",
            type=int,
            default=300,
            help="seconds in a period of the rules run every cycle (give every host the same)",
        )
        parser.add_argument("--once", action="store_true", help="enqueue what is due and exit")

    def handle(self, *args, interval, once, **options):
        if interval < 1:
            self.stderr.write("--interval must be at least 1 second.")
            raise SystemExit(2)
        every = timedelta(seconds=interval)
        # Claims are idempotent: tried again as a whole across a dropped database connection.
        enqueue_due = worker.reconnecting(schedule.enqueue_due)
        while True:
            enqueued = enqueue_due(RULES, every)
            if enqueued:
                self.stdout.write(f"Enqueued {', '.join(enqueued)}.")
            if once:
                return
            # Woken just after the next period starts, when hosts race for it.
            wait = schedule.next_start(RULES, every) - timezone.now()
            time.sleep(max(wait.total_seconds(), 0) + 0.05)
