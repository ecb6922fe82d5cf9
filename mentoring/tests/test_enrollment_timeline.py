"""Pausing, resuming and withdrawing an enrollment go on its timeline, whoever does it; the admin
changes an enrollment only through the same services."""

import datetime

import pytest
from django.utils import timezone

from mentoring.models import Enrollment, MentoringRequest
from mentoring.services.enrollment import (
    pause_for_member,
    resume_returning,
    set_participation,
    withdraw,
)
from mentoring.services.requests import send_request

pytestmark = pytest.mark.django_db


def history(enrollment):
    return [
        (entry.actor.email if entry.actor else None, entry.from_state, entry.to_state, entry.note)
        for entry in enrollment.timeline.select_related("actor")
    ]


def test_a_members_own_changes_are_on_the_timeline(enrolled_mentor):
    enrollment = Enrollment.objects.get(user=enrolled_mentor, role="mentor")
    back = timezone.localdate() + datetime.timedelta(days=30)

    set_participation(enrollment, paused=True, return_date=back, max_mentees=2)
    set_participation(enrollment, paused=True, return_date=back, max_mentees=3)  # no status change
    set_participation(enrollment, paused=False, max_mentees=3)
    withdraw(enrollment)

    assert history(enrollment) == [
        ("david@example.com", "", "active", ""),
        ("david@example.com", "active", "paused", f"until {back:%B %-d, %Y}"),
        ("david@example.com", "paused", "active", ""),
        ("david@example.com", "active", "withdrawn", ""),
    ]
    assert [entry.sentence for entry in enrollment.timeline.all()][-1] == (
        "David Okafor withdrew from the role"
    )


def test_coming_back_after_the_return_date_is_on_the_timeline_with_no_actor(enrolled_mentor):
    enrollment = Enrollment.objects.get(user=enrolled_mentor, role="mentor")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    set_participation(enrollment, paused=True, return_date=tomorrow, max_mentees=2)

    assert resume_returning(tomorrow) == 1

    assert history(enrollment)[-1] == (None, "paused", "active", "the return date came")


def test_a_staff_pause_names_the_staff_member_and_keeps_the_reason_for_the_member(
    enrolled_mentor, staff
):
    enrollment = Enrollment.objects.get(user=enrolled_mentor, role="mentor")

    pause_for_member(enrollment, reason="asked by phone", staff=staff)

    entry = enrollment.timeline.last()
    assert (entry.actor, entry.to_state, entry.note_for) == (staff, "paused", enrolled_mentor)
    assert "asked by phone" in entry.note


def test_the_admin_cannot_edit_an_enrollment_directly(admin_client, enrolled_mentor):
    enrollment = Enrollment.objects.get(user=enrolled_mentor, role="mentor")

    admin_client.post(
        f"/admin/mentoring/enrollment/{enrollment.pk}/change/",
        {"status": "withdrawn", "max_mentees": 9, "statement": "changed"},
    )

    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.max_mentees) == ("active", 2)
    page = admin_client.get(f"/admin/mentoring/enrollment/{enrollment.pk}/change/").text
    assert "Timeline entries" in page


def test_withdrawing_in_the_admin_closes_the_members_pending_requests(
    admin_client, enrolled_mentor, enrolled_mentee, mailoutbox
):
    request = send_request(enrolled_mentee, enrolled_mentor, recipient_role="mentor")
    enrollment = Enrollment.objects.get(user=enrolled_mentor, role="mentor")
    mailoutbox.clear()

    response = admin_client.post(
        "/admin/mentoring/enrollment/",
        {"action": "withdraw_selected", "_selected_action": [enrollment.pk]},
        follow=True,
    )

    assert "Withdrew 1 enrollment" in response.text
    enrollment.refresh_from_db()
    request.refresh_from_db()
    assert enrollment.status == "withdrawn"
    assert request.status == "declined"
    assert [m.to for m in mailoutbox] == [["maria@example.com"]]
    assert history(enrollment)[-1][1:3] == ("active", "withdrawn")
    assert not MentoringRequest.objects.filter(status="pending").exists()
