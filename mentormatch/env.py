"""Small helpers that read settings from the environment and fail loudly on a bad value."""

import os
import re
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envstr(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {value!r}"
    )


def envint(name: str, default: int, *, minimum: int | None = None) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {value!r}") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {value!r}")
    return number


def envfloat(name: str, default: float, *, minimum: float, maximum: float) -> float:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number; got {value!r}") from None
    if not minimum <= number <= maximum:
        raise ImproperlyConfigured(f"{name} must be from {minimum} to {maximum}; got {value!r}")
    return number


def envchoice(name: str, default: str, choices: list[str]) -> str:
    value = os.environ.get(name, "").strip().lower() or default
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return value


def envlist(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def envcache(name: str, default: dict) -> dict:
    """The shared cache from a URL: ``redis://host:port/db`` (``rediss://`` over TLS) for Redis
    through Django's own RedisCache; ``db://`` (or nothing) for ``default``, the database table;
    ``locmem://`` for one process's memory, for tests only (rate limits would count per process).
    Messages never echo the URL: it may hold a password."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    url = urlsplit(value)
    scheme = url.scheme.lower()
    if scheme == "db" and value.lower() == "db://":
        return default
    if scheme == "locmem" and value.lower() == "locmem://":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if scheme not in ("redis", "rediss"):
        raise ImproperlyConfigured(
            f"{name} must be redis://host:port/db, rediss://host:port/db, db:// or locmem://"
        )
    try:
        url.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError:
        raise ImproperlyConfigured(f"{name}: the Redis port must be a number") from None
    if not url.hostname:
        raise ImproperlyConfigured(f"{name} must name the Redis host: redis://host:port/db")
    database = url.path.strip("/")
    if database and not database.isdigit():
        raise ImproperlyConfigured(
            f"{name}: the Redis database must be a number (redis://host:port/0)"
        )
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": value,
        # A Redis that stops answering fails the request in seconds instead of holding a web
        # worker until gunicorn kills it.
        "OPTIONS": {"socket_connect_timeout": 5, "socket_timeout": 5},
    }


S3_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


def envstorage(name: str, default: dict) -> dict:
    """Where photos are kept, from a URL: nothing for ``default`` (files under MEDIA_ROOT), or
    ``s3://bucket`` / ``s3://bucket/prefix`` for an S3-compatible bucket through django-storages.
    How to reach the bucket comes from the usual AWS variables: AWS_ACCESS_KEY_ID and
    AWS_SECRET_ACCESS_KEY (or the host's role), AWS_S3_ENDPOINT_URL for a server other than
    Amazon's, AWS_S3_REGION_NAME, AWS_S3_ADDRESSING_STYLE."""
    value = os.environ.get(name, "").strip()
    bucket_variable = os.environ.get("AWS_STORAGE_BUCKET_NAME", "").strip()
    if not value:
        if bucket_variable:
            # Photos would silently land on this host's disk while S3 was meant.
            raise ImproperlyConfigured(
                f"AWS_STORAGE_BUCKET_NAME is not read: set {name}=s3://<bucket> to keep photos in S3"
            )
        return default
    url = urlsplit(value)
    if url.scheme.lower() != "s3":
        raise ImproperlyConfigured(f"{name} must be s3://bucket or s3://bucket/prefix")
    bucket = url.netloc
    if not S3_BUCKET_NAME.fullmatch(bucket):
        raise ImproperlyConfigured(
            f"{name}: {bucket!r} is not a bucket name (3-63 lowercase letters, digits, dots, hyphens)"
        )
    if url.query or url.fragment:
        raise ImproperlyConfigured(
            f"{name} takes no options: set AWS_S3_ENDPOINT_URL, AWS_S3_REGION_NAME instead"
        )
    if bucket_variable and bucket_variable != bucket:
        raise ImproperlyConfigured(
            f"AWS_STORAGE_BUCKET_NAME ({bucket_variable!r}) and {name} ({bucket!r}) disagree"
        )
    endpoint_url = os.environ.get("AWS_S3_ENDPOINT_URL", "").strip() or None
    if endpoint_url and urlsplit(endpoint_url).scheme not in ("http", "https"):
        raise ImproperlyConfigured("AWS_S3_ENDPOINT_URL must be an http:// or https:// URL")
    # S3-compatible servers (MinIO, Ceph, moto) are reached by path: bucket.host needs wildcard DNS.
    addressing_style = os.environ.get("AWS_S3_ADDRESSING_STYLE", "").strip().lower() or (
        "path" if endpoint_url else "auto"
    )
    if addressing_style not in ("path", "virtual", "auto"):
        raise ImproperlyConfigured("AWS_S3_ADDRESSING_STYLE must be one of path, virtual, auto")
    from botocore.config import Config

    return {
        "BACKEND": "members.storage.PhotoS3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "location": url.path.strip("/"),
            "endpoint_url": endpoint_url,
            "region_name": os.environ.get("AWS_S3_REGION_NAME", "").strip() or None,
            # Private objects, read only through the members-only photo view.
            "default_acl": None,
            "querystring_auth": True,
            # Like FileSystemStorage: a name already taken gets a new one, never overwritten.
            "file_overwrite": False,
            # A server that stops answering fails the request in seconds (the member is told),
            # rather than holding a web worker past gunicorn's timeout.
            "client_config": Config(
                s3={"addressing_style": addressing_style},
                connect_timeout=5,
                read_timeout=10,
                retries={"mode": "standard", "max_attempts": 2},
            ),
        },
    }
