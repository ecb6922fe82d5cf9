"""What a member types as their name must read as written: no invisible-only names, no text that
reorders itself. One rule for every way a name arrives (sign-up, profile, member import)."""

import unicodedata

# Characters that change the direction of the text around them: a right-to-left override turns
# "Maria" into what looks like another name, in lists and in emails. Always removed.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# Letters that draw nothing although Unicode counts them as letters (Hangul fillers, braille blank).
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")

NAME_IS_BLANK = "Please enter a name we can show: it has no visible letters."


def without_bidi_controls(text: str) -> str:
    return "".join(char for char in text if char not in BIDI_CONTROLS)


def is_visible(char: str) -> bool:
    category = unicodedata.category(char)
    # Cf: format characters (zero-width space, joiners, BOM, soft hyphen); Cc: controls;
    # Z*: spaces and separators; M*: marks, which draw only on a letter before them.
    return not (category in ("Cf", "Cc", "Zs", "Zl", "Zp", "Mn", "Me") or char in BLANK_LETTERS)


def clean_name(text: str) -> str:
    """The name without bidi controls and surrounding space; ValueError(NAME_IS_BLANK) when nothing
    visible is left. Joiners inside a name are kept: some scripts need them."""
    text = without_bidi_controls(text).strip()
    if not any(is_visible(char) for char in text):
        raise ValueError(NAME_IS_BLANK)
    return text


def search_text(value: str, max_length: int = 100) -> str:
    """What a member or staff typed into a search box, safe to look up: PostgreSQL refuses a NUL
    byte in a text lookup (a 500), and no search needs more than `max_length` characters."""
    return value.replace("\x00", "").strip()[:max_length]
