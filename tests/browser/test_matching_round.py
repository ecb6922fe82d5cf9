"""Program staff run a matching round in a real browser, on a desktop and on a phone: open
“Spring 2027 cohort”, turn on “not the same organization” and a shortlist bonus, run it (the
worker is run by the test, as the staff walk runs an import), read the result, fix a pair the
round did not propose and forbid one it did, run again, download the CSV, publish with the
confirmation step; then a mentor finds the proposed request on My Mentoring Relationships.
axe-core on each page; at 390 px nothing scrolls sideways."""

import csv
import io

import pytest

from cohorts.models import MatchingRound, RoundStatus
from mentoring.models import MentoringRequest
from mentoring.services.enrollment import enroll
from mentoring.services.relationships import complete_relationship
from mentoring.services.requests import accept_request, send_request
from mentoring.services.shortlist import add_to_shortlist
from notifications.tests.helpers import run_worker
from tests.browser.pages import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}

AREA, SKILL = "Areas of Professional Experience", "Leadership Skills"

# (first, last, organization, areas, skills, places)
MENTORS = [
    ("Grace", "Hopper", "Riverside Hospital", ["Value Analysis"], ["Negotiation"], 2),
    ("Alan", "Turing", "Lakeside Health", ["Sourcing"], ["Team Building"], 1),
    ("Ada", "Lovelace", "Summit Health", ["Data & Analytics"], ["Communication"], 1),
    (
        "Katherine",
        "Johnson",
        "Lakeside Health",
        ["Inventory & Logistics"],
        ["Change Management"],
        1,
    ),
    ("Edsger", "Dijkstra", "Harbor Clinic", ["Sustainability"], ["Strategic Thinking"], 1),
]
# (first, last, organization, areas, skills)
MENTEES = [
    ("Maria", "Santos", "Riverside Hospital", ["Value Analysis"], ["Negotiation"]),
    ("Ben", "Ode", "Mercy Clinic", ["Sourcing"], ["Team Building"]),
    ("Cara", "Lim", "Lakeside Health", ["Inventory & Logistics"], ["Change Management"]),
    ("Dev", "Patel", "Mercy Clinic", ["Data & Analytics"], ["Communication"]),
    ("Eli", "Brown", "North Valley Health", ["Value Analysis"], ["Communication"]),
    ("Fay", "Wong", "Summit Health", ["Sustainability"], ["Strategic Thinking"]),
    ("Gus", "Moreno", "Mercy Clinic", ["Sourcing"], ["Negotiation"]),
    ("Hana", "Ito", "North Valley Health", ["Sterile Processing"], ["Coaching Others"]),
]


@pytest.fixture
def cohort(make_member, option):
    """Eight mentees and five mentors (six places) enrolled through the real services; Cara works
    where Katherine does, Ben was Alan's mentee once, and Eli shortlisted Grace."""

    def options(areas, skills):
        return [option(AREA, a).pk for a in areas] + [option(SKILL, s).pk for s in skills]

    people = {}
    for first, last, organization, areas, skills, places in MENTORS:
        user = make_member(
            f"{first.lower()}@example.com",
            first,
            last,
            job_title="Director",
            organization=organization,
        )
        enroll(
            user,
            "mentor",
            option_ids=options(areas, skills),
            statement=f"{first} mentors in {areas[0].lower()}.",
            max_mentees=places,
        )
        people[first] = user
    for first, last, organization, areas, skills in MENTEES:
        user = make_member(f"{first.lower()}@example.com", first, last, organization=organization)
        enroll(
            user,
            "mentee",
            option_ids=options(areas, skills),
            statement=f"I want to grow in {areas[0].lower()}.",
        )
        people[first] = user

    # Ben and Alan have been a pair: the round's "not a previous pair" rule keeps them apart.
    request = send_request(people["Ben"], people["Alan"], recipient_role="mentor", message="Hi")
    relationship = accept_request(request.pk, people["Alan"])
    complete_relationship(relationship.pk, people["Ben"], outcome="goals_met")
    add_to_shortlist(people["Eli"], people["Grace"])
    return people


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def pair_rows(page) -> list[str]:
    table = page.get_by_role("region", name="Pairs").locator("tbody tr")
    return [" | ".join(row.locator("td").all_inner_texts()[:2]) for row in table.all()]


@pytest.mark.parametrize("width", WIDTHS)
def test_staff_run_adjust_and_publish_a_matching_round(
    page, live_server, width, staff, cohort, screenshot, assert_accessible
):
    page.set_viewport_size(WIDTHS[width])

    def check(step):
        assert fits(page), f"{step} scrolls sideways at {page.viewport_size['width']} px"
        assert_accessible(page)
        screenshot(page, f"{width}-{step}")

    sign_in(page, "pat@example.com")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto("/staff/")
    page.get_by_role("navigation", name="Program staff").get_by_role(
        "link", name="Matching rounds"
    ).click()
    page.get_by_role("heading", name="Matching rounds").wait_for()
    check("rounds")

    page.get_by_label("Name of the round").fill("Spring 2027 cohort")
    page.get_by_role("button", name="Open a round").click()
    page.get_by_role("heading", name="Spring 2027 cohort").wait_for()
    page.get_by_text("8 (enrolled, taking part, without an active mentor)").wait_for()
    check("round-opened")

    page.get_by_label("Not the same organization").check()
    page.get_by_label("Shortlist bonus (points)").fill("30")
    page.get_by_role("button", name="Save the parameters").click()
    page.get_by_text("The parameters are saved.").wait_for()

    page.get_by_role("button", name="Run the round").click()
    page.get_by_role("progressbar").wait_for()
    page.get_by_text("This part updates itself every second.").wait_for()
    check("running")

    # The worker: the test runs the enqueued task; the page's own polling then shows the result.
    run_worker("default")
    page.get_by_text("Optimal").wait_for()
    result = page.get_by_role("region", name="Result")
    assert result.get_by_text("6 of 8 mentees (5 mentors, 6 places)").is_visible()
    assert result.get_by_text("A first-come matching of the same pool:").is_visible()
    pairs = pair_rows(page)
    assert len(pairs) == 6
    # Not the same organization, not a previous pair; Eli shortlisted Grace.
    assert "Maria Santos | Grace Hopper" not in pairs
    assert "Cara Lim | Katherine Johnson" not in pairs
    assert "Ben Ode | Alan Turing" not in pairs
    assert "Eli Brown | Grace Hopper" in pairs
    eli = page.get_by_role("region", name="Pairs").locator("tr", has_text="Eli Brown")
    assert eli.get_by_text("(+30 shortlist bonus)").is_visible()
    not_matched = page.get_by_role("region", name="Mentees not matched")
    assert not_matched.locator("tbody tr").count() == 2
    check("result")

    # Fix a pair the round did not propose, forbid one it did.
    assert "Hana Ito | Edsger Dijkstra" not in pairs
    page.get_by_label("Mentee (name or email)").fill("hana ito")
    page.get_by_label("Mentor (name or email)").fill(" Edsger   Dijkstra ")
    page.get_by_role("button", name="Fix this pair").click()
    page.get_by_text("The pair is fixed: it is in every next run.").wait_for()
    page.get_by_role("button", name="Forbid Eli Brown with Grace Hopper").click()
    page.get_by_text("The pair is forbidden: it is in no next run.").wait_for()
    decisions = page.get_by_role("region", name="Decisions").locator("tbody tr")
    assert decisions.first.locator("td").all_inner_texts()[:3] == [
        "Hana Ito",
        "Edsger Dijkstra",
        "Fixed",
    ]
    page.get_by_text("The parameters or decisions changed since").wait_for()
    eli = page.get_by_role("region", name="Pairs").locator("tr", has_text="Eli Brown")
    assert eli.get_by_text("Forbidden (see Your decisions)").is_visible()
    check("decided")

    page.get_by_role("button", name="Run again").click()
    run_worker("default")
    page.get_by_text("Optimal").wait_for()
    page.get_by_role("link", name="Publish…").wait_for()
    pairs = pair_rows(page)
    assert "Hana Ito | Edsger Dijkstra" in pairs
    assert "Eli Brown | Grace Hopper" not in pairs
    check("run-again")

    matching_round = MatchingRound.objects.get()
    response = page.request.get(f"/staff/rounds/{matching_round.pk}/pairs.csv")
    assert response.ok
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text())))
    assert rows[0][:5] == ["mentee", "mentee_email", "mentor", "mentor_email", "score"]
    hana = next(row for row in rows[1:] if row[0] == "Hana Ito")
    assert hana[2:4] == ["Edsger Dijkstra", "edsger@example.com"]
    assert hana[6] == "yes"
    assert len(rows) == 1 + len(pairs)

    page.get_by_role("link", name="Publish…").click()
    page.get_by_role("heading", name="Publish “Spring 2027 cohort”?").wait_for()
    check("publish-confirm")
    page.get_by_role("button", name=f"Publish {len(pairs)} pairs").click()
    page.get_by_text(f"Published: {len(pairs)} pairs.").wait_for()
    matching_round.refresh_from_db()
    assert matching_round.status == RoundStatus.PUBLISHED
    assert page.get_by_text("Published", exact=True).first.is_visible()
    sent = page.get_by_role("region", name="Pairs").get_by_role("link", name="Request sent")
    assert sent.count() == len(pairs)
    assert matching_round.pairs.filter(request__isnull=False).count() == len(pairs)
    assert page.get_by_role("button", name="Run again").count() == 0
    check("published")
    hana = MentoringRequest.objects.get(
        mentee__email="hana@example.com", mentor__email="edsger@example.com"
    )
    page.get_by_role("row", name="Hana Ito").get_by_role("link", name="Request sent").click()
    page.wait_for_url(f"**/staff/requests/{hana.pk}/")
    page.get_by_text("Spring 2027 cohort").first.wait_for()
    check("published-request")

    page.context.clear_cookies()
    sign_in(page, "edsger@example.com")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto("/relationships/")
    awaiting = page.get_by_role("region", name="Requests awaiting your answer (1)")
    awaiting.get_by_text("Hana Ito").wait_for()
    assert awaiting.get_by_text("Spring 2027 cohort").is_visible()
    check("mentor-sees-request")
