"""Settings for AllianceLens, read from environment variables.

Every variable is documented in README.md. Defaults give a working local
checkout (SQLite, console e-mail); production mode (DEBUG off) refuses to start
without a real SECRET_KEY.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool = False) -> bool:
    """On only for "1" or "true" (any case); empty or unset gives the default."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc


def envlist(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


DEBUG = envbool("DEBUG", False)

# A key that is missing, short or one of the well-known placeholders must not
# sign sessions and CSRF tokens in production.
_PLACEHOLDER_KEYS = {"", "changeme", "change-me", "secret", "insecure", "dev", "development"}
_DEV_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789"
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if DEBUG and not SECRET_KEY:
    SECRET_KEY = _DEV_KEY
if not DEBUG and (
    SECRET_KEY.strip().lower() in _PLACEHOLDER_KEYS
    or SECRET_KEY == _DEV_KEY
    or SECRET_KEY.startswith("django-insecure")
    or len(SECRET_KEY) < 32
):
    raise ImproperlyConfigured(
        "SECRET_KEY is missing or a placeholder. Set SECRET_KEY to a random string of at "
        "least 32 characters (for example: python -c 'import secrets; "
        "print(secrets.token_urlsafe(50))'), or set DEBUG=1 for local development."
    )

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "alliancelens.alliances",
    "alliancelens.registers",
    "alliancelens.journey",
    "alliancelens.access",
    "alliancelens.results",
    "alliancelens.workshop",
    "alliancelens.scan",
    "alliancelens.demo",
]

MIDDLEWARE = [
    # Outermost, so that every response of a personal link, error pages
    # included, keeps the token out of caches and referrers (errors.py).
    "alliancelens.errors.PrivateLinkHeadersMiddleware",
    # Before anything reads the client's address (alliancelens/forwarded.py).
    "alliancelens.forwarded.ForwardedForMiddleware",
    # Before Django's own security middleware, so that even its HTTPS
    # redirects carry the headers.
    "alliancelens.security.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A view that cannot reach the database answers 503, not 500 (errors.py).
    "alliancelens.errors.DatabaseOutageMiddleware",
]

ROOT_URLCONF = "alliancelens.urls"
WSGI_APPLICATION = "alliancelens.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "alliancelens" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite by default so that a checkout just runs; PostgreSQL via DATABASE_URL.
SQLITE_PATH = os.environ.get("SQLITE_PATH", str(BASE_DIR / "alliancelens.sqlite3"))
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=envint("DB_CONN_MAX_AGE", 60), conn_health_checks=True
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and envbool(
        "DB_SERVER_SIDE_BINDING", True
    ):
        # Parameters bound on the server, and psycopg prepares a statement
        # it has sent five times on a connection, so PostgreSQL plans it once
        # instead of on every request (the respondents' link lookup and save,
        # docs/benchmarks.md); Django never prepares unless prepare_threshold
        # is given. DB_SERVER_SIDE_BINDING=0 turns both off, e.g. behind a
        # pooler in transaction mode that cannot keep prepared statements.
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=5
        )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": {
                # WAL lets readers go on while one respondent writes; the busy
                # timeout and IMMEDIATE transactions make concurrent writers
                # wait their turn instead of failing with "database is locked".
                # After a checkpoint the write-ahead log is cut back to 16 MB
                # (it reached 7-17 MB under load; without a limit it keeps its
                # largest size until the last connection closes).
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA journal_size_limit=16777216;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": envint("SQLITE_TIMEOUT", 20),
            },
            "TEST": {"NAME": os.environ.get("SQLITE_TEST_PATH") or None},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Argon2 for new and changed passwords; older hashes are upgraded at login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# Login throttling (access/login.py): an account locks after
# LOGIN_MAX_FAILURES; one client address (REMOTE_ADDR, which a proxy in front
# must set to the client's, docs/deployment.md) may fail so often per
# LOGIN_LOCK_MINUTES; and failures on all accounts together (password
# spraying: many accounts, one guess each) pause every login once there are
# LOGIN_MAX_FAILURES_SITE in LOGIN_SITE_WINDOW_MINUTES. 0 switches the last
# two off.
LOGIN_MAX_FAILURES = envint("LOGIN_MAX_FAILURES", 5)
LOGIN_LOCK_MINUTES = envint("LOGIN_LOCK_MINUTES", 15)
LOGIN_MAX_FAILURES_PER_ADDRESS = envint("LOGIN_MAX_FAILURES_PER_ADDRESS", 20)
LOGIN_MAX_FAILURES_SITE = envint("LOGIN_MAX_FAILURES_SITE", 50)
LOGIN_SITE_WINDOW_MINUTES = envint("LOGIN_SITE_WINDOW_MINUTES", 5)
LOGIN_REDIRECT_URL = "alliances:list"
LOGOUT_REDIRECT_URL = "login"

# Dutch first, full English.
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "alliancelens" / "locale"]
USE_I18N = True
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Amsterdam")
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Production serves hashed, compressed files (run collectstatic);
        # development and the test suite use the plain storage.
        "BACKEND": os.environ.get(
            "STATICFILES_BACKEND",
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "AllianceLens <noreply@localhost>")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG and envbool("SECURE_COOKIES", True)
# HTTPS in production: redirect plain HTTP and tell browsers to stay on HTTPS.
# Behind a TLS-terminating proxy set BEHIND_HTTPS_PROXY=1 as well.
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", SESSION_COOKIE_SECURE)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31_536_000 if SESSION_COOKIE_SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
# Subdomains and the browsers' preload list are the domain owner's decision
# (both settable above), not a default of the application.
SILENCED_SYSTEM_CHECKS = ["security.W005", "security.W021"]
# No inline script or style anywhere; charts are SVG images (data: URIs).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if envbool("BEHIND_HTTPS_PROXY") else None
)
# The addresses a reverse proxy connects from (deploy/nginx/: 127.0.0.1);
# on their connections X-Forwarded-For is the client's address, which login
# throttling counts (alliancelens/forwarded.py). Empty: REMOTE_ADDR as is.
TRUSTED_PROXIES = envlist("TRUSTED_PROXIES")

# Upload limits for participant imports: a few thousand rows at most.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
IMPORT_MAX_ROWS = envint("IMPORT_MAX_ROWS", 5000)
# Checked before a file is parsed (alliances/importers.py): the file as
# uploaded, an Excel workbook once unpacked (a megabyte of zip can unpack
# to a gigabyte), and the cells of the sheet or CSV, rows × columns.
# 100,000 cells is 5,000 rows of 20 columns, which unpacks to about 6 MB.
IMPORT_MAX_BYTES = envint("IMPORT_MAX_BYTES", 5 * 1024 * 1024)
IMPORT_MAX_UNPACKED_BYTES = envint("IMPORT_MAX_UNPACKED_BYTES", 20 * 1024 * 1024)
IMPORT_MAX_CELLS = envint("IMPORT_MAX_CELLS", 100_000)
# The largest alliance backup import-alliance reads, after unpacking a
# gzip-compressed one; a backup of a large alliance is a few tens of MB.
BACKUP_MAX_BYTES = envint("BACKUP_MAX_BYTES", 100 * 1024 * 1024)

# Every handler masks invitation tokens and join codes (logmask.py): Django
# logs the path of every 404 and 500, and mails ADMINS the request and the
# traceback's variables. A handler added here needs the filter as well.
# Django's "django" and "django.server" handlers are defined again for that,
# otherwise as in django.utils.log.DEFAULT_LOGGING.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "mask_tokens": {"()": "alliancelens.logmask.MaskTokens"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask_tokens"]},
        "mail_admins": {
            "level": "ERROR",
            "filters": ["require_debug_false", "mask_tokens"],
            "class": "django.utils.log.AdminEmailHandler",
            "reporter_class": "alliancelens.logmask.MaskedExceptionReporter",
        },
        "django.server": {
            "level": "INFO",
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["mask_tokens"],
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        # Masked once more where Django logs paths, before any handler, so
        # that a handler without the filter (a test's, say) gets them masked.
        "django.request": {"filters": ["mask_tokens"]},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}
