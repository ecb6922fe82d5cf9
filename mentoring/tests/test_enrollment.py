"""Enrollment, as the FAQ puts it: "Members must first enroll as a Mentor, Mentee or both. During the
enrollment process, members will select preferences ... to establish their personal criteria.\""""

import datetime

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.urls import reverse

from mentoring.models import (
    CriterionCategory,
    CriterionOption,
    Enrollment,
    EnrollmentStatus,
    ProgramSettings,
)
from mentoring.services.enrollment import enroll, set_participation, withdraw
from mentoring.services.errors import EnrollmentError

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 29)


def field(category_name):
    return f"category_{CriterionCategory.objects.get(name=category_name).pk}"


def choices(enrollment):
    return sorted(enrollment.choices.values_list("option__label", flat=True))


# --- The default criteria ----------------------------------------------------------------------


def test_the_program_starts_with_the_associations_criteria():
    names = list(CriterionCategory.objects.values_list("name", flat=True))
    assert names == [
        "Areas of Professional Experience",
        "Leadership Skills",
        "Career Stage",
        "Years of Experience",
        "Organization Type",
        "Region",
        "Preferred Meeting Format",
        "Languages",
    ]
    assert CriterionOption.objects.filter(category__name="Leadership Skills").count() == 10
    assert ProgramSettings.current().recommended_mentees == 2


# --- Enrolling through the pages --------------------------------------------------------------


def test_a_member_enrolls_as_a_mentor_with_criteria_statement_and_capacity(client, mentor, option):
    client.force_login(mentor)

    response = client.post(
        reverse("mentoring:enroll", args=["mentor"]),
        {
            field("Areas of Professional Experience"): [
                option("Areas of Professional Experience", "Sourcing").pk,
                option("Areas of Professional Experience", "Value Analysis").pk,
            ],
            field("Years of Experience"): option("Years of Experience", "More than 20").pk,
            "statement": "I have led sourcing teams for 20 years.",
            "max_mentees": 3,
        },
    )

    assert response.status_code == 302
    enrollment = Enrollment.objects.get(user=mentor, role="mentor")
    assert enrollment.status == EnrollmentStatus.ACTIVE
    assert enrollment.max_mentees == 3
    assert enrollment.statement == "I have led sourcing teams for 20 years."
    assert choices(enrollment) == ["More than 20", "Sourcing", "Value Analysis"]


def test_a_member_may_be_both_mentor_and_mentee(enrolled_mentor, option):
    enroll(
        enrolled_mentor,
        "mentee",
        option_ids=[option("Leadership Skills", "Executive Presence").pk],
        statement="Preparing for a VP role.",
    )

    roles = set(Enrollment.objects.filter(user=enrolled_mentor).values_list("role", flat=True))
    assert roles == {"mentor", "mentee"}


def test_a_mentor_starts_with_the_recommended_capacity(mentor, option):
    settings_row = ProgramSettings.current()
    settings_row.recommended_mentees = 3
    settings_row.save()

    enrollment = enroll(
        mentor, "mentor", option_ids=[option("Leadership Skills", "Team Building").pk]
    )

    assert enrollment.max_mentees == 3


def test_the_form_shows_the_recommendation_beside_the_capacity(client, mentor):
    client.force_login(mentor)

    page = client.get(reverse("mentoring:enroll", args=["mentor"])).content.decode()

    assert "We recommend 2." in page
    assert 'name="max_mentees"' in page
    assert "Areas you can mentor in." in page


def test_a_mentee_is_asked_what_they_want_to_grow_in(client, mentee):
    client.force_login(mentee)

    page = client.get(reverse("mentoring:enroll", args=["mentee"])).content.decode()

    assert "Areas you want to grow in." in page
    assert 'name="max_mentees"' not in page


def test_editing_an_enrollment_replaces_the_choices(client, enrolled_mentor, option):
    client.force_login(enrolled_mentor)

    client.post(
        reverse("mentoring:enroll", args=["mentor"]),
        {
            field("Leadership Skills"): [option("Leadership Skills", "Coaching Others").pk],
            "statement": "Now focused on coaching.",
            "max_mentees": 2,
        },
    )

    enrollment = Enrollment.objects.get(user=enrolled_mentor, role="mentor")
    assert choices(enrollment) == ["Coaching Others"]
    assert enrollment.statement == "Now focused on coaching."


def test_a_member_with_an_incomplete_profile_is_asked_to_complete_it_first(client, make_member):
    member = make_member("new@example.com", "New", "Member", job_title="")
    client.force_login(member)

    response = client.get(reverse("mentoring:enroll", args=["mentee"]))

    assert response.status_code == 302
    assert response["Location"] == "/profile/?next=%2Fenroll%2Fmentee%2F"
    with pytest.raises(EnrollmentError, match="complete your profile"):
        enroll(member, "mentee", option_ids=[CriterionOption.objects.first().pk])


def test_completing_the_profile_returns_to_enrollment(client, make_member):
    member = make_member("new@example.com", "New", "Member", job_title="")
    client.force_login(member)

    response = client.post(
        "/profile/?next=/enroll/mentee/",
        {
            "first_name": "New",
            "last_name": "Member",
            "job_title": "Buyer",
            "contact_visibility": "members",
            "next": "/enroll/mentee/",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/enroll/mentee/"


def test_an_unknown_role_is_not_found(client, mentor):
    client.force_login(mentor)
    assert client.get("/enroll/coach/").status_code == 404


def test_enrollment_pages_need_sign_in(client):
    response = client.get(reverse("mentoring:enroll", args=["mentor"]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# --- Bad input: a clear message, nothing changed -----------------------------------------------


def post_enrollment(client, data, role="mentor"):
    return client.post(reverse("mentoring:enroll", args=[role]), data)


def assert_unchanged(user, before):
    enrollment = Enrollment.objects.get(user=user, role="mentor")
    assert (choices(enrollment), enrollment.statement, enrollment.max_mentees) == before


@pytest.fixture
def mentor_before(enrolled_mentor):
    enrollment = Enrollment.objects.get(user=enrolled_mentor, role="mentor")
    return (choices(enrollment), enrollment.statement, enrollment.max_mentees)


def test_an_option_from_another_category_is_refused(client, enrolled_mentor, mentor_before, option):
    client.force_login(enrolled_mentor)

    response = post_enrollment(
        client,
        {
            field("Leadership Skills"): [option("Areas of Professional Experience", "Sourcing").pk],
            "max_mentees": 2,
        },
    )

    assert response.status_code == 200
    assert "That is not one of the options for Leadership Skills." in response.content.decode()
    assert_unchanged(enrolled_mentor, mentor_before)


def test_an_inactive_option_is_refused(client, enrolled_mentor, mentor_before, option):
    retired = option("Leadership Skills", "Team Building")
    retired.is_active = False
    retired.save()
    client.force_login(enrolled_mentor)

    response = post_enrollment(client, {field("Leadership Skills"): [retired.pk], "max_mentees": 2})

    assert response.status_code == 200
    assert "That is not one of the options for Leadership Skills." in response.content.decode()
    assert_unchanged(enrolled_mentor, mentor_before)
    with pytest.raises(EnrollmentError, match="no longer offered"):
        enroll(enrolled_mentor, "mentor", option_ids=[retired.pk], max_mentees=2)


def test_a_second_choice_in_a_single_choice_category_is_refused(
    client, enrolled_mentor, mentor_before, option
):
    client.force_login(enrolled_mentor)

    response = post_enrollment(
        client,
        {
            field("Years of Experience"): [
                option("Years of Experience", "3–5").pk,
                option("Years of Experience", "6–10").pk,
            ],
            "max_mentees": 2,
        },
    )

    assert response.status_code == 200
    assert "Choose only one option for Years of Experience." in response.content.decode()
    assert_unchanged(enrolled_mentor, mentor_before)
    with pytest.raises(EnrollmentError, match="only one option for Years of Experience"):
        enroll(
            enrolled_mentor,
            "mentor",
            option_ids=[
                option("Years of Experience", "3–5").pk,
                option("Years of Experience", "6–10").pk,
            ],
            max_mentees=2,
        )


@pytest.mark.parametrize("capacity", ["0", "11", "-1", "two", ""])
def test_a_capacity_out_of_range_is_refused(
    client, enrolled_mentor, mentor_before, option, capacity
):
    client.force_login(enrolled_mentor)

    response = post_enrollment(
        client,
        {
            field("Leadership Skills"): [option("Leadership Skills", "Negotiation").pk],
            "max_mentees": capacity,
        },
    )

    assert response.status_code == 200
    assert "Please correct the problems below" in response.content.decode()
    assert_unchanged(enrolled_mentor, mentor_before)


def test_the_service_refuses_a_capacity_out_of_range(enrolled_mentor, option):
    with pytest.raises(EnrollmentError, match="between 1 and 10"):
        enroll(enrolled_mentor, "mentor", option_ids=[option("Region", "West").pk], max_mentees=11)


def test_an_unknown_option_id_is_refused(client, enrolled_mentor, mentor_before):
    client.force_login(enrolled_mentor)

    response = post_enrollment(client, {field("Leadership Skills"): ["999999"], "max_mentees": 2})

    assert response.status_code == 200
    assert_unchanged(enrolled_mentor, mentor_before)
    with pytest.raises(EnrollmentError, match="does not exist"):
        enroll(enrolled_mentor, "mentor", option_ids=[999999], max_mentees=2)


def test_an_option_for_the_other_role_only_is_refused(mentee):
    mentors_only = CriterionCategory.objects.create(name="Mentoring Style", applies_to="mentor")
    style = CriterionOption.objects.create(category=mentors_only, label="Hands-on")

    with pytest.raises(EnrollmentError, match="not asked of mentees"):
        enroll(mentee, "mentee", option_ids=[style.pk])
    assert not Enrollment.objects.filter(user=mentee).exists()


def test_enrolling_with_no_choice_at_all_is_refused(client, mentee):
    client.force_login(mentee)

    response = post_enrollment(client, {"statement": "Hi"}, role="mentee")

    assert response.status_code == 200
    assert "Choose at least one option" in response.content.decode()
    assert not Enrollment.objects.filter(user=mentee).exists()


def test_a_statement_over_2000_characters_is_refused(client, mentee, option):
    client.force_login(mentee)

    response = post_enrollment(
        client,
        {
            field("Leadership Skills"): [option("Leadership Skills", "Negotiation").pk],
            "statement": "x" * 2001,
        },
        role="mentee",
    )

    assert response.status_code == 200
    assert "Ensure this value has at most 2000 characters" in response.content.decode()
    assert not Enrollment.objects.filter(user=mentee).exists()


# --- Staff deactivate criteria without losing members' choices ---------------------------------


def test_deactivating_an_option_keeps_the_members_past_choice(enrolled_mentor, option):
    sourcing = option("Areas of Professional Experience", "Sourcing")
    sourcing.is_active = False
    sourcing.save()

    # The member edits their enrollment; the retired option was not on their form.
    enroll(
        enrolled_mentor,
        "mentor",
        option_ids=[option("Leadership Skills", "Negotiation").pk],
        max_mentees=2,
    )

    enrollment = Enrollment.objects.get(user=enrolled_mentor, role="mentor")
    assert choices(enrollment) == ["Negotiation", "Sourcing"]

    sourcing.is_active = True
    sourcing.save()
    assert "Sourcing" in choices(enrollment)


def test_a_deactivated_category_disappears_from_the_form_but_choices_stay(client, enrolled_mentor):
    CriterionCategory.objects.filter(name="Leadership Skills").update(is_active=False)
    client.force_login(enrolled_mentor)

    page = client.get(reverse("mentoring:enroll", args=["mentor"])).content.decode()

    assert "Leadership Skills" not in page
    assert "Negotiation" in choices(Enrollment.objects.get(user=enrolled_mentor, role="mentor"))


# --- Mentor Status: capacity, Temporarily Not Participating, dates ------------------------------


def status_url(role="mentor"):
    return reverse("mentoring:participation", args=[role])


@time_machine.travel(TODAY)
def test_a_mentor_marks_themself_temporarily_not_participating(client, enrolled_mentor):
    client.force_login(enrolled_mentor)

    response = client.post(
        status_url(), {"paused": "on", "return_date": "2027-01-15", "max_mentees": 2}
    )

    assert response.status_code == 302
    enrollment = Enrollment.objects.get(user=enrolled_mentor, role="mentor")
    assert enrollment.status == EnrollmentStatus.PAUSED
    assert enrollment.return_date == datetime.date(2027, 1, 15)
    assert not enrollment.is_participating()
    assert not Enrollment.objects.participating().filter(pk=enrollment.pk).exists()


@time_machine.travel(TODAY)
def test_a_paused_mentor_is_active_again_after_the_return_date(enrolled_mentor):
    enrollment = Enrollment.objects.get(user=enrolled_mentor, role="mentor")
    set_participation(
        enrollment, paused=True, return_date=datetime.date(2026, 12, 10), max_mentees=2
    )

    assert (
        not Enrollment.objects.participating(today=datetime.date(2026, 12, 9))
        .filter(pk=enrollment.pk)
        .exists()
    )
    assert (
        Enrollment.objects.participating(today=datetime.date(2026, 12, 10))
        .filter(pk=enrollment.pk)
        .exists()
    )
    with time_machine.travel(datetime.date(2026, 12, 11)):
        enrollment.refresh_from_db()
        assert enrollment.is_participating()


@time_machine.travel(TODAY)
def test_a_mentor_sets_capacity_and_an_availability_end_date(client, enrolled_mentor):
    client.force_login(enrolled_mentor)

    client.post(status_url(), {"max_mentees": 4, "available_until": "2027-06-30"})

    enrollment = Enrollment.objects.get(user=enrolled_mentor, role="mentor")
    assert enrollment.max_mentees == 4
    assert enrollment.available_until == datetime.date(2027, 6, 30)
    assert enrollment.is_participating(today=datetime.date(2027, 6, 30))
    assert not enrollment.is_participating(today=datetime.date(2027, 7, 1))
    assert (
        not Enrollment.objects.participating(today=datetime.date(2027, 7, 1))
        .filter(pk=enrollment.pk)
        .exists()
    )


@time_machine.travel(TODAY)
def test_a_mentee_can_pause_too(client, enrolled_mentee):
    client.force_login(enrolled_mentee)

    client.post(status_url("mentee"), {"paused": "on"})

    enrollment = Enrollment.objects.get(user=enrolled_mentee, role="mentee")
    assert enrollment.status == EnrollmentStatus.PAUSED
    assert enrollment.return_date is None


@time_machine.travel(TODAY)
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"paused": "on", "return_date": "2026-11-01", "max_mentees": 2},
            "The return date must be in the future.",
        ),
        (
            {"paused": "on", "return_date": "2026-11-29", "max_mentees": 2},
            "The return date must be in the future.",
        ),
        (
            {"return_date": "2027-01-01", "max_mentees": 2},
            "A return date goes with Temporarily Not Participating",
        ),
        (
            {"max_mentees": 2, "available_until": "2026-01-01"},
            "The availability end date cannot be in the past.",
        ),
        ({"max_mentees": 0}, "Ensure this value is greater than or equal to 1."),
        ({"max_mentees": 11}, "Ensure this value is less than or equal to 10."),
        ({"paused": "on", "return_date": "not-a-date", "max_mentees": 2}, "Enter a valid date."),
    ],
)
def test_bad_status_input_gets_a_clear_message_and_changes_nothing(
    client, enrolled_mentor, data, message
):
    client.force_login(enrolled_mentor)

    response = client.post(status_url(), data)

    assert response.status_code == 200
    assert message in response.content.decode()
    enrollment = Enrollment.objects.get(user=enrolled_mentor, role="mentor")
    assert (
        enrollment.status,
        enrollment.return_date,
        enrollment.max_mentees,
        enrollment.available_until,
    ) == (
        EnrollmentStatus.ACTIVE,
        None,
        2,
        None,
    )


def test_the_status_page_sends_a_member_who_is_not_enrolled_to_enroll(client, mentor):
    client.force_login(mentor)

    response = client.get(status_url())

    assert response.status_code == 302
    assert response["Location"] == reverse("mentoring:enroll", args=["mentor"])


# --- Withdrawing ------------------------------------------------------------------------------


def test_withdrawing_asks_for_confirmation_first(client, enrolled_mentor):
    client.force_login(enrolled_mentor)

    page = client.get(reverse("mentoring:withdraw", args=["mentor"]))

    assert page.status_code == 200
    assert "Withdraw as a Mentor?" in page.content.decode()
    assert (
        Enrollment.objects.get(user=enrolled_mentor, role="mentor").status
        == EnrollmentStatus.ACTIVE
    )


def test_withdrawing_hides_the_member_and_keeps_their_choices(client, enrolled_mentor):
    client.force_login(enrolled_mentor)

    response = client.post(reverse("mentoring:withdraw", args=["mentor"]))

    assert response.status_code == 302
    enrollment = Enrollment.objects.get(user=enrolled_mentor, role="mentor")
    assert enrollment.status == EnrollmentStatus.WITHDRAWN
    assert enrollment.withdrawn_at is not None
    assert not Enrollment.objects.participating().filter(pk=enrollment.pk).exists()
    assert not Enrollment.objects.enrolled().filter(pk=enrollment.pk).exists()
    assert choices(enrollment) == ["Negotiation", "Sourcing", "Value Analysis"]


def test_withdrawing_twice_is_refused(enrolled_mentor):
    enrollment = Enrollment.objects.get(user=enrolled_mentor, role="mentor")
    withdraw(enrollment)

    with pytest.raises(EnrollmentError, match="already withdrawn"):
        withdraw(enrollment)


def test_enrolling_again_after_withdrawing_reactivates_the_same_enrollment(enrolled_mentor, option):
    enrollment = Enrollment.objects.get(user=enrolled_mentor, role="mentor")
    withdraw(enrollment)

    again = enroll(
        enrolled_mentor,
        "mentor",
        option_ids=[option("Leadership Skills", "Negotiation").pk],
        max_mentees=2,
    )

    assert again.pk == enrollment.pk
    assert again.status == EnrollmentStatus.ACTIVE
    assert again.withdrawn_at is None


def test_there_is_nothing_to_withdraw_without_an_enrollment(client, mentor):
    client.force_login(mentor)
    assert client.post(reverse("mentoring:withdraw", args=["mentor"])).status_code == 404


# --- Invariants held by the database ------------------------------------------------------------


def test_the_database_refuses_a_second_enrollment_in_the_same_role(enrolled_mentor):
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrollment.objects.create(user=enrolled_mentor, role="mentor", max_mentees=1)


@pytest.mark.parametrize(
    "fields",
    [
        {"role": "mentor", "max_mentees": 11},
        {"role": "mentor", "max_mentees": None},
        {"role": "mentee", "max_mentees": 2},
        {"role": "mentee", "available_until": datetime.date(2027, 1, 1)},
        {"role": "mentee", "status": "active", "return_date": datetime.date(2027, 1, 1)},
        {"role": "mentee", "status": "sleeping"},
    ],
)
def test_the_database_refuses_an_enrollment_that_breaks_the_rules(outsider, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrollment.objects.create(user=outsider, **fields)


# --- The program's own words -------------------------------------------------------------------


def test_staff_can_rename_the_roles_and_every_page_uses_the_new_names(
    client, enrolled_mentor, mentee
):
    program = ProgramSettings.current()
    program.mentee_label, program.mentee_label_plural = "Protégé", "Protégés"
    program.save()
    client.force_login(enrolled_mentor)

    enroll_page = client.get(reverse("mentoring:enroll", args=["mentor"])).content.decode()
    profile_page = client.get(
        reverse("members:profile", args=[enrolled_mentor.pk])
    ).content.decode()
    home = client.get("/").content.decode()

    assert "How many protégés I take at a time" in enroll_page
    assert "Find a Protégé" in enroll_page  # navigation
    assert "Takes up to 2 protégés at a time" in profile_page
    assert "As a Protégé" in home


def test_ribbons_show_mentor_before_mentee(client, enrolled_mentor, option):
    enroll(
        enrolled_mentor, "mentee", option_ids=[option("Leadership Skills", "Coaching Others").pk]
    )
    client.force_login(enrolled_mentor)

    page = client.get(reverse("members:profile", args=[enrolled_mentor.pk])).content.decode()

    assert page.index("ribbon-mentor") < page.index("ribbon-mentee")


def test_a_member_who_is_not_enrolled_has_no_ribbon_and_others_see_no_enrollment_section(
    client, mentee, outsider
):
    client.force_login(outsider)

    page = client.get(reverse("members:profile", args=[mentee.pk])).content.decode()

    assert "ribbon-" not in page
    assert "As a Mentee" not in page


def test_a_withdrawn_member_loses_the_ribbon(client, enrolled_mentor, outsider):
    withdraw(Enrollment.objects.get(user=enrolled_mentor, role="mentor"))
    client.force_login(outsider)

    page = client.get(reverse("members:profile", args=[enrolled_mentor.pk])).content.decode()

    assert "ribbon-mentor" not in page
