"""Every page on a phone and on a desktop, for every kind of visitor: no page scrolls sideways,
and axe-core finds nothing serious.

WALK lists, for each kind of visitor (anonymous, a mentee, a mentor, program staff), the pages they
open, each named by its URL pattern; test_every_page_is_walked checks it against the URL resolver,
so that a page added later fails here until it is walked (or listed in NOT_PAGES with the reason it
is not a page: a file, a POST-only action, a redirect). The Django admin has its own stylesheet and
is left out. The rows behind the URLs are made through the service functions, with the long words a
real member brings (a long contact email, a web address in a message), which are what pushes a page
wider than a phone.

At 390×844 (a common phone) each page must fit its width: document.documentElement.scrollWidth <=
window.innerWidth. At 1280×900 too. On both, axe-core. Every failure names the page and the visitor.
Screenshots of each page land in var/screenshots/<test name>/.
"""

from functools import cached_property
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import resolve

from members.services import update_profile
from mentoring.services.enrollment import enroll
from mentoring.services.requests import accept_request, send_request
from notifications.emails import unsubscribe_url
from notifications.models import OutgoingEmail
from program import actions
from program.importing import create_batch
from tests.browser.pages import sign_in
from tests.test_authorization_matrix import url_patterns

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

LONG_EMAIL = "david.okafor.director-of-supply-chain@summit-health-partners.example.org"
LONG_URL = (
    "https://intranet.riverside-hospital.example.org/value-analysis/committee/charter-2025.pdf"
)

SIGN_IN = {
    "mentee": "maria@example.com",
    "mentor": "david@example.com",
    "staff": "pat@example.com",
}


class SignedLinks:
    """The signed links of the mentee's emails (unsubscribe, confirm the address, reset the
    password), for any world with a `mentee` (bench/pages.py's too)."""

    @cached_property
    def unsubscribe_path(self):
        return urlsplit(unsubscribe_url(self.mentee)).path

    def confirm_email_path(self):
        address = EmailAddress.objects.get(user=self.mentee)
        return f"/accounts/confirm-email/{EmailConfirmationHMAC(address).key}/"

    def reset_path(self):
        user = self.mentee
        key = f"{user_pk_to_url_str(user)}-{default_token_generator.make_token(user)}"
        return f"/accounts/password/reset/key/{key}/"


class World(SignedLinks):
    """The conftest cast and their rows: a mentee and a mentor in an active relationship, a
    request waiting for the mentor, one the mentee sent, a staff action, an import, a sent email."""

    def __init__(self, request):
        self._fixture = request.getfixturevalue
        self.mentee = self._fixture("enrolled_mentee")
        self.mentor = self._fixture("enrolled_mentor")
        self.staff = self._fixture("staff")
        option = self._fixture("option")
        make_member = self._fixture("make_member")
        negotiation = option("Leadership Skills", "Negotiation").pk

        def mentor(email, first, last):
            user = make_member(email, first, last, job_title="Director of Value Analysis")
            enroll(user, "mentor", option_ids=[negotiation], statement="Ask me.", max_mentees=2)
            return user

        self.ana = mentor("ana@example.com", "Ana", "Reyes")
        self.grace = mentor("grace@example.com", "Grace", "Hopper")
        update_profile(self.mentor.profile, fields={"contact_email": LONG_EMAIL})
        update_profile(
            self.mentee.profile,
            fields={
                "contact_email": "maria.santos-oliveira.value-analysis@riverside-hospital.example.org"
            },
        )
        # Sent before her request to David was accepted: My Relationships asks her about it.
        self.sent = send_request(
            self.mentee, self.ana, recipient_role="mentor", message=f"My plan: {LONG_URL}"
        )
        request = send_request(
            self.mentee, self.mentor, recipient_role="mentor", goals="Lead the committee."
        )
        self.relationship = accept_request(request.pk, self.mentor)
        requester = make_member("rui@example.com", "Rui", "Requester")
        enroll(requester, "mentee", option_ids=[negotiation], statement="Negotiating better.")
        self.pending = send_request(
            requester, self.mentor, recipient_role="mentor", message=f"Please see {LONG_URL}"
        )
        actions.pause_mentor(
            self.staff,
            "grace@example.com",
            reason="Asked by phone: she is travelling for the association's annual conference.",
        )
        enroll(self.grace, "mentor", option_ids=[negotiation], statement="Back.", max_mentees=2)
        csv = f"email,first_name,last_name\n{LONG_EMAIL},Nora,New\nnot-an-email,Cara,Lim\n"
        upload = SimpleUploadedFile("members.csv", csv.encode(), content_type="text/csv")
        self.batch = create_batch(upload, send_invitations=False, staff=self.staff)
        OutgoingEmail.objects.create(
            to=[LONG_EMAIL], subject="Maria Santos has asked you to be their mentor", body="Hi"
        )


# (who, URL pattern, the URL): every page each kind of visitor opens.
# Issue 15: E (webhooks). A webhook to a long address, with a delivery that failed for a long reason.
def webhook_with_log(world):
    from notifications import webhooks
    from notifications.models import WebhookDelivery, WebhookEndpoint

    endpoint = WebhookEndpoint.objects.first()
    if endpoint is None:
        endpoint = webhooks.create_endpoint(
            url=LONG_URL.replace(".pdf", "/webhooks/mentor-match-events?source=mentoring"),
            events=["member.enrolled", "request.answered", "relationship.started"],
            description="The association management system (AMS) at Riverside",
        )
        failed = webhooks.send_ping(endpoint.pk)
        WebhookDelivery.objects.filter(pk=failed.pk).update(
            status="failed",
            attempts=24,
            last_status_code=503,
            last_error="Gave up after 24 attempts. The last: The receiver answered 503 Service "
            "Unavailable: upstream-connect-error-or-disconnect-before-headers-reset",
        )
        webhooks.send_ping(endpoint.pk)
    return endpoint


def webhook_url(world, which):
    endpoint = webhook_with_log(world)
    return f"/staff/integrations/webhooks/{endpoint.pk}/" if which == "detail" else WEBHOOKS


WEBHOOKS = "/staff/integrations/webhooks/"


# Issue 15: B (API tokens). Each list with a long-named token and a revoked one.
def api_tokens(world, url):
    from integrations.models import ApiToken, Scope
    from integrations.services import create_token, revoke_token

    user = world.staff if url.startswith("/staff/") else world.mentee
    scopes = [Scope.REPORTS_READ, Scope.MEMBERS_WRITE] if user == world.staff else [Scope.ME]
    if not ApiToken.objects.filter(user=user).exists():
        name = "Riverside association management system nightly sync"
        create_token(user, name=name, scopes=scopes)
        old = create_token(user, name="Old spreadsheet export", scopes=scopes)[0]
        revoke_token(old.pk, by=user)
    return url


# Issue 16: C (a mentee's shortlist), with two mentors on it.
def shortlist_page(world):
    from mentoring.services.shortlist import add_to_shortlist

    for mentor in (world.ana, world.mentor):
        add_to_shortlist(world.mentee, mentor)
    return "/shortlist/"


COHORT = 500


# Issue 16: B (matching rounds). A round with a long name, run (the worker's task, called here), with
# a forbidden pair among its decisions.
def round_page(world, which=""):
    from cohorts import services
    from cohorts.models import MatchingRound
    from cohorts.pool import mentee_enrollments
    from cohorts.tasks import run_round_task
    from members.models import User

    found = MatchingRound.objects.first()
    if found is None:
        name = "Spring 2027 cohort of the Riverside supply-chain leadership programme"
        found = services.open_round(world.staff, name=name)
        # A cohort: the pool's first mentees opt in (all of them here; in bench/pages.py, 500 of
        # its 100,000 members' thousands, as a program's call for mentees gathers).
        services.update_parameters(found.pk, world.staff, opt_in_only=True)
        for user_id in mentee_enrollments().values_list("user_id", flat=True)[:COHORT]:
            services.opt_in(found.pk, User(pk=user_id))
        services.forbid_pair(
            found.pk, world.staff, mentee_id=found_mentee(), mentor_id=world.ana.pk
        )
        services.run_round(found.pk, world.staff)
        run_round_task.call(found.pk)
    return f"/staff/rounds/{found.pk}/{which}" if which is not None else "/staff/rounds/"


def found_mentee() -> int:
    """The first mentee of the round's pool (Rui here; a seeded member in bench/pages.py)."""
    from cohorts.pool import mentee_enrollments

    return mentee_enrollments().values_list("user_id", flat=True).first()


# Issue 16: E (mentees opt in to a round). Two rounds open to those who join, one with a long name.
# Maria has a mentor: her page says so, without buttons. Pat (staff) enrolls as a mentee and joins
# the long one: a Leave button and a Join button.
def rounds_to_join(world, member=None):
    from cohorts import services
    from cohorts.models import MatchingRound

    opened = list(MatchingRound.objects.filter(opt_in_only=True).order_by("pk"))
    if not opened:
        for name in (
            "Autumn 2027 cohort of the Riverside supply-chain leadership programme",
            "Spring 2028",
        ):
            found = services.open_round(world.staff, name=name)
            opened.append(services.update_parameters(found.pk, world.staff, opt_in_only=True))
    if member is not None and not member.enrollments.filter(role="mentee").exists():
        from mentoring.models import CriterionOption

        negotiation = CriterionOption.objects.get(
            category__name="Leadership Skills", label="Negotiation"
        ).pk
        enroll(member, "mentee", option_ids=[negotiation], statement="Learning to lead.")
        services.opt_in(opened[0].pk, member)
    return "/rounds/"


WALK = [
    ("anonymous", "home", lambda w: "/"),
    ("anonymous", "account_login", lambda w: "/accounts/login/"),
    ("anonymous", "account_signup", lambda w: "/accounts/signup/"),
    ("anonymous", "account_reset_password", lambda w: "/accounts/password/reset/"),
    ("anonymous", "account_reset_password_done", lambda w: "/accounts/password/reset/done/"),
    ("anonymous", "account_reset_password_from_key", lambda w: w.reset_path()),
    (
        "anonymous",
        "account_reset_password_from_key_done",
        lambda w: "/accounts/password/reset/key/done/",
    ),
    ("anonymous", "account_email_verification_sent", lambda w: "/accounts/confirm-email/"),
    ("anonymous", "account_confirm_email", lambda w: w.confirm_email_path()),
    ("anonymous", "account_inactive", lambda w: "/accounts/inactive/"),
    ("anonymous", "notifications:unsubscribe", lambda w: w.unsubscribe_path),
    ("mentee", "home", lambda w: "/"),
    ("mentee", "members:profile_edit", lambda w: "/profile/"),
    ("mentee", "members:directory", lambda w: "/members/"),
    ("mentee", "members:profile", lambda w: f"/members/{w.mentor.pk}/"),
    ("mentee", "mentoring:find_mentor", lambda w: "/find-a-mentor/"),
    ("mentee", "mentoring:find_mentee", lambda w: "/find-a-mentee/"),
    ("mentee", "mentoring:enroll", lambda w: "/enroll/mentee/"),
    ("mentee", "mentoring:enroll", lambda w: "/enroll/mentor/"),
    ("mentee", "mentoring:participation", lambda w: "/enroll/mentee/status/"),
    ("mentee", "mentoring:withdraw", lambda w: "/enroll/mentee/withdraw/"),
    ("mentee", "mentoring:send_request", lambda w: f"/request/mentor/{w.grace.pk}/"),
    ("mentee", "mentoring:relationships", lambda w: "/relationships/"),
    ("mentee", "mentoring:relationship", lambda w: f"/relationships/{w.relationship.pk}/"),
    ("mentee", "mentoring:complete", lambda w: f"/relationships/{w.relationship.pk}/complete/"),
    ("mentee", "mentoring:withdraw_request", lambda w: f"/requests/{w.sent.pk}/withdraw/"),
    ("mentee", "notifications:preferences", lambda w: "/notifications/preferences/"),
    ("mentee", "account_email", lambda w: "/accounts/email/"),
    ("mentee", "account_change_password", lambda w: "/accounts/password/change/"),
    ("mentee", "account_reauthenticate", lambda w: "/accounts/reauthenticate/"),
    (
        "mentee",
        "account_request_reauthentication_code",
        lambda w: "/accounts/reauthenticate/code/",
    ),
    ("mentee", "account_logout", lambda w: "/accounts/logout/"),
    ("mentor", "home", lambda w: "/"),
    ("mentor", "members:profile", lambda w: f"/members/{w.mentor.pk}/"),
    ("mentor", "members:directory", lambda w: "/members/?q=a"),
    ("mentor", "mentoring:find_mentee", lambda w: "/find-a-mentee/"),
    ("mentor", "mentoring:enroll", lambda w: "/enroll/mentor/"),
    ("mentor", "mentoring:participation", lambda w: "/enroll/mentor/status/"),
    ("mentor", "mentoring:withdraw", lambda w: "/enroll/mentor/withdraw/"),
    ("mentor", "mentoring:relationships", lambda w: "/relationships/"),
    ("mentor", "mentoring:accept", lambda w: f"/requests/{w.pending.pk}/accept/"),
    ("mentor", "mentoring:decline", lambda w: f"/requests/{w.pending.pk}/decline/"),
    ("mentor", "mentoring:relationship", lambda w: f"/relationships/{w.relationship.pk}/"),
    ("mentor", "mentoring:complete", lambda w: f"/relationships/{w.relationship.pk}/complete/"),
    ("staff", "home", lambda w: "/"),
    ("staff", "program:dashboard", lambda w: "/staff/"),
    ("staff", "program:actions", lambda w: "/staff/actions/"),
    ("staff", "program:request", lambda w: f"/staff/requests/{w.pending.pk}/"),
    ("staff", "program:relationship", lambda w: f"/staff/relationships/{w.relationship.pk}/"),
    ("staff", "program:outbox", lambda w: "/staff/sent-emails/"),
    ("staff", "program:reports", lambda w: "/staff/reports/"),
    ("staff", "program:report", lambda w: "/staff/reports/mentees/"),
    ("staff", "program:report", lambda w: "/staff/reports/mentors/"),
    ("staff", "program:report", lambda w: "/staff/reports/participants/"),
    ("staff", "program:report", lambda w: "/staff/reports/relationships/"),
    ("staff", "program:import", lambda w: "/staff/import/"),
    ("staff", "program:import_batch", lambda w: f"/staff/import/{w.batch.pk}/"),
    ("staff", "program:emails", lambda w: "/staff/emails/"),
    ("staff", "program:email_edit", lambda w: "/staff/emails/request_received/"),
    ("staff", "cohorts:rounds", lambda w: round_page(w, None)),
    ("staff", "cohorts:round", lambda w: round_page(w)),
    ("staff", "cohorts:publish", lambda w: round_page(w, "publish/")),
    # Issue 15: B (API tokens): with a token made and one revoked in each list.
    ("staff", "integrations:staff_tokens", lambda w: api_tokens(w, "/staff/integrations/")),
    ("mentee", "integrations:member_tokens", lambda w: api_tokens(w, "/account/api-tokens/")),
    # Issue 15: E (webhooks)
    ("staff", "integrations:webhooks", lambda w: webhook_url(w, "list")),
    ("staff", "integrations:webhook", lambda w: webhook_url(w, "detail")),
    # Issue 15: A (single sign-on, staff MFA). The sign-in page with the association's button,
    # the TOTP set-up and the refusals: tests/browser/test_sso.py, at both widths.
    ("mentee", "mfa_index", lambda w: "/accounts/2fa/"),
    ("mentee", "mfa_activate_totp", lambda w: "/accounts/2fa/totp/activate/"),
    ("mentee", "socialaccount_connections", lambda w: "/accounts/3rdparty/"),
    # Issue 16: C (a mentee's shortlist)
    ("mentee", "mentoring:shortlist", shortlist_page),
    # Issue 16: E (mentees opt in to a round)
    ("mentee", "rounds:list", rounds_to_join),
    ("staff", "rounds:list", lambda w: rounds_to_join(w, w.staff)),
    ("anonymous", "socialaccount_login_cancelled", lambda w: "/accounts/3rdparty/login/cancelled/"),
]

# URL patterns that are not pages, with the reason.
NOT_PAGES = {
    "health": "plain text or JSON for load balancers and monitoring",
    "health_web": "plain text or JSON for load balancers",
    "members:photo": "a JPEG",
    "mentoring:relationship_ics": "a calendar file",
    "mentoring:feed": "a calendar file",
    "program:report_csv": "a CSV download",
    "program:import_progress": "an htmx fragment, shown inside the import page",
    "mentoring:plan": "POST only (a form on the relationship page)",
    "mentoring:check_in": "POST only (a form on the relationship page)",
    "mentoring:extend": "POST only (a form on the relationship page)",
    "mentoring:new_feed_link": "POST only (a form on My Relationships)",
    "mentoring:reconsider_requests": "POST only (a form on My Relationships)",
    "program:pause": "POST only (a form on Requests and actions)",
    "program:accept": "POST only (a form on the staff request page)",
    "program:decline": "POST only (a form on the staff request page)",
    "program:end": "POST only (a form on the staff relationship page)",
    "program:resend": "POST only (a form on Sent emails)",
    "program:import_run": "POST only (a form on the import page)",
    "program:email_reset": "POST only (a form on the email template page)",
    # Issue 16: B (matching rounds)
    "cohorts:pairs_csv": "a CSV download",
    "cohorts:progress": "an htmx fragment, shown inside the round page",
    "cohorts:parameters": "POST only (a form on the round page)",
    "cohorts:run": "POST only (a form on the round page)",
    "cohorts:fix": "POST only (a button on the round page)",
    "cohorts:forbid": "POST only (a button on the round page)",
    "cohorts:remove_decision": "POST only (a button on the round page)",
    "account_set_password": "redirects to Change password (every member here has one)",
    "account_confirm_login_code": "redirects: sign-in by code is off",
    "account_confirm_reauthentication_code": "redirects without a code requested first",
    # Issue 15: B (API framework, reads, token pages)
    "integrations:staff_revoke": "POST only (a form on the Integrations page)",
    "integrations:member_revoke": "POST only (a form on the API tokens page)",
    "api_v1:openapi-view": "django-ninja's Swagger UI (its own page and stylesheet); "
    "tests/browser/test_api_tokens.py opens it",
    # Issue 15: E (webhooks)
    "integrations:webhook_active": "POST only (a form on the webhook page)",
    "integrations:webhook_ping": "POST only (a form on the webhook page)",
    "integrations:webhook_rotate": "POST only (a form on the webhook page; its answer is that page)",
    "integrations:webhook_delete": "POST only (a form on the webhook page)",
    "integrations:webhook_resend": "POST only (a form in the webhook's delivery log)",
    # Issue 16: E (mentees opt in to a round)
    "rounds:join": "POST only (a button on Matching rounds)",
    "rounds:leave": "POST only (a button on Matching rounds)",
    # Issue 16: C (a mentee's shortlist)
    "mentoring:shortlist_add": "POST only (a form on Find a Mentor's cards)",
    "mentoring:shortlist_remove": "POST only (a form on Find a Mentor's cards and My shortlist)",
    "mentoring:shortlist_move": "POST only (a form on My shortlist)",
    # Issue 15: A (single sign-on, staff MFA)
    "mfa_authenticate": "redirects without a sign-in halfway (tests/browser/test_sso.py walks it)",
    "mfa_reauthenticate": "redirects to the password's reauthentication without an authenticator",
    "mfa_deactivate_totp": "404 without an authenticator (a form on Two-factor authentication)",
    "mfa_view_recovery_codes": "404 without an authenticator",
    "mfa_generate_recovery_codes": "redirects to reauthenticate first",
    "mfa_download_recovery_codes": "a text file",
    "socialaccount_login_error": "answers 401 (Sign-in did not complete): test_sso.py, both widths",
    "socialaccount_signup": "redirects: the claims suffice, no sign-up form is ever needed",
    "openid_connect_login": "404 without OIDC_ISSUER; with it, tests/browser/test_sso.py",
    "openid_connect_callback": "the provider's redirect back; tests/browser/test_sso.py",
    "saml_acs": "POST from the IdP, redirects",
    "saml_finish_acs": "redirects (or the refusal page, walked in tests/browser/test_sso.py)",
    "saml_sls": "SAML single logout, redirects",
    "saml_metadata": "XML for the IdP",
    "saml_login": "redirects to the IdP",
    "accounts/social/login/cancelled/": "allauth's old address: a 301 to the new one",
    "accounts/social/login/error/": "allauth's old address: a 301 to the new one",
    "accounts/social/signup/": "allauth's old address: a 301 to the new one",
    "accounts/social/connections/": "allauth's old address: a 301 to the new one",
}

ROLES = ("anonymous", "mentee", "mentor", "staff")


def test_every_page_is_walked():
    # The REST API's operations answer JSON, not pages (integrations/tests walk them all, and
    # schemathesis): only its interactive documentation is a page.
    keys = {
        p.key
        for p in url_patterns()
        if not p.route.startswith("admin/")
        and (not p.key.startswith("api_v1:") or p.key == "api_v1:openapi-view")
    }
    walked = {key for _, key, _ in WALK}
    assert sorted(keys - walked - set(NOT_PAGES)) == [], "pages missing from WALK or NOT_PAGES"
    assert sorted((walked | set(NOT_PAGES)) - keys) == [], "no such URL pattern"
    assert not walked & set(NOT_PAGES)
    assert {who for who, _, _ in WALK} == set(ROLES)


# The elements that stick out past the right edge of the window, deepest first: what to fix.
SIDEWAYS = """() => {
  const width = window.innerWidth;
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.width && box.right > width + 0.5) {
      const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
        + (el.className && typeof el.className === "string"
           ? "." + el.className.trim().split(/\\s+/).join(".") : "");
      out.push(`${name} (right edge ${Math.round(box.right)})`);
    }
  }
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: width,
    culprits: out.slice(-4),
  };
}"""


def shot_name(url):
    """A screenshot's name from its URL, without ids or keys: /enroll/mentor/ → enroll-mentor."""
    words = [
        part
        for part in urlsplit(url).path.split("/")
        if part and not any(c.isdigit() for c in part)
    ]
    return "-".join(words[:3]) or "home"


def walk(role, viewport, page, request, screenshot, assert_accessible):
    """Open every page `role` opens at `viewport`; return what went wrong, page by page."""
    world = World(request)
    page.set_viewport_size(viewport)
    if role in SIGN_IN:
        sign_in(page, SIGN_IN[role])
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
    problems = []
    for who, key, url_of in WALK:
        if who != role:
            continue
        url = url_of(world)
        where = f"{url} ({key}) as {role} at {viewport['width']}px"
        assert resolve(urlsplit(url).path).view_name == key, where
        response = page.goto(url)
        if response.status != 200:
            problems.append(f"{where}: answered {response.status}")
            continue
        screenshot(page, f"{role}-{shot_name(url)}")
        width = page.evaluate(SIDEWAYS)
        if width["scrollWidth"] > width["innerWidth"]:
            problems.append(
                f"{where}: {width['scrollWidth']} px wide in a {width['innerWidth']} px window; "
                f"sticking out: {', '.join(width['culprits'])}"
            )
        try:
            assert_accessible(page)
        except AssertionError as error:
            problems.append(f"{where}: {error}")
    return problems


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ROLES)
def test_no_page_scrolls_sideways_on_a_phone(role, page, request, screenshot, assert_accessible):
    problems = walk(role, PHONE, page, request, screenshot, assert_accessible)
    assert not problems, "\n".join(problems)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ROLES)
def test_every_page_fits_and_passes_axe_on_a_desktop(
    role, page, request, screenshot, assert_accessible
):
    problems = walk(role, DESKTOP, page, request, screenshot, assert_accessible)
    assert not problems, "\n".join(problems)


@pytest.mark.django_db(transaction=True)
def test_the_phone_menu_opens_without_javascript(
    browser, live_server, enrolled_mentor, default_criteria, screenshot
):
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, java_script_enabled=False
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, "david@example.com")
    # Without JavaScript neither Playwright's waiting nor axe-core runs: each check looks once,
    # after the page has loaded (axe-core checks the open Menu in the next test).
    assert page.get_by_role("heading", name="Welcome back, David").is_visible()
    nav = page.get_by_role("navigation", name="Main")
    menu = nav.locator("summary")
    find = nav.get_by_role("link", name="Find a Mentee")

    # Closed: the brand and the Menu share one line; the links are out of sight.
    assert menu.inner_text() == "Menu"
    assert not find.is_visible()
    assert page.locator(".site-header").bounding_box()["height"] <= 72
    screenshot(page, "menu-closed")

    menu.click()
    assert find.is_visible()
    assert nav.get_by_role("link", name="Home").is_visible()
    assert nav.get_by_role("button", name="Sign out").is_visible()
    screenshot(page, "menu-open")
    find.click()
    assert page.get_by_role("heading", name="Find a Mentee").is_visible()

    # On a wide screen there is no Menu: the links stand in one row beside the brand.
    page.set_viewport_size(DESKTOP)
    assert not menu.is_visible()
    assert find.is_visible()
    assert page.locator(".site-header").bounding_box()["height"] <= 72
    screenshot(page, "desktop")
    context.close()


@pytest.mark.django_db(transaction=True)
def test_the_open_phone_menu_fits_and_passes_axe(
    page, enrolled_mentor, make_member, option, screenshot, assert_accessible
):
    requester = make_member("rui@example.com", "Rui", "Requester")
    enroll(requester, "mentee", option_ids=[option("Leadership Skills", "Negotiation").pk])
    send_request(requester, enrolled_mentor, recipient_role="mentor")
    page.set_viewport_size(PHONE)
    sign_in(page, "david@example.com")
    nav = page.get_by_role("navigation", name="Main")
    menu = nav.locator("summary")
    # The closed Menu says a request is waiting, as the hidden My Relationships link does.
    assert " ".join(menu.text_content().split()) == "Menu 1 awaiting your answer"
    assert menu.locator(".menu-count").is_visible()

    menu.click()
    nav.get_by_role("link", name="My Relationships 1 awaiting your answer").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)
    screenshot(page, "menu-open")
    menu.click()
    nav.get_by_role("link", name="Home").wait_for(state="hidden")
