"""A new member's first visit, in a real browser: sign up, verify, sign in, build a profile."""

import re

import pytest
from PIL import Image

from members.models import Profile

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def verification_link(mailoutbox):
    assert len(mailoutbox) == 1
    return re.search(r"https?://\S+/accounts/confirm-email/\S+", mailoutbox[0].body).group(0)


def test_a_new_member_signs_up_verifies_and_builds_a_profile(
    page, live_server, mailoutbox, tmp_path, screenshot, assert_accessible
):
    photo = tmp_path / "portrait.png"
    Image.new("RGB", (900, 600), (40, 120, 160)).save(photo)

    page.goto("/")
    assert_accessible(page)
    screenshot(page, "home")
    page.get_by_role("link", name="Join").first.click()

    page.get_by_label("First name").fill("Nina")
    page.get_by_label("Last name").fill("Newcomer")
    page.get_by_label("Email").fill("nina@example.com")
    page.get_by_label("Password:", exact=True).fill("sturdy-passphrase-42")
    page.get_by_label("Password (again)").fill("sturdy-passphrase-42")
    assert_accessible(page)
    screenshot(page, "sign-up")
    page.get_by_role("button", name="Sign Up").click()

    page.get_by_text("We have sent an email to you for verification").wait_for()
    assert_accessible(page)
    screenshot(page, "verification-sent")

    # Open the link from the email in a fresh browser, as a member reading mail elsewhere would.
    page.context.clear_cookies()
    page.goto(verification_link(mailoutbox))
    assert_accessible(page)
    screenshot(page, "confirm-email")
    page.get_by_role("button", name="Confirm").click()

    page.get_by_label("Email").fill("nina@example.com")
    page.get_by_label("Password").fill("sturdy-passphrase-42")
    assert_accessible(page)
    screenshot(page, "sign-in")
    page.get_by_role("button", name="Sign In").click()

    # Signing in lands on the member's home, which says what the profile still needs.
    page.get_by_role("heading", name="Welcome back, Nina").wait_for()
    page.get_by_role("link", name="Complete your profile").click()
    page.get_by_role("heading", name="Edit my profile").wait_for()
    assert_accessible(page)
    screenshot(page, "edit-profile-empty")
    page.get_by_label("Photo").set_input_files(str(photo))
    page.get_by_label("Job title").fill("Value Analysis Coordinator")
    page.get_by_label("Organization").fill("Lakeside Medical Center")
    page.get_by_label("City").fill("Madison")
    page.get_by_label("Region / state").fill("Wisconsin")
    page.get_by_label("Country").select_option("US")
    page.get_by_label("Time zone").select_option("America/Chicago")
    page.get_by_label("Bio").fill("Ten years in value analysis.\n\nHappy to share what I learned.")
    page.get_by_label("Only my mentoring partners").check()
    screenshot(page, "edit-profile-filled")
    page.get_by_role("button", name="Save profile").click()

    page.get_by_text("Your profile has been saved.").wait_for()
    assert page.get_by_role("heading", name="Nina Newcomer").is_visible()
    assert page.get_by_text("Value Analysis Coordinator · Lakeside Medical Center").is_visible()
    assert page.get_by_text("Madison, Wisconsin, United States of America").is_visible()
    photo_img = page.get_by_role("img", name="Photo of Nina Newcomer")
    # Once the browser has loaded it (or failed to: 0), however long the photo request takes.
    loaded_width = (
        "img => img.complete ? img.naturalWidth : new Promise(done => {"
        " img.addEventListener('load', () => done(img.naturalWidth));"
        " img.addEventListener('error', () => done(0)); })"
    )
    assert photo_img.evaluate(loaded_width) == 400
    assert page.locator(".bio p").count() == 2
    assert_accessible(page)
    screenshot(page, "profile")

    profile = Profile.objects.get(user__email="nina@example.com")
    assert profile.job_title == "Value Analysis Coordinator"
    assert profile.photo and profile.photo_thumb
    assert profile.contact_visibility == "partners"


def test_another_member_sees_the_profile_but_not_private_contact_details(
    page, make_member, screenshot, assert_accessible
):
    owner = make_member(
        "david@example.com",
        "David",
        "Okafor",
        job_title="Director of Supply Chain",
        phone="+1 555 222 3333",
        contact_visibility="partners",
    )
    make_member("maria@example.com", "Maria", "Santos")

    page.goto(f"/members/{owner.pk}/")
    page.get_by_label("Email").fill("maria@example.com")
    page.get_by_label("Password").fill("correct-horse-battery-staple")
    page.get_by_role("button", name="Sign In").click()

    page.get_by_role("heading", name="David Okafor").wait_for()
    assert page.get_by_text("shares contact details with mentoring partners only").is_visible()
    assert page.get_by_text("+1 555 222 3333").count() == 0
    assert page.get_by_role("img", name="Initials of David Okafor").inner_text() == "DO"
    assert_accessible(page)
    screenshot(page, "other-members-profile")

    page.get_by_role("link", name="Members").click()
    page.get_by_label("Search by name, job title or organization").fill("Okafor")
    page.get_by_role("button", name="Search").click()
    assert page.get_by_role("link", name="David Okafor").is_visible()
    assert_accessible(page)
    screenshot(page, "directory")
