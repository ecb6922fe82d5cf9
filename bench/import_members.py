"""Benchmark: a member import of 10,000 rows on a fresh SQLite database, run in-process with
`program.importing.run_import` (what the background worker runs). Prints a markdown table.

    python bench/import_members.py [--rows 10000] [--invitations]

Three runs of the same file: the first import (every row creates a member), a second import of the
same file (every row unchanged, nothing written) and a dry run. The database is a temporary SQLite
file, migrated first, so earlier data never flatters the figure.
"""

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import PROD_ENV  # noqa: E402


def members_csv(rows: int) -> str:
    lines = ["email,first_name,last_name,job_title,organization,city,region,country,member_id"]
    lines += [
        f"member{n}@example.com,Member,Number {n},Buyer,Hospital {n % 500},City {n % 300},"
        f"Region {n % 50},US,{100000 + n}"
        for n in range(rows)
    ]
    return "\n".join(lines) + "\n"


def timed_import(content, staff, *, dry_run=False, invitations=False):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from program.importing import create_batch, run_import

    upload = SimpleUploadedFile("members.csv", content.encode(), content_type="text/csv")
    started = time.perf_counter()
    batch = create_batch(upload, send_invitations=invitations, staff=staff)
    batch.dry_run = dry_run
    batch.save(update_fields=["dry_run"])
    batch = run_import(batch)
    return time.perf_counter() - started, batch


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--invitations", action="store_true", help="email each new member")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        os.environ.update(PROD_ENV, DATABASE_URL=f"sqlite:///{tmp}/bench.sqlite3")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentormatch.settings")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.core.management import call_command

        from members.models import User

        call_command("migrate", verbosity=0)
        staff = User.objects.create_user("staff@example.com", is_staff=True)
        content = members_csv(args.rows)

        runs = []
        for label, options in [
            ("first import", {"invitations": args.invitations}),
            ("same file again", {}),
            ("dry run", {"dry_run": True}),
        ]:
            seconds, batch = timed_import(content, staff, **options)
            runs.append((label, batch, seconds))

    print(
        f"\nMember import of {args.rows:,} rows on SQLite, {platform.node()} ({os.cpu_count()} cores)"
    )
    if args.invitations:
        print("(the first import emails an invitation to each new member)")
    print(
        "| run             |   rows | created | updated | unchanged | failed | seconds | rows/s |"
    )
    print(
        "| --------------- | -----: | ------: | ------: | --------: | -----: | ------: | -----: |"
    )
    for label, batch, seconds in runs:
        print(
            f"| {label:<15} | {batch.total:6,} | {batch.created:7,} | {batch.updated:7,} "
            f"| {batch.unchanged:9,} | {batch.failed:6,} | {seconds:7.1f} | {batch.total / seconds:6,.0f} |"
        )


if __name__ == "__main__":
    main()
