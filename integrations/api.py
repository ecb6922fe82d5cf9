"""The REST API at /api/v1/ (django-ninja): OpenAPI 3 at /api/v1/openapi.json, interactive docs at
/api/v1/docs. Every request carries `Authorization: Bearer <token>` (integrations.models.ApiToken);
each operation names the scope it needs with `scope(request, Scope.X)`. Writes call the same
service functions as the pages.

- Errors: one format, RFC 9457 problem details (`application/problem+json`: type, title, status,
  detail, and `errors` for invalid input), made by `problem()`; a mentoring rule's refusal
  (MentoringError) is a 409 with the member-facing message as its detail.
- Lists: ninja's limit/offset pagination, `{"items": [...], "count": total}`.
- Rate: API_RATE per token (or per address before a token is known); past it, 429 with
  Retry-After.

Routers, one file each: api_read.py (members, criteria, enrollments, requests, relationships,
reports: `reports:read`), api_sync.py (member sync from the AMS: `members:write`), api_me.py (a
member's own token: `me`)."""

import logging
import re
from datetime import date, datetime
from typing import Annotated

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.pagination import LimitOffsetPagination
from ninja.parser import Parser
from ninja.security import HttpBearer
from ninja.throttling import SimpleRateThrottle
from pydantic import BeforeValidator

from integrations.models import STAFF_SCOPES, ApiToken, hash_token
from mentoring.services.errors import MentoringError, NotYours
from mentormatch.converters import MAX_ID
from program.access import is_program_staff

logger = logging.getLogger(__name__)

# A token's last use is written at most this often, not on every call.
LAST_USED_EVERY_SECONDS = 60
PROBLEM_TYPES = "https://mentor-match.example/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json"


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        if not token or len(token) > 200 or "\x00" in token:
            return None
        api_token = (
            ApiToken.objects.live()
            .select_related("user", "user__profile")
            .filter(key_hash=hash_token(token))
            .first()
        )
        if api_token is None:
            return None
        now = timezone.now()
        if (
            api_token.last_used_at is None
            or (now - api_token.last_used_at).total_seconds() > LAST_USED_EVERY_SECONDS
        ):
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        request.api_token = api_token
        request.user = api_token.user
        return api_token


class TokenRateThrottle(SimpleRateThrottle):
    """API_RATE calls per token ("600/min" by default); counted in the shared cache, so every
    process and host counts together."""

    scope = "api"

    def __init__(self):
        super().__init__(settings.API_RATE)

    def allow_request(self, request):
        # Read at each request, not once at import: a changed setting (a test's, the
        # environment's at start) is the one that counts.
        self.rate = settings.API_RATE
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_cache_key(self, request):
        token = getattr(request, "api_token", None)
        ident = f"token-{token.pk}" if token is not None else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


def _has_nul(data) -> bool:
    """Whether a NUL character is anywhere in parsed JSON: PostgreSQL refuses one in text."""
    if isinstance(data, str):
        return "\x00" in data
    if isinstance(data, dict):
        return any(_has_nul(key) or _has_nul(value) for key, value in data.items())
    if isinstance(data, list):
        return any(_has_nul(item) for item in data)
    return False


NUL_REFUSED = "NUL characters (\\u0000) are not accepted anywhere in a request."


class RefusingNulParser(Parser):
    """ninja's JSON parser, refusing a NUL character in the body or the query (a 400 problem)."""

    def parse_body(self, request):
        data = super().parse_body(request)
        if _has_nul(data):
            raise HttpError(400, NUL_REFUSED)
        return data

    def parse_querydict(self, data, list_fields, request):
        if any(_has_nul([key, *values]) for key, values in data.lists()):
            raise HttpError(400, NUL_REFUSED)
        return super().parse_querydict(data, list_fields, request)


RFC_3339 = re.compile(r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)", re.ASCII)
ISO_DAY = re.compile(r"\d{4}-\d\d-\d\d", re.ASCII)


def _matching(pattern, what):
    def check(value):
        # pydantic would also take a number (seconds since 1970) or a bare date: the schema
        # promises RFC 3339 text, and only that is taken.
        if not isinstance(value, str) or not pattern.fullmatch(value):
            raise ValueError(f"Give {what}.")
        return value

    return check


# A moment with its offset (RFC 3339: 2026-01-31T09:00:00Z), and a day (2026-01-31).
Moment = Annotated[
    datetime,
    BeforeValidator(_matching(RFC_3339, "a moment with its offset, e.g. 2026-01-31T09:00:00Z")),
]
Day = Annotated[date, BeforeValidator(_matching(ISO_DAY, "a day, e.g. 2026-01-31"))]

# A row id in a path or a query: at most what the database holds (an id past it is a 404 in a
# path, as the pages' <id:…> converter answers, and a 422 in a query), never a 500.
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]


class Pages(LimitOffsetPagination):
    """ninja's limit/offset pagination ({"items", "count"}), with an offset the database can
    hold: OFFSET past a 64-bit integer is an OverflowError on SQLite, a 500."""

    class Input(Schema):
        limit: int = Field(
            settings.NINJA_PAGINATION_PER_PAGE, ge=1, le=settings.NINJA_PAGINATION_MAX_LIMIT
        )
        offset: int = Field(0, ge=0, le=MAX_ID // 2)


# Every operation may answer these, as problem details; the schema says so for each (so that a
# client, and schemathesis, know them). A write may also be too large.
PROBLEM_STATUSES = {
    400: "The request is malformed: its body is not JSON, or it holds a NUL character.",
    401: "No live API token was sent.",
    403: "The token lacks the scope this needs.",
    404: "No such thing, or not one this token may see.",
    # A rule of the program may refuse a read too (a search by a member not enrolled).
    409: "Refused by a rule of the program; `detail` says which.",
    422: "The input is not valid; `errors` says where and why.",
    429: "Too many requests: wait the Retry-After header's seconds.",
}
WRITE_PROBLEM_STATUSES = {413: "The request body is too large."}
PROBLEM_SCHEMA = {
    "title": "Problem",
    "description": "RFC 9457 problem details.",
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "location": {"type": "string"},
                    "message": {"type": "string"},
                },
                "required": ["location", "message"],
            },
        },
    },
    "required": ["type", "title", "status", "detail"],
}


class ProblemAPI(NinjaAPI):
    """A NinjaAPI whose OpenAPI schema declares the problem responses of every operation."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        problem_content = {
            PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}
        }
        for operations in schema["paths"].values():
            for method, operation in operations.items():
                statuses = dict(PROBLEM_STATUSES)
                if method.lower() != "get":
                    statuses |= WRITE_PROBLEM_STATUSES
                responses = operation.setdefault("responses", {})
                for status, response in responses.items():
                    # Every error is problem details, whatever body schema an operation gave it.
                    content = response.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        content[PROBLEM_CONTENT_TYPE] = content.pop("application/json")
                for status, description in statuses.items():
                    if status not in responses and str(status) not in responses:
                        responses[status] = {"description": description, "content": problem_content}
        return schema


api = ProblemAPI(
    title="Mentor Match API",
    version="1",
    urls_namespace="api_v1",
    auth=TokenAuth(),
    throttle=[TokenRateThrottle()],
    parser=RefusingNulParser(),
    description="Member sync, reports and a member's own mentoring. See docs/integrations.md.",
)


def scope(request, needed: str) -> ApiToken:
    """The request's token, if it carries `needed`; otherwise a 403 problem."""
    token = request.api_token
    if not token.has_scope(needed):
        raise HttpError(403, f"This token lacks the {needed} scope.")
    if needed in STAFF_SCOPES and not is_program_staff(token.user):
        # Made by program staff who are staff no longer: the token keeps no staff power.
        raise HttpError(403, "This token's owner is no longer program staff.")
    return token


TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Refused by a rule",
    413: "Too large",
    422: "Invalid input",
    429: "Too many requests",
    500: "Server error",
}


def problem(request, status: int, detail: str, *, errors=None, kind: str = ""):
    """An RFC 9457 problem details response."""
    body = {
        "type": PROBLEM_TYPES + (kind or str(status)),
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": request.path,
    }
    if errors is not None:
        body["errors"] = errors
    response = api.create_response(request, body, status=status)
    response["Content-Type"] = PROBLEM_CONTENT_TYPE
    return response


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    if any(error.get("loc", ("",))[0] == "path" for error in exc.errors):
        # An id that cannot be one (too large, not a number) names nothing: as the site's URL
        # converters answer for the pages.
        return problem(request, 404, "No such thing, or not one this token may see.")
    errors = [
        {
            "location": ".".join(str(part) for part in error.get("loc", ())),
            "message": error.get("msg", "invalid"),
        }
        for error in exc.errors
    ]
    return problem(request, 422, "The request's input is not valid.", errors=errors)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    response = problem(request, 401, "Send a live API token: Authorization: Bearer <token>.")
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(HttpError)
def _http_error(request, exc):
    return problem(request, exc.status_code, str(exc))


@api.exception_handler(Http404)
def _not_found(request, exc):
    return problem(request, 404, "No such thing, or not one this token may see.")


@api.exception_handler(NotYours)
def _not_yours(request, exc):
    return problem(request, 404, "No such thing, or not one this token may see.")


@api.exception_handler(PermissionDenied)
def _denied(request, exc):
    return problem(request, 403, str(exc) or "This token may not do that.")


@api.exception_handler(MentoringError)
def _refused(request, exc):
    return problem(request, 409, str(exc), kind="refused")


@api.exception_handler(Exception)
def _failed(request, exc):
    # Logged with its traceback (and so sent to Sentry); the client gets a problem, not a page.
    logger.exception("API request failed: %s %s", request.method, request.path)
    return problem(request, 500, "Something went wrong on our side; it has been logged.")


ERROR_DETAILS = {
    404: "No such address in the API: see /api/v1/docs.",
    405: "This address does not take that method; see the Allow header.",
    413: "The request body is too large.",
}


def problem_responses(get_response):
    """Middleware: under /api/, a NUL character in the address is refused, and every error
    answered outside the API's own handlers (an unknown address's 404, a wrong method's 405,
    the upload limit's 413, a failure's 500) becomes problem details too."""
    prefix = []

    def middleware(request):
        if not prefix:
            prefix.append(reverse("api_v1:api-root"))
        if not request.path_info.startswith(prefix[0]):
            return get_response(request)
        if "\x00" in request.path_info:
            return problem(request, 400, NUL_REFUSED)
        response = get_response(request)
        content_type = response.get("Content-Type", "")
        if response.status_code < 400 or "json" in content_type:
            return response
        status = response.status_code
        replaced = problem(request, status, ERROR_DETAILS.get(status, TITLES.get(status, "Error")))
        for header in ("Allow", "Retry-After", "WWW-Authenticate", "X-Request-ID"):
            if header in response:
                replaced[header] = response[header]
        return replaced

    return middleware


def _add_routers():
    from integrations import api_me, api_read, api_sync

    # Sync first: its /members/sync must not be read as api_read's /members/{member_id}.
    api.add_router("/", api_sync.router)
    api.add_router("/", api_read.router)
    api.add_router("/me", api_me.router)


_add_routers()
