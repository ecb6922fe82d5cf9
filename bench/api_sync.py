"""Benchmark: the member sync API, POST /api/v1/members/sync with 1,000 members per call, on a fresh
SQLite database and (when one answers) a fresh PostgreSQL database. Prints a markdown table.

    python bench/api_sync.py [--members 1000] [--postgres postgres://postgres@127.0.0.1:5432/x]

Each database is made empty and migrated first. The calls go through the whole stack in-process
(Django's test client: token check, rate limit, JSON parsing, the checks, the writes), one after
another: every member new, the same call again (every member unchanged, nothing written), every
member with a changed job title, and every member lapsed (deactivated). Each figure is one call.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import PROD_ENV  # noqa: E402

RUNS = [
    ("all new", {}),
    ("same again", {}),
    ("job title changed", {"job_title": "Director"}),
    ("all lapsed", {"job_title": "Director", "status": "lapsed"}),
]


def members(count, **fields):
    return [
        {
            "external_id": f"AMS-{n:06d}",
            "email": f"member{n}@example.org",
            "first_name": "Member",
            "last_name": f"Number {n}",
            "job_title": "Buyer",
            "organization": f"Hospital {n % 500}",
            "city": f"City {n % 300}",
            "region": f"Region {n % 50}",
            "country": "US",
            **fields,
        }
        for n in range(count)
    ]


def run_child(database_url, count):
    """In this process: migrate, make a staff token, time the calls; prints one JSON line."""
    os.environ.update(PROD_ENV, DATABASE_URL=database_url, API_RATE="100000/min")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentormatch.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from integrations.models import Scope
    from integrations.services import create_token
    from members.models import User

    call_command("migrate", verbosity=0)
    staff = User.objects.create_user("staff@example.com", is_staff=True)
    _, secret = create_token(staff, name="bench", scopes=[Scope.MEMBERS_WRITE])
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {secret}")
    rows = []
    for label, fields in RUNS:
        body = json.dumps({"members": members(count, **fields)})
        started = time.perf_counter()
        response = client.post("/api/v1/members/sync", body, content_type="application/json")
        seconds = time.perf_counter() - started
        assert response.status_code == 200, response.content[:500]
        counts = {k: v for k, v in response.json()["counts"].items() if v}
        rows.append({"run": label, "seconds": seconds, "counts": counts})
    print(json.dumps(rows))


def fresh_postgres(url):
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def measure(database_url, count):
    output = subprocess.run(
        [sys.executable, __file__, "--child", database_url, "--members", str(count)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument(
        "--postgres", default="postgres://postgres@127.0.0.1:5432/mentormatch_bench_api_sync"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args.child, args.members)
        return

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["SQLite"] = measure(f"sqlite:///{tmp}/bench.sqlite3", args.members)
    try:
        fresh_postgres(args.postgres)
    except Exception as error:  # no PostgreSQL here: the SQLite figures alone
        print(f"(PostgreSQL skipped: {error})")
    else:
        results["PostgreSQL"] = measure(args.postgres, args.members)

    print(
        f"\nMember sync API, {args.members:,} members per call, "
        f"{platform.node()} ({os.cpu_count()} cores)"
    )
    print("| database   | call              | seconds | members/s | outcomes |")
    print("| ---------- | ----------------- | ------: | --------: | -------- |")
    for database, rows in results.items():
        for row in rows:
            outcomes = ", ".join(f"{k} {v:,}" for k, v in row["counts"].items())
            print(
                f"| {database:<10} | {row['run']:<17} | {row['seconds']:7.2f} "
                f"| {args.members / row['seconds']:9,.0f} | {outcomes} |"
            )


if __name__ == "__main__":
    main()
