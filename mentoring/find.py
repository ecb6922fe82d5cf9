"""Turn the Find a Mentor / Find a Mentee URL into a search Query, with a clear message for
anything that could not be used. Never raises on bad input: it drops it and says so."""

import time
import zoneinfo
from dataclasses import dataclass, field

from django_countries import countries

from mentoring.matching import CategoryRule
from mentoring.models import CriterionCategory, Role
from mentoring.search import SORTS, WORD, Query

MAX_KEYWORD = 200
MAX_WORDS = 8
MAX_PAGE = 100_000


@dataclass
class FindForm:
    """What the page shows in its form and the query it runs."""

    query: Query
    categories: list  # CriterionCategory with .active_options
    selected: set[int]
    keyword: str
    suggested: bool
    messages: list[str] = field(default_factory=list)


def _first(params, name, default=""):
    values = params.getlist(name)
    return values[0] if values else default


_criteria_cache: dict[str, tuple[float, tuple]] = {}
CRITERIA_TTL = 30  # seconds: staff changes to criteria reach the search pages within this


def criteria_for(target_role: str):
    """The active categories for a role with their active options, read at most every 30 s."""
    cached = _criteria_cache.get(target_role)
    if cached and time.monotonic() - cached[0] < CRITERIA_TTL:
        return cached[1]
    categories = list(
        CriterionCategory.objects.active()
        .for_role(target_role)
        .prefetch_related("options")
        .order_by("order", "name")
    )
    options_by_category = {}
    category_of = {}
    for category in categories:
        category.active_options = sorted(
            (o for o in category.options.all() if o.is_active), key=lambda o: (o.order, o.label)
        )
        options_by_category[category.pk] = [o.pk for o in category.active_options]
        for option in category.active_options:
            category_of[option.pk] = category.pk
    value = (categories, options_by_category, category_of)
    _criteria_cache[target_role] = (time.monotonic(), value)
    return value


def forget_criteria():
    _criteria_cache.clear()


def build(params, *, searcher, own_option_ids: list[int], target_role: str) -> FindForm:
    messages = []
    categories, options_by_category, category_of = criteria_for(target_role)
    rules = [CategoryRule(c.pk, c.name, c.weight, c.must_match, c.multiple) for c in categories]

    own = {}
    for option_id in own_option_ids:
        if option_id in category_of:
            own.setdefault(category_of[option_id], set()).add(option_id)

    suggested = "s" not in params
    filters: dict[int, set[int]] = {}
    if suggested:
        # Pre-fill from the searcher's own enrollment, in the heaviest multiple-choice category
        # where they chose something (by default: areas of professional experience). Every other
        # category only ranks, so that suggestions stay broad.
        heaviest = sorted(
            (c for c in categories if c.multiple and c.weight > 0 and c.pk in own),
            key=lambda c: (-c.weight, c.order),
        )
        if heaviest:
            filters[heaviest[0].pk] = set(own[heaviest[0].pk])
    else:
        bad = False
        for raw in params.getlist("o"):
            try:
                option_id = int(raw)
            except ValueError:
                bad = True
                continue
            if option_id not in category_of:
                bad = True
                continue
            filters.setdefault(category_of[option_id], set()).add(option_id)
        if bad:
            messages.append(
                "Some criteria in this link are not offered any more; the search left them out."
            )

    keyword = " ".join(_first(params, "q").split())
    if len(keyword) > MAX_KEYWORD:
        keyword = keyword[:MAX_KEYWORD]
        messages.append(f"The keywords were shortened to {MAX_KEYWORD} characters.")
    words = WORD.findall(keyword.casefold())[:MAX_WORDS]

    country = _first(params, "country").upper()
    if country and country not in countries:
        messages.append("That country is not one we know; the search ignored it.")
        country = ""
    time_zone = _first(params, "tz")
    if time_zone and time_zone not in zoneinfo.available_timezones():
        messages.append("That time zone is not one we know; the search ignored it.")
        time_zone = ""

    sort = _first(params, "sort", "best")
    if sort not in SORTS:
        sort = "best"
    # "Only members with an open place" is on by default on Find a Mentor.
    open_only = target_role == Role.MENTOR if suggested else _first(params, "open") == "1"

    raw_page = _first(params, "page", "1")
    try:
        page = min(max(1, int(raw_page)), MAX_PAGE)
    except ValueError:
        page = 1

    # The score compares the form's choices where there are some, the searcher's own elsewhere.
    criteria = {**own, **{cid: opts for cid, opts in filters.items() if opts}}
    query = Query(
        target_role=target_role,
        searcher_user_id=searcher.pk,
        filters=filters,
        criteria=criteria,
        categories=rules,
        options_by_category=options_by_category,
        words=words,
        country=country,
        time_zone=time_zone,
        open_only=open_only,
        sort=sort,
        page=page,
    )
    selected = set().union(*filters.values()) if filters else set()
    return FindForm(query, categories, selected, keyword, suggested, messages)
