"""Program staff in a browser: the dashboard with its charts, a report downloaded as CSV, a small
member import run by the background worker, and an email template previewed. axe-core on each."""

import csv
import io
from pathlib import Path

import pytest
from django.core import mail

from members.models import User
from mentoring.services.requests import send_request
from notifications.models import OutgoingEmail
from notifications.tests.helpers import run_worker
from tests.browser.pages import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MEMBERS_CSV = (
    "Email,First Name,Last Name,Title,Organization,City,State,Country\n"
    "ana.reyes@example.org,Ana,Reyes,Buyer,Lakeside Health,Denver,Colorado,US\n"
    "ben.ode@example.org,Ben,Ode,Analyst,Lakeside Health,Austin,Texas,United States\n"
    "not-an-email,Cara,Lim,Buyer,Lakeside Health,,,\n"
)


def test_staff_dashboard_report_import_and_email_template(
    page,
    live_server,
    staff,
    enrolled_mentee,
    enrolled_mentor,
    screenshot,
    assert_accessible,
    tmp_path,
):
    request = send_request(
        enrolled_mentee, enrolled_mentor, recipient_role="mentor", message="Hello"
    )

    sign_in(page, "pat@example.com")
    page.get_by_role("link", name="Program staff").click()
    page.get_by_role("heading", name="Program dashboard").wait_for()
    page.get_by_text("requests waiting for an answer").wait_for()
    assert page.locator("svg[role=img]").count() == 2
    assert_accessible(page)
    screenshot(page, "dashboard")

    page.get_by_role("navigation", name="Program staff").get_by_role("link", name="Reports").click()
    page.get_by_role("link", name="Mentors", exact=True).first.click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text("utf-8-sig"))))
    assert any("david@example.com" in row for row in rows[1:])
    assert_accessible(page)
    screenshot(page, "mentors-report")

    members_csv = tmp_path / "members.csv"
    members_csv.write_text(MEMBERS_CSV)
    page.get_by_role("navigation", name="Program staff").get_by_role(
        "link", name="Import members"
    ).click()
    page.get_by_label("CSV file").set_input_files(str(members_csv))
    page.get_by_role("button", name="Check the file").click()
    page.get_by_text("2 valid").wait_for()
    assert_accessible(page)
    screenshot(page, "import-preview")
    page.get_by_role("button", name="Import", exact=True).click()
    run_worker()
    page.reload()
    page.get_by_text("Import finished").wait_for()
    assert_accessible(page)
    screenshot(page, "import-done")
    assert (
        User.objects.filter(email__in=["ana.reyes@example.org", "ben.ode@example.org"]).count() == 2
    )
    assert not User.objects.filter(email="not-an-email").exists()

    page.get_by_role("navigation", name="Program staff").get_by_role(
        "link", name="Email templates"
    ).click()
    page.get_by_role("link", name="Request received").first.click()
    page.get_by_role("button", name="Preview").click()
    page.frame_locator("iframe").get_by_text("has asked you to be their mentor").wait_for()
    assert_accessible(page)
    screenshot(page, "email-template-preview")

    # Acting for a member: the request waiting longest, accepted with a reason.
    page.get_by_role("navigation", name="Program staff").get_by_role(
        "link", name="Requests and actions"
    ).click()
    assert_accessible(page)
    page.get_by_role("link", name=f"Act on request {request.pk}").click()
    page.get_by_label("Reason (recorded, and told to the member)").first.fill(
        "David asked us by phone."
    )
    assert_accessible(page)
    page.get_by_role("button", name="Accept for the member").click()
    page.get_by_text("Accepted for the member; both members have been told.").wait_for()
    page.get_by_text("by program staff for David Okafor: David asked us by phone.").wait_for()
    screenshot(page, "accepted-for-member")
    told = [m for m in mail.outbox if m.to == ["david@example.com"]]
    assert any("accepted the request from Maria Santos on your behalf" in m.subject for m in told)

    # Tests send email to Django's in-memory outbox; one stored email stands in for the site's.
    OutgoingEmail.objects.create(to=["maria@example.com"], subject="Welcome back", body="Hi")
    page.goto("/staff/sent-emails/")
    page.get_by_label("Reason for resending email").fill("She deleted it by mistake.")
    assert_accessible(page)
    page.get_by_role("button", name="Resend").click()
    page.get_by_text("The email is queued to be sent again.").wait_for()
    assert OutgoingEmail.objects.filter(subject="Welcome back").count() == 2
