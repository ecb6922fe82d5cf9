"""Staff edit the subject and body of each notification (with the placeholders listed beside the
editor), preview it with sample data, and reset it to the default. A template that does not
render gets a clear error and is not saved."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from mentoring.services.requests import send_request
from notifications import catalog
from notifications.emails import render
from notifications.models import EmailTemplate

pytestmark = pytest.mark.django_db

SITE = "http://testserver.example"
MENTORING_EMAILS = [
    "request_received",
    "request_declined",
    "request_withdrawn",
    "relationship_started",
    "relationship_completed",
    "request_reminder",
    "requester_nudge",
    "request_expired",
    "participation_resumed",
    "check_in_reminder",
    "planned_end",
    "staff_action",
]
EDITED_SUBJECT = "{{ requester.name }} would like you as their {{ as_label }}"
EDITED_BODY = """Hello {{ recipient_name }},

{{ requester.name }} hopes you will say yes.{% if request.message %}
They wrote: {{ request.message }}{% endif %}

Say yes: {{ accept_url }}
"""


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def edit_url(name="request_received"):
    return reverse("program:email_edit", args=[name])


def post(client, action, subject=EDITED_SUBJECT, body=EDITED_BODY, name="request_received"):
    return client.post(edit_url(name), {"subject": subject, "body": body, "action": action})


def html_of(message):
    (content, mimetype), *_ = message.alternatives
    assert mimetype == "text/html"
    return content


def ask(mentee, mentor, message="Would you mentor me?"):
    return send_request(mentee, mentor, recipient_role="mentor", message=message)


# --- Who may enter ---------------------------------------------------------------------------

URLS = [
    ("get", reverse("program:emails")),
    ("get", reverse("program:email_edit", args=["request_received"])),
    ("post", reverse("program:email_reset", args=["request_received"])),
]


@pytest.mark.parametrize(("method", "url"), URLS)
def test_a_member_who_is_not_staff_gets_404(client, mentee, method, url):
    client.force_login(mentee)

    assert getattr(client, method)(url).status_code == 404


@pytest.mark.parametrize(("method", "url"), URLS)
def test_an_anonymous_visitor_is_asked_to_sign_in(client, method, url):
    response = getattr(client, method)(url)

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_an_unknown_email_is_404(staff_client):
    assert staff_client.get(edit_url("no_such_email")).status_code == 404
    assert staff_client.post(reverse("program:email_reset", args=["nope"])).status_code == 404


def test_reset_takes_post_only(staff_client):
    assert staff_client.get(reverse("program:email_reset", args=["planned_end"])).status_code == 405


# --- The list and the editor -----------------------------------------------------------------


def test_mentoring_registers_each_of_its_emails():
    assert {email.name for email in catalog.emails()} >= set(MENTORING_EMAILS)


def test_every_registered_sample_renders_with_its_default_templates():
    from notifications.emails import render

    for email in catalog.emails():
        subject, text, html = render(email.name, email.sample())
        assert subject and text.strip() and "<html" in html, email.name


def test_the_invitation_of_imported_members_is_editable_too(staff_client):
    assert catalog.get("invitation") is not None
    assert staff_client.get(edit_url("invitation")).status_code == 200


def test_the_list_shows_every_email_and_which_are_edited(staff_client, staff):
    catalog.save_edited("planned_end", subject="Six months!", body="Well done.", by=staff)

    page = staff_client.get(reverse("program:emails")).content.decode()

    for name in MENTORING_EMAILS:
        email = catalog.get(name)
        assert edit_url(name) in page
        assert email.title in page
    assert page.count(">Edited<") == 1
    assert "by Pat Morgan" in page


def test_the_editor_starts_from_the_default_text_and_lists_the_placeholders(staff_client):
    page = staff_client.get(edit_url())

    form = page.context["form"]
    assert form["subject"].value() == "{{ requester.name }} asks you to be their {{ as_label }}"
    body = form["body"].value()
    assert body.startswith("Dear {{ recipient_name }},")
    assert "extends" not in body and "endblock" not in body
    html = page.content.decode()
    assert "<code>{{ requester.name }}</code>" in html
    assert "the requester&#x27;s full name" in html
    assert '<label for="id_subject">Subject' in html
    assert '<label for="id_body">Message (plain text)' in html
    assert "Reset to default" not in html


@pytest.mark.parametrize("name", MENTORING_EMAILS)
def test_the_default_text_of_each_email_is_a_valid_starting_point(name):
    subject, body = catalog.default_source(name)

    catalog.check_edited(name, subject, body)


@pytest.mark.parametrize("name", MENTORING_EMAILS)
def test_the_default_text_previews_like_the_default_email(staff_client, name):
    """Saved unchanged, the starting point sends the default's words (not its HTML)."""
    subject, body = catalog.default_source(name)
    sample = catalog.get(name).sample()

    response = post(staff_client, "preview", subject, body, name=name)

    default_subject, default_text, _ = render(name, sample)
    assert response.context["preview"]["subject"] == default_subject
    assert response.context["preview"]["text"].split() == default_text.split()


def test_the_editor_shows_the_saved_version(staff_client, staff):
    catalog.save_edited("request_received", subject="Hi", body="Edited words", by=staff)

    page = staff_client.get(edit_url())

    assert page.context["form"]["body"].value() == "Edited words"
    assert "Reset to default" in page.content.decode()


# --- Save, and members get the edited email --------------------------------------------------


def test_a_saved_edit_is_what_the_member_receives(
    staff_client, staff, enrolled_mentee, enrolled_mentor
):
    response = post(staff_client, "save")

    assert response.status_code == 302 and response["Location"] == edit_url()
    saved = EmailTemplate.objects.get(name="request_received")
    assert saved.updated_by == staff and saved.subject == EDITED_SUBJECT
    request = ask(enrolled_mentee, enrolled_mentor, message="Q&A about sourcing")

    (email,) = mail.outbox
    assert email.to == ["david@example.com"]
    assert email.subject == "Maria Santos would like you as their mentor"
    accept = f"{SITE}/requests/{request.pk}/accept/"
    assert email.body.startswith("Hello David Okafor,\n\nMaria Santos hopes you will say yes.")
    assert "They wrote: Q&A about sourcing" in email.body
    assert f"Say yes: {accept}" in email.body
    html = html_of(email)
    assert "<p>Hello David Okafor,</p>" in html
    assert "Maria Santos hopes you will say yes.<br>They wrote: Q&amp;A about sourcing" in html
    assert f'<a href="{accept}" rel="nofollow">{accept}</a>' in html
    assert "<title>Maria Santos would like you as their mentor</title>" in html
    assert "Mentor Match" in html  # The usual layout around it.


def test_a_saved_edit_shows_a_confirmation(staff_client):
    page = post(staff_client, "save")

    followed = staff_client.get(page["Location"]).content.decode()
    assert "Saved: members now receive your “Request received”." in followed


def test_saving_again_replaces_the_edit(staff_client, enrolled_mentee, enrolled_mentor):
    post(staff_client, "save")
    post(staff_client, "save", subject="Second try from {{ requester.name }}")

    assert EmailTemplate.objects.count() == 1
    ask(enrolled_mentee, enrolled_mentor)
    assert mail.outbox[0].subject == "Second try from Maria Santos"


def test_the_html_of_an_edited_email_escapes_the_members_words(
    staff, enrolled_mentee, enrolled_mentor
):
    catalog.save_edited("request_received", subject=EDITED_SUBJECT, body=EDITED_BODY, by=staff)

    ask(enrolled_mentee, enrolled_mentor, message='<script>alert("hi")</script> & <b>bold</b>')

    (email,) = mail.outbox
    assert '<script>alert("hi")</script> & <b>bold</b>' in email.body
    html = html_of(email)
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&quot;hi&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold" in html


def test_an_edited_reminder_in_the_weekly_digest_keeps_its_words(
    staff, enrolled_mentee, enrolled_mentor
):
    from mentoring.emails import request_reminder
    from notifications.models import DigestItem, Preferences

    catalog.save_edited(
        "request_reminder", subject="Still waiting: {{ requester.name }}", body="Nudge", by=staff
    )
    Preferences.objects.create(user=enrolled_mentor, frequency=Preferences.Frequency.WEEKLY)
    request = ask(enrolled_mentee, enrolled_mentor)
    mail.outbox.clear()

    assert request_reminder(request) == "digest"
    item = DigestItem.objects.get()
    assert item.subject == "Still waiting: Maria Santos"
    assert item.body.startswith("Nudge") and "<p>Nudge</p>" in item.html
    assert "<html" not in item.html  # A fragment: the digest has the layout.


def test_without_an_edit_the_default_email_is_sent(enrolled_mentee, enrolled_mentor):
    ask(enrolled_mentee, enrolled_mentor)

    (email,) = mail.outbox
    assert email.subject == "Maria Santos asks you to be their mentor"
    assert email.body.startswith("Dear David Okafor,")


def test_an_edit_that_no_longer_renders_falls_back_to_the_default(enrolled_mentee, enrolled_mentor):
    """A row saved some other way (or before a placeholder was removed) must not stop news."""
    EmailTemplate.objects.create(name="request_received", subject="Hi", body="{% debug %}")

    ask(enrolled_mentee, enrolled_mentor)

    (email,) = mail.outbox
    assert email.subject == "Maria Santos asks you to be their mentor"


# --- Preview ---------------------------------------------------------------------------------


def test_preview_shows_the_sample_email_and_saves_nothing(staff_client):
    response = post(staff_client, "preview")

    assert response.status_code == 200
    assert not EmailTemplate.objects.exists()
    preview = response.context["preview"]
    assert preview["subject"] == "Maria Santos would like you as their mentor"
    assert preview["text"].startswith("Hello David Okafor,")
    assert "<p>Hello David Okafor,</p>" in preview["html"]
    html = response.content.decode()
    assert 'sandbox="" srcdoc="' in html and "&lt;p&gt;Hello David Okafor,&lt;/p&gt;" in html
    assert 'title="Preview of the HTML email “Request received”"' in html
    # The form keeps staff's words for them to go on editing.
    assert response.context["form"]["subject"].value() == EDITED_SUBJECT


def test_preview_of_a_reminder_renders_dates_with_the_sample_data(staff_client):
    response = post(
        staff_client,
        "preview",
        subject="Catch up with {{ partner.name|upper }}",
        body='Last met {{ last_contact|date:"F j, Y" }}. {{ partner.phone|default:"No phone" }}',
        name="check_in_reminder",
    )

    preview = response.context["preview"]
    assert preview["subject"] == "Catch up with MARIA SANTOS"
    assert preview["text"].startswith("Last met March 14, 2025. No phone")


# --- Reset -----------------------------------------------------------------------------------


def test_reset_restores_the_default(staff_client, staff, enrolled_mentee, enrolled_mentor):
    catalog.save_edited("request_received", subject=EDITED_SUBJECT, body=EDITED_BODY, by=staff)

    response = staff_client.post(reverse("program:email_reset", args=["request_received"]))

    assert response["Location"] == edit_url()
    assert not EmailTemplate.objects.exists()
    followed = staff_client.get(response["Location"]).content.decode()
    assert "“Request received” is back to the default text." in followed
    ask(enrolled_mentee, enrolled_mentor)
    assert mail.outbox[0].subject == "Maria Santos asks you to be their mentor"


def test_reset_of_an_unedited_email_says_so(staff_client):
    response = staff_client.post(reverse("program:email_reset", args=["planned_end"]), follow=True)

    assert "“Planned end reached” already uses the default text." in response.content.decode()


# --- Refusals --------------------------------------------------------------------------------

INVALID = [
    pytest.param(
        "body",
        "{% if request.message %}Never closed",
        "The template has a syntax error: Unclosed tag on line 1: 'if'",
        id="syntax-error",
    ),
    pytest.param(
        "body",
        "Hello {{ requester.nam }}",
        "{{ requester.nam }} is not a placeholder of this email. Did you mean {{ requester.name }}?",
        id="unknown-placeholder",
    ),
    pytest.param(
        "subject",
        "Hello {{ request.requester.password }}",
        "{{ request.requester.password }} is not a placeholder of this email.",
        id="attribute-beyond-the-placeholders",
    ),
    pytest.param(
        "body",
        "{% if secret_key %}x{% endif %}",
        "{{ secret_key }} is not a placeholder of this email.",
        id="unknown-placeholder-in-if",
    ),
    pytest.param(
        "body",
        "Hi {% debug %}",
        "Line 1: the tag {% debug %} is not allowed",
        id="debug-tag",
    ),
    pytest.param(
        "body",
        'Hi\n{% include "emails/base.html" %}',
        "Line 2: the tag {% include %} is not allowed",
        id="include-tag",
    ),
    pytest.param(
        "body",
        "{% load static %}{% static 'x' %}",
        "Line 1: the tag {% load %} is not allowed",
        id="load-tag",
    ),
    pytest.param(
        "body",
        '{% extends "emails/base.txt" %}',
        "Line 1: the tag {% extends %} is not allowed",
        id="extends-tag",
    ),
    pytest.param(
        "body",
        "{{ request.message|safe }}",
        "The filter |safe is not allowed; use only |default, |date,",
        id="forbidden-filter",
    ),
    pytest.param(
        "body",
        "{{ request.message|default:settings }}",
        "{{ settings }} is not a placeholder of this email.",
        id="unknown-placeholder-as-filter-argument",
    ),
    pytest.param(
        "subject",
        "{{ requester.name|nope }}",
        "The template has a syntax error: Invalid filter: 'nope'",
        id="unknown-filter",
    ),
]


@pytest.mark.parametrize(("field", "source", "message"), INVALID)
@pytest.mark.parametrize("action", ["save", "preview"])
def test_an_invalid_template_is_refused_with_a_clear_message(
    staff_client, field, source, message, action
):
    data = {"subject": EDITED_SUBJECT, "body": EDITED_BODY, field: source}

    response = post(staff_client, action, **data)

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert escape(message) in response.content.decode()
    assert response.context["preview"] is None
    assert not EmailTemplate.objects.exists()


def test_a_template_that_fails_with_the_sample_data_is_refused(staff):
    """Every check passes but rendering fails: the sample proves it before it is saved."""
    catalog.register(
        "test_broken_sample",
        title="Test",
        description="",
        placeholders={"when": "a date"},
        sample=lambda: {"when": BrokenDate()},
    )
    try:
        with pytest.raises(ValidationError, match="does not render with the sample data: broken"):
            catalog.save_edited("test_broken_sample", subject="Hi", body="{{ when }}", by=staff)
    finally:
        catalog._registry.pop("test_broken_sample")
    assert not EmailTemplate.objects.exists()


class BrokenDate:
    def __str__(self):
        raise ValueError("broken")


def test_empty_fields_are_refused(staff_client):
    response = post(staff_client, "save", subject="", body="")

    assert response.context["form"].errors == {
        "subject": ["This field is required."],
        "body": ["This field is required."],
    }
    assert not EmailTemplate.objects.exists()
