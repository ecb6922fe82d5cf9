from django.core.management.base import BaseCommand

from mentoring.reminders import run_follow_up
from notifications.delivery import sweep
from notifications.emails import send_due_digests


class Command(BaseCommand):
    help = (
        "Run the follow-up rules (old email texts deleted too), due weekly digests and the sweep "
        "of emails and tasks whose worker died now, in this process (e.g. from cron)."
    )

    def handle(self, *args, **options):
        for rule, count in run_follow_up().items():
            self.stdout.write(f"{rule}: {count}")
        self.stdout.write(f"weekly digests sent: {send_due_digests()}")
        for what, count in sweep().items():
            self.stdout.write(f"{what}: {count}")
