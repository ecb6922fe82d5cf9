"""The match score: one documented function, used by the search and unit-tested on small cases.

The score is a percentage of the best possible for this searcher: 100 % means the candidate meets
everything the searcher asked for. Find a Mentor and Find a Mentee use the same scale: a pair who
both chose something in the same categories, each searching with their own enrollment, see the
same number on either page (except at the ends of an ordered scale, below).

A search compares the searcher's criteria (what they ticked on the search form in a category,
otherwise their own enrollment) with a candidate's enrollment, category by category. Each category
has a staff-set weight (0 leaves it out), may be "must match", and has a kind
(CriterionCategory.kind) that says how its options are compared. In each category that counts the
candidate earns a credit between 0 and 1:

* same (areas of experience, leadership skills): the share of what the mentee chose that the
  mentor chose too, |mentee ∩ mentor| / |mentee|. Looked at from the mentee's side whoever
  searches: a mentor who offers more than the mentee seeks loses nothing.
* ahead, "mentor ahead" (career stage, years of experience): the options are ordered, lowest first
  (their order in the admin). A member's level is their one chosen option; if they chose several,
  a mentor's is their highest and a mentee's their lowest. steps = mentor's level − mentee's
  level, and the credit is AHEAD_CREDIT: mentor behind 0, level ½, one step ahead ¾, two or more
  steps ahead 1 (the cap: further ahead is no better). The credit is divided by the best any
  candidate could earn for this searcher, so that a mentee at the top level meeting a mentor at
  that level, or a mentor at the second level meeting a mentee at the first, gets full marks.
* preference (meeting format, region, organization type, languages): a shared option is full
  credit and the category then counts; without one the category is left out of the score
  altogether, so that no overlap costs nothing and an overlap can only raise the score.

A category counts when its weight is above 0, it is not must-match, and the searcher chose
something in it (a preference only when shared). A candidate who chose nothing in a counting
category earns 0 for it.

    score = round(100 × Σ weight × credit / Σ weight)   over the counting categories (0 if none)

Filters. The searcher's own enrollment only ranks, except "Suggested for you", which pre-fills one
category as a filter: the heaviest multiple-choice "same" category they chose in, never an
"ahead" or "preference" one. A must-match category never adds to the score: it filters, as does
an option ticked on the search form. "same" and "preference": the candidate shares at least one
of the searcher's options. "ahead": the candidate is on the right side of the searcher's level —
Find a Mentor lists mentors at or above it, Find a Mentee mentees at or below it (several levels
ticked: any of them, i.e. the lowest on Find a Mentor, the highest on Find a Mentee). The counts
beside a level say how many members ticking it would give by that rule, not by equal options.

The result lists each category that contributed and what matched, so an explanation is always
built from what actually matched ("2 steps ahead in career stage").
"""

from dataclasses import dataclass, field

from mentoring.models import CriterionKind

SAME, AHEAD, PREFERENCE = CriterionKind.SAME, CriterionKind.MENTOR_AHEAD, CriterionKind.PREFERENCE
AHEAD_CREDIT = (0.5, 0.75, 1.0)  # level, one step ahead, two or more; behind earns 0


@dataclass(frozen=True)
class CategoryRule:
    id: int
    name: str
    weight: int
    must_match: bool
    multiple: bool
    kind: str = SAME
    levels: tuple[int, ...] = ()  # "ahead": the option ids in order, lowest first


@dataclass
class Contribution:
    category: CategoryRule
    matched: list[int]  # option ids both sides chose ("ahead": the candidate's level)
    mentee_count: int  # how many options the mentee chose in the category
    steps: int | None = None  # "ahead": how far the mentor is ahead


@dataclass
class Match:
    score: int
    contributions: list[Contribution] = field(default_factory=list)
    searcher_is_mentee: bool = True


def level_of(chosen, levels, *, mentor: bool) -> int | None:
    """A member's level in an ordered category: the rank of their option (several: a mentor's
    highest, a mentee's lowest), or None if they chose none of the ordered options."""
    ranks = [rank for rank, option_id in enumerate(levels) if option_id in chosen]
    if not ranks:
        return None
    return ranks[-1] if mentor else ranks[0]


def ahead_credit(steps: int) -> float:
    return 0.0 if steps < 0 else AHEAD_CREDIT[min(steps, len(AHEAD_CREDIT) - 1)]


def best_ahead_credit(level: int, levels, *, searcher_is_mentee: bool) -> float:
    """The most any candidate can earn in an ordered category for a searcher at `level`: a mentee
    can meet mentors up to the top level, a mentor mentees down to the lowest."""
    room = len(levels) - 1 - level if searcher_is_mentee else level
    return ahead_credit(room)


def match_score(
    searcher: dict[int, set[int]],
    candidate: dict[int, set[int]],
    categories: list[CategoryRule],
    *,
    searcher_is_mentee: bool,
) -> Match:
    """Score `candidate` for `searcher`; both map category id → chosen option ids."""
    total_weight = 0
    earned = 0.0
    contributions = []
    for category in categories:
        wanted = searcher.get(category.id)
        if category.must_match or category.weight <= 0 or not wanted:
            continue
        offered = candidate.get(category.id) or set()
        mentee_options = wanted if searcher_is_mentee else offered
        if category.kind == AHEAD:
            own = level_of(wanted, category.levels, mentor=not searcher_is_mentee)
            if own is None:
                continue
            total_weight += category.weight
            theirs = level_of(offered, category.levels, mentor=searcher_is_mentee)
            if theirs is None:
                continue
            steps = theirs - own if searcher_is_mentee else own - theirs
            if steps < 0:
                continue
            best = best_ahead_credit(own, category.levels, searcher_is_mentee=searcher_is_mentee)
            earned += category.weight * (ahead_credit(steps) / best)
            contributions.append(
                Contribution(category, [category.levels[theirs]], len(mentee_options), steps)
            )
            continue
        overlap = wanted & offered
        if category.kind == PREFERENCE:
            if not overlap:
                continue  # no overlap costs nothing: the category is left out
            total_weight += category.weight
            earned += category.weight * 1.0
        else:
            total_weight += category.weight
            if not overlap:
                continue
            earned += category.weight * (len(overlap) / len(mentee_options))
        contributions.append(Contribution(category, sorted(overlap), len(mentee_options)))
    if not total_weight:
        return Match(0, contributions, searcher_is_mentee)
    contributions.sort(key=lambda c: (-c.category.weight, -len(c.matched)))
    return Match(round(100 * earned / total_weight), contributions, searcher_is_mentee)


def _steps(n: int) -> str:
    return f"{n} step{'s' if n != 1 else ''}"


def explain(match: Match, labels: dict[int, str], limit: int = 3) -> str:
    """One line from the contributions, worded for the searcher: "Shares 3 of your 4 leadership
    skills · 2 steps ahead in career stage · same region (Midwest)"."""
    whose = "your" if match.searcher_is_mentee else "their"
    parts = []
    for contribution in match.contributions[:limit]:
        category = contribution.category
        name = category.name.lower()
        matched = [labels[option_id] for option_id in contribution.matched if option_id in labels]
        if contribution.steps is not None:
            if contribution.steps == 0:
                parts.append(f"same {name}" + (f" ({matched[0]})" if matched else ""))
            elif match.searcher_is_mentee:
                parts.append(f"{_steps(contribution.steps)} ahead in {name}")
            else:
                parts.append(f"you are {_steps(contribution.steps)} ahead in {name}")
        elif not category.multiple:
            parts.append(f"same {name}" + (f" ({matched[0]})" if matched else ""))
        elif category.kind == PREFERENCE or contribution.mentee_count == 1:
            parts.append(f"{name}: {', '.join(matched)}" if matched else name)
        else:
            parts.append(
                f"shares {len(contribution.matched)} of {whose} {contribution.mentee_count} {name}"
            )
    if not parts:
        return "No criteria in common yet"
    line = " · ".join(parts)
    return line[0].upper() + line[1:]
