import functools
import hashlib
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django_countries import countries
from django_countries.fields import CountryField

from members import extensions


@functools.lru_cache(maxsize=1024)
def _country_name(code: str, language: str) -> str:
    return countries.name(code)


def country_name(code: str) -> str:
    """A country's name in the active language (django-countries' own look-up is slow in loops)."""
    return _country_name(code, get_language() or "")


TIME_ZONE_CHOICES = [
    (name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())
]


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("A member needs an email address.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        Profile.objects.get_or_create(user=user)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """An account. The email address is the login; everything shown to others lives on Profile."""

    email = models.EmailField("email address", unique=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField("staff status", default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = "member account"
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self):
        return self.email

    def get_full_name(self):
        return self.profile.full_name if hasattr(self, "profile") else self.email

    def get_short_name(self):
        return self.profile.first_name if hasattr(self, "profile") else self.email


@functools.cache
def _profile_url_pattern(script_prefix: str) -> str:
    return reverse("members:profile", args=[987654321]).replace("987654321", "{}")


def profile_url(user_id: int) -> str:
    """/members/<id>/, without resolving the URL again for each of a page's twenty members."""
    return _profile_url_pattern(get_script_prefix()).format(user_id)


def full_name(first_name, last_name, email):
    return f"{first_name} {last_name}".strip() or email.split("@")[0]


def initials(first_name, last_name, name):
    return (first_name[:1] + last_name[:1]).upper() or name[:1].upper()


def avatar_hue(user_id):
    """A stable colour for the initials avatar, so a member always gets the same one."""
    return int(hashlib.sha256(str(user_id).encode()).hexdigest()[:4], 16) % 360


def location(city, region, country_code):
    parts = [city, region, country_name(country_code) if country_code else ""]
    return ", ".join(part for part in parts if part)


def last_active_phrase(when, now=None) -> str:
    """'Active today', 'Active 3 days ago', … in coarse steps: a member's habits, not a tracker."""
    if when is None:
        return "Not active recently"
    now = now or timezone.now()
    days = (timezone.localdate(now) - timezone.localdate(when)).days
    if days <= 0:
        return "Active today"
    if days == 1:
        return "Active yesterday"
    if days < 14:
        return f"Active {days} days ago"
    if days < 60:
        return f"Active {days // 7} weeks ago"
    if days < 365:
        return f"Active {days // 30} months ago"
    return "Not active recently"


class ShownAsMember:
    """How a member is shown wherever they appear; shared by Profile and ProfileSummary, which
    provide first_name, last_name, user_id, city, region, account_email and country_code."""

    @property
    def full_name(self):
        return full_name(self.first_name, self.last_name, self.account_email)

    @property
    def initials(self):
        return initials(self.first_name, self.last_name, self.full_name)

    @property
    def avatar_hue(self):
        return avatar_hue(self.user_id)

    @property
    def location(self):
        return location(self.city, self.region, self.country_code)

    def get_absolute_url(self):
        return profile_url(self.user_id)


@dataclass(frozen=True)
class ProfileSummary(ShownAsMember):
    """What a list of members shows, read with values_list(): building twenty Profile models
    costs more than a search (see docs/benchmarks.md). Same names as Profile's."""

    FIELDS = ("user_id", "user__email", "first_name", "last_name", "photo", "job_title",
              "organization", "city", "region", "country")  # fmt: skip

    user_id: int
    email: str
    first_name: str
    last_name: str
    photo: str
    job_title: str
    organization: str
    city: str
    region: str
    country: str

    @property
    def account_email(self):
        return self.email

    @property
    def country_code(self):
        return self.country


class ContactVisibility(models.TextChoices):
    MEMBERS = "members", "All signed-in members"
    PARTNERS = "partners", "Only my mentoring partners"


EXTERNAL_ID_MAX_LENGTH = 64
# Letters, digits and . _ - : @ + — what member systems use for ids, and safe in a URL path.
validate_external_id = RegexValidator(
    r"\A[A-Za-z0-9._:@+-]+\Z",
    "A member ID is letters, digits and . _ - : @ + only, without spaces.",
)


def photo_path(instance, filename):
    return f"photos/{instance.user_id}/{filename}"


class ProfileQuerySet(models.QuerySet):
    def listed(self):
        """Profiles other members may see: those of active accounts."""
        return self.filter(user__is_active=True)

    def attach_to(self, items, *fields):
        """Give each of `items` its members in `fields` (foreign keys to the user; an item without
        one of them is left as it is), each with their profile, read in one query for all of them:
        `item.requester.profile` then costs nothing. What select_related("requester__profile", …)
        on every list of a page did, without compiling two wide joins per foreign key per list
        (most of a page's CPU time)."""
        items = list(items)
        wanted = [
            (item, field, getattr(item, f"{field}_id"))
            for item in items
            for field in fields
            if hasattr(item, f"{field}_id")
        ]
        ids = {user_id for _, _, user_id in wanted}
        users = {
            profile.user_id: profile.user
            for profile in self.filter(user_id__in=ids).select_related("user")
        }
        for item, field, user_id in wanted:
            if user_id in users:  # a member without a profile row is read when needed
                setattr(item, field, users[user_id])
        return items


class Profile(ShownAsMember, models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True
    )
    first_name = models.CharField(max_length=80, blank=True)
    last_name = models.CharField(max_length=80, blank=True)
    photo = models.ImageField(upload_to=photo_path, blank=True)
    photo_thumb = models.ImageField(upload_to=photo_path, blank=True)
    job_title = models.CharField(max_length=120, blank=True)
    organization = models.CharField(max_length=160, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField("region / state", max_length=100, blank=True)
    country = CountryField(blank=True)
    time_zone = models.CharField(max_length=64, choices=TIME_ZONE_CHOICES, blank=True)
    bio = models.TextField(max_length=5000, blank=True)
    contact_email = models.EmailField(
        blank=True, help_text="Leave empty to use your account email address."
    )
    phone = models.CharField(max_length=40, blank=True)
    linkedin_url = models.URLField("LinkedIn URL", max_length=300, blank=True)
    contact_visibility = models.CharField(
        "who may see my contact details",
        max_length=16,
        choices=ContactVisibility,
        default=ContactVisibility.MEMBERS,
    )
    updated_at = models.DateTimeField(auto_now=True)
    # When the member last used the site (at most once a day, by members.middleware).
    last_active_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The member's id in the association's member system (AMS), set by the member import and the
    # member sync API; NULL for members without one (never "", so "no id" is never a shared id).
    external_id = models.CharField(
        "member ID in the member system",
        max_length=EXTERNAL_ID_MAX_LENGTH,
        null=True,
        blank=True,
        unique=True,
        validators=[validate_external_id],
    )

    objects = ProfileQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["last_name", "first_name"]),
            models.Index(fields=["updated_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(contact_visibility__in=ContactVisibility.values),
                name="profile_contact_visibility_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(external_id=""), name="profile_external_id_not_empty"
            ),
        ]

    def __str__(self):
        return self.full_name

    def save(self, *args, **kwargs):
        if self.external_id == "":
            self.external_id = None
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return profile_url(self.user_id)

    @property
    def account_email(self):
        return self.user.email

    @property
    def country_code(self):
        return self.country.code if self.country else ""

    @property
    def public_contact_email(self):
        return self.contact_email or self.user.email

    @property
    def is_complete(self):
        """The basics other members need before matching: a name and a job title."""
        return bool(self.first_name and self.last_name and self.job_title)

    # What other members look for on a profile, in the order the member is asked for it.
    PARTS = (
        (("first_name", "last_name"), "your name"),
        (("photo",), "a photo"),
        (("job_title",), "your job title"),
        (("organization",), "your organization"),
        (("bio",), "a short bio"),
        (("city", "country"), "where you are (city and country)"),
        (("time_zone",), "your time zone"),
    )

    def missing_parts(self) -> list[str]:
        """What this profile lacks of what other members look for, in words."""
        return [
            label
            for fields, label in self.PARTS
            if not all(getattr(self, field) for field in fields)
        ]

    def contact_visible_to(self, viewer) -> bool:
        """Whether `viewer` may see phone, email and LinkedIn on this profile."""
        if viewer.pk == self.user_id or viewer.is_staff:
            return True
        if self.contact_visibility == ContactVisibility.MEMBERS:
            return viewer.is_authenticated
        return self.is_mentoring_partner(viewer)

    def is_mentoring_partner(self, viewer) -> bool:
        # mentoring registers the check: members does not import mentoring.
        return extensions.are_partners(self.user_id, viewer.pk)
