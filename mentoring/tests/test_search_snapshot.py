"""The search index is built outside requests, shared by every web process, and never misses a
change: "a change made on any host appears in searches on every host within 5 seconds"."""

import datetime
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from members.models import Profile
from mentoring import search, search_snapshot
from mentoring.models import Enrollment
from mentoring.tests import test_search
from mentoring.tests.test_search import SKILLS, names
from mentoring.tests.test_search import search as find

pytestmark = pytest.mark.django_db
add_mentor = test_search.add_mentor  # the fixture


def age_every_row(seconds=3600):
    """As if every row had last changed an hour ago, long before the snapshot."""
    then = timezone.now() - datetime.timedelta(seconds=seconds)
    Enrollment.objects.update(updated_at=then)
    Profile.objects.update(updated_at=then)


@pytest.fixture
def negotiators(add_mentor, enrolled_mentee, client):
    first = add_mentor("Ada", "First", [(SKILLS, "Negotiation")])
    second = add_mentor("Bo", "Second", [(SKILLS, "Negotiation")])
    client.force_login(enrolled_mentee)
    return first, second


def versions(role="mentor"):
    directory = search_snapshot.role_dir(role)
    return sorted(p.name for p in directory.iterdir() if p.is_dir() and not p.name.startswith("."))


def test_a_snapshot_built_by_the_command_is_opened_without_building(
    client, negotiators, option, monkeypatch, capsys
):
    call_command("build_search_index")
    assert "mentor: 2 enrollments" in capsys.readouterr().out

    def no_building(*args, **kwargs):
        raise AssertionError("a web process built the index")

    monkeypatch.setattr(search_snapshot, "_build_locked", no_building)

    assert sorted(names(find(client, option, (SKILLS, "Negotiation")))) == [
        "Ada First",
        "Bo Second",
    ]


def test_without_a_snapshot_the_first_search_builds_one_once(client, negotiators, option):
    assert search_snapshot.current_version("mentor") is None

    find(client, option, (SKILLS, "Negotiation"))
    built = search_snapshot.current_version("mentor")
    search.reset_indexes()  # as another process would
    find(client, option, (SKILLS, "Negotiation"))

    assert built is not None
    assert search_snapshot.current_version("mentor") == built
    assert versions() == [built]


def test_the_snapshot_holds_no_python_object_per_member(negotiators):
    snapshot = search_snapshot.Snapshot("mentor", search_snapshot.build("mentor"))

    assert snapshot.rows == 2
    assert all(array.dtype != object for array in snapshot.arrays.values())
    # Memory-mapped: the pages come from the file, shared by every process that maps it.
    assert all(isinstance(array, np.memmap) for array in snapshot.arrays.values() if array.size)


def test_a_change_stamped_older_than_one_already_seen_still_appears(
    client, negotiators, option, settings
):
    """A transaction that commits after a later-stamped one, or a host whose clock runs behind:
    its rows carry an older updated_at than the newest the index has seen."""
    first, second = negotiators
    age_every_row()
    assert names(find(client, option, (SKILLS, "Negotiation"), q="okapi")) == []
    profile = first.profile
    profile.job_title = "Director"
    profile.save()  # stamped now: the index sees this one first
    assert names(find(client, option, (SKILLS, "Negotiation"), q="director")) == ["Ada First"]

    late = second.profile
    late.bio = "Ask me about the okapi."
    with time_machine.travel(timezone.now() - datetime.timedelta(seconds=30)):
        late.save()  # committed now, stamped 30 seconds ago

    assert names(find(client, option, (SKILLS, "Negotiation"), q="okapi")) == ["Bo Second"]


def test_outside_the_safety_window_a_change_waits_for_the_next_snapshot(
    client, negotiators, option, settings
):
    first, second = negotiators
    age_every_row()
    settings.SEARCH_INDEX_SAFETY_WINDOW = 10
    find(client, option, (SKILLS, "Negotiation"))
    profile = first.profile
    profile.job_title = "Director"
    profile.save()
    find(client, option, (SKILLS, "Negotiation"))
    late = second.profile
    late.bio = "Ask me about the okapi."
    with time_machine.travel(timezone.now() - datetime.timedelta(seconds=30)):
        late.save()  # older than the window: missed by the look for changes ...

    assert names(find(client, option, (SKILLS, "Negotiation"), q="okapi")) == []

    # ... until the worker's next snapshot, which every process switches to.
    call_command("build_search_index")
    assert names(find(client, option, (SKILLS, "Negotiation"), q="okapi")) == ["Bo Second"]


def test_a_change_in_one_process_appears_in_another_at_its_next_look(negotiators, settings):
    settings.SEARCH_INDEX_CHECK_INTERVAL = 1
    here, there = search.RoleIndex("mentor"), search.RoleIndex("mentor")  # two processes
    here.ensure_current()
    there.ensure_current()
    first, _ = negotiators
    row = there.row_of[first.enrollments.get().pk]
    assert not there.rows_containing("ziggurat")[row]

    profile = first.profile
    profile.bio = "I once built a ziggurat."
    profile.save()
    there.checked_at -= 1  # a second later

    there.ensure_current()
    assert there.rows_containing("ziggurat")[row]
    assert search_snapshot.current_version("mentor") == there.version  # nothing was rebuilt


def test_a_new_enrollment_and_a_new_time_zone_appear_without_a_new_snapshot(
    client, negotiators, add_mentor, option
):
    find(client, option, (SKILLS, "Negotiation"))
    version = search_snapshot.current_version("mentor")

    add_mentor("Cy", "Third", [(SKILLS, "Negotiation")], time_zone="Pacific/Auckland")
    response = find(client, option, (SKILLS, "Negotiation"), tz="Pacific/Auckland")

    assert names(response) == ["Cy Third"]
    assert search_snapshot.current_version("mentor") == version


def test_a_switched_off_account_is_never_listed_and_leaves_the_counts_with_the_next_snapshot(
    client, negotiators, option
):
    from mentoring.tasks import build_search_index

    first, _ = negotiators
    find(client, option, (SKILLS, "Negotiation"))
    first.is_active = False
    first.save()  # no timestamp the index watches

    response = find(client, option, (SKILLS, "Negotiation"))
    assert names(response) == ["Bo Second"]

    build_search_index.call()
    response = find(client, option, (SKILLS, "Negotiation"))
    assert names(response) == ["Bo Second"]
    assert response.context["results"].total == 1


def test_a_deleted_member_disappears(client, negotiators, option):
    first, _ = negotiators
    find(client, option, (SKILLS, "Negotiation"))

    first.delete()

    response = find(client, option, (SKILLS, "Negotiation"))
    assert response.status_code == 200
    assert names(response) == ["Bo Second"]
    call_command("build_search_index")
    assert find(client, option, (SKILLS, "Negotiation")).context["results"].total == 1


def test_a_newer_snapshot_is_picked_up_at_the_next_look(client, negotiators, option):
    first, _ = negotiators
    find(client, option, (SKILLS, "Negotiation"))
    old = search.index_for("mentor").version
    # A change no timestamp shows: only a new snapshot brings it.
    Profile.objects.filter(user=first).update(bio="A quetzal in the garden.")
    assert names(find(client, option, (SKILLS, "Negotiation"), q="quetzal")) == []

    call_command("build_search_index")

    assert names(find(client, option, (SKILLS, "Negotiation"), q="quetzal")) == ["Ada First"]
    assert search.index_for("mentor").version != old


def test_old_versions_are_pruned_keeping_two(negotiators):
    for _ in range(4):
        search_snapshot.build("mentor")

    assert len(versions()) == 2
    assert versions()[-1] == search_snapshot.current_version("mentor")


@pytest.mark.parametrize(
    "damage",
    ["pointer_nul", "pointer_elsewhere", "array_garbage", "manifest_garbage", "array_missing"],
)
def test_a_damaged_index_directory_is_rebuilt_not_a_500(client, negotiators, option, damage):
    call_command("build_search_index")
    directory = search_snapshot.role_dir("mentor")
    version = search_snapshot.current_version("mentor")
    if damage == "pointer_nul":
        (directory / "current").write_bytes(b"\0\0\0\0")
    elif damage == "pointer_elsewhere":
        (directory / "current").write_text("../../../etc")
    elif damage == "array_garbage":
        (directory / version / "bits.npy").write_bytes(b"\0" * 64 + b"garbage")
    elif damage == "manifest_garbage":
        (directory / version / "manifest.json").write_bytes(b"\0{not json")
    else:
        (directory / version / "postings.npy").unlink()

    response = find(client, option, (SKILLS, "Negotiation"))

    assert response.status_code == 200
    assert sorted(names(response)) == ["Ada First", "Bo Second"]
    assert search_snapshot.current_version("mentor") != version


def test_a_damaged_newer_snapshot_leaves_a_running_process_on_the_one_it_has(
    client, negotiators, option
):
    find(client, option, (SKILLS, "Negotiation"))
    version = search.index_for("mentor").version
    (search_snapshot.role_dir("mentor") / "current").write_bytes(b"\0garbage")

    response = find(client, option, (SKILLS, "Negotiation"))

    assert response.status_code == 200
    assert sorted(names(response)) == ["Ada First", "Bo Second"]
    assert search.index_for("mentor").version == version


def test_without_building_allowed_a_missing_snapshot_says_where_it_looked(settings, db):
    with pytest.raises(search_snapshot.SnapshotError, match="No usable mentor search index"):
        search_snapshot.open_current("mentor", build_if_missing=False)


@pytest.mark.django_db(transaction=True)
def test_a_second_python_process_opens_the_same_snapshot_without_building(
    negotiators, settings, tmp_path
):
    """Another process (a second gunicorn worker) maps the files this one built."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the second process needs a database it can reach: PostgreSQL")
    search_snapshot.build("mentor")
    version = search_snapshot.current_version("mentor")
    first, _ = negotiators
    profile = first.profile
    profile.bio = "Ask me about the okapi."
    profile.save()
    script = (
        "import django; django.setup();"
        "from mentoring import search, search_snapshot as s;"
        "s._build_locked = None;"  # building would fail: it must not happen
        "index = search.index_for('mentor');"
        f"row = index.row_of[{first.enrollments.get().pk}];"
        "print(index.version, bool(index.rows_containing('okapi')[row]))"
    )
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mentormatch.settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "SEARCH_INDEX_DIR": str(settings.SEARCH_INDEX_DIR),
    }
    output = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()

    assert output == [version, "True"]
    assert Enrollment.objects.filter(role="mentor").count() == 2
