"""Benchmark: how long seed_demo takes to create 100,000 members, on SQLite and PostgreSQL.

Each run uses a fresh database (a temporary SQLite file; a scratch PostgreSQL database that is
dropped afterwards) so earlier data never flatters the figure. Prints a table.

    python bench/seed.py [--members 100000] [--postgres postgres://postgres@127.0.0.1:5432/postgres]
"""

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def manage(args, database_url):
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "1"}
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True
    )


def timed_seed(database_url, members):
    manage(["migrate", "--no-input"], database_url)
    started = time.perf_counter()
    manage(["seed_demo", "--members", str(members), "--seed", "1"], database_url)
    return time.perf_counter() - started


def postgres_scratch(admin_url):
    import psycopg

    name = f"mentormatch_bench_{os.getpid()}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    base = admin_url.rsplit("/", 1)[0]
    return name, f"{base}/{name}"


def drop_postgres(admin_url, name):
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        seconds = timed_seed(f"sqlite:///{tmp}/bench.sqlite3", args.members)
        rows.append(("SQLite", seconds))
    try:
        name, url = postgres_scratch(args.postgres)
    except Exception as exc:  # no server: say so and carry on
        print(f"PostgreSQL skipped: {exc}")
    else:
        try:
            rows.append(("PostgreSQL", timed_seed(url, args.members)))
        finally:
            drop_postgres(args.postgres, name)

    print(f"\nseed_demo --members {args.members:,} on {platform.node()} ({os.cpu_count()} cores)")
    print("| database   | seconds | members/s | target |")
    print("| ---------- | ------: | --------: | ------ |")
    for database, seconds in rows:
        ok = "met (< 120 s)" if seconds < 120 else "MISSED (< 120 s)"
        print(f"| {database:<10} | {seconds:7.1f} | {args.members / seconds:9,.0f} | {ok} |")


if __name__ == "__main__":
    main()
