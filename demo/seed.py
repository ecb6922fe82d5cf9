"""Deterministic demo members: the same --seed always gives the same people.

Rows are written with plain multi-row INSERTs in batches, so that 100,000 members take well under
two minutes (bench/seed.py measures it).
"""

import random
from dataclasses import dataclass
from datetime import timedelta
from io import BytesIO

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Q
from django.test import override_settings
from django.utils import timezone
from PIL import Image, ImageDraw, ImageOps

from demo import names
from members.models import Profile, User
from members.photos import process_photo
from mentoring.models import (
    CheckIn,
    CriterionCategory,
    CriterionKind,
    Enrollment,
    EnrollmentChoice,
    EnrollmentStatus,
    MentoringRequest,
    Relationship,
    RequestStatus,
    Role,
    TimelineEntry,
)
from mentoring.services.enrollment import enroll
from mentoring.services.errors import RequestError
from mentoring.services.relationships import complete_relationship
from mentoring.services.requests import (
    accept_request,
    decline_request,
    send_request,
    withdraw_request,
)

DEMO_DOMAIN = "demo.example.org"
DEMO_MEMBER_PASSWORD = "demo-member-pass"
BATCH = 2000


@dataclass(frozen=True)
class DemoAccount:
    email: str
    password: str
    first_name: str
    last_name: str
    job_title: str
    organization: str
    role: str
    is_staff: bool = False
    enroll_as: str | None = None
    bio: str = ""
    # How long ago the login was last on the site, as seeded (the demo mentor: recently).
    active_ago: timedelta | None = None


DEMO_ACCOUNTS = [
    DemoAccount(
        "mentee@example.org",
        "mentee-demo-pass",
        "Maria",
        "Santos",
        "Buyer",
        "Riverside Medical Center",
        "a member looking for a mentor",
        enroll_as="mentee",
        bio="Buyer at Riverside Medical Center for four years, mostly lab and med-surg contracts. "
        "I want to grow into category management and get better at negotiating with national "
        "suppliers.\n\nI am looking for a mentor who has made the move from buyer to manager.",
        active_ago=timedelta(days=3),
    ),
    DemoAccount(
        "mentor@example.org",
        "mentor-demo-pass",
        "David",
        "Okafor",
        "Director of Supply Chain",
        "Summit Health System",
        "an experienced member who mentors",
        enroll_as="mentor",
        bio="Twenty years in healthcare supply chain, from buyer to director of supply chain at "
        "Summit Health System. I have led value analysis committees, a GPO conversion and two "
        "system integrations.\n\nHappy to help with negotiation, building a team and the first "
        "years as a manager.",
        active_ago=timedelta(hours=2),
    ),
    DemoAccount(
        "staff@example.org",
        "staff-demo-pass",
        "Pat",
        "Morgan",
        "Mentoring Program Manager",
        "The Association",
        "program staff (Django admin too)",
        is_staff=True,
        bio="I run the association's mentoring program: matching questions, program settings and "
        "the reports go through me.\n\nWrite to me any time.",
    ),
]


def demo_email(index: int) -> str:
    return f"member{index:06d}@{DEMO_DOMAIN}"


def _bio(rng: random.Random, title: str, org: str) -> str:
    area_a, area_b = rng.sample(names.AREAS, 2)
    values = {
        "years": rng.randint(3, 30),
        "title_lower": title.lower(),
        "org": org,
        "area_a": area_a,
        "area_b": area_b,
        "count": rng.randint(12, 80),
    }
    first = rng.choice(names.BIO_OPENERS).format(**values)
    middle = rng.choice(names.BIO_MIDDLES).format(**values)
    last = rng.choice(names.BIO_CLOSERS)
    # Two paragraphs, so that line breaks in bios are exercised by the demo too.
    return f"{first} {middle}\n\n{last}"


def _member_rows(rng: random.Random, index: int, now, password: str):
    first = rng.choice(names.FIRST_NAMES)
    last = rng.choice(names.LAST_NAMES)
    title = rng.choice(names.JOB_TITLES)
    org = f"{rng.choice(names.ORG_PLACES)} {rng.choice(names.ORG_KINDS)}"
    city, region, country, tz = rng.choice(names.LOCATIONS)
    joined = now - timedelta(days=rng.randint(1, 3 * 365), minutes=rng.randint(0, 1440))
    slug = f"{first}-{last}".lower().replace("'", "")
    user = (demo_email(index), password, joined)
    profile = {
        "first_name": first,
        "last_name": last,
        "job_title": title,
        "organization": org,
        "city": city,
        "region": region,
        "country": country,
        "time_zone": tz,
        "bio": _bio(rng, title, org),
        "phone": f"+1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
        "linkedin_url": f"https://www.linkedin.com/in/{slug}-{index}",
        # Spread without drawing from rng, so the rest of the demo data stays as it was.
        "last_active_at": connection.ops.adapt_datetimefield_value(
            now - timedelta(days=(index * 7919) % 150, minutes=index % 1440)
        ),
    }
    return user, profile


class _Criteria:
    """The active options per role, read once, for drawing varied enrollment choices."""

    def __init__(self):
        self.by_role = {}
        self.labels = {}
        for role in (Role.MENTOR, Role.MENTEE):
            categories = []
            for category in CriterionCategory.objects.active().for_role(role).order_by("order"):
                option_ids = list(
                    category.options.filter(is_active=True)
                    .order_by("order")
                    .values_list("pk", flat=True)
                )
                if option_ids:
                    categories.append((category, option_ids))
                    self.labels[category.pk] = list(
                        category.options.filter(pk__in=option_ids)
                        .order_by("order")
                        .values_list("label", flat=True)
                    )
            self.by_role[role] = categories

    def person(self, rng: random.Random, region: str, senior: bool) -> dict[int, int]:
        """Facts about the member that do not depend on the role, shared by both enrollments: one
        option per single-choice category (organization type, region) and their own level in each
        ordered ("mentor ahead") category, such as career stage and years of experience."""
        facts = {}
        # One seniority for all ordered categories, so that stage and years agree. Mentors are
        # mostly mid-career or beyond, mentees mostly earlier: demo searches find mentors ahead.
        seniority = rng.uniform(0.4, 1.0) if senior else rng.uniform(0.0, 0.55)
        for role in (Role.MENTOR, Role.MENTEE):
            for category, option_ids in self.by_role[role]:
                if category.pk in facts:
                    continue
                labels = self.labels[category.pk]
                if category.kind == CriterionKind.MENTOR_AHEAD:
                    facts[category.pk] = option_ids[
                        min(len(option_ids) - 1, int(seniority * len(option_ids)))
                    ]
                elif category.multiple:
                    continue
                elif category.name == "Region" and region in labels:
                    facts[category.pk] = option_ids[labels.index(region)]
                else:
                    facts[category.pk] = rng.choice(option_ids)
        return facts

    def draw(self, rng: random.Random, role: str, facts: dict[int, int] | None = None) -> list[int]:
        if facts is None:
            facts = self.person(rng, "", senior=role == Role.MENTOR)
        chosen = []
        for category, option_ids in self.by_role[role]:
            if category.pk in facts:
                chosen.append(facts[category.pk])
                continue
            if not category.multiple:
                chosen.append(rng.choice(option_ids))
                continue
            # Mentors offer more in the heavily weighted categories than a mentee seeks; most members
            # name one or two options in the light ones.
            high = (4 if role == Role.MENTOR else 3) if category.weight >= 2 else 2
            chosen.extend(rng.sample(option_ids, min(len(option_ids), rng.randint(1, high))))
        return chosen


def _enrollment_rows(rng: random.Random, today, criteria: _Criteria, region: str):
    """The member's enrollments as (role, status, max_mentees, return_date, statement, option ids).

    About 40 % mentors and 70 % mentees (so some are both); a few Temporarily Not Participating.
    """
    rows = []
    is_mentor = rng.random() < 0.40
    facts = criteria.person(rng, region, senior=is_mentor)
    if is_mentor:
        paused = rng.random() < 0.06
        return_date = (
            today + timedelta(days=rng.randint(7, 90)) if paused and rng.random() < 0.5 else None
        )
        capacity = rng.choices([1, 2, 3, 4, 5], weights=[20, 55, 15, 5, 5])[0]
        rows.append(
            (
                Role.MENTOR,
                EnrollmentStatus.PAUSED if paused else EnrollmentStatus.ACTIVE,
                capacity,
                return_date,
                rng.choice(names.MENTOR_STATEMENTS),
                criteria.draw(rng, Role.MENTOR, facts),
            )
        )
    if rng.random() < 0.70:
        paused = rng.random() < 0.03
        rows.append(
            (
                Role.MENTEE,
                EnrollmentStatus.PAUSED if paused else EnrollmentStatus.ACTIVE,
                None,
                None,
                rng.choice(names.MENTEE_STATEMENTS),
                criteria.draw(rng, Role.MENTEE, facts),
            )
        )
    return rows


def seed_members(count: int, seed: int = 1) -> int:
    """Create demo members 1..count that do not exist yet, with their enrollments.

    Returns how many members were created.
    """
    existing = set(
        User.objects.filter(email__endswith="@" + DEMO_DOMAIN).values_list("email", flat=True)
    )
    password = make_password(DEMO_MEMBER_PASSWORD)
    now = timezone.now()
    today = timezone.localdate()
    criteria = _Criteria()
    created = 0
    batch = []
    for index in range(1, count + 1):
        if demo_email(index) in existing:
            continue
        # Each member draws from its own generator, so member N is the same whatever the count.
        rng = random.Random(f"{seed}:{index}")
        user, profile = _member_rows(rng, index, now, password)
        region = names.STATE_REGION.get(profile["region"], "")
        batch.append((user, profile, _enrollment_rows(rng, today, criteria, region)))
        if len(batch) >= BATCH:
            created += _write(batch)
            batch = []
    if batch:
        created += _write(batch)
    _give_member_photos(count, seed)
    return created


def _insert(model, columns, rows):
    """Write rows straight through the database cursor: the ORM's per-object work would dominate.

    PostgreSQL gets COPY (psycopg 3), several times faster than INSERTs for a million rows.
    """
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names_sql = ", ".join(quote(model._meta.get_field(name).column) for name in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names_sql}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({names_sql}) VALUES ({placeholders})", rows)


@transaction.atomic
def _write(batch) -> int:
    ops = connection.ops
    _insert(
        User,
        ["email", "password", "date_joined", "is_active", "is_staff", "is_superuser"],
        [
            (email, password, ops.adapt_datetimefield_value(joined), True, False, False)
            for (email, password, joined), _, _ in batch
        ],
    )
    emails = [email for (email, _, _), _, _ in batch]
    ids = dict(User.objects.filter(email__in=emails).values_list("email", "pk"))
    profile_columns = list(batch[0][1].keys())
    _insert(
        Profile,
        [
            "user",
            *profile_columns,
            "contact_email",
            "contact_visibility",
            "photo",
            "photo_thumb",
            "updated_at",
        ],
        [
            (
                ids[email],
                *profile.values(),
                "",
                "members",
                "",
                "",
                ops.adapt_datetimefield_value(joined),
            )
            for (email, _, joined), profile, _ in batch
        ],
    )
    _insert(
        EmailAddress,
        ["user", "email", "verified", "primary"],
        [(ids[email], email, True, True) for email in emails],
    )
    enrollment_rows = []
    for (email, _, joined), _, enrollments in batch:
        for role, status, capacity, return_date, statement, _ in enrollments:
            enrollment_rows.append(
                (
                    ids[email],
                    role,
                    status,
                    statement,
                    capacity,
                    ops.adapt_datefield_value(return_date),
                    ops.adapt_datetimefield_value(joined),
                    ops.adapt_datetimefield_value(joined),
                )
            )
    _insert(
        Enrollment,
        [
            "user",
            "role",
            "status",
            "statement",
            "max_mentees",
            "return_date",
            "created_at",
            "updated_at",
        ],
        enrollment_rows,
    )
    enrollment_ids = {
        (user_id, role): pk
        for pk, user_id, role in Enrollment.objects.filter(user_id__in=ids.values()).values_list(
            "pk", "user_id", "role"
        )
    }
    _insert(
        EnrollmentChoice,
        ["enrollment", "option"],
        [
            (enrollment_ids[ids[email], role], option_id)
            for (email, _, _), _, enrollments in batch
            for role, _, _, _, _, option_ids in enrollments
            for option_id in option_ids
        ],
    )
    return len(batch)


def ensure_demo_accounts() -> list[DemoAccount]:
    """Create (or repair) the demo logins with their known passwords."""
    for account in DEMO_ACCOUNTS:
        user = User.objects.filter(email=account.email).first()
        if user is None:
            user = User.objects.create_user(account.email, account.password)
        user.set_password(account.password)
        user.is_staff = account.is_staff
        user.is_superuser = account.is_staff
        user.save()
        profile = Profile.objects.get_or_create(user=user)[0]
        if not profile.first_name:
            profile.first_name = account.first_name
            profile.last_name = account.last_name
            profile.job_title = account.job_title
            profile.organization = account.organization
            profile.save()
        if not profile.bio:
            profile.bio = account.bio
            profile.save()
        if not profile.photo:
            _give_photo(profile, random.Random(f"photo:{account.email}"))
        if account.active_ago is not None:
            # Never moved back: a demo login used since then keeps its later time.
            when = timezone.now() - account.active_ago
            Profile.objects.filter(user=user).filter(
                Q(last_active_at=None) | Q(last_active_at__lt=when)
            ).update(last_active_at=when)
        EmailAddress.objects.update_or_create(
            user=user, email=account.email, defaults={"verified": True, "primary": True}
        )
        if account.enroll_as and not Enrollment.objects.filter(user=user).exists():
            rng = random.Random(account.email)
            enroll(
                user,
                account.enroll_as,
                option_ids=_Criteria().draw(rng, account.enroll_as),
                statement=rng.choice(
                    names.MENTOR_STATEMENTS
                    if account.enroll_as == Role.MENTOR
                    else names.MENTEE_STATEMENTS
                ),
            )
    return DEMO_ACCOUNTS


def seed_mentoring(seed: int = 1, pairs: int = 40) -> int:
    """Requests and relationships in every state, made through the real rules, so that a first look at
    My Mentoring Relationships shows a living program. Runs once: nothing happens if requests exist."""
    if MentoringRequest.objects.exists():
        return 0
    rng = random.Random(f"mentoring:{seed}")
    mentors = list(
        Enrollment.objects.participating()
        .filter(role=Role.MENTOR)
        .order_by("pk")
        .values_list("user_id", flat=True)
    )
    mentees = list(
        Enrollment.objects.participating()
        .filter(role=Role.MENTEE)
        .order_by("pk")
        .values_list("user_id", flat=True)
    )
    demo_mentor = User.objects.filter(email="mentor@example.org").first()
    demo_mentee = User.objects.filter(email="mentee@example.org").first()
    # (mentee, mentor, what happens): the demo accounts first, so their pages are never empty.
    plan = []
    others = [
        m
        for m in mentors
        if m not in (getattr(demo_mentor, "pk", None), getattr(demo_mentee, "pk", None))
    ]
    learners = [
        m
        for m in mentees
        if m not in (getattr(demo_mentor, "pk", None), getattr(demo_mentee, "pk", None))
    ]
    if demo_mentor and demo_mentee and len(others) >= 3 and len(learners) >= 3:
        plan += [
            (demo_mentee.pk, others[0], "accept"),
            (demo_mentee.pk, others[1], "pending"),
            (demo_mentee.pk, others[2], "decline"),
            (learners[0], demo_mentor.pk, "pending"),
            (learners[1], demo_mentor.pk, "accept"),
            (learners[2], demo_mentor.pk, "complete"),
        ]
        # One mentor at capacity, so that "no open place" can be seen.
        full = others[3] if len(others) > 3 else None
        if full is not None:
            places = Enrollment.objects.get(user_id=full, role=Role.MENTOR).max_mentees
            plan += [(mentee_id, full, "accept") for mentee_id in learners[3 : 3 + places]]
    outcomes = ["pending", "accept", "accept", "decline", "withdraw", "complete"]
    for _ in range(pairs):
        if not mentors or not mentees:
            break
        plan.append((rng.choice(mentees), rng.choice(mentors), rng.choice(outcomes)))
    users = User.objects.in_bulk({user_id for pair in plan for user_id in pair[:2]})
    # The demo's invented members get no email: nothing is queued for them.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        made = _play(plan, users, rng)
    _spread_over_the_year(rng)
    _age_for_follow_up(demo_mentor, demo_mentee)
    return made


def _spread_over_the_year(rng):
    """The requests were all made just now; give them a year's history, as a program has: sent
    over the past ten months, answered a few days later, past relationships lasting some months,
    active ones with a recent check-in (so only the ones _age_for_follow_up picks are overdue)."""
    now = timezone.now()
    # Active relationships began within their planned six months, so few are due for an end.
    active = set(Relationship.objects.active().values_list("request_id", flat=True))
    for request in MentoringRequest.objects.exclude(status=RequestStatus.PENDING):
        days = rng.randint(10, 150) if request.pk in active else rng.randint(20, 300)
        sent = now - timedelta(days=days, minutes=rng.randint(0, 1440))
        answered = min(sent + timedelta(days=rng.randint(1, 12), hours=rng.randint(0, 23)), now)
        MentoringRequest.objects.filter(pk=request.pk).update(created_at=sent, answered_at=answered)
        TimelineEntry.objects.filter(request=request, to_state="pending").update(created_at=sent)
        TimelineEntry.objects.filter(request=request).exclude(to_state="pending").update(
            created_at=answered
        )
    for request in MentoringRequest.objects.filter(status=RequestStatus.PENDING):
        # Waiting less than the week after which the first reminder goes.
        sent = now - timedelta(days=rng.randint(0, 5), minutes=rng.randint(0, 1440))
        MentoringRequest.objects.filter(pk=request.pk).update(created_at=sent)
        TimelineEntry.objects.filter(request=request).update(created_at=sent)
    for relationship in Relationship.objects.select_related("request"):
        started = relationship.request.answered_at
        Relationship.objects.filter(pk=relationship.pk).update(started_at=started)
        TimelineEntry.objects.filter(relationship=relationship, to_state="active").update(
            created_at=started
        )
        if relationship.status == "completed":
            ended = min(started + timedelta(days=rng.randint(60, 180)), now)
            Relationship.objects.filter(pk=relationship.pk).update(completed_at=ended)
            TimelineEntry.objects.filter(relationship=relationship, to_state="completed").update(
                created_at=ended
            )
        else:
            met = max(
                timezone.localtime(started).date(),
                (now - timedelta(days=rng.randint(3, 20))).date(),
            )
            CheckIn.objects.create(
                relationship=relationship,
                author_id=relationship.mentee_id,
                met_on=met,
                note="Good call: we set goals for the next month.",
            )


def _age_for_follow_up(demo_mentor, demo_mentee):
    """Make some of the story old enough that the scheduled follow-up fires on the first run of
    `make run`: a week-old request to the demo mentor, a two-week-old one from the demo mentee, a
    month-old one that expires, a relationship overdue for a check-in, one at its planned end and a
    member whose return date is today. Their emails appear on the console."""
    now = timezone.now()
    pending = MentoringRequest.objects.filter(status=RequestStatus.PENDING).order_by("pk")
    demo_ids = [u.pk for u in (demo_mentor, demo_mentee) if u]
    _backdate_request(pending.filter(recipient=demo_mentor).first(), now - timedelta(days=8))
    _backdate_request(pending.filter(requester=demo_mentee).first(), now - timedelta(days=15))
    _backdate_request(
        pending.exclude(requester__in=demo_ids).exclude(recipient__in=demo_ids).first(),
        now - timedelta(days=31),
    )
    active = Relationship.objects.active().order_by("pk")
    _backdate_relationship(active.filter(mentee=demo_mentee).first(), now - timedelta(days=40))
    _backdate_relationship(
        active.exclude(mentor__in=demo_ids).exclude(mentee__in=demo_ids).first(),
        now - timedelta(days=200),
    )
    paused = (
        Enrollment.objects.filter(role=Role.MENTOR, status=EnrollmentStatus.ACTIVE)
        .exclude(user__in=demo_ids)
        .order_by("pk")
        .first()
    )
    if paused:
        Enrollment.objects.filter(pk=paused.pk).update(
            status=EnrollmentStatus.PAUSED, return_date=timezone.localdate(now), updated_at=now
        )


def _backdate_request(request, when):
    if request is None:
        return
    MentoringRequest.objects.filter(pk=request.pk).update(created_at=when)
    TimelineEntry.objects.filter(request=request).update(created_at=when)


def _backdate_relationship(relationship, when):
    if relationship is None:
        return
    Relationship.objects.filter(pk=relationship.pk).update(started_at=when)
    CheckIn.objects.filter(relationship=relationship).delete()  # overdue for a check-in
    MentoringRequest.objects.filter(pk=relationship.request_id).update(
        created_at=when - timedelta(days=2), answered_at=when
    )
    TimelineEntry.objects.filter(request_id=relationship.request_id, to_state="pending").update(
        created_at=when - timedelta(days=2)
    )
    TimelineEntry.objects.filter(request_id=relationship.request_id, to_state="accepted").update(
        created_at=when
    )
    TimelineEntry.objects.filter(relationship=relationship).update(created_at=when)


def _play(plan, users, rng) -> int:
    made = 0
    for mentee_id, mentor_id, outcome in plan:
        mentee, mentor = users[mentee_id], users[mentor_id]
        try:
            request = send_request(
                mentee,
                mentor,
                recipient_role=Role.MENTOR,
                message=rng.choice(names.REQUEST_MESSAGES),
            )
            if outcome in ("accept", "complete"):
                relationship = accept_request(request.pk, mentor)
                if outcome == "complete":
                    complete_relationship(
                        relationship.pk, mentee, outcome="goals_met", note_to_partner="Thank you!"
                    )
            elif outcome == "decline":
                decline_request(
                    request.pk, mentor, reason="no_time", note="I am stretched thin this quarter."
                )
            elif outcome == "withdraw":
                withdraw_request(request.pk, mentee)
        except RequestError:
            continue  # a pair the rules refuse (full mentor, same pair twice): skip it, as a member would
        made += 1
    return made


# --- Photos -----------------------------------------------------------------------------------

# Demo members 1..PHOTO_MEMBERS have a photo, but for every fifth, who shows the initials avatar
# as a member who never uploaded one does; the demo logins have one too. A bounded number: each
# photo costs ~20 ms and two files, so 100,000 members get no more photos than 500 do.
PHOTO_MEMBERS = 400


def _has_photo(index: int) -> bool:
    return index <= PHOTO_MEMBERS and index % 5 != 0


@transaction.atomic
def _give_member_photos(count: int, seed: int) -> None:
    """Photos for the demo members that should have one and do not yet (so a database seeded
    before photos existed gets them too, and a second run draws nothing)."""
    indexes = {
        demo_email(index): index
        for index in range(1, min(count, PHOTO_MEMBERS) + 1)
        if _has_photo(index)
    }
    for profile in Profile.objects.filter(user__email__in=indexes, photo="").select_related("user"):
        _give_photo(profile, random.Random(f"photo:{seed}:{indexes[profile.user.email]}"))


def _give_photo(profile: Profile, rng: random.Random) -> None:
    """Through the pipeline a member's upload takes (members.photos: checked, squared, two
    JPEGs of 400 and 96 px), stored in MEDIA_ROOT through the fields' storage. The row is updated
    directly, as the rest of the demo data is written: update_profile's checks of every field
    would double the cost, and the search index's clock (updated_at) stays as it was."""
    photo = process_photo(_portrait(rng))
    profile.photo.save(photo.full.name, photo.full, save=False)
    profile.photo_thumb.save(photo.thumb.name, photo.thumb, save=False)
    Profile.objects.filter(pk=profile.pk).update(
        photo=profile.photo.name, photo_thumb=profile.photo_thumb.name
    )


def _portrait(rng: random.Random) -> ContentFile:
    """A made-up head and shoulders, the same for the same generator: a backdrop in one of the
    site's colours, a skin tone, hair (short, long or none), sometimes glasses, and a smile."""
    size = 800  # drawn at twice the photo's 400 px and halved: smooth edges without anti-aliasing
    backdrop = rng.choice(names.PORTRAIT_BACKGROUNDS)
    skin = rng.choice(names.SKIN_TONES)
    # Hair that stands out from the skin, or it reads as one blob.
    hair = rng.choice([c for c in names.HAIR_COLOURS if abs(sum(c) - sum(skin)) > 120])
    shirt = rng.choice(names.SHIRT_COLOURS)
    darker = tuple(int(channel * 0.72) for channel in backdrop)
    # A backdrop shaded from top to bottom: one column, stretched across.
    shade = Image.linear_gradient("L").resize((1, size))
    image = ImageOps.colorize(shade, backdrop, darker).resize(
        (size, size), Image.Resampling.NEAREST
    )
    draw = ImageDraw.Draw(image)
    cx = size // 2 + rng.randint(-30, 30)
    width, height = rng.randint(250, 290), rng.randint(310, 350)
    top = rng.randint(150, 200)
    left, right, chin = cx - width // 2, cx + width // 2, top + height
    hairstyle = rng.choice(["short", "short", "long", "none"])
    draw.ellipse([cx - 360, chin + 40, cx + 360, size + 420], fill=shirt)
    draw.rectangle([cx - 70, chin - 60, cx + 70, chin + 90], fill=tuple(int(c * 0.9) for c in skin))
    if hairstyle == "long":
        draw.ellipse([left - 50, top - 40, right + 50, chin + 160], fill=hair)
    draw.ellipse([left, top, right, chin], fill=skin)
    if hairstyle != "none":
        draw.chord([left - 10, top - 30, right + 10, top + int(height * 0.7)], 180, 360, fill=hair)
    eyes = top + height // 2
    for dx in (-width // 5, width // 5):
        draw.ellipse([cx + dx - 14, eyes - 10, cx + dx + 14, eyes + 12], fill=(40, 30, 30))
    if rng.random() < 0.3:
        for dx in (-width // 5, width // 5):
            draw.ellipse(
                [cx + dx - 44, eyes - 36, cx + dx + 44, eyes + 36], outline="#1c2733", width=8
            )
        draw.line([cx - width // 5 + 44, eyes, cx + width // 5 - 44, eyes], fill="#1c2733", width=8)
    mouth = top + int(height * 0.72)
    draw.arc([cx - 55, mouth - 40, cx + 55, mouth + 30], 20, 160, fill=(150, 60, 60), width=10)
    out = BytesIO()
    image.reduce(2).save(out, format="JPEG", quality=95)
    return ContentFile(out.getvalue(), name="portrait.jpg")
