"""Path converters that accept only what a real URL of this site can hold, so that anything else is
a 404 before a view runs or a query is made.

Django's `int` accepts any number of digits, and the database then fails on one it cannot hold
(OverflowError on SQLite, DataError on PostgreSQL): a 500. Its `str` accepts anything but a slash,
NUL bytes included, which PostgreSQL refuses in a text lookup: a 500 again. A converter whose
`to_python` raises ValueError makes the pattern not match, and the URL answers 404.

Registered here, on import, under the names the urls.py files use: `<id:pk>`, `<role:role>`,
`<photo_size:size>`, `<feed_token:token>`, `<signed_token:token>`,
`<external_id:external_id>`; the API's paths use them too (`{id:member_id}`).
"""

from django.urls import register_converter

# The largest value of a BigAutoField (a signed 64-bit integer), and so of every id here.
MAX_ID = 2**63 - 1


class IdConverter:
    """A row id: 1 to 19 digits, at most MAX_ID."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValueError(f"{value} is past the largest id")
        return number

    def to_url(self, value) -> str:
        return str(value)


class _ExactConverter:
    """A string the regex alone decides; it is passed to the view unchanged."""

    regex: str

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)


class RoleConverter(_ExactConverter):
    # mentoring.models.Role's values; a test keeps the two equal.
    regex = "mentor|mentee"


class PhotoSizeConverter(_ExactConverter):
    # The sizes a profile photo is stored in (members.views.photo); a test keeps them equal.
    regex = "full|thumb"


class FeedTokenConverter(_ExactConverter):
    # mentoring.models.new_feed_token: secrets.token_urlsafe(24), 32 URL-safe base64 characters.
    regex = "[A-Za-z0-9_-]{32}"


class SignedTokenConverter(_ExactConverter):
    # django.core.signing.dumps(): URL-safe base64 parts joined by ":". An unsubscribe token is
    # about 60 characters; 200 leaves room and refuses a 10,000-character one unread.
    regex = "[A-Za-z0-9_:-]{1,200}"


class ExternalIdConverter(_ExactConverter):
    # A member's ID in the association's member system (Profile.external_id). Anything it could be
    # mistyped as, up to 100 characters, reaches the API, which names what is wrong (a 422); a NUL
    # byte, a slash or a longer value is no address here.
    regex = "[^/\x00]{1,100}"


register_converter(IdConverter, "id")
register_converter(RoleConverter, "role")
register_converter(PhotoSizeConverter, "photo_size")
register_converter(FeedTokenConverter, "feed_token")
register_converter(SignedTokenConverter, "signed_token")
register_converter(ExternalIdConverter, "external_id")


def is_row_id(value) -> bool:
    """Whether `value` (a URL's text) can be a row id: what IdConverter accepts."""
    text = str(value)
    return text.isascii() and text.isdigit() and 0 < len(text) <= 19 and int(text) <= MAX_ID


class AdminIdsInRange:
    """For a ModelAdmin whose primary key is a one-to-one field (the member's id): the admin's own
    URLs take any text as the object id, and an id past MAX_ID fails in the database (SQLite:
    OverflowError, a 500). Such an id is simply no object, as the admin says for unknown ids."""

    def get_object(self, request, object_id, from_field=None):
        if from_field is None and not is_row_id(object_id):
            return None
        return super().get_object(request, object_id, from_field)
