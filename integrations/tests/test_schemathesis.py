"""schemathesis against the live server: every operation of the schema at /api/v1/openapi.json
(whatever the routers hold when this runs), called with a staff token (reports:read and
members:write) and with a member's own token (me), in positive and negative data: no server
error, and every response conforms to the schema (status, content type, body, headers)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from integrations.models import Scope
from integrations.services import create_token

ST = Path(sys.executable).with_name("st")
# Every check but positive_data_acceptance: input of the right shape may still be refused by a
# rule of the program, by design (an option id that names no option, a report date outside the
# staff form's 1900 to 2999, an empty sync batch, a request to a full mentor: 422 or 409).
CHECKS = "all"
EXCLUDED = "positive_data_acceptance"


@pytest.fixture
def world(live_server, settings, option, enrolled_mentor, enrolled_mentee, make_member):
    """The cast with a relationship and a pending request, so that every list has rows."""
    from mentoring.services.enrollment import enroll
    from mentoring.services.requests import accept_request, send_request

    # schemathesis sends a few thousand requests in a minute: the rate limit has its own test.
    settings.API_RATE = "1000000/min"
    relationship = accept_request(
        send_request(
            enrolled_mentee, enrolled_mentor, recipient_role="mentor", goals="Sourcing"
        ).pk,
        enrolled_mentor,
    )
    other = make_member("rui@example.com", "Rui", "Requester")
    negotiation = option("Leadership Skills", "Negotiation")
    enroll(other, "mentee", option_ids=[negotiation.pk], statement="Negotiating better.")
    send_request(other, enrolled_mentor, recipient_role="mentor", message="Hello")
    return relationship


def run_schemathesis(live_server, token, tmp_path, *select) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            str(ST),
            "run",
            f"{live_server.url}/api/v1/openapi.json",
            *select,
            "--header",
            f"Authorization: Bearer {token}",
            "--checks",
            CHECKS,
            "--exclude-checks",
            EXCLUDED,
            # The API refuses a NUL character anywhere with a 400 (declared on every operation).
            "--generation-allow-x00",
            "false",
            "--max-examples",
            "20",
            "--workers",
            "1",
            "--seed",
            "15",
            "--generation-database",
            "none",
            "--request-timeout",
            "30",
            "--no-color",
            "--report-dir",
            str(tmp_path / "report"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "SCHEMATHESIS_HOOKS": ""},
    )


@pytest.mark.parametrize("who", ["staff", "member"])
def test_every_operation_conforms_to_the_schema_and_never_fails(
    live_server, world, staff, enrolled_mentee, tmp_path, who
):
    # Each token on the operations it may use; what each gets from the others' operations (401,
    # 403, 404) is test_api_authorization's.
    if who == "staff":
        token = create_token(
            staff, name="schemathesis", scopes=[Scope.REPORTS_READ, Scope.MEMBERS_WRITE]
        )[1]
        select = ("--exclude-path-regex", "^/api/v1/me(/|$)")
    else:
        token = create_token(enrolled_mentee, name="schemathesis", scopes=[Scope.ME])[1]
        select = ("--include-path-regex", "^/api/v1/me(/|$)")
    result = run_schemathesis(live_server, token, tmp_path, *select)
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
