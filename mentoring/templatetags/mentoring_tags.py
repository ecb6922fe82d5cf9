"""The search form's long lists, rendered in Python: Find a Mentor shows some 60 criterion options
and as many places, and per-variable template look-ups would cost more than the search itself."""

from django import template
from django.utils.html import format_html_join

register = template.Library()


@register.simple_tag
def facet_fieldsets(form):
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
                            getattr(option, "count", 0),
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
