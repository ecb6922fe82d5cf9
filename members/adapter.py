from allauth.account import app_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from members.models import User
from members.services import ensure_profile
from members.sso import may_use_password, sso_only
from notifications import links
from notifications.emails import absolute_url, program_name, time_zone_of

# The account links in emails (notifications/links.py): stored as markers, made fresh by the
# worker as each email leaves, so no stored email can be used to take an account over.
PASSWORD_RESET = "password reset"  # of a user: allauth's reset, and the import's invitation
EMAIL_CONFIRMATION = "email confirmation"  # of an email address


def password_reset_link(user) -> links.Link:
    return links.marker(PASSWORD_RESET, user.pk)


def password_reset_url(user_id: int, recipient: str) -> str | None:
    """allauth's link to choose a new password, for an active member and one of their addresses
    (a link never goes to an address the member has since removed)."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return None
    addresses = {
        user.email,
        *EmailAddress.objects.filter(user=user).values_list("email", flat=True),
    }
    if recipient.lower() not in {address.lower() for address in addresses}:
        return None
    path = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(user),
            "key": default_token_generator.make_token(user),
        },
    )
    return absolute_url(path)


def email_confirmation_url(address_id: int, recipient: str) -> str | None:
    """allauth's link to confirm an email address (HMAC keys: nothing stored), sent to that
    address only."""
    address = EmailAddress.objects.filter(pk=address_id).select_related("user").first()
    if address is None or address.email.lower() != recipient.lower():
        return None
    key = EmailConfirmationHMAC(address).key
    return absolute_url(reverse("account_confirm_email", args=[key]))


def register_account_links() -> None:
    links.register(PASSWORD_RESET, password_reset_url)
    links.register(EMAIL_CONFIRMATION, email_confirmation_url)


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # Under SSO_ONLY members join by signing in with the association (members.sso).
        return not sso_only()

    def save_user(self, request, user, form, commit=True):
        # Every account gets its profile the moment it is created.
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            ensure_profile(user)
        return user

    def send_password_reset_mail(self, user, email, context):
        if not may_use_password(user):
            return  # under SSO_ONLY a member's password signs in nowhere: no link to set one
        context = {**context, "password_reset_url": password_reset_link(user)}
        context.pop("key", None)  # the token itself: no template may print it
        return super().send_password_reset_mail(user, email, context)

    def send_confirmation_mail(self, request, emailconfirmation, signup):
        if app_settings.EMAIL_VERIFICATION_BY_CODE_ENABLED:
            # A code cannot be made again later; members.apps refuses this setting.
            return super().send_confirmation_mail(request, emailconfirmation, signup)
        address = emailconfirmation.email_address
        # allauth's context without "key": only the marker stands for the link.
        context = {
            "user": address.user,
            "activate_url": links.marker(EMAIL_CONFIRMATION, address.pk),
        }
        template = "email_confirmation_signup" if signup else "email_confirmation"
        self.send_mail(f"account/email/{template}", address.email, context)

    def send_mail(self, template_prefix, email, context):
        # Every account email (templates/account/email/) speaks for the program: its name and
        # the member's first name, never the site's host or a username; dates (a notification's
        # "when") in the recipient's own time zone, not in that of whoever made the request.
        member = _member(email, context.get("user"))
        profile = getattr(member, "profile", None)
        context = {
            **context,
            "program_name": program_name(),
            "site_url": settings.SITE_URL,
            "first_name": getattr(profile, "first_name", ""),
        }
        with timezone.override(time_zone_of(member)):
            return super().send_mail(template_prefix, email, context)

    def format_email_subject(self, subject):
        # In place of ACCOUNT_EMAIL_SUBJECT_PREFIX: the name staff gave the program.
        return f"{program_name()}: {subject}"

    def render_mail(self, template_prefix, email, context, headers=None):
        message = super().render_mail(template_prefix, email, context, headers=headers)
        return links.attach(message, links.links_in(context))


def _member(email, user=None):
    """The account an email goes to, read afresh with its profile (at sign-up the names were
    saved after the user object in hand was loaded); None for an address with no account."""
    members = User.objects.select_related("profile")
    if user is not None:
        return members.filter(pk=user.pk).first()
    return members.filter(email__iexact=email).first()
