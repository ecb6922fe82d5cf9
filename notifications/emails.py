"""Each email is a named trio of templates, `emails/<name>.subject.txt`, `.txt` and `.html`,
rendered here and handed to the site's email backend (which stores it and lets the background
worker send it, in the caller's transaction).

Two kinds: `send_templated` for news a member must have (a request answered, a relationship
started), always sent; `send_reminder` for reminders, which follow the member's preferences
(off, at once, or in a weekly digest) and carry a one-click unsubscribe.

An email to a member prints its dates and times in the member's own time zone (`time_zone_of`),
whoever's request caused it; to anyone else, in the site's TIME_ZONE.
"""

import logging
import zoneinfo
from datetime import timedelta, tzinfo

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Min
from django.template import Context
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from notifications import catalog
from notifications.models import DigestItem, Preferences

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "notifications.unsubscribe"
# How long an unsubscribe link works: long enough for an old reminder, not for ever (a link
# forwarded or left in an archive should not turn a member's reminders off years later).
UNSUBSCRIBE_MAX_AGE = timedelta(days=365)
DIGEST_EVERY = timedelta(days=7)


def absolute_url(path: str) -> str:
    """A link for an email: emails are read outside the site, so every link is absolute."""
    return f"{settings.SITE_URL}{path}"


DEFAULT_PROGRAM_NAME = "Mentor Match"
_program_name_source = None


def register_program_name(source) -> None:
    """The app that keeps the program's settings says where its name comes from (mentoring, in
    MentoringConfig.ready()): notifications imports no app above it."""
    global _program_name_source
    _program_name_source = source


def program_name() -> str:
    """The program's name as staff set it ("AHRMM Mentor Match"), for every email's layout and
    subject line (account emails too: members.adapter)."""
    return _program_name_source() if _program_name_source else DEFAULT_PROGRAM_NAME


def time_zone_of(member) -> tzinfo:
    """The zone a member reads dates and times in: the one on their profile, else the site's
    TIME_ZONE (also for a visitor, or an address that is no member's). members.middleware uses
    it for pages. Read as `member.profile.time_zone`, so that notifications imports no members."""
    name = getattr(getattr(member, "profile", None), "time_zone", "")
    if name:
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass  # a zone the system's database no longer has: the site's, not an error page
    return timezone.get_default_timezone()


def _member_at(address: str):
    """The member whose account address this is, if any (with their profile, for the zone)."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(email__iexact=address).select_related("profile").first()


def _email_context(context: dict, fragment: bool) -> dict:
    return {
        "site_url": settings.SITE_URL,
        "program_name": program_name(),
        "preferences_url": absolute_url(reverse("notifications:preferences")),
        "html_layout": "emails/fragment.html" if fragment else "emails/base.html",
        "text_layout": "emails/fragment.txt" if fragment else "emails/base.txt",
        **context,
    }


def render(
    name: str, context: dict, *, fragment: bool = False, recipient=None
) -> tuple[str, str, str]:
    """(subject, text, html) of the named trio; a fragment leaves out the layout, for a digest.
    A staff-edited version of the email, if any, replaces the trio. Dates and times print in the
    recipient's time zone (the site's when there is no recipient member)."""
    with timezone.override(time_zone_of(recipient)):
        return _render(name, context, fragment=fragment)


def _render(name: str, context: dict, *, fragment: bool) -> tuple[str, str, str]:
    edited = catalog.edited(name)
    if edited is not None:
        try:
            return render_edited(name, edited.subject, edited.body, context, fragment=fragment)
        except Exception:
            # A member must still hear the news: a broken edit falls back to the default.
            logger.exception("The edited email %r does not render; sending the default", name)
    context = _email_context(context, fragment)
    subject = " ".join(render_to_string(f"emails/{name}.subject.txt", context).split())
    return (
        subject,
        render_to_string(f"emails/{name}.txt", context),
        render_to_string(f"emails/{name}.html", context),
    )


def render_edited(
    name: str, subject: str, body: str, context: dict, *, fragment: bool = False
) -> tuple[str, str, str]:
    """(subject, text, html) of a staff-edited subject and plain-text body, checked against the
    email's placeholders (notifications/catalog.py). The HTML is the text, escaped, with its
    links made clickable and its blank lines made paragraphs, in the usual layout."""
    subject_template, body_template = catalog.compile_edited(name, subject, body)
    context = _email_context(context, fragment)
    subject = " ".join(subject_template.render(Context(context, autoescape=False)).split())
    text = body_template.render(Context(context, autoescape=False)).strip()
    layout_context = {**context, "edited_subject": subject, "edited_text": text}
    return (
        subject,
        render_to_string("emails/override.txt", layout_context),
        render_to_string("emails/override.html", layout_context),
    )


def _send(to, subject, text, html, *, reply_to="", headers=None):
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[to],
        reply_to=[reply_to] if reply_to else [],
        headers=headers or {},
    )
    message.attach_alternative(html, "text/html")
    message.send()


def send_templated(name: str, to, context: dict, *, reply_to: str = "") -> None:
    """`to`: the member (a user), or an address; a member's address is read in their zone."""
    recipient = _member_at(to) if isinstance(to, str) else to
    subject, text, html = render(name, context, recipient=recipient)
    _send(to if isinstance(to, str) else to.email, subject, text, html, reply_to=reply_to)


def unsubscribe_url(user) -> str:
    # signing.dumps() timestamps the token: it expires after UNSUBSCRIBE_MAX_AGE.
    token = signing.dumps(user.pk, salt=UNSUBSCRIBE_SALT)
    return absolute_url(reverse("notifications:unsubscribe", args=[token]))


def user_from_unsubscribe_token(token: str):
    """The member a signed unsubscribe link names, or None for a forged or mangled one. A link
    older than UNSUBSCRIBE_MAX_AGE raises signing.SignatureExpired."""
    from django.contrib.auth import get_user_model

    try:
        user_id = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=UNSUBSCRIBE_MAX_AGE)
    except signing.SignatureExpired:
        raise
    except signing.BadSignature:
        return None
    return get_user_model().objects.filter(pk=user_id).first()


def send_reminder(user, name: str, context: dict) -> str:
    """A reminder, as the member wants it: "off", "digest" (kept for the weekly digest) or "sent"."""
    preferences = Preferences.of(user)
    if not preferences.reminders:
        return "off"
    context = {**context, "unsubscribe_url": unsubscribe_url(user), "is_reminder": True}
    if preferences.frequency == Preferences.Frequency.WEEKLY:
        subject, text, html = render(name, context, fragment=True, recipient=user)
        DigestItem.objects.create(user=user, subject=subject, body=text, html=html)
        return "digest"
    subject, text, html = render(name, context, recipient=user)
    _send(user.email, subject, text, html, headers=_unsubscribe_headers(context))
    return "sent"


def _unsubscribe_headers(context):
    # RFC 8058 one-click: mail clients POST to the link; it turns reminders off.
    return {
        "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def send_due_digests(now=None) -> int:
    """One email a week per member on the weekly digest: due a week after their last digest (or,
    for a first digest, a week after its oldest reminder). Claimed with a conditional update, so
    two runs at once send each digest once."""
    now = now or timezone.now()
    sent = 0
    oldest = dict(
        DigestItem.objects.values("user_id")
        .annotate(oldest=Min("created_at"))
        .values_list("user_id", "oldest")
    )
    for preferences in Preferences.objects.filter(user_id__in=list(oldest)).select_related("user"):
        last = preferences.digest_sent_at
        if (last or oldest[preferences.user_id]) > now - DIGEST_EVERY:
            continue
        with transaction.atomic():
            claimed = Preferences.objects.filter(pk=preferences.pk, digest_sent_at=last).update(
                digest_sent_at=now
            )
            if not claimed:
                continue
            items = list(DigestItem.objects.filter(user_id=preferences.user_id))
            if not items:
                continue
            if preferences.reminders:
                context = {"items": items, "unsubscribe_url": unsubscribe_url(preferences.user)}
                subject, text, html = render("digest", context, recipient=preferences.user)
                _send(
                    preferences.user.email,
                    subject,
                    text,
                    html,
                    headers=_unsubscribe_headers(context),
                )
                sent += 1
            DigestItem.objects.filter(pk__in=[item.pk for item in items]).delete()
    return sent
