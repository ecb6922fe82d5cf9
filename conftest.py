"""The shared cast and tools for every test: members built through the real code paths."""

import os
import threading
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import caches

from members.models import User

# Playwright's sync API runs an event loop in the test thread; Django's ORM guards against
# use from async contexts, which this is not.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def _isolated(request, settings, tmp_path, django_db_blocker):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests change rows and search at once: the index looks for changes on every search.
    settings.SEARCH_INDEX_CHECK_INTERVAL = 0
    settings.SEARCH_INDEX_DIR = tmp_path / "search-index"
    # allauth's rate limits count in the default cache; each test starts with none used. That
    # cache is a database table, which a transactional test's flush leaves as it is, and which
    # only a test with database access may reach.
    caches["local"].clear()
    if _uses_database(request):
        request.getfixturevalue("django_db_setup")
        with django_db_blocker.unblock():
            caches["default"].clear()
    yield
    caches["local"].clear()


def _uses_database(request) -> bool:
    return request.node.get_closest_marker("django_db") is not None or not {
        "db",
        "transactional_db",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "live_server",
    }.isdisjoint(request.fixturenames)


@pytest.fixture
def make_member(db):
    """Create a member with a verified email address and a filled-in profile."""

    def make(email, first_name="Alex", last_name="Member", *, job_title="Buyer", **profile_fields):
        user = User.objects.create_user(email, PASSWORD)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        # The profile create_user made, so that user.profile is the same, up-to-date object.
        profile = user.profile
        profile.first_name = first_name
        profile.last_name = last_name
        profile.job_title = job_title
        for name, value in profile_fields.items():
            setattr(profile, name, value)
        profile.save()
        return user

    return make


@pytest.fixture
def mentee(make_member):
    return make_member(
        "maria@example.com", "Maria", "Santos", job_title="Buyer", organization="Riverside Hospital"
    )


@pytest.fixture
def mentor(make_member):
    return make_member(
        "david@example.com",
        "David",
        "Okafor",
        job_title="Director of Supply Chain",
        organization="Summit Health",
        phone="+1 555 123 4567",
    )


@pytest.fixture
def outsider(make_member):
    return make_member("olivia@example.com", "Olivia", "Outsider", job_title="Analyst")


@pytest.fixture
def staff(make_member):
    user = make_member("pat@example.com", "Pat", "Morgan", job_title="Program Manager")
    user.is_staff = True
    user.save()
    return user


# --- Browser tests ---------------------------------------------------------------------------

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).parent / "var" / "screenshots"


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(
            f"No Chromium at {CHROMIUM}: install Debian's chromium package to run browser tests"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, default_criteria, settings):
    # Links in emails are built from SITE_URL, the public address, as in production.
    settings.SITE_URL = live_server.url
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(request):
    """Save a full-page screenshot under var/screenshots/<test name>/NN-step.png."""
    folder = SCREENSHOTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    counter = {"n": 0}

    def take(page, step):
        counter["n"] += 1
        page.screenshot(path=str(folder / f"{counter['n']:02d}-{step}.png"), full_page=True)

    return take


@pytest.fixture(scope="session")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def assert_accessible(axe):
    """Run axe-core on the page: no serious or critical violations."""

    def check(page):
        results = axe.run(page)
        bad = [
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert not bad, f"axe-core on {page.url}:\n" + "\n".join(bad)

    return check


# --- Enrollment -----------------------------------------------------------------------------


@pytest.fixture
def default_criteria(db):
    """The criteria the data migration loads; a transactional test's flush removes them."""
    from mentoring.defaults import load_default_criteria, set_default_kinds
    from mentoring.models import CriterionCategory, CriterionOption, ProgramSettings

    load_default_criteria(CriterionCategory, CriterionOption, ProgramSettings)
    set_default_kinds(CriterionCategory)


@pytest.fixture
def option(default_criteria):
    """Look up a default criterion option: option("Leadership Skills", "Negotiation")."""
    from mentoring.models import CriterionOption

    def find(category, label):
        return CriterionOption.objects.get(category__name=category, label=label)

    return find


@pytest.fixture
def enrolled_mentor(mentor, option):
    from mentoring.services.enrollment import enroll

    enroll(
        mentor,
        "mentor",
        option_ids=[
            option("Areas of Professional Experience", "Value Analysis").pk,
            option("Areas of Professional Experience", "Sourcing").pk,
            option("Leadership Skills", "Negotiation").pk,
        ],
        statement="Twenty years in sourcing; happy to help with negotiation.",
        max_mentees=2,
    )
    return mentor


@pytest.fixture
def enrolled_mentee(mentee, option):
    from mentoring.services.enrollment import enroll

    enroll(
        mentee,
        "mentee",
        option_ids=[
            option("Areas of Professional Experience", "Value Analysis").pk,
            option("Leadership Skills", "Negotiation").pk,
        ],
        statement="I want to lead our value analysis committee.",
    )
    return mentee


@pytest.fixture(autouse=True)
def _fresh_search_index():
    """Each test starts with no search index: rows of a rolled-back test must not linger."""
    from mentoring.find import forget_criteria
    from mentoring.models import forget_program_settings
    from mentoring.search import reset_indexes

    for forget in (reset_indexes, forget_criteria, forget_program_settings):
        forget()
    yield
    for forget in (reset_indexes, forget_criteria, forget_program_settings):
        forget()


@pytest.fixture
def make_mentor(make_member, option):
    """Create and enroll a mentor with one area of experience and one leadership skill:
    make_mentor(0, "Grace", "Hopper", "Value Analysis", "Negotiation")."""
    from mentoring.services.enrollment import enroll

    def make(n, first, last, area, skill, *, max_mentees=2):
        user = make_member(
            f"m{n}@example.com", first, last, job_title="Director", organization="Lakeside Health"
        )
        enroll(
            user,
            "mentor",
            option_ids=[
                option("Areas of Professional Experience", area).pk,
                option("Leadership Skills", skill).pk,
            ],
            statement=f"{first} mentors in {area.lower()}.",
            max_mentees=max_mentees,
        )
        return user

    return make


def at_the_same_instant(action, arguments, refused=Exception) -> list[str]:
    """Call `action(argument)` for each argument in its own thread, all released at once by a
    barrier, each with its own database connection; returns "ok" or the refusal's message for
    each. For the concurrency proofs, which need PostgreSQL's row locks."""
    from django.db import connection

    barrier = threading.Barrier(len(arguments))
    outcomes = []

    def run(argument):
        barrier.wait()
        try:
            action(argument)
            outcomes.append("ok")
        except refused as error:
            outcomes.append(str(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(argument,)) for argument in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
