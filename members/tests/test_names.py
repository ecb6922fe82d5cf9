"""A name must read as written: nothing made only of invisible characters, nothing that reorders
the text around it (sign-up, profile and member import alike)."""

import pytest
from django.urls import reverse

from members.models import Profile, User
from members.tests.test_accounts import sign_up
from members.text import NAME_IS_BLANK, clean_name

pytestmark = pytest.mark.django_db

ZERO_WIDTH_ONLY = "\u200b\u200c\u200d\ufeff"
RIGHT_TO_LEFT_OVERRIDE = "\u202eairaM"
BLANK = "Please enter a name we can show: it has no visible letters."


@pytest.mark.parametrize(
    "name",
    [ZERO_WIDTH_ONLY, "\u3164", "\u2800\u2800", "\u00ad", " \u200b ", "\u202e\u202c", "\u0301"],
    ids=["zero-width", "hangul-filler", "braille-blank", "soft-hyphen", "spaces", "bidi", "mark"],
)
def test_a_name_with_nothing_visible_is_refused(name):
    with pytest.raises(ValueError, match=NAME_IS_BLANK):
        clean_name(name)


@pytest.mark.parametrize(
    "typed, kept",
    [
        (RIGHT_TO_LEFT_OVERRIDE, "airaM"),
        ("Ma\u2066ria\u2069", "Maria"),
        ("  José  ", "José"),
        ("مهر\u200cناز", "مهر\u200cناز"),  # a joiner inside a Persian name is part of it
        ("O\u2019Brien", "O\u2019Brien"),
    ],
)
def test_bidi_controls_are_removed_and_real_letters_kept(typed, kept):
    assert clean_name(typed) == kept


def test_signing_up_with_an_invisible_name_is_refused_and_creates_nothing(client):
    response = sign_up(client, first_name=ZERO_WIDTH_ONLY)

    assert response.status_code == 200
    assert BLANK in response.text.replace("&#x27;", "'")
    assert not User.objects.filter(email="new@example.com").exists()


def test_signing_up_with_a_right_to_left_override_stores_the_name_without_it(client):
    sign_up(client, last_name="\u202eremocweN")

    profile = Profile.objects.get(user__email="new@example.com")
    assert profile.last_name == "remocweN"


def test_the_profile_form_refuses_an_invisible_name_and_keeps_the_old_one(client, mentee):
    client.force_login(mentee)

    response = client.post(
        reverse("members:profile_edit"),
        {"first_name": ZERO_WIDTH_ONLY, "last_name": "Santos", "contact_visibility": "members"},
    )

    assert response.status_code == 200
    assert BLANK in response.text.replace("&#x27;", "'")
    mentee.profile.refresh_from_db()
    assert mentee.profile.first_name == "Maria"


def test_the_member_import_reports_an_invisible_name_and_strips_bidi_controls(staff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from program import importing

    content = (
        "email,first_name,last_name\n"
        f"ghost@example.com,{ZERO_WIDTH_ONLY},Ghost\n"
        "flip@example.com,\u202eFlip,Side\n"
    )
    batch = importing.create_batch(
        SimpleUploadedFile("m.csv", content.encode()), send_invitations=False, staff=staff
    )
    report = importing.parse_csv(batch.content)

    assert report.rows[0].errors == ["First name has no visible letters."]
    assert report.rows[1].is_valid and report.rows[1].values["first_name"] == "Flip"
