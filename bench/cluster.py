"""The multi-host proof, on one machine (loopback only): two gunicorn instances on different ports,
two workers and two schedulers on one PostgreSQL and one Redis, an SMTP sink, and a mixed load from
many signed-in members spread over both instances. Then it checks and prints:

- requests, errors (any answer but 2xx/3xx: must be 0), throughput, p50/p95 per kind;
- emails stored against emails the sink accepted, after the queue drained: none lost, none
  accepted twice (counted by Message-ID);
- no mentor over capacity (active relationships <= max mentees, by SQL);
- each scheduled rule enqueued once per period although two schedulers ran;
- a member's change made through instance 1, seen in instance 2's search: seconds, each <= 5.

    python bench/cluster.py [--seconds 180] [--members 100000] [--concurrency 6]
                            [--cache-url redis://127.0.0.1:6379/4 | --cache-url ""]

The database (`--database`, default mm_helper_d_cluster) is created, migrated and seeded with
`seed_demo --members N --seed 1` when it does not exist (`--fresh` drops it first); an existing
one is migrated and reused, with the rows the last run added. `--cache-url ""` uses the database
cache. Exits 1 when a check fails. The load is a closed loop of `--concurrency` threads with no
pause: keep it small on a small machine, where the servers need the CPU.
"""

import argparse
import email
import http.client
import json
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from notifications.tests.helpers import stop_processes  # noqa: E402
from notifications.tests.mailserver import MailServer  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import PROD_ENV  # noqa: E402

KINDS = {"search": 60, "profile": 25, "relationships": 10, "request/answer": 5}
VISIBLE_WITHIN = 5.0


class Sink(MailServer):
    """The SMTP sink: every Message-ID it accepted ("250"), in order."""

    def __init__(self):
        super().__init__()
        self.accepted_ids = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        reply = await super().handle_DATA(server, session, envelope)
        message_id = email.message_from_bytes(envelope.content)["Message-ID"]
        with self._lock:
            self.accepted_ids.append(message_id)
        return reply


def manage(args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )


def prepare_database(admin_url, name, fresh):
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if fresh:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    return f"{admin_url.rsplit('/', 1)[0]}/{name}", not exists


SETUP = """
import json, random
from django.test import Client
from members.models import Profile, User
from mentoring.models import Enrollment, Role

rng = random.Random()  # members of their own each run: the last run's mentors are full
def pool(role, n):
    ids = list(Enrollment.objects.participating().filter(role=role)
               .exclude(user__email__endswith="@example.org")
               .order_by("pk").values_list("user_id", flat=True)[:20000])
    return rng.sample(ids, min(n, len(ids)))

mentees, mentors = pool(Role.MENTEE, {mentees}), pool(Role.MENTOR, {mentors} + 1)
watched = mentors.pop()  # the mentor whose change is looked for: no request reaches them
def session(user_id):
    client = Client()
    client.force_login(User.objects.get(pk=user_id))
    return client.cookies["sessionid"].value
listed = list(Profile.objects.listed().order_by("?").values_list("user_id", flat=True)[:3000])
words = [w for t in Profile.objects.exclude(job_title="").values_list("job_title", flat=True)[:3000]
         for w in t.split() if len(w) > 3 and w.isalpha()]
print(json.dumps({{
    "mentees": [[u, session(u)] for u in mentees],
    "mentors": [[u, session(u)] for u in mentors],
    "watched": watched,
    "profiles": listed,
    "words": sorted(set(words))[:200],
}}))
"""


class Cluster:
    """The processes this run started, each logging to a file; stopped at the end by their ids."""

    def __init__(self, env, log_dir):
        self.env = env
        self.log_dir = Path(log_dir)
        self.started = []

    def start(self, name, args):
        log = (self.log_dir / f"{name}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, *args], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        process.name = name
        self.started.append(process)
        return process

    def check_running(self):
        stopped = [p.name for p in self.started if p.poll() is not None]
        if stopped:
            raise SystemExit(f"stopped: {', '.join(stopped)}; logs in {self.log_dir}")

    def stop(self):
        stop_processes(self.started)


class Member:
    """A signed-in member: the session cookie and a CSRF token of its own."""

    def __init__(self, user_id, session):
        self.user_id = user_id
        self.csrf = secrets.token_hex(16)  # 32 characters: Django accepts it unmasked
        self.cookie = f"sessionid={session}; csrftoken={self.csrf}"


class Client:
    """One keep-alive connection per instance, for one thread."""

    def __init__(self, ports):
        self.ports = ports
        self.connections = {}

    def request(self, port, method, path, member, form=None):
        headers = {"Cookie": member.cookie, "Host": "127.0.0.1"}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = member.csrf
        for attempt in range(2):
            conn = self.connections.get(port)
            if conn is None:
                conn = self.connections[port] = http.client.HTTPConnection(
                    "127.0.0.1", port, timeout=120
                )
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                body = response.read().decode("utf-8", "replace")
                if "/accounts/login/" in (response.getheader("Location") or ""):
                    return 401, "sent to sign in: the session is not valid"
                return response.status, body
            except (OSError, http.client.HTTPException) as error:
                # gunicorn closed an idle keep-alive connection, or is not up yet: a new
                # connection, once.
                conn.close()
                self.connections.pop(port, None)
                if attempt:
                    raise OSError(f"{type(error).__name__}: {error}") from error
        raise AssertionError("unreachable")


class Load:
    def __init__(self, ports, data, seed):
        self.ports = ports
        self.mentees = [Member(u, s) for u, s in data["mentees"]]
        self.mentors = [Member(u, s) for u, s in data["mentors"]]
        self.profiles = data["profiles"]
        self.words = data["words"] or ["manager"]
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.times = defaultdict(list)
        self.errors = []
        self.actions = Counter()

    def record(self, kind, started, status, path):
        elapsed = time.perf_counter() - started
        with self.lock:
            self.times[kind].append(elapsed)
            if not 200 <= status < 400:
                self.errors.append((kind, status, path))

    def call(self, client, kind, method, path, member, form=None, port=None):
        port = port or random.choice(self.ports)
        started = time.perf_counter()
        try:
            status, body = client.request(port, method, path, member, form)
        except OSError as error:
            status, body = 599, str(error)
        self.record(kind, started, status, f"{method} {port}{path}")
        return status, body

    def one(self, client, rng):
        kind = rng.choices(list(KINDS), weights=list(KINDS.values()))[0]
        if kind == "search":
            query = {"q": rng.choice(self.words)} if rng.random() < 0.7 else {}
            path = "/find-a-mentor/" + (f"?{urllib.parse.urlencode(query)}" if query else "")
            self.call(client, kind, "GET", path, rng.choice(self.mentees))
        elif kind == "profile":
            member = rng.choice(self.mentees + self.mentors)
            self.call(client, kind, "GET", f"/members/{rng.choice(self.profiles)}/", member)
        elif kind == "relationships":
            self.call(client, kind, "GET", "/relationships/", rng.choice(self.mentees))
        elif rng.random() < 0.5:
            mentee, mentor = rng.choice(self.mentees), rng.choice(self.mentors)
            form = {"message": "Load test: may I learn from you?", "goals": "Growing"}
            self.call(client, kind, "POST", f"/request/mentor/{mentor.user_id}/", mentee, form)
            self.actions["requests sent"] += 1
        else:
            mentor = rng.choice(self.mentors)
            _, page = self.call(client, kind, "GET", "/relationships/", mentor)
            waiting = re.findall(r"/requests/(\d+)/accept/", page)
            if not waiting:
                self.actions["answers: none waiting"] += 1
                return
            pk = rng.choice(waiting)
            if rng.random() < 0.7:
                self.call(client, kind, "POST", f"/requests/{pk}/accept/", mentor, {})
                self.actions["accepts"] += 1
            else:
                form = {"reason": "no_time", "note": ""}
                self.call(client, kind, "POST", f"/requests/{pk}/decline/", mentor, form)
                self.actions["declines"] += 1

    def run(self, seconds, concurrency):
        deadline = time.monotonic() + seconds

        def loop(n):
            client, rng = Client(self.ports), random.Random(self.rng.random() + n)
            while time.monotonic() < deadline:
                self.one(client, rng)

        threads = [threading.Thread(target=loop, args=(n,)) for n in range(concurrency)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class ProfileForm:
    """The /profile/ form's current values, to post back with one field changed."""

    FIELD = re.compile(
        r"<(input|textarea|select)\b([^>]*)>(.*?)(?=<(?:input|textarea|select)\b|$)", re.S
    )

    @staticmethod
    def values(page):
        form = {}
        for tag, attrs, rest in ProfileForm.FIELD.findall(page):
            name = re.search(r'\bname="([^"]+)"', attrs)
            if not name or name.group(1) in ("csrfmiddlewaretoken", "photo"):
                continue
            name = name.group(1)
            kind = re.search(r'\btype="([^"]+)"', attrs)
            kind = kind.group(1) if kind else ""
            if tag == "textarea":
                text = rest.split("</textarea>", 1)[0]
                form[name] = html_unescape(text)
            elif tag == "select":
                options = rest.split("</select>", 1)[0]
                chosen = re.search(r'<option value="([^"]*)"[^>]*\bselected\b', options)
                form[name] = html_unescape(chosen.group(1)) if chosen else ""
            elif kind in ("checkbox", "radio"):
                if re.search(r"\bchecked\b", attrs):
                    value = re.search(r'\bvalue="([^"]*)"', attrs)
                    form[name] = html_unescape(value.group(1)) if value else "on"
            elif kind not in ("submit", "file", "button"):
                value = re.search(r'\bvalue="([^"]*)"', attrs)
                form[name] = html_unescape(value.group(1)) if value else ""
        return form


def html_unescape(text):
    import html

    return html.unescape(text)


def change_seen_elsewhere(ports, watched, searcher, trial):
    """Change the watched mentor's job title through instance 1; poll instance 2's search for the
    new word. Seconds from the change's answer to the first search that finds them."""
    client = Client(ports)
    keyword = f"Zephyrologist{trial}{secrets.token_hex(3)}"
    status, page = client.request(ports[0], "GET", "/profile/", watched)
    form = ProfileForm.values(page)
    form["job_title"] = f"{keyword} Buyer"
    status, page = client.request(ports[0], "POST", "/profile/", watched, form)
    if status != 302:
        errors = re.findall(r'class="[^"]*error[^"]*"[^>]*>(.*?)<', page)
        return {"error": f"profile change answered {status}: {errors[:3]}"}
    changed = time.monotonic()
    query = urllib.parse.urlencode({"q": keyword})
    while time.monotonic() - changed < 60:
        status, page = client.request(ports[1], "GET", f"/find-a-mentor/?{query}", searcher)
        if f"/members/{watched.user_id}/" in page:
            return {"seconds": round(time.monotonic() - changed, 2)}
        time.sleep(0.1)
    return {"error": "not seen within 60 s"}


def sql_checks(database_url, since, pool):
    with psycopg.connect(database_url) as conn:
        over = conn.execute(
            """
            SELECT e.user_id, e.max_mentees, count(r.id)
            FROM mentoring_enrollment e
            JOIN mentoring_relationship r ON r.mentor_id = e.user_id AND r.status = 'active'
            WHERE e.role = 'mentor'
            GROUP BY e.user_id, e.max_mentees
            HAVING count(r.id) > coalesce(e.max_mentees, 0)
            """
        ).fetchall()
        full = conn.execute(
            """
            SELECT count(*) FROM mentoring_enrollment e
            WHERE e.role = 'mentor' AND e.user_id = ANY(%s) AND e.max_mentees <= (
                SELECT count(*) FROM mentoring_relationship r
                WHERE r.mentor_id = e.user_id AND r.status = 'active'
            )
            """,
            [pool],
        ).fetchone()[0]
        emails = conn.execute(
            "SELECT message_id, status FROM notifications_outgoingemail WHERE created_at >= %s",
            [since],
        ).fetchall()
        runs = dict(
            conn.execute(
                "SELECT rule, count(*) FROM notifications_scheduledrun WHERE claimed_at >= %s "
                "GROUP BY rule",
                [since],
            ).fetchall()
        )
        scheduled = dict(
            conn.execute(
                "SELECT task_path, count(*) FROM django_tasks_database_dbtaskresult "
                "WHERE enqueued_at >= %s AND task_path = ANY(%s) GROUP BY task_path",
                [since, list(runs)],
            ).fetchall()
        )
        claimers = conn.execute(
            "SELECT count(DISTINCT claimed_by) FROM notifications_scheduledrun "
            "WHERE claimed_at >= %s",
            [since],
        ).fetchone()[0]
    return over, full, emails, runs, scheduled, claimers


def waiting_emails(database_url, since):
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT count(*) FROM notifications_outgoingemail "
            "WHERE created_at >= %s AND status = 'pending'",
            [since],
        ).fetchone()[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=180, help="length of the mixed load")
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--database", default="mm_helper_d_cluster")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--fresh", action="store_true", help="drop and seed the database again")
    parser.add_argument("--cache-url", default="redis://127.0.0.1:6379/4", help='"": database')
    parser.add_argument("--ports", default="8201,8202")
    parser.add_argument("--web-workers", type=int, default=1, help="gunicorn workers each")
    parser.add_argument("--concurrency", type=int, default=6, help="load threads")
    parser.add_argument("--mentees", type=int, default=150, help="signed-in mentees")
    parser.add_argument(
        "--mentors", type=int, default=15, help="signed-in mentors: few, so that some fill up"
    )
    parser.add_argument("--scheduler-interval", type=int, default=10)
    parser.add_argument("--drain-timeout", type=int, default=300)
    parser.add_argument("--visibility-trials", type=int, default=3)
    args = parser.parse_args()
    ports = [int(p) for p in args.ports.split(",")][:2]

    database_url, created = prepare_database(args.postgres, args.database, args.fresh)
    sink = Sink().__enter__()
    log_dir = tempfile.mkdtemp(prefix="mm-cluster-")
    env = {
        **os.environ,
        **PROD_ENV,
        "DATABASE_URL": database_url,
        "CACHE_URL": args.cache_url,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink.port),
        "SITE_URL": f"http://127.0.0.1:{ports[0]}",
        "STATIC_ROOT": str(Path(log_dir) / "static"),
        # This run's own snapshots: another checkout's or database's must not be loaded.
        "SEARCH_INDEX_DIR": str(Path(log_dir) / "search-index"),
    }
    print(f"database {args.database}; cache {args.cache_url or 'the database'}; logs {log_dir}")
    step = time.monotonic()
    manage(["migrate", "--no-input"], env)
    if created:
        manage(["seed_demo", "--members", str(args.members), "--seed", "1"], env)
        print(f"seeded {args.members} members in {time.monotonic() - step:.0f} s")
    manage(["collectstatic", "--no-input"], env)
    if args.cache_url.startswith("redis"):
        import redis

        redis.Redis.from_url(args.cache_url).flushdb()  # this run's database number only
    data = json.loads(
        manage(
            [
                "shell",
                "--no-imports",
                "-c",
                SETUP.format(mentees=args.mentees, mentors=args.mentors),
            ],
            env,
        )
        .stdout.strip()
        .splitlines()[-1]
    )

    # As at a deploy: the search index snapshot built before the web processes start (part of
    # the site since `build_search_index` exists; skipped on code without it).
    step = time.monotonic()
    try:
        manage(["build_search_index"], env)
        print(f"search index snapshot built in {time.monotonic() - step:.1f} s")
    except subprocess.CalledProcessError as error:
        print(f"no search index snapshot built: {error.stderr.strip().splitlines()[-1:]}")

    with psycopg.connect(database_url) as conn:
        since = conn.execute("SELECT now()").fetchone()[0]
    cluster = Cluster(env, log_dir)
    try:
        started = time.monotonic()
        for n, port in enumerate(ports, 1):
            cluster.start(
                f"web{n}",
                [
                    "-m",
                    "gunicorn",
                    "mentormatch.wsgi",
                    "--workers",
                    str(args.web_workers),
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--control-socket",
                    str(Path(log_dir) / f"web{n}.ctl"),
                    "--timeout",
                    "120",
                ],
            )
        for n in (1, 2):
            cluster.start(
                f"worker{n}",
                [
                    "manage.py",
                    "run_worker",
                    "--queue-name",
                    "default,email",
                    "--interval",
                    "0.5",
                    "--no-startup-delay",
                    "--no-reload",
                ],
            )
            cluster.start(
                f"scheduler{n}",
                ["manage.py", "run_scheduler", "--interval", str(args.scheduler_interval)],
            )
        # Each instance answers a first search before the clock starts.
        searcher = Member(*data["mentees"][0])
        first_search = {}
        for port in ports:
            client = Client(ports)
            while True:
                cluster.check_running()
                try:
                    status, _ = client.request(port, "GET", "/find-a-mentor/", searcher)
                    if status == 200:
                        break
                except OSError:
                    pass
                time.sleep(0.2)
            first_search[port] = round(time.monotonic() - started, 1)
        print(f"first search answered (s after start): {first_search}")

        load = Load(ports, data, seed=1)
        # The watched mentor signs in as any member would: a session of their own.
        watched_session = (
            manage(
                [
                    "shell",
                    "--no-imports",
                    "-c",
                    "from django.test import Client; from members.models import User; c = Client(); "
                    f"c.force_login(User.objects.get(pk={data['watched']})); "
                    "print(c.cookies['sessionid'].value)",
                ],
                env,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        watched = Member(data["watched"], watched_session)
        visibility = []

        def watch():
            for trial in range(args.visibility_trials):
                time.sleep(args.seconds / (args.visibility_trials + 1))
                visibility.append(change_seen_elsewhere(ports, watched, searcher, trial))

        watcher = threading.Thread(target=watch)
        watcher.start()
        load_started = time.monotonic()
        load.run(args.seconds, args.concurrency)
        load_seconds = time.monotonic() - load_started
        watcher.join()
        cluster.check_running()

        drain_started = time.monotonic()
        while waiting_emails(database_url, since) and (
            time.monotonic() - drain_started < args.drain_timeout
        ):
            time.sleep(1)
        time.sleep(2)  # a worker's last "250" recorded
        over, full, emails, runs, scheduled, claimers = sql_checks(
            database_url, since, [u for u, _ in data["mentors"]]
        )
    finally:
        cluster.stop()
        sink.__exit__(None, None, None)

    total = sum(len(t) for t in load.times.values())
    print(
        f"\n{total} requests in {load_seconds:.0f} s over {len(ports)} instances: "
        f"{total / load_seconds:.1f} requests/s, {len(load.errors)} errors"
    )
    print(f"{'kind':<16}{'requests':>10}{'p50 ms':>10}{'p95 ms':>10}")
    for kind in KINDS:
        times = load.times.get(kind, [])
        if times:
            print(
                f"{kind:<16}{len(times):>10}{statistics.median(times) * 1000:>10.1f}"
                f"{percentile(times, 0.95) * 1000:>10.1f}"
            )
    print("actions:", dict(load.actions))
    for kind, status, path in load.errors[:10]:
        print(f"  error: {kind} {status} {path}")

    stored = Counter(message_id for message_id, _ in emails)
    statuses = Counter(status for _, status in emails)
    accepted = Counter(sink.accepted_ids)
    lost = [m for m in stored if m not in accepted]
    duplicated = [m for m, n in accepted.items() if n > 1]
    print(
        f"\nemails stored {len(emails)} ({dict(statuses)}), accepted by the sink "
        f"{len(sink.accepted_ids)} ({len(accepted)} Message-IDs): {len(lost)} lost, "
        f"{len(duplicated)} duplicated"
    )
    print(
        f"mentors over capacity: {len(over)} {over[:5]} (of the {len(data['mentors'])} answering, "
        f"{full} are full)"
    )
    print(f"scheduled runs claimed {runs}, enqueued {scheduled}, by {claimers} schedulers")
    print(f"a change on instance 1 seen in instance 2's search: {visibility}")

    failures = []
    if load.errors:
        failures.append("errors")
    if not emails or lost or duplicated or statuses.get("pending") or statuses.get("failed"):
        failures.append("emails")
    if over:
        failures.append("capacity")
    if runs != scheduled:
        failures.append("schedule")
    if not visibility or any(v.get("seconds", 99) > VISIBLE_WITHIN for v in visibility):
        failures.append("visibility")
    summary = {
        "requests": total,
        "seconds": round(load_seconds, 1),
        "throughput": round(total / load_seconds, 1),
        "errors": len(load.errors),
        "p50_ms": {k: round(statistics.median(v) * 1000, 1) for k, v in load.times.items()},
        "p95_ms": {k: round(percentile(v, 0.95) * 1000, 1) for k, v in load.times.items()},
        "emails": {
            "stored": len(emails),
            "accepted": len(sink.accepted_ids),
            "lost": len(lost),
            "duplicated": len(duplicated),
        },
        "over_capacity": len(over),
        "mentors_full": full,
        "visibility": visibility,
        "first_search_s": first_search,
        "failed_checks": failures,
    }
    print(json.dumps(summary))
    print("ALL CHECKS PASSED" if not failures else f"FAILED: {', '.join(failures)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
