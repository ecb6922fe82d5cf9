"""Webhooks: events POSTed, signed, to the URLs program staff registered, delivered as durably as
emails (notifications.delivery) and in the same way.

- `publish(event, data)` writes one WebhookDelivery per active endpoint subscribed to `event`, in
  the caller's transaction (a change rolled back publishes nothing), and enqueues its delivery on
  the "webhooks" queue. This module knows nothing of what the events mean: mentoring/webhooks.py
  decides which changes are events and what they carry.
- `deliver_webhook` claims the row with a conditional update (a lease, WEBHOOK_DELIVERY_LEASE, and
  the attempt counted before the receiver is called), POSTs it and records the answer. Any 2xx:
  delivered. 410 Gone: the receiver says the URL is gone for good, so the delivery fails at once
  and the endpoint is paused (staff see why and can activate it again). Anything else (another
  status, refused, timed out, a TLS or DNS failure): enqueued again with `run_after`, backing off
  as emails do (delivery.retry_delay), until WEBHOOK_MAX_ATTEMPTS; then failed, with the reason.
  Redirects are not followed (a 3xx is a failure, its Location named in the log).
- `sweep()` (the scheduler, every cycle) enqueues again deliveries whose worker died.
- Signing: `Webhook-Id` (the event's id, the same in every attempt and resend), `Webhook-Timestamp`
  (Unix seconds) and `Webhook-Signature: v1=<hex HMAC-SHA256 of "{timestamp}.{body}">` with the
  endpoint's secret; `verify_signature()` is the receiver's side (docs/integrations.md).
- Addresses: only http and https URLs. Unless WEBHOOK_ALLOW_PRIVATE (on with DEBUG), a URL whose
  host is or resolves to a loopback, private, link-local or otherwise non-public address is
  refused, checked when each attempt connects (and the connection goes to the address checked,
  so a DNS answer that changes in between cannot point it elsewhere).
"""

import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import ssl
import time
import uuid
from datetime import timedelta
from http.client import HTTPConnection, HTTPException, HTTPSConnection
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_tasks import task

from notifications import worker
from notifications.delivery import retry_delay
from notifications.models import WebhookDelivery, WebhookEndpoint, new_webhook_secret

logger = logging.getLogger(__name__)

WEBHOOK_QUEUE = "webhooks"
PING = "ping"
USER_AGENT = "MentorMatch-Webhooks/1"
# What is kept of a receiver's answer, for the delivery log.
ANSWER_KEPT = 500
ANSWER_READ = 64 * 1024
# Seconds a receiver may take for its whole answer, however it trickles in.
ANSWER_DEADLINE_FACTOR = 3
GONE = 410


class WebhookError(Exception):
    """A staff action on webhooks refused; str(error) says why."""


class Unreachable(Exception):
    """An attempt that did not get an answer; str(error) says why, for the delivery log."""


# --- Endpoints: program staff's actions ----------------------------------------------------------


def check_url(url: str) -> str:
    """The URL, if a webhook may be sent to it: http(s), a host, no user name or password in it,
    and (unless WEBHOOK_ALLOW_PRIVATE) not an address of a private network."""
    url = (url or "").strip()
    # No spaces or control characters (a space is written %20): http.client refuses them.
    if not url or len(url) > 2000 or any(ord(c) <= 32 or c == "\x7f" for c in url):
        raise WebhookError("Enter a web address of at most 2000 characters, without spaces.")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise WebhookError("The address must start with https:// (or http://).")
    try:
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        raise WebhookError("The address has an invalid port.") from None
    if not host:
        raise WebhookError("The address has no host name.")
    if parts.username is not None or parts.password is not None:
        raise WebhookError(
            "Leave the user name and password out of the address: the receiver checks the "
            "signature instead."
        )
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return url  # a host name: its addresses are checked when each delivery connects
    if not settings.WEBHOOK_ALLOW_PRIVATE and not _is_public(address):
        raise WebhookError(f"{host} is not a public address; webhooks go to public addresses only.")
    return url


def _clean_events(events) -> list[str]:
    cleaned = sorted({str(event) for event in events or []})
    if not cleaned:
        raise WebhookError("Choose at least one event.")
    return cleaned


@transaction.atomic
def create_endpoint(*, url: str, events, description: str = "", by=None) -> WebhookEndpoint:
    """A new endpoint, active, with a new secret (on the returned object: show it once)."""
    return WebhookEndpoint.objects.create(
        url=check_url(url),
        events=_clean_events(events),
        description=description.strip()[:200],
        created_by=by,
    )


def _locked(endpoint_id) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.select_for_update().filter(pk=endpoint_id).first()
    if endpoint is None:
        raise WebhookError("No such webhook.")
    return endpoint


@transaction.atomic
def set_active(endpoint_id: int, active: bool, *, by=None) -> WebhookEndpoint:
    """Pause (no new event is recorded for it; deliveries already waiting still go) or activate."""
    endpoint = _locked(endpoint_id)
    endpoint.active = active
    endpoint.paused_reason = ""
    endpoint.save(update_fields=["active", "paused_reason"])
    return endpoint


@transaction.atomic
def rotate_secret(endpoint_id: int, *, by=None) -> WebhookEndpoint:
    """A new secret (on the returned object: show it once); every attempt from now on is signed
    with it, including retries of deliveries already waiting."""
    endpoint = _locked(endpoint_id)
    endpoint.secret = new_webhook_secret()
    endpoint.secret_rotated_at = timezone.now()
    endpoint.save(update_fields=["secret", "secret_rotated_at"])
    return endpoint


@transaction.atomic
def delete_endpoint(endpoint_id: int, *, by=None) -> None:
    """The endpoint and its delivery log; deliveries still waiting are dropped."""
    _locked(endpoint_id).delete()


@transaction.atomic
def send_ping(endpoint_id: int, *, by=None) -> WebhookDelivery:
    """A "ping" event to this endpoint only, active or paused: to try the receiver."""
    endpoint = _locked(endpoint_id)
    return _store(endpoint, PING, uuid.uuid4(), {"message": "A test from Mentor Match."})


@transaction.atomic
def resend(delivery_id: int, *, by=None) -> WebhookDelivery:
    """A failed delivery sent again: a new row (the failed one stays in the log) with the same
    event id and payload, so a receiver that did get it after all can drop the copy."""
    original = WebhookDelivery.objects.select_for_update().filter(pk=delivery_id).first()
    if original is None:
        raise WebhookError("No such delivery.")
    if original.status != WebhookDelivery.Status.FAILED:
        raise WebhookError("Only a failed delivery can be sent again.")
    return _enqueued(
        WebhookDelivery(
            endpoint_id=original.endpoint_id,
            event=original.event,
            event_id=original.event_id,
            payload=original.payload,
        )
    )


# --- Publishing ----------------------------------------------------------------------------------


def subscribed(event: str):
    """The endpoints an event goes to: active, and subscribed to it."""
    # A JSON list: filtered here rather than with a JSON "contains" lookup, which SQLite lacks.
    return [e for e in WebhookEndpoint.objects.filter(active=True) if event in e.events]


def publish(event: str, data: dict, *, occurred_at=None, endpoints=None) -> list[WebhookDelivery]:
    """Record `event` for every endpoint subscribed to it (`endpoints`, when the caller looked
    them up already), in the caller's transaction; each is delivered by the worker after the
    commit (nothing, if it rolls back)."""
    endpoints = subscribed(event) if endpoints is None else endpoints
    if not endpoints:
        return []
    event_id = uuid.uuid4()
    occurred_at = occurred_at or timezone.now()
    with transaction.atomic():
        return [_store(endpoint, event, event_id, data, occurred_at) for endpoint in endpoints]


def _store(endpoint, event, event_id, data, occurred_at=None) -> WebhookDelivery:
    occurred_at = occurred_at or timezone.now()
    payload = {
        "event": event,
        "id": str(event_id),
        "occurred_at": occurred_at.isoformat().replace("+00:00", "Z"),
        "data": data,
    }
    return _enqueued(
        WebhookDelivery(endpoint=endpoint, event=event, event_id=event_id, payload=payload)
    )


def _enqueued(delivery: WebhookDelivery) -> WebhookDelivery:
    with transaction.atomic():
        delivery.save()
        delivery.task_id = _enqueue(delivery.pk)
        delivery.save(update_fields=["task_id"])
    return delivery


def _enqueue(delivery_id: int, *, run_after=None):
    return deliver_webhook.using(run_after=run_after).enqueue(delivery_id).id


# --- Signing ---------------------------------------------------------------------------------------


def _as_bytes(value) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()


def sign(secret: str, timestamp, body) -> str:
    """The Webhook-Signature header's value: "v1=" and the hex HMAC-SHA256 of "{timestamp}.{body}"."""
    message = _as_bytes(timestamp) + b"." + _as_bytes(body)
    return "v1=" + hmac.new(_as_bytes(secret), message, hashlib.sha256).hexdigest()


def verify_signature(secret, timestamp, body, signature, tolerance: int = 300, now=None) -> bool:
    """The receiver's check: `signature` (the Webhook-Signature header; several "v1=…" separated
    by spaces are accepted) is the HMAC of this timestamp and body with `secret`, and the
    timestamp is within `tolerance` seconds of now (an old delivery replayed is refused)."""
    try:
        sent_at = int(_as_bytes(timestamp))
    except (TypeError, ValueError):
        return False
    now = time.time() if now is None else now
    if abs(now - sent_at) > tolerance:
        return False
    expected = sign(secret, sent_at, body)
    offered = _as_bytes(signature).decode(errors="replace").split()
    return any(hmac.compare_digest(expected, candidate) for candidate in offered)


def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()


def headers_for(delivery: WebhookDelivery, body: bytes, timestamp: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Webhook-Id": str(delivery.event_id),
        "Webhook-Timestamp": str(timestamp),
        "Webhook-Signature": sign(delivery.endpoint.secret, timestamp, body),
    }


# --- Delivery ------------------------------------------------------------------------------------


def _is_public(address) -> bool:
    if getattr(address, "ipv4_mapped", None):
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def _addresses(host: str, port: int) -> list[str]:
    """The addresses to try, each allowed (WEBHOOK_ALLOW_PRIVATE, or public)."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise Unreachable(f"The host name {host} could not be resolved ({error}).") from None
    addresses = list(dict.fromkeys(info[4][0] for info in found))
    if not settings.WEBHOOK_ALLOW_PRIVATE:
        refused = [a for a in addresses if not _is_public(ipaddress.ip_address(a.split("%")[0]))]
        if refused:
            raise Unreachable(
                f"{host} is at a private address ({refused[0]}): webhooks go to public addresses "
                "only (WEBHOOK_ALLOW_PRIVATE)."
            )
    return addresses


def _connection(parts, address: str, timeout: float):
    """An HTTP(S) connection to `parts`' host that connects to `address` (already checked), with
    the host name kept for the Host header and the TLS certificate check."""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if parts.scheme == "https":
        connection = HTTPSConnection(
            parts.hostname, port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        connection = HTTPConnection(parts.hostname, port, timeout=timeout)

    def connect_to_checked_address(_address, timeout=timeout, source_address=None):
        return socket.create_connection((address, port), timeout, source_address)

    connection._create_connection = connect_to_checked_address
    return connection


def post(url: str, body: bytes, headers: dict) -> tuple[int, str]:
    """POST `body` to `url`: the status code and the start of the answer (reason and body).
    Unreachable when no answer came."""
    timeout = settings.WEBHOOK_TIMEOUT
    parts = urlsplit(url)
    try:
        check_url(url)
    except WebhookError as error:
        raise Unreachable(str(error)) from None
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    last_error = None
    for address in _addresses(parts.hostname, port):
        connection = _connection(parts, address, timeout)
        try:
            try:
                connection.connect()
            except OSError as error:
                last_error = error
                continue
            try:
                connection.request("POST", path, body=body, headers=headers)
                response = connection.getresponse()
                deadline = time.monotonic() + timeout * ANSWER_DEADLINE_FACTOR
                answer = b""
                while len(answer) < ANSWER_READ and time.monotonic() < deadline:
                    chunk = response.read1(ANSWER_READ - len(answer))
                    if not chunk:
                        break
                    answer += chunk
            except (OSError, HTTPException) as error:
                raise Unreachable(_describe(error, timeout)) from None
            text = f"{response.status} {response.reason}".strip()
            if 300 <= response.status < 400 and response.getheader("Location"):
                text += f" (to {response.getheader('Location')[:200]}: redirects are not followed)"
            snippet = answer.decode(errors="replace").strip()
            if snippet:
                text += f": {snippet}"
            return response.status, text[:ANSWER_KEPT]
        finally:
            connection.close()
    if last_error is None:
        raise Unreachable(f"{parts.hostname} has no address to connect to.")
    raise Unreachable(_describe(last_error, timeout))


def _describe(error, timeout) -> str:
    if isinstance(error, TimeoutError | socket.timeout):
        return f"The receiver did not answer within {timeout} s."
    if isinstance(error, ConnectionRefusedError):
        return "Could not connect: connection refused."
    if isinstance(error, ssl.SSLError):
        return f"TLS failed: {error}"
    return f"Could not deliver: {type(error).__name__}: {error}"[:ANSWER_KEPT]


_lease_is_free = worker.lease_is_free


@task(queue_name=WEBHOOK_QUEUE)
def deliver_webhook(delivery_id: int) -> str:
    token = uuid.uuid4().hex
    delivery = reconnecting_claim(delivery_id, token)
    if delivery is None:
        return "nothing to do"
    body = body_of(delivery)
    headers = headers_for(delivery, body, int(time.time()))
    try:
        status_code, answer = post(delivery.endpoint.url, body, headers)
    except Unreachable as error:
        return reconnecting_failure(delivery, str(error), None)
    if 200 <= status_code < 300:
        _record_delivered(delivery, status_code)
        return "delivered"
    return reconnecting_failure(delivery, f"The receiver answered {answer}", status_code)


def _claim(delivery_id: int, token: str) -> WebhookDelivery | None:
    """Take the delivery: pending, not held, attempts left; the attempt counts now. None:
    another worker holds it, it is done, or (out of attempts, the last unfinished) given up."""
    now = timezone.now()
    pending = WebhookDelivery.objects.filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING)
    claimable = pending.filter(_lease_is_free(now))
    claimable.filter(attempts__lt=settings.WEBHOOK_MAX_ATTEMPTS).update(
        leased_until=now + timedelta(seconds=settings.WEBHOOK_DELIVERY_LEASE),
        leased_by=token,
        attempts=F("attempts") + 1,
        last_attempt_at=now,
    )
    delivery = (
        pending.filter(leased_by=token, leased_until__isnull=False)
        .select_related("endpoint")
        .first()
    )
    if delivery is not None:
        return delivery
    spent = claimable.first()
    if spent is not None:
        _give_up(
            claimable,
            f"Gave up after {_attempts(spent.attempts)}; the last one did not finish (the "
            f"worker stopped while sending). {spent.last_error}".strip(),
        )
    return None


reconnecting_claim = worker.reconnecting(_claim)


def _record_delivered(delivery: WebhookDelivery, status_code: int) -> None:
    def record():
        WebhookDelivery.objects.filter(pk=delivery.pk).exclude(
            status=WebhookDelivery.Status.DELIVERED
        ).update(
            status=WebhookDelivery.Status.DELIVERED,
            delivered_at=timezone.now(),
            leased_until=None,
            last_status_code=status_code,
            last_error="",
        )

    try:
        worker.reconnecting(record, until=delivery.leased_until)()
    except worker.DISCONNECTED:
        logger.error(
            "Webhook delivery %s was delivered (event %s) but the database could not be told: "
            "it will be sent again when its lease ends.",
            delivery.pk,
            delivery.event_id,
        )
        raise


def _record_failure(delivery: WebhookDelivery, reason: str, status_code: int | None) -> str:
    reason = reason[:2000]
    held = WebhookDelivery.objects.filter(
        pk=delivery.pk,
        status=WebhookDelivery.Status.PENDING,
        leased_by=delivery.leased_by,
        leased_until__isnull=False,
    )
    if status_code == GONE:
        with transaction.atomic():
            _give_up(held, f"{reason} The endpoint was paused.", status_code)
            WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).update(
                active=False,
                paused_reason=(
                    f"Paused on {timezone.now():%Y-%m-%d %H:%M} UTC: the receiver answered "
                    "410 Gone, saying this address is no longer in use."
                ),
            )
        logger.warning("Webhook endpoint %s answered 410 Gone: paused", delivery.endpoint_id)
        return "failed"
    if delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        _give_up(
            held, f"Gave up after {_attempts(delivery.attempts)}. The last: {reason}", status_code
        )
        logger.warning("Webhook delivery %s given up: %s", delivery.pk, reason)
        return "failed"
    delay = retry_delay(delivery.attempts)
    with transaction.atomic():
        task_id = _enqueue(delivery.pk, run_after=timezone.now() + delay)
        if not held.update(
            leased_until=None, last_error=reason, last_status_code=status_code, task_id=task_id
        ):
            transaction.set_rollback(True)  # no longer ours: its holder decides
    logger.warning(
        "Webhook delivery %s not delivered (attempt %s), retrying in %s: %s",
        delivery.pk,
        delivery.attempts,
        delay,
        reason,
    )
    return "retrying"


reconnecting_failure = worker.reconnecting(_record_failure)


def _attempts(count: int) -> str:
    return f"{count} attempt{'' if count == 1 else 's'}"


def _give_up(deliveries, reason: str, status_code: int | None = None) -> int:
    fields = {"status": WebhookDelivery.Status.FAILED, "leased_until": None, "last_error": reason}
    if status_code is not None:
        fields["last_status_code"] = status_code
    return deliveries.update(**fields)


def requeue_stranded(now=None) -> int:
    """Enqueue again each delivery still waiting whose worker died; the same rule as for emails
    (worker.requeue_stranded_rows)."""
    return worker.requeue_stranded_rows(
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING),
        lease=timedelta(seconds=settings.WEBHOOK_DELIVERY_LEASE),
        enqueue=_enqueue,
        what="webhook delivery",
        now=now,
    )


@task()
def sweep() -> dict[str, int]:
    """Webhook deliveries whose worker died, taken up again; enqueued by `manage.py run_scheduler`
    every cycle."""
    return {"webhook deliveries enqueued again": requeue_stranded()}
