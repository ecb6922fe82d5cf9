"""Benchmark: the "Mentors and Mentees" report downloaded as CSV at 100,000 members (about 110,000
enrollment rows), on SQLite and PostgreSQL: rows, seconds, and how much the process's peak memory
grew while streaming (it should stay flat as rows grow: the CSV is streamed in chunks).

    python bench/report_csv.py [--members 100000]
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import PROD_ENV  # noqa: E402
from seed import drop_postgres, manage, postgres_scratch  # noqa: E402

MEASURE = r"""
import json, resource, time
import django
django.setup()
from program.reports import REPORTS, csv_lines
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
rows = size = 0
for line in csv_lines(REPORTS["participants"], {}):
    rows += 1
    size += len(line.encode())
seconds = time.perf_counter() - started
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"rows": rows - 1, "seconds": seconds, "mb": size / 1e6,
                  "peak_growth_mb": (after - before) / 1024}))
"""


def measure(database_url):
    env = {
        **os.environ,
        **PROD_ENV,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "mentormatch.settings",
    }
    out = subprocess.run(
        [sys.executable, "-c", MEASURE],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        manage(["migrate", "--no-input"], url)
        manage(["seed_demo", "--members", str(args.members), "--seed", "1"], url)
        results.append(("SQLite", measure(url)))
    name, url = postgres_scratch(args.postgres)
    try:
        manage(["migrate", "--no-input"], url)
        manage(["seed_demo", "--members", str(args.members), "--seed", "1"], url)
        results.append(("PostgreSQL", measure(url)))
    finally:
        drop_postgres(args.postgres, name)
    print()
    print(f"Report CSV (Mentors and Mentees), {args.members:,} members on {platform.node()}")
    print("| database   |    rows | seconds | rows/s | CSV MB | peak memory growth MB |")
    print("| ---------- | ------: | ------: | -----: | -----: | --------------------: |")
    for database, r in results:
        print(
            f"| {database:<10} | {r['rows']:>7,} | {r['seconds']:>7.1f} | "
            f"{r['rows'] / r['seconds']:>6,.0f} | {r['mb']:>6.1f} | {r['peak_growth_mb']:>21.1f} |"
        )


if __name__ == "__main__":
    main()
