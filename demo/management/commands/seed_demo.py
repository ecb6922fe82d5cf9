import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from demo.seed import DEMO_MEMBER_PASSWORD, ensure_demo_accounts, seed_members, seed_mentoring
from members.models import User


class Command(BaseCommand):
    help = "Create deterministic demo members and the demo logins. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=500, help="how many demo members")
        parser.add_argument(
            "--seed", type=int, default=1, help="random seed (same seed, same data)"
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="create members only when the database has no members yet",
        )

    def handle(self, *args, members, seed, if_empty, **options):
        if members < 0 or members > 1_000_000:
            raise CommandError("--members must be between 0 and 1,000,000.")
        if if_empty and User.objects.exists():
            self.stdout.write("The database already has members; no demo members added.")
        else:
            started = time.monotonic()
            created = seed_members(members, seed=seed)
            if created and connection.vendor == "postgresql":
                # Fresh statistics, or the planner guesses badly about a million new rows until
                # autovacuum gets round to them (measured: a 0.07 ms query took 30 ms).
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            self.stdout.write(
                f"Created {created} demo members in {time.monotonic() - started:.1f} s "
                f"({members - created} already there)."
            )
        accounts = ensure_demo_accounts()
        requests = seed_mentoring(seed=seed)
        if requests:
            self.stdout.write(f"Created {requests} mentoring requests in every state.")
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Demo logins (email / password):"))
        for account in accounts:
            self.stdout.write(f"  {account.email:<22} {account.password:<18} {account.role}")
        self.stdout.write(
            f"  Every demo member (member000001@demo.example.org …) has the password "
            f"{DEMO_MEMBER_PASSWORD}."
        )
