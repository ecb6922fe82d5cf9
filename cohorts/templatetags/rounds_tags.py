"""Template tags for pages outside cohorts that point at matching rounds (My Mentoring
Relationships' link to Matching rounds), so that mentoring's Python never imports cohorts."""

from django import template

from cohorts.models import MatchingRound

register = template.Library()


@register.simple_tag
def rounds_open_to_join() -> bool:
    """Whether a matching round is open for mentees to join."""
    return MatchingRound.objects.open_for_opt_in().exists()
