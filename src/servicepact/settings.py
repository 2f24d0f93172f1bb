"""Django settings, read from the environment (twelve-factor).

Variables: SECRET_KEY, DEBUG, ALLOWED_HOSTS, DATABASE_URL, TIME_ZONE, EMAIL_URL-style
settings (EMAIL_BACKEND, EMAIL_HOST, ...), SERVICEPACT_VAR_DIR. See README "Configuration".
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

# Django's generic classes (ModelAdmin[Model], ...) subscriptable at run time, as the types say.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("SERVICEPACT_VAR_DIR", Path.cwd() / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    # Fail closed: without DEBUG a missing key is an error, unless the development key is
    # asked for explicitly (the test runner and `make bench` do; `make demo` sets DEBUG=1).
    if not DEBUG and not env_bool("SERVICEPACT_INSECURE_DEV_KEY", False):
        raise ImproperlyConfigured(
            "SECRET_KEY must be set in the environment when DEBUG is off "
            "(see docs/security.md; for local experiments set DEBUG=1)"
        )
    SECRET_KEY = "servicepact-insecure-development-key-do-not-use-in-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # its bundled Swagger UI (static files): the API docs work offline
    "axes",
    "servicepact.core",
    "servicepact.accounts",
    "servicepact.notifications",
    "servicepact.customers",
    "servicepact.contracts",
    "servicepact.assets",
    "servicepact.tickets",
    "servicepact.inspections",
    "servicepact.monitoring",
    "servicepact.mail",
    "servicepact.changes",
    "servicepact.security",
    "servicepact.backups",
    "servicepact.aftercare",
    "servicepact.stock",
    "servicepact.billing",
    "servicepact.fieldservice",
    "servicepact.kb",
    "servicepact.reports",
    "servicepact.tiers",
    "servicepact.incidents",
    "servicepact.contractend",
    "servicepact.desk",
    "servicepact.portal",
    "servicepact.api",
    "servicepact.worker",
    "servicepact.ops",
    "servicepact.demo",
]

MIDDLEWARE = [
    # Outermost: every log line of the request carries its id; metrics time the whole stack.
    "servicepact.ops.middleware.RequestIdMiddleware",
    "servicepact.ops.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # A plain alert delivery is queued here; anything else goes on to the endpoint (intake.py).
    "servicepact.monitoring.intake.AlertIntakeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A signed-in person's language (core.i18n) over LocaleMiddleware's cookie/Accept-Language.
    "servicepact.core.i18n.PersonLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Security (docs/security.md): CSP header, API body limit, login lockout (axes goes last).
    "csp.middleware.CSPMiddleware",
    "servicepact.core.limits.ApiBodyLimitMiddleware",
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses a locked-out username+IP before the password is even checked.
    "servicepact.accounts.throttle.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "servicepact.urls"
WSGI_APPLICATION = "servicepact.wsgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'servicepact.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers proceed while the worker writes; IMMEDIATE transactions make
    # SQLite take the write lock up front, which is how "SQLite serialises" claims.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("SQLITE_TEST_NAME") or None}
else:
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("DATABASE_TEST_NAME") or None}
    if env_bool("DATABASE_PREPARED_STATEMENTS", True):
        # Parameters sent apart from the SQL (server-side binding) and a statement run five
        # times on a connection prepared there, so PostgreSQL parses and plans it once per
        # connection instead of on every request (ADR 0031). Off behind a pooler in
        # transaction mode that does not track prepared statements (PgBouncer < 1.21).
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            {"server_side_binding": True, "prepare_threshold": 5}
        )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files the application writes and keeps (audit exports, ticket attachments) go through the
# default storage: the file system under MEDIA_ROOT unless STORAGES["default"] names another
# backend (docs/deployment.md, S3). Never served by the web server: downloads go through views
# and API operations that check tenancy and permissions.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env_bool("SERVICEPACT_MANIFEST_STATIC", True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

# --- Security (docs/security.md) -------------------------------------------------------
# Off by default so `DEBUG=0 servicepact serve` answers on plain HTTP on loopback; the
# production environment in docs/security.md turns them on and `check --deploy` is clean.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# SECURE_PROXY_SSL_HEADER: see "Production serving" below (SERVICEPACT_BEHIND_PROXY).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT", str(3 * 24 * 3600)))
# Request bodies: 2.5 MB for forms and API JSON (a JSON 413 on /api/v1/, core.limits).
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", "2621440"))
FILE_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("FILE_UPLOAD_MAX_MEMORY_SIZE", "2621440"))
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

# Login throttling (django-axes): failures counted per username + client IP.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "servicepact.accounts.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "servicepact.accounts.throttle.client_ip"
AXES_VERBOSE = False

# Content Security Policy (django-csp): everything from our own origin, no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # A nonce for the statement pages' <style>; the hash is 500.html's self-contained
        # <style> (core/tests/test_security_headers.py checks it matches the template).
        "style-src": ["'self'", NONCE, "'sha256-lnFin79ne/b4GAv+709UHfWMTJkfok/ZR9gGzPOtlxQ='"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
# --- end Security -----------------------------------------------------------------------

# Email: console in development/demo, SMTP when EMAIL_HOST is set.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
# The domain of notification Message-IDs and of the default sender (docs/worker.md "E-mail").
SERVICEPACT_MAIL_DOMAIN = os.environ.get("SERVICEPACT_MAIL_DOMAIN", "").strip()
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", f"ServicePact <servicepact@{SERVICEPACT_MAIL_DOMAIN or 'localhost'}>"
)

SERVICEPACT: dict[str, Any] = {
    # Days after "resolved" before a ticket closes itself if the customer does not confirm.
    "AUTO_CLOSE_DAYS": int(os.environ.get("SERVICEPACT_AUTO_CLOSE_DAYS", "7")),
    "SITE_URL": os.environ.get("SERVICEPACT_SITE_URL", "http://127.0.0.1:8000"),
    # The team that hears of escalations nobody else would (docs/worker.md); "" = none.
    "DUTY_TEAM": os.environ.get("SERVICEPACT_DUTY_TEAM", ""),
    # API tokens expire this many days after creation unless created with another expiry.
    "API_TOKEN_DAYS": int(os.environ.get("SERVICEPACT_API_TOKEN_DAYS", "365")),
    # Alert webhooks (docs/monitoring.md, "The inbox"): the largest body accepted (bytes,
    # else a JSON 413), and the most alerts stored in the request (default 0: every delivery
    # goes to the inbox, answered 202, stored by the worker).
    "ALERT_MAX_BODY": int(os.environ.get("SERVICEPACT_ALERT_MAX_BODY", str(10 * 1024 * 1024))),
    "ALERT_INLINE_MAX": int(os.environ.get("SERVICEPACT_ALERT_INLINE_MAX", "0")),
    # Audit exports written by the worker (docs/statements.md, "Audit exports as jobs"): the
    # worker deletes a file this many days after it was written.
    "AUDIT_EXPORT_KEEP_DAYS": int(os.environ.get("SERVICEPACT_AUDIT_EXPORT_KEEP_DAYS", "7")),
}
# The most seconds a worker pass waits for its outbox sends (notifications/delivery.py; the
# default there is 2). The test run raises it so a busy machine cannot turn a slow local
# send into a "still in flight" the test did not ask for (core/testing_env.py).
if os.environ.get("SERVICEPACT_OUTBOX_PASS_BUDGET"):
    SERVICEPACT["OUTBOX_PASS_BUDGET"] = float(os.environ["SERVICEPACT_OUTBOX_PASS_BUDGET"])
# The API's body limit per path prefix (core.limits); alert webhooks take ALERT_MAX_BODY.
# Backup run deliveries (docs/backups.md): the largest body and the most runs in one.
SERVICEPACT["BACKUP_MAX_BODY"] = int(
    os.environ.get("SERVICEPACT_BACKUP_MAX_BODY", str(20 * 1024 * 1024))
)
SERVICEPACT["BACKUP_MAX_RUNS"] = int(os.environ.get("SERVICEPACT_BACKUP_MAX_RUNS", "20000"))
SERVICEPACT["API_BODY_LIMITS"] = {
    "/api/v1/alerts/": "ALERT_MAX_BODY",
    "/api/v1/backups/runs/": "BACKUP_MAX_BODY",
    "/api/v1/mail/inbound": "MAIL_MAX_BODY",
    "/api/v1/tickets/*/attachments": "ATTACHMENT_MAX_BODY",
    "/api/v1/audits/*/report": "ATTACHMENT_MAX_BODY",
}
# Inbound e-mail and attachments (docs/mail.md): the largest raw message pushed to
# /api/v1/mail/inbound, the largest attachment, how often the worker polls IMAP mailboxes,
# and the Reply-To of customer e-mails (the support mailbox; empty: replies go to the sender).
SERVICEPACT.update(
    {
        "MAIL_MAX_BODY": int(os.environ.get("SERVICEPACT_MAIL_MAX_BODY", str(40 * 1024 * 1024))),
        "ATTACHMENT_MAX_BYTES": int(
            os.environ.get("SERVICEPACT_ATTACHMENT_MAX_BYTES", str(25 * 1024 * 1024))
        ),
        # A multipart upload of the largest attachment, with room for the form around it.
        "ATTACHMENT_MAX_BODY": int(
            os.environ.get("SERVICEPACT_ATTACHMENT_MAX_BYTES", str(25 * 1024 * 1024))
        )
        + 1024 * 1024,
        "MAIL_POLL_SECONDS": int(os.environ.get("SERVICEPACT_MAIL_POLL_SECONDS", "60")),
        "MAIL_REPLY_TO": os.environ.get("SERVICEPACT_MAIL_REPLY_TO", ""),
    }
)

# --- Production serving (ops: serve, probes, metrics, logs; docs/deployment.md) ---------------
# CONN_MAX_AGE (above, seconds a connection is kept; 0 = per request) pairs with health checks
# so a connection the database dropped is replaced instead of failing the next request.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env_bool("CONN_HEALTH_CHECKS", True)
if env_bool("SERVICEPACT_BEHIND_PROXY", False):
    # Only behind a proxy that sets (and overwrites) X-Forwarded-Proto: request.is_secure()
    # then says what the client used, so secure cookies and redirects work.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = env_bool("USE_X_FORWARDED_HOST", False)
SERVICEPACT.update(
    {
        # /readyz fails when the newest worker pass is older than this (seconds; 0 = off).
        "READY_WORKER_MAX_AGE": int(os.environ.get("SERVICEPACT_READY_WORKER_MAX_AGE", "300")),
        # /metrics: a bearer token, or the remote address in these CIDRs (default loopback).
        "METRICS_TOKEN": os.environ.get("SERVICEPACT_METRICS_TOKEN", ""),
        "METRICS_ALLOW": env_list("SERVICEPACT_METRICS_ALLOW", "127.0.0.1/32,::1/128"),
    }
)
# LOG_FORMAT=json: one JSON object per line; otherwise plain lines. Both carry the time (UTC),
# the level, the logger and the request id (servicepact.core.logs).
LOG_FORMAT = "json" if os.environ.get("LOG_FORMAT", "").strip().lower() == "json" else "plain"
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "servicepact.core.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"()": "servicepact.core.logs.PlainFormatter"},
        "json": {"()": "servicepact.core.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {"servicepact": {"level": os.environ.get("LOG_LEVEL", "INFO")}},
}
# --- end of production serving ----------------------------------------------------------------
