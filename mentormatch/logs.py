"""Logs and error reports for operations (docs/deploy.md).

- Every request has an id: the one the proxy in front sent in X-Request-ID when there is a proxy
  (TRUSTED_PROXY_COUNT > 0) and the value is a plain token, otherwise a new one. It is on every log
  record written while the request is served (`request_id`) and in the response's X-Request-ID,
  so that a member's report, the proxy's log and this site's log lines can be put together.
- `logging_config()`: the LOGGING setting; with LOG_FORMAT=json each record is one JSON line.
- `init_sentry()`: errors to Sentry when SENTRY_DSN is set, without personal data.
"""

import contextvars
import logging
import re
import uuid

from django.conf import settings
from django.core.signals import request_finished
from django.dispatch import receiver

HEADER = "X-Request-ID"
# Letters, digits and a few separators, as proxies make them (nginx's $request_id is 32 hex
# digits, a UUID has dashes): nothing that could forge a log line or carry a payload.
SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


def incoming_request_id(request) -> str:
    """The proxy's id for this request when a proxy stands in front and sent a sane one, else a
    new one. Without a proxy the header comes from the client, who could send anything."""
    sent = request.headers.get(HEADER, "")
    if settings.TRUSTED_PROXY_COUNT > 0 and SANE_ID.fullmatch(sent):
        return sent
    return uuid.uuid4().hex


def request_id_middleware(get_response):
    """Sets the request id for the log records of this request and the response header. First in
    MIDDLEWARE, so that every record of the request carries it."""

    def middleware(request):
        request.request_id = incoming_request_id(request)
        # Not reset on the way out: Django logs the response ("Not Found: …") after the
        # middleware returns. It is cleared when the response is closed (below).
        request_id.set(request.request_id)
        response = get_response(request)
        response.headers[HEADER] = request.request_id
        return response

    return middleware


@receiver(request_finished)
def clear_request_id(**kwargs):
    request_id.set("-")


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record ("-" outside a request: workers, commands)."""

    def filter(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        return True


def logging_config(log_format: str, level: str) -> dict:
    """The LOGGING setting. "text" writes the message alone, as the site always has; "json" one
    JSON object a line: time, level, logger, message, request_id, and any `extra` fields."""
    formatters = {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            # The HttpRequest django.request attaches to its records: not a log field.
            "reserved_attrs": [*_RESERVED, "request"],
        }
    }
    handler = {
        "class": "logging.StreamHandler",
        "filters": ["request_id"],
    }
    loggers = {}
    if log_format == "json":
        handler["formatter"] = "json"
        # Django's own console handler (on while DEBUG is) would print its records a second
        # time, not as JSON: they reach the root's handler anyway.
        loggers["django"] = {"handlers": [], "level": "INFO"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "mentormatch.logs.RequestIdFilter"}},
        "formatters": formatters,
        "handlers": {"console": handler},
        "loggers": loggers,
        "root": {"handlers": ["console"], "level": level},
    }


def _reserved_attrs() -> list[str]:
    from pythonjsonlogger.core import RESERVED_ATTRS

    return list(RESERVED_ATTRS)


_RESERVED = _reserved_attrs()


def init_sentry(dsn: str, *, environment: str | None, release: str | None, traces: float) -> None:
    """Report unhandled errors (and ERROR log records) to Sentry. No personal data: no user,
    cookies, request bodies, client addresses, query strings or local variables; tracing only
    when asked for."""
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import ignore_logger

    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        before_send=without_query_string,
        # A frame's variables hold members' rows, forms and requests: left out.
        include_local_variables=False,
        environment=environment,
        release=release,
        # None, not 0: no transaction is even started.
        traces_sample_rate=traces or None,
    )
    # Scanners send any Host header: Django logs each at ERROR; the log keeps them, Sentry not.
    ignore_logger("django.security.DisallowedHost")


def without_query_string(event, hint):
    """The query string may hold what a member typed (a search, an email address): Sentry's own
    personal-data switch leaves it in, so it is taken out here."""
    request = event.get("request")
    if request:
        request.pop("query_string", None)
    return event
