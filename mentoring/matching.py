"""The match score: one documented function, used by the search and unit-tested on small cases.

A search compares the searcher's criteria (what they chose on the search form, or their own
enrollment) with a candidate's enrollment, category by category:

* Each category has a staff-set weight (0 leaves it out) and may be "must match". A must-match
  category never adds to the score; the search drops candidates who share none of the searcher's
  options in it.
* In a scoring category the overlap is looked at from both sides. The mentee's side asks how much of
  what the mentee chose the mentor covers (overlap / mentee's options); the mentor's side asks how
  much of the mentor's stated preferences the mentee meets (overlap / mentor's options). The mentee's
  side counts three times as much: the mentee is the one seeking help.
* Only categories in which the searcher chose something count; a candidate who chose nothing there
  scores 0 for it.
* score = 100 × Σ weight × (¾ mentee side + ¼ mentor side) / Σ weight, rounded to a whole number.

The result lists each category that contributed and the options that matched, so an explanation is
always built from what actually matched.
"""

from dataclasses import dataclass, field

MENTEE_SIDE = 0.75
MENTOR_SIDE = 0.25


@dataclass(frozen=True)
class CategoryRule:
    id: int
    name: str
    weight: int
    must_match: bool
    multiple: bool


@dataclass
class Contribution:
    category: CategoryRule
    matched: list[int]  # option ids both sides chose
    searcher_count: int


@dataclass
class Match:
    score: int
    contributions: list[Contribution] = field(default_factory=list)


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
        total_weight += category.weight
        offered = candidate.get(category.id) or set()
        overlap = wanted & offered
        if not overlap:
            continue
        searcher_side = len(overlap) / len(wanted)
        candidate_side = len(overlap) / len(offered)
        mentee_side, mentor_side = (
            (searcher_side, candidate_side)
            if searcher_is_mentee
            else (candidate_side, searcher_side)
        )
        earned += category.weight * (MENTEE_SIDE * mentee_side + MENTOR_SIDE * mentor_side)
        contributions.append(Contribution(category, sorted(overlap), len(wanted)))
    if not total_weight:
        return Match(0, contributions)
    contributions.sort(key=lambda c: (-c.category.weight, -len(c.matched)))
    return Match(round(100 * earned / total_weight), contributions)


def explain(match: Match, labels: dict[int, str], limit: int = 3) -> str:
    """One line from the contributions: "Shares 3 of your 4 leadership skills · same region"."""
    parts = []
    for contribution in match.contributions[:limit]:
        name = contribution.category.name.lower()
        matched = [labels[option_id] for option_id in contribution.matched if option_id in labels]
        if not contribution.category.multiple:
            parts.append(f"same {name}" + (f" ({matched[0]})" if matched else ""))
        elif contribution.searcher_count == 1:
            parts.append(f"{name}: {matched[0]}" if matched else name)
        else:
            parts.append(
                f"shares {len(contribution.matched)} of your {contribution.searcher_count} {name}"
            )
    if not parts:
        return "No criteria in common yet"
    line = " · ".join(parts)
    return line[0].upper() + line[1:]
