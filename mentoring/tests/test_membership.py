"""A lapsed member leaves the program (issue 15): "deactivate a lapsed member (their pending requests
close, relationships end with an email as when staff end one)". mentoring/services/membership.py."""

import pytest
from django.core import mail
from django.urls import reverse

from integrations.models import ApiToken, Scope
from integrations.services import create_token
from mentoring.models import (
    Enrollment,
    EnrollmentStatus,
    MentoringRequest,
    Relationship,
    RequestStatus,
    TimelineEntry,
)
from mentoring.services.enrollment import enroll
from mentoring.services.membership import deactivate_member, reactivate_member
from mentoring.services.requests import accept_request, send_request
from notifications.models import OutgoingEmail

pytestmark = pytest.mark.django_db

SKILL = ("Leadership Skills", "Negotiation")


@pytest.fixture
def david_busy(enrolled_mentor, enrolled_mentee, make_member, option):
    """David mentors Maria, has a request waiting from Rui, and has asked Sam to be his mentee."""
    relationship = accept_request(
        send_request(enrolled_mentee, enrolled_mentor, recipient_role="mentor").pk,
        enrolled_mentor,
    )
    rui = make_member("rui@example.com", "Rui", "Requester")
    enroll(rui, "mentee", option_ids=[option(*SKILL).pk])
    waiting = send_request(rui, enrolled_mentor, recipient_role="mentor")
    sam = make_member("sam@example.com", "Sam", "Seeker")
    enroll(sam, "mentee", option_ids=[option(*SKILL).pk])
    sent = send_request(enrolled_mentor, sam, recipient_role="mentee")
    mail.outbox.clear()
    return relationship, waiting, sent


def emails_to(address):
    return [m for m in mail.outbox if address in m.to]


def test_deactivating_ends_relationships_closes_requests_withdraws_and_locks_the_account(
    david_busy, enrolled_mentor, staff
):
    relationship, waiting, sent = david_busy

    departure = deactivate_member(enrolled_mentor, staff=staff)

    assert (departure.deactivated, departure.enrollments_withdrawn) == (True, 1)
    assert departure.relationships_ended == 1
    relationship.refresh_from_db()
    assert relationship.status == "completed" and relationship.completed_by == staff
    assert (
        "membership of the association has lapsed"
        in relationship.timeline.get(to_state="completed").note
    )
    waiting.refresh_from_db()
    sent.refresh_from_db()
    assert waiting.status == RequestStatus.DECLINED
    assert sent.status == RequestStatus.WITHDRAWN
    enrollment = Enrollment.objects.get(user=enrolled_mentor, role="mentor")
    assert enrollment.status == EnrollmentStatus.WITHDRAWN
    assert enrollment.timeline.filter(to_state="withdrawn", actor=staff).exists()
    enrolled_mentor.refresh_from_db()
    assert enrolled_mentor.is_active is False


def test_the_partner_is_told_once_as_when_staff_end_a_relationship(
    david_busy, enrolled_mentor, staff
):
    deactivate_member(enrolled_mentor, staff=staff)
    deactivate_member(enrolled_mentor, staff=staff)

    (to_maria,) = emails_to("maria@example.com")
    assert "ended your mentoring relationship with David Okafor" in to_maria.subject
    assert "membership of the association has lapsed" in to_maria.body
    # Those waiting on David hear their request was declined or withdrawn, once each.
    assert len(emails_to("rui@example.com")) == 1
    assert len(emails_to("sam@example.com")) == 1


def test_deactivating_twice_changes_and_sends_nothing_the_second_time(
    david_busy, enrolled_mentor, staff
):
    deactivate_member(enrolled_mentor, staff=staff)
    rows = TimelineEntry.objects.count()
    emails = OutgoingEmail.objects.count()
    sent = len(mail.outbox)

    again = deactivate_member(enrolled_mentor, staff=staff)

    assert (again.deactivated, again.enrollments_withdrawn, again.relationships_ended) == (
        False,
        0,
        0,
    )
    assert TimelineEntry.objects.count() == rows
    assert OutgoingEmail.objects.count() == emails
    assert len(mail.outbox) == sent


def test_a_deactivated_mentor_is_no_longer_found(
    client, enrolled_mentor, make_member, option, staff
):
    seeker = make_member("seeker@example.com", "Sue", "Seeker")
    enroll(seeker, "mentee", option_ids=[option(*SKILL).pk])
    client.force_login(seeker)
    query = {"s": "1", "o": [option(*SKILL).pk]}
    assert "David Okafor" in client.get("/find-a-mentor/", query).content.decode()

    deactivate_member(enrolled_mentor, staff=staff)

    assert "David Okafor" not in client.get("/find-a-mentor/", query).content.decode()
    assert not Enrollment.objects.participating().filter(user=enrolled_mentor).exists()


def test_a_deactivated_member_cannot_sign_in_and_their_tokens_stop_working(
    client, enrolled_mentor, staff
):
    _, secret = create_token(enrolled_mentor, name="My calendar", scopes=[Scope.ME])
    assert (
        client.get("/api/v1/me/profile", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200
    )

    deactivate_member(enrolled_mentor, staff=staff)

    response = client.post(
        reverse("account_login"),
        {"login": "david@example.com", "password": "correct-horse-battery-staple"},
    )
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 302)
    assert not ApiToken.objects.live().filter(user=enrolled_mentor).exists()
    refused = client.get("/api/v1/me/profile", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert refused.status_code == 401


def test_a_signed_in_member_is_signed_out_when_deactivated(client, enrolled_mentor, staff):
    client.force_login(enrolled_mentor)
    assert client.get("/find-a-mentee/").status_code == 200
    deactivate_member(enrolled_mentor, staff=staff)

    response = client.get("/find-a-mentee/")

    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_reactivating_lets_the_member_sign_in_but_leaves_enrollments_withdrawn(
    client, enrolled_mentor, staff
):
    deactivate_member(enrolled_mentor, staff=staff)

    assert reactivate_member(enrolled_mentor) is True
    assert reactivate_member(enrolled_mentor) is False  # already active: nothing to do

    enrolled_mentor.refresh_from_db()
    assert enrolled_mentor.is_active
    assert Enrollment.objects.get(user=enrolled_mentor).status == EnrollmentStatus.WITHDRAWN
    client.post(
        reverse("account_login"),
        {"login": "david@example.com", "password": "correct-horse-battery-staple"},
    )
    assert client.session["_auth_user_id"] == str(enrolled_mentor.pk)


def test_a_member_with_nothing_going_on_is_only_made_inactive(outsider, staff):
    departure = deactivate_member(outsider, staff=staff)

    assert (departure.deactivated, departure.enrollments_withdrawn) == (True, 0)
    assert departure.relationships_ended == 0
    assert mail.outbox == []
    assert not MentoringRequest.objects.exists() and not Relationship.objects.exists()
