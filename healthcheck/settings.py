"""Settings for healthcheck: one module, two profiles.

* Embedded default (``DJANGO_DEBUG=1``, what ``make run`` uses): SQLite under ``var/``, Celery tasks
  run eagerly unless ``CELERY_BROKER_URL`` is set, and development secrets generated once into
  ``var/dev-secrets.json`` (mode 0600) with a loud warning.
* Production (``DJANGO_DEBUG`` unset or off): every secret and endpoint must come from the
  environment or a ``NAME_FILE``; start-up fails naming every missing variable.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from healthcheck.env import (
    MissingSettings,
    env_bool,
    env_int,
    env_list,
    env_secret,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("HEALTHCHECK_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DJANGO_DEBUG", False)
PRODUCTION = not DEBUG


def _dev_secrets() -> dict[str, str]:
    """Development secrets, generated once into var/ (0600). Never used in production."""
    path = VAR_DIR / "dev-secrets.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    data = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEYS": "dev1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
        "BLIND_INDEX_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    sys.stderr.write(
        "\n" + "!" * 78 + "\n"
        f"WARNING: generated DEVELOPMENT secrets and encryption keys into {path}.\n"
        "They protect demo data only. Never use the embedded profile for real client data.\n"
        + "!" * 78
        + "\n\n"
    )
    return data


_missing = MissingSettings() if PRODUCTION else None
_dev = {} if PRODUCTION else _dev_secrets()

SECRET_KEY = env_secret("SECRET_KEY", _missing, _dev.get("SECRET_KEY"))
# Field encryption has its own key ring, never derived from SECRET_KEY (case B09).
FIELD_ENCRYPTION_KEYS = env_secret(
    "FIELD_ENCRYPTION_KEYS", _missing, _dev.get("FIELD_ENCRYPTION_KEYS")
)
BLIND_INDEX_KEY = env_secret("BLIND_INDEX_KEY", _missing, _dev.get("BLIND_INDEX_KEY"))
_database_url = env_secret(
    "DATABASE_URL", _missing, f"sqlite:///{VAR_DIR / 'db.sqlite3'}" if not PRODUCTION else None
)
CELERY_BROKER_URL = (
    env_secret("CELERY_BROKER_URL", _missing, "")
    if PRODUCTION
    else env_str("CELERY_BROKER_URL", "")
)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", None if PRODUCTION else ["127.0.0.1", "localhost"])
if PRODUCTION and not ALLOWED_HOSTS and _missing is not None:
    _missing.names.append("ALLOWED_HOSTS")
if _missing is not None:
    _missing.raise_if_any()

# ---------------------------------------------------------------------------------------------
# Applications

INSTALLED_APPS = [
    # django.contrib.admin with an admin site that audits every ModelAdmin (core/audit/admin.py)
    "healthcheck.core.apps.AuditedAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_filters",
    "rules.apps.AutodiscoverRulesConfig",
    "healthcheck.core",
    "clients",
    "assessments",
]

MIDDLEWARE = [
    "healthcheck.core.middleware.RequestContextMiddleware",
    # Security headers and the CSP wrap everything below, so that every response carries
    # them: the guard's 400/405/413 answers and WhiteNoise's static files included.
    "django.middleware.security.SecurityMiddleware",
    "healthcheck.core.middleware.NonceCSPMiddleware",
    "healthcheck.core.middleware.RequestGuardMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "healthcheck.core.middleware.LanguageMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "healthcheck.core.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "healthcheck.core.middleware.NoStoreMiddleware",
    "healthcheck.core.middleware.NotFoundPageMiddleware",
    # AxesMiddleware last, as its documentation asks: it turns lockouts into responses.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "healthcheck.urls"
WSGI_APPLICATION = "healthcheck.wsgi.application"
AUTH_USER_MODEL = "core.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "healthcheck.core.context_processors.navigation",
            ],
        },
    },
]

# ---------------------------------------------------------------------------------------------
# Database

DATABASES = {
    "default": dj_database_url.parse(
        _database_url,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # One shared file for the embedded profile: WAL lets readers proceed beside one writer.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A second connection to the same database, used only by audit.record_denied: a refused
    # action's event commits there even when the caller's transaction rolls back.
    DATABASES["audit"] = {
        **DATABASES["default"],
        "CONN_MAX_AGE": 0,
        "TEST": {"MIRROR": "default"},
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ---------------------------------------------------------------------------------------------
# Authentication, sessions, lockout, second factor

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Idle timeout: the session lives 15 minutes after the last request.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 15 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Number of reverse proxies in front of the app that append to X-Forwarded-For. 0 means the
# client IP is REMOTE_ADDR and any X-Forwarded-For header is ignored (it is client-controlled).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
# Either parameter alone locks: 5 failures for one username, or 5 from one IP.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_CALLABLE = "healthcheck.core.security.axes_username"
AXES_CLIENT_IP_CALLABLE = "healthcheck.core.security.axes_client_ip"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_COOLOFF_TIME = None  # an administrator unlocks (axes_reset or the admin)
AXES_VERBOSE = False  # attempts are recorded in the database and the audit trail, not logged

# TOTP second factor: required for every staff user in production, optional in the embedded
# profile (its demo users have no device).
OTP_REQUIRED = env_bool("OTP_REQUIRED", PRODUCTION)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Healthcheck")

# ---------------------------------------------------------------------------------------------
# Security headers

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = True
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_SSL_REDIRECT_EXEMPT = [r"^healthz$"]
    if TRUSTED_PROXY_COUNT:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Upload limits. DATA_UPLOAD_MAX_MEMORY_SIZE excludes file data, so MAX_REQUEST_BYTES (enforced
# by RequestGuardMiddleware and the upload handler) bounds the whole body, files included.
MAX_REQUEST_BYTES = env_int("MAX_REQUEST_BYTES", 25 * 1024 * 1024)
MAX_UPLOAD_FILE_BYTES = env_int("MAX_UPLOAD_FILE_BYTES", 20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
DATA_UPLOAD_MAX_NUMBER_FILES = 20
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "healthcheck.core.uploads.SizeLimitedMemoryUploadHandler",
    "healthcheck.core.uploads.SizeLimitedTemporaryUploadHandler",
]
FILE_UPLOAD_PERMISSIONS = 0o600
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))

# ---------------------------------------------------------------------------------------------
# Internationalisation: Simplified Chinese by default, English beside it.

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "hc_language"
LANGUAGE_COOKIE_SECURE = PRODUCTION
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# ---------------------------------------------------------------------------------------------
# Static files (WhiteNoise; no CDN)

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# ---------------------------------------------------------------------------------------------
# E-mail (Django 6.1 MAILERS)

DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "healthcheck@localhost")
# Absolute address of the app, for links in e-mails (e.g. the audit chain alert).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if PRODUCTION:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env_str("EMAIL_HOST", "localhost"),
                "port": env_int("EMAIL_PORT", 25),
                "username": env_str("EMAIL_HOST_USER", ""),
                "password": env_str("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", False),
                "timeout": 10,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}

# ---------------------------------------------------------------------------------------------
# Celery

CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis re-delivers an unacknowledged message after the visibility timeout; it must exceed the
# longest task (time limit 300 s) or a slow task would run twice in parallel.
# A publish to a down broker fails at once ("max_retries": 0 applies to publishing only; the
# worker's consumer keeps its own reconnect loop): the outbox row stays for the relay, and a
# request never hangs on the broker.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "max_retries": 0}
# The outbox relay publishes; a down broker must fail fast so the row stays for the next run.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BEAT_SCHEDULE = {
    # Deliver outbox rows whose publish after commit failed (broker down).
    "outbox-relay": {"task": "core.outbox_relay_task", "schedule": 15.0},
    # Seal the audit events committed since the last run (tamper evidence, sealing.py).
    "audit-seal": {"task": "core.audit_seal_task", "schedule": 60.0},
    # Recompute every seal at night; failures e-mail the compliance officers.
    "audit-verify": {"task": "core.audit_verify_task", "schedule": crontab(hour=2, minute=30)},
    # Referral reminders (appointment tomorrow/missed, report overdue, expiring), 09:00 Shanghai.
    "referral-reminders": {
        "task": "assessments.referral_reminders_task",
        "schedule": crontab(hour=9, minute=0),
    },
    # Expire referrals past their validity (and referred cases left with none), 00:30 Shanghai.
    "referrals-expire": {
        "task": "assessments.referrals_expire_task",
        "schedule": crontab(hour=0, minute=30),
    },
    # Suspend institutions past their qualification expiry and flag open referrals, 00:15.
    "institutions-suspend": {
        "task": "assessments.institutions_suspend_task",
        "schedule": crontab(hour=0, minute=15),
    },
    # Escalate overdue emergency protocol steps (2 h contact, 24 h, 7 d) once each; every 5 min.
    "emergencies-escalate": {"task": "assessments.emergencies_escalate_task", "schedule": 300.0},
    # Re-check tasks and reminders for health files past their review date, 08:00 Shanghai.
    "rechecks-sweep": {
        "task": "assessments.rechecks_sweep_task",
        "schedule": crontab(hour=8, minute=0),
    },
}
# Days after attendance without a report before the "report overdue" reminder.
REFERRAL_REPORT_OVERDUE_DAYS = env_int("REFERRAL_REPORT_OVERDUE_DAYS", 7)
# Largest FHIR bundle accepted by the results upload.
FHIR_MAX_BYTES = env_int("FHIR_MAX_BYTES", 5 * 1024 * 1024)

# Debug pages and error e-mails never show local variables, POST values or upload names, in any
# profile (healthcheck/core/error_reports.py).
DEFAULT_EXCEPTION_REPORTER = "healthcheck.core.error_reports.HealthDataExceptionReporter"
DEFAULT_EXCEPTION_REPORTER_FILTER = (
    "healthcheck.core.error_reports.HealthDataExceptionReporterFilter"
)

# ---------------------------------------------------------------------------------------------
# Logging: structured JSON lines on stdout, with the request id; every 500 with its traceback.

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "structured": {
            "()": "structlog.stdlib.ProcessorFormatter",
            "processors": "ext://healthcheck.core.logging.FORMATTER_PROCESSORS",
            "foreign_pre_chain": "ext://healthcheck.core.logging.FOREIGN_PRE_CHAIN",
        }
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "structured",
        }
    },
    "root": {"handlers": ["stdout"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"handlers": ["stdout"], "level": "ERROR", "propagate": False},
        "django.security": {"handlers": ["stdout"], "level": "WARNING", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
    },
}

# WhiteNoise serves straight from the source folders in the embedded profile.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
if DEBUG:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
