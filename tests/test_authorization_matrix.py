"""Who may open what: every URL the site answers, for every kind of visitor.

The URL resolver is walked (includes too), and every pattern must have an entry in MATRIX (allauth's
included), or be an admin URL of a shape the admin rules below know: a URL added later without one
makes this test fail, so that someone decides who may see it. Each entry builds a real URL from rows the
test makes through the service functions, and gives what each role gets from a GET:

    anonymous  not signed in
    outsider   a signed-in member party to nothing
    mentee     the mentee of the request or relationship in the URL
    mentor     the mentor of the request or relationship in the URL
    staff      a staff account (program staff pages; in the admin, one without model permissions)

and in the admin (where the outsider stands for every member who is not staff) also `superuser`.
An expectation is a status code, LOGIN (sent to sign in, and brought back), or redirect("/path"). Views that change state are also POSTed to by the outsider and
an anonymous visitor, with valid data: each is refused and nothing changes.
"""

import dataclasses
import datetime
import re
from collections.abc import Callable
from functools import cached_property
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from members.models import Profile, User

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "outsider", "mentee", "mentor", "staff")
# The admin knows no parties: the outsider stands for every member who is not staff.
ADMIN_ROLES = ("anonymous", "outsider", "staff", "superuser")

LOGIN = "login"  # a redirect to the site's sign-in, with ?next= back to the URL
ADMIN_LOGIN = "admin-login"  # a redirect to the admin's sign-in or to the site's, with ?next=
ADMIN_LOGIN_PAGE = "admin-login-page"  # the admin's sign-in page, or a redirect to the site's


def redirect(path: str) -> str:
    """A redirect to `path` (its query string aside)."""
    return f"redirect:{path}"


# --- The URL patterns ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Pattern:
    route: str  # the full route, e.g. "relationships/<id:pk>/"
    name: str | None  # the full name, e.g. "mentoring:relationship"

    @property
    def key(self) -> str:
        return self.name if self.name and not self.name.startswith("admin:") else self.route


def url_patterns(resolver=None, prefix="", namespace=None):
    """Every pattern the site answers, with its full route and namespaced name."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from url_patterns(pattern, route, inner)
        else:
            assert isinstance(pattern, URLPattern)
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            if namespace and not pattern.name:
                name = f"{namespace}:"
            yield Pattern(route, name)


PATTERNS = list(url_patterns())


# --- The rows the URLs are built from -------------------------------------------------------------

CSV = "email,first_name,last_name\nnew.member@example.com,Nora,New\n"


class World:
    """The shared cast (conftest.py) and their rows, made through the service functions when a URL
    first needs them: a test of a URL without ids makes no rows, a test as anonymous no members."""

    def __init__(self, request):
        self._fixture = request.getfixturevalue

    @cached_property
    def mentee(self):
        return self._fixture("enrolled_mentee")

    @cached_property
    def mentor(self):
        return self._fixture("enrolled_mentor")

    @cached_property
    def outsider(self):
        return self._fixture("outsider")

    @cached_property
    def staff(self):
        return self._fixture("staff")

    @cached_property
    def requester(self):
        """A second mentee, who sends the pending request."""
        from mentoring.services.enrollment import enroll

        user = self._fixture("make_member")("rui@example.com", "Rui", "Requester")
        negotiation = self._fixture("option")("Leadership Skills", "Negotiation")
        enroll(user, "mentee", option_ids=[negotiation.pk], statement="Negotiating better.")
        return user

    @cached_property
    def superuser(self):
        user = self._fixture("make_member")("root@example.com", "Sam", "Super")
        user.is_staff = user.is_superuser = True
        user.save()
        return user

    @cached_property
    def relationship(self):
        """An active relationship: the mentee and the mentor."""
        from mentoring.services.requests import accept_request, send_request

        request = send_request(self.mentee, self.mentor, recipient_role="mentor", goals="Sourcing")
        return accept_request(request.pk, self.mentor)

    @cached_property
    def pending(self):
        """A request waiting for the mentor's answer: from another mentee, the requester."""
        from mentoring.services.requests import send_request

        assert self.relationship  # first: the mentor's other place stays open for this one
        return send_request(self.requester, self.mentor, recipient_role="mentor", message="Hi")

    def everything(self):
        """Every kind of row, for the admin's object pages."""
        from notifications.models import Preferences

        return self.pending, Preferences.of(self.mentee), self.feed_token, self.batch

    @cached_property
    def feed_token(self) -> str:
        from mentoring.models import CalendarFeed

        assert self.relationship  # so that the feed has a relationship in it
        return CalendarFeed.objects.get_or_create(user=self.mentee)[0].token

    @cached_property
    def unsubscribe_token(self) -> str:
        from notifications.emails import unsubscribe_url

        return unsubscribe_url(self.mentee).rstrip("/").rsplit("/", 1)[1]

    @cached_property
    def sent_email(self):
        from notifications.models import OutgoingEmail

        assert self.relationship  # sending its request emailed the mentor
        return OutgoingEmail.objects.earliest("pk")

    @cached_property
    def batch(self):
        from program.importing import create_batch

        upload = SimpleUploadedFile("members.csv", CSV.encode(), content_type="text/csv")
        return create_batch(upload, send_invitations=False, staff=self.staff)

    @cached_property
    def photo_owner(self):
        """The mentor, with a profile photo."""
        from io import BytesIO

        from PIL import Image

        from members.photos import process_photo
        from members.services import update_profile

        data = BytesIO()
        Image.new("RGB", (120, 120), (200, 30, 30)).save(data, "JPEG")
        upload = SimpleUploadedFile("me.jpg", data.getvalue(), content_type="image/jpeg")
        update_profile(self.mentor.profile, fields={}, photo=process_photo(upload))
        return self.mentor

    # Issue 16: B (matching rounds). A round staff opened, with a decision on a pair of its pool.
    @cached_property
    def matching_round(self):
        from cohorts.services import open_round

        return open_round(self.staff, name="Spring 2027")

    @cached_property
    def round_decision(self):
        from cohorts.services import forbid_pair

        return forbid_pair(
            self.matching_round.pk,
            self.staff,
            mentee_id=self.requester.pk,
            mentor_id=self.mentor.pk,
        )

    def email_key(self) -> str:
        address = EmailAddress.objects.get(user=self.outsider)
        return EmailConfirmationHMAC(address).key

    def reset_key(self) -> str:
        user = self.outsider
        return f"{user_pk_to_url_str(user)}-{default_token_generator.make_token(user)}"

    def user(self, role: str, parties: str):
        if role == "anonymous":
            return None
        if role in ("mentee", "mentor"):
            side = {"mentee": self.requester, "mentor": self.mentor}
            if parties == "relationship":
                side = {"mentee": self.mentee, "mentor": self.mentor}
            return side[role]
        if role == "superuser":
            return self.superuser
        return {"outsider": self.outsider, "staff": self.staff}[role]


@pytest.fixture
def world(request, settings, db):
    # The site's own backend: each email becomes a stored row (for the sent-emails pages).
    settings.EMAIL_BACKEND = "notifications.backends.QueuedEmailBackend"
    return World(request)


# --- The matrix -----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Entry:
    url: Callable[[World], str]
    expect: dict[str, object]
    # Whose request or relationship the URL names: "request" (the pending one: the requester is
    # its mentee) or "relationship" (the active one).
    parties: str = "relationship"
    # For views that change state: valid POST data (or a function of the world giving it); the
    # outsider and an anonymous visitor post it, are refused and nothing changes.
    post: dict | Callable[[World], dict] | None = None
    post_outsider: object = 404


def entry(url, anonymous, outsider, mentee, mentor, staff, **options) -> Entry:
    expect = dict(zip(ROLES, (anonymous, outsider, mentee, mentor, staff), strict=True))
    return Entry(url, expect, **options)


def everyone(url, status=200, **options) -> Entry:
    return entry(url, status, status, status, status, status, **options)


def members_only(url, status=200, **options) -> Entry:
    return entry(url, LOGIN, status, status, status, status, **options)


def staff_only(url, status=200, **options) -> Entry:
    return entry(url, LOGIN, 404, 404, 404, status, **options)


def anonymous_only(url, signed_in, **options) -> Entry:
    return entry(url, 200, signed_in, signed_in, signed_in, signed_in, **options)


HOME = redirect("/")  # allauth sends a signed-in member to LOGIN_REDIRECT_URL, the home page
PLAN = {"rhythm": "weekly", "meeting_format": "video", "planned_months": 3, "goals": "Mine"}
REASON = {"reason": "Asked by the member on the phone"}


# Issue 15: E (webhooks). A webhook with a failed delivery, for the URLs of the webhook pages.
def failed_webhook_delivery(world):
    from notifications import webhooks
    from notifications.models import WebhookDelivery

    found = WebhookDelivery.objects.filter(status="failed").first()
    if found is None:
        endpoint = webhooks.create_endpoint(url=WEBHOOK_URL, events=["member.enrolled"])
        found = webhooks.send_ping(endpoint.pk)
        WebhookDelivery.objects.filter(pk=found.pk).update(status="failed", last_error="Gone")
    return found


WEBHOOK_URL = "https://ams.example.org/hooks/mentoring"
WEBHOOKS = "/staff/integrations/webhooks/"


def webhook_page(action=""):
    return lambda w: f"{WEBHOOKS}{failed_webhook_delivery(w).endpoint_id}/{action}"


# Issue 15: B (token pages). The id of a live token of `user` with `scope`, made once.
def api_token(user, scope) -> int:
    from integrations.models import ApiToken
    from integrations.services import create_token

    found = ApiToken.objects.live().filter(user=user, scopes=[scope]).first()
    return (found or create_token(user, name="Matrix", scopes=[scope])[0]).pk


# Issue 16: C (a mentee's shortlist). The mentor, on the mentee's shortlist.
def shortlisted_mentor(world) -> int:
    from mentoring.services.shortlist import add_to_shortlist

    return add_to_shortlist(world.mentee, world.mentor).mentor_id


# Issue 16: E (mentees opt in to a round). A round open to those who join, the requester (a
# mentee without a mentor) in it.
def opt_in_round(world) -> int:
    from cohorts import services
    from cohorts.models import MatchingRound

    found = MatchingRound.objects.filter(opt_in_only=True).first()
    if found is None:
        found = services.open_round(world.staff, name="Autumn 2027")
        services.update_parameters(found.pk, world.staff, opt_in_only=True)
        services.opt_in(found.pk, world.requester)
    return found.pk


MATRIX: dict[str, Entry] = {
    "home": everyone(lambda w: "/"),
    # Load balancers and monitoring ask without signing in; the answer holds no secret.
    "health": everyone(lambda w: "/health/"),
    "health_web": everyone(lambda w: "/health/web/"),
    # allauth
    "account_login": anonymous_only(lambda w: "/accounts/login/", HOME),
    "account_logout": entry(lambda w: "/accounts/logout/", redirect("/"), 200, 200, 200, 200),
    "account_inactive": everyone(lambda w: "/accounts/inactive/"),
    "account_signup": anonymous_only(lambda w: "/accounts/signup/", HOME),
    "account_reauthenticate": members_only(lambda w: "/accounts/reauthenticate/"),
    "account_request_reauthentication_code": members_only(
        lambda w: "/accounts/reauthenticate/code/"
    ),
    # Without a code requested first, back to asking for one.
    "account_confirm_reauthentication_code": members_only(
        lambda w: "/accounts/reauthenticate/code/confirm/",
        redirect("/accounts/reauthenticate/code/"),
    ),
    "account_email": members_only(lambda w: "/accounts/email/"),
    "account_email_verification_sent": everyone(lambda w: "/accounts/confirm-email/"),
    "account_change_password": members_only(lambda w: "/accounts/password/change/"),
    "account_set_password": members_only(
        lambda w: "/accounts/password/set/", redirect("/accounts/password/change/")
    ),
    "account_reset_password": everyone(lambda w: "/accounts/password/reset/"),
    # Without a code requested first, back to signing in (a signed-in member: to their profile).
    "account_confirm_login_code": entry(
        lambda w: "/accounts/login/code/confirm/",
        redirect("/accounts/login/"),
        *[HOME] * 4,
    ),
    "account_confirm_email": everyone(lambda w: f"/accounts/confirm-email/{w.email_key()}/"),
    "account_reset_password_from_key_done": everyone(
        lambda w: "/accounts/password/reset/key/done/"
    ),
    # The key in the link is the proof: the outsider's own link, open to whoever holds it.
    "account_reset_password_from_key": everyone(
        lambda w: f"/accounts/password/reset/key/{w.reset_key()}/"
    ),
    "account_reset_password_done": everyone(lambda w: "/accounts/password/reset/done/"),
    # Issue 15: A (single sign-on, staff MFA). The second factor: each member's own.
    "mfa_index": members_only(lambda w: "/accounts/2fa/"),
    # Only halfway through a sign-in (password right, code next): otherwise back to signing in.
    "mfa_authenticate": entry(
        lambda w: "/accounts/2fa/authenticate/", redirect("/accounts/login/"), *[HOME] * 4
    ),
    # Without an authenticator: reauthenticate with the password instead.
    "mfa_reauthenticate": members_only(
        lambda w: "/accounts/2fa/reauthenticate/", redirect("/accounts/reauthenticate/")
    ),
    # Adding an authenticator asks for the password again first.
    "mfa_activate_totp": members_only(
        lambda w: "/accounts/2fa/totp/activate/", redirect("/accounts/reauthenticate/")
    ),
    "mfa_deactivate_totp": members_only(lambda w: "/accounts/2fa/totp/deactivate/", 404),
    "mfa_view_recovery_codes": members_only(lambda w: "/accounts/2fa/recovery-codes/", 404),
    "mfa_generate_recovery_codes": members_only(
        lambda w: "/accounts/2fa/recovery-codes/generate/", redirect("/accounts/reauthenticate/")
    ),
    "mfa_download_recovery_codes": members_only(
        lambda w: "/accounts/2fa/recovery-codes/download/", 404
    ),
    # Signing in with the association (members.sso): pages of the flow, open to everyone.
    "socialaccount_login_cancelled": everyone(lambda w: "/accounts/3rdparty/login/cancelled/"),
    # "Sign-in did not complete" (templates/socialaccount/authentication_error.html).
    "socialaccount_login_error": everyone(lambda w: "/accounts/3rdparty/login/error/", 401),
    # Only with a sign-in waiting for more details (never: the claims suffice).
    "socialaccount_signup": entry(
        lambda w: "/accounts/3rdparty/signup/", redirect("/accounts/login/"), *[HOME] * 4
    ),
    "socialaccount_connections": members_only(lambda w: "/accounts/3rdparty/"),
    # allauth's old addresses: permanent redirects (301) to the /accounts/3rdparty/ ones.
    "accounts/social/login/cancelled/": everyone(
        lambda w: "/accounts/social/login/cancelled/", 301
    ),
    "accounts/social/login/error/": everyone(lambda w: "/accounts/social/login/error/", 301),
    "accounts/social/signup/": everyone(lambda w: "/accounts/social/signup/", 301),
    "accounts/social/connections/": everyone(lambda w: "/accounts/social/connections/", 301),
    # Without OIDC_ISSUER / SAML_IDP_ENTITY_ID (as in tests) there is no such provider: 404.
    "openid_connect_login": everyone(lambda w: "/accounts/oidc/association/login/", 404),
    "openid_connect_callback": everyone(
        lambda w: "/accounts/oidc/association/login/callback/", 404
    ),
    # The ACS keeps the IdP's POST for the next step, which finds no provider.
    "saml_acs": everyone(
        lambda w: "/accounts/saml/association/acs/",
        redirect("/accounts/saml/association/acs/finish/"),
    ),
    "saml_finish_acs": everyone(lambda w: "/accounts/saml/association/acs/finish/", 404),
    "saml_sls": everyone(lambda w: "/accounts/saml/association/sls/", 404),
    "saml_metadata": everyone(lambda w: "/accounts/saml/association/metadata/", 404),
    "saml_login": everyone(lambda w: "/accounts/saml/association/login/", 404),
    # members
    "members:profile_edit": members_only(lambda w: "/profile/"),
    "members:directory": members_only(lambda w: "/members/"),
    "members:profile": members_only(lambda w: f"/members/{w.mentor.pk}/"),
    "members:photo": members_only(lambda w: f"/members/{w.photo_owner.pk}/photo/full.jpg"),
    # mentoring: search and enrollment (the signed-in member's own)
    "mentoring:find_mentor": members_only(lambda w: "/find-a-mentor/"),
    "mentoring:find_mentee": members_only(lambda w: "/find-a-mentee/"),
    "mentoring:enroll": members_only(lambda w: "/enroll/mentor/"),
    "mentoring:participation": entry(
        lambda w: "/enroll/mentor/status/",
        LOGIN,
        redirect("/enroll/mentor/"),
        redirect("/enroll/mentor/"),
        200,
        redirect("/enroll/mentor/"),
    ),
    "mentoring:withdraw": entry(lambda w: "/enroll/mentor/withdraw/", LOGIN, 404, 404, 200, 404),
    # mentoring: requests (the pending one, from the requester to the mentor)
    "mentoring:send_request": members_only(lambda w: f"/request/mentor/{w.mentor.pk}/"),
    "mentoring:relationships": members_only(lambda w: "/relationships/"),
    "mentoring:accept": entry(
        lambda w: f"/requests/{w.pending.pk}/accept/",
        LOGIN,
        404,
        404,
        200,
        404,
        parties="request",
        post={},
    ),
    "mentoring:decline": entry(
        lambda w: f"/requests/{w.pending.pk}/decline/",
        LOGIN,
        404,
        404,
        200,
        404,
        parties="request",
        post={"reason": "no_time", "note": "Sorry"},
    ),
    "mentoring:withdraw_request": entry(
        lambda w: f"/requests/{w.pending.pk}/withdraw/",
        LOGIN,
        404,
        200,
        404,
        404,
        parties="request",
        post={},
    ),
    # Acts on the signed-in member's own pending requests only: the outsider has none.
    "mentoring:reconsider_requests": members_only(
        lambda w: "/requests/reconsider/",
        405,
        post={"action": "withdraw"},
        post_outsider=redirect("/relationships/"),
    ),
    # mentoring: the active relationship (POST-only views answer a GET with 405)
    "mentoring:relationship": entry(
        lambda w: f"/relationships/{w.relationship.pk}/", LOGIN, 404, 200, 200, 404
    ),
    "mentoring:plan": members_only(
        lambda w: f"/relationships/{w.relationship.pk}/plan/", 405, post=PLAN
    ),
    "mentoring:check_in": members_only(
        lambda w: f"/relationships/{w.relationship.pk}/check-ins/",
        405,
        post=lambda w: {"met_on": datetime.date.today().isoformat(), "note": "Met", "shared": "1"},
    ),
    "mentoring:extend": members_only(
        lambda w: f"/relationships/{w.relationship.pk}/extend/", 405, post={"months": 3}
    ),
    "mentoring:relationship_ics": entry(
        lambda w: f"/relationships/{w.relationship.pk}/calendar.ics", LOGIN, 404, 200, 200, 404
    ),
    "mentoring:complete": entry(
        lambda w: f"/relationships/{w.relationship.pk}/complete/",
        LOGIN,
        404,
        200,
        200,
        404,
        post={"outcome": "goals_met", "note_to_partner": "Bye", "feedback_for_staff": ""},
    ),
    # The secret in the URL is the key (calendar apps cannot sign in): the mentee's feed.
    "mentoring:feed": everyone(lambda w: f"/calendar/{w.feed_token}.ics"),
    # Replaces the signed-in member's own link: the outsider's post leaves the mentee's alone.
    "mentoring:new_feed_link": members_only(
        lambda w: "/calendar/new-link/", 405, post={}, post_outsider=redirect("/relationships/")
    ),
    # Issue 16: C (a mentee's shortlist): the signed-in member's own; the actions take POST only.
    "mentoring:shortlist": members_only(lambda w: "/shortlist/"),
    # The outsider is enrolled as nothing: refused with a message, back to My shortlist.
    "mentoring:shortlist_add": members_only(
        lambda w: f"/shortlist/add/{w.mentor.pk}/",
        405,
        post={},
        post_outsider=redirect("/shortlist/"),
    ),
    # The mentee's entry: the outsider's own shortlist does not hold it (404).
    "mentoring:shortlist_remove": members_only(
        lambda w: f"/shortlist/{shortlisted_mentor(w)}/remove/", 405, post={}
    ),
    "mentoring:shortlist_move": members_only(
        lambda w: f"/shortlist/{shortlisted_mentor(w)}/move/", 405, post={"direction": "down"}
    ),
    # notifications: the signed link is the proof (RFC 8058 one-click), so anyone may open it.
    "notifications:preferences": members_only(lambda w: "/notifications/preferences/"),
    "notifications:unsubscribe": everyone(
        lambda w: f"/notifications/unsubscribe/{w.unsubscribe_token}/"
    ),
    # program staff pages
    "program:dashboard": staff_only(lambda w: "/staff/"),
    "program:actions": staff_only(lambda w: "/staff/actions/"),
    "program:pause": staff_only(
        lambda w: "/staff/actions/pause/",
        405,
        post=lambda w: {"email": w.mentor.email, **REASON},
    ),
    "program:request": staff_only(lambda w: f"/staff/requests/{w.pending.pk}/"),
    "program:accept": staff_only(
        lambda w: f"/staff/requests/{w.pending.pk}/accept/", 405, post=REASON
    ),
    "program:decline": staff_only(
        lambda w: f"/staff/requests/{w.pending.pk}/decline/",
        405,
        post={"decline_reason": "no_time", **REASON},
    ),
    "program:relationship": staff_only(lambda w: f"/staff/relationships/{w.relationship.pk}/"),
    "program:end": staff_only(
        lambda w: f"/staff/relationships/{w.relationship.pk}/end/", 405, post=REASON
    ),
    "program:outbox": staff_only(lambda w: "/staff/sent-emails/"),
    "program:resend": staff_only(
        lambda w: f"/staff/sent-emails/{w.sent_email.pk}/resend/", 405, post=REASON
    ),
    "program:reports": staff_only(lambda w: "/staff/reports/"),
    "program:report": staff_only(lambda w: "/staff/reports/mentees/"),
    "program:report_csv": staff_only(lambda w: "/staff/reports/mentees/csv"),
    "program:import": staff_only(
        lambda w: "/staff/import/",
        post=lambda w: {"file": SimpleUploadedFile("m.csv", CSV.encode(), "text/csv")},
    ),
    "program:import_batch": staff_only(lambda w: f"/staff/import/{w.batch.pk}/"),
    "program:import_run": staff_only(lambda w: f"/staff/import/{w.batch.pk}/run/", 405, post={}),
    "program:import_progress": staff_only(lambda w: f"/staff/import/{w.batch.pk}/progress/"),
    "program:emails": staff_only(lambda w: "/staff/emails/"),
    "program:email_edit": staff_only(
        lambda w: "/staff/emails/request_received/",
        post={"subject": "Hello", "body": "Hello", "action": "save"},
    ),
    "program:email_reset": staff_only(
        lambda w: "/staff/emails/request_received/reset/", 405, post={}
    ),
    # Issue 16: B (matching rounds)
    "cohorts:rounds": staff_only(lambda w: "/staff/rounds/", post={"name": "Autumn 2027"}),
    "cohorts:round": staff_only(lambda w: f"/staff/rounds/{w.matching_round.pk}/"),
    "cohorts:parameters": staff_only(
        lambda w: f"/staff/rounds/{w.matching_round.pk}/parameters/",
        405,
        post={"name": "Renamed", "shortlist_bonus": "5"},
    ),
    "cohorts:run": staff_only(lambda w: f"/staff/rounds/{w.matching_round.pk}/run/", 405, post={}),
    "cohorts:progress": staff_only(lambda w: f"/staff/rounds/{w.matching_round.pk}/progress/"),
    "cohorts:fix": staff_only(
        lambda w: f"/staff/rounds/{w.matching_round.pk}/fix/",
        405,
        post=lambda w: {"mentee": w.requester.pk, "mentor": w.mentor.pk},
    ),
    "cohorts:forbid": staff_only(
        lambda w: f"/staff/rounds/{w.matching_round.pk}/forbid/",
        405,
        post=lambda w: {"mentee": w.requester.pk, "mentor": w.mentor.pk},
    ),
    "cohorts:remove_decision": staff_only(
        lambda w: f"/staff/rounds/{w.matching_round.pk}/decisions/{w.round_decision.pk}/remove/",
        405,
        post={},
    ),
    "cohorts:publish": staff_only(
        lambda w: f"/staff/rounds/{w.matching_round.pk}/publish/", post={}
    ),
    "cohorts:pairs_csv": staff_only(lambda w: f"/staff/rounds/{w.matching_round.pk}/pairs.csv"),
    # Issue 16: E (mentees opt in to a round): each member joins or leaves for themselves. The
    # outsider, enrolled as nothing, is refused with a message; their leave leaves the
    # requester's place in the round alone.
    "rounds:list": members_only(lambda w: "/rounds/"),
    "rounds:join": members_only(
        lambda w: f"/rounds/{opt_in_round(w)}/join/",
        405,
        post={},
        post_outsider=redirect("/rounds/"),
    ),
    "rounds:leave": members_only(
        lambda w: f"/rounds/{opt_in_round(w)}/leave/",
        405,
        post={},
        post_outsider=redirect("/rounds/"),
    ),
    # Issue 15: D (a member's own token). The API answers a token, never a session: 401 to
    # everyone here, or 405 where the address takes only POST/PUT. What a token may do, and that
    # refused writes change nothing, is proven in integrations/tests/test_api_me.py.
    "api_v1:me_profile": everyone(lambda w: "/api/v1/me/profile", 401),
    "api_v1:me_profile_change": everyone(lambda w: "/api/v1/me/profile", 401),
    "api_v1:me_enrollments": everyone(lambda w: "/api/v1/me/enrollments", 401),
    "api_v1:me_criteria": everyone(lambda w: "/api/v1/me/criteria/mentee", 401),
    "api_v1:me_enrollment": everyone(lambda w: "/api/v1/me/enrollments/mentor", 405),
    "api_v1:me_search_mentors": everyone(lambda w: "/api/v1/me/search/mentors", 401),
    "api_v1:me_search_mentees": everyone(lambda w: "/api/v1/me/search/mentees", 401),
    "api_v1:me_requests": everyone(lambda w: "/api/v1/me/requests", 401),
    "api_v1:me_request_send": everyone(lambda w: "/api/v1/me/requests", 401),
    "api_v1:me_request_accept": everyone(
        lambda w: f"/api/v1/me/requests/{w.pending.pk}/accept", 405, parties="request"
    ),
    "api_v1:me_request_decline": everyone(
        lambda w: f"/api/v1/me/requests/{w.pending.pk}/decline", 405, parties="request"
    ),
    "api_v1:me_request_withdraw": everyone(
        lambda w: f"/api/v1/me/requests/{w.pending.pk}/withdraw", 405, parties="request"
    ),
    "api_v1:me_relationships": everyone(lambda w: "/api/v1/me/relationships", 401),
    "api_v1:me_relationship": everyone(
        lambda w: f"/api/v1/me/relationships/{w.relationship.pk}", 401
    ),
    # Issue 15: C (member sync). PUT/POST only, answering a staff token, never a session: a GET
    # is 405 to everyone. Scopes and refused writes: integrations/tests/test_api_sync.py.
    "api_v1:put_member": everyone(lambda w: "/api/v1/members/by-external-id/A1", 405),
    "api_v1:sync_members": everyone(lambda w: "/api/v1/members/sync", 405),
    "api_v1:deactivate_member": everyone(
        lambda w: "/api/v1/members/by-external-id/A1/deactivate", 405
    ),
    # Issue 15: B (API framework, reads, token pages). The schema and its documentation are
    # public (they hold no data); the root names nothing (a 404 problem). The reads answer a
    # token, never a session: 401; what each token may read is integrations/tests/
    # test_api_authorization.py's.
    "api_v1:openapi-json": everyone(lambda w: "/api/v1/openapi.json"),
    "api_v1:openapi-view": everyone(lambda w: "/api/v1/docs"),
    "api_v1:api-root": everyone(lambda w: "/api/v1/", 404),
    "api_v1:list_members": everyone(lambda w: "/api/v1/members", 401),
    "api_v1:get_member": everyone(lambda w: f"/api/v1/members/{w.mentor.pk}", 401),
    "api_v1:list_criteria": everyone(lambda w: "/api/v1/criteria", 401),
    "api_v1:list_enrollments": everyone(lambda w: "/api/v1/enrollments", 401),
    "api_v1:list_requests": everyone(lambda w: "/api/v1/requests", 401),
    "api_v1:list_relationships": everyone(lambda w: "/api/v1/relationships", 401),
    "api_v1:get_report": everyone(lambda w: "/api/v1/reports/mentees", 401),
    "integrations:staff_tokens": staff_only(
        lambda w: "/staff/integrations/", post={"name": "AMS", "scopes": ["reports:read"]}
    ),
    "integrations:staff_revoke": staff_only(
        lambda w: f"/staff/integrations/tokens/{api_token(w.staff, 'reports:read')}/revoke/",
        405,
        post={},
    ),
    # Each member's own tokens; revoking another member's token is a 404.
    "integrations:member_tokens": members_only(
        lambda w: "/account/api-tokens/", post={"name": "My script"}, post_outsider=200
    ),
    "integrations:member_revoke": members_only(
        lambda w: f"/account/api-tokens/{api_token(w.mentee, 'me')}/revoke/", 405, post={}
    ),
    # Issue 15: E (webhooks)
    "integrations:webhooks": staff_only(
        lambda w: WEBHOOKS, post={"url": WEBHOOK_URL, "events": ["member.enrolled"]}
    ),
    "integrations:webhook": staff_only(webhook_page()),
    "integrations:webhook_active": staff_only(webhook_page("active/"), 405, post={}),
    "integrations:webhook_ping": staff_only(webhook_page("ping/"), 405, post={}),
    "integrations:webhook_rotate": staff_only(webhook_page("secret/"), 405, post={}),
    "integrations:webhook_delete": staff_only(webhook_page("delete/"), 405, post={"confirm": "on"}),
    "integrations:webhook_resend": staff_only(
        lambda w: (
            f"{WEBHOOKS}{failed_webhook_delivery(w).endpoint_id}/deliveries/"
            f"{failed_webhook_delivery(w).pk}/resend/"
        ),
        405,
        post={},
    ),
}


# --- The admin's URLs: one rule for each kind, by the pattern's shape ----------------------------

ADMIN_MODEL_ROUTE = re.compile(r"^admin/(?P<app>\w+)/(?P<model>\w+)/(?P<rest>.*)$")
NOT_STAFF = dict.fromkeys(("anonymous", "outsider"), ADMIN_LOGIN)


# The quickest way to a row of some kinds the admin shows; for any other, the world makes them all.
MAKE_ROW = {
    "mentoring.enrollment": lambda world: world.mentor,
    "mentoring.relationship": lambda world: world.relationship,
    "notifications.outgoingemail": lambda world: world.relationship,
    "django_tasks_database.dbtaskresult": lambda world: world.relationship,
    # Issue 15: A (single sign-on, staff MFA)
    "mfa.authenticator": lambda world: sso_rows(world),
    "socialaccount.socialaccount": lambda world: sso_rows(world),
    "socialaccount.socialapp": lambda world: sso_rows(world),
    "socialaccount.socialtoken": lambda world: sso_rows(world),
}


def sso_rows(world):
    """Issue 15: A. The staff member's authenticator, an outsider's association account with a
    stored token, and an app kept in the database (the site's own come from settings)."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken

    TOTP.activate(world.staff, generate_totp_secret())
    app = SocialApp.objects.create(provider="openid_connect", provider_id="other", name="Other")
    account = SocialAccount.objects.create(user=world.outsider, provider="association", uid="1")
    SocialToken.objects.create(app=app, account=account, token="token")


# Issue 15: A. allauth's old socialaccount addresses have no names (allauth/urls.py).
UNNAMED = {
    "accounts/social/login/cancelled/",
    "accounts/social/login/error/",
    "accounts/social/signup/",
    "accounts/social/connections/",
}


def _admin_object(model, world: World):
    """A real row of `model`, or None."""
    rows = model._default_manager.order_by("pk")
    if not rows.exists():
        MAKE_ROW.get(model._meta.label_lower, World.everything)(world)
    return rows.first()


def _may(model_admin, permission: str, obj=None) -> bool:
    """Whether the admin lets anyone (a superuser) do this: some models are read-only there."""
    request = RequestFactory().get("/admin/")
    request.user = User(is_active=True, is_staff=True, is_superuser=True)
    check = getattr(model_admin, f"has_{permission}_permission")
    return check(request, obj) if permission != "add" else check(request)


# The admin's own pages: route: (URL, for anonymous and the outsider, for staff, for a superuser).
ADMIN_PAGES = {
    "admin/": ("/admin/", ADMIN_LOGIN, 200, 200),
    "admin/login/": ("/admin/login/", ADMIN_LOGIN_PAGE, redirect("/admin/"), redirect("/admin/")),
    # Django's LogoutView takes POST only; a visitor who may not use the admin goes to its index.
    "admin/logout/": ("/admin/logout/", redirect("/admin/"), 405, 405),
    "admin/password_change/": ("/admin/password_change/", ADMIN_LOGIN, 200, 200),
    "admin/password_change/done/": ("/admin/password_change/done/", ADMIN_LOGIN, 200, 200),
    # Without its parameters the autocomplete refuses even a superuser.
    "admin/autocomplete/": ("/admin/autocomplete/", ADMIN_LOGIN, 403, 403),
    "admin/jsi18n/": ("/admin/jsi18n/", ADMIN_LOGIN, 200, 200),
    # The catch-all answers anything else under /admin/.
    "admin/(?P<url>.*)$": ("/admin/no-such-page/", ADMIN_LOGIN, 404, 404),
}


def admin_rule(pattern: Pattern, world: World | None, role: str = "superuser"):
    """(url, {role: expected}) for an admin URL, or None when no rule knows its shape. With no
    world, only says whether a rule applies."""
    route, name = pattern.route, pattern.name
    if route in ADMIN_PAGES:
        if world is None:
            return True
        url, not_staff, staff, superuser = ADMIN_PAGES[route]
        expect = {"anonymous": not_staff, "outsider": not_staff}
        return url, expect | {"staff": staff, "superuser": superuser}
    if name == "admin:app_list":
        if world is None:
            return True
        # A staff account without permissions has no apps to list.
        return "/admin/mentoring/", {**NOT_STAFF, "staff": 404, "superuser": 200}
    if name == "admin:view_on_site":
        if world is None:
            return True
        content_type = ContentType.objects.get_for_model(Profile)
        url = f"/admin/r/{content_type.pk}/{world.mentor.profile.pk}/"
        profile = redirect(f"/members/{world.mentor.pk}/")
        return url, {**NOT_STAFF, "staff": profile, "superuser": profile}
    match = ADMIN_MODEL_ROUTE.match(route)
    if not match:
        return None
    try:
        model = apps.get_model(match["app"], match["model"])
    except LookupError:
        return None
    model_admin = admin.site._registry.get(model)
    rest = match["rest"]
    shapes = (
        "",
        "add/",
        "<path:object_id>/",
        "<path:object_id>/change/",
        "<path:object_id>/history/",
        "<path:object_id>/delete/",
        "<id>/password/",
    )
    if model_admin is None or rest not in shapes:
        return None
    if world is None:
        return True
    base = f"/admin/{match['app']}/{match['model']}/"
    if rest == "":
        return base, {**NOT_STAFF, "staff": 403, "superuser": 200}
    if rest == "add/":
        allowed = 200 if _may(model_admin, "add") else 403
        return f"{base}add/", {**NOT_STAFF, "staff": 403, "superuser": allowed}

    def url_of(object_id):
        return f"{base}{rest.replace('<path:object_id>', str(object_id)).replace('<id>', str(object_id))}"

    if role in NOT_STAFF:
        # The admin sends them to sign in before it looks for the row: any id will do.
        return url_of(1), dict(NOT_STAFF)
    obj = _admin_object(model, world)
    object_id = obj.pk if obj is not None else 2**62
    url = url_of(object_id)
    if obj is None:
        # No row of this kind: the admin says so and goes back to its index.
        return url, {**NOT_STAFF, "staff": 403, "superuser": redirect("/admin/")}
    if rest == "<path:object_id>/":
        # The old-style object URL forwards to the change page, which checks the permission.
        change = redirect(f"{base}{object_id}/change/")
        return url, {**NOT_STAFF, "staff": change, "superuser": change}
    allowed = 200
    if rest == "<path:object_id>/delete/" and not _may(model_admin, "delete", obj):
        allowed = 403
    return url, {**NOT_STAFF, "staff": 403, "superuser": allowed}


def is_admin(pattern: Pattern) -> bool:
    return pattern.route.startswith("admin/")


def uncovered(patterns) -> list[Pattern]:
    """The patterns with neither an entry in MATRIX nor an admin rule."""
    return [
        pattern
        for pattern in patterns
        if (is_admin(pattern) and admin_rule(pattern, None) is None)
        or (not is_admin(pattern) and pattern.key not in MATRIX)
    ]


# --- The checks -----------------------------------------------------------------------------------


def describe(response) -> str:
    location = response.get("Location")
    return f"{response.status_code}" + (f" → {location}" if location else "")


def meets(response, expected, url: str) -> bool:
    status, location = response.status_code, response.get("Location", "")
    sign_in = f"{reverse('account_login')}?next="
    admin_sign_in = f"{reverse('admin:login')}?next="
    if expected == LOGIN:
        return status == 302 and location.startswith(sign_in)
    if expected == ADMIN_LOGIN:
        return status == 302 and location.startswith((sign_in, admin_sign_in))
    if expected == ADMIN_LOGIN_PAGE:
        return status == 200 or (status == 302 and location.startswith(reverse("account_login")))
    if isinstance(expected, str) and expected.startswith("redirect:"):
        target = urlsplit(location)
        return (
            status == 302
            and target.netloc in ("", "testserver")
            and target.path.startswith(expected.removeprefix("redirect:"))
        )
    return status == expected


def close(response):
    """Read a streamed body (a CSV, a photo) to its end and close its file. Not response.close():
    its request_finished signal closes the database connection in the middle of the test."""
    if response.streaming:
        b"".join(response.streaming_content)
        if getattr(response, "file_to_stream", None) is not None:
            response.file_to_stream.close()


def _cases():
    for pattern in PATTERNS:
        if is_admin(pattern):
            roles = ADMIN_ROLES if admin_rule(pattern, None) else ("no-rule",)
        else:
            roles = ROLES if pattern.key in MATRIX else ("no-entry",)
        for role in roles:
            yield pytest.param(pattern, role, id=f"{pattern.key} as {role}")


@pytest.mark.parametrize(("pattern", "role"), list(_cases()))
def test_who_may_open_each_url(client, world, pattern, role):
    assert role not in ("no-entry", "no-rule"), (
        f"{pattern.route} ({pattern.name}) has no entry in the authorization matrix: add one to "
        "MATRIX in tests/test_authorization_matrix.py saying what each role gets"
    )
    if is_admin(pattern):
        url, expect = admin_rule(pattern, world, role)
        parties = "relationship"
    else:
        row = MATRIX[pattern.key]
        url, expect, parties = row.url(world), row.expect, row.parties
    user = world.user(role, parties)
    if user is not None:
        client.force_login(user)
    assert resolve(urlsplit(url).path).route == pattern.route.replace("/^", "/"), (
        f"{url} is not a URL of {pattern.route}"
    )

    response = client.get(url)
    close(response)

    assert meets(response, expect[role], url), (
        f"GET {url} as {role}: expected {expect[role]}, got {describe(response)}"
    )


def snapshot(world: World) -> dict:
    """The rows a refused POST must leave alone: everything but the outsider's own."""
    from mentoring.models import (
        CalendarFeed,
        CheckIn,
        Enrollment,
        MentoringRequest,
        Relationship,
        ShortlistEntry,
        TimelineEntry,
    )
    from notifications.models import EmailTemplate, OutgoingEmail, Preferences
    from program.models import ImportBatch, StaffAction

    everyone_but_outsider = [
        CalendarFeed.objects.exclude(user=world.outsider),
        Preferences.objects.exclude(user=world.outsider),
        Enrollment.objects.exclude(user=world.outsider),
    ]
    from cohorts.models import MatchingRound, RoundDecision, RoundOptIn, RoundPair

    tables = [
        MatchingRound.objects.all(),
        RoundDecision.objects.all(),
        RoundOptIn.objects.all(),
        RoundPair.objects.all(),
        MentoringRequest.objects.all(),
        Relationship.objects.all(),
        CheckIn.objects.all(),
        TimelineEntry.objects.all(),
        ShortlistEntry.objects.all(),
        OutgoingEmail.objects.all(),
        StaffAction.objects.all(),
        ImportBatch.objects.all(),
        EmailTemplate.objects.all(),
        *everyone_but_outsider,
    ]
    return {query.model.__name__: list(query.order_by("pk").values()) for query in tables}


POSTS = [
    pytest.param(key, role, id=f"{key} POST as {role}")
    for key, row in MATRIX.items()
    if row.post is not None
    for role in ("anonymous", "outsider")
]


@pytest.mark.parametrize(("key", "role"), POSTS)
def test_a_refused_post_changes_nothing(client, world, key, role):
    row = MATRIX[key]
    url = row.url(world)
    data = row.post(world) if callable(row.post) else row.post
    world.everything()
    if role == "outsider":
        client.force_login(world.outsider)
    before = snapshot(world)

    response = client.post(url, data)
    close(response)

    expected = LOGIN if role == "anonymous" else row.post_outsider
    assert meets(response, expected, url), (
        f"POST {url} as {role}: expected {expected}, got {describe(response)}"
    )
    assert snapshot(world) == before, f"POST {url} as {role} changed rows"


def test_every_entry_is_still_a_url():
    keys = {pattern.key for pattern in PATTERNS if not is_admin(pattern)}
    assert set(MATRIX) - keys == set()


def test_a_url_without_an_entry_is_caught():
    """What makes a URL added later fail the matrix: one outside the entries and the rules."""
    added = [
        Pattern("reports/<id:pk>/", "mentoring:new_page"),
        Pattern("admin/mentoring/relationship/<path:object_id>/export/", "admin:export"),
        Pattern("admin/tools/", "admin:tools"),
    ]

    assert uncovered(PATTERNS + added) == added
    assert uncovered(PATTERNS) == []


def test_every_named_url_is_a_distinct_entry():
    names = [
        pattern.name
        for pattern in PATTERNS
        if not is_admin(pattern) and pattern.route not in UNNAMED
    ]
    assert None not in names and len(names) == len(set(names))
