"""Account links (choose a password, confirm an email address) are never stored.

Whoever holds such a link can take the account over, and stored emails are read by staff in the
admin and kept in backups. So an email carries a readable marker in their place,
"[account link: password reset #42]", and the worker turns each marker into a fresh link at the
moment it sends (notifications.delivery.deliver_email); a resent email gets a fresh link too.

Only markers the sending code put there are filled: the sender hands its `Link`s to `attach()`,
which records them on the message and the stored row. A marker typed into a member's message or
name is plain text and stays so. A link is made only for the email's single recipient, and only
while the maker agrees that the address is still the account's.

This module knows nothing of accounts: `members` registers how to make each kind of link.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail.message import EmailAlternative
from django.utils.html import escape
from django.utils.module_loading import import_string

# Where a link cannot be made (the account or the address is gone): the text says so.
NO_LONGER_VALID = "(this link is no longer valid: ask the site for a new one)"

# The message attribute that carries a message's links from the sender to the queue.
_ATTRIBUTE = "notifications_links"

# make_url(object_id, recipient) -> an absolute URL, or None when no link may be made.
_makers: dict[str, Callable[[int, str], str | None]] = {}

_MARKER = r"\[account link: (?P<kind>[a-z][a-z ]*[a-z]) #(?P<object_id>\d+)\]"
_TEXT_MARKER = re.compile(_MARKER, re.IGNORECASE)
# In HTML a marker is either an attribute's value (href="…") or text, made a link when filled.
_HTML_MARKER = re.compile(rf'(?P<attribute>=")?{_MARKER}', re.IGNORECASE)


@dataclass(frozen=True)
class Link:
    """An account link in an email's context: renders as its marker."""

    kind: str
    object_id: int

    def __str__(self):
        return f"[account link: {self.kind} #{self.object_id}]"

    @property
    def reference(self) -> list:
        """How a stored email names the link: JSON-friendly."""
        return [self.kind, self.object_id]


def register(kind: str, make_url: Callable[[int, str], str | None]) -> None:
    """Teach the worker to make links of `kind` (lower-case words, e.g. "password reset").
    `make_url(object_id, recipient)` returns a fresh absolute URL, or None if the object is gone
    or `recipient` is no longer an address of its account."""
    if not re.fullmatch(r"[a-z][a-z ]*[a-z]", kind):
        raise ValueError(f"A link kind is lower-case words: {kind!r}")
    _makers[kind] = make_url


def marker(kind: str, object_id: int) -> Link:
    """What an email's context holds in place of an account link."""
    if kind not in _makers:
        raise LookupError(f"No account link of kind {kind!r} is registered.")
    return Link(kind, int(object_id))


def links_in(context: dict) -> list[Link]:
    """The account links among a context's values."""
    return [value for value in context.values() if isinstance(value, Link)]


def attach(message, links: Iterable[Link]):
    """Make `message` carry its account links. The site's queue (a backend that says
    `keeps_link_markers`) stores the markers and the worker fills them when it sends; any other
    backend (the test suite's, or a console backend set directly) gets the links filled now."""
    references = [link.reference for link in links]
    if not references:
        return message
    backend = message.connection or import_string(settings.EMAIL_BACKEND)
    if getattr(backend, "keeps_link_markers", False):
        setattr(message, _ATTRIBUTE, references)
        return message
    urls = make_urls(references, message.to)
    message.body = fill(message.body, urls)
    message.alternatives = [
        EmailAlternative(fill(content, urls, html=mimetype == "text/html"), mimetype)
        for content, mimetype in getattr(message, "alternatives", [])
    ]
    return message


def attached(message) -> list:
    """The references `attach()` recorded on a message: what its stored row may fill."""
    return list(getattr(message, _ATTRIBUTE, []))


def make_urls(references: Iterable, to: list[str]) -> dict[tuple[str, int], str | None]:
    """A fresh URL for each reference, made once, so the text and the HTML carry the same link.
    An account link belongs to one person: an email to several addresses gets none."""
    recipient = to[0] if len(to) == 1 else None
    urls = {}
    for kind, object_id in references:
        make_url = _makers.get(kind)
        urls[(kind, int(object_id))] = (
            make_url(int(object_id), recipient) if make_url and recipient else None
        )
    return urls


def fill(text: str, urls: dict[tuple[str, int], str | None], *, html: bool = False) -> str:
    """`text` with each marker in `urls` replaced by its link; other markers are left as text."""
    if not urls or not text:
        return text

    def replace(match):
        key = (match["kind"].lower(), int(match["object_id"]))
        if key not in urls:
            return match[0]
        url = urls[key]
        if not html:
            return url or NO_LONGER_VALID
        if match["attribute"]:
            return f'="{escape(url or "")}'
        if url is None:
            return escape(NO_LONGER_VALID)
        return f'<a href="{escape(url)}">{escape(url)}</a>'

    return (_HTML_MARKER if html else _TEXT_MARKER).sub(replace, text)
