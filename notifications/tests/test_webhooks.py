"""Webhooks delivered as durably as emails: stored with the change, sent by the real worker,
signed, retried with back-off through an outage, given up after WEBHOOK_MAX_ATTEMPTS with the
reason in the log. The receiver is a real HTTP server on a loopback port (http.server in a thread),
which checks each signature as an association's system would (verify_signature)."""

import datetime
import json
import signal
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from notifications import webhooks
from notifications.delivery import retry_delay
from notifications.models import WebhookDelivery, WebhookEndpoint
from notifications.tests.helpers import run_worker
from notifications.tests.test_reliability import database_url, processes  # noqa: F401 (fixtures)
from notifications.webhooks import WebhookError, verify_signature

# The worker closes its database connection after each task: no wrapping transaction.
pytestmark = pytest.mark.django_db(transaction=True)

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Receiver:
    """A real HTTP server in a thread. `answers`: the status of each request in turn (then 200);
    `slow`: seconds to wait before answering the first request; `hold`: the first request is
    answered only once the test sets `release` (`held` is set when it has arrived). Each request
    is kept with its headers, body and whether its signature was good."""

    def __init__(self, *, secret=None, answers=(), slow=0.0, hold=False, port=None):
        self.port = port or free_port()
        self.secret = secret
        self.answers = list(answers)
        self.slow = slow
        self.hold = hold
        self.held, self.release = threading.Event(), threading.Event()
        self.received = []
        self._lock = threading.Lock()
        self._server = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/hooks/mentoring?source=mm"

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                with receiver._lock:
                    number = len(receiver.received) + 1
                    status = receiver.answers.pop(0) if receiver.answers else 200
                    receiver.received.append(
                        {
                            "path": self.path,
                            "headers": headers,
                            "body": body,
                            "valid": receiver.secret is not None
                            and verify_signature(
                                receiver.secret,
                                headers.get("webhook-timestamp"),
                                body,
                                headers.get("webhook-signature", ""),
                            ),
                        }
                    )
                if number == 1 and receiver.hold:
                    receiver.held.set()
                    receiver.release.wait(timeout=300)
                if number == 1 and receiver.slow:
                    time.sleep(receiver.slow)
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"thanks" if status < 300 else b"not now")

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def payloads(self):
        return [json.loads(request["body"]) for request in self.received]


def endpoint_for(receiver, events=("member.enrolled",), **fields):
    endpoint = webhooks.create_endpoint(url=receiver.url, events=events, **fields)
    receiver.secret = endpoint.secret
    return endpoint


def publish(event="member.enrolled", data=None):
    with transaction.atomic():
        return webhooks.publish(event, data or {"member": {"id": 7, "external_id": "A-7"}})


def deliver():
    run_worker("webhooks")


def the(delivery):
    delivery.refresh_from_db()
    return delivery


# --- Delivered and signed -----------------------------------------------------------------------


def test_an_event_is_delivered_signed_to_a_real_receiver_by_the_worker():
    with Receiver() as receiver:
        endpoint = endpoint_for(receiver)
        [delivery] = publish()
        assert receiver.received == []  # only the worker sends
        deliver()

    [request] = receiver.received
    assert request["valid"], request["headers"]
    assert request["path"] == "/hooks/mentoring?source=mm"
    headers = request["headers"]
    assert headers["content-type"] == "application/json"
    assert headers["webhook-id"] == str(delivery.event_id)
    assert headers["webhook-signature"].startswith("v1=")
    payload = json.loads(request["body"])
    assert payload["event"] == "member.enrolled"
    assert payload["id"] == str(delivery.event_id)
    assert payload["data"] == {"member": {"id": 7, "external_id": "A-7"}}
    assert payload["occurred_at"].endswith("Z")
    delivery = the(delivery)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)
    assert delivery.delivered_at is not None
    assert endpoint.secret not in request["body"].decode()


def test_a_signature_made_with_another_secret_or_for_another_body_or_too_old_is_refused():
    body = b'{"event":"ping"}'
    now = 1_800_000_000
    signature = webhooks.sign("the secret", now, body)
    assert verify_signature("the secret", str(now), body, signature, now=now)
    assert verify_signature("the secret", now, body.decode(), f"v1=0000 {signature}", now=now)
    assert not verify_signature("another secret", now, body, signature, now=now)
    assert not verify_signature("the secret", now, body + b" ", signature, now=now)
    assert not verify_signature("the secret", now, body, signature, now=now + 301)
    assert not verify_signature("the secret", now, body, signature.upper(), now=now)
    for bad in ("", "soon", None, "1e9", "\x00"):
        assert not verify_signature("the secret", bad, body, signature, now=now)
    assert not verify_signature("the secret", now, body, "", now=now)


def test_nothing_is_published_when_the_change_is_rolled_back():
    with Receiver() as receiver:
        endpoint_for(receiver)
        with pytest.raises(RuntimeError), transaction.atomic():
            webhooks.publish("member.enrolled", {"member": {"id": 1}})
            raise RuntimeError("the change failed")
        deliver()
    assert not WebhookDelivery.objects.exists()
    assert receiver.received == []


def test_a_paused_endpoint_or_one_not_subscribed_to_the_event_gets_nothing():
    with Receiver() as paused, Receiver() as other, Receiver() as wanted:
        webhooks.set_active(endpoint_for(paused).pk, False)
        endpoint_for(other, events=["relationship.started"])
        endpoint_for(wanted, events=["member.enrolled", "relationship.started"])
        publish()
        deliver()
    assert paused.received == [] and other.received == []
    assert [p["event"] for p in wanted.payloads()] == ["member.enrolled"]


def test_one_event_to_two_endpoints_carries_one_event_id_signed_with_each_secret():
    with Receiver() as first, Receiver() as second:
        endpoint_for(first)
        endpoint_for(second)
        publish()
        deliver()
    assert first.received[0]["valid"] and second.received[0]["valid"]
    assert first.received[0]["headers"]["webhook-id"] == second.received[0]["headers"]["webhook-id"]
    assert (
        first.received[0]["headers"]["webhook-signature"]
        != second.received[0]["headers"]["webhook-signature"]
    )


# --- Outages ------------------------------------------------------------------------------------


def test_a_receiver_down_then_up_gets_the_event_once_after_backing_off():
    receiver = Receiver()  # not started: its port is closed
    endpoint_for(receiver)
    with time_machine.travel(START, tick=False):
        [delivery] = publish()
        deliver()
    delivery = the(delivery)
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert "connection refused" in delivery.last_error
    assert delivery.last_status_code is None

    with time_machine.travel(START + datetime.timedelta(seconds=4), tick=False):
        deliver()  # the retry waits 5 s (retry_delay(1)): not yet
    assert the(delivery).attempts == 1

    with time_machine.travel(START + datetime.timedelta(seconds=6), tick=False):
        deliver()  # still down: the next waits 10 s
    assert the(delivery).attempts == 2
    retry = DBTaskResult.objects.get(pk=the(delivery).task_id)
    assert retry.run_after == START + datetime.timedelta(seconds=6) + retry_delay(2)

    with receiver, time_machine.travel(START + datetime.timedelta(seconds=17), tick=False):
        deliver()
        deliver()  # nothing more to do
    delivery = the(delivery)
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("delivered", 3, "")
    assert len(receiver.received) == 1 and receiver.received[0]["valid"]


def test_a_receiver_answering_500_then_200_gets_it_and_the_log_keeps_the_status():
    with Receiver(answers=[500]) as receiver, time_machine.travel(START, tick=False) as clock:
        endpoint_for(receiver)
        [delivery] = publish()
        deliver()
        delivery = the(delivery)
        assert (delivery.status, delivery.last_status_code) == ("pending", 500)
        assert delivery.last_error == "The receiver answered 500 Internal Server Error: not now"
        clock.shift(datetime.timedelta(seconds=6))
        deliver()
    delivery = the(delivery)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 2, 200)
    # The same event both times, each attempt signed afresh.
    assert len({r["headers"]["webhook-id"] for r in receiver.received}) == 1
    assert all(r["valid"] for r in receiver.received)


def test_410_gone_fails_the_delivery_at_once_and_pauses_the_endpoint():
    with Receiver(answers=[410]) as receiver:
        endpoint = endpoint_for(receiver)
        [delivery] = publish()
        deliver()
        publish()  # paused: recorded for nobody
        deliver()
    delivery = the(delivery)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 1, 410)
    assert "410 Gone" in delivery.last_error and "paused" in delivery.last_error
    endpoint.refresh_from_db()
    assert not endpoint.active
    assert "410 Gone" in endpoint.paused_reason
    assert len(receiver.received) == 1
    assert WebhookDelivery.objects.count() == 1
    # Activated again by staff: the reason goes, events come again.
    webhooks.set_active(endpoint.pk, True)
    endpoint.refresh_from_db()
    assert endpoint.active and endpoint.paused_reason == ""


def test_a_redirect_is_not_followed_and_counts_as_a_failure():
    with Receiver(answers=[301]) as receiver:
        endpoint_for(receiver)
        [delivery] = publish()
        deliver()
    delivery = the(delivery)
    assert (delivery.status, delivery.last_status_code) == ("pending", 301)
    assert len(receiver.received) == 1


def test_a_slow_receiver_times_out_and_the_event_is_sent_again(settings):
    settings.WEBHOOK_TIMEOUT = 1
    with Receiver(slow=3) as receiver:
        endpoint_for(receiver)
        [delivery] = publish()
        deliver()
        delivery = the(delivery)
        assert (delivery.status, delivery.attempts) == ("pending", 1)
        assert delivery.last_error == "The receiver did not answer within 1 s."
        with time_machine.travel(timezone.now() + datetime.timedelta(seconds=6), tick=False):
            deliver()
    delivery = the(delivery)
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    # Twice, the same event: the receiver drops the copy by its Webhook-Id.
    assert [r["headers"]["webhook-id"] for r in receiver.received] == [str(delivery.event_id)] * 2


def test_after_the_last_attempt_the_delivery_is_failed_with_the_reason(settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    with Receiver(answers=[503, 503, 503, 503]) as receiver:
        endpoint_for(receiver)
        with time_machine.travel(START, tick=False) as clock:
            [delivery] = publish()
            for _ in range(5):
                deliver()
                clock.shift(datetime.timedelta(minutes=5))
    delivery = the(delivery)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 3, 503)
    assert delivery.last_error == (
        "Gave up after 3 attempts. The last: The receiver answered 503 Service Unavailable: not now"
    )
    assert len(receiver.received) == 3


def test_a_failed_delivery_sent_again_keeps_its_event_id_and_the_failure_stays_in_the_log(
    settings,
):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    with Receiver(answers=[500]) as receiver:
        endpoint_for(receiver)
        [failed] = publish()
        deliver()
        assert the(failed).status == "failed"
        copy = webhooks.resend(failed.pk)
        deliver()
    assert (the(failed).status, the(copy).status) == ("failed", "delivered")
    assert copy.event_id == failed.event_id and copy.payload == failed.payload
    assert [r["headers"]["webhook-id"] for r in receiver.received] == [str(failed.event_id)] * 2
    with pytest.raises(WebhookError, match="Only a failed delivery"):
        webhooks.resend(copy.pk)
    with pytest.raises(WebhookError, match="No such delivery"):
        webhooks.resend(10**12)


def test_a_delivery_enqueued_twice_or_held_by_another_worker_is_sent_once():
    with Receiver() as receiver:
        endpoint_for(receiver)
        [delivery] = publish()
        webhooks._enqueue(delivery.pk)
        deliver()
    assert len(receiver.received) == 1
    assert the(delivery).attempts == 1


def test_a_worker_that_died_mid_delivery_is_swept_and_the_event_delivered():
    """What a worker killed while it waited for the receiver leaves: its task RUNNING, the
    delivery held. Once the lease runs out the sweep enqueues it again."""
    with Receiver() as receiver:
        endpoint_for(receiver)
        with time_machine.travel(START, tick=False):
            [delivery] = publish()
            DBTaskResult.objects.get(pk=delivery.task_id).claim("killed-worker")
            assert webhooks._claim(delivery.pk, token="killed-worker") is not None
            assert webhooks.requeue_stranded() == 0  # held: not yet
        with time_machine.travel(START + datetime.timedelta(seconds=301), tick=False):
            assert webhooks.sweep.call() == {"webhook deliveries enqueued again": 1}
            assert webhooks.requeue_stranded() == 0  # once
            deliver()
    delivery = the(delivery)
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    assert len(receiver.received) == 1
    killed = DBTaskResult.objects.filter(task_path="notifications.webhooks.deliver_webhook").get(
        status=TaskResultStatus.FAILED
    )
    assert killed.exception_class_path == "notifications.worker.StrandedTask"


@pytest.mark.slow
def test_a_worker_process_killed_mid_delivery_is_taken_over_and_the_event_delivered(
    processes,  # noqa: F811 - the fixture of test_reliability, imported above
    monkeypatch,
):
    monkeypatch.setenv("WEBHOOK_DELIVERY_LEASE", "3")
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE", "1")
    with Receiver(hold=True) as receiver:
        endpoint_for(receiver)
        [delivery] = publish()
        command = ("run_worker", "--queue-name", "webhooks,default", "--interval", "0.1")
        first = processes.start(*command, "--no-startup-delay", "--no-reload", server=receiver)
        assert receiver.held.wait(timeout=120), processes.logs()
        first.send_signal(signal.SIGKILL)
        first.wait()
        receiver.release.set()  # the killed worker never hears the answer
        assert the(delivery).status == "pending"

        second = processes.start(*command, "--no-startup-delay", "--no-reload", server=receiver)
        processes.start("run_scheduler", "--interval", "1", server=receiver)
        processes.wait_for(
            lambda: the(delivery).status == "delivered",
            "the event to be sent again",
            running=second,
        )
        processes.stop_all()
    delivery = the(delivery)
    assert delivery.attempts == 2
    assert [r["headers"]["webhook-id"] for r in receiver.received] == [str(delivery.event_id)] * 2
    assert all(r["valid"] for r in receiver.received)


# --- Addresses ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/hook",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "gopher://example.org:70/",
        "https://",
        "example.org/hook",
        "https://user:pass@example.org/hook",
        "https://example.org:99999/hook",
        "https://example.org/\x00hook",
        "https://example.org/my hook",
        "https://example.org/" + "a" * 2001,
        "",
    ],
)
def test_an_address_that_is_not_plain_http_or_https_is_refused(url):
    with pytest.raises(WebhookError):
        webhooks.create_endpoint(url=url, events=["member.enrolled"])
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/",
        "http://10.0.0.5/hook",
        "http://192.168.1.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
    ],
)
def test_private_addresses_are_refused_unless_allowed(settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(WebhookError, match="not a public address"):
        webhooks.create_endpoint(url=url, events=["member.enrolled"])
    settings.WEBHOOK_ALLOW_PRIVATE = True
    assert webhooks.create_endpoint(url=url, events=["member.enrolled"]).url == url


def test_a_host_name_that_resolves_to_a_private_address_is_not_called(settings):
    with Receiver() as receiver:
        endpoint = webhooks.create_endpoint(
            url=f"http://localhost:{receiver.port}/hook", events=["member.enrolled"]
        )
        settings.WEBHOOK_ALLOW_PRIVATE = False
        [delivery] = publish()
        deliver()
    assert receiver.received == []
    delivery = the(delivery)
    assert delivery.status == "pending"
    assert "private address" in delivery.last_error
    assert endpoint.url.startswith("http://localhost")


def test_an_endpoint_needs_at_least_one_event():
    with pytest.raises(WebhookError, match="at least one event"):
        webhooks.create_endpoint(url="https://example.org/hook", events=[])


def test_a_ping_goes_to_a_paused_endpoint_too_and_a_rotated_secret_signs_what_follows():
    with Receiver() as receiver:
        endpoint = endpoint_for(receiver)
        webhooks.set_active(endpoint.pk, False)
        old = endpoint.secret
        rotated = webhooks.rotate_secret(endpoint.pk)
        assert rotated.secret != old and rotated.secret_rotated_at
        receiver.secret = rotated.secret
        webhooks.send_ping(endpoint.pk)
        deliver()
    [ping] = receiver.payloads()
    assert ping["event"] == "ping"
    assert receiver.received[0]["valid"]
    assert not verify_signature(
        old,
        receiver.received[0]["headers"]["webhook-timestamp"],
        receiver.received[0]["body"],
        receiver.received[0]["headers"]["webhook-signature"],
    )


def test_deleting_an_endpoint_drops_its_waiting_deliveries_and_the_worker_sends_nothing():
    with Receiver() as receiver:
        endpoint = endpoint_for(receiver)
        publish()
        webhooks.delete_endpoint(endpoint.pk)
        deliver()
    assert receiver.received == []
    assert not WebhookDelivery.objects.exists()
    with pytest.raises(WebhookError, match="No such webhook"):
        webhooks.delete_endpoint(endpoint.pk)
