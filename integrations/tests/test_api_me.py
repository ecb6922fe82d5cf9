"""A member's own token (`me`): "Member scope: my profile, my enrollments, search (same filters, scores
and explanations as the pages), send / accept / decline / withdraw requests, my relationships.
Every write calls the same service functions as the pages." Asked over HTTP with a real token, and
held against what the pages show and send."""

import re
from urllib.parse import urlencode

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import at_the_same_instant
from integrations.services import create_token
from members.models import Profile
from mentoring.models import (
    CheckIn,
    Enrollment,
    MentoringRequest,
    Relationship,
    RequestStatus,
    TimelineEntry,
)
from mentoring.services.enrollment import enroll
from mentoring.services.relationships import complete_relationship, log_check_in
from mentoring.services.requests import accept_request, send_request

pytestmark = pytest.mark.django_db

API = "/api/v1/me"
AREAS = "Areas of Professional Experience"
SKILLS = "Leadership Skills"
HUGE = 2**70


class Api:
    """A client holding one token: api.get("/profile"), api.post("/requests", {...})."""

    def __init__(self, secret):
        self.client = Client()
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    def get(self, path, params=None):
        return self.client.get(API + path, params or {}, **self.auth)

    def post(self, path, body=None):
        return self.client.post(
            API + path, body or {}, content_type="application/json", **self.auth
        )

    def patch(self, path, body):
        return self.client.patch(API + path, body, content_type="application/json", **self.auth)

    def put(self, path, body):
        return self.client.put(API + path, body, content_type="application/json", **self.auth)


@pytest.fixture
def api_as():
    def make(user, scopes=("me",)):
        _, secret = create_token(user, name="My script", scopes=list(scopes))
        return Api(secret)

    return make


def problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    return body


def ask(mentee, mentor, **kwargs):
    return send_request(mentee, mentor, recipient_role="mentor", **kwargs)


# --- Who may use /me at all ---------------------------------------------------------------------

ME_GETS = [
    "/profile",
    "/enrollments",
    "/criteria/mentee",
    "/search/mentors",
    "/requests",
    "/relationships",
]


def test_a_staff_token_without_the_me_scope_is_refused_everywhere_and_changes_nothing(
    api_as, staff, enrolled_mentee, enrolled_mentor
):
    pending = ask(enrolled_mentee, enrolled_mentor)
    api = api_as(staff, scopes=["members:write", "reports:read"])

    for path in ME_GETS:
        assert "lacks the me scope" in problem(api.get(path), 403)["detail"]
    problem(api.patch("/profile", {"first_name": "Hacked"}), 403)
    problem(
        api.post("/requests", {"recipient": enrolled_mentor.pk, "role": "mentor"}),
        403,
    )
    problem(api.post(f"/requests/{pending.pk}/accept"), 403)
    problem(api.put("/enrollments/mentor", {"options": []}), 403)

    staff.profile.refresh_from_db()
    assert staff.profile.first_name == "Pat"
    assert MentoringRequest.objects.get(pk=pending.pk).status == RequestStatus.PENDING
    assert not Enrollment.objects.filter(user=staff).exists()


def test_without_a_live_token_every_me_url_is_a_401_problem(api_as, mentee):
    for path in ME_GETS:
        assert Client().get(API + path).status_code == 401
    api = api_as(mentee)
    api.auth = {"HTTP_AUTHORIZATION": "Bearer mm_not-a-real-token"}
    body = problem(api.get("/profile"), 401)
    assert "Bearer" in body["detail"]


def test_a_signed_in_session_without_a_token_can_change_nothing(
    client, enrolled_mentee, enrolled_mentor
):
    """The pages' session cookie is no key to the API (nor is its CSRF protection needed)."""
    pending = ask(enrolled_mentee, enrolled_mentor)
    client.force_login(enrolled_mentor)

    for path, body in [
        (f"/requests/{pending.pk}/accept", {}),
        (f"/requests/{pending.pk}/decline", {"reason": "no_time"}),
        ("/requests", {"recipient": enrolled_mentee.pk, "role": "mentee"}),
    ]:
        response = client.post(API + path, body, content_type="application/json")
        assert response.status_code == 401
    response = client.patch(API + "/profile", {"city": "X"}, content_type="application/json")
    assert response.status_code == 401

    assert MentoringRequest.objects.get().status == RequestStatus.PENDING
    assert Profile.objects.get(pk=enrolled_mentor.pk).city == ""


# --- Profile ----------------------------------------------------------------------------------


def test_my_profile_shows_what_i_edit_on_the_profile_page(api_as, mentor):
    body = api_as(mentor).get("/profile").json()

    assert body["member_id"] == mentor.pk
    assert body["first_name"] == "David" and body["last_name"] == "Okafor"
    assert body["phone"] == "+1 555 123 4567"
    assert body["contact_visibility"] == "members"
    assert body["is_complete"] is True
    assert "a photo" in body["missing"]
    assert body["profile_url"] == f"/members/{mentor.pk}/"


def test_a_profile_change_saves_only_the_fields_sent(api_as, mentor):
    response = api_as(mentor).patch(
        "/profile",
        {"city": "Chicago", "country": "US", "linkedin_url": "https://www.linkedin.com/in/david"},
    )

    assert response.status_code == 200, response.content
    profile = Profile.objects.get(pk=mentor.pk)
    assert (profile.city, profile.country.code) == ("Chicago", "US")
    assert profile.linkedin_url == "https://www.linkedin.com/in/david"
    assert profile.phone == "+1 555 123 4567"  # not sent, kept
    assert response.json()["city"] == "Chicago"


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"phone": "call me"}, "phone", "at least six digits"),
        ({"linkedin_url": "https://evil.example/in/me"}, "linkedin_url", "LinkedIn profile"),
        ({"first_name": "\u202e"}, "first_name", ""),
        ({"first_name": ""}, "first_name", "required"),
        ({"country": "XX"}, "country", "valid choice"),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "valid choice"),
        ({"contact_email": "not an email"}, "contact_email", "valid email"),
        ({"bio": "x" * 5001}, "bio", "at most 5000"),
    ],
)
def test_a_profile_change_the_page_would_refuse_is_a_422_and_changes_nothing(
    api_as, mentor, change, field, message
):
    before = Profile.objects.filter(pk=mentor.pk).values().get()

    body = problem(api_as(mentor).patch("/profile", change), 422)

    assert [e["location"] for e in body["errors"]] == [f"body.changes.{field}"]
    assert message in body["errors"][0]["message"]
    assert Profile.objects.filter(pk=mentor.pk).values().get() == before


@pytest.mark.parametrize(
    "change",
    [
        {"first_name": 42},
        {"first_name": ["David"]},
        {"contact_visibility": "everyone"},
        {"is_staff": True},  # not a profile field: refused, not ignored
        {"photo": "photos/1/other.jpg"},
    ],
)
def test_a_profile_change_of_the_wrong_shape_is_a_422(api_as, mentor, change):
    before = Profile.objects.filter(pk=mentor.pk).values().get()

    problem(api_as(mentor).patch("/profile", change), 422)

    assert Profile.objects.filter(pk=mentor.pk).values().get() == before
    mentor.refresh_from_db()
    assert not mentor.is_staff


def test_a_nul_byte_in_a_profile_change_is_refused_before_any_database(api_as, mentor):
    response = api_as(mentor).patch("/profile", {"bio": "hello\x00world"})

    assert response.status_code in (400, 422)
    assert response["Content-Type"] == "application/problem+json"
    assert Profile.objects.get(pk=mentor.pk).bio == ""


def test_a_body_that_is_not_json_is_a_problem_not_a_500(api_as, mentor):
    api = api_as(mentor)
    response = api.client.patch(
        API + "/profile", "{not json", content_type="application/json", **api.auth
    )
    assert response.status_code in (400, 422)
    assert response["Content-Type"] == "application/problem+json"


# --- Enrollments ------------------------------------------------------------------------------


def test_my_enrollments_show_criteria_and_open_places_by_the_one_definition(
    api_as, enrolled_mentor, enrolled_mentee
):
    accept_request(ask(enrolled_mentee, enrolled_mentor).pk, enrolled_mentor)

    (mine,) = api_as(enrolled_mentor).get("/enrollments").json()

    counted = Enrollment.objects.with_open_places().get(user=enrolled_mentor, role="mentor")
    assert mine["role"] == "mentor" and mine["status"] == "active"
    assert mine["participation"] == {"active": True, "text": "Active", "until": None, "ended": None}
    assert (mine["max_mentees"], mine["active_mentees"], mine["open_places"]) == (2, 1, 1)
    assert mine["open_places"] == counted.open_places
    assert {c["label"] for c in mine["criteria"]} == {"Value Analysis", "Sourcing", "Negotiation"}
    (as_mentee,) = api_as(enrolled_mentee).get("/enrollments").json()
    assert as_mentee["role"] == "mentee" and as_mentee["open_places"] is None


def test_the_criteria_to_enroll_with_are_the_enrollment_pages(client, api_as, mentee):
    from mentoring.forms import EnrollmentForm
    from mentoring.models import ProgramSettings

    api = api_as(mentee)
    for role in ("mentor", "mentee"):
        categories = api.get(f"/criteria/{role}").json()
        form = EnrollmentForm(role=role, program=ProgramSettings.current())
        assert [(c["name"], [o["label"] for o in c["options"]]) for c in categories] == [
            (field.label, [label for _, label in field.field.choices])
            for field in form.category_fields()
        ]
    problem(api.get("/criteria/boss"), 404)


def test_enrolling_through_the_api_calls_the_same_service_and_goes_on_the_timeline(
    api_as, mentee, option
):
    negotiation = option(SKILLS, "Negotiation").pk
    api = api_as(mentee)

    response = api.put("/enrollments/mentor", {"options": [negotiation], "statement": "Glad to"})

    assert response.status_code == 201, response.content
    enrollment = Enrollment.objects.get(user=mentee, role="mentor")
    assert enrollment.max_mentees == 2  # the program's recommendation, as on the page
    assert list(enrollment.choices.values_list("option_id", flat=True)) == [negotiation]
    assert TimelineEntry.objects.filter(enrollment=enrollment, to_state="active").count() == 1

    again = api.put("/enrollments/mentor", {"options": [negotiation], "max_mentees": 3})
    assert again.status_code == 200 and again.json()["max_mentees"] == 3


@pytest.mark.parametrize(
    "body, status, words",
    [
        ({"options": [HUGE]}, 422, "No such option"),
        ({"options": [987654]}, 422, "No such option"),
        ({"options": ["abc"]}, 422, ""),
        ({"options": []}, 409, "at least one option"),
        ({"options": "negotiation"}, 422, ""),
        ({"options": None, "statement": "x"}, 422, ""),
    ],
)
def test_an_enrollment_the_page_would_refuse_is_refused_and_nothing_is_enrolled(
    api_as, mentee, body, status, words
):
    response = api_as(mentee).put("/enrollments/mentee", body)

    assert words in problem(response, status)["detail"] + str(response.json().get("errors"))
    assert not Enrollment.objects.filter(user=mentee).exists()


def test_an_enrollment_refused_by_the_form_names_the_field(api_as, mentee, option):
    negotiation = option(SKILLS, "Negotiation").pk
    api = api_as(mentee)

    too_many = problem(
        api.put("/enrollments/mentor", {"options": [negotiation], "max_mentees": 99}), 422
    )
    assert too_many["errors"][0]["location"] == "body.enrollment.max_mentees"
    long = problem(
        api.put("/enrollments/mentee", {"options": [negotiation], "statement": "x" * 2001}), 422
    )
    assert long["errors"][0]["location"] == "body.enrollment.statement"
    two_stages = problem(
        api.put(
            "/enrollments/mentee",
            {
                "options": [
                    option("Years of Experience", "3–5").pk,
                    option("Years of Experience", "6–10").pk,
                ]
            },
        ),
        422,
    )
    assert "Choose only one option" in two_stages["errors"][0]["message"]
    assert problem(api.put("/enrollments/boss", {"options": [negotiation]}), 404)
    assert not Enrollment.objects.filter(user=mentee).exists()


def test_an_incomplete_profile_cannot_enroll_by_api_either(api_as, make_member, option):
    member = make_member("new@example.com", "New", "Member", job_title="")

    body = problem(
        api_as(member).put("/enrollments/mentee", {"options": [option(SKILLS, "Negotiation").pk]}),
        409,
    )

    assert "complete your profile" in body["detail"]
    assert not Enrollment.objects.filter(user=member).exists()


# --- Search: the same as the pages ----------------------------------------------------------


@pytest.fixture
def mentors(make_mentor, make_member, option):
    """Mentors who share more or less with Maria (Value Analysis, Negotiation)."""
    people = [
        make_mentor(1, "Ada", "Lovelace", "Value Analysis", "Negotiation"),
        make_mentor(2, "Grace", "Hopper", "Value Analysis", "Coaching Others"),
        make_mentor(3, "Alan", "Turing", "Sourcing", "Negotiation"),
        make_mentor(4, "Edsger", "Dijkstra", "Sourcing", "Communication", max_mentees=1),
        make_mentor(5, "Barbara", "Liskov", "Sterile Processing", "Negotiation"),
        make_mentor(6, "Ken", "Thompson", "Value Analysis", "Negotiation"),
    ]
    # Dijkstra mentors someone already: no open place.
    busy = make_member("busy-mentee@example.com", "Busy", "Mentee")
    enroll(busy, "mentee", option_ids=[option(SKILLS, "Communication").pk])
    accept_request(ask(busy, people[3]).pk, people[3])
    return people


def page_rows(client, member, path, query):
    client.force_login(member)
    response = client.get(f"{path}?{query}")
    assert response.status_code == 200
    rows = response.context["rows"]
    return response.context["results"].total, [
        (row["profile"].user_id, row["name"], row["score"], row["explanation"], row["places"])
        for row in rows
    ]


def api_rows(api, path, query):
    response = api.client.get(f"{API}{path}?{query}", **api.auth)
    assert response.status_code == 200, response.content
    body = response.json()
    return body["count"], [
        (
            item["member"]["member_id"],
            item["member"]["name"],
            item["score"],
            item["explanation"],
            item["places"],
        )
        for item in body["items"]
    ]


@pytest.mark.parametrize(
    "params",
    [
        [],  # Suggested for you: the page opened without s=1
        [("s", "1")],  # everyone, nothing filtered
        [("s", "1"), ("open", "1")],
        [("s", "1"), ("o", "SKILL:Negotiation")],
        [("s", "1"), ("o", "AREA:Value Analysis"), ("o", "AREA:Sourcing"), ("sort", "name")],
        [("q", "lovelace"), ("sg", "1")],
        [("s", "1"), ("sort", "newest")],
        [("s", "1"), ("o", "AREA:Sterile Processing"), ("o", "SKILL:Coaching Others")],  # nobody
    ],
)
def test_search_finds_the_same_members_in_the_same_order_with_the_same_scores_and_words_as_the_page(
    client, api_as, enrolled_mentee, mentors, option, params
):
    labels = {"AREA": AREAS, "SKILL": SKILLS}
    resolved = []
    for name, value in params:
        if name == "o":
            category, label = value.split(":")
            value = str(option(labels[category], label).pk)
        resolved.append((name, value))
    query = urlencode(resolved)

    page_total, on_page = page_rows(
        client, enrolled_mentee, reverse("mentoring:find_mentor"), query
    )
    api_total, from_api = api_rows(api_as(enrolled_mentee), "/search/mentors", query)

    assert from_api == on_page
    assert api_total == page_total
    if params and params[-1][1] != "SKILL:Coaching Others":
        assert on_page  # each of these finds someone: the comparison compares something


def test_a_mentor_searching_mentees_sees_the_page_too(
    client, api_as, enrolled_mentor, enrolled_mentee, make_member, option
):
    other = make_member("sam@example.com", "Sam", "Novice")
    enroll(other, "mentee", option_ids=[option(AREAS, "Sourcing").pk])

    for query in ("", "s=1", "s=1&sort=name"):
        page = page_rows(client, enrolled_mentor, reverse("mentoring:find_mentee"), query)
        assert api_rows(api_as(enrolled_mentor), "/search/mentees", query) == page
    assert len(page[1]) == 2


def test_search_pages_by_limit_and_offset_through_the_same_order(api_as, enrolled_mentee, mentors):
    api = api_as(enrolled_mentee)
    everyone = api.get("/search/mentors", {"s": 1, "limit": 100}).json()
    ids = [item["member"]["member_id"] for item in everyone["items"]]
    assert len(ids) == everyone["count"] == 6

    for limit, offset in [(2, 0), (2, 2), (2, 4), (4, 1), (3, 5), (2, 6), (5, 100)]:
        body = api.get("/search/mentors", {"s": 1, "limit": limit, "offset": offset}).json()
        assert [i["member"]["member_id"] for i in body["items"]] == ids[offset : offset + limit]
        assert body["count"] == 6


def test_search_results_never_carry_contact_details_or_account_emails(
    api_as, enrolled_mentee, mentors
):
    response = api_as(enrolled_mentee).get("/search/mentors", {"s": 1})

    assert all(item["member"]["contact"] is None for item in response.json()["items"])
    assert "@example.com" not in response.content.decode()


def test_search_shows_full_mentors_and_pending_requests_as_the_page_does(
    api_as, enrolled_mentee, mentors
):
    ada, *_, ken = mentors
    ask(enrolled_mentee, ada)
    items = api_as(enrolled_mentee).get("/search/mentors", {"s": 1}).json()["items"]
    by_id = {item["member"]["member_id"]: item for item in items}

    assert by_id[ada.pk]["pending_request"] == {"sent": True}
    assert by_id[ken.pk]["pending_request"] is None
    full = by_id[mentors[3].pk]
    assert (full["open_places"], full["capacity"], full["has_place"]) == (0, 1, False)
    assert full["places"] == "No open place: already mentoring 1"
    assert by_id[ada.pk]["roles"] == ["mentor"]


def test_search_says_what_it_could_not_use_as_the_page_does(api_as, enrolled_mentee, mentors):
    body = (
        api_as(enrolled_mentee)
        .get(
            "/search/mentors",
            {"s": 1, "o": [str(HUGE), "987654"], "country": "ZZ", "tz": "Mars/Base"},
        )
        .json()
    )

    assert body["count"] == 6  # nothing usable was filtered on
    assert len(body["messages"]) == 3
    assert "not offered any more" in body["messages"][0]


def test_search_with_nobody_found_offers_the_filter_to_remove(
    api_as, enrolled_mentee, mentors, option
):
    body = (
        api_as(enrolled_mentee)
        .get(
            "/search/mentors",
            {
                "s": 1,
                "o": [option(AREAS, "Sterile Processing").pk, option(SKILLS, "Coaching Others").pk],
            },
        )
        .json()
    )

    assert body["count"] == 0 and body["items"] == []
    assert body["relaxation"]["count"] == 1
    assert body["relaxation"]["remove"] in ("Sterile Processing", "Coaching Others")


@pytest.mark.parametrize(
    "params",
    [
        {"o": "abc"},
        {"limit": 0},
        {"limit": 101},
        {"offset": -1},
        {"offset": HUGE},
        {"sort": "random"},
        {"s": "maybe"},
        {"q": "x" * 1001},
    ],
)
def test_search_input_of_the_wrong_shape_is_a_422(api_as, enrolled_mentee, params):
    problem(api_as(enrolled_mentee).get("/search/mentors", params), 422)


def test_a_nul_byte_in_a_search_is_refused_not_a_500(api_as, enrolled_mentee):
    response = api_as(enrolled_mentee).get("/search/mentors", {"q": "neg\x00otiation"})
    assert response.status_code in (400, 422)
    assert response["Content-Type"] == "application/problem+json"


def test_only_an_enrolled_mentee_can_find_mentors(api_as, outsider, enrolled_mentor):
    assert "Enroll as a mentee" in problem(api_as(outsider).get("/search/mentors"), 409)["detail"]
    problem(api_as(enrolled_mentor).get("/search/mentors"), 409)


# --- Requests ---------------------------------------------------------------------------------


def same_ids(text):
    """Request and relationship ids written the same way: they differ between the two runs."""
    return re.sub(r"/(requests|relationships)/\d+/", r"/\1/N/", text)


def emails():
    """The emails sent: recipients, subject, text and HTML."""
    return [
        (m.to, m.subject, same_ids(m.body), same_ids(m.alternatives[0][0])) for m in mail.outbox
    ]


def by_page_then_rolled_back(action):
    """What `action` (on the pages) emails, undone afterwards: the same change can then be made
    through the API and its emails compared."""
    mail.outbox.clear()
    savepoint = transaction.savepoint()
    action()
    sent = emails()
    transaction.savepoint_rollback(savepoint)
    mail.outbox.clear()
    return sent


def test_sending_a_request_by_api_sends_the_same_email_as_the_page(
    client, api_as, enrolled_mentee, enrolled_mentor
):
    words = {"message": "Would you mentor me?", "goals": "Negotiation"}
    client.force_login(enrolled_mentee)
    page_url = reverse("mentoring:send_request", args=["mentor", enrolled_mentor.pk])
    from_page = by_page_then_rolled_back(lambda: client.post(page_url, words))
    assert not MentoringRequest.objects.exists()

    response = api_as(enrolled_mentee).post(
        "/requests", {"recipient": enrolled_mentor.pk, "role": "mentor", **words}
    )

    assert response.status_code == 201, response.content
    sent = MentoringRequest.objects.get()
    assert (sent.requester, sent.recipient, sent.message) == (
        enrolled_mentee,
        enrolled_mentor,
        "Would you mentor me?",
    )
    assert TimelineEntry.objects.filter(request=sent, to_state="pending").count() == 1
    assert len(from_page) == 1
    assert emails() == from_page
    body = response.json()
    assert (body["id"], body["status"], body["direction"], body["my_role"]) == (
        sent.pk,
        "pending",
        "sent",
        "mentee",
    )


def test_accepting_by_api_starts_the_relationship_with_the_same_emails_as_the_page(
    client, api_as, enrolled_mentee, enrolled_mentor
):
    pending = ask(enrolled_mentee, enrolled_mentor, goals="Lead the committee")
    client.force_login(enrolled_mentor)
    from_page = by_page_then_rolled_back(
        lambda: client.post(reverse("mentoring:accept", args=[pending.pk]))
    )
    assert MentoringRequest.objects.get(pk=pending.pk).status == "pending"

    response = api_as(enrolled_mentor).post(f"/requests/{pending.pk}/accept")

    assert response.status_code == 200, response.content
    relationship = Relationship.objects.get(request=pending)
    body = response.json()
    assert (body["id"], body["state"], body["my_role"]) == (relationship.pk, "active", "mentor")
    assert body["partner"]["name"] == "Maria Santos"
    assert body["plan"]["goals"] == "Lead the committee"
    assert len(from_page) == 2  # both members are told
    assert emails() == from_page


def test_declining_by_api_takes_the_pages_reasons_and_sends_the_same_email(
    client, api_as, enrolled_mentee, enrolled_mentor
):
    pending = ask(enrolled_mentee, enrolled_mentor)
    words = {"reason": "no_time", "note": "Ask me in spring"}
    client.force_login(enrolled_mentor)
    from_page = by_page_then_rolled_back(
        lambda: client.post(reverse("mentoring:decline", args=[pending.pk]), words)
    )
    api = api_as(enrolled_mentor)

    problem(api.post(f"/requests/{pending.pk}/decline", {"reason": "rude"}), 422)
    problem(api.post(f"/requests/{pending.pk}/decline", {}), 422)
    assert MentoringRequest.objects.get(pk=pending.pk).status == "pending"
    assert mail.outbox == []
    response = api.post(f"/requests/{pending.pk}/decline", words)

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "declined"
    pending.refresh_from_db()
    assert (pending.decline_reason, pending.decline_note) == ("no_time", "Ask me in spring")
    assert len(from_page) == 1
    assert emails() == from_page


def test_withdrawing_by_api_sends_the_same_email_as_the_page(
    client, api_as, enrolled_mentee, enrolled_mentor
):
    pending = ask(enrolled_mentee, enrolled_mentor)
    client.force_login(enrolled_mentee)
    from_page = by_page_then_rolled_back(
        lambda: client.post(reverse("mentoring:withdraw_request", args=[pending.pk]))
    )

    response = api_as(enrolled_mentee).post(f"/requests/{pending.pk}/withdraw")

    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    assert len(from_page) == 1
    assert emails() == from_page


def test_a_rule_refusing_a_request_is_a_409_with_the_pages_message(
    api_as, enrolled_mentee, enrolled_mentor
):
    api = api_as(enrolled_mentee)
    api.post("/requests", {"recipient": enrolled_mentor.pk, "role": "mentor"})

    again = problem(api.post("/requests", {"recipient": enrolled_mentor.pk, "role": "mentor"}), 409)
    to_myself = problem(
        api.post("/requests", {"recipient": enrolled_mentee.pk, "role": "mentor"}), 409
    )

    assert again["detail"] == "A request between the two of you is already waiting for an answer."
    assert to_myself["detail"] == "You cannot send a request to yourself."
    assert MentoringRequest.objects.count() == 1


def test_answering_twice_is_refused_with_the_services_message(
    api_as, enrolled_mentee, enrolled_mentor
):
    pending = ask(enrolled_mentee, enrolled_mentor)
    api = api_as(enrolled_mentor)
    api.post(f"/requests/{pending.pk}/decline", {"reason": "no_time"})

    body = problem(api.post(f"/requests/{pending.pk}/accept"), 409)

    assert body["detail"] == "This request was declined and can no longer be accepted."
    assert not Relationship.objects.exists()


def test_someone_elses_request_is_a_404_whatever_is_tried_and_nothing_changes(
    api_as, enrolled_mentee, enrolled_mentor, outsider
):
    pending = ask(enrolled_mentee, enrolled_mentor)
    stranger = api_as(outsider)
    requester = api_as(enrolled_mentee)
    recipient = api_as(enrolled_mentor)
    mail.outbox.clear()

    for api, action, body in [
        (stranger, "accept", None),
        (stranger, "decline", {"reason": "no_time"}),
        (stranger, "withdraw", None),
        (requester, "accept", None),  # only the recipient answers
        (requester, "decline", {"reason": "no_time"}),
        (recipient, "withdraw", None),  # only the requester withdraws
    ]:
        problem(api.post(f"/requests/{pending.pk}/{action}", body), 404)

    assert MentoringRequest.objects.get(pk=pending.pk).status == "pending"
    assert mail.outbox == []
    assert stranger.get("/requests").json() == {"items": [], "count": 0}


@pytest.mark.parametrize("request_id", [HUGE, 2**63, 0, -1, "abc", "1.5"])
def test_an_id_no_row_can_have_is_a_problem_not_a_500(api_as, enrolled_mentor, request_id):
    response = api_as(enrolled_mentor).post(f"/requests/{request_id}/accept")
    assert response.status_code in (404, 422)
    assert response["Content-Type"] == "application/problem+json"
    response = api_as(enrolled_mentor).get(f"/relationships/{request_id}")
    assert response.status_code in (404, 422)


@pytest.mark.parametrize(
    "body, status",
    [
        ({"recipient": HUGE, "role": "mentor"}, 404),
        ({"recipient": 987654, "role": "mentor"}, 404),
        ({"recipient": "david", "role": "mentor"}, 422),
        ({"recipient": None, "role": "mentor"}, 422),
        ({"role": "mentor"}, 422),
        ({"recipient": 1, "role": "boss"}, 422),
        ({"recipient": 1, "role": "mentor", "message": "x" * 2001}, 422),
        ({"recipient": 1, "role": "mentor", "message": ["hi"]}, 422),
        ({"recipient": 1, "role": "mentor", "cc": "everyone"}, 422),
    ],
)
def test_a_request_of_the_wrong_shape_sends_nothing(
    api_as, enrolled_mentee, enrolled_mentor, body, status
):
    if body.get("recipient") == 1:
        body = {**body, "recipient": enrolled_mentor.pk}

    problem(api_as(enrolled_mentee).post("/requests", body), status)

    assert not MentoringRequest.objects.exists()
    assert mail.outbox == []


def test_a_request_to_a_switched_off_member_is_a_404(api_as, enrolled_mentee, enrolled_mentor):
    enrolled_mentor.is_active = False
    enrolled_mentor.save()

    problem(
        api_as(enrolled_mentee).post(
            "/requests", {"recipient": enrolled_mentor.pk, "role": "mentor"}
        ),
        404,
    )


def test_my_requests_lists_sent_and_received_with_my_own_messages(
    api_as, enrolled_mentee, enrolled_mentor, make_member, option
):
    other_mentee = make_member("sam@example.com", "Sam", "Novice")
    enroll(other_mentee, "mentee", option_ids=[option(SKILLS, "Negotiation").pk])
    mine = ask(enrolled_mentee, enrolled_mentor, message="Please, David")
    theirs = ask(other_mentee, enrolled_mentor, message="Hello from Sam")

    as_mentor = api_as(enrolled_mentor).get("/requests").json()
    as_mentee = api_as(enrolled_mentee).get("/requests").json()

    assert as_mentor["count"] == 2
    assert {(i["id"], i["direction"], i["message"]) for i in as_mentor["items"]} == {
        (mine.pk, "received", "Please, David"),
        (theirs.pk, "received", "Hello from Sam"),
    }
    assert as_mentee["count"] == 1
    (item,) = as_mentee["items"]
    assert (item["id"], item["direction"], item["other"]["name"]) == (
        mine.pk,
        "sent",
        "David Okafor",
    )
    assert "Hello from Sam" not in str(as_mentee)
    filtered = api_as(enrolled_mentor).get("/requests", {"status": "accepted"}).json()
    assert filtered == {"items": [], "count": 0}
    paged = api_as(enrolled_mentor).get("/requests", {"limit": 1, "offset": 1}).json()
    assert paged["count"] == 2 and [i["id"] for i in paged["items"]] == [mine.pk]


def test_hidden_contact_details_never_appear_until_the_two_are_partners(
    api_as, enrolled_mentee, enrolled_mentor
):
    profile = enrolled_mentor.profile
    profile.contact_visibility = "partners"
    profile.contact_email = "private-david@example.org"
    profile.save()
    pending = ask(enrolled_mentee, enrolled_mentor)
    api = api_as(enrolled_mentee)

    hidden = api.get("/requests")
    assert hidden.json()["items"][0]["other"]["contact"] is None
    for secret in ("555 123 4567", "private-david@example.org", "david@example.com"):
        assert secret not in hidden.content.decode()

    accept_request(pending.pk, enrolled_mentor)
    shown = api.get("/relationships").json()["items"][0]["partner"]["contact"]
    assert shown == {
        "email": "private-david@example.org",
        "phone": "+1 555 123 4567",
        "linkedin_url": "",
    }


def test_contact_details_open_to_all_members_are_shown_as_on_the_profile_page(
    client, api_as, enrolled_mentee, enrolled_mentor
):
    ask(enrolled_mentee, enrolled_mentor)

    contact = api_as(enrolled_mentee).get("/requests").json()["items"][0]["other"]["contact"]

    client.force_login(enrolled_mentee)
    assert client.get(f"/members/{enrolled_mentor.pk}/").context["show_contact"] is True
    assert contact["phone"] == "+1 555 123 4567"


# --- Relationships ----------------------------------------------------------------------------


def test_my_relationships_show_the_partner_the_plan_and_only_the_check_ins_i_may_see(
    api_as, enrolled_mentee, enrolled_mentor
):
    relationship = accept_request(ask(enrolled_mentee, enrolled_mentor).pk, enrolled_mentor)
    log_check_in(
        relationship.pk,
        enrolled_mentor,
        met_on=timezone.localdate(),
        note="Shared notes",
        shared=True,
    )
    log_check_in(
        relationship.pk,
        enrolled_mentor,
        met_on=timezone.localdate(),
        note="David's private",
        shared=False,
    )
    log_check_in(
        relationship.pk,
        enrolled_mentee,
        met_on=timezone.localdate(),
        note="Maria's private",
        shared=False,
    )

    as_mentee = api_as(enrolled_mentee).get("/relationships").json()
    (item,) = as_mentee["items"]

    assert item["id"] == relationship.pk and item["my_role"] == "mentee"
    assert item["partner"]["name"] == "David Okafor"
    assert item["plan"]["planned_months"] == relationship.planned_months
    seen = [(c["note"], c["mine"]) for c in item["check_ins"]]
    assert seen == [("Maria's private", True), ("Shared notes", False)]
    assert "David's private" not in str(as_mentee)
    expected = {c.pk for c in CheckIn.objects.seen_by(enrolled_mentee)}
    assert {c["id"] for c in item["check_ins"]} == expected
    one = api_as(enrolled_mentor).get(f"/relationships/{relationship.pk}").json()
    assert [c["note"] for c in one["check_ins"]] == ["David's private", "Shared notes"]


def test_feedback_for_staff_never_reaches_the_partner(api_as, enrolled_mentee, enrolled_mentor):
    relationship = accept_request(ask(enrolled_mentee, enrolled_mentor).pk, enrolled_mentor)
    complete_relationship(
        relationship.pk,
        enrolled_mentor,
        outcome="goals_met",
        note_to_partner="Well done, Maria",
        feedback_for_staff="Between us: she was often late",
    )

    response = api_as(enrolled_mentee).get("/relationships", {"state": "completed"})

    (item,) = response.json()["items"]
    assert (item["state"], item["outcome"], item["note_to_partner"]) == (
        "completed",
        "goals_met",
        "Well done, Maria",
    )
    assert "often late" not in response.content.decode()


def test_someone_elses_relationship_is_a_404(api_as, enrolled_mentee, enrolled_mentor, outsider):
    relationship = accept_request(ask(enrolled_mentee, enrolled_mentor).pk, enrolled_mentor)

    problem(api_as(outsider).get(f"/relationships/{relationship.pk}"), 404)
    assert api_as(outsider).get("/relationships").json() == {"items": [], "count": 0}


# --- Concurrency ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_accepts_at_the_same_instant_fill_the_last_place_once(api_as, make_member, option):
    if connection.vendor != "postgresql":
        pytest.skip("Concurrent accepts are proven on PostgreSQL (CI runs this file there too).")
    negotiation = option(SKILLS, "Negotiation").pk
    mentor = make_member("busy@example.com", "Busy", "Mentor")
    enroll(mentor, "mentor", option_ids=[negotiation], max_mentees=1)
    waiting = []
    for n in range(2):
        mentee = make_member(f"m{n}@example.com", f"M{n}", "Mentee")
        enroll(mentee, "mentee", option_ids=[negotiation])
        waiting.append(ask(mentee, mentor).pk)
    api = api_as(mentor)

    class Refused(Exception):
        pass

    def accept(request_id):
        response = Api(api.auth["HTTP_AUTHORIZATION"].split()[1]).post(
            f"/requests/{request_id}/accept"
        )
        if response.status_code != 200:
            raise Refused(f"{response.status_code} {response.json()['detail']}")

    outcomes = at_the_same_instant(accept, waiting, refused=Refused)

    assert sorted(outcomes)[0].startswith("409 No open place"), outcomes
    assert sorted(outcomes)[1] == "ok"
    assert Relationship.objects.active().filter(mentor=mentor).count() == 1
