"""Benchmark: a whole matching round as staff run it, from the database (issue 16).

bench/cohort.py times score building and the solver on pools generated in memory. This one times
what the worker does when staff press Run: `run_round_task` reading the pool from PostgreSQL
(enrollments, choices, shortlists, previous pairs), scoring every pair, solving with its
certificate, greedy for the comparison line, and storing the pairs, on the demo program seeded at
each size (`seed_demo --members N --seed 1`, as bench/pages.py seeds it), with the round's
default parameters.

    python bench/cohort_round.py [--members 15000,30000] [--postgres postgres://…/postgres]
                                 [--reuse] [--keep]

Each size runs in a fresh process: its peak RSS is the worker's for that round. Prints a table.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pages import ROOT, database  # noqa: E402

MEASURE = """
import json, resource, time
from cohorts import pool as pools, services
from cohorts.models import MatchingRound
from cohorts.tasks import run_round_task
from members.models import User

staff = User.objects.get(email="staff@example.org")
matching_round = services.open_round(staff, name="Benchmark round")
started = time.perf_counter()
pool = pools.build_pool(matching_round)
read_s = time.perf_counter() - started
del pool
services.run_round(matching_round.pk, staff)
started = time.perf_counter()
run_round_task.call(matching_round.pk)
run_s = time.perf_counter() - started
r = MatchingRound.objects.get(pk=matching_round.pk)
print(json.dumps({
    "mentees": r.mentee_count, "mentors": r.mentor_count, "places": r.place_count,
    "matched": r.matched, "mean": r.mean_score, "lowest": r.lowest_score,
    "optimal": r.optimal, "gap": r.gap_percent, "greedy_matched": r.greedy_matched,
    "greedy_total": r.greedy_total, "total": r.total_score, "status": r.status,
    "read_s": round(read_s, 2), "run_s": round(run_s, 2),
    "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
}))
"""


def one(env) -> dict:
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", MEASURE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode:
        sys.exit(f"the round failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", default="15000,30000")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--reuse", action="store_true", help="keep each database if it is seeded")
    parser.add_argument("--keep", action="store_true", help="do not drop the databases afterwards")
    args = parser.parse_args()

    rows = []
    for members in [int(size) for size in args.members.split(",")]:
        name = f"mentormatch_bench_round_{members}"
        with tempfile.TemporaryDirectory() as tmp:
            env = database(args.postgres, name, members, args.reuse, f"{tmp}/static")
            try:
                rows.append({"members": members, **one(env)})
            finally:
                if not args.keep and not args.reuse:
                    import psycopg

                    with psycopg.connect(args.postgres, autocommit=True) as conn:
                        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        print(f"  {members:,} members: done", file=sys.stderr)

    load = os.getloadavg()[0]
    print(
        f"\nA matching round from the database, PostgreSQL, {os.cpu_count()} cores, load {load:.1f}"
    )
    print(
        "| members | mentees × mentors (places) | reading the pool s | whole run s | peak RSS MB "
        "| matched | mean (lowest) | certificate | greedy: matched, gap |"
    )
    print("| ---: | --- | ---: | ---: | ---: | ---: | --- | --- | --- |")
    for r in rows:
        certificate = "optimal" if r["optimal"] else f"within {r['gap']:.2f} %"
        gap = 100 * (r["total"] - r["greedy_total"]) / r["total"] if r["total"] else 0.0
        mean = f"{r['mean']:.1f}" if r["mean"] is not None else "—"
        print(
            f"| {r['members']:,} | {r['mentees']:,} × {r['mentors']:,} ({r['places']:,}) "
            f"| {r['read_s']} | {r['run_s']} | {r['rss_mb']} | {r['matched']:,} "
            f"| {mean} ({r['lowest']}) | {certificate} "
            f"| {r['greedy_matched']:,}, {gap:.1f} % below |"
        )


if __name__ == "__main__":
    main()
