"""Profiles: members edit their own, view each other's and search the directory."""

import re

import pytest
import time_machine
from django.urls import reverse

from members.models import Profile

pytestmark = pytest.mark.django_db

EDIT = reverse("members:profile_edit")
DIRECTORY = reverse("members:directory")
LOGIN = reverse("account_login")

EVERY_FIELD = {
    "first_name": "Maria",
    "last_name": "Santos-Reyes",
    "job_title": "Senior Buyer",
    "organization": "Lakeside Clinic",
    "city": "Chicago",
    "region": "IL",
    "country": "US",
    "time_zone": "America/Chicago",
    "bio": "Twelve years in hospital purchasing.\n\nHappy to talk about contracts.",
    "contact_email": "maria.work@example.org",
    "phone": "+1 (312) 555-0100 ext. 12",
    "linkedin_url": "https://www.linkedin.com/in/x",
    "contact_visibility": "partners",
}


def profile_of(member):
    return Profile.objects.get(pk=member.pk)


def stored(member):
    """Everything the member entered on their profile, to compare before and after a request
    (when they were last active is the site's note, and changes with any visit)."""
    values = Profile.objects.filter(pk=member.pk).values().get()
    values.pop("last_active_at")
    return values


def form_data(member, **changes):
    """What the browser posts: the member's current values, with some fields changed."""
    profile = profile_of(member)
    data = {
        name: getattr(profile, name)
        for name in EVERY_FIELD
        if name not in ("country", "contact_visibility")
    }
    data["country"] = profile.country.code or ""
    data["contact_visibility"] = profile.contact_visibility
    data.update(changes)
    return data


def profile_url(member_or_id):
    return reverse("members:profile", args=[getattr(member_or_id, "pk", member_or_id)])


def sign_in_redirect(url):
    return f"{LOGIN}?next={url}"


def bio_html(page):
    match = re.search(r'<div class="bio">(.*?)</div>', page, re.DOTALL)
    assert match, page
    return match.group(1)


def names_listed(response):
    return re.findall(r'<a class="member-name" href="[^"]*">([^<]*)</a>', response.content.decode())


# --- Editing ---------------------------------------------------------------------------------


def test_it_sends_an_anonymous_visitor_to_sign_in_before_editing_a_profile(client):
    response = client.get(EDIT)

    assert response.status_code == 302
    assert response["Location"] == sign_in_redirect(EDIT)


def test_an_anonymous_post_to_the_profile_form_changes_nothing(client, mentee):
    before = stored(mentee)

    response = client.post(EDIT, {**EVERY_FIELD, "first_name": "Mallory"})

    assert response.status_code == 302
    assert response["Location"] == sign_in_redirect(EDIT)
    assert stored(mentee) == before


def test_member_can_see_their_current_profile_in_the_form(client, mentor):
    client.force_login(mentor)

    response = client.get(EDIT)

    assert response.status_code == 200
    form = response.context["form"]
    assert form.instance.pk == mentor.pk
    page = response.content.decode()
    assert 'value="Director of Supply Chain"' in page
    assert 'value="+1 555 123 4567"' in page


def test_member_can_edit_every_field_of_their_profile(client, mentee):
    client.force_login(mentee)

    response = client.post(EDIT, EVERY_FIELD)

    assert response.status_code == 302
    assert response["Location"] == profile_url(mentee)
    profile = profile_of(mentee)
    profile.refresh_from_db()
    for name, value in EVERY_FIELD.items():
        assert str(getattr(profile, name)) == value, name
    assert profile.country.code == "US"
    assert profile.location == "Chicago, IL, United States of America"


def test_member_can_clear_the_optional_fields(client, mentor):
    client.force_login(mentor)

    response = client.post(
        EDIT,
        form_data(
            mentor, job_title="", organization="", phone="", bio="", country="", time_zone=""
        ),
    )

    assert response.status_code == 302
    profile = profile_of(mentor)
    profile.refresh_from_db()
    assert (profile.job_title, profile.organization, profile.phone) == ("", "", "")
    assert not profile.country
    assert profile.time_zone == ""


def test_it_saves_a_bio_of_exactly_5000_characters(client, mentee):
    client.force_login(mentee)

    response = client.post(EDIT, form_data(mentee, bio="b" * 5000))

    assert response.status_code == 302
    assert len(profile_of(mentee).bio) == 5000


def test_it_trims_spaces_around_names(client, mentee):
    client.force_login(mentee)

    client.post(EDIT, form_data(mentee, first_name="  Mariana ", last_name=" Silva  "))

    profile = profile_of(mentee)
    profile.refresh_from_db()
    assert (profile.first_name, profile.last_name) == ("Mariana", "Silva")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("first_name", "", "This field is required."),
        ("last_name", "   ", "This field is required."),
        (
            "linkedin_url",
            "https://example.com/in/x",
            "Enter the address of your LinkedIn profile, e.g. https://www.linkedin.com/in/your-name",
        ),
        (
            "linkedin_url",
            "https://linkedin.com.evil.example/in/x",
            "Enter the address of your LinkedIn profile",
        ),
        (
            "linkedin_url",
            "https://www.linkedin.com@evil.example/in/x",
            "Enter the address of your LinkedIn profile",
        ),
        ("linkedin_url", "javascript:alert(1)//linkedin.com", "Enter a valid URL."),
        ("phone", "call me", "Enter a phone number with at least six digits."),
        ("phone", "12345", "Enter a phone number with at least six digits."),
        ("phone", "call me on 555 123 4567", "Enter a phone number with at least six digits."),
        ("contact_email", "not-an-email", "Enter a valid email address."),
        ("country", "XX", "Select a valid choice. XX is not one of the available choices."),
        (
            "time_zone",
            "Mars/Olympus_Mons",
            "Select a valid choice. Mars/Olympus_Mons is not one of the available choices.",
        ),
        (
            "contact_visibility",
            "everyone",
            "Select a valid choice. everyone is not one of the available choices.",
        ),
        ("bio", "b" * 5001, "Ensure this value has at most 5000 characters (it has 5001)."),
        ("first_name", "Nul\x00byte", "Null characters are not allowed."),
    ],
)
def test_bad_profile_input_gets_a_clear_message_and_changes_nothing(
    client, mentor, field, value, message
):
    client.force_login(mentor)
    before = stored(mentor)

    # A valid change rides along, so a partial save would show.
    response = client.post(
        EDIT, form_data(mentor, job_title="Chief Procurement Officer", **{field: value})
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert "Please correct the highlighted fields below. Nothing has been saved yet." in page
    assert stored(mentor) == before


def test_after_bad_input_the_page_header_still_shows_the_stored_name(client, mentee):
    client.force_login(mentee)

    response = client.post(EDIT, form_data(mentee, first_name="Mallory", phone="call me"))

    assert response.status_code == 200
    assert response.context["profile"].first_name == "Maria"
    assert profile_of(mentee).first_name == "Maria"


# --- Viewing a profile -----------------------------------------------------------------------


def test_it_sends_an_anonymous_visitor_to_sign_in_before_showing_a_profile(client, mentee):
    response = client.get(profile_url(mentee))

    assert response.status_code == 302
    assert response["Location"] == sign_in_redirect(profile_url(mentee))


def test_member_can_see_another_members_name_job_organization_and_location(
    client, mentee, outsider
):
    Profile.objects.filter(pk=mentee.pk).update(
        city="Chicago", region="IL", country="US", time_zone="America/Chicago"
    )
    client.force_login(outsider)

    response = client.get(profile_url(mentee))

    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Maria Santos</h1>" in page
    assert "Buyer · Riverside Hospital" in page
    assert "<dd>Chicago, IL, United States of America</dd>" in page
    assert "<dd>America/Chicago</dd>" in page
    assert "Edit my profile" not in page


def test_the_owner_sees_a_link_to_edit_their_profile(client, mentee):
    client.force_login(mentee)

    page = client.get(profile_url(mentee)).content.decode()

    assert f'href="{EDIT}">Edit my profile</a>' in page


def test_a_bio_is_html_escaped_and_keeps_its_paragraphs(client, mentee, outsider):
    Profile.objects.filter(pk=mentee.pk).update(bio="<script>alert(1)</script>\n\nSecond paragraph")
    client.force_login(outsider)

    page = client.get(profile_url(mentee)).content.decode()

    assert "<script>alert(1)" not in page
    bio = bio_html(page)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in bio
    assert bio.count("<p>") == 2
    assert "<p>Second paragraph</p>" in bio


def test_contact_details_are_shown_to_other_members_by_default(client, mentor, outsider):
    assert profile_of(mentor).contact_visibility == "members"
    client.force_login(outsider)

    page = client.get(profile_url(mentor)).content.decode()

    # No contact email on the profile: the account email is shown.
    assert '<a href="mailto:david@example.com">david@example.com</a>' in page
    assert "+1 555 123 4567" in page


def test_a_contact_email_on_the_profile_replaces_the_account_email(client, mentor, outsider):
    Profile.objects.filter(pk=mentor.pk).update(
        contact_email="d.okafor@summit.example",
        linkedin_url="https://www.linkedin.com/in/dokafor",
    )
    client.force_login(outsider)

    page = client.get(profile_url(mentor)).content.decode()

    assert '<a href="mailto:d.okafor@summit.example">' in page
    assert "david@example.com" not in page
    assert 'href="https://www.linkedin.com/in/dokafor"' in page


def test_contact_details_for_partners_only_are_hidden_from_other_members(client, mentor, outsider):
    Profile.objects.filter(pk=mentor.pk).update(
        contact_visibility="partners", linkedin_url="https://www.linkedin.com/in/dokafor"
    )
    client.force_login(outsider)

    page = client.get(profile_url(mentor)).content.decode()

    assert "David shares contact details with mentoring partners only." in page
    assert "david@example.com" not in page
    assert "555 123 4567" not in page
    assert "linkedin.com/in/dokafor" not in page


@pytest.mark.parametrize("viewer", ["mentor", "staff"])
def test_contact_details_for_partners_only_are_shown_to_the_owner_and_to_staff(
    client, mentor, staff, viewer
):
    Profile.objects.filter(pk=mentor.pk).update(contact_visibility="partners")
    client.force_login({"mentor": mentor, "staff": staff}[viewer])

    page = client.get(profile_url(mentor)).content.decode()

    assert '<a href="mailto:david@example.com">david@example.com</a>' in page
    assert "+1 555 123 4567" in page
    assert "shares contact details with mentoring partners only" not in page


def test_it_answers_404_for_an_unknown_member(client, outsider):
    client.force_login(outsider)

    assert client.get(profile_url(outsider.pk + 1000)).status_code == 404


def test_it_answers_404_for_the_profile_of_an_inactive_account(client, mentee, outsider):
    client.force_login(outsider)
    assert client.get(profile_url(mentee)).status_code == 200

    mentee.is_active = False
    mentee.save()

    assert client.get(profile_url(mentee)).status_code == 404


# --- The members directory -------------------------------------------------------------------


def test_it_sends_an_anonymous_visitor_to_sign_in_before_showing_the_directory(client, mentee):
    response = client.get(DIRECTORY, {"q": "maria"})

    assert response.status_code == 302
    assert response["Location"].startswith(sign_in_redirect(DIRECTORY))


def test_member_can_see_every_active_member_in_the_directory_by_last_name(
    client, mentee, mentor, outsider, make_member
):
    gone = make_member("gone@example.com", "Gina", "Gone")
    gone.is_active = False
    gone.save()
    client.force_login(outsider)

    response = client.get(DIRECTORY)

    assert response.status_code == 200
    assert names_listed(response) == ["David Okafor", "Olivia Outsider", "Maria Santos"]
    assert "3 members." in response.content.decode()


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("maria", ["Maria Santos"]),
        ("OKAFOR", ["David Okafor"]),
        ("summit", ["David Okafor"]),
        ("Riverside Hospital", ["Maria Santos"]),
        ("maria summit", []),
        ("analyst", ["Olivia Outsider"]),
        ("nobody-like-this", []),
    ],
)
def test_member_can_search_the_directory_by_name_organization_or_job(
    client, mentee, mentor, outsider, q, expected
):
    client.force_login(outsider)

    response = client.get(DIRECTORY, {"q": q})

    assert response.status_code == 200
    assert names_listed(response) == expected
    if not expected:
        assert "No members match that search." in response.content.decode()


def test_the_directory_survives_a_10000_character_search(client, mentee, outsider):
    client.force_login(outsider)

    response = client.get(DIRECTORY, {"q": "maria " + "x" * 10_000})

    assert response.status_code == 200
    assert names_listed(response) == []
    assert "x" * 101 not in response.content.decode()


def test_the_directory_survives_a_search_with_a_nul_character(client, mentee, outsider):
    client.force_login(outsider)

    # SQLite takes a NUL in a query parameter; PostgreSQL refuses it.
    response = client.get(DIRECTORY, {"q": "mar\x00ia"})

    assert response.status_code == 200
    assert names_listed(response) == ["Maria Santos"]


@pytest.mark.parametrize("page", ["abc", "", "-1", "999", "1.5", "9" * 50])
def test_the_directory_survives_an_odd_page_number(client, mentee, outsider, page):
    client.force_login(outsider)

    response = client.get(DIRECTORY, {"page": page})

    assert response.status_code == 200
    assert names_listed(response) == ["Olivia Outsider", "Maria Santos"]


def test_the_directory_shows_24_members_a_page(client, make_member, outsider):
    for number in range(25):
        make_member(f"m{number:02d}@example.com", "Member", f"Number {number:02d}")
    client.force_login(outsider)

    first = client.get(DIRECTORY)
    second = client.get(DIRECTORY, {"page": "2"})

    assert names_listed(first) == [f"Member Number {number:02d}" for number in range(24)]
    assert "Page 1 of 2" in first.content.decode()
    assert names_listed(second) == ["Member Number 24", "Olivia Outsider"]
    assert "Page 2 of 2" in second.content.decode()


def test_the_directory_counts_members_once_a_minute_and_lists_them_at_once(
    client, mentee, outsider, make_member
):
    """Counting 100,000 members costs more than the rest of the page: the count is kept a minute;
    the list itself is read afresh every time."""
    client.force_login(outsider)
    with time_machine.travel("2026-03-02 12:00:00Z", tick=False) as clock:
        assert "2 members." in client.get(DIRECTORY).content.decode()
        make_member("nina@example.com", "Nina", "Newcomer")

        page = client.get(DIRECTORY)
        assert "2 members." in page.content.decode()
        assert names_listed(page) == ["Nina Newcomer", "Olivia Outsider", "Maria Santos"]
        clock.shift(61)
        assert "3 members." in client.get(DIRECTORY).content.decode()


def test_a_profile_says_when_the_member_was_last_active(client, mentee, mentor):
    client.force_login(mentor)
    assert "Not active recently" in client.get(f"/members/{mentee.pk}/").content.decode()

    client.force_login(mentee)
    client.get("/")
    client.force_login(mentor)

    assert "Active today" in client.get(f"/members/{mentee.pk}/").content.decode()


def test_last_active_is_said_in_coarse_steps():
    import datetime

    from members.models import last_active_phrase

    now = datetime.datetime(2026, 6, 30, 12, tzinfo=datetime.UTC)

    def ago(days):
        return last_active_phrase(now - datetime.timedelta(days=days), now)

    assert [ago(0), ago(1), ago(5), ago(20), ago(90), ago(400)] == [
        "Active today",
        "Active yesterday",
        "Active 5 days ago",
        "Active 2 weeks ago",
        "Active 3 months ago",
        "Not active recently",
    ]
