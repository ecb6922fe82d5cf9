"""Follow-up that keeps mentoring alive. The FAQ: "If you don't hear from the Mentor within one or two
weeks, please contact them using the contact information found on their profile page." Each rule is
tested by moving time, and running it twice sends nothing new."""

import datetime
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from mentoring.models import Enrollment, ProgramSettings, TimelineEntry
from mentoring.reminders import run_follow_up
from mentoring.services.enrollment import set_participation
from mentoring.services.relationships import log_check_in
from mentoring.services.requests import accept_request, send_request
from notifications.emails import send_due_digests
from notifications.models import Preferences

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def at(days=0, **more):
    return time_machine.travel(START + datetime.timedelta(days=days, **more), tick=False)


def follow_up_on(days, **more):
    with at(days, **more):
        mail.outbox.clear()
        return run_follow_up()


@pytest.fixture
def pending(enrolled_mentee, enrolled_mentor):
    with at(0):
        request = send_request(
            enrolled_mentee, enrolled_mentor, recipient_role="mentor", message="Hello David"
        )
    mail.outbox.clear()
    return request


def test_a_request_unanswered_for_a_week_reminds_the_recipient_once(pending):
    assert follow_up_on(6, hours=23)["recipients reminded"] == 0
    assert mail.outbox == []

    assert follow_up_on(7)["recipients reminded"] == 1
    (email,) = mail.outbox
    assert email.to == ["david@example.com"]
    assert email.subject == "Reminder: Maria Santos is waiting for your answer"
    assert f"/requests/{pending.pk}/accept/" in email.body

    assert follow_up_on(8)["recipients reminded"] == 0
    assert mail.outbox == []


def test_a_second_worker_that_selected_the_same_request_sends_nothing(pending):
    from mentoring import emails
    from mentoring.reminders import claim_and_send

    follow_up_on(7)  # the first worker claims and sends
    assert len(mail.outbox) == 1

    with at(7, minutes=1):
        assert claim_and_send(pending.pk, "reminded_at", START, emails.request_reminder) is False
    assert len(mail.outbox) == 1


def test_after_two_weeks_the_requester_is_given_the_contact_details_and_offered_to_withdraw(
    pending,
):
    follow_up_on(7)
    follow_up_on(14)

    (email,) = mail.outbox
    assert email.to == ["maria@example.com"]
    assert "No answer yet from David Okafor" in email.subject
    assert "david@example.com" in email.body and "+1 555 123 4567" in email.body
    assert f"/requests/{pending.pk}/withdraw/" in email.body
    assert follow_up_on(15)["requesters nudged"] == 0


def test_the_nudge_keeps_contact_details_meant_for_partners_private(pending, enrolled_mentor):
    enrolled_mentor.profile.contact_visibility = "partners"
    enrolled_mentor.profile.save()

    follow_up_on(14)

    nudge = next(m for m in mail.outbox if m.to == ["maria@example.com"])
    assert "+1 555 123 4567" not in nudge.body
    assert "shares contact details with mentoring partners only" in nudge.body


def test_after_thirty_days_the_request_expires_and_both_are_told(
    pending, enrolled_mentee, enrolled_mentor
):
    follow_up_on(29)
    pending.refresh_from_db()
    assert pending.status == "pending"

    assert follow_up_on(30)["requests expired"] == 1

    pending.refresh_from_db()
    assert pending.status == "expired"
    entry = TimelineEntry.objects.filter(request=pending).last()
    assert (entry.actor, entry.from_state, entry.to_state) == (None, "pending", "expired")
    assert sorted(m.to[0] for m in mail.outbox) == ["david@example.com", "maria@example.com"]
    assert follow_up_on(31)["requests expired"] == 0 and mail.outbox == []
    # Nothing else changes: Maria may ask again.
    with at(31):
        assert send_request(enrolled_mentee, enrolled_mentor, recipient_role="mentor").is_pending


def test_an_answered_request_is_neither_reminded_nor_expired(pending, enrolled_mentor):
    with at(1):
        accept_request(pending.pk, enrolled_mentor)

    counts = follow_up_on(40)

    assert counts["recipients reminded"] == counts["requests expired"] == 0
    pending.refresh_from_db()
    assert pending.status == "accepted"


def test_staff_set_the_day_counts(pending):
    program = ProgramSettings.current()
    program.reminder_after_days, program.nudge_after_days, program.expire_after_days = 2, 4, 6
    program.save()

    assert follow_up_on(2)["recipients reminded"] == 1
    assert follow_up_on(4)["requesters nudged"] == 1
    assert follow_up_on(6)["requests expired"] == 1


def test_the_day_counts_must_come_in_order():
    program = ProgramSettings.current()
    program.reminder_after_days, program.nudge_after_days = 14, 7

    with pytest.raises(ValidationError, match="before the nudge"):
        program.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        program.save()


def test_a_member_who_turned_reminders_off_gets_none_but_still_hears_of_expiry(
    pending, enrolled_mentor
):
    Preferences.objects.create(user=enrolled_mentor, reminders=False)

    follow_up_on(7)
    assert mail.outbox == []

    follow_up_on(30)
    assert "david@example.com" in [m.to[0] for m in mail.outbox]


def test_a_reminder_carries_a_one_click_unsubscribe(pending, client, enrolled_mentor):
    follow_up_on(7)
    (email,) = mail.outbox
    link = email.extra_headers["List-Unsubscribe"].strip("<>")
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in email.body
    path = urlsplit(link).path

    page = client.get(path).content.decode()
    assert "Stop sending you reminders?" in page
    assert "david@example.com" not in page
    assert Preferences.of(enrolled_mentor).reminders, "opening the link changes nothing"
    # A mail client's one-click POST: no session, no CSRF token.
    client.post(path, {"List-Unsubscribe": "One-Click"})

    assert Preferences.of(enrolled_mentor).reminders is False
    follow_up_on(14)
    assert "david@example.com" not in [m.to[0] for m in mail.outbox]


def test_a_forged_unsubscribe_link_changes_nothing(client, enrolled_mentor):
    response = client.post("/notifications/unsubscribe/not-a-real-token/")

    assert response.status_code == 400
    assert "This link is not valid" in response.content.decode()
    assert Preferences.of(enrolled_mentor).reminders is True


def test_weekly_digest_gathers_reminders_into_one_email(
    enrolled_mentee, enrolled_mentor, make_member, option
):
    from mentoring.services.enrollment import enroll

    Preferences.objects.create(user=enrolled_mentor, frequency="weekly")
    other = make_member("sam@example.com", "Sam", "Lee")
    enroll(other, "mentee", option_ids=[option("Leadership Skills", "Negotiation").pk])
    with at(0):
        send_request(enrolled_mentee, enrolled_mentor, recipient_role="mentor")
        send_request(other, enrolled_mentor, recipient_role="mentor")

    follow_up_on(7)
    assert mail.outbox == [], "kept for the digest"
    with at(13):
        assert send_due_digests() == 0, "a week after the first reminder, not before"

    mail.outbox.clear()
    with at(14, hours=1):
        assert send_due_digests() == 1
        assert send_due_digests() == 0
    (digest,) = mail.outbox
    assert digest.to == ["david@example.com"]
    assert digest.subject == "Your weekly mentoring digest: 2 reminders"
    assert "Maria Santos is waiting" in digest.body and "Sam Lee is waiting" in digest.body
    assert "List-Unsubscribe" in digest.extra_headers

    # The requesters' nudges reach them at once: their preference is the default.
    follow_up_on(14, hours=2)
    assert sorted(m.to[0] for m in mail.outbox) == ["maria@example.com", "sam@example.com"]


def test_a_paused_member_is_back_on_their_return_date_and_told(enrolled_mentor):
    enrollment = Enrollment.objects.get(user=enrolled_mentor, role="mentor")
    with at(0):
        set_participation(
            enrollment, paused=True, return_date=datetime.date(2026, 3, 12), max_mentees=2
        )

    assert follow_up_on(9)["members back from a pause"] == 0
    assert follow_up_on(10)["members back from a pause"] == 1

    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.return_date) == ("active", None)
    (email,) = mail.outbox
    assert email.to == ["david@example.com"] and "Welcome back" in email.subject
    assert follow_up_on(11)["members back from a pause"] == 0 and mail.outbox == []


@pytest.fixture
def relationship(pending, enrolled_mentor):
    with at(0):
        relationship = accept_request(pending.pk, enrolled_mentor)
    mail.outbox.clear()
    return relationship


def test_a_month_without_a_check_in_brings_one_friendly_reminder_to_both(
    relationship, enrolled_mentee
):
    assert follow_up_on(30)["check-in reminders"] == 0
    assert follow_up_on(31)["check-in reminders"] == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["david@example.com", "maria@example.com"]
    assert "Time to catch up with" in mail.outbox[0].subject
    assert follow_up_on(40)["check-in reminders"] == 0

    with at(41):
        log_check_in(relationship.pk, enrolled_mentee, met_on=datetime.date(2026, 4, 12))
    assert follow_up_on(60)["check-in reminders"] == 0
    assert follow_up_on(72)["check-in reminders"] == 1


def test_a_worker_holding_an_old_copy_of_a_relationship_cannot_claim_it_again(relationship):
    from mentoring.models import Relationship
    from mentoring.reminders import claim_relationship

    stale = Relationship.objects.get(pk=relationship.pk)  # read before another worker's run
    follow_up_on(31)
    follow_up_on(184)

    with at(185):
        assert claim_relationship(stale, "checkin_reminded_at", START) is False
        assert claim_relationship(stale, "end_reminded_at", START) is False


def test_a_weekly_pair_is_reminded_after_a_week(relationship, enrolled_mentee):
    from mentoring.services.relationships import update_plan

    with at(0):
        update_plan(relationship.pk, enrolled_mentee, rhythm="weekly")

    assert follow_up_on(7)["check-in reminders"] == 1


def test_at_the_planned_end_both_are_asked_to_complete_or_extend(relationship, enrolled_mentor):
    from mentoring.services.relationships import extend_relationship

    assert follow_up_on(183)["planned-end reminders"] == 0  # 2 March + 6 months = 2 September
    assert follow_up_on(184)["planned-end reminders"] == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["david@example.com", "maria@example.com"]
    assert "complete or extend" in mail.outbox[0].subject
    assert follow_up_on(190)["planned-end reminders"] == 0

    with at(190):
        extend_relationship(relationship.pk, enrolled_mentor, months=3)
    assert follow_up_on(250)["planned-end reminders"] == 0
    assert follow_up_on(276)["planned-end reminders"] == 1


def test_the_follow_up_command_and_the_scheduler(pending, capsys):
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    with at(7):
        call_command("follow_up")
    assert "recipients reminded: 1" in capsys.readouterr().out

    call_command("run_scheduler", once=True)

    assert sorted(DBTaskResult.objects.values_list("task_path", flat=True)) == [
        "mentoring.tasks.build_search_index",
        "mentoring.tasks.follow_up",
        "notifications.tasks.prune",
        "notifications.tasks.send_digests",
        "notifications.tasks.sweep",
        "notifications.webhooks.sweep",  # Issue 15: E (webhooks)
    ]
