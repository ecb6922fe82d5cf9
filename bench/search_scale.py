"""Benchmark: the search index at scale on PostgreSQL (loopback only), at 100,000 and 1,000,000
members. Prints a table; docs/benchmarks.md records the figures.

    python bench/search_scale.py [--members 100000 --members 1000000] [--requests 200]
                                 [--database-prefix mm_bench_search] [--database NAME ...] [--keep]

Per size, in a PostgreSQL database `<prefix>_<members>` (created, migrated and seeded when it is
empty or missing; an already seeded one is reused and its seeding time reported as not measured):

- seeding time (`seed_demo --members N`),
- snapshot build time and peak memory of the builder (`manage.py build_search_index`),
- time from process start to the first search answered: a fresh Python process (Django set up,
  the snapshot opened, one Find a Mentor page rendered), and gunicorn (from its start to the first
  200 of a search over HTTP),
- search p95, server time in-process (bench/search_server_time.py: Find a Mentor with three
  criteria and a keyword, pages 1 and 50) and over HTTP against gunicorn with 4 workers
  (4 concurrent clients, a mix of searches),
- PSS per gunicorn worker from /proc/<pid>/smaps_rollup after those searches.

Databases are dropped afterwards unless --keep (the snapshots always: they live in a temporary
directory).
"""

import argparse
import json
import os
import random
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import PROD_ENV, start_gunicorn  # noqa: E402

PORT = 8131
WORKERS = 4
TARGET_P95 = {100_000: 25, 1_000_000: 60}


def run(args, env, **kwargs):
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True,
        **kwargs,
    )  # fmt: skip


def shell(env, code):
    return run(["manage.py", "shell", "--no-imports", "-c", code], env).stdout.strip()


def ensure_database(admin_url, name):
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    return f"{admin_url.rsplit('/', 1)[0]}/{name}"


def drop_database(admin_url, name):
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def members_in(env) -> int:
    return int(shell(env, "from members.models import User; print(User.objects.count())"))


def seed(env, members):
    """Seconds to seed, or None when the database already holds them."""
    run(["manage.py", "migrate", "--no-input"], env)
    if members_in(env) >= members:
        return None
    started = time.perf_counter()
    run(["manage.py", "seed_demo", "--members", str(members), "--seed", "1"], env)
    return time.perf_counter() - started


def build_snapshot(env):
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    out = run(["manage.py", "build_search_index"], env).stdout
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, (peak if peak > before else None), out


FIRST_SEARCH = """
import os, sys, time
started = time.perf_counter()
sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentormatch.settings")
import django
django.setup()
from django.test import Client
from members.models import User
client = Client(HTTP_HOST="127.0.0.1")
client.force_login(User.objects.get(email="mentee@example.org"))
ready = time.perf_counter()
response = client.get("/find-a-mentor/")
assert response.status_code == 200, response.status_code
done = time.perf_counter()
print(f"{ready - started:.3f} {done - ready:.3f}")
"""


def first_search_in_a_fresh_process(env):
    setup, search = run(["-c", FIRST_SEARCH], env).stdout.split()
    return float(setup), float(search)


def session_cookie(env):
    return shell(
        env,
        "from django.test import Client; from members.models import User; "
        "c = Client(); c.force_login(User.objects.get(email='mentee@example.org')); "
        "print(c.cookies['sessionid'].value)",
    )


def search_paths(env):
    ids = json.loads(
        shell(
            env,
            "import json; from mentoring.models import CriterionOption as O; "
            "print(json.dumps([O.objects.get(label=l).pk for l in "
            "['Sourcing', 'Value Analysis', 'Negotiation', 'Team Building']]))",
        ).splitlines()[-1]
    )
    o = "&".join(f"o={i}" for i in ids[:3])
    return [
        "/find-a-mentor/",  # Suggested for you
        f"/find-a-mentor/?s=1&{o}&q=supply&sort=best",
        f"/find-a-mentor/?s=1&{o}&q=supply&sort=best&page=50",
        f"/find-a-mentor/?s=1&o={ids[2]}&sort=name&page=3",
        f"/find-a-mentor/?s=1&o={ids[3]}&open=1&sort=newest",
        "/find-a-mentor/?s=1&q=negotiation+contracts",
    ]


def get(url, cookie):
    request = urllib.request.Request(url, headers={"Cookie": f"sessionid={cookie}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()
        return response.status


def pss_kb(pid) -> int:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def worker_pids(master_pid):
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    return [int(p) for p in children.read_text().split()]


def gunicorn(env, requests):
    cookie = session_cookie(env)
    paths = search_paths(env)
    base = f"http://127.0.0.1:{PORT}"
    started = time.perf_counter()
    server = start_gunicorn(env, PORT, WORKERS)
    try:
        first = None
        while first is None and time.perf_counter() - started < 300:
            try:
                if get(base + paths[1], cookie) == 200:
                    first = time.perf_counter() - started
            except OSError:
                time.sleep(0.05)
        # Every worker answers a few of each search before timing (their first look at the index).
        for path in paths * WORKERS * 2:
            get(base + path, cookie)
        timings, errors = [], []
        lock = threading.Lock()
        rng = random.Random(1)
        plan = [rng.choice(paths) for _ in range(requests)]

        def client(share):
            for path in share:
                t = time.perf_counter()
                try:
                    status = get(base + path, cookie)
                except OSError as exc:
                    status = str(exc)
                elapsed = (time.perf_counter() - t) * 1000
                with lock:
                    (timings if status == 200 else errors).append(elapsed)

        threads = [
            threading.Thread(target=client, args=(plan[i::WORKERS],)) for i in range(WORKERS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        timings.sort()
        pss = [pss_kb(pid) for pid in worker_pids(server.pid)]
        return {
            "first_search_s": first,
            "http_median_ms": statistics.median(timings),
            "http_p95_ms": timings[int(len(timings) * 0.95) - 1],
            "errors": len(errors),
            "pss_mb": [round(kb / 1024, 1) for kb in pss],
            "master_pss_mb": round(pss_kb(server.pid) / 1024, 1),
        }
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def server_time(env, requests):
    result = run(["bench/search_server_time.py"], {**env, "BENCH_REQUESTS": str(requests)})
    return json.loads(result.stdout.strip().splitlines()[-1])


def load():
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def measure(members, url, requests, static_root):
    with tempfile.TemporaryDirectory() as index_dir:
        env = {**os.environ, **PROD_ENV, "DATABASE_URL": url, "STATIC_ROOT": static_root,
               "SEARCH_INDEX_DIR": index_dir}  # fmt: skip
        row = {"members": members, "load_before": load()}
        row["seed_s"] = seed(env, members)
        run(["manage.py", "collectstatic", "--no-input"], env)
        row["build_s"], row["build_peak_kb"], row["build_out"] = build_snapshot(env)
        row["setup_s"], row["first_search_s"] = first_search_in_a_fresh_process(env)
        row["server"] = server_time(env, requests)
        row["gunicorn"] = gunicorn(env, requests)
        row["load_after"] = load()
        sizes = sum(f.stat().st_size for f in Path(index_dir).rglob("*.npy"))
        row["snapshot_mb"] = round(sizes / 2**20, 1)
        return row


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, action="append")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database-prefix", default="mm_bench_search")
    parser.add_argument(
        "--database",
        action="append",
        help="database name for the --members of the same position (default: <prefix>_<members>)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the seeded databases")
    args = parser.parse_args()
    sizes = args.members or [100_000, 1_000_000]

    rows = []
    with tempfile.TemporaryDirectory() as static_root:
        for position, members in enumerate(sizes):
            given = args.database or []
            name = given[position] if position < len(given) else None
            name = name or f"{args.database_prefix}_{members}"
            url = ensure_database(args.postgres, name)
            try:
                rows.append(measure(members, url, args.requests, static_root))
                print(json.dumps(rows[-1]), file=sys.stderr)
            finally:
                if not args.keep:
                    drop_database(args.postgres, name)

    print(f"\nSearch index at scale, PostgreSQL on loopback ({os.uname().nodename}, "
          f"{os.cpu_count()} cores; load average before / after each row shown: the machine is "
          f"shared)\n")  # fmt: skip
    print(
        "| members | seeding | snapshot build (builder peak RSS) | snapshot on disk | start → first search: fresh process / gunicorn | p95 server time, page 1 / 50 (its CPU time) | p95 over HTTP, 4 workers | PSS per worker | load before → after |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for r in rows:
        seed_text = f"{r['seed_s']:.0f} s" if r["seed_s"] is not None else "reused"
        peak = f" ({r['build_peak_kb'] / 1024:.0f} MB)" if r["build_peak_kb"] else ""
        s, g = r["server"], r["gunicorn"]
        fresh = r["setup_s"] + r["first_search_s"]
        print(
            f"| {r['members']:,} | {seed_text} | {r['build_s']:.1f} s{peak} | {r['snapshot_mb']} MB "
            f"| {fresh:.2f} s ({r['first_search_s']:.2f} s after set-up) / {g['first_search_s']:.2f} s "
            f"| {s['page1']['p95_ms']} / {s['page50']['p95_ms']} ms "
            f"({s['page1']['cpu_p95_ms']} / {s['page50']['cpu_p95_ms']} ms CPU) "
            f"| {g['http_p95_ms']:.1f} ms (median {g['http_median_ms']:.1f}, errors {g['errors']}) "
            f"| {', '.join(str(p) for p in g['pss_mb'])} MB | {r['load_before']} → {r['load_after']} |"
        )
    print()
    for r in rows:
        target = TARGET_P95.get(r["members"])
        p95 = max(r["server"]["page1"]["p95_ms"], r["server"]["page50"]["p95_ms"])
        pss = max(r["gunicorn"]["pss_mb"])
        verdicts = [
            f"p95 {p95} ms vs ≤ {target} ms: {'met' if target and p95 <= target else 'MISSED'}"
            if target
            else f"p95 {p95} ms",
            f"first search {r['first_search_s']:.2f} s after set-up vs ≤ 1 s: "
            f"{'met' if r['first_search_s'] <= 1 else 'MISSED'}",
        ]
        if r["members"] >= 1_000_000:
            verdicts.append(f"PSS {pss} MB vs ≤ 150 MB: {'met' if pss <= 150 else 'MISSED'}")
            if r["seed_s"] is not None:
                verdicts.append(
                    f"seeding {r['seed_s']:.0f} s vs < 900 s: {'met' if r['seed_s'] < 900 else 'MISSED'}"
                )
        print(f"{r['members']:,}: " + "; ".join(verdicts))


if __name__ == "__main__":
    main()
