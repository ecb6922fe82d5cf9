"""The email editor's preview shows what staff typed as text, never as markup of the staff page:
a body holding <script> is shown escaped in the plain-text preview, and the HTML preview stays
in its sandboxed iframe (escaped once more in srcdoc, which the browser decodes once)."""

import html
import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture
def preview(client, staff):
    client.force_login(staff)
    response = client.post(
        reverse("program:email_edit", args=["request_received"]),
        {
            "subject": f"Hello {SCRIPT}",
            "body": f"Dear {{{{ recipient_name }}}},\n\n{SCRIPT}\n",
            "action": "preview",
        },
    )
    assert response.status_code == 200
    return response.content.decode()


def test_the_text_preview_shows_a_script_as_text(preview):
    assert f"<pre>Dear David Okafor,\n\n{ESCAPED}" in preview


def test_the_subject_preview_shows_a_script_as_text(preview):
    assert f"<p>Hello {ESCAPED}</p>" in preview


def test_no_script_staff_typed_reaches_the_staff_page(preview):
    assert "<script>alert(1)" not in preview


def test_the_html_preview_is_a_sandboxed_frame_whose_document_shows_the_script_as_text(preview):
    (sandbox, srcdoc) = re.search(r'<iframe sandbox="([^"]*)" srcdoc="([^"]*)"', preview).groups()
    assert sandbox == ""  # No scripts, no same origin.
    document = html.unescape(srcdoc)  # What the browser makes of the attribute.
    assert "<html" in document
    assert ESCAPED in document and "<script>alert(1)" not in document
