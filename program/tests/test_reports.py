"""The staff reports: who may read them, the figures, the filters, paging and the CSV download."""

import csv
import io
from datetime import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from mentoring.models import (
    CriterionOption,
    Enrollment,
    MentoringRequest,
    ProgramSettings,
    Relationship,
)
from mentoring.services.enrollment import enroll, set_participation, withdraw
from mentoring.services.relationships import complete_relationship
from mentoring.services.requests import accept_request, send_request
from program.reports import REPORTS, safe_cell
from program.templatetags.program_tags import report_rows

pytestmark = pytest.mark.django_db

SLUGS = list(REPORTS)
REPORT_URLS = [
    reverse("program:reports"),
    *(reverse("program:report", args=[slug]) for slug in SLUGS),
    *(reverse("program:report_csv", args=[slug]) for slug in SLUGS),
]


def on(day):
    return time_machine.travel(datetime.fromisoformat(f"{day}T10:00:00+00:00"), tick=False)


def open_report(client, slug, **filters):
    return client.get(reverse("program:report", args=[slug]), filters)


def rows(client, slug, **filters):
    response = open_report(client, slug, **filters)
    assert response.status_code == 200
    return response.context["rows"]


def download(client, slug, **filters):
    response = client.get(reverse("program:report_csv", args=[slug]), filters)
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def by_email(table, column=1):
    return {row[column]: row for row in table}


@pytest.fixture
def cast(mentor, mentee, make_member, option, outsider):
    """A small known program:

    - David mentors (enrolled 10 Jan 2025, 2 places): Value Analysis, Sourcing, Negotiation.
    - Maria is his mentee (enrolled 5 Feb, relationship since 10 Feb): Value Analysis, Negotiation.
    - Sam enrolled as a mentee on 1 Mar (Sourcing) and is waiting on a request to David.
    - Olivia enrolled as a mentee on 15 Mar (Negotiation) and withdrew.
    """
    value_analysis = option("Areas of Professional Experience", "Value Analysis").pk
    sourcing = option("Areas of Professional Experience", "Sourcing").pk
    negotiation = option("Leadership Skills", "Negotiation").pk
    sam = make_member("sam@example.com", "Sam", "Lee", job_title="Analyst", city="Leeds")
    with on("2025-01-10"):
        enroll(mentor, "mentor", option_ids=[value_analysis, sourcing, negotiation], max_mentees=2)
    with on("2025-02-05"):
        enroll(mentee, "mentee", option_ids=[value_analysis, negotiation])
    with on("2025-02-10"):
        accept_request(send_request(mentee, mentor, recipient_role="mentor").pk, mentor)
    with on("2025-03-01"):
        enroll(sam, "mentee", option_ids=[sourcing])
        send_request(sam, mentor, recipient_role="mentor")
    with on("2025-03-15"):
        withdraw(enroll(outsider, "mentee", option_ids=[negotiation]))
    return {"david": mentor, "maria": mentee, "sam": sam, "olivia": outsider}


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def pairs(make_member, option, count, start=0):
    """`count` mentors, each with one mentee and an active relationship."""
    areas = [option("Areas of Professional Experience", "Sourcing").pk]
    for n in range(start, start + count):
        mentor = make_member(f"mentor{n}@example.com", "Mentor", f"Number{n:03}")
        mentee = make_member(f"mentee{n}@example.com", "Mentee", f"Number{n:03}")
        enroll(mentor, "mentor", option_ids=areas, max_mentees=1)
        enroll(mentee, "mentee", option_ids=areas)
        accept_request(send_request(mentee, mentor, recipient_role="mentor").pk, mentor)


# --- Who may read them -----------------------------------------------------------------------


@pytest.mark.parametrize("url", REPORT_URLS)
def test_a_member_who_is_not_staff_gets_404(client, mentee, url):
    client.force_login(mentee)

    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", REPORT_URLS)
def test_an_anonymous_visitor_is_asked_to_sign_in(client, url):
    response = client.get(url)

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_an_unknown_report_is_404(staff_client):
    assert staff_client.get("/staff/reports/payroll/").status_code == 404
    assert staff_client.get("/staff/reports/payroll/csv").status_code == 404


def test_the_index_lists_the_four_reports(staff_client):
    response = staff_client.get("/staff/reports/")

    html = response.content.decode()
    assert response.status_code == 200 and response.context["staff_section"] == "reports"
    for slug, title in [
        ("mentees", "Mentees"),
        ("mentors", "Mentors"),
        ("participants", "Mentors and Mentees"),
        ("relationships", "Mentoring Relationships"),
    ]:
        assert f'href="/staff/reports/{slug}/">{title}</a>' in html
    assert 'href="/staff/reports/" aria-current="page"' in html


# --- The figures -----------------------------------------------------------------------------


def test_mentees_lists_enrolled_mentees_with_their_figures(staff_client, cast):
    table = rows(staff_client, "mentees")

    assert [row[0] for row in table] == ["Sam Lee", "Maria Santos"]
    maria = by_email(table)["maria@example.com"]
    assert maria == [
        "Maria Santos",
        "maria@example.com",
        "Buyer",
        "Riverside Hospital",
        "",
        "Active",
        "2025-02-05",
        "Value Analysis; Negotiation",
        1,
        0,
    ]
    sam = by_email(table)["sam@example.com"]
    assert sam[4] == "Leeds" and sam[7] == "Sourcing" and sam[8:] == [0, 1]


def test_mentors_shows_capacity_active_mentees_and_open_places(staff_client, cast):
    (david,) = rows(staff_client, "mentors")

    assert david[:2] == ["David Okafor", "david@example.com"]
    # In the order staff gave the options, category by category.
    assert david[7] == "Sourcing; Value Analysis; Negotiation"
    assert david[8:] == [2, 1, 1, 0]


def test_a_full_mentor_has_no_open_places(staff_client, cast):
    waiting = MentoringRequest.objects.get(mentee=cast["sam"], status="pending")
    accept_request(waiting.pk, cast["david"])

    (david,) = rows(staff_client, "mentors")

    assert david[8:] == [2, 2, 0, 0]


def test_participants_has_one_row_per_enrollment_with_the_programs_role_names(
    staff_client, cast, option
):
    settings_row = ProgramSettings.current()
    settings_row.mentor_label = "Coach"
    settings_row.save()
    enroll(
        cast["maria"],
        "mentor",
        option_ids=[option("Leadership Skills", "Negotiation").pk],
        max_mentees=1,
    )

    table = rows(staff_client, "participants")

    assert sorted((row[0], row[2]) for row in table) == [
        ("David Okafor", "Coach"),
        ("Maria Santos", "Coach"),
        ("Maria Santos", "Mentee"),
        ("Sam Lee", "Mentee"),
    ]
    maria_as_mentee = next(r for r in table if r[0] == "Maria Santos" and r[2] == "Mentee")
    maria_as_coach = next(r for r in table if r[0] == "Maria Santos" and r[2] == "Coach")
    assert maria_as_mentee[9:] == [1, 0] and maria_as_coach[9:] == [0, 0]


def test_relationships_lists_both_partners_and_the_plan(staff_client, cast):
    with on("2025-04-20"):
        complete_relationship(Relationship.objects.get().pk, cast["maria"], outcome="goals_met")

    (row,) = rows(staff_client, "relationships")

    assert row == [
        "David Okafor",
        "david@example.com",
        "Maria Santos",
        "maria@example.com",
        "Completed",
        "2025-02-10",
        "2025-04-20",
        "Goals met",
        6,
        "Monthly",
    ]


@pytest.fixture
def crossed(cast, option):
    """The cast with members in both roles and requests every way: Maria also mentors (1 place)
    and Olivia, back as a mentor (3 places) and a mentee, has a request out in each role; David
    has asked Olivia to be his mentee, and Maria once mentored Sam (completed)."""
    negotiation = option("Leadership Skills", "Negotiation").pk
    david, maria, sam, olivia = (cast[name] for name in ("david", "maria", "sam", "olivia"))
    enroll(maria, "mentor", option_ids=[negotiation], max_mentees=1)
    enroll(olivia, "mentor", option_ids=[negotiation], max_mentees=3)
    enroll(olivia, "mentee", option_ids=[negotiation])
    finished = accept_request(send_request(sam, maria, recipient_role="mentor").pk, maria)
    complete_relationship(finished.pk, maria, outcome="goals_met")
    send_request(olivia, sam, recipient_role="mentee")
    send_request(olivia, maria, recipient_role="mentor")
    send_request(david, olivia, recipient_role="mentee")
    return cast


def figures_one_by_one(enrollment):
    """An enrollment's figures counted on their own, in its own role, from the same definitions:
    (capacity, active relationships, open places, pending requests sent)."""
    own = (
        {"mentor": enrollment.user} if enrollment.role == "mentor" else {"mentee": enrollment.user}
    )
    return (
        enrollment.max_mentees,
        Relationship.objects.active().filter(**own).count(),
        enrollment.open_places(),
        MentoringRequest.objects.filter(status="pending", requester=enrollment.user, **own).count(),
    )


@pytest.mark.parametrize("read", [rows, download], ids=["page", "csv"])
def test_every_figure_equals_the_enrollments_own_count_in_its_role(staff_client, crossed, read):
    participants = read(staff_client, "participants")
    mentors = read(staff_client, "mentors")
    if read is download:
        participants, mentors = participants[1:], mentors[1:]

    expected = {
        (e.user.email, e.role): figures_one_by_one(e) for e in Enrollment.objects.enrolled()
    }
    role_of = {"Mentor": "mentor", "Mentee": "mentee"}
    shown = {(row[1], role_of[row[2]]): [str(cell) for cell in row[9:]] for row in participants}
    assert shown == {
        key: [str(active), str(pending)] for key, (_, active, _, pending) in expected.items()
    }
    assert {row[1]: [str(cell) for cell in row[8:]] for row in mentors} == {
        email: [str(cell) for cell in figures]
        for (email, role), figures in expected.items()
        if role == "mentor"
    }
    # The cast is varied enough for the comparison to mean something.
    assert expected[("olivia@example.com", "mentor")] == (3, 0, 3, 1)
    assert expected[("olivia@example.com", "mentee")] == (None, 0, 0, 1)
    assert expected[("maria@example.com", "mentor")] == (1, 0, 1, 0)
    assert expected[("david@example.com", "mentor")] == (2, 1, 1, 1)


# --- Filters ---------------------------------------------------------------------------------


def test_the_date_range_counts_the_day_it_was_enrolled_on_both_ends(staff_client, cast):
    table = rows(staff_client, "participants", date_from="2025-02-05", date_to="2025-03-01")

    assert sorted(row[1] for row in table) == ["maria@example.com", "sam@example.com"]


def test_an_open_ended_range_reaches_the_first_or_last_enrollment(staff_client, cast):
    assert [r[1] for r in rows(staff_client, "participants", date_to="2025-01-10")] == [
        "david@example.com"
    ]
    assert [r[1] for r in rows(staff_client, "mentees", date_from="2025-02-06")] == [
        "sam@example.com"
    ]


def test_withdrawn_enrollments_appear_only_when_asked_for(staff_client, cast):
    assert "olivia@example.com" not in by_email(rows(staff_client, "mentees"))
    assert [r[1] for r in rows(staff_client, "mentees", status="withdrawn")] == [
        "olivia@example.com"
    ]
    everyone = by_email(rows(staff_client, "mentees", status="all"))
    assert set(everyone) == {"maria@example.com", "sam@example.com", "olivia@example.com"}
    assert everyone["olivia@example.com"][5] == "Withdrawn"


def test_the_status_filter_picks_paused_members(staff_client, cast):
    set_participation(Enrollment.objects.get(user=cast["sam"]), paused=True)

    (sam,) = rows(staff_client, "mentees", status="paused")

    assert sam[1] == "sam@example.com" and sam[5] == "Temporarily Not Participating"
    assert [r[1] for r in rows(staff_client, "mentees", status="active")] == ["maria@example.com"]


def test_the_role_filter_keeps_one_role(staff_client, cast):
    assert [r[1] for r in rows(staff_client, "participants", role="mentor")] == [
        "david@example.com"
    ]
    assert len(rows(staff_client, "participants", role="mentee")) == 2


def test_the_criterion_filter_keeps_enrollments_that_chose_it(staff_client, cast, option):
    sourcing = option("Areas of Professional Experience", "Sourcing").pk

    chose_it = rows(staff_client, "participants", option=sourcing)

    assert sorted(row[1] for row in chose_it) == ["david@example.com", "sam@example.com"]
    assert [r[1] for r in rows(staff_client, "mentees", option=sourcing)] == ["sam@example.com"]


def test_relationships_are_filtered_by_start_date_and_status(
    staff_client, cast, make_member, option
):
    with on("2025-06-01"):
        pairs(make_member, option, 1)

    june = rows(staff_client, "relationships", date_from="2025-06-01", date_to="2025-06-30")
    assert [row[0] for row in june] == ["Mentor Number000"]
    assert len(rows(staff_client, "relationships", date_to="2025-05-31")) == 1
    assert len(rows(staff_client, "relationships", status="completed")) == 0
    assert len(rows(staff_client, "relationships", status="active")) == 2


def test_the_relationships_report_has_no_role_or_criterion_filter(staff_client):
    form = open_report(staff_client, "relationships").context["form"]

    assert list(form.fields) == ["date_from", "date_to", "status"]
    assert "role" not in open_report(staff_client, "mentors").context["form"].fields


def test_the_criterion_choices_are_each_options_own_name(staff_client, option):
    option("Leadership Skills", "Negotiation")

    form = open_report(staff_client, "mentees").context["form"]

    assert list(form.fields["option"].choices)[1:] == [
        (choice.pk, str(choice)) for choice in CriterionOption.objects.all()
    ]


# --- Bad filter input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "filters, message",
    [
        ({"date_from": "2025-13-45"}, "Enter a valid date."),
        ({"date_to": "yesterday"}, "Enter a valid date."),
        ({"date_to": "9999-12-31"}, "Enter a date between 1900 and 2999."),
        ({"date_from": "2025-03-01", "date_to": "2025-02-01"}, "must not be after"),
        ({"status": "sleeping"}, "Select a valid choice."),
        ({"role": "coach"}, "Select a valid choice."),
        ({"option": "999999"}, "Select a valid choice."),
        ({"option": "1\x00"}, "Null characters are not allowed."),
    ],
)
def test_bad_filters_show_the_error_and_no_report(staff_client, cast, filters, message):
    response = open_report(staff_client, "participants", **filters)

    html = response.content.decode()
    assert response.status_code == 400
    assert message in html and "Please correct the filters" in html
    assert "rows" not in response.context and "Download CSV" not in html


def test_a_csv_with_bad_filters_is_refused(staff_client, cast):
    response = staff_client.get(
        reverse("program:report_csv", args=["mentees"]), {"date_from": "2025-13-45"}
    )

    assert response.status_code == 400
    assert "Enrolled from: Enter a valid date." in response.content.decode()


# --- Paging ----------------------------------------------------------------------------------


def test_fifty_rows_a_page_with_the_total_and_the_filters_kept(staff_client, make_member, option):
    pairs(make_member, option, 55)

    first = open_report(staff_client, "mentors", status="active")
    second = open_report(staff_client, "mentors", status="active", page=2)

    assert len(first.context["rows"]) == 50 and len(second.context["rows"]) == 5
    assert second.context["rows"][-1][1] == "mentor54@example.com"
    html = first.content.decode()
    assert "55 rows match these filters." in html
    assert 'href="?status=active&amp;page=2">Next</a>' in html
    assert open_report(staff_client, "mentors", page=99).context["page"].number == 2


def test_an_empty_report_says_so(staff_client):
    response = open_report(staff_client, "relationships")

    assert response.status_code == 200
    assert "No rows match these filters." in response.content.decode()


@pytest.mark.parametrize("slug", SLUGS)
def test_a_page_costs_the_same_queries_for_3_rows_as_for_30(
    staff_client, make_member, option, slug
):
    per_pair = 2 if slug == "participants" else 1
    pairs(make_member, option, 3)
    open_report(staff_client, slug)  # Settings and session read once, as on any later page.
    with CaptureQueriesContext(connection) as few:
        assert len(open_report(staff_client, slug).context["rows"]) == 3 * per_pair
    pairs(make_member, option, 27, start=3)

    with CaptureQueriesContext(connection) as many:
        assert len(open_report(staff_client, slug).context["rows"]) == min(30 * per_pair, 50)

    assert len(many) == len(few), [query["sql"] for query in many.captured_queries]


def test_a_page_escapes_each_cell_as_the_template_would():
    cells = ["<b class=\"x\">Tom & 'Jo'</b>", 3, None, "", mark_safe("<i>kept</i>")]

    html = report_rows([cells, cells])

    row = "<tr>" + "".join(f"<td>{conditional_escape(cell)}</td>" for cell in cells) + "</tr>"
    assert html == row + "\n" + row
    assert "<td>&lt;b class=&quot;x&quot;&gt;Tom &amp; &#x27;Jo&#x27;&lt;/b&gt;</td>" in html


# --- CSV -------------------------------------------------------------------------------------


def test_the_csv_is_streamed_as_an_attachment_named_after_the_report(staff_client, cast):
    with on("2025-07-04"):
        response = staff_client.get(reverse("program:report_csv", args=["mentors"]))

    assert response.status_code == 200 and response.streaming is True
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="mentors-2025-07-04.csv"'


def test_the_csv_has_the_header_then_the_same_rows_as_the_page(staff_client, cast):
    table = download(staff_client, "mentees")

    assert table[0] == list(REPORTS["mentees"].columns)
    assert table[1:] == [[str(cell) for cell in row] for row in rows(staff_client, "mentees")]
    assert by_email(table[1:])["maria@example.com"][7] == "Value Analysis; Negotiation"


def test_the_csv_honours_the_filters_and_the_link_carries_them(staff_client, cast, option):
    sourcing = option("Areas of Professional Experience", "Sourcing").pk

    html = open_report(
        staff_client, "participants", role="mentee", option=sourcing
    ).content.decode()
    table = download(staff_client, "participants", role="mentee", option=sourcing)

    assert f'href="/staff/reports/participants/csv?role=mentee&amp;option={sourcing}"' in html
    assert [row[1] for row in table[1:]] == ["sam@example.com"]


def test_the_csv_of_relationships_covers_every_row_not_one_page(staff_client, make_member, option):
    pairs(make_member, option, 55)

    table = download(staff_client, "relationships")

    assert len(table) == 1 + 55
    assert table[1][:4] == [
        "Mentor Number000",
        "mentor0@example.com",
        "Mentee Number000",
        "mentee0@example.com",
    ]


def test_the_csv_costs_the_same_queries_for_3_rows_as_for_30(staff_client, make_member, option):
    pairs(make_member, option, 3)
    download(staff_client, "participants")
    with CaptureQueriesContext(connection) as few:
        assert len(download(staff_client, "participants")) == 1 + 6
    pairs(make_member, option, 27, start=3)

    with CaptureQueriesContext(connection) as many:
        assert len(download(staff_client, "participants")) == 1 + 60

    assert len(many) == len(few)


# --- Formula injection -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["=1+1", "+1", "-1", "@SUM(1)", "\tcmd", "\rcmd", '=HYPERLINK("http://evil")']
)
def test_a_cell_that_a_spreadsheet_would_run_starts_with_a_quote(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value, shown", [("Buyer", "Buyer"), ("a=b", "a=b"), (3, "3"), (None, "")])
def test_other_cells_are_left_as_they_are(value, shown):
    assert safe_cell(value) == shown


@pytest.mark.parametrize(
    "text, shown",
    [
        ("Buyer;=1+1;", "Buyer;'=1+1;"),
        ("Buyer,+1", "Buyer,'+1"),
        ("Buyer\t@SUM(1)", "Buyer\t'@SUM(1)"),
        ("Buyer\n-2+3", "Buyer\n'-2+3"),
        ("=1;=2", "'=1;'=2"),
        ("\r=1", "'\r'=1"),
    ],
)
def test_a_formula_after_a_separator_is_neutralised_too(text, shown):
    assert safe_cell(text) == shown


def test_every_csv_cell_is_quoted(staff_client, make_member, option):
    member = make_member("semi@example.com", "Semi", "Colon", job_title="Buyer;=1+1;")
    enroll(member, "mentee", option_ids=[option("Leadership Skills", "Negotiation").pk])

    response = staff_client.get(reverse("program:report_csv", args=["mentees"]))
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()

    assert lines[1].startswith('"Semi Colon","semi@example.com"')
    assert all(line.startswith('"') and line.endswith('"') for line in lines)
    assert '"Buyer;\'=1+1;"' in lines[1]


def test_a_members_formula_comes_out_of_the_csv_as_text(staff_client, make_member, option):
    evil = make_member(
        "evil@example.com", "@SUM(1)", "Person", organization='=HYPERLINK("http://evil")'
    )
    enroll(evil, "mentee", option_ids=[option("Leadership Skills", "Negotiation").pk])

    (header, row) = download(staff_client, "mentees")

    assert row[0] == "'@SUM(1) Person"
    assert row[3] == '\'=HYPERLINK("http://evil")'
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row)


# --- In a browser ----------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_filter_a_report_in_a_browser(page, staff, cast, assert_accessible, screenshot):
    from tests.browser.pages import sign_in

    sign_in(page, "pat@example.com")
    page.goto("/staff/reports/")
    assert_accessible(page)
    page.get_by_role("link", name="Mentees", exact=True).click()
    page.get_by_label("Status").select_option("all")
    page.get_by_role("button", name="Show report").click()

    page.get_by_text("3 rows match these filters.").wait_for()
    table = page.get_by_role("table", name="Mentees")
    assert table.get_by_role("cell", name="olivia@example.com").count() == 1
    assert "status=all" in page.get_by_role("link", name="Download CSV").get_attribute("href")
    assert_accessible(page)
    screenshot(page, "mentees-report")

    page.get_by_label("Enrolled from").fill("2025-03-02")
    page.get_by_label("Enrolled to").fill("2025-03-01")
    page.get_by_role("button", name="Show report").click()
    page.get_by_text("must not be after").wait_for()
    assert_accessible(page)
