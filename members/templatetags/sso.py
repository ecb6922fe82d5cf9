"""{% sso_only %}: whether members sign in only through the association (SSO_ONLY)."""

from django import template

from members.sso import sso_only as _sso_only

register = template.Library()


@register.simple_tag
def sso_only():
    return _sso_only()
