"""Contact details in emails follow each member's choice ("who may see my contact details": all
members, or mentoring partners only), whatever text program staff write: a detail the email's
recipient may not see (Profile.contact_visible_to) is not in the email's context at all, so a
staff-edited template that prints {{ requester.email }} prints nothing.

And what the staff editor lists as each email's placeholders is what the real email carries: the
list and the sample beside it (mentoring/email_catalog.py, program/email_catalog.py) are written
by hand, so a test holds them to the contexts mentoring/emails.py and program/importing.py build.
"""

from datetime import timedelta

import pytest
from django.db.models import Model
from django.template.base import Variable, VariableDoesNotExist
from django.utils import timezone

from mentoring import emails
from mentoring.models import Enrollment
from mentoring.reminders import (
    nudge_requesters,
    remind_check_ins,
    remind_planned_ends,
    remind_recipients,
)
from mentoring.services.enrollment import pause_for_member, resume_returning, set_participation
from mentoring.services.relationships import complete_relationship
from mentoring.services.requests import (
    accept_request,
    decline_request,
    expire_request,
    propose_request,
    send_request,
    withdraw_request,
)
from notifications import catalog
from notifications.models import OutgoingEmail
from program import importing

pytestmark = pytest.mark.django_db

MARIA = {
    "email": "maria@example.com",
    "phone": "+44 20 7946 0018",
    "linkedin": "https://www.linkedin.com/in/maria-santos",
}
DAVID = {
    "email": "david@example.com",
    "phone": "+1 555 123 4567",
    "linkedin": "https://www.linkedin.com/in/david-okafor",
}


@pytest.fixture(autouse=True)
def stored_emails(settings):
    """Every email is a stored OutgoingEmail row, as on the site."""
    settings.EMAIL_BACKEND = "notifications.backends.QueuedEmailBackend"


@pytest.fixture
def maria(enrolled_mentee):
    profile = enrolled_mentee.profile
    profile.phone, profile.linkedin_url = MARIA["phone"], MARIA["linkedin"]
    profile.save()
    return enrolled_mentee


@pytest.fixture
def david(enrolled_mentor):
    enrolled_mentor.profile.linkedin_url = DAVID["linkedin"]
    enrolled_mentor.profile.save()
    return enrolled_mentor


def later(days):
    return timezone.now() + timedelta(days=days)


def ask(maria, david):
    return send_request(maria, david, recipient_role="mentor", message="Would you mentor me?")


def partners(maria, david):
    return accept_request(ask(maria, david).pk, david)


# Each email that carries another member's details: (email, the placeholder holding them, whose
# details, who receives the email, how it is sent). Requests go between members who are not (yet)
# partners; the relationship emails go between partners, who always see each other's details.
EMAILS_WITH_DETAILS = [
    ("request_received", "requester", "maria", "david", ask),
    ("request_reminder", "requester", "maria", "david", lambda m, d: remind_recipients(later(8))),
    ("requester_nudge", "recipient", "david", "maria", lambda m, d: nudge_requesters(later(15))),
    ("relationship_started", "partner", "david", "maria", partners),
    ("relationship_started", "partner", "maria", "david", partners),
    ("check_in_reminder", "partner", "david", "maria", lambda m, d: remind_check_ins(later(40))),
    ("planned_end", "partner", "maria", "david", lambda m, d: remind_planned_ends(later(200))),
]
BETWEEN_PARTNERS = {"relationship_started", "check_in_reminder", "planned_end"}
ABOUT_A_REQUEST = [row for row in EMAILS_WITH_DETAILS if row[0] not in BETWEEN_PARTNERS]
CAST = {"maria": MARIA, "david": DAVID}


def ids(rows):
    return [f"{name}-to-{to}" for name, _, _, to, _ in rows]


def send(name, maria, david, trigger):
    if name in ("request_reminder", "requester_nudge"):
        ask(maria, david)
    elif name in ("check_in_reminder", "planned_end"):
        partners(maria, david)
    OutgoingEmail.objects.all().delete()
    trigger(maria, david)


def received(name, address):
    """The one stored email `name` that went to `address` (its edited subject names it)."""
    (email,) = [e for e in OutgoingEmail.objects.all() if e.to == [address] and name in e.subject]
    return email


def details_in(email, details):
    return {key: value in email.body or value in email.html for key, value in details.items()}


@pytest.mark.parametrize("visibility", ["members", "partners"])
@pytest.mark.parametrize(
    ("name", "who", "whose", "to", "trigger"),
    EMAILS_WITH_DETAILS,
    ids=ids(EMAILS_WITH_DETAILS),
)
def test_a_staff_edited_email_shows_contact_details_only_to_whom_the_member_shows_them(
    staff, maria, david, visibility, name, who, whose, to, trigger
):
    for member in (maria, david):
        member.profile.contact_visibility = visibility
        member.profile.save()
    catalog.save_edited(
        name,
        subject=f"{name} for {{{{ {who}.name }}}}",
        body=f"Email: {{{{ {who}.email }}}}\nPhone: {{{{ {who}.phone }}}}\n"
        f"LinkedIn: {{{{ {who}.linkedin }}}}\nProfile: {{{{ {who}.profile_url }}}}",
        by=staff,
    )

    send(name, maria, david, trigger)

    details = CAST[whose]
    email = received(name, CAST[to]["email"])
    shown = visibility == "members" or name in BETWEEN_PARTNERS
    assert details_in(email, details) == dict.fromkeys(details, shown)
    assert f"/members/{(maria if whose == 'maria' else david).pk}/" in email.body


@pytest.mark.parametrize(
    ("name", "who", "whose", "to", "trigger"),
    ABOUT_A_REQUEST,
    ids=ids(ABOUT_A_REQUEST),
)
def test_the_default_emails_about_a_request_keep_partners_only_details_private(
    maria, david, name, who, whose, to, trigger
):
    for member in (maria, david):
        member.profile.contact_visibility = "partners"
        member.profile.save()

    send(name, maria, david, trigger)

    (email,) = [e for e in OutgoingEmail.objects.all() if e.to == [CAST[to]["email"]]]
    assert details_in(email, CAST[whose]) == dict.fromkeys(CAST[whose], False)


def test_the_nudge_gives_the_contact_details_a_member_shows_all_members(maria, david):
    ask(maria, david)

    nudge_requesters(later(15))

    (email,) = [e for e in OutgoingEmail.objects.all() if e.to == [MARIA["email"]]]
    assert "Email: david@example.com" in email.body and "Phone: +1 555 123 4567" in email.body
    assert "mentoring partners only" not in email.body


def test_the_new_partners_reply_to_each_other(maria, david):
    partners(maria, david)

    replies = {
        e.to[0]: e.reply_to
        for e in OutgoingEmail.objects.filter(subject__contains="mentoring partners")
    }
    assert replies == {MARIA["email"]: [DAVID["email"]], DAVID["email"]: [MARIA["email"]]}


# --- The placeholders staff are offered are the ones each real email carries -----------------


@pytest.fixture
def contexts(monkeypatch):
    """The context each email's code hands to notifications, by email name."""
    sent: dict[str, list[dict]] = {}

    def spy(module, function, name_at, context_at):
        real = getattr(module, function)

        def recorded(*args, **kwargs):
            sent.setdefault(args[name_at], []).append(args[context_at])
            return real(*args, **kwargs)

        monkeypatch.setattr(module, function, recorded)

    spy(emails, "send_templated", 0, 2)  # (name, to, context)
    spy(emails, "send_reminder", 1, 2)  # (user, name, context)
    spy(importing, "render", 0, 1)  # (name, context): the invitation
    return sent


def send_every_email(maria, david, outsider, staff) -> None:
    """Each registered email, sent by the code that sends it on the site, from real rows."""
    request = ask(maria, david)  # request_received
    remind_recipients(later(8))  # request_reminder
    nudge_requesters(later(15))  # requester_nudge
    withdraw_request(request.pk, maria)  # request_withdrawn
    decline_request(ask(maria, david).pk, david, reason="no_time", note="Ask me in June.")
    expire_request(ask(maria, david).pk)  # request_expired
    proposed = propose_request(staff, mentor=david, mentee=maria, note="A matching round")
    withdraw_request(proposed.pk, maria)  # request_proposed (cohort matching, issue 16)
    relationship = partners(maria, david)  # relationship_started
    remind_check_ins(later(40))  # check_in_reminder
    remind_planned_ends(later(200))  # planned_end
    complete_relationship(
        relationship.pk, maria, outcome="goals_met", note_to_partner="Thank you!"
    )  # relationship_completed
    as_mentor = Enrollment.objects.get(user=david, role="mentor")
    today = timezone.localdate()
    set_participation(as_mentor, paused=True, return_date=today + timedelta(days=1), max_mentees=2)
    resume_returning(today + timedelta(days=1))  # participation_resumed
    pause_for_member(as_mentor, reason="Travelling until June.")  # staff_action
    importing.send_invitation(outsider)  # invitation


def dotted_names(context: dict, placeholders) -> set[str]:
    """The dotted names a template can read in `context`: a dict's keys one by one, any other
    plain value under its own name. A model instance has too many attributes to list: it counts
    for the placeholders under its name that resolve on it, as a template would resolve them."""
    names = set()
    for key, value in context.items():
        if isinstance(value, dict):
            names |= {f"{key}.{inner}" for inner in value}
        elif isinstance(value, Model):
            for name in placeholders:
                if name.startswith(f"{key}.") and resolves(name, context):
                    names.add(name)
        else:
            names.add(key)
    return names


def resolves(name, context) -> bool:
    try:
        Variable(name).resolve(context)
    except VariableDoesNotExist:
        return False
    return True


REGISTERED = [email.name for email in catalog.emails()]


def test_every_email_staff_may_edit_is_sent_in_the_test_below(
    contexts, maria, david, outsider, staff
):
    send_every_email(maria, david, outsider, staff)

    assert set(contexts) == set(REGISTERED)


@pytest.mark.parametrize("name", REGISTERED)
def test_the_placeholders_listed_for_staff_are_what_the_real_email_carries(
    contexts, maria, david, outsider, staff, name
):
    send_every_email(maria, david, outsider, staff)

    listed = set(catalog.get(name).placeholders)
    for context in contexts[name]:
        assert dotted_names(context, listed) == listed


@pytest.mark.parametrize("name", REGISTERED)
def test_the_sample_for_the_preview_has_exactly_the_listed_placeholders(name):
    email = catalog.get(name)

    assert dotted_names(email.sample(), ()) == set(email.placeholders)
