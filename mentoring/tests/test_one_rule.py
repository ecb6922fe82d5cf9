"""One rule, one definition: "participating on a day" and "open places" are each written once in
mentoring/models.py; the search index computes them vectorised and must agree on every case."""

import datetime
import itertools

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from mentoring.models import Enrollment, Relationship
from mentoring.search import RoleIndex, open_places_of, participating_mask
from mentoring.services.enrollment import enroll

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 6, 15)
AROUND = {"none": None, "yesterday": DAY - datetime.timedelta(days=1), "today": DAY}
AROUND["tomorrow"] = DAY + datetime.timedelta(days=1)


def index_of_mentors():
    index = RoleIndex("mentor")
    index.build()
    return index


def by_enrollment(index, values):
    return {int(index.ids[row]): bool(values[row]) for row in range(len(index.ids))}


def test_participating_means_the_same_in_the_queryset_the_model_and_the_search_index(make_member):
    cases = itertools.product(["active", "paused", "withdrawn"], AROUND, AROUND, [True, False])
    made = 0
    for n, (status, returns, until, account_active) in enumerate(cases):
        member = make_member(f"m{n}@example.com", f"M{n}", "Case")
        member.is_active = account_active
        member.save()
        try:
            with transaction.atomic():
                Enrollment.objects.create(
                    user=member,
                    role="mentor",
                    status=status,
                    return_date=AROUND[returns],
                    available_until=AROUND[until],
                    max_mentees=2,
                )
                made += 1
        except IntegrityError:
            continue  # a combination the database itself refuses (a return date while active)
    enrollments = Enrollment.objects.select_related("user")

    by_queryset = set(Enrollment.objects.participating(today=DAY).values_list("pk", flat=True))
    by_method = {e.pk for e in enrollments if e.is_participating(today=DAY)}
    index = index_of_mentors()
    by_index = {
        pk for pk, yes in by_enrollment(index, participating_mask(index, DAY)).items() if yes
    }

    assert made > 40, "enough combinations to mean something"
    assert 0 < len(by_queryset) < made
    assert by_method == by_queryset
    assert by_index == by_queryset


def test_find_a_mentor_uses_the_sites_date_not_the_servers(
    settings, client, enrolled_mentee, make_member, option
):
    """At 23:30 in New York on June 14 the server's clock (UTC) already says June 15: a mentor back
    from a pause on June 15 is not listed yet where the program is, and is an hour and a half later."""
    settings.TIME_ZONE = "America/New_York"
    mentor = make_member("back@example.com", "Bartholomew", "Returning")
    enroll(
        mentor, "mentor", option_ids=[option("Leadership Skills", "Negotiation").pk], max_mentees=2
    )
    Enrollment.objects.filter(user=mentor).update(status="paused", return_date=DAY)
    client.force_login(enrolled_mentee)
    url = reverse("mentoring:find_mentor") + "?s=1"

    with time_machine.travel(datetime.datetime(2026, 6, 15, 3, 30, tzinfo=datetime.UTC)):
        assert "Bartholomew" not in client.get(url).text
    with time_machine.travel(datetime.datetime(2026, 6, 15, 5, 0, tzinfo=datetime.UTC)):
        assert "Bartholomew" in client.get(url).text


def test_open_places_mean_the_same_everywhere(make_member):
    mentors = []
    # (capacity, active relationships, completed ones): under, at and over capacity (a mentor
    # may lower their limit below the mentees they have).
    for n, (capacity, active, completed) in enumerate(
        [(1, 0, 0), (2, 1, 1), (2, 2, 0), (3, 1, 2), (1, 3, 0), (10, 0, 4)]
    ):
        mentor = make_member(f"mentor{n}@example.com", f"Mentor{n}", "Case")
        Enrollment.objects.create(user=mentor, role="mentor", max_mentees=capacity)
        for k in range(active + completed):
            mentee = make_member(f"mentee{n}-{k}@example.com", f"Mentee{n}", f"K{k}")
            done = k >= active
            Relationship.objects.create(
                mentor=mentor,
                mentee=mentee,
                status="completed" if done else "active",
                completed_at=timezone.now() if done else None,
                outcome="goals_met" if done else "",
            )
        mentors.append((mentor, max(capacity - active, 0)))

    annotated = dict(Enrollment.objects.with_open_places().values_list("user_id", "open_places"))
    index = index_of_mentors()
    places = open_places_of(index)
    by_index = {int(index.user_ids[row]): int(places[row]) for row in range(len(index.ids))}

    for mentor, expected in mentors:
        enrollment = Enrollment.objects.get(user=mentor)
        assert annotated[mentor.pk] == expected
        assert enrollment.open_places() == expected
        assert by_index[mentor.pk] == expected
