"""Inner half of bench/search.py: run inside one database's environment, print JSON.

Measures Find a Mentor in-process (Django's test client: middleware, session, view, templates),
after a warm-up whose first search opens the search index snapshot (or builds it when
SEARCH_INDEX_DIR holds none: run `manage.py build_search_index` first, as at deploy).
"""

import json
import os
import statistics
import sys
import time

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentormatch.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

from members.models import User  # noqa: E402
from mentoring.models import CriterionOption  # noqa: E402

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "200"))
KEYWORD = os.environ.get("BENCH_KEYWORD", "supply")
CRITERIA = [
    ("Areas of Professional Experience", "Sourcing"),
    ("Areas of Professional Experience", "Value Analysis"),
    ("Leadership Skills", "Negotiation"),
]


def option_ids(criteria):
    return [CriterionOption.objects.get(category__name=c, label=label).pk for c, label in criteria]


def main():
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(email="mentee@example.org"))
    params = {"s": "1", "o": option_ids(CRITERIA), "q": KEYWORD, "sort": "best"}
    started = time.perf_counter()
    client.get("/find-a-mentor/", params)
    build_seconds = time.perf_counter() - started
    for _ in range(10):
        client.get("/find-a-mentor/", params)

    out = {"index_build_s": round(build_seconds, 2)}  # the first search: opening the index
    for page in (1, 50):
        timings, cpu = [], []
        for _ in range(REQUESTS):
            t, c = time.perf_counter(), time.process_time()
            response = client.get("/find-a-mentor/", {**params, "page": page})
            timings.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
            assert response.status_code == 200
        timings.sort()
        cpu.sort()
        # Counted with the index's change look-up on every search (normally at most once a second).
        with (
            override_settings(SEARCH_INDEX_CHECK_INTERVAL=0),
            CaptureQueriesContext(connection) as queries,
        ):
            response = client.get("/find-a-mentor/", {**params, "page": page})
        html = response.content.decode()
        out[f"page{page}"] = {
            "median_ms": round(statistics.median(timings), 1),
            "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 1),
            # This process's CPU time: what the page costs, less waiting for a shared machine's
            # cores (PostgreSQL's own time is not in it).
            "cpu_median_ms": round(statistics.median(cpu), 1),
            "cpu_p95_ms": round(cpu[int(len(cpu) * 0.95) - 1], 1),
            "queries": len(queries),
            "shown": html.split("Page ", 1)[1].split("<", 1)[0] if "Page " in html else "1 of 1",
        }
    # Query count must not depend on the number of criteria either.
    with (
        override_settings(SEARCH_INDEX_CHECK_INTERVAL=0),
        CaptureQueriesContext(connection) as queries,
    ):
        client.get("/find-a-mentor/", {**params, "o": option_ids(CRITERIA[:1]), "page": 2})
    out["queries_one_criterion"] = len(queries)
    print(json.dumps(out))


main()
