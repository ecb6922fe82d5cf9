"""Logs: with LOG_FORMAT=json one JSON object a line, each carrying the id of the request it was
written for, which the response carries too; errors go to Sentry when SENTRY_DSN is set."""

import gzip
import io
import json
import logging
import logging.config
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from mentormatch.logs import logging_config

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture
def log_output(settings):
    """What the site's console handler writes, configured as LOG_FORMAT says."""

    def configure(log_format):
        config = logging_config(log_format, "INFO")
        config["handlers"]["console"]["stream"] = stream
        logging.config.dictConfig(config)
        return stream

    stream = io.StringIO()
    yield configure
    logging.config.dictConfig(settings.LOGGING)


def json_lines(stream):
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_logs_carry_the_request_id_the_proxy_sent(client, settings, log_output):
    settings.TRUSTED_PROXY_COUNT = 1
    stream = log_output("json")
    response = client.post("/health/", headers={"X-Request-ID": "4f1c9e0a-lb-77"})
    assert response.status_code == 405
    assert response["X-Request-ID"] == "4f1c9e0a-lb-77"
    [record] = [r for r in json_lines(stream) if r["logger"] == "django.request"]
    assert record["message"] == "Method Not Allowed (POST): /health/"
    assert record["level"] == "WARNING"
    assert record["request_id"] == "4f1c9e0a-lb-77"
    assert record["status_code"] == 405
    assert "time" in record


def test_a_page_not_found_is_logged_with_its_request_id(client, settings, log_output, db):
    # Django logs it after the middleware has returned the response.
    settings.TRUSTED_PROXY_COUNT = 1
    stream = log_output("json")
    response = client.get("/no-such-page/", headers={"X-Request-ID": "req-404"})
    assert response.status_code == 404
    [record] = [r for r in json_lines(stream) if r["logger"] == "django.request"]
    assert record["message"] == "Not Found: /no-such-page/"
    assert record["request_id"] == "req-404"
    # Once the response is done, records are no longer the request's.
    logging.getLogger("mentormatch").warning("later")
    assert json_lines(stream)[-1]["request_id"] == "-"


def test_without_a_proxy_the_clients_id_is_not_taken(client, settings, log_output):
    settings.TRUSTED_PROXY_COUNT = 0
    stream = log_output("json")
    response = client.post("/health/", headers={"X-Request-ID": "chosen-by-the-client"})
    made = response["X-Request-ID"]
    assert made != "chosen-by-the-client"
    assert len(made) == 32
    [record] = [r for r in json_lines(stream) if r["logger"] == "django.request"]
    assert record["request_id"] == made


@pytest.mark.parametrize("sent", ["x" * 129, "two words", "id\nforged line", ""])
def test_an_id_that_is_not_a_plain_token_is_replaced(client, settings, sent):
    settings.TRUSTED_PROXY_COUNT = 1
    response = client.post("/health/", headers={"X-Request-ID": sent})
    assert response["X-Request-ID"] != sent
    assert len(response["X-Request-ID"]) == 32


def test_each_request_gets_its_own_id(client):
    first = client.post("/health/")["X-Request-ID"]
    second = client.post("/health/")["X-Request-ID"]
    assert first != second


def test_records_outside_a_request_say_so(log_output):
    stream = log_output("json")
    logging.getLogger("notifications.worker").warning("Worker %s started", "w1", extra={"n": 2})
    [record] = json_lines(stream)
    assert record["message"] == "Worker w1 started"
    assert record["request_id"] == "-"
    assert record["n"] == 2


def test_the_default_format_is_the_message_alone(client, log_output):
    stream = log_output("text")
    client.post("/health/")
    assert stream.getvalue() == "Method Not Allowed (POST): /health/\n"


@pytest.mark.parametrize(
    "variable, value, message",
    [
        ("LOG_FORMAT", "xml", "LOG_FORMAT must be one of text, json; got 'xml'"),
        (
            "SENTRY_TRACES_SAMPLE_RATE",
            "2",
            "SENTRY_TRACES_SAMPLE_RATE must be from 0.0 to 1.0; got '2'",
        ),
        ("SENTRY_TRACES_SAMPLE_RATE", "a lot", "SENTRY_TRACES_SAMPLE_RATE must be a number"),
    ],
)
def test_a_bad_value_stops_the_site_naming_the_variable(variable, value, message):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mentormatch.settings",
        "SENTRY_DSN": "http://publickey@127.0.0.1:9/1",
        variable: value,
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_gunicorns_own_lines_take_the_sites_format(log_format):
    """gunicorn.conf.py: with LOG_FORMAT=json, gunicorn's start-up lines are JSON lines too; without
    it, gunicorn's own format is left as it was."""
    env = {**os.environ, "LOG_FORMAT": log_format, "DEBUG": "1"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "mentormatch.wsgi", "--workers", "1",
         "--bind", "127.0.0.1:0", "--no-control-socket"],
        cwd=BASE_DIR, env=env, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        first = server.stderr.readline()
    finally:
        server.terminate()
        server.wait()
    if log_format == "json":
        record = json.loads(first)
        assert record["logger"] == "gunicorn.error"
        assert record["message"].startswith("Starting gunicorn")
    else:
        assert first.startswith("[") and "Starting gunicorn" in first


# --- Sentry ----------------------------------------------------------------------------------------


class Collector(BaseHTTPRequestHandler):
    """A stand-in for Sentry's ingest: keeps each envelope it is sent."""

    envelopes: list[bytes]

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        self.server.envelopes.append((self.path, body))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


# Run by a separate Python with SENTRY_DSN set, so that the settings start Sentry as in production
# (and this test process is left without it): a view that raises, asked through the site's WSGI
# application as gunicorn asks it, with a cookie.
RAISES = """
import sys, types
from wsgiref.util import setup_testing_defaults
import django
django.setup()
import sentry_sdk
from django.test import override_settings
from django.urls import include, path
from mentormatch.wsgi import application

def boom(request):
    raise RuntimeError("the view failed on purpose")

urls = types.ModuleType("raising_urls")
urls.urlpatterns = [path("boom/", boom), path("", include("mentormatch.urls"))]
sys.modules["raising_urls"] = urls
environ = {
    "PATH_INFO": "/boom/",
    "QUERY_STRING": "email=member@example.org",
    "HTTP_HOST": "localhost",
    "HTTP_COOKIE": "preference=cookie-value",
    "REMOTE_ADDR": "203.0.113.9",
}
setup_testing_defaults(environ)
statuses = []
with override_settings(ROOT_URLCONF="raising_urls"):
    b"".join(application(environ, lambda status, headers, exc_info=None: statuses.append(status)))
print(statuses[0])
sentry_sdk.flush(timeout=10)
"""


def test_an_error_is_sent_to_sentry_without_personal_data(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    server.envelopes = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "mentormatch.settings",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
            "SENTRY_DSN": f"http://publickey@127.0.0.1:{port}/42",
            "SENTRY_ENVIRONMENT": "staging",
            "SENTRY_RELEASE": "mentormatch@1.2.3",
        }
        result = subprocess.run(
            [sys.executable, "-c", RAISES],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
        )
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "500 Internal Server Error"

    assert {url_path for url_path, _ in server.envelopes} == {"/api/42/envelope/"}
    # An envelope is a header line, then an item header and its payload for each item.
    items = []
    for _, envelope in server.envelopes:
        lines = [line for line in envelope.split(b"\n")[1:] if line]
        for item_header, payload in zip(lines[0::2], lines[1::2], strict=True):
            items.append((json.loads(item_header)["type"], json.loads(payload)))
    # The error; no trace (traces are off unless SENTRY_TRACES_SAMPLE_RATE says otherwise).
    assert "transaction" not in {kind for kind, _ in items}
    events = [payload for kind, payload in items if kind == "event"]
    [event] = events
    [exception] = event["exception"]["values"]
    assert exception["type"] == "RuntimeError"
    assert exception["value"] == "the view failed on purpose"
    assert event["environment"] == "staging"
    assert event["release"] == "mentormatch@1.2.3"
    assert event["request"]["url"] == "http://localhost/boom/"
    assert event["transaction"] == "/boom/"
    # No personal data: no cookies, no client address, no user.
    assert "user" not in event
    sent = b"".join(envelope for _, envelope in server.envelopes)
    assert b"cookie-value" not in sent
    assert b"203.0.113.9" not in sent
    # Nor the query string, which may hold what a member typed (a search, an address), nor the
    # variables of each frame (the request, members' rows).
    assert b"member@example.org" not in sent
    assert "query_string" not in event["request"]
    assert not any("vars" in frame for frame in exception["stacktrace"]["frames"])
