"""Enrollment in a real browser: enroll as mentor and mentee, go Temporarily Not Participating,
and see it all on the profile."""

import datetime

import pytest

from mentoring.models import Enrollment, EnrollmentStatus
from tests.browser.pages import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_a_member_enrolls_as_mentor_and_mentee_then_pauses(
    page, make_member, screenshot, assert_accessible
):
    member = make_member(
        "david@example.com", "David", "Okafor", job_title="Director of Supply Chain"
    )
    sign_in(page, "david@example.com")

    page.get_by_role("link", name="Enroll", exact=True).click()
    page.get_by_role("link", name="Enroll as a Mentor").click()
    page.get_by_role("heading", name="Mentor Enrollment").wait_for()
    assert page.get_by_text("We recommend 2.").is_visible()
    page.get_by_label("Sourcing").check()
    page.get_by_label("Value Analysis").check()
    page.get_by_label("Negotiation").check()
    page.get_by_label("More than 20").check()
    page.get_by_label("Video").first.check()
    page.get_by_label("What I offer as a mentor").fill(
        "Twenty years in sourcing.\nAsk me about contracts."
    )
    page.get_by_label("How many mentees I take at a time").fill("3")
    assert_accessible(page)
    screenshot(page, "mentor-enrollment")
    page.get_by_role("button", name="Enroll as a Mentor").click()
    page.get_by_text("You are enrolled as a Mentor. Welcome!").wait_for()
    assert_accessible(page)

    page.get_by_role("link", name="Enroll", exact=True).click()
    page.get_by_role("link", name="Enroll as a Mentee").click()
    page.get_by_label("Executive Presence").check()
    page.get_by_label("Financial Acumen").check()
    page.get_by_label("My goals for mentoring").fill("Preparing for a VP role.")
    assert_accessible(page)
    screenshot(page, "mentee-enrollment")
    page.get_by_role("button", name="Enroll as a Mentee").click()
    page.get_by_text("You are enrolled as a Mentee. Welcome!").wait_for()

    page.goto("/enroll/mentor/")
    page.get_by_role("link", name="Mentor Status").click()
    page.get_by_label("Temporarily Not Participating").check()
    back = datetime.date.today() + datetime.timedelta(days=30)
    page.get_by_label("Back on (optional)").fill(back.isoformat())
    assert_accessible(page)
    screenshot(page, "mentor-status")
    page.get_by_role("button", name="Save my status").click()
    page.get_by_text("You are now temporarily not participating until").wait_for()

    page.get_by_role("link", name="My profile").click()
    page.get_by_role("heading", name="David Okafor").wait_for()
    ribbons = page.get_by_role("list", name="Mentoring roles")
    assert ribbons.get_by_text("Mentor", exact=True).is_visible()
    assert ribbons.get_by_text("Mentee", exact=True).is_visible()
    assert page.get_by_text(
        f"Temporarily Not Participating until {back:%B} {back.day}, {back.year}"
    ).is_visible()
    assert page.get_by_text("Takes up to 3 mentees at a time").is_visible()
    assert page.get_by_text("Sourcing, Value Analysis").is_visible()
    assert page.get_by_text("Financial Acumen, Executive Presence").is_visible()
    assert_accessible(page)
    screenshot(page, "profile-with-ribbons")

    mentor = Enrollment.objects.get(user=member, role="mentor")
    assert mentor.status == EnrollmentStatus.PAUSED
    assert mentor.return_date == back
    assert mentor.max_mentees == 3
    assert Enrollment.objects.get(user=member, role="mentee").status == EnrollmentStatus.ACTIVE

    # Withdrawing as a mentee, with a confirmation on the way.
    page.get_by_role("link", name="Mentee Status").click()
    page.get_by_role("link", name="Withdraw").click()
    page.get_by_role("heading", name="Withdraw as a Mentee?").wait_for()
    assert_accessible(page)
    screenshot(page, "withdraw-confirmation")
    page.get_by_role("button", name="Yes, withdraw").click()
    page.get_by_text("You have withdrawn as a Mentee.").wait_for()
    assert page.get_by_role("link", name="Enroll as a Mentee").is_visible()
    assert_accessible(page)
    screenshot(page, "home-after-withdrawing")
    assert Enrollment.objects.get(user=member, role="mentee").status == EnrollmentStatus.WITHDRAWN


def test_another_member_sees_the_ribbons_in_the_directory(
    page, enrolled_mentor, outsider, screenshot, assert_accessible
):
    sign_in(page, "olivia@example.com")

    page.goto("/members/?q=Okafor")
    card = page.locator(".member-card", has_text="David Okafor")
    assert card.get_by_text("Mentor", exact=True).is_visible()
    assert_accessible(page)
    screenshot(page, "directory-ribbons")

    page.get_by_role("link", name="David Okafor").click()
    assert page.get_by_role("heading", name="As a Mentor").is_visible()
    assert page.get_by_text(
        "Twenty years in sourcing; happy to help with negotiation."
    ).is_visible()
    assert page.get_by_role("link", name="Edit my mentor enrollment").count() == 0
    assert_accessible(page)
    screenshot(page, "mentor-profile-seen-by-other")
