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

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer
from ninja.throttling import SimpleRateThrottle

from integrations.models import ApiToken, hash_token
from mentoring.services.errors import MentoringError, NotYours

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

    def get_cache_key(self, request):
        token = getattr(request, "api_token", None)
        ident = f"token-{token.pk}" if token is not None else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


api = NinjaAPI(
    title="Mentor Match API",
    version="1",
    urls_namespace="api_v1",
    auth=TokenAuth(),
    throttle=[TokenRateThrottle()],
    description="Member sync, reports and a member's own mentoring. See docs/integrations.md.",
)


def scope(request, needed: str) -> ApiToken:
    """The request's token, if it carries `needed`; otherwise a 403 problem."""
    token = request.api_token
    if not token.has_scope(needed):
        raise HttpError(403, f"This token lacks the {needed} scope.")
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


def _add_routers():
    from integrations import api_me, api_read, api_sync

    api.add_router("/", api_read.router)
    api.add_router("/", api_sync.router)
    api.add_router("/me", api_me.router)


_add_routers()
