"""Turn the Find a Mentor / Find a Mentee URL into a search Query, with a clear message for
anything that could not be used. Never raises on bad input: it drops it and says so."""

import time
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from urllib.parse import urlencode

from django.db.models import Exists, OuterRef
from django.http import QueryDict
from django_countries import countries

from members.models import User, country_name, last_active_phrase
from mentoring import matching, search
from mentoring.matching import CategoryRule
from mentoring.models import CriterionCategory, CriterionKind, Enrollment, Role
from mentoring.profile import pending_requests, ribbon
from mentoring.search import SORTS, WORD, Query, Results
from mentoring.services.shortlist import card_state

MAX_KEYWORD = 200
MAX_WORDS = 8
MAX_PAGE = 100_000


@dataclass
class Chip:
    """An active criterion or filter, shown above the results: a link to the search without it."""

    label: str
    change: str  # what removing it does: "remove Sterile Processing"
    params: list[tuple[str, str]]  # the same search without it

    @property
    def query(self) -> str:
        return urlencode(self.params)


@dataclass
class FindForm:
    """What the page shows in its form and the query it runs."""

    query: Query
    categories: list  # CriterionCategory with .active_options
    selected: set[int]
    keyword: str
    suggested: bool  # Suggested for you: the criteria are the searcher's own, pre-filled
    messages: list[str] = field(default_factory=list)
    # The search spelled out as URL parameters (s=1 …), without the page.
    params: list[tuple[str, str]] = field(default_factory=list)
    chips: list[Chip] = field(default_factory=list)
    filter_count: int = 0  # the chips the filters panel sets: "Filters (n)"
    clear_params: list[tuple[str, str]] = field(default_factory=list)
    # Suggested criteria a keyword search set aside (their labels), and the search keeping them.
    set_aside: list[str] = field(default_factory=list)
    keep_params: list[tuple[str, str]] = field(default_factory=list)
    rebuild: Callable | None = field(default=None, repr=False)  # build() with this searcher

    @property
    def page_query(self) -> str:
        return urlencode(self.params)

    @property
    def clear_query(self) -> str:
        return urlencode(self.clear_params)

    @property
    def keep_query(self) -> str:
        return urlencode(self.keep_params)

    def query_without(self, chip: Chip) -> Query:
        """The query of the same search without `chip`, built as following its link would."""
        return self.rebuild(QueryDict(chip.query)).query


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
    rules = [
        CategoryRule(
            c.pk,
            c.name,
            c.weight,
            c.must_match,
            c.multiple,
            c.kind,
            tuple(options_by_category[c.pk]),
        )
        for c in categories
    ]

    own = {}
    for option_id in own_option_ids:
        if option_id in category_of:
            own.setdefault(category_of[option_id], set()).add(option_id)

    # Suggested for you (the page opened without s=1): pre-fill from the searcher's own enrollment,
    # in the heaviest multiple-choice "same" category where they chose something (by default:
    # areas of professional experience). Never an ordered or preference category: an own career
    # stage as a filter would list only peers. Every other category only ranks, so that
    # suggestions stay broad.
    heaviest = sorted(
        (
            c
            for c in categories
            if c.kind == CriterionKind.SAME and c.multiple and c.weight > 0 and c.pk in own
        ),
        key=lambda c: (-c.weight, c.order),
    )
    suggestion = {heaviest[0].pk: set(own[heaviest[0].pk])} if heaviest else {}
    explicit = "s" in params
    filters: dict[int, set[int]] = {}
    if not explicit:
        filters = {cid: set(options) for cid, options in suggestion.items()}
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

    # The suggestion's criteria were the page's choice, not the member's: a keyword search from it
    # (sg=1 and the criteria untouched) looks through everyone, since a mentor found by name may
    # share none of them, and offers to keep them.
    from_suggestion = filters == suggestion and (not explicit or _first(params, "sg") == "1")
    set_aside = filters if from_suggestion and words else {}
    if set_aside:
        filters = {}
    suggested = from_suggestion and not words

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
    open_only = target_role == Role.MENTOR if not explicit else _first(params, "open") == "1"

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
    form = FindForm(query, categories, selected, keyword, suggested, messages)
    form.rebuild = partial(
        build, searcher=searcher, own_option_ids=own_option_ids, target_role=target_role
    )
    _spell_out(form, set_aside)
    return form


def _spell_out(form: FindForm, set_aside: dict[int, set[int]]):
    """The search as URL parameters, each active criterion or filter as a chip holding the same
    search without it, and the way back to criteria a keyword search set aside."""
    query = form.query
    open_filter = query.open_only and query.target_role == Role.MENTOR
    options = [option for category in form.categories for option in category.active_options]
    rest = [
        (name, value)
        for name, value in [
            ("q", form.keyword),
            ("country", query.country),
            ("tz", query.time_zone),
            ("open", "1" if open_filter else ""),
            ("sort", "" if query.sort == "best" else query.sort),
        ]
        if value
    ]
    chosen = [("o", str(option.pk)) for option in options if option.pk in form.selected]
    form.params = [("s", "1"), *([("sg", "1")] if form.suggested else []), *chosen, *rest]

    def chip(label, change, name, value):
        return Chip(label, change, [pair for pair in form.params if pair != (name, value)])

    chips = []
    if form.keyword:
        chips.append(chip(f"“{form.keyword}”", f"remove “{form.keyword}”", "q", form.keyword))
    chips += [
        chip(option.label, f"remove {option.label}", "o", str(option.pk))
        for option in options
        if option.pk in form.selected
    ]
    if query.country:
        name = country_name(query.country)
        chips.append(chip(name, f"remove {name}", "country", query.country))
    if query.time_zone:
        name = query.time_zone.replace("_", " ")
        chips.append(chip(name, f"remove the time zone {name}", "tz", query.time_zone))
    if open_filter:
        chips.append(
            chip("With an open place", "also show those without an open place", "open", "1")
        )
    form.chips = chips
    form.filter_count = len(chips) - bool(form.keyword)  # the keywords have their own box
    form.clear_params = [("s", "1"), *[pair for pair in rest if pair[0] == "sort"]]
    if set_aside:
        kept = set().union(*set_aside.values())
        form.set_aside = [option.label for option in options if option.pk in kept]
        form.keep_params = [
            ("s", "1"),
            *[("o", str(option.pk)) for option in options if option.pk in kept],
            *rest,
        ]


def searcher_options(member, searcher_role: str) -> list[int] | None:
    """The options of the member's enrollment in `searcher_role`, which the search starts from;
    None when they are not enrolled in it (the page then asks them to enroll first)."""
    # The enrollment and its choices in one query: (enrollment id, option id or None).
    own = list(
        Enrollment.objects.enrolled()
        .filter(user=member, role=searcher_role)
        .values_list("id", "choices__option_id")
    )
    if not own:
        return None
    return [option_id for _, option_id in own if option_id is not None]


@dataclass
class Found:
    form: FindForm
    results: Results
    # When nobody matches: the one change that gives the most results, {"count", "chip"}.
    relaxation: dict | None


def find(params, *, member, target_role: str, page_size: int | None = None) -> Found | None:
    """Find a Mentor / Find a Mentee for `member` from the page's URL parameters: the page and the
    API (/api/v1/me/search/…) both search through here. None when the member is not enrolled in
    the role that searches."""
    searcher_role = Role.MENTEE if target_role == Role.MENTOR else Role.MENTOR
    own = searcher_options(member, searcher_role)
    if own is None:
        return None
    form = build(params, searcher=member, own_option_ids=own, target_role=target_role)
    if page_size is not None:
        form.query.page_size = page_size
    # When nobody matches, the page offers the one change that gives the most results: the search
    # counts, for each chip, the same search without it.
    results = search.run(form.query, (form.query_without(chip) for chip in form.chips))
    relaxation = None
    if results.alternatives:
        count, chip = max(
            zip(results.alternatives, form.chips, strict=True), key=lambda pair: pair[0]
        )
        if count:
            relaxation = {"count": count, "chip": chip}
    return Found(form, results, relaxation)


def result_rows(results, form, program, *, shortlist: list[int] | None = None):
    """The page's rows, with their text prepared here (twenty rows of template look-ups cost more
    than the search). One query reads what each row shows (the search index holds no cards),
    checks the accounts are still active and which members also hold the other role.
    `shortlist`: the searcher's shortlisted mentor ids, first choice first (read once per page),
    for the cards' "Add to my shortlist"; None where the page offers none."""
    target_role = form.query.target_role
    other_role = Role.MENTEE if target_role == Role.MENTOR else Role.MENTOR
    also_other = Enrollment.objects.enrolled().filter(user_id=OuterRef("pk"), role=other_role)
    # (holds both roles, last active, card) per member shown.
    facts = {
        user_id: (both, active_at, search.card(user_id, card))
        for user_id, both, active_at, *card in User.objects.filter(
            pk__in=[hit.user_id for hit in results.hits], is_active=True
        )
        .annotate(both=Exists(also_other))
        .values_list("pk", "both", "profile__last_active_at", *search.CARD_FIELDS)
    }
    labels = {o.pk: o.label for c in form.categories for o in c.active_options}
    pending = pending_requests(form.query.searcher_user_id, facts, target_role) if facts else {}
    rows = []
    for hit in results.hits:
        if hit.user_id not in facts:
            continue  # the account was switched off (or deleted) since the index looked
        both, active_at, profile = facts[hit.user_id]
        roles = [target_role, other_role] if both else [target_role]
        places = hit.open_places
        rows.append(
            {
                "profile": profile,
                "name": profile.full_name,
                "url": profile.get_absolute_url(),
                "subtitle": " · ".join(p for p in (profile.job_title, profile.organization) if p),
                "location": profile.location,
                "last_active": last_active_phrase(active_at),
                "score": hit.match.score,
                "explanation": matching.explain(hit.match, labels),
                "ribbons": [
                    ribbon(role, program) for role in sorted(roles, key=lambda r: r != Role.MENTOR)
                ],
                "has_place": places is None or places > 0,
                "open_places": places,
                "capacity": hit.capacity if places is not None else None,
                "pending": pending.get(profile.user_id),
                "shortlist": None if shortlist is None else card_state(shortlist, hit.user_id),
                "places": None
                if places is None
                else (
                    f"{places} of {hit.capacity} place{'s' if hit.capacity != 1 else ''} open"
                    if places > 0
                    else f"No open place: already mentoring {hit.capacity}"
                ),
            }
        )
    return rows
