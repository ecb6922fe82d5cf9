"""Small pieces of member markup used on many pages, rendered in Python because a search page
shows twenty of each and the template engine's per-variable cost adds up."""

from html import escape

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from members import widgets
from members.models import last_active_phrase

register = template.Library()

AVATAR_PIXELS = {"full": 200, "thumb": 48}


@register.simple_tag
def avatar(profile, size="thumb", decorative=False):
    """The member's photo, or their initials on a colour of their own."""
    if profile.photo:
        pixels = AVATAR_PIXELS[size]
        return format_html(
            '<img class="avatar avatar-{}" src="{}" alt="{}" width="{}" height="{}" loading="lazy">',
            size,
            reverse("members:photo", args=[profile.user_id, size]),
            "" if decorative else f"Photo of {profile.full_name}",
            pixels,
            pixels,
        )
    if decorative:
        return format_html(
            '<span class="avatar avatar-{} avatar-initials" data-hue="{}" aria-hidden="true">{}</span>',
            size,
            hue_bucket(profile.avatar_hue),
            profile.initials,
        )
    return format_html(
        '<span class="avatar avatar-{} avatar-initials" data-hue="{}" role="img" '
        'aria-label="Initials of {}">{}</span>',
        size,
        hue_bucket(profile.avatar_hue),
        profile.full_name,
        profile.initials,
    )


def hue_bucket(hue: int) -> int:
    """The nearest of the 36 hues site.css has a rule for (data-hue 0 … 35, every 10°): the page's
    Content-Security-Policy allows no style attribute to carry the exact one."""
    return round(hue / 10) % 36


@register.simple_tag
def ribbons(items):
    """Mentor / Mentee ribbons, from members.extensions.ribbons_for()."""
    if not items:
        return ""
    entries = "".join(
        f'<li class="ribbon ribbon-{escape(r["kind"])}">{escape(r["label"])}</li>' for r in items
    )
    return mark_safe(f'<ul class="ribbons" aria-label="Mentoring roles">{entries}</ul>')  # noqa: S308


@register.filter
def last_active(when) -> str:
    return last_active_phrase(when)


@register.simple_tag
def option_labels(field):
    """A choice field's checkboxes or radio buttons, each in its label (members.widgets)."""
    return widgets.option_labels(field)
