"""Program staff act for members: each action has a reason, is on the timeline and in the audit log,
and the members are told by email."""

import pytest
from django.core import mail

from mentoring.models import Enrollment, TimelineEntry
from mentoring.services.requests import accept_request, send_request
from notifications.models import OutgoingEmail
from program.models import StaffAction

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(enrolled_mentee, enrolled_mentor):
    request = send_request(enrolled_mentee, enrolled_mentor, recipient_role="mentor")
    mail.outbox.clear()
    return request


STAFF_PAGES = [
    ("get", "/staff/actions/"),
    ("get", "/staff/requests/{request}/"),
    ("post", "/staff/requests/{request}/accept/"),
    ("post", "/staff/requests/{request}/decline/"),
    ("get", "/staff/relationships/{relationship}/"),
    ("post", "/staff/relationships/{relationship}/end/"),
    ("post", "/staff/actions/pause/"),
    ("get", "/staff/sent-emails/"),
    ("post", "/staff/sent-emails/{email}/resend/"),
]


def test_no_member_who_is_not_staff_can_act(client, pending, enrolled_mentor, make_member, option):
    from mentoring.services.enrollment import enroll

    sam = make_member("sam@example.com", "Sam", "Lee")
    enroll(sam, "mentee", option_ids=[option("Leadership Skills", "Negotiation").pk])
    other = send_request(sam, enrolled_mentor, recipient_role="mentor")
    relationship = accept_request(other.pk, enrolled_mentor)
    email = OutgoingEmail.objects.create(to=["x@example.com"], subject="s", body="b")
    ids = {"request": pending.pk, "relationship": relationship.pk, "email": email.pk}
    client.force_login(enrolled_mentor)

    for method, url in STAFF_PAGES:
        response = getattr(client, method)(url.format(**ids), {"reason": "because"})
        assert response.status_code == 404, url
    pending.refresh_from_db()
    relationship.refresh_from_db()
    assert (pending.status, relationship.status) == ("pending", "active")
    assert not StaffAction.objects.exists()


def test_staff_accept_for_a_member_with_a_reason(client, staff, pending, enrolled_mentor):
    client.force_login(staff)

    response = client.post(
        f"/staff/requests/{pending.pk}/accept/",
        {"reason": "David asked us by phone; he is travelling."},
        follow=True,
    )

    pending.refresh_from_db()
    assert pending.status == "accepted"
    assert "both members have been told" in response.content.decode()
    entry = TimelineEntry.objects.get(request=pending, to_state="accepted")
    assert entry.actor == staff
    assert "by program staff for David Okafor: David asked us by phone" in entry.note
    action = StaffAction.objects.get()
    assert (action.kind, action.member, action.staff) == ("accept", enrolled_mentor, staff)
    page = client.get(f"/staff/requests/{pending.pk}/").content.decode()
    assert "(by program staff for David Okafor: David asked us by phone; he is travelling.)" in page
    told = {m.to[0]: m.subject for m in mail.outbox}
    assert "accepted the request from Maria Santos on your behalf" in told["david@example.com"]
    assert "now mentoring partners" in " ".join(m.subject for m in mail.outbox)


def test_staff_decline_for_a_member_tells_the_requester_kindly(client, staff, pending):
    client.force_login(staff)

    client.post(
        f"/staff/requests/{pending.pk}/decline/",
        {"decline_reason": "no_time", "note": "", "reason": "David is on leave."},
    )

    pending.refresh_from_db()
    assert pending.status == "declined" and pending.decline_reason == "no_time"
    assert sorted(m.to[0] for m in mail.outbox) == ["david@example.com", "maria@example.com"]
    assert StaffAction.objects.get().kind == "decline"


def test_an_action_without_a_reason_changes_nothing(client, staff, pending):
    client.force_login(staff)

    response = client.post(f"/staff/requests/{pending.pk}/accept/", {"reason": "  "})

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == "pending" and mail.outbox == []
    assert not StaffAction.objects.exists()


def test_a_refused_action_says_why(client, staff, pending, enrolled_mentor):
    accept_request(pending.pk, enrolled_mentor)
    client.force_login(staff)

    response = client.post(
        f"/staff/requests/{pending.pk}/decline/",
        {"decline_reason": "no_time", "reason": "late"},
        follow=True,
    )

    assert "This request has already been answered." in response.content.decode()
    assert not StaffAction.objects.exists()


def test_staff_end_a_relationship_and_both_are_told(client, staff, pending, enrolled_mentor):
    relationship = accept_request(pending.pk, enrolled_mentor)
    mail.outbox.clear()
    client.force_login(staff)

    client.post(f"/staff/relationships/{relationship.pk}/end/", {"reason": "Maria left."})

    relationship.refresh_from_db()
    assert (relationship.status, relationship.outcome, relationship.completed_by) == (
        "completed",
        "other",
        staff,
    )
    assert sorted(m.to[0] for m in mail.outbox) == ["david@example.com", "maria@example.com"]
    assert "ended your mentoring relationship with" in mail.outbox[0].subject
    assert relationship.timeline.last().note == "ended by program staff: Maria left."
    assert StaffAction.objects.get().kind == "end"


def test_staff_pause_a_mentor_who_is_told(client, staff, enrolled_mentor):
    client.force_login(staff)

    client.post(
        "/staff/actions/pause/",
        {"email": "DAVID@example.com", "reason": "Asked us to, by phone.", "return_date": ""},
    )

    enrollment = Enrollment.objects.get(user=enrolled_mentor, role="mentor")
    assert enrollment.status == "paused"
    (email,) = mail.outbox
    assert "Temporarily Not Participating" in email.subject and email.to == ["david@example.com"]
    assert StaffAction.objects.get().kind == "pause"


def test_pausing_an_unknown_mentor_says_so(client, staff):
    client.force_login(staff)

    response = client.post(
        "/staff/actions/pause/", {"email": "nobody@example.com", "reason": "x"}, follow=True
    )

    assert "No mentor is enrolled with the email address nobody@example.com." in (
        response.content.decode()
    )
    assert not StaffAction.objects.exists()


def test_staff_resend_an_email(client, staff):
    original = OutgoingEmail.objects.create(
        to=["maria@example.com"],
        subject="Your request",
        body="Hello",
        status="sent",
        sent_at="2026-01-01T00:00:00Z",
    )
    client.force_login(staff)

    page = client.get("/staff/sent-emails/", {"q": "maria"}).content.decode()
    assert "Your request" in page
    client.post(f"/staff/sent-emails/{original.pk}/resend/", {"reason": "She lost it."})

    copy = OutgoingEmail.objects.exclude(pk=original.pk).get()
    assert (copy.to, copy.subject, copy.status) == (
        ["maria@example.com"],
        "Your request",
        "pending",
    )
    assert StaffAction.objects.get().kind == "resend"


def test_the_audit_log_lists_every_action(client, staff, pending):
    client.force_login(staff)
    client.post(f"/staff/requests/{pending.pk}/accept/", {"reason": "By phone."})

    page = client.get("/staff/actions/").content.decode()

    assert "Accepted a request for a member" in page and "By phone." in page
