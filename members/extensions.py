"""Extension points through which later apps add to member pages without members importing them.

Dependencies run one way (mentoring → members): an app that wants a section on the profile page or a
ribbon beside a member's name registers a function here from its AppConfig.ready().
"""

from collections import defaultdict
from collections.abc import Callable, Iterable

# (request, profile) -> list of (template name, context) to render on the profile page
_profile_sections: list[Callable] = []
# (user ids) -> {user id: [{"label": ..., "kind": ...}, ...]}, one query for a whole list
_ribbon_providers: list[Callable] = []
# (user id, other user id) -> bool: whether the two are mentoring partners (contact details shared)
_partner_checks: list[Callable] = []


def register_profile_section(func: Callable) -> Callable:
    _profile_sections.append(func)
    return func


def register_ribbons(func: Callable) -> Callable:
    _ribbon_providers.append(func)
    return func


def register_partner_check(func: Callable) -> Callable:
    _partner_checks.append(func)
    return func


def are_partners(user_id: int, other_id: int) -> bool:
    return any(check(user_id, other_id) for check in _partner_checks)


def profile_sections(request, profile) -> list[tuple[str, dict]]:
    sections = []
    for func in _profile_sections:
        sections.extend(func(request, profile))
    return sections


def ribbons_for(user_ids: Iterable[int]) -> dict[int, list[dict]]:
    user_ids = list(user_ids)
    ribbons: dict[int, list[dict]] = defaultdict(list)
    for provider in _ribbon_providers:
        for user_id, labels in provider(user_ids).items():
            ribbons[user_id].extend(labels)
    return ribbons
