"""The search form's long lists, rendered in Python: Find a Mentor shows some 60 criterion options
and as many places, and per-variable template look-ups would cost more than the search itself."""

from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()


@register.simple_tag
def facet_fieldsets(form, facets):
    """One fieldset per criterion category: a checkbox per option with its result count."""
    return format_html_join(
        "",
        '<fieldset class="facet"><legend>{}</legend>{}</fieldset>',
        (
            (
                category.name,
                format_html_join(
                    "",
                    '<div class="facet-option"><input type="checkbox" id="o{0}" name="o" value="{0}"{1}>'
                    '<label for="o{0}">{2} <span class="count">({3})</span></label></div>',
                    (
                        (
                            option.pk,
                            " checked" if option.pk in form.selected else "",
                            option.label,
                            facets.get(option.pk, 0),
                        )
                        for option in category.active_options
                    ),
                ),
            )
            for category in form.categories
        ),
    )


@register.simple_tag
def select_options(choices, selected):
    """<option> elements for (value, label) pairs, with `selected` marked."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, " selected" if value == selected else "", label) for value, label in choices),
    )


@register.simple_tag
def result_rows(rows, target_role, target_label):
    """The result list's rows (prepared by views._result_rows)."""
    from members.templatetags.members_tags import avatar, ribbons

    return format_html_join(
        "",
        '<li class="result"><div class="result-photo">{}{}</div>'
        '<div class="result-body"><a class="member-name" href="{}">{}</a>{}'
        '<div class="muted">{}</div>{}<p class="explanation">{}</p>{}</div>'
        '<div class="score" aria-label="Match score {} out of 100"><span class="score-number">{}</span>'
        '<span class="score-label">match</span></div></li>',
        (
            (
                avatar(row["profile"], "thumb", True),
                _badge(row, target_role, target_label),
                row["url"],
                row["name"],
                ribbons(row["ribbons"]),
                row["subtitle"],
                format_html('<div class="muted">{}</div>', row["location"])
                if row["location"]
                else "",
                row["explanation"],
                _places(row),
                row["score"],
                row["score"],
            )
            for row in rows
        ),
    )


def _badge(row, target_role, target_label):
    if row["has_place"]:
        return format_html(
            '<span class="role-badge role-badge-{}">{}</span>', target_role, target_label
        )
    return format_html(
        '<span class="role-badge role-badge-disabled" aria-disabled="true">{}</span>', target_label
    )


def _places(row):
    if not row["places"]:
        return ""
    css = "places" if row["has_place"] else "places places-full"
    return format_html('<p class="{}">{}</p>', css, row["places"])
