import time

from django.core.management.base import BaseCommand

from mentoring import search_snapshot
from mentoring.models import Role


class Command(BaseCommand):
    help = (
        "Build the Find a Mentor / Find a Mentee search index snapshot into SEARCH_INDEX_DIR, "
        "which the web processes open. Run at deploy, before serving, and on schedule."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--role", choices=[Role.MENTOR, Role.MENTEE], help="only this role (default: both)"
        )

    def handle(self, *args, role=None, **options):
        for each in [role] if role else [Role.MENTOR, Role.MENTEE]:
            started = time.monotonic()
            version = search_snapshot.build(each)
            snapshot = search_snapshot.Snapshot(each, version)
            self.stdout.write(
                f"{each}: {snapshot.rows} enrollments in {time.monotonic() - started:.1f} s "
                f"-> {search_snapshot.role_dir(each) / version}"
            )
