"""No email lost or sent twice when a worker, the database or the mail server fails
(docs/reliability.md). The slow tests run the real worker (`manage.py run_worker`) and scheduler
as processes against the test database, and a real SMTP server (aiosmtpd)."""

import datetime
import os
import re
import signal
import smtplib
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import InterfaceError, OperationalError, connection
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult, DBTaskResultQuerySet
from psycopg import sql

from mentoring.tasks import follow_up
from notifications import delivery, smtp, worker
from notifications.delivery import deliver_email
from notifications.models import OutgoingEmail
from notifications.tests.helpers import run_worker, stop_processes
from notifications.tests.mailserver import MailServer

# The worker closes its database connection after each task, and the worker processes need to see
# what the test wrote: no wrapping transaction.
pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
SITE = "https://mentoring.example.org"
LEASE = datetime.timedelta(seconds=900)
DELIVER = "notifications.delivery.deliver_email"


@pytest.fixture(autouse=True)
def queued(settings):
    """The site's own road: stored by the queue, delivered by the worker (to the test outbox
    unless a test points it at a mail server)."""
    settings.SITE_URL = SITE
    settings.EMAIL_BACKEND = "notifications.backends.QueuedEmailBackend"
    settings.DELIVERY_EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.EMAIL_DELIVERY_LEASE = int(LEASE.total_seconds())


def through(settings, server, *, timeout=5):
    """Deliver through our SMTP backend to `server`."""
    settings.DELIVERY_EMAIL_BACKEND = "notifications.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_TIMEOUT = timeout


def send(to="maria@example.com", subject="Hello"):
    mail.send_mail(subject, f"The text of {subject}", None, [to])
    return OutgoingEmail.objects.latest("pk")


def task_of(email):
    email.refresh_from_db()
    return DBTaskResult.objects.get(pk=email.task_id)


def die_while_sending(email, worker_id="killed-worker"):
    """What a worker killed mid-send leaves: its task RUNNING, the email held and its attempt
    counted (the worker's claim of the task, then deliver_email's claim of the email)."""
    task_of(email).claim(worker_id)
    assert delivery._claim(email.pk, token=worker_id) is not None


# --- The claim ---------------------------------------------------------------------------------


def test_a_delivery_for_an_email_another_worker_holds_or_sent_sends_nothing():
    start = timezone.now()
    email = send()
    with time_machine.travel(start, tick=False):
        holder = delivery._claim(email.pk, "busy")  # a worker has it and talks to the server

        assert deliver_email.call(email.pk) == "nothing to do"
        assert mail.outbox == []
        email.refresh_from_db()
        assert (email.status, email.attempts, email.leased_until) == ("pending", 1, start + LEASE)

        delivery._send(holder)
        delivery._record_sent(holder)
        assert deliver_email.call(email.pk) == "nothing to do"

    with time_machine.travel(start + 2 * LEASE, tick=False):  # long after the lease
        assert deliver_email.call(email.pk) == "nothing to do"
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert (email.status, email.attempts, email.leased_until) == ("sent", 1, None)


def test_a_claim_tried_again_after_the_connection_dropped_keeps_the_email(monkeypatch):
    email = send()
    reads = 0
    real_first = delivery.OutgoingEmail.objects.none().__class__.first

    def connection_drops_after_the_update(queryset):
        # The claim's UPDATE is committed; the connection drops before the row is read back.
        nonlocal reads
        reads += 1
        if reads == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real_first(queryset)

    monkeypatch.setattr(
        type(OutgoingEmail.objects.none()), "first", connection_drops_after_the_update
    )
    monkeypatch.setattr(worker, "pause", lambda seconds: None)

    claimed = delivery.reconnecting_claim(email.pk, "this-delivery")

    assert claimed is not None and claimed.pk == email.pk
    email.refresh_from_db()
    assert (email.attempts, email.leased_by) == (1, "this-delivery")
    assert delivery._claim(email.pk, "another-delivery") is None


# --- The sweep ---------------------------------------------------------------------------------


def test_the_sweep_enqueues_again_an_email_whose_worker_died_and_leaves_a_held_one():
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        dead, held = send(subject="Dead"), send(subject="Held")
        die_while_sending(dead)
        stranded_task = task_of(dead)
    with time_machine.travel(start + LEASE - datetime.timedelta(minutes=1), tick=False):
        die_while_sending(held, "busy-worker")  # still talking to a slow server
        held_task = task_of(held)

    with time_machine.travel(start + LEASE + datetime.timedelta(seconds=1), tick=False):
        assert delivery.sweep() == {"stranded tasks failed": 0, "emails enqueued again": 1}
        assert delivery.sweep() == {"stranded tasks failed": 0, "emails enqueued again": 0}
        stranded_task.refresh_from_db()
        assert stranded_task.status == TaskResultStatus.FAILED
        assert stranded_task.exception_class_path == "notifications.worker.StrandedTask"
        again = task_of(dead)
        assert again.pk != stranded_task.pk
        assert (again.status, again.args_kwargs, again.queue_name) == (
            TaskResultStatus.READY,
            {"args": [dead.pk], "kwargs": {}},
            "email",
        )
        assert task_of(held) == held_task and held_task.status == TaskResultStatus.RUNNING

        run_worker()

    assert [m.subject for m in mail.outbox] == ["Dead"]
    dead.refresh_from_db()
    assert (dead.status, dead.attempts) == ("sent", 2)
    held.refresh_from_db()
    assert (held.status, held.attempts) == ("pending", 1)


def test_the_sweep_leaves_a_backlog_alone_and_takes_up_an_email_whose_task_failed():
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        waiting = [send(subject=f"Waiting {n}") for n in range(3)]  # no worker free yet
        orphan = send(subject="Orphan")
        # Its worker lost the database before it could take the email: the task failed.
        task_of(orphan).set_failed(OperationalError("server closed the connection unexpectedly"))

    with time_machine.travel(start + 3 * LEASE, tick=False):
        tasks_before = set(DBTaskResult.objects.values_list("pk", flat=True))
        assert delivery.sweep()["emails enqueued again"] == 1
        new_tasks = DBTaskResult.objects.exclude(pk__in=tasks_before)
        assert [task.args_kwargs["args"] for task in new_tasks] == [[orphan.pk]]

        run_worker()

    assert sorted(m.subject for m in mail.outbox) == [
        "Orphan",
        "Waiting 0",
        "Waiting 1",
        "Waiting 2",
    ]
    assert not OutgoingEmail.objects.exclude(status="sent").exists()
    for email in waiting:
        email.refresh_from_db()
        assert email.attempts == 1


def test_a_task_stranded_running_is_failed_and_run_again_only_when_that_is_safe(settings):
    settings.TASK_LEASE = 3600
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        rules = follow_up.enqueue()
        # A delivery is taken up again from its email by the sweep, not re-run from its task.
        batch = deliver_email.enqueue(42)
        for result in (rules, batch):
            DBTaskResult.objects.get(pk=result.id).claim("killed-worker")
    with time_machine.travel(start + datetime.timedelta(minutes=59), tick=False):
        recent = follow_up.enqueue()
        DBTaskResult.objects.get(pk=recent.id).claim("busy-worker")

    with time_machine.travel(start + datetime.timedelta(minutes=61), tick=False):
        assert worker.fail_stranded_tasks() == 2
        assert worker.fail_stranded_tasks() == 0

    statuses = {str(pk): status for pk, status in DBTaskResult.objects.values_list("pk", "status")}
    assert statuses.pop(rules.id) == statuses.pop(batch.id) == TaskResultStatus.FAILED
    assert statuses.pop(recent.id) == TaskResultStatus.RUNNING
    # follow_up is run again (every rule claims what it sends); the delivery is not (the sweep
    # enqueues its email again): the only new task is follow_up's.
    (again,) = DBTaskResult.objects.filter(pk__in=statuses)
    assert (again.task_path, again.status, again.args_kwargs) == (
        "mentoring.tasks.follow_up",
        TaskResultStatus.READY,
        {"args": [], "kwargs": {}},
    )


# --- Failures: temporary, permanent, and the attempt limit -------------------------------------


def test_temporary_failures_stop_at_the_attempt_limit_and_the_email_is_marked_failed(settings):
    settings.EMAIL_MAX_ATTEMPTS = 3
    server = MailServer()  # never started: the mail server is down
    through(settings, server)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        email = send()
    for minute in range(5):
        with time_machine.travel(start + datetime.timedelta(minutes=minute), tick=False):
            run_worker()
            delivery.sweep()

    email.refresh_from_db()
    assert (email.status, email.attempts) == ("failed", 3)
    assert email.last_error.startswith("Gave up after 3 attempts. The last: ConnectionRefusedError")
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.READY).exists()


def test_an_email_whose_worker_died_on_its_last_attempt_is_marked_failed(settings):
    settings.EMAIL_MAX_ATTEMPTS = 1
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        email = send()
        die_while_sending(email)
    with time_machine.travel(start + LEASE + datetime.timedelta(seconds=1), tick=False):
        delivery.sweep()
        run_worker()

    assert mail.outbox == []
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("failed", 1)
    assert "Gave up after 1 attempt; the last one did not finish" in email.last_error


def message(code, text):
    return code, text.encode()


@pytest.mark.parametrize(
    "error, permanent",
    [
        (smtplib.SMTPRecipientsRefused({"a@x.org": message(550, "no such user")}), True),
        (
            smtplib.SMTPRecipientsRefused(
                {"a@x.org": message(550, "no such user"), "b@x.org": message(452, "full")}
            ),
            False,
        ),
        (smtplib.SMTPSenderRefused(553, b"not allowed", "mentoring@example.org"), True),
        (smtplib.SMTPSenderRefused(451, b"try later", "mentoring@example.org"), False),
        (smtplib.SMTPDataError(554, b"spam"), True),
        (smtplib.SMTPDataError(451, b"try later"), False),
        (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), False),
        (TimeoutError("timed out"), False),
        (ConnectionRefusedError(111, "Connection refused"), False),
    ],
)
def test_only_a_5xx_refusal_is_permanent(error, permanent):
    assert smtp.is_permanent(error) is permanent


def test_a_refused_address_is_marked_failed_at_once_and_staff_see_why_and_can_resend(
    settings, client, staff
):
    with MailServer(refuse={"nobody@example.com"}) as server:
        through(settings, server)
        for to in ("ana@example.com", "nobody@example.com", "ben@example.com"):
            send(to=to, subject=f"Welcome {to}")

        run_worker()

        refused = OutgoingEmail.objects.get(to=["nobody@example.com"])
        assert (refused.status, refused.attempts) == ("failed", 1)
        assert refused.last_error == (
            "Refused by the mail server: 550 5.1.1 No such mailbox here (for nobody@example.com)"
        )
        assert set(
            OutgoingEmail.objects.exclude(pk=refused.pk).values_list("status", flat=True)
        ) == {"sent"}
        assert sorted(to for tos, _ in server.received for to in tos) == [
            "ana@example.com",
            "ben@example.com",
        ]
        assert not DBTaskResult.objects.filter(status=TaskResultStatus.READY).exists()

        client.force_login(staff)
        page = client.get(reverse("program:outbox"), {"status": "failed"}).content.decode()
        text = re.sub(r"\s+", " ", page)
        assert "Welcome nobody@example.com" in text and "Welcome ana@example.com" not in text
        assert (
            'Failed: <span class="failure-reason">Refused by the mail server: 550 5.1.1 No such '
            "mailbox here (for nobody@example.com)</span>"
        ) in text
        assert f'action="{reverse("program:resend", args=[refused.pk])}"' in text

        client.post(reverse("program:resend", args=[refused.pk]), {"reason": "Address fixed."})
    copy = OutgoingEmail.objects.latest("pk")
    assert (copy.to, copy.status) == (["nobody@example.com"], "pending")


def test_every_copy_of_an_email_carries_its_message_id_and_a_resend_has_its_own(settings):
    class TryLater(MailServer):
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            await super().handle_DATA(server, session, envelope)
            return "451 4.3.0 Try again later" if len(self.received) == 1 else "250 OK"

    start = timezone.now()
    with TryLater() as server:
        through(settings, server)
        with time_machine.travel(start, tick=False):
            email = send()
            run_worker()
        with time_machine.travel(start + datetime.timedelta(seconds=6), tick=False):
            run_worker()
        email.refresh_from_db()
        assert (email.status, email.attempts) == ("sent", 2)
        assert email.message_id.endswith("@mentoring.example.org>")
        assert server.message_ids == [email.message_id, email.message_id]

        copy = delivery.resend(email.pk)
        run_worker()

    assert copy.message_id != email.message_id
    assert server.message_ids == [email.message_id, email.message_id, copy.message_id]


# --- The worker and the database ---------------------------------------------------------------


def test_the_worker_waits_and_carries_on_when_the_database_drops(monkeypatch):
    email = send()
    ready = DBTaskResultQuerySet.ready
    drops = [
        OperationalError("server closed the connection unexpectedly"),
        InterfaceError("connection already closed"),
    ]

    def dropping(queryset):
        if drops:
            raise drops.pop(0)
        return ready(queryset)

    monkeypatch.setattr(DBTaskResultQuerySet, "ready", dropping)
    waits = []
    monkeypatch.setattr(worker, "pause", waits.append)

    run_worker()

    assert waits == [1, 2]
    email.refresh_from_db()
    assert email.status == "sent" and len(mail.outbox) == 1


# --- The real worker process: killed, disconnected, slow servers -------------------------------


@pytest.fixture
def database_url(transactional_db, tmp_path):
    """The test database, as a worker in another process reaches it (DATABASE_URL)."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        password = quote(db["PASSWORD"] or "", safe="")
        yield (
            f"postgres://{quote(db['USER'], safe='')}:{password}@{db['HOST']}:{db['PORT']}/"
            f"{db['NAME']}?application_name=reliability-test-worker"
        )
        return
    # SQLite's test database lives in this process's memory, out of another process's reach:
    # these tests use a file, migrated here, and go back to the memory one afterwards.
    path = tmp_path / "shared.sqlite3"
    in_memory, name = connection.connection, db["NAME"]
    connection.connection = None
    db["NAME"] = str(path)
    try:
        call_command("migrate", verbosity=0)
        yield f"sqlite:///{path}"
    finally:
        connection.close()
        db["NAME"] = name
        connection.connection = in_memory


class Processes:
    """Our commands as separate processes, on the test database and mail server, each logging to
    a file; all stopped at the end of the test."""

    def __init__(self, database_url, log_dir):
        self.database_url = database_url
        self.log_dir = log_dir
        self.started = []

    def start(self, *command, server, lease=900):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "mentormatch.settings",
            "DATABASE_URL": self.database_url,
            "SITE_URL": SITE,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(server.port),
            "EMAIL_TIMEOUT": "5",
            # Only the email's lease is short: its own sweep must take it up (TASK_LEASE, the
            # catch-all for any task, stays an hour).
            "EMAIL_DELIVERY_LEASE": str(lease),
            "LOG_LEVEL": "INFO",
        }
        log = self.log_dir / f"{len(self.started)}-{command[0]}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "manage.py", *command],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        process.log = log
        self.started.append(process)
        return process

    def worker(self, *, server, lease=900):
        return self.start(
            "run_worker",
            "--queue-name",
            "default,email",
            "--interval",
            "0.1",
            "--no-startup-delay",
            "--no-reload",
            server=server,
            lease=lease,
        )

    def logs(self):
        return "\n".join(f"--- {p.log.name}\n{p.log.read_text()[-3000:]}" for p in self.started)

    def wait_for(self, condition, what, timeout=120, running=None):
        """Poll until `condition()` holds, while `running` (a process) runs; a hung test stops
        after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while not condition():
            if running is not None and running.poll() is not None:
                raise AssertionError(f"The process stopped waiting for {what}.\n{self.logs()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"Still waiting for {what}.\n{self.logs()}")
            time.sleep(0.1)

    def stop_all(self):
        stop_processes(self.started)


@pytest.fixture
def processes(database_url, tmp_path):
    started = Processes(database_url, tmp_path)
    yield started
    started.stop_all()  # before the test database is emptied


def sent_count():
    return OutgoingEmail.objects.filter(status="sent").count()


@pytest.mark.slow
def test_an_email_whose_worker_is_killed_mid_send_is_delivered_by_another(processes):
    lease = 3  # seconds: the test waits that long for the sweep to take the email up again
    with MailServer(hold={1}) as server:
        email = send()
        first = processes.worker(server=server, lease=lease)
        held, release = server.holds[1]
        assert held.wait(timeout=120), processes.logs()

        # Killed while the server holds its reply: the server has the message, the worker never
        # heard it was accepted.
        first.send_signal(signal.SIGKILL)
        first.wait()
        release.set()
        email.refresh_from_db()
        assert (email.status, email.attempts) == ("pending", 1)
        assert task_of(email).status == TaskResultStatus.RUNNING

        second = processes.worker(server=server, lease=lease)
        processes.start("run_scheduler", "--interval", "1", server=server, lease=lease)
        processes.wait_for(lambda: sent_count() == 1, "the email to be sent again", running=second)
        processes.stop_all()

    email.refresh_from_db()
    assert (email.status, email.attempts) == ("sent", 2)
    # Accepted ("250") once, from the worker that took over: the killed one hung up before the
    # reply, and the server dropped its copy. A server that kept such a copy anyway has it twice
    # with the one Message-ID, for the receiving side to drop.
    assert server.accepted == 1
    assert server.message_ids == [email.message_id, email.message_id]
    deliveries = DBTaskResult.objects.filter(task_path=DELIVER)
    assert sorted(deliveries.values_list("status", flat=True)) == [
        TaskResultStatus.FAILED,  # the killed worker's, marked by the sweep
        TaskResultStatus.SUCCESSFUL,
    ]
    killed = deliveries.get(status=TaskResultStatus.FAILED)
    assert killed.exception_class_path == "notifications.worker.StrandedTask"
    # Another worker took it over.
    assert set(killed.worker_ids).isdisjoint(
        deliveries.get(status=TaskResultStatus.SUCCESSFUL).worker_ids
    )
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).exists()


def kill_worker_connections():
    """pg_terminate_backend on every connection of the worker process (its own name)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'reliability-test-worker'"
        )
        return len(cursor.fetchall())


@contextmanager
def refusing_new_connections():
    """The test database turns away new connections (as while PostgreSQL restarts); this test's
    own connection stays. Said from the maintenance database: a database cannot say it of itself."""
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"],
        port=db["PORT"],
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        name = sql.Identifier(db["NAME"])
        admin.execute(sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS false").format(name))
        try:
            yield
        finally:
            admin.execute(sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS true").format(name))


@pytest.mark.slow
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="pg_terminate_backend is PostgreSQL's: run with DATABASE_URL=postgres://… to drop the "
    "worker's connection",
)
def test_the_worker_outlives_four_database_disconnects_and_sends_each_email_once(processes):
    with MailServer(hold={60, 400}) as server:
        for n in range(250):
            send(to=f"member{n}@example.com", subject=f"Note {n}")
        process = processes.worker(server=server)
        killed = []

        # 1. While the worker waits for the server's reply: it must still record the email sent.
        held, release = server.holds[60]
        assert held.wait(timeout=120), processes.logs()
        killed.append(kill_worker_connections())
        release.set()
        # 2. Whatever it is doing at the time.
        processes.wait_for(lambda: len(server.received) >= 130, "130 emails", running=process)
        killed.append(kill_worker_connections())
        # 3. While it waits for work, and the database turns it away for a while (a restart):
        # db_worker exited here; this worker waits 1 s, 2 s … and carries on.
        processes.wait_for(lambda: sent_count() == 250, "the first 250 emails", running=process)
        with refusing_new_connections():
            killed.append(kill_worker_connections())
            processes.wait_for(
                lambda: (
                    "lost the database" in process.log.read_text()
                    and "reconnecting in 2 s" in process.log.read_text()
                ),
                "the worker to find the database gone twice",
                running=process,
            )
        for n in range(250, 500):
            send(to=f"member{n}@example.com", subject=f"Note {n}")
        # 4. Waiting for the server again.
        held, release = server.holds[400]
        assert held.wait(timeout=120), processes.logs()
        killed.append(kill_worker_connections())
        release.set()

        processes.wait_for(
            lambda: sent_count() == 500, "all 500 emails", timeout=300, running=process
        )
        assert process.poll() is None, "the worker stopped"
        processes.stop_all()

    assert all(killed), f"a worker connection was not there to kill: {killed}"
    copies = Counter(server.message_ids)
    assert set(copies.values()) == {1}, [m for m, n in copies.items() if n > 1]
    assert set(copies) == set(OutgoingEmail.objects.values_list("message_id", flat=True))
    assert len(copies) == 500
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {
        TaskResultStatus.SUCCESSFUL
    }


@pytest.mark.slow
def test_a_server_that_answers_30_seconds_after_the_message_gets_it_once(settings):
    with MailServer(reply_after=30) as server:
        through(settings, server, timeout=2)  # far shorter than the wait after DATA
        email = send()

        run_worker()

    email.refresh_from_db()
    assert (email.status, email.attempts) == ("sent", 1)
    assert server.message_ids == [email.message_id]
    assert server.accepted == 1
