"""The emails of a request's life: "An e-mail will be sent to the Mentor alerting them that they have
been requested to be a Mentor." Each is HTML and plain text, stored with the change that caused it."""

import pytest
from django.core import mail

from mentoring.models import Enrollment, ProgramSettings
from mentoring.services.enrollment import enroll, withdraw
from mentoring.services.errors import RequestError
from mentoring.services.relationships import complete_relationship
from mentoring.services.requests import (
    accept_request,
    decline_request,
    send_request,
    withdraw_request,
)

pytestmark = pytest.mark.django_db

SITE = "http://testserver.example"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


def ask(mentee, mentor, **kwargs):
    return send_request(mentee, mentor, recipient_role="mentor", **kwargs)


def html_of(message):
    (content, mimetype), *_ = message.alternatives
    assert mimetype == "text/html"
    return content


def test_the_mentor_is_emailed_the_request_with_accept_and_decline_links(
    enrolled_mentee, enrolled_mentor
):
    request = ask(
        enrolled_mentee, enrolled_mentor, message="Would you mentor me?", goals="Negotiation"
    )

    (email,) = mail.outbox
    assert email.to == ["david@example.com"]
    assert email.subject == "Maria Santos asks you to be their mentor"
    for body in (email.body, html_of(email)):
        assert "Would you mentor me?" in body and "Negotiation" in body
        assert f"{SITE}/members/{enrolled_mentee.pk}/" in body
        assert f"{SITE}/requests/{request.pk}/accept/" in body
        assert f"{SITE}/requests/{request.pk}/decline/" in body


def test_a_mentee_asked_by_a_mentor_is_asked_to_be_their_mentee(enrolled_mentor, enrolled_mentee):
    send_request(enrolled_mentor, enrolled_mentee, recipient_role="mentee")

    (email,) = mail.outbox
    assert email.to == ["maria@example.com"]
    assert email.subject == "David Okafor asks you to be their mentee"


def test_the_message_is_escaped_in_html_and_left_as_written_in_plain_text(
    enrolled_mentee, enrolled_mentor
):
    ask(enrolled_mentee, enrolled_mentor, message="Q&A <b>soon</b>")

    (email,) = mail.outbox
    assert "Q&A <b>soon</b>" in email.body
    assert "Q&amp;A &lt;b&gt;soon&lt;/b&gt;" in html_of(email)
    assert "<b>soon</b>" not in html_of(email)


def test_the_email_uses_the_role_names_staff_chose(enrolled_mentee, enrolled_mentor):
    program = ProgramSettings.current()
    program.mentor_label = "Coach"
    program.save()

    ask(enrolled_mentee, enrolled_mentor)

    assert mail.outbox[0].subject == "Maria Santos asks you to be their coach"


def test_a_refused_request_sends_no_email(enrolled_mentee, enrolled_mentor):
    ask(enrolled_mentee, enrolled_mentor)
    mail.outbox.clear()

    with pytest.raises(RequestError):
        ask(enrolled_mentee, enrolled_mentor)

    assert mail.outbox == []


def test_on_accept_both_get_each_others_contact_details_and_the_suggested_rhythm(
    enrolled_mentee, enrolled_mentor
):
    request = ask(enrolled_mentee, enrolled_mentor)
    mail.outbox.clear()

    relationship = accept_request(request.pk, enrolled_mentor)

    to_mentor, to_mentee = sorted(mail.outbox, key=lambda m: m.to != ["david@example.com"])
    assert to_mentor.to == ["david@example.com"] and to_mentee.to == ["maria@example.com"]
    assert to_mentee.subject == "You and David Okafor are now mentoring partners"
    assert "david@example.com" in to_mentee.body and "+1 555 123 4567" in to_mentee.body
    assert "maria@example.com" in to_mentor.body
    assert to_mentee.reply_to == ["david@example.com"]
    for email in (to_mentor, to_mentee):
        assert "a monthly call for 6 months" in email.body
        assert "a monthly call for 6 months" in html_of(email)
        assert f"{SITE}/relationships/{relationship.pk}/" in email.body


def test_the_rhythm_in_the_email_is_the_one_staff_set(enrolled_mentee, enrolled_mentor):
    program = ProgramSettings.current()
    program.default_rhythm = "weekly"
    program.default_length_months = 3
    program.save()
    request = ask(enrolled_mentee, enrolled_mentor)

    accept_request(request.pk, enrolled_mentor)

    assert "a weekly call for 3 months" in mail.outbox[-1].body


def test_the_contact_email_a_member_chose_is_the_one_shared(enrolled_mentee, enrolled_mentor):
    enrolled_mentor.profile.contact_email = "d.okafor@summit.example"
    enrolled_mentor.profile.save()
    request = ask(enrolled_mentee, enrolled_mentor)
    mail.outbox.clear()

    accept_request(request.pk, enrolled_mentor)

    to_mentee = next(m for m in mail.outbox if m.to == ["maria@example.com"])
    assert "d.okafor@summit.example" in to_mentee.body


def test_accepting_twice_sends_the_welcome_once(enrolled_mentee, enrolled_mentor):
    request = ask(enrolled_mentee, enrolled_mentor)
    accept_request(request.pk, enrolled_mentor)
    sent = len(mail.outbox)

    accept_request(request.pk, enrolled_mentor)

    assert len(mail.outbox) == sent


def test_a_declined_requester_is_told_kindly_and_invited_to_search_again(
    enrolled_mentee, enrolled_mentor
):
    request = ask(enrolled_mentee, enrolled_mentor)
    mail.outbox.clear()

    decline_request(request.pk, enrolled_mentor, reason="no_time", note="Try Ana, she is great.")

    (email,) = mail.outbox
    assert email.to == ["maria@example.com"]
    assert email.subject == "David Okafor cannot take your request this time"
    assert "does not have the time" in email.body
    assert "Try Ana, she is great." in email.body
    assert f"{SITE}/find-a-mentor/" in email.body and f"{SITE}/find-a-mentor/" in html_of(email)


def test_a_withdrawn_request_tells_the_recipient_it_needs_no_answer(
    enrolled_mentee, enrolled_mentor
):
    request = ask(enrolled_mentee, enrolled_mentor)
    mail.outbox.clear()

    withdraw_request(request.pk, enrolled_mentee)

    (email,) = mail.outbox
    assert email.to == ["david@example.com"]
    assert "needs no answer" in email.body


def test_completing_tells_the_partner_with_the_note_but_not_the_private_feedback(
    enrolled_mentee, enrolled_mentor
):
    relationship = accept_request(ask(enrolled_mentee, enrolled_mentor).pk, enrolled_mentor)
    mail.outbox.clear()

    complete_relationship(
        relationship.pk,
        enrolled_mentee,
        outcome="goals_met",
        note_to_partner="Thank you for six great calls.",
        feedback_for_staff="Private: the program should offer a kickoff guide.",
    )

    (email,) = mail.outbox
    assert email.to == ["david@example.com"]
    assert "Maria Santos has marked your mentoring relationship completed (goals met)" in email.body
    assert "Thank you for six great calls." in email.body
    assert "kickoff guide" not in email.body and "kickoff guide" not in html_of(email)


def test_a_mentor_who_withdraws_leaves_no_one_waiting(
    enrolled_mentee, enrolled_mentor, make_member, option
):
    other_mentee = make_member("sam@example.com", "Sam", "Lee")
    enroll(
        other_mentee,
        "mentee",
        option_ids=[option("Leadership Skills", "Negotiation").pk],
        statement="",
    )
    incoming = ask(enrolled_mentee, enrolled_mentor)
    outgoing = send_request(enrolled_mentor, other_mentee, recipient_role="mentee")
    mail.outbox.clear()

    withdraw(Enrollment.objects.get(user=enrolled_mentor, role="mentor"))

    incoming.refresh_from_db()
    outgoing.refresh_from_db()
    assert incoming.status == "declined"
    assert "no longer taking part as a mentor" in incoming.decline_note
    assert outgoing.status == "withdrawn"
    assert incoming.timeline.last().note == "enrollment withdrawn"
    assert sorted(m.to[0] for m in mail.outbox) == ["maria@example.com", "sam@example.com"]


def test_withdrawing_as_mentee_leaves_requests_as_mentor_alone(
    enrolled_mentee, enrolled_mentor, option
):
    enroll(
        enrolled_mentee,
        "mentor",
        option_ids=[option("Leadership Skills", "Negotiation").pk],
        statement="",
        max_mentees=2,
    )
    enroll(
        enrolled_mentor,
        "mentee",
        option_ids=[option("Leadership Skills", "Negotiation").pk],
        statement="",
    )
    as_mentee = ask(enrolled_mentee, enrolled_mentor)
    as_mentor = ask(enrolled_mentor, enrolled_mentee)

    withdraw(Enrollment.objects.get(user=enrolled_mentee, role="mentee"))

    as_mentee.refresh_from_db()
    as_mentor.refresh_from_db()
    assert (as_mentee.status, as_mentor.status) == ("withdrawn", "pending")
