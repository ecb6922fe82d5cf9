"""Member import: "Staff upload a CSV exported from their association management system. They see
a preview with a per-row validation report, can run it as a dry run, then import: create or update
members by email, optionally send invitations to set a password. 10,000 rows import in the
background worker with visible progress; re-running the same file changes nothing; a bad row never
stops the good ones and is reported." """

import datetime
import re

import pytest
from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from members.models import Profile, User
from notifications.tests.helpers import run_worker
from program import importing
from program.import_tasks import run_import_task
from program.models import ImportBatch, StaffAction

SITE = "http://testserver"
NEW_PASSWORD = "a-fresh-password-for-mentoring"

HEADER = "email,first_name,last_name,job_title,organization,city,region,country,member_id\n"
GOOD = (
    HEADER
    + "ana@example.com,Ana,Lima,Buyer,Mercy Clinic,Boston,MA,US,1001\n"
    + "ben@example.com,Ben,Cole,Analyst,Summit Health,Toronto,ON,Canada,1002\n"
)
# Line 2 good, 3 a bad email, 4 no last name, 5 an unknown country, 6 the email of line 2 again,
# 7 good.
MIXED = (
    HEADER
    + "ana@example.com,Ana,Lima,Buyer,Mercy Clinic,Boston,MA,US,1001\n"
    + "not-an-email,Bad,Email,,,,,,1002\n"
    + "nolast@example.com,Noah,,,,,,,1003\n"
    + "narnia@example.com,Lucy,Pevensie,,,,,Narnia,1004\n"
    + "ANA@example.com,Ana,Again,,,,,,1005\n"
    + "ben@example.com,Ben,Cole,Analyst,Summit Health,Toronto,ON,CA,1006\n"
)


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


def csv_file(content, name="members.csv"):
    data = content if isinstance(content, bytes) else content.encode()
    return SimpleUploadedFile(name, data, content_type="text/csv")


def checked(content, staff, *, invitations=False):
    return importing.create_batch(csv_file(content), send_invitations=invitations, staff=staff)


def imported(content, staff, *, dry_run=False, invitations=False):
    """Upload, queue and run a file as the worker would (the task's own code, in this thread)."""
    batch = checked(content, staff, invitations=invitations)
    importing.queue_import(batch, dry_run=dry_run, staff=staff)
    run_import_task.call(batch.pk)
    batch.refresh_from_db()
    return batch


def counts(batch):
    return {
        name: getattr(batch, name)
        for name in ("total", "processed", "created", "updated", "unchanged", "failed")
    }


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


# --- Who may import ----------------------------------------------------------------------------


def staff_urls(batch):
    return [
        ("get", reverse("program:import")),
        ("get", reverse("program:import_batch", args=[batch.pk])),
        ("get", reverse("program:import_progress", args=[batch.pk])),
        ("post", reverse("program:import_run", args=[batch.pk])),
    ]


@pytest.mark.django_db
def test_a_member_who_is_not_staff_gets_404_on_every_import_page(client, staff, mentee):
    batch = checked(GOOD, staff)
    client.force_login(mentee)

    for method, url in staff_urls(batch):
        assert getattr(client, method)(url).status_code == 404, url
    batch.refresh_from_db()
    assert batch.status == "preview"


@pytest.mark.django_db
def test_an_anonymous_visitor_is_asked_to_sign_in(client, staff):
    batch = checked(GOOD, staff)

    for method, url in staff_urls(batch):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- Upload and preview ------------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_upload_a_file_and_see_each_row_checked_with_its_line(client, staff):
    client.force_login(staff)

    response = client.post(reverse("program:import"), {"file": csv_file(MIXED)})

    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("program:import_batch", args=[batch.pk])
    assert (batch.status, batch.total, batch.filename) == ("preview", 6, "members.csv")
    assert batch.uploaded_by == staff and not batch.send_invitations
    page = text(client.get(response["Location"]))
    assert "6 rows: <strong>2 valid</strong>, <strong>4 with problems</strong>" in page
    assert (
        "<td>3</td><td>not-an-email</td><td>“not-an-email” is not a valid email address.</td>"
        in page
    )
    assert "<td>4</td><td>nolast@example.com</td><td>Last name is missing.</td>" in page
    assert "<td>5</td><td>narnia@example.com</td><td>Unknown country “Narnia”" in page
    assert "<td>6</td><td>ANA@example.com</td><td>Same email as line 2.</td>" in page
    assert "Dry run</button>" in page and "Import</button>" in page
    assert User.objects.filter(email__iexact="ana@example.com").count() == 0


def test_the_check_counts_good_rows_and_reports_each_problem_by_line():
    report = importing.parse_csv(MIXED)

    assert (report.valid, report.invalid) == (2, 4)
    assert {row.line: row.errors for row in report.rows if row.errors} == {
        3: ["“not-an-email” is not a valid email address."],
        4: ["Last name is missing."],
        5: ["Unknown country “Narnia”: use a two-letter ISO code."],
        6: ["Same email as line 2."],
    }
    assert report.rows[-1].values["country"] == "CA"
    assert importing.parse_csv(GOOD).rows[1].values["country"] == "CA"  # "Canada", by name


def test_values_longer_than_the_profile_allows_are_reported():
    report = importing.parse_csv(HEADER + f"ana@example.com,Ana,Lima,{'x' * 121},,,,,\n")

    assert report.rows[0].errors == ["Job title is longer than 120 characters."]


def test_the_line_number_counts_blank_lines_and_line_breaks_inside_quotes():
    report = importing.parse_csv(
        'email,first_name,last_name\n\n"a@example.com","Ana\nMaria",Lima\nb@example.com,,Cole\n'
    )

    assert [(row.line, row.errors) for row in report.rows] == [
        (3, []),
        (5, ["First name is missing."]),
    ]
    assert report.rows[0].values["first_name"] == "Ana Maria"


def test_header_names_are_read_without_regard_to_case_spaces_or_common_aliases():
    report = importing.parse_csv(
        " E-mail ,First Name,LASTNAME,Title,Organisation,State,Country,Member ID,Notes\n"
        "ana@example.com,Ana,Lima,Buyer,Mercy,MA,us,7,VIP\n"
    )

    assert report.columns == [
        "email", "first_name", "last_name", "job_title", "organization", "region", "country",
        "member_id",
    ]  # fmt: skip
    assert report.ignored == ["Notes"]
    assert report.rows[0].values == {
        "first_name": "Ana",
        "last_name": "Lima",
        "job_title": "Buyer",
        "organization": "Mercy",
        "region": "MA",
        "country": "US",
        "external_id": "7",  # the member ID, stored since issue 15
    }


@pytest.mark.django_db
def test_a_file_with_a_byte_order_mark_and_semicolons_is_read(staff):
    content = "\ufeffEmail;First name;Last name;Country\nana@example.com;Ana;Lima;Brazil\n"

    batch = imported(content.encode("utf-8"), staff)

    assert counts(batch) | {"problems": batch.problems} == {
        "total": 1, "processed": 1, "created": 1, "updated": 0, "unchanged": 0, "failed": 0,
        "problems": [],
    }  # fmt: skip
    profile = Profile.objects.get(user__email="ana@example.com")
    assert (profile.first_name, profile.country.code) == ("Ana", "BR")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content, message",
    [
        (
            "name,first_name,last_name\nAna,Ana,Lima\n",
            "This file has no email column.",
        ),
        (
            "email\nana@example.com\n",
            "This file has no first name or last name column.",
        ),
        (
            "email,first_name,last_name\nana@example.com,Zoë,Lima\n".encode("latin-1"),
            "This file is not UTF-8 text.",
        ),
        ("", "The submitted file is empty."),  # Django's own check
        ("email,first_name,last_name\n", "This file has a header line but no members in it."),
        (
            "email,E-mail,first_name,last_name\n",
            "The columns “email” and “E-mail” both hold the email; keep one.",
        ),
    ],
)
def test_a_file_that_cannot_be_imported_is_refused_with_a_message(client, staff, content, message):
    client.force_login(staff)

    response = client.post(reverse("program:import"), {"file": csv_file(content)})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportBatch.objects.exists()


@pytest.mark.django_db
def test_a_file_over_5_mb_is_refused(client, staff):
    client.force_login(staff)
    row = "someone@example.com,Some,One,Buyer,Mercy Clinic,Boston,MA,US,1\n"
    content = HEADER + row * (5 * 1024 * 1024 // len(row) + 1)

    response = client.post(reverse("program:import"), {"file": csv_file(content)})

    assert "This file is larger than 5 MB" in response.content.decode()
    assert not ImportBatch.objects.exists()


@pytest.mark.django_db
def test_the_import_page_lists_past_imports(client, staff):
    imported(GOOD, staff)
    client.force_login(staff)

    page = text(client.get(reverse("program:import")))

    assert "members.csv</a>" in page and "Done" in page
    assert 'enctype="multipart/form-data"' in page


# --- Dry run and import ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_dry_run_counts_what_would_change_and_writes_nothing(client, staff, make_member):
    make_member("ben@example.com", "Ben", "Cole", job_title="Intern")
    users_before = User.objects.count()
    client.force_login(staff)
    batch = checked(MIXED, staff, invitations=True)

    response = client.post(reverse("program:import_run", args=[batch.pk]), {"dry_run": "1"})
    run_import_task.call(batch.pk)

    assert response.status_code == 302
    batch.refresh_from_db()
    assert (batch.status, batch.dry_run) == ("done", True)
    assert counts(batch) == {
        "total": 6, "processed": 6, "created": 1, "updated": 1, "unchanged": 0, "failed": 4,
    }  # fmt: skip
    assert User.objects.count() == users_before
    assert Profile.objects.get(user__email="ben@example.com").job_title == "Intern"
    assert not StaffAction.objects.exists()
    page = text(client.get(reverse("program:import_batch", args=[batch.pk])))
    assert "Dry run: Done" in page and "nothing was written" in page
    assert "Would be created</dt><dd>1</dd>" in page
    # After a dry run, the real import may follow.
    assert "Import</button>" in page


@pytest.mark.django_db
def test_a_dry_run_sends_no_invitations(staff, mailoutbox):
    imported(GOOD, staff, dry_run=True, invitations=True)

    assert mailoutbox == []


@pytest.mark.django_db
def test_an_import_creates_members_who_need_no_email_confirmation(staff):
    batch = imported(GOOD, staff)

    assert (batch.status, batch.dry_run, batch.created, batch.failed) == ("done", False, 2, 0)
    ana = User.objects.get(email="ana@example.com")
    assert not ana.has_usable_password()
    assert list(
        EmailAddress.objects.filter(user=ana).values_list("email", "verified", "primary")
    ) == [("ana@example.com", True, True)]
    profile = ana.profile
    assert (
        profile.first_name, profile.last_name, profile.job_title, profile.organization,
        profile.city, profile.region, profile.country.code,
    ) == ("Ana", "Lima", "Buyer", "Mercy Clinic", "Boston", "MA", "US")  # fmt: skip
    assert User.objects.get(email="ben@example.com").profile.country.code == "CA"


@pytest.mark.django_db
def test_an_import_updates_the_member_found_by_email_ignoring_case(staff, make_member):
    ana = make_member("Ana@Example.com", "Ana", "Lima", job_title="Intern", bio="I like data.")
    content = HEADER + "ANA@EXAMPLE.COM,Ana,Lima,Buyer,,Boston,,,\n"

    batch = imported(content, staff)

    assert (batch.created, batch.updated, batch.unchanged) == (0, 1, 0)
    assert User.objects.filter(email__iexact="ana@example.com").count() == 1
    ana.refresh_from_db()
    ana.profile.refresh_from_db()
    assert ana.email == "Ana@example.com"  # as the member has it (create_user lower-cases domains)
    # The fields the row gives, changed; empty cells and fields it does not have, kept.
    assert (ana.profile.job_title, ana.profile.city) == ("Buyer", "Boston")
    assert (ana.profile.organization, ana.profile.bio) == ("", "I like data.")
    assert ana.check_password("correct-horse-battery-staple")


@pytest.mark.django_db
def test_importing_the_same_file_again_changes_nothing(staff, mailoutbox):
    imported(GOOD, staff, invitations=True)
    users = list(User.objects.order_by("pk").values_list("pk", "email", "password"))
    profiles = list(Profile.objects.order_by("pk").values())
    addresses = list(EmailAddress.objects.order_by("pk").values())
    mailoutbox.clear()

    again = imported(GOOD, staff, invitations=True)

    assert counts(again) == {
        "total": 2, "processed": 2, "created": 0, "updated": 0, "unchanged": 2, "failed": 0,
    }  # fmt: skip
    assert list(User.objects.order_by("pk").values_list("pk", "email", "password")) == users
    assert list(Profile.objects.order_by("pk").values()) == profiles  # updated_at included
    assert list(EmailAddress.objects.order_by("pk").values()) == addresses
    assert mailoutbox == []


@pytest.mark.django_db
def test_an_imported_batch_runs_once_and_a_double_click_queues_it_once(client, staff):
    batch = checked(GOOD, staff)
    client.force_login(staff)
    run_url = reverse("program:import_run", args=[batch.pk])

    client.post(run_url, {"dry_run": "0"})
    second = client.post(run_url, {"dry_run": "0"}, follow=True)

    assert "This file is already being imported." in second.content.decode()
    run_import_task.call(batch.pk)
    run_import_task.call(batch.pk)  # a task run twice imports once
    batch.refresh_from_db()
    assert (batch.status, batch.created, batch.unchanged) == ("done", 2, 0)
    again = client.post(run_url, {"dry_run": "0"}, follow=True)
    assert "This file has been imported. To import it again, upload it again." in text(again)
    assert StaffAction.objects.get().reason == "Imported members.csv"


@pytest.mark.django_db
def test_a_real_import_is_recorded_in_the_staff_audit_log(staff):
    batch = imported(GOOD, staff)

    action = StaffAction.objects.get()
    assert (action.kind, action.staff, action.target) == ("import", staff, f"import {batch.pk}")


@pytest.mark.django_db
def test_a_bad_row_does_not_stop_the_good_ones(staff, make_member):
    # Olivia's account has a second address: a new member cannot take it.
    olivia = make_member("olivia@example.com", "Olivia", "Outsider")
    EmailAddress.objects.create(user=olivia, email="liv@example.com", verified=True)
    content = MIXED + "liv@example.com,Liv,Taken,,,,,,\n" + "cy@example.com,Cy,Last,,,,,,\n"

    batch = imported(content, staff)

    assert counts(batch) == {
        "total": 8, "processed": 8, "created": 3, "updated": 0, "unchanged": 0, "failed": 5,
    }  # fmt: skip
    assert [(p["line"], p["errors"]) for p in batch.problems] == [
        (3, ["“not-an-email” is not a valid email address."]),
        (4, ["Last name is missing."]),
        (5, ["Unknown country “Narnia”: use a two-letter ISO code."]),
        (6, ["Same email as line 2."]),
        (8, ["This address belongs to another member's account."]),
    ]
    assert set(User.objects.values_list("email", flat=True)) == {
        "pat@example.com", "olivia@example.com", "ana@example.com", "ben@example.com",
        "cy@example.com",
    }  # fmt: skip
    assert Profile.objects.get(user__email="ana@example.com").last_name == "Lima"


@pytest.mark.django_db
def test_progress_is_saved_every_200_rows(staff):
    rows = "".join(f"m{n}@example.com,M,{n},,,,,,\n" for n in range(450))
    batch = checked(HEADER + rows, staff)
    importing.queue_import(batch, dry_run=False, staff=staff)

    with CaptureQueriesContext(connection) as queries:
        run_import_task.call(batch.pk)

    saved = [
        int(found.group(1))
        for query in queries.captured_queries
        if query["sql"].startswith('UPDATE "program_importbatch"')
        and (found := re.search(r'"processed" = (\d+)', query["sql"]))
    ]
    assert saved == [0, 200, 400, 450]
    batch.refresh_from_db()
    assert (batch.processed, batch.created, batch.percent) == (450, 450, 100)


# --- Invitations -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_invited_member_sets_a_password_with_the_link_and_signs_in(client, staff, mailoutbox):
    imported(GOOD, staff, invitations=True)

    assert sorted(m.to[0] for m in mailoutbox) == ["ana@example.com", "ben@example.com"]
    (email,) = [m for m in mailoutbox if m.to == ["ana@example.com"]]
    assert email.subject == "You are invited to Mentor Match: choose your password"
    (html, _), *_ = email.alternatives
    link = re.search(rf"{SITE}(/accounts/password/reset/key/\S+/)", email.body).group(1)
    assert link in html and "Dear Ana" in email.body

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200 and 'name="password1"' in form_page.content.decode()
    client.post(
        form_page.redirect_chain[-1][0],
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    client.logout()

    assert User.objects.get(email="ana@example.com").check_password(NEW_PASSWORD)
    signed_in = client.post(
        reverse("account_login"), {"login": "ana@example.com", "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get(email="ana@example.com").pk)


@pytest.mark.django_db
def test_members_already_here_are_not_invited_again(staff, make_member, mailoutbox):
    make_member("ana@example.com", "Ana", "Lima")

    imported(GOOD, staff, invitations=True)

    assert [m.to for m in mailoutbox] == [["ben@example.com"]]


@pytest.mark.django_db
def test_no_invitations_are_sent_unless_asked(staff, mailoutbox):
    imported(GOOD, staff)

    assert mailoutbox == []


# --- The background worker ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_the_import_and_the_page_shows_its_progress(client, staff):
    client.force_login(staff)
    client.post(reverse("program:import"), {"file": csv_file(MIXED), "send_invitations": "on"})
    batch = ImportBatch.objects.get()
    client.post(reverse("program:import_run", args=[batch.pk]), {"dry_run": "0"})
    progress_url = reverse("program:import_progress", args=[batch.pk])

    waiting = text(client.get(progress_url))
    assert "Import: Waiting for the worker" in waiting
    assert f'hx-get="{progress_url}" hx-trigger="every 2s"' in waiting
    assert '<label for="import-progress-bar">0 of 6 rows processed (0%)</label>' in waiting
    assert '<progress id="import-progress-bar" max="6" value="0">' in waiting

    run_worker()

    batch.refresh_from_db()
    assert counts(batch) == {
        "total": 6, "processed": 6, "created": 2, "updated": 0, "unchanged": 0, "failed": 4,
    }  # fmt: skip
    assert batch.status == "done" and batch.started_at <= batch.finished_at
    done = text(client.get(progress_url))
    assert "hx-trigger" not in done  # polling stops
    assert '<progress id="import-progress-bar" max="6" value="6">' in done
    assert "<td>6</td><td>ANA@example.com</td><td>Same email as line 2.</td>" in done
    # Without JavaScript, reloading the page shows the same.
    page = text(client.get(reverse("program:import_batch", args=[batch.pk])))
    assert '<progress id="import-progress-bar" max="6" value="6">' in page
    assert "Created</dt><dd>2</dd>" in page


@pytest.mark.django_db(transaction=True)
def test_ten_thousand_rows_import_through_the_worker(staff, make_member):
    make_member("member17@example.com", "Member", "17", job_title="Buyer")
    make_member("member42@example.com", "Old", "Name", job_title="Buyer")
    rows = "".join(
        f"member{n}@example.com,Member,{n},Buyer,Org {n % 50},City {n % 300},,US,{n}\n"
        for n in range(10_000)
    )
    rows += "broken,No,Email,,,,,,\n"
    batch = checked(HEADER + rows, staff)
    importing.queue_import(batch, dry_run=False, staff=staff)

    run_worker()

    batch.refresh_from_db()
    assert batch.status == "done"
    assert counts(batch) == {
        "total": 10_001, "processed": 10_001, "created": 9_998, "updated": 2, "unchanged": 0,
        "failed": 1,
    }  # fmt: skip
    assert batch.problems == [
        {"line": 10_002, "email": "broken", "errors": ["“broken” is not a valid email address."]}
    ]
    assert User.objects.filter(email__startswith="member").count() == 10_000
    assert EmailAddress.objects.filter(verified=True, primary=True).count() == 10_001
    assert Profile.objects.get(user__email="member42@example.com").first_name == "Member"


@pytest.mark.parametrize(
    "written, code",
    [("United States", "US"), ("USA", "US"), ("UK", "GB"), ("Germany", "DE"), ("de", "DE")],
)
def test_countries_as_association_systems_write_them(written, code):
    assert importing.country_code(written) == code


# --- Staff accounts are never changed by an import ----------------------------------------------


@pytest.mark.parametrize("kind", ["is_staff", "is_superuser", "program_staff_group"])
def test_an_import_never_changes_a_staff_account_and_reports_the_row(staff, make_member, kind):
    from django.contrib.auth.models import Group

    boss = make_member("boss@example.com", "Bo", "Boss", job_title="Director")
    if kind == "program_staff_group":
        boss.groups.add(Group.objects.get(name="Program staff"))
    else:
        setattr(boss, kind, True)
        boss.save()
    content = (
        HEADER
        + "boss@example.com,Evil,Renamed,Intern,,,,,\n"
        + "new@example.com,New,Member,,,,,,\n"
    )

    batch = imported(content, staff)

    boss.profile.refresh_from_db()
    assert (boss.profile.first_name, boss.profile.job_title) == ("Bo", "Director")
    assert (batch.created, batch.updated, batch.failed) == (1, 0, 1)
    assert batch.problems[0]["line"] == 2
    assert "staff account" in batch.problems[0]["errors"][0]


# --- A worker that dies mid-import ------------------------------------------------------------


def test_an_import_left_running_by_a_dead_worker_is_taken_up_again_after_the_lease(staff, settings):
    from program.import_tasks import run_import_task

    settings.TASK_LEASE = 3600
    batch = importing.queue_import(checked(GOOD, staff), dry_run=False, staff=staff)
    assert importing.start_import(batch.pk) is not None  # the worker that then died
    ImportBatch.objects.filter(pk=batch.pk).update(
        started_at=timezone.now() - datetime.timedelta(minutes=30)
    )
    assert run_import_task.call(batch.pk) is None, "still within the lease: not taken"

    ImportBatch.objects.filter(pk=batch.pk).update(
        started_at=timezone.now() - datetime.timedelta(minutes=61)
    )
    run_import_task.call(batch.pk)

    batch.refresh_from_db()
    assert (batch.status, batch.created) == ("done", 2)
    assert User.objects.filter(email__in=["ana@example.com", "ben@example.com"]).count() == 2
