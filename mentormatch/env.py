"""Small helpers that read settings from the environment and fail loudly on a bad value."""

import importlib.util
import os

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


def envlist(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def envcache(name: str, default: dict) -> dict:
    """A cache from a URL: only Redis (``redis://`` or ``rediss://``), which needs redis-py."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    scheme = value.partition("://")[0].lower()
    if scheme not in ("redis", "rediss"):
        # Not echoed: the URL may hold a password.
        raise ImproperlyConfigured(f"{name} must be a redis:// or rediss:// URL")
    if importlib.util.find_spec("redis") is None:
        raise ImproperlyConfigured(
            f"{name} names a Redis server, but the redis package is not installed "
            "(add redis to requirements.in)"
        )
    return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": value}
