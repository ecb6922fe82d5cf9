"""Deterministic demo members: the same --seed always gives the same people.

Rows are written with bulk_create in batches so that 100,000 members take seconds, not minutes.
"""

import random
from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from demo import names
from members.models import Profile, User

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


DEMO_ACCOUNTS = [
    DemoAccount(
        "mentee@example.org",
        "mentee-demo-pass",
        "Maria",
        "Santos",
        "Buyer",
        "Riverside Medical Center",
        "a member looking for a mentor",
    ),
    DemoAccount(
        "mentor@example.org",
        "mentor-demo-pass",
        "David",
        "Okafor",
        "Director of Supply Chain",
        "Summit Health System",
        "an experienced member who mentors",
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


def _member(rng: random.Random, index: int, now):
    first = rng.choice(names.FIRST_NAMES)
    last = rng.choice(names.LAST_NAMES)
    title = rng.choice(names.JOB_TITLES)
    org = f"{rng.choice(names.ORG_PLACES)} {rng.choice(names.ORG_KINDS)}"
    city, region, country, tz = rng.choice(names.LOCATIONS)
    joined = now - timedelta(days=rng.randint(1, 3 * 365), minutes=rng.randint(0, 1440))
    user = User(email=demo_email(index), date_joined=joined)
    profile = Profile(
        first_name=first,
        last_name=last,
        job_title=title,
        organization=org,
        city=city,
        region=region,
        country=country,
        time_zone=tz,
        bio=_bio(rng, title, org),
        phone=f"+1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
        linkedin_url=f"https://www.linkedin.com/in/{first.lower()}-{last.lower().replace(chr(39), '')}-{index}",
    )
    return user, profile


def seed_members(count: int, seed: int = 1) -> int:
    """Create demo members 1..count that do not exist yet; return how many were created."""
    existing = set(
        User.objects.filter(email__endswith="@" + DEMO_DOMAIN).values_list("email", flat=True)
    )
    password = make_password(DEMO_MEMBER_PASSWORD)
    now = timezone.now()
    created = 0
    batch: list[tuple[User, Profile]] = []
    for index in range(1, count + 1):
        # Each member draws from its own generator, so member N is the same whatever the count.
        rng = random.Random(f"{seed}:{index}")
        if demo_email(index) in existing:
            continue
        user, profile = _member(rng, index, now)
        user.password = password
        batch.append((user, profile))
        if len(batch) >= BATCH:
            created += _write(batch)
            batch = []
    if batch:
        created += _write(batch)
    return created


@transaction.atomic
def _write(batch) -> int:
    users = User.objects.bulk_create([user for user, _ in batch])
    if any(user.pk is None for user in users):
        # Backends without RETURNING: read the ids back by email.
        ids = dict(
            User.objects.filter(email__in=[u.email for u in users]).values_list("email", "pk")
        )
        for user in users:
            user.pk = ids[user.email]
    profiles = []
    for user, profile in batch:
        profile.user_id = user.pk
        profiles.append(profile)
    Profile.objects.bulk_create(profiles)
    EmailAddress.objects.bulk_create(
        EmailAddress(user_id=user.pk, email=user.email, verified=True, primary=True)
        for user in users
    )
    return len(users)


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
        EmailAddress.objects.update_or_create(
            user=user, email=account.email, defaults={"verified": True, "primary": True}
        )
    return DEMO_ACCOUNTS
