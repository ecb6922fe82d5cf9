"""seed_demo: realistic, deterministic members and demo logins; running it again adds nothing."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from PIL import Image

from demo import seed
from demo.names import STATE_REGION
from demo.seed import DEMO_ACCOUNTS, DEMO_MEMBER_PASSWORD, demo_email
from members.models import Profile, User
from mentoring.models import Enrollment, EnrollmentStatus, MentoringRequest, Relationship
from mentoring.services.enrollment import check_options

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def few_photos(monkeypatch):
    """Photos for the first 10 members here, not 400: drawing and storing them is most of a
    seed's time, and the tests below that look at photos need no more."""
    monkeypatch.setattr(seed, "PHOTO_MEMBERS", 10)


def profiles_snapshot():
    return list(
        Profile.objects.filter(user__email__endswith="@demo.example.org")
        .order_by("user__email")
        .values_list(
            "user__email", "first_name", "last_name", "job_title", "organization", "city", "bio"
        )
    )


def test_it_creates_the_requested_members_with_full_profiles():
    call_command("seed_demo", members=25, seed=7)

    demo = Profile.objects.filter(user__email__endswith="@demo.example.org")
    assert demo.count() == 25
    for profile in demo:
        assert profile.is_complete
        assert profile.organization and profile.city and profile.country and profile.time_zone
        assert "\n\n" in profile.bio
    assert EmailAddress.objects.filter(verified=True, primary=True).count() == 25 + len(
        DEMO_ACCOUNTS
    )


def test_it_is_deterministic_for_a_seed():
    call_command("seed_demo", members=10, seed=3)
    first = profiles_snapshot()
    User.objects.all().delete()

    call_command("seed_demo", members=10, seed=3)

    assert profiles_snapshot() == first


def test_a_different_seed_gives_different_members():
    call_command("seed_demo", members=10, seed=3)
    first = profiles_snapshot()
    User.objects.all().delete()

    call_command("seed_demo", members=10, seed=4)

    assert profiles_snapshot() != first


def test_running_it_again_adds_nothing_and_growing_keeps_the_first_members():
    call_command("seed_demo", members=10)
    first = profiles_snapshot()
    call_command("seed_demo", members=10)
    assert profiles_snapshot() == first

    call_command("seed_demo", members=15)

    assert profiles_snapshot()[:10] == first
    assert User.objects.count() == 15 + len(DEMO_ACCOUNTS)


def test_if_empty_leaves_an_existing_database_alone(make_member, capsys):
    make_member("someone@example.com")

    call_command("seed_demo", members=10, if_empty=True)

    assert not User.objects.filter(email__endswith="@demo.example.org").exists()
    assert "already has members" in capsys.readouterr().out


def test_it_prints_the_demo_logins_and_they_work(capsys):
    call_command("seed_demo", members=1)

    out = capsys.readouterr().out
    for account in DEMO_ACCOUNTS:
        assert account.email in out and account.password in out
        assert Client().login(email=account.email, password=account.password)
    assert Client().login(email=demo_email(1), password=DEMO_MEMBER_PASSWORD)
    assert User.objects.get(email="staff@example.org").is_staff


def test_a_silly_member_count_is_refused():
    with pytest.raises(CommandError, match="between 0 and 1,000,000"):
        call_command("seed_demo", members=-5)


def test_demo_members_are_enrolled_like_a_living_program():

    call_command("seed_demo", members=400, seed=1)

    demo = Enrollment.objects.filter(user__email__endswith="@demo.example.org")
    mentors = demo.filter(role="mentor")
    mentees = demo.filter(role="mentee")
    assert 0.33 < mentors.count() / 400 < 0.47
    assert 0.63 < mentees.count() / 400 < 0.77
    assert (
        demo.values("user").distinct().count() < mentors.count() + mentees.count()
    )  # some are both
    assert mentors.filter(status=EnrollmentStatus.PAUSED).exists()
    assert mentors.filter(status=EnrollmentStatus.PAUSED, return_date__isnull=False).exists()
    assert set(mentors.values_list("max_mentees", flat=True)) >= {1, 2, 3}
    # Every generated enrollment obeys the same rules a member's own enrollment does.
    for enrollment in demo.prefetch_related("choices")[:100]:
        check_options(enrollment.role, [choice.option_id for choice in enrollment.choices.all()])


def test_the_demo_mentor_and_mentee_are_enrolled():

    call_command("seed_demo", members=0)

    assert Enrollment.objects.get(user__email="mentor@example.org").role == "mentor"
    assert Enrollment.objects.get(user__email="mentee@example.org").role == "mentee"


def test_a_demo_member_in_both_roles_tells_the_same_facts_about_themself():

    call_command("seed_demo", members=200, seed=2)

    both = (
        Enrollment.objects.filter(user__email__endswith="@demo.example.org", role="mentee")
        .filter(user__enrollments__role="mentor")
        .select_related("user__profile")
    )
    assert both.exists()
    for mentee_side in both[:30]:
        mentor_side = Enrollment.objects.get(user=mentee_side.user, role="mentor")

        def facts(enrollment):
            return sorted(
                enrollment.choices.filter(option__category__multiple=False).values_list(
                    "option__category__name", "option__label"
                )
            )

        assert facts(mentee_side) == facts(mentor_side)
        region = dict(facts(mentor_side))["Region"]
        assert region == STATE_REGION[mentee_side.user.profile.region]


def test_demo_data_has_requests_and_relationships_in_every_state():

    call_command("seed_demo", members=300, seed=1)

    assert set(MentoringRequest.objects.values_list("status", flat=True)) >= {
        "pending",
        "accepted",
        "declined",
        "withdrawn",
    }
    assert set(Relationship.objects.values_list("status", flat=True)) == {"active", "completed"}
    assert MentoringRequest.objects.filter(
        recipient__email="mentor@example.org", status="pending"
    ).exists()
    assert Relationship.objects.filter(mentee__email="mentee@example.org", status="active").exists()
    at_capacity = [
        enrollment
        for enrollment in Enrollment.objects.filter(role="mentor")
        if Relationship.objects.active().filter(mentor=enrollment.user_id).count()
        >= enrollment.max_mentees
    ]
    assert at_capacity, "some mentor shows 'no open place'"
    assert mail.outbox == [], "the invented demo members are sent no email"
    before = MentoringRequest.objects.count()
    call_command("seed_demo", members=300, seed=1)
    assert MentoringRequest.objects.count() == before


def test_the_demo_is_old_enough_for_every_follow_up_rule_to_fire():
    from mentoring.reminders import run_follow_up

    call_command("seed_demo", members=300, seed=1)
    mail.outbox.clear()

    counts = run_follow_up()

    # Deleting old email texts is housekeeping, not a follow-up rule: the demo sends no email.
    assert all(n for rule, n in counts.items() if rule != "email texts deleted"), counts
    recipients = {m.to[0] for m in mail.outbox}
    assert {"mentor@example.org", "mentee@example.org"} <= recipients
    assert run_follow_up() == dict.fromkeys(counts, 0), "a second run sends nothing"


# --- Photos, bios, last active ----------------------------------------------------------------


def stored_size(field_file):
    with field_file.storage.open(field_file.name) as handle:
        image = Image.open(handle)
        return image.format, image.size


def test_the_demo_logins_have_photos_and_bios_and_the_mentor_was_here_today():
    call_command("seed_demo", members=0)

    for account in DEMO_ACCOUNTS:
        profile = Profile.objects.get(user__email=account.email)
        assert stored_size(profile.photo) == ("JPEG", (400, 400))
        assert stored_size(profile.photo_thumb) == ("JPEG", (96, 96))
        assert len(profile.bio) > 100 and "\n\n" in profile.bio
    mentor = Profile.objects.get(user__email="mentor@example.org")
    assert timezone.now() - mentor.last_active_at < timedelta(days=1)


def test_a_demo_login_keeps_what_it_changed_when_seeded_again():
    call_command("seed_demo", members=0)
    profile = Profile.objects.get(user__email="mentor@example.org")
    photo = profile.photo.name
    Profile.objects.filter(pk=profile.pk).update(bio="My own words.", last_active_at=timezone.now())

    call_command("seed_demo", members=0)

    profile.refresh_from_db()
    assert (profile.photo.name, profile.bio) == (photo, "My own words.")
    assert timezone.now() - profile.last_active_at < timedelta(minutes=1)


def test_a_bounded_number_of_members_have_photos():
    # The first PHOTO_MEMBERS members (400; 10 in these tests) but every fifth.
    call_command("seed_demo", members=15)

    with_photo = {
        int(email[6:12])
        for email in Profile.objects.filter(user__email__endswith="@demo.example.org")
        .exclude(photo="")
        .values_list("user__email", flat=True)
    }
    assert with_photo == {1, 2, 3, 4, 6, 7, 8, 9}
    files = sorted(Profile.objects.exclude(photo="").values_list("photo", "photo_thumb"))
    call_command("seed_demo", members=15)
    assert sorted(Profile.objects.exclude(photo="").values_list("photo", "photo_thumb")) == files


def photo_bytes(email):
    photo = Profile.objects.get(user__email=email).photo
    with photo.storage.open(photo.name) as handle:
        return handle.read()


def test_a_members_photo_is_drawn_the_same_for_a_seed_and_differently_for_another():
    call_command("seed_demo", members=2, seed=3)
    first = photo_bytes(demo_email(1))
    User.objects.all().delete()

    call_command("seed_demo", members=2, seed=3)
    again = photo_bytes(demo_email(1))
    User.objects.all().delete()
    call_command("seed_demo", members=2, seed=4)

    assert again == first
    assert photo_bytes(demo_email(1)) != first
    assert photo_bytes(demo_email(1)) != photo_bytes(demo_email(2))
