"""Find a Mentor / Find a Mentee: "A registered Mentee will visit the Find a Mentor page and fill in
their search criteria to search for possible Mentors." """

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mentoring.models import Enrollment
from mentoring.services.enrollment import enroll, set_participation, withdraw

pytestmark = pytest.mark.django_db

AREAS = "Areas of Professional Experience"
SKILLS = "Leadership Skills"


@pytest.fixture
def add_mentor(make_member, option):
    counter = {"n": 0}

    def add(first, last, options, *, statement="", capacity=2, **profile):
        counter["n"] += 1
        user = make_member(f"{first.lower()}{counter['n']}@example.com", first, last, **profile)
        enroll(
            user,
            "mentor",
            option_ids=[option(category, label).pk for category, label in options],
            statement=statement,
            max_mentees=capacity,
        )
        return user

    return add


def names(response):
    return re.findall(
        r'class="member-name" href="/members/\d+/">([^<]+)</a>', response.content.decode()
    )


def search(client, option, *criteria, **params):
    query = {"s": "1", **params}
    query["o"] = [option(category, label).pk for category, label in criteria]
    return client.get("/find-a-mentor/", query)


def test_a_member_must_be_enrolled_as_a_mentee_to_find_a_mentor(client, mentor):
    client.force_login(mentor)

    page = client.get("/find-a-mentor/").content.decode()

    assert "first enroll as a mentee" in page
    assert 'href="/enroll/mentee/"' in page


def test_search_pages_need_sign_in(client):
    response = client.get("/find-a-mentee/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_criteria_are_any_of_within_a_category_and_all_of_across(
    client, enrolled_mentee, add_mentor, option
):
    add_mentor("Ann", "Sourcing", [(AREAS, "Sourcing"), (SKILLS, "Negotiation")])
    add_mentor("Ben", "Value", [(AREAS, "Value Analysis"), (SKILLS, "Negotiation")])
    add_mentor("Cat", "Coach", [(AREAS, "Sourcing"), (SKILLS, "Coaching Others")])
    client.force_login(enrolled_mentee)

    either_area = search(client, option, (AREAS, "Sourcing"), (AREAS, "Value Analysis"))
    area_and_skill = search(
        client, option, (AREAS, "Sourcing"), (AREAS, "Value Analysis"), (SKILLS, "Negotiation")
    )

    assert sorted(names(either_area)) == ["Ann Sourcing", "Ben Value", "Cat Coach"]
    assert sorted(names(area_and_skill)) == ["Ann Sourcing", "Ben Value"]


def test_results_are_ranked_by_match_score_with_an_explanation(
    client, enrolled_mentee, add_mentor, option
):
    # The mentee seeks Value Analysis and Negotiation.
    add_mentor("Weak", "Match", [(AREAS, "Sourcing"), (SKILLS, "Negotiation")])
    add_mentor("Strong", "Match", [(AREAS, "Value Analysis"), (SKILLS, "Negotiation")])
    client.force_login(enrolled_mentee)

    response = search(client, option, (SKILLS, "Negotiation"))
    page = response.content.decode()

    assert names(response) == ["Strong Match", "Weak Match"]
    scores = [int(s) for s in re.findall(r'class="score-number">(\d+)<', page)]
    assert scores[0] > scores[1] > 0
    explanations = re.findall(r'class="explanation">([^<]+)<', page)
    assert (
        explanations[0]
        == "Areas of professional experience: Value Analysis · leadership skills: Negotiation"
    )
    assert explanations[1] == "Leadership skills: Negotiation"


def test_the_searcher_paused_withdrawn_expired_and_inactive_members_are_never_listed(
    client, enrolled_mentee, add_mentor, option, option_ids=None
):
    seeking = [(SKILLS, "Negotiation")]
    add_mentor("Listed", "Mentor", seeking)
    paused = add_mentor("Paused", "Mentor", seeking)
    set_participation(
        Enrollment.objects.get(user=paused, role="mentor"), paused=True, max_mentees=2
    )
    gone = add_mentor("Withdrawn", "Mentor", seeking)
    withdraw(Enrollment.objects.get(user=gone, role="mentor"))
    expired = add_mentor("Expired", "Mentor", seeking)
    Enrollment.objects.filter(user=expired).update(available_until=datetime.date(2020, 1, 1))
    inactive = add_mentor("Inactive", "Mentor", seeking)
    inactive.is_active = False
    inactive.save()
    # The searcher is also a mentor: they must not find themself.
    enroll(enrolled_mentee, "mentor", option_ids=[option(SKILLS, "Negotiation").pk], max_mentees=1)
    client.force_login(enrolled_mentee)

    response = search(client, option, (SKILLS, "Negotiation"))

    assert names(response) == ["Listed Mentor"]


def test_a_paused_mentor_comes_back_in_results_after_the_return_date(
    client, enrolled_mentee, add_mentor, option
):
    mentor = add_mentor("Back", "Soon", [(SKILLS, "Negotiation")])
    Enrollment.objects.filter(user=mentor).update(
        status="paused", return_date=datetime.date(2020, 1, 1)
    )
    client.force_login(enrolled_mentee)

    assert names(search(client, option, (SKILLS, "Negotiation"))) == ["Back Soon"]


def test_keywords_search_name_title_organization_bio_and_statement(
    client, enrolled_mentee, add_mentor, option
):
    add_mentor("Quincy", "Zephyr", [(SKILLS, "Negotiation")], job_title="Logistics Lead")
    add_mentor("Rita", "Moss", [(SKILLS, "Negotiation")], organization="Harborview Clinic")
    add_mentor("Sam", "Lee", [(SKILLS, "Negotiation")], bio="Expert in kanban replenishment.")
    add_mentor("Tia", "Ng", [(SKILLS, "Negotiation")], statement="I love mentoring buyers.")
    client.force_login(enrolled_mentee)

    def found(q):
        return names(client.get("/find-a-mentor/", {"s": "1", "q": q}))

    assert found("zephyr") == ["Quincy Zephyr"]
    assert found("logistics") == ["Quincy Zephyr"]
    assert found("Harborview") == ["Rita Moss"]
    assert found("kanban") == ["Sam Lee"]
    assert found("replenish") == ["Sam Lee"]  # words match by their beginning
    assert found("mentoring buyers") == ["Tia Ng"]
    assert found("nobody-like-this") == []


def test_country_and_time_zone_filters(client, enrolled_mentee, add_mentor, option):
    add_mentor("Can", "Ada", [(SKILLS, "Negotiation")], country="CA", time_zone="America/Toronto")
    add_mentor("Us", "Person", [(SKILLS, "Negotiation")], country="US", time_zone="America/Chicago")
    client.force_login(enrolled_mentee)

    assert names(client.get("/find-a-mentor/", {"s": "1", "country": "CA"})) == ["Can Ada"]
    assert names(client.get("/find-a-mentor/", {"s": "1", "tz": "America/Chicago"})) == [
        "Us Person"
    ]


def test_sorting_by_name(client, enrolled_mentee, add_mentor, option):
    for first, last in [("Zoe", "Young"), ("Al", "Adams"), ("Mo", "Moore")]:
        add_mentor(first, last, [(SKILLS, "Negotiation")])
    client.force_login(enrolled_mentee)

    response = client.get("/find-a-mentor/", {"s": "1", "sort": "name"})

    assert names(response) == ["Al Adams", "Mo Moore", "Zoe Young"]


def test_opened_without_criteria_the_page_suggests_from_the_own_enrollment(
    client, enrolled_mentee, add_mentor, option
):
    add_mentor("Shares", "Area", [(AREAS, "Value Analysis")])
    add_mentor("Shares", "Nothing", [(AREAS, "Sterile Processing"), (SKILLS, "Team Building")])
    client.force_login(enrolled_mentee)

    response = client.get("/find-a-mentor/")
    page = response.content.decode()

    assert "Suggested for you" in page
    # Pre-filled from the mentee's own areas (Value Analysis); skills only rank.
    assert re.search(rf'value="{option(AREAS, "Value Analysis").pk}" checked', page)
    assert not re.search(rf'value="{option(SKILLS, "Negotiation").pk}" checked', page)
    assert names(response) == ["Shares Area"]


def test_facet_counts_say_how_many_results_each_option_gives(
    client, enrolled_mentee, add_mentor, option
):
    add_mentor("A", "One", [(AREAS, "Sourcing"), (SKILLS, "Negotiation")])
    add_mentor("B", "Two", [(AREAS, "Sourcing"), (SKILLS, "Team Building")])
    add_mentor("C", "Three", [(AREAS, "Value Analysis"), (SKILLS, "Negotiation")])
    client.force_login(enrolled_mentee)

    page = search(client, option, (SKILLS, "Negotiation")).content.decode()

    def count(category, label):
        pk = option(category, label).pk
        return int(
            re.search(rf'<label for="o{pk}">[^<]*<span class="count">\((\d+)\)', page).group(1)
        )

    assert count(AREAS, "Sourcing") == 1  # with Negotiation: only A
    assert count(AREAS, "Value Analysis") == 1
    assert count(SKILLS, "Negotiation") == 2  # its own category does not narrow its counts
    assert count(SKILLS, "Team Building") == 1


def test_results_show_open_places(client, enrolled_mentee, add_mentor, option):
    add_mentor("Open", "Places", [(SKILLS, "Negotiation")], capacity=3)
    client.force_login(enrolled_mentee)

    page = search(client, option, (SKILLS, "Negotiation"), open="1").content.decode()

    assert "3 of 3 places open" in page


def test_the_index_follows_changes_without_a_restart(client, enrolled_mentee, add_mentor, option):
    mentor = add_mentor("Changes", "Mind", [(SKILLS, "Negotiation")])
    client.force_login(enrolled_mentee)
    assert names(search(client, option, (SKILLS, "Negotiation"))) == ["Changes Mind"]

    enroll(mentor, "mentor", option_ids=[option(SKILLS, "Team Building").pk], max_mentees=2)
    add_mentor("Newly", "Enrolled", [(SKILLS, "Negotiation")])

    assert names(search(client, option, (SKILLS, "Negotiation"))) == ["Newly Enrolled"]
    assert names(search(client, option, (SKILLS, "Team Building"))) == ["Changes Mind"]


def test_find_a_mentee_works_the_same_way_for_mentors(
    client, enrolled_mentor, enrolled_mentee, option
):
    client.force_login(enrolled_mentor)

    response = client.get("/find-a-mentee/", {"s": "1", "o": [option(SKILLS, "Negotiation").pk]})

    assert names(response) == ["Maria Santos"]
    assert "Find a Mentee" in response.content.decode()


# --- Bad input: a clear message or the nearest valid page, never a server error -----------------


@pytest.fixture
def many_mentors(add_mentor):
    for n in range(45):
        add_mentor(f"M{n:02d}", "Mentor", [(SKILLS, "Negotiation")])


@pytest.mark.parametrize(
    ("page", "shown"),
    [
        ("1", "Page 1 of 3"),
        ("abc", "Page 1 of 3"),
        ("-4", "Page 1 of 3"),
        ("99999999999999999999", "Page 3 of 3"),
        ("", "Page 1 of 3"),
    ],
)
def test_odd_page_numbers_give_the_nearest_page(client, enrolled_mentee, many_mentors, page, shown):
    client.force_login(enrolled_mentee)

    response = client.get("/find-a-mentor/", {"s": "1", "page": page})

    assert response.status_code == 200
    assert shown in response.content.decode()


def test_unknown_option_ids_are_left_out_with_a_message(
    client, enrolled_mentee, add_mentor, option
):
    add_mentor("Still", "Found", [(SKILLS, "Negotiation")])
    client.force_login(enrolled_mentee)

    response = client.get(
        "/find-a-mentor/", {"s": "1", "o": ["999999", "x", str(option(SKILLS, "Negotiation").pk)]}
    )

    assert response.status_code == 200
    assert "Some criteria in this link are not offered any more" in response.content.decode()
    assert names(response) == ["Still Found"]


def test_a_10000_character_keyword_is_shortened_with_a_message(client, enrolled_mentee):
    client.force_login(enrolled_mentee)

    response = client.get("/find-a-mentor/", {"s": "1", "q": "negotiation " * 1000})

    assert response.status_code == 200
    assert "The keywords were shortened to 200 characters." in response.content.decode()


def test_repeated_and_unknown_parameters_do_not_break_the_page(client, enrolled_mentee):
    client.force_login(enrolled_mentee)

    response = client.get(
        "/find-a-mentor/?s=1&q=a&q=b&sort=name&sort=bogus&country=ZZ&tz=Mars/Olympus&page=1&page=2&open=1&open=0"
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "That country is not one we know" in page
    assert "That time zone is not one we know" in page


def test_the_number_of_queries_does_not_grow_with_page_or_criteria(
    client, enrolled_mentee, many_mentors, option
):
    client.force_login(enrolled_mentee)
    client.get("/find-a-mentor/")  # builds the index

    def queries(**params):
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/find-a-mentor/", {"s": "1", **params}).status_code == 200
        return len(captured)

    one = queries(o=[option(SKILLS, "Negotiation").pk], page=1)
    assert queries(o=[option(SKILLS, "Negotiation").pk], page=3) == one
    assert (
        queries(
            o=[
                option(SKILLS, "Negotiation").pk,
                option(AREAS, "Sourcing").pk,
                option(SKILLS, "Communication").pk,
                option(AREAS, "Value Analysis").pk,
            ],
            q="mentor",
            page=2,
        )
        <= one
    )
    assert queries(page=2, q="m00 m01") <= one


def test_an_htmx_request_gets_the_page_to_swap_in(client, enrolled_mentee, add_mentor, option):
    add_mentor("Via", "Htmx", [(SKILLS, "Negotiation")])
    client.force_login(enrolled_mentee)

    response = client.get(
        "/find-a-mentor/",
        {"s": "1", "o": [option(SKILLS, "Negotiation").pk]},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert 'id="find"' in response.content.decode()
    assert names(response) == ["Via Htmx"]


def test_an_account_switched_off_leaves_the_results_at_once(
    client, enrolled_mentee, add_mentor, option
):
    leaving = add_mentor("Soon", "Gone", [(SKILLS, "Negotiation")])
    add_mentor("Still", "Here", [(SKILLS, "Negotiation")])
    client.force_login(enrolled_mentee)
    assert sorted(names(search(client, option, (SKILLS, "Negotiation")))) == [
        "Soon Gone",
        "Still Here",
    ]

    # Staff switch the account off in the admin: no timestamp the index watches changes.
    leaving.is_active = False
    leaving.save()

    assert names(search(client, option, (SKILLS, "Negotiation"))) == ["Still Here"]


def test_a_changed_name_shows_in_the_results(client, enrolled_mentee, add_mentor, option):
    mentor = add_mentor("Old", "Name", [(SKILLS, "Negotiation")])
    client.force_login(enrolled_mentee)
    assert names(search(client, option, (SKILLS, "Negotiation"))) == ["Old Name"]

    profile = mentor.profile
    profile.first_name = "New"
    profile.save()

    assert names(search(client, option, (SKILLS, "Negotiation"))) == ["New Name"]


def test_a_mentor_with_no_open_place_is_hidden_or_shown_with_the_badge_disabled(
    client, enrolled_mentee, add_mentor, option
):
    from mentoring import search as search_module

    full = add_mentor("Full", "Mentor", [(SKILLS, "Negotiation")], capacity=1)
    add_mentor("Free", "Mentor", [(SKILLS, "Negotiation")], capacity=1)
    client.force_login(enrolled_mentee)
    search(client, option, (SKILLS, "Negotiation"))  # builds the index
    # Relationships arrive with the requests issue; until then the index's count of active
    # mentees is set here, as accepting a request will.
    index = search_module.index_for("mentor")
    index.active_count[index.row_of[Enrollment.objects.get(user=full).pk]] = 1
    index.forget_derived()

    only_open = search(client, option, (SKILLS, "Negotiation"), open="1")
    everyone = search(client, option, (SKILLS, "Negotiation"))

    assert names(only_open) == ["Free Mentor"]
    assert sorted(names(everyone)) == ["Free Mentor", "Full Mentor"]
    page = everyone.content.decode()
    assert "No open place: already mentoring 1" in page
    assert 'class="role-badge role-badge-disabled" aria-disabled="true"' in page


# --- The score as a percentage, and criteria with a direction (mentoring/matching.py) ------------

STAGE = "Career Stage"
YEARS = "Years of Experience"
REGION = "Region"
FORMAT = "Preferred Meeting Format"
STAGES = ["Student or new to the field", "Early career", "Mid-career", "Manager", "Director"]


@pytest.fixture
def add_mentee(make_member, option):
    counter = {"n": 0}

    def add(first, last, options):
        counter["n"] += 1
        user = make_member(f"{first.lower()}.mentee{counter['n']}@example.com", first, last)
        enroll(
            user, "mentee", option_ids=[option(category, label).pk for category, label in options]
        )
        return user

    return add


def scores_of(response):
    return [int(s) for s in re.findall(r'class="score-number">(\d+)<', response.content.decode())]


def facet_count(page, option, category, label):
    pk = option(category, label).pk
    return int(re.search(rf'<label for="o{pk}">[^<]*<span class="count">\((\d+)\)', page).group(1))


def test_a_mentor_meeting_everything_the_mentee_asked_for_shows_100_percent(
    client, mentee, add_mentor, option
):
    # The mentee's enrollment names two areas, a career stage, a region and a meeting format.
    enroll(
        mentee,
        "mentee",
        option_ids=[
            option(AREAS, "Value Analysis").pk,
            option(AREAS, "Sourcing").pk,
            option(STAGE, "Early career").pk,
            option(REGION, "Midwest").pk,
            option(FORMAT, "Video").pk,
        ],
    )
    add_mentor(
        "Every",
        "Wish",
        [
            (AREAS, "Value Analysis"),
            (AREAS, "Sourcing"),
            (AREAS, "Contracting & Purchasing"),
            (STAGE, "Director"),
            (REGION, "West"),
            (FORMAT, "Phone"),
        ],
    )
    add_mentor("Half", "Way", [(AREAS, "Value Analysis"), (STAGE, "Mid-career")])
    client.force_login(mentee)

    response = client.get("/find-a-mentor/")
    page = response.content.decode()

    # Another region and another format cost nothing: preferences only ever add.
    assert names(response) == ["Every Wish", "Half Way"]
    # Half Way: half the areas (weight 3) and one step ahead (¾ of weight 1): 2.25 of 4.
    assert scores_of(response) == [100, 56]
    assert '100<span class="score-unit">&nbsp;%</span>' in page
    explanations = re.findall(r'class="explanation">([^<]+)<', page)
    assert explanations == [
        "Shares 2 of your 2 areas of professional experience · 3 steps ahead in career stage",
        "Shares 1 of your 2 areas of professional experience · 1 step ahead in career stage",
    ]


def test_find_a_mentee_shows_the_same_percentage_for_the_same_pair(
    client, mentee, add_mentor, option
):
    enroll(
        mentee,
        "mentee",
        option_ids=[
            option(AREAS, "Value Analysis").pk,
            option(AREAS, "Sourcing").pk,
            option(STAGE, "Early career").pk,
        ],
    )
    mentor = add_mentor("Half", "Way", [(AREAS, "Value Analysis"), (STAGE, "Mid-career")])
    client.force_login(mentee)
    assert scores_of(client.get("/find-a-mentor/")) == [56]
    client.force_login(mentor)

    response = client.get("/find-a-mentee/")

    assert names(response) == ["Maria Santos"]
    assert scores_of(response) == [56]
    assert re.findall(r'class="explanation">([^<]+)<', response.content.decode()) == [
        "Shares 1 of their 2 areas of professional experience"
        " · you are 1 step ahead in career stage"
    ]


def test_an_ordered_category_counts_and_filters_mentors_at_or_above_a_level(
    client, enrolled_mentee, add_mentor, option
):
    for stage in ["Student or new to the field", "Early career", "Mid-career", "Director"]:
        add_mentor(stage.split()[0], "Mentor", [(SKILLS, "Negotiation"), (STAGE, stage)])
    client.force_login(enrolled_mentee)

    page = search(client, option).content.decode()
    mid_or_above = search(client, option, (STAGE, "Mid-career"))

    counts = [facet_count(page, option, STAGE, s) for s in [*STAGES, "Executive"]]
    assert counts == [4, 3, 2, 1, 1, 0]
    assert sorted(names(mid_or_above)) == ["Director Mentor", "Mid-career Mentor"]
    # The count beside a level is what ticking it gives.
    assert facet_count(mid_or_above.content.decode(), option, STAGE, "Mid-career") == 2


def test_an_ordered_category_counts_and_filters_mentees_at_or_below_a_level(
    client, enrolled_mentor, add_mentee, option
):
    for stage in ["Student or new to the field", "Early career", "Director"]:
        add_mentee(stage.split()[0], "Mentee", [(SKILLS, "Negotiation"), (STAGE, stage)])
    client.force_login(enrolled_mentor)

    page = client.get("/find-a-mentee/", {"s": "1"}).content.decode()
    early_or_below = client.get(
        "/find-a-mentee/", {"s": "1", "o": [option(STAGE, "Early career").pk]}
    )

    counts = [facet_count(page, option, STAGE, s) for s in [*STAGES, "Executive"]]
    assert counts == [1, 2, 2, 2, 3, 3]
    assert sorted(names(early_or_below)) == ["Early Mentee", "Student Mentee"]


def test_a_must_match_ordered_category_keeps_only_mentors_at_or_above(
    client, mentee, add_mentor, option
):
    from mentoring.models import CriterionCategory

    CriterionCategory.objects.filter(name=YEARS).update(must_match=True)
    enroll(mentee, "mentee", option_ids=[option(SKILLS, "Negotiation").pk, option(YEARS, "3–5").pk])
    for years in ["Less than 3", "3–5", "11–20"]:
        add_mentor("Years", years, [(SKILLS, "Negotiation"), (YEARS, years)])
    client.force_login(mentee)

    response = search(client, option, (SKILLS, "Negotiation"))

    assert sorted(names(response)) == ["Years 11–20", "Years 3–5"]


def test_suggestions_never_prefill_an_ordered_category(client, mentee, add_mentor, option):
    from mentoring.models import CriterionCategory

    # Even as the heaviest category, a career stage is not a filter: it would list only peers.
    CriterionCategory.objects.filter(name=STAGE).update(weight=5)
    enroll(
        mentee,
        "mentee",
        option_ids=[option(AREAS, "Value Analysis").pk, option(STAGE, "Early career").pk],
    )
    add_mentor("Ahead", "Shares", [(AREAS, "Value Analysis"), (STAGE, "Director")])
    add_mentor("Peer", "Other", [(AREAS, "Sourcing"), (STAGE, "Early career")])
    client.force_login(mentee)

    response = client.get("/find-a-mentor/")
    page = response.content.decode()

    assert re.search(rf'value="{option(AREAS, "Value Analysis").pk}" checked', page)
    assert not re.search(rf'value="{option(STAGE, "Early career").pk}" checked', page)
    assert names(response) == ["Ahead Shares"]


@pytest.mark.parametrize("target_role", ["mentor", "mentee"])
def test_the_index_scores_real_enrollments_exactly_like_match_score(
    target_role, make_member, option
):
    import random

    import numpy as np
    from django.http import QueryDict

    from mentoring import find
    from mentoring import search as search_module
    from mentoring.matching import match_score
    from mentoring.models import CriterionCategory

    rng = random.Random(13)
    categories = list(CriterionCategory.objects.prefetch_related("options"))
    searcher_role = "mentee" if target_role == "mentor" else "mentor"

    def draw():
        chosen = []
        for category in categories:
            options = [o.pk for o in category.options.all()]
            if rng.random() < 0.8:
                k = rng.choice([1, 1, 2, 3]) if category.multiple else 1
                chosen.extend(rng.sample(options, k))
        return chosen or [options[0]]

    for n in range(40):
        member = make_member(f"member{n}@example.com", "Member", f"{n:02d}")
        enroll(member, target_role, option_ids=draw(), max_mentees=2)
    searcher = make_member("searcher@example.com", "Sear", "Cher")
    own = draw()
    enroll(searcher, searcher_role, option_ids=own, max_mentees=2)

    form = find.build(QueryDict(""), searcher=searcher, own_option_ids=own, target_role=target_role)
    index = search_module.index_for(target_role)
    rows = np.array(sorted(index.row_of[e.pk] for e in Enrollment.objects.filter(role=target_role)))
    query = form.query

    vectorised = search_module.score_rows(index, rows, query).astype(int).tolist()

    expected = [
        match_score(
            query.criteria,
            search_module._by_category(index.options_of(row), query.options_by_category),
            query.categories,
            searcher_is_mentee=target_role == "mentor",
        ).score
        for row in rows
    ]
    assert vectorised == expected
    assert {c.kind for c in query.categories} == {"same", "ahead", "preference"}
    assert len(set(expected)) > 5
