"""Single sign-on with the association's own login: OpenID Connect or SAML 2.0 through allauth.

The rules, each checked here once for both protocols:
- every sign-in must carry the required claim (OIDC_REQUIRED_CLAIM / SAML_REQUIRED_ATTRIBUTE), or
  it is refused before anything is created, linked or updated, however often the member signed
  in before;
- a first sign-in joins the account whose address *we* verified and the provider says is verified,
  and never one whose address nobody verified (someone may have signed up with another's address
  to wait for them: pre-hijacking); an unverified address from the provider is refused;
- a new member gets a profile named from the claims, as one who signs up with a password;
- under SSO_ONLY members have no password sign-up or sign-in: only those SSO_PASSWORD_USERS names
  (program staff) sign in with a password.
"""

from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.models import EmailAddress
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django import forms
from django.conf import settings
from django.db import transaction
from django.shortcuts import render
from django.utils.module_loading import import_string

from members.models import User
from members.services import ensure_profile
from members.text import clean_name
from notifications.emails import program_name

NAME_MAX_LENGTH = 80  # Profile.first_name / last_name

NOT_A_MEMBER = (
    "Your association membership is not active, so you cannot sign in to {program}. If you have "
    "renewed recently, try again later or contact the association."
)
EMAIL_NOT_VERIFIED = (
    "Your association account does not confirm your email address, so we cannot tell that it is "
    "yours. Confirm the address with the association, then sign in again."
)
NO_EMAIL = (
    "Your association account did not share an email address with us, and {program} needs one "
    "to send you your requests. Ask the association to share it, then sign in again."
)
ADDRESS_UNCONFIRMED = (
    "An account with the address {email} exists here, but its address was never confirmed, so "
    "we cannot tell it is yours and have not joined it to your association account. Confirm the "
    "address from the email we sent when the account was made, or ask program staff for help."
)
PASSWORD_SIGN_IN_OFF = (
    "Members sign in with their association account: use the button above. "
    "A password here is for program staff only."
)


def sso_only() -> bool:
    return settings.SSO_ONLY


def may_use_password(user) -> bool:
    """Under SSO_ONLY only staff sign in with a password (program.access defines staff)."""
    return not sso_only() or import_string(settings.SSO_PASSWORD_USERS)(user)


def claims(sociallogin) -> dict:
    """What the provider said about the member, one dict for either protocol: OIDC's ID token
    and user info (the latter wins, as in allauth), SAML's attributes (each a list of values)."""
    data = sociallogin.account.extra_data or {}
    if sociallogin.provider.id == "saml":
        return dict(data)
    merged = {}
    for part in ("id_token", "userinfo"):
        if isinstance(data.get(part), dict):
            merged.update(data[part])
    return merged or dict(data)


def required_claim(sociallogin) -> tuple[str, str] | None:
    setting = (
        settings.SAML_REQUIRED_ATTRIBUTE
        if sociallogin.provider.id == "saml"
        else settings.OIDC_REQUIRED_CLAIM
    )
    if not setting:
        return None
    name, _, value = setting.partition(":")
    return name.strip(), value.strip()


def has_required_claim(sociallogin) -> bool:
    required = required_claim(sociallogin)
    if required is None:
        return True
    name, value = required
    found = claims(sociallogin).get(name)
    values = found if isinstance(found, list) else [found]
    return any(str(item) == value for item in values if item is not None)


def _name(text) -> str:
    if not isinstance(text, str):
        return ""
    try:
        return clean_name(text)[:NAME_MAX_LENGTH].strip()
    except ValueError:
        return ""


def names_from(data: dict) -> tuple[str, str]:
    """The first and last name from allauth's common fields (OIDC: given_name and family_name,
    else name split at its first space; SAML: the mapped attributes)."""
    first, last = _name(data.get("first_name")), _name(data.get("last_name"))
    if not (first or last):
        first, _, last = (_name(data.get("name")) or "").partition(" ")
    return _name(first), _name(last)


def refuse(request, message: str, **values):
    """Stop the sign-in with a page saying why (nothing has been saved by then)."""
    text = message.format(program=program_name(), **values)
    response = render(request, "socialaccount/refused.html", {"message": text}, status=403)
    raise ImmediateHttpResponse(response)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def populate_user(self, request, sociallogin, data):
        # Called for every sign-in as the provider's answer is read, before allauth looks up,
        # updates or links any account: the place to refuse without changing anything.
        if not has_required_claim(sociallogin):
            refuse(request, NOT_A_MEMBER)
        user = super().populate_user(request, sociallogin, data)
        user._sso_names = names_from(data)
        return user

    def authenticate_by_email(self, sociallogin):
        """An address the provider verified signs in to the account with the same address only
        when we verified it too (allauth would also take an unverified one)."""
        for address in sociallogin.email_addresses:
            if not address.verified:
                continue
            ours = (
                EmailAddress.objects.filter(email__iexact=address.email, verified=True)
                .select_related("user")
                .first()
            )
            if ours is not None and ours.user.is_active:
                return ours.user, address.email
        return None

    def pre_social_login(self, request, sociallogin):
        if sociallogin.is_existing:
            return  # connected before, or just found by an address verified on both sides
        email = sociallogin.user.email
        if not email:
            refuse(request, NO_EMAIL)
        verified = any(
            a.verified and a.email.lower() == email.lower() for a in sociallogin.email_addresses
        )
        if not verified:
            refuse(request, EMAIL_NOT_VERIFIED)
        if (
            EmailAddress.objects.filter(email__iexact=email).exists()
            or User.objects.filter(email__iexact=email).exists()
        ):
            refuse(request, ADDRESS_UNCONFIRMED, email=email)

    def is_open_for_signup(self, request, sociallogin):
        # Joining through the association stays open under SSO_ONLY (which closes only the
        # password sign-up).
        return True

    @transaction.atomic
    def save_user(self, request, sociallogin, form=None):
        user = super().save_user(request, sociallogin, form=form)
        first, last = getattr(user, "_sso_names", ("", ""))
        profile = ensure_profile(user)
        profile.first_name, profile.last_name = first, last
        profile.save(update_fields=["first_name", "last_name"])
        return user


class LoginForm(AllauthLoginForm):
    """allauth's sign-in form; under SSO_ONLY a member's right password is still refused."""

    def clean(self):
        cleaned_data = super().clean()
        if self.user is not None and not may_use_password(self.user):
            self.user = None
            raise forms.ValidationError(PASSWORD_SIGN_IN_OFF, code="sso_only")
        return cleaned_data


SAML_PATHS = "/accounts/saml/"


def saml_errors(get_response):
    """Two ways allauth's SAML views answer 500, answered as any other failed sign-in: a
    SAMLResponse that is not XML at all, and a request without a Host header (HTTP/1.0), which
    python3-saml reads itself; Django knows the host from SERVER_NAME (checked by ALLOWED_HOSTS)."""
    from lxml.etree import XMLSyntaxError

    def middleware(request):
        if request.path.startswith(SAML_PATHS) and "HTTP_HOST" not in request.META:
            request.META["HTTP_HOST"] = request.get_host()
        return get_response(request)

    def process_exception(request, exception):
        if isinstance(exception, XMLSyntaxError) and request.path.startswith(SAML_PATHS):
            return render(request, "socialaccount/authentication_error.html", status=400)
        return None

    middleware.process_exception = process_exception
    return middleware
