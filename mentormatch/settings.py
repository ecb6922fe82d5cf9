"""Mentor Match settings: everything comes from environment variables with safe development defaults.

The README lists every variable. Helpers in ``mentormatch.env`` refuse malformed values.
"""

from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from mentormatch.env import (
    envbool,
    envcache,
    envchoice,
    envfloat,
    envint,
    envlist,
    envstorage,
    envstr,
)
from mentormatch.logs import init_sentry, logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

DEBUG = envbool("DEBUG", True)

SECRET_KEY = envstr("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "development-only-insecure-key-do-not-use-in-production-0123456789"

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
SITE_URL = envstr("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = [SITE_URL] if SITE_URL.startswith("https://") else []

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "allauth.mfa",
    "ninja",
    "django_countries",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "members",
    "mentoring",
    "notifications",
    "program",
    "integrations",
    "cohorts",
    "demo",
]

MIDDLEWARE = [
    # First: every log record of the request carries its id (mentormatch.logs).
    "mentormatch.logs.request_id_middleware",
    # /health/ answers before the host and HTTPS checks: load balancers ask by address, in HTTP.
    "mentormatch.health.answer_before_host_checks",
    "django.middleware.security.SecurityMiddleware",
    # Before anything that can answer early (upload_limit's 413 page): every response has both.
    "csp.middleware.CSPMiddleware",
    "mentormatch.middleware.permissions_policy",
    # Issue 15: under /api/, every error (an unknown address, a wrong method, the upload limit's
    # 413) is problem details, like the API's own.
    "integrations.api.problem_responses",
    "members.middleware.upload_limit",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "members.middleware.time_zone",  # the member's own time zone, once the member is known
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Issue 15: under SSO_ONLY, staff set up a second factor before anything else.
    "program.access.staff_second_factor",
    "members.sso.saml_errors",
    "members.middleware.last_active",
]

ROOT_URLCONF = "mentormatch.urls"
WSGI_APPLICATION = "mentormatch.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mentoring.context_processors.program",
                "program.context_processors.staff",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL says otherwise (PostgreSQL in production and CI).
DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'mentormatch.sqlite3'}",
        conn_max_age=envint("DB_CONN_MAX_AGE", 60),
        # A kept connection may have been dropped (a restart, a failover): checked before use,
        # and a worker reconnects (notifications.worker).
        conn_health_checks=True,
    )
}
# Behind PgBouncer in transaction pooling mode, consecutive queries of one connection may reach
# different server sessions: a server-side cursor (QuerySet.iterator()) opened by one would be
# gone in the next. Django already keeps psycopg from preparing statements.
PGBOUNCER = envbool("PGBOUNCER", False)
if PGBOUNCER:
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server and the background worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "members.User"
# Django's and allauth's backends, whose user also carries the count of requests awaiting an answer.
AUTHENTICATION_BACKENDS = [
    "mentoring.auth.ModelBackend",
    "mentoring.auth.AllauthBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: the email address is the login, and it must be verified.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_SIGNUP_FORM_CLASS = "members.forms.SignupNamesForm"
ACCOUNT_ADAPTER = "members.adapter.AccountAdapter"
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https://") else "http"
# allauth's rate limits stay on (its defaults); they count per client address in the shared
# cache below. Behind N reverse proxies the client's address is the Nth entry from the right of
# X-Forwarded-For (each proxy appends the address it saw); with 0 the header is ignored, since a
# client can send any X-Forwarded-For it likes.
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0, minimum=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

# Issue 15: single sign-on with the association's own login (members.sso, docs/integrations.md).
# OpenID Connect when OIDC_ISSUER is set (endpoints and keys from its discovery document); SAML 2.0
# when SAML_IDP_ENTITY_ID is set (with SAML_IDP_METADATA_URL, or SAML_IDP_SSO_URL and
# SAML_IDP_X509_CERT). Neither set: no sign-in button, nothing changes.
OIDC_ISSUER = (envstr("OIDC_ISSUER") or "").rstrip("/")
SAML_IDP_ENTITY_ID = envstr("SAML_IDP_ENTITY_ID") or ""
SSO_PROVIDER_ID = "association"  # in the callback URLs: /accounts/oidc/association/login/callback/
# A claim (SAML: an attribute) every sign-in must carry, "name:value", checked on each sign-in.
OIDC_REQUIRED_CLAIM = envstr("OIDC_REQUIRED_CLAIM") or ""
SAML_REQUIRED_ATTRIBUTE = envstr("SAML_REQUIRED_ATTRIBUTE") or OIDC_REQUIRED_CLAIM
for _name, _value in (
    ("OIDC_REQUIRED_CLAIM", OIDC_REQUIRED_CLAIM),
    ("SAML_REQUIRED_ATTRIBUTE", SAML_REQUIRED_ATTRIBUTE),
):
    if _value and not all(part.strip() for part in _value.partition(":")[::2]):
        raise ImproperlyConfigured(f"{_name} must be claim:value; got {_value!r}")
# Members sign in only through the association; staff keep a password, with a second factor.
SSO_ONLY = envbool("SSO_ONLY", False)
# Who may still use a password under SSO_ONLY (and must set up TOTP): a setting, so that members
# does not import program (program.access is the one definition of program staff).
SSO_PASSWORD_USERS = "program.access.is_program_staff"
if SSO_ONLY and not (OIDC_ISSUER or SAML_IDP_ENTITY_ID):
    raise ImproperlyConfigured("SSO_ONLY needs OIDC_ISSUER or SAML_IDP_ENTITY_ID.")
ACCOUNT_FORMS = {"login": "members.sso.LoginForm"}
SOCIALACCOUNT_ADAPTER = "members.sso.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True  # the claims fill in the names: no form to fill in
SOCIALACCOUNT_EMAIL_REQUIRED = True
SOCIALACCOUNT_EMAIL_VERIFICATION = "mandatory"
# An address the provider says is verified signs in to the account whose address we verified
# (never to an unverified one: members.sso refuses that), and the two stay connected.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_LOGIN_ON_GET = False  # the button posts a form (CSRF), never a bare link
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_PROVIDERS = {}
if OIDC_ISSUER:
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": SSO_PROVIDER_ID,
                "name": envstr("OIDC_BUTTON_LABEL") or "Sign in with your association account",
                "client_id": envstr("OIDC_CLIENT_ID") or "",
                "secret": envstr("OIDC_CLIENT_SECRET") or "",
                "settings": {"server_url": OIDC_ISSUER, "oauth_pkce_enabled": True},
            }
        ],
    }
if SAML_IDP_ENTITY_ID:
    _saml_metadata = envstr("SAML_IDP_METADATA_URL") or ""
    SOCIALACCOUNT_PROVIDERS["saml"] = {
        "APPS": [
            {
                "provider_id": "saml",
                "client_id": SSO_PROVIDER_ID,  # /accounts/saml/association/acs/
                "name": envstr("SAML_BUTTON_LABEL") or "Sign in with your association account",
                "settings": {
                    "idp": {"entity_id": SAML_IDP_ENTITY_ID, "metadata_url": _saml_metadata}
                    if _saml_metadata
                    else {
                        "entity_id": SAML_IDP_ENTITY_ID,
                        "sso_url": envstr("SAML_IDP_SSO_URL") or "",
                        "x509cert": envstr("SAML_IDP_X509_CERT") or "",
                    },
                    "attribute_mapping": {
                        "uid": envstr("SAML_ATTRIBUTE_UID") or "uid",
                        "email": envstr("SAML_ATTRIBUTE_EMAIL") or "email",
                        "email_verified": "email_verified",
                        "first_name": envstr("SAML_ATTRIBUTE_FIRST_NAME") or "first_name",
                        "last_name": envstr("SAML_ATTRIBUTE_LAST_NAME") or "last_name",
                    },
                    # An IdP that vouches for its addresses (it is the association's own member
                    # database) says so with SAML_EMAIL_VERIFIED=1; else each needs the
                    # email_verified attribute.
                    "verified_email": envbool("SAML_EMAIL_VERIFIED", False),
                    "advanced": {
                        "want_assertion_signed": True,
                        "want_message_signed": False,
                        "reject_idp_initiated_sso": True,
                    },
                },
            }
        ],
    }
# The sign-in button posts here and is redirected to the provider: the page's CSP form-action
# must allow the provider's origin (added to CONTENT_SECURITY_POLICY below).
SSO_FORM_ACTION = [
    "{0.scheme}://{0.netloc}".format(urlsplit(url))
    for url in (OIDC_ISSUER, envstr("SAML_IDP_SSO_URL"), envstr("SAML_IDP_METADATA_URL"))
    if url and SOCIALACCOUNT_PROVIDERS
]
# Staff's second factor (required under SSO_ONLY: program.access.staff_second_factor).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = envstr("MFA_TOTP_ISSUER") or "Mentor Match"

CACHES = {
    # Shared by every process and kept across restarts, so that a rate limit counts every
    # attempt: a table made by `manage.py createcachetable` unless CACHE_URL names Redis. Room
    # for many rows: when full it drops a third of them, and with them counts that someone
    # spraying guesses from many addresses would like forgotten.
    "default": envcache(
        "CACHE_URL",
        {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "django_cache",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        },
    ),
    # Per process, for values read on every page that may be a little stale (the nav's staff
    # link): a database round trip each time would cost more than the answer saves.
    "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}
# Sessions are rows in the database. With Redis as the cache they are also kept there and read
# from it first (cached_db): a restarted Redis loses no session. Not with the database cache (two
# reads instead of one) nor locmem (a sign-out would leave the session in other processes' memory).
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    else "django.contrib.sessions.backends.db"
)

# The REST API (integrations.api): calls per token, counted in the shared cache; list pages.
API_RATE = envstr("API_RATE", "600/min")
NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 1000

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(envstr("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"  # not served publicly: photos go through a members-only view
STORAGES = {
    # Photos: files under MEDIA_ROOT, or an S3-compatible bucket when STORAGE_URL=s3://bucket
    # (mentormatch.env.envstorage). Either way they are read only through the members-only view.
    "default": envstorage(
        "STORAGE_URL", {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# A request body larger than this is refused from its Content-Length, before it is read (photos
# allow 5 MB; the rest is room for the form around it).
MAX_UPLOAD_BYTES = envint("MAX_UPLOAD_BYTES", 6 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024

# Email: SMTP when EMAIL_HOST is set, otherwise printed on the console.
EMAIL_HOST = envstr("EMAIL_HOST", "")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
# Seconds to connect and for each SMTP command's reply...
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 20, minimum=1)
# ...but the reply after the message itself (after DATA) may take 10 minutes (RFC 5321 4.5.3.2.6):
# giving up sooner makes the worker send again what the server was still accepting.
EMAIL_DATA_TIMEOUT = envint("EMAIL_DATA_TIMEOUT", 600, minimum=1)
# Every email is stored and sent by the background worker (notifications.delivery), which hands it
# to DELIVERY_EMAIL_BACKEND: SMTP when EMAIL_HOST is set, otherwise the console.
EMAIL_BACKEND = "notifications.backends.QueuedEmailBackend"
DELIVERY_EMAIL_BACKEND = (
    "notifications.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
# Attempts (temporary failures, or a worker that died while sending) before an email is marked
# failed; a permanent refusal (a 5xx reply) marks it failed at once. Staff can resend either.
# 24 attempts wait about nine hours in all (notifications.delivery.retry_delay).
EMAIL_MAX_ATTEMPTS = envint("EMAIL_MAX_ATTEMPTS", 24, minimum=1)
# Seconds a worker holds an email while it sends it; after that the sweep takes the worker for
# dead and sends it again. Longer than a whole SMTP conversation (EMAIL_DATA_TIMEOUT and more).
EMAIL_DELIVERY_LEASE = envint("EMAIL_DELIVERY_LEASE", 900, minimum=1)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "Mentor Match <mentoring@example.org>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Background work: django-tasks with the database backend, run by `manage.py run_worker` (django-
# tasks-db's db_worker that survives database disconnects). Emails have their own queue and
# workers, so a slow mail server holds up no reminder or import (docs/reliability.md).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "email"]}}
# Seconds a task may stay RUNNING before the sweep takes its worker for dead: it is marked failed
# and, when it is safe to run twice, enqueued again (notifications.worker).
TASK_LEASE = envint("TASK_LEASE", 3600, minimum=1)
# Days the rows of finished tasks (and of the scheduler's past runs) are kept, for looking into a
# failure; then the daily prune deletes them (notifications.tasks.prune).
TASK_RESULT_RETENTION_DAYS = envint("TASK_RESULT_RETENTION_DAYS", 14, minimum=1)
# Safe to run twice: each claims what it does with a conditional update, and a member import
# creates or updates by email. (Deliveries are enqueued again from their email by the sweep.)
TASKS_RERUN_WHEN_STRANDED = [
    "mentoring.tasks.follow_up",
    "notifications.tasks.send_digests",
    "notifications.tasks.sweep",
    "notifications.tasks.prune",
    "mentoring.tasks.build_search_index",
    "program.import_tasks.run_import_task",
    # A round's run writes its result only while it is the round's current run, in one
    # transaction: a second run of the same run number replaces nothing twice.
    "cohorts.tasks.run_round_task",
]

# Issue 15: webhooks (notifications/webhooks.py): their own queue and workers, so a slow receiver
# holds up no email or reminder; attempts (24: about nine hours, retry_delay), seconds to connect
# and for each read, the delivery lease, and whether private addresses (127.0.0.1, 10.x …) may be
# called (off in production: a staff account must not reach the hosts behind the site).
TASKS["default"]["QUEUES"].append("webhooks")
TASKS_RERUN_WHEN_STRANDED.append("notifications.webhooks.sweep")
WEBHOOK_MAX_ATTEMPTS = envint("WEBHOOK_MAX_ATTEMPTS", 24, minimum=1)
WEBHOOK_TIMEOUT = envint("WEBHOOK_TIMEOUT", 10, minimum=1)
WEBHOOK_DELIVERY_LEASE = envint("WEBHOOK_DELIVERY_LEASE", 300, minimum=1)
WEBHOOK_ALLOW_PRIVATE = envbool("WEBHOOK_ALLOW_PRIVATE", DEBUG)

# The search index's snapshot is rebuilt by the worker (mentoring.tasks.build_search_index) this
# often (seconds): it picks up what timestamps do not show (accounts switched off, deleted members).
SEARCH_INDEX_TTL = envint("SEARCH_INDEX_TTL", 900)
# ...and looks for changed rows at most this often (seconds; 0: on every search). The rows a page
# shows are read from the database either way.
SEARCH_INDEX_CHECK_INTERVAL = float(envint("SEARCH_INDEX_CHECK_INTERVAL_MS", 1000)) / 1000
# Where `manage.py build_search_index` (and the worker's task) writes the search index's snapshots,
# which every web process on the host memory-maps (mentoring/search_snapshot.py).
SEARCH_INDEX_DIR = Path(envstr("SEARCH_INDEX_DIR", str(VAR_DIR / "search-index")))
# Seconds behind the newest change seen that each look for changes re-reads, so that a transaction
# committing after a later-stamped one, or an app host whose clock runs behind, is still caught:
# larger than any clock skew between hosts plus the longest transaction that saves a profile or
# enrollment. Anything older is in the next snapshot.
SEARCH_INDEX_SAFETY_WINDOW = envint("SEARCH_INDEX_SAFETY_WINDOW", 120, minimum=0)

# Production hardening: on whenever DEBUG is off (each can be relaxed by its variable).
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): only the site's own scripts and styles, no inline ones
# (htmx is served from static/, its indicator styles are off in base.html). A view that needs
# more says so with csp.decorators.csp_update.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}
# Issue 15: the association's login, where the sign-in button's form is redirected.
CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"] += SSO_FORM_ACTION
# Browser features no page uses, refused for the site and anything it could embed
# (mentormatch.middleware.permissions_policy).
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# Logs on standard error: the message alone, or with LOG_FORMAT=json one JSON object a line with
# the request's id (mentormatch.logs).
LOG_FORMAT = envchoice("LOG_FORMAT", "text", ["text", "json"])
LOGGING = logging_config(LOG_FORMAT, envstr("LOG_LEVEL", "INFO"))

# Errors to Sentry when SENTRY_DSN is set; no personal data, no tracing unless asked for.
SENTRY_DSN = envstr("SENTRY_DSN", "")
if SENTRY_DSN:
    init_sentry(
        SENTRY_DSN,
        environment=envstr("SENTRY_ENVIRONMENT") or None,
        release=envstr("SENTRY_RELEASE") or None,
        traces=envfloat("SENTRY_TRACES_SAMPLE_RATE", 0.0, minimum=0.0, maximum=1.0),
    )

# /health/ (mentormatch.health): a ready task waiting longer than this (seconds) means no worker
# takes tasks; each process runs the checks at most once every HEALTH_CHECK_REUSE seconds.
HEALTH_QUEUE_LAG = envint("HEALTH_QUEUE_LAG", 300, minimum=1)
HEALTH_CHECK_REUSE = envint("HEALTH_CHECK_REUSE", 5, minimum=0)

VAR_DIR.mkdir(exist_ok=True)
