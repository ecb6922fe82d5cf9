"""Making and revoking API tokens: the only way either happens (staff page, member page, tests)."""

from django.db import transaction
from django.utils import timezone

from integrations.models import STAFF_SCOPES, ApiToken, Scope, hash_token
from program.access import is_program_staff


class TokenError(Exception):
    """The token cannot be made or revoked; str(error) says why."""


def create_token(user, *, name: str, scopes) -> tuple[ApiToken, str]:
    """The new token and its secret, which is shown once and never stored."""
    name = " ".join((name or "").split())
    if not name:
        raise TokenError("Give the token a name, so you know later what uses it.")
    if len(name) > 100:
        raise TokenError("The name is longer than 100 characters.")
    scopes = sorted(set(scopes))
    if not scopes:
        raise TokenError("Choose at least one scope.")
    allowed = {Scope.ME} | (set(STAFF_SCOPES) if is_program_staff(user) else set())
    if unknown := [s for s in scopes if s not in allowed]:
        raise TokenError(f"This account may not make a token with {', '.join(unknown)}.")
    if Scope.ME in scopes and len(scopes) > 1:
        raise TokenError("A member's own token (me) carries no staff scope.")
    secret = ApiToken.new_secret()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            scopes=scopes,
            prefix=secret[:8],
            key_hash=hash_token(secret),
        )
    return token, secret


def revoke_token(token_id: int, *, by) -> ApiToken:
    """Revoke one of `by`'s tokens, or, for program staff, any staff token."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(pk=token_id).first()
        if token is None or (
            token.user_id != by.pk and not (is_program_staff(by) and Scope.ME not in token.scopes)
        ):
            raise TokenError("No such token.")
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
    return token


def staff_tokens():
    """The tokens the staff page lists: every token with staff scopes, whoever made it (any
    program staff may revoke them). A member's own token carries `me` alone."""
    return ApiToken.objects.exclude(scopes=[Scope.ME]).select_related("user__profile")


def own_tokens(user):
    """The member's own `me` tokens, for their page."""
    return ApiToken.objects.filter(user=user, scopes=[Scope.ME])
