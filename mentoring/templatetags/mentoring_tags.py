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


def shortlist_button(row_shortlist, mentor_id, name, *, csrf_token, next_url, error=""):
    """A mentor's card on Find a Mentor, for a searcher enrolled as a mentee: "Add to my
    shortlist", or "On your shortlist (2 of 5) · Remove". A POST form that works without
    JavaScript (the view redirects to `next_url`); with htmx it swaps itself for the new state,
    which mentoring.shortlist_views renders with this same function. `row_shortlist` is
    {"rank": the mentor's rank or None, "count": how many the shortlist holds, "max": its size}."""
    rank, count, most = row_shortlist["rank"], row_shortlist["count"], row_shortlist["max"]
    who = escape(name)
    hidden = (
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(str(csrf_token))}">'
        f'<input type="hidden" name="next" value="{escape(next_url)}">'
    )
    swap = 'hx-target="closest .shortlist-action" hx-swap="outerHTML"'
    alert = f'<p class="shortlist-error" role="alert">{escape(error)}</p>' if error else ""
    if rank:
        url = reverse("mentoring:shortlist_remove", args=[mentor_id])
        body = (
            f'<form method="post" action="{url}" hx-post="{url}" {swap}>{hidden}'
            f'<p class="on-shortlist">On your shortlist ({rank} of {most}) · '
            f'<button type="submit" class="link-button" '
            f'aria-label="Remove {who} from your shortlist">Remove</button></p></form>'
        )
    elif count >= most:
        body = (
            f'<p class="muted on-shortlist">Your shortlist is full ({count} of {most}) · '
            f'<a href="{reverse("mentoring:shortlist")}">Change it</a></p>'
        )
    else:
        url = reverse("mentoring:shortlist_add", args=[mentor_id])
        body = (
            f'<form method="post" action="{url}" hx-post="{url}" {swap}>{hidden}'
            f'<button type="submit" class="button button-secondary button-small" '
            f'aria-label="Add to my shortlist: {who}">Add to my shortlist</button></form>'
        )
    return f'<div class="shortlist-action">{alert}{body}</div>'


@register.simple_tag(takes_context=True)
def result_rows(context, rows, target_role, target_label):
    """The result list's rows (prepared by views.result_rows), each with the badge under the
    photo, and the shortlist's button where the row offers one."""
    request_url = reverse("mentoring:send_request", args=[target_role, 987654321])
    request = context.get("request")
    next_url = request.get_full_path() if request else ""
    csrf_token = context.get("csrf_token", "")
    parts = []
    for row in rows:
        shortlist = ""
        if row.get("shortlist"):
            shortlist = shortlist_button(
                row["shortlist"],
                row["profile"].user_id,
                row["name"],
                csrf_token=csrf_token,
                next_url=next_url,
            )
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
            f'<p class="explanation">{escape(row["explanation"])}</p>{places}{shortlist}</div>'
            # The score is a percentage of what the searcher asked for (mentoring/matching.py).
            f'<div class="score" aria-label="{row["score"]} % match">'
            f'<span class="score-number">{row["score"]}<span class="score-unit">&nbsp;%</span></span>'
            f'<span class="score-label">match</span></div></li>'
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped or a number
