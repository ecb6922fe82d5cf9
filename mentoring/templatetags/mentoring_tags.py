"""The search page's long lists, rendered in Python with the standard library's html.escape: Find
a Mentor shows some 60 criterion options, as many places and 20 result rows, and per-item template
or format_html() work would cost more than the search itself (see docs/benchmarks.md)."""

from html import escape

from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe

from members.templatetags.members_tags import avatar, ribbons

register = template.Library()


@register.simple_tag
def facet_fieldsets(form, facets):
    """One fieldset per criterion category: a checkbox per option with its result count."""
    parts = []
    for category in form.categories:
        parts.append(f'<fieldset class="facet"><legend>{escape(category.name)}</legend>')
        for option in category.active_options:
            checked = " checked" if option.pk in form.selected else ""
            parts.append(
                f'<div class="facet-option"><input type="checkbox" id="o{option.pk}" name="o" '
                f'value="{option.pk}"{checked}><label for="o{option.pk}">{escape(option.label)} '
                f'<span class="count">({facets.get(option.pk, 0)})</span></label></div>'
            )
        parts.append("</fieldset>")
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped or a number


@register.simple_tag
def select_options(choices, selected):
    """<option> elements for (value, label) pairs, with `selected` marked."""
    return mark_safe(  # noqa: S308 - values and labels are escaped
        "".join(
            f'<option value="{escape(str(value))}"{" selected" if value == selected else ""}>'
            f"{escape(str(label))}</option>"
            for value, label in choices
        )
    )


def badge(role, label, name, href, pending):
    """The Mentor/Mentee badge under a member's photo (the FAQ's), as the action it is: "Request
    as mentor", with an accessible name that begins with that visible text (WCAG 2.5.3); greyed
    without `href` (no open place). While a request between the two waits for an answer, that
    request instead: "Request sent · 3 days ago · Withdraw", or "Asked you · … · Answer"."""
    who = escape(name)
    if pending:
        if pending["sent"]:
            what, act, whose = "Request sent", "Withdraw", f" your request to {who}"
        else:
            what, act, whose = "Asked you", "Answer", f" the request from {who}"
        return (
            f'<p class="request-pending">{what} · {escape(pending["ago"])} · '
            f'<a href="{escape(pending["url"])}">{act}<span class="visually-hidden">{whose}</span></a></p>'
        )
    text = f"Request as {escape(label.lower())}"
    if not href:
        return f'<span class="role-badge role-badge-disabled" aria-disabled="true">{text}</span>'
    return (
        f'<a class="role-badge role-badge-{escape(role)}" href="{escape(href)}" '
        f'aria-label="{text}: {who}">{text}</a>'
    )


@register.simple_tag
def request_badge(action):
    """badge() for an action from mentoring.profile (the profile page)."""
    return mark_safe(  # noqa: S308 - badge() escapes every value
        badge(action["role"], action["label"], action["name"], action["href"], action["pending"])
    )


@register.simple_tag
def result_rows(rows, target_role, target_label):
    """The result list's rows (prepared by views.result_rows), each with the badge under the
    photo."""
    request_url = reverse("mentoring:send_request", args=[target_role, 987654321])
    parts = []
    for row in rows:
        href = request_url.replace("987654321", str(row["profile"].user_id))
        action = badge(
            target_role, target_label, row["name"], href if row["has_place"] else "", row["pending"]
        )
        where = " · ".join(p for p in (row["location"], row["last_active"]) if p)
        location = f'<div class="muted">{escape(where)}</div>' if where else ""
        places = ""
        if row["places"]:
            css = "places" if row["has_place"] else "places places-full"
            places = f'<p class="{css}">{escape(row["places"])}</p>'
        parts.append(
            f'<li class="result"><div class="result-photo">{avatar(row["profile"], "thumb", True)}{action}</div>'
            f'<div class="result-body"><a class="member-name" href="{escape(row["url"])}">{escape(row["name"])}</a>'
            f'{ribbons(row["ribbons"])}<div class="muted">{escape(row["subtitle"])}</div>{location}'
            f'<p class="explanation">{escape(row["explanation"])}</p>{places}</div>'
            # The score is a percentage of what the searcher asked for (mentoring/matching.py).
            f'<div class="score" aria-label="{row["score"]} % match">'
            f'<span class="score-number">{row["score"]}<span class="score-unit">&nbsp;%</span></span>'
            f'<span class="score-label">match</span></div></li>'
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped or a number
