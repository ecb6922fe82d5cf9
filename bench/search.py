"""Benchmark: Find a Mentor at 100,000 members, on SQLite and PostgreSQL, plus throughput under
gunicorn with wrk on PostgreSQL. Prints a table; docs/benchmarks.md records the figures.

    python bench/search.py [--members 100000] [--requests 200] [--wrk-seconds 20]

Each database is fresh: a temporary SQLite file and a scratch PostgreSQL database, migrated and
seeded with `seed_demo --members N --seed 1`, dropped afterwards. Server time is measured
in-process with Django's test client (bench/search_server_time.py); throughput with gunicorn (one
worker per core) and `wrk -c16` against 127.0.0.1 only.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import PROD_ENV, wrk_throughput  # noqa: E402
from seed import drop_postgres, postgres_scratch  # noqa: E402


def run(args, env, **kwargs):
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        **kwargs,
    )


def prepare(database_url, members, static_root):
    env = {**os.environ, **PROD_ENV, "DATABASE_URL": database_url, "STATIC_ROOT": static_root}
    env["SEARCH_INDEX_DIR"] = tempfile.mkdtemp(prefix="search-index-", dir=Path(static_root).parent)
    run(["manage.py", "migrate", "--no-input"], env)
    run(["manage.py", "seed_demo", "--members", str(members), "--seed", "1"], env)
    run(["manage.py", "build_search_index"], env)  # as at deploy: web processes never build
    run(["manage.py", "collectstatic", "--no-input"], env)
    return env


def server_time(env, requests):
    result = run(["bench/search_server_time.py"], {**env, "BENCH_REQUESTS": str(requests)})
    return json.loads(result.stdout.strip().splitlines()[-1])


def session_cookie(env):
    code = (
        "from django.test import Client; from members.models import User; "
        "c = Client(); c.force_login(User.objects.get(email='mentee@example.org')); "
        "print(c.cookies['sessionid'].value)"
    )
    return run(["manage.py", "shell", "--no-imports", "-c", code], env).stdout.strip()


def throughput(env, seconds, url_path):
    return wrk_throughput(env, "8123", os.cpu_count() or 2, url_path, session_cookie(env), seconds)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--wrk-seconds", type=int, default=20)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        env = prepare(f"sqlite:///{tmp}/bench.sqlite3", args.members, f"{tmp}/static")
        results["SQLite"] = server_time(env, args.requests)
        name, url = postgres_scratch(args.postgres)
        try:
            env = prepare(url, args.members, f"{tmp}/static")
            results["PostgreSQL"] = server_time(env, args.requests)
            criteria = json.loads(
                run(
                    [
                        "manage.py",
                        "shell",
                        "--no-imports",
                        "-c",
                        "import json; from mentoring.models import CriterionOption as O; "
                        "print(json.dumps([O.objects.get(label=l).pk for l in "
                        "['Sourcing', 'Value Analysis', 'Negotiation']]))",
                    ],  # fmt: skip
                    env,
                )
                .stdout.strip()
                .splitlines()[-1]
            )
            path = "/find-a-mentor/?s=1&q=supply&sort=best&" + "&".join(f"o={o}" for o in criteria)
            results["wrk"] = throughput(env, args.wrk_seconds, path)
        finally:
            drop_postgres(args.postgres, name)

    print(f"\nFind a Mentor, {args.members:,} members, 3 criteria + keyword, best match")
    print(f"({os.uname().nodename}, {os.cpu_count()} cores; {args.requests} requests per row)\n")
    print("| database   | page | shown      | median ms | p95 ms | queries | target p95 ≤ 50 ms |")
    print("| ---------- | ---: | ---------- | --------: | -----: | ------: | ------------------ |")
    for database in ("SQLite", "PostgreSQL"):
        r = results[database]
        for page in (1, 50):
            row = r[f"page{page}"]
            verdict = "met" if row["p95_ms"] <= 50 else "MISSED"
            print(
                f"| {database:<10} | {page:>4} | {row['shown']:<10} | {row['median_ms']:>9} | "
                f"{row['p95_ms']:>6} | {row['queries']:>7} | {verdict:<18} |"
            )
        print(
            f"|            | index build {r['index_build_s']} s; queries with one criterion: {r['queries_one_criterion']} |"
        )
    w = results["wrk"]
    if "error" in w:
        print(f"\nThroughput: {w['error']}")
    else:
        verdict = "met" if w["rps"] >= 105 else "MISSED"
        print(
            f"\nThroughput, PostgreSQL, gunicorn {w['workers']} workers, wrk 16 connections: "
            f"{w['rps']:.1f} requests/s (target ≥ 105: {verdict}), p99 {w['p99']}, non-2xx {w['errors']}"
        )


if __name__ == "__main__":
    main()
