"""Settings for riec-plan.

Every environment uses this module; production differs only by environment variables
(see `.env.example` and the README section "In productie").
"""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import environ
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A local .env is convenient for development; production sets real environment variables.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# Development gets a throw-away key; without DEBUG a real key is required.
SECRET_KEY = env("DJANGO_SECRET_KEY", default="") or ("dev-only-insecure-key-do-not-use-in-production" if DEBUG else "")
if not SECRET_KEY:
    raise environ.ImproperlyConfigured(
        "DJANGO_SECRET_KEY ontbreekt: zet deze variabele (of DJANGO_DEBUG=true voor ontwikkeling)."
    )
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "import_export",
    "axes",
    "simple_history",
    # Logging in (django-allauth): passwords with a required second factor (TOTP with recovery codes,
    # WebAuthn security keys and passkeys), or single sign-on through OpenID Connect.
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    # PDFs are rendered in the background by `manage.py run_worker` (django-tasks, database backend).
    "django_tasks",
    "django_tasks_db",
    "core",
    # The audit log (BIO 8.15): who did what to which object, with what result, from where and when.
    "audit",
    "strategy",
    "districts",
    "budget",
    "reports",
    # Accounts: logging in, the second factor, single sign-on, sessions, the rights review.
    "accounts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Permissions-Policy: no camera, microphone, location... for any page; WebAuthn for our own.
    "django_permissions_policy.PermissionsPolicyMiddleware",
    # Static files straight from the app server (compressed, cache-busting names in production).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A database that does not answer gives a Dutch 503 page instead of a 500 (riec_plan/logging.py).
    "riec_plan.logging.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Keeps a session alive while it is used, saving it at most once per SESSION_RENEW_AFTER seconds.
    "accounts.sessions.SessionRenewalMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page of a logged-in user, PDFs included: Cache-Control: private, no-store.
    "accounts.private_pages.PrivatePagesMiddleware",
    # Keeps the request at hand for the audit log, and writes a record for every 403 answer.
    "audit.middleware.AuditMiddleware",
    # Records the logged-in user on every historical record (django-simple-history).
    "simple_history.middleware.HistoryRequestMiddleware",
    # Every page needs a login unless its view is explicitly marked login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # django-allauth's login flow (the second-factor stage) needs it.
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # An account that logged in with a password but has no second factor reaches only its setup.
    "accounts.login.SecondFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # django-axes counts failed logins and locks out (username, IP) pairs for a cool-off time.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
# Behind a load balancer the client address comes from X-Forwarded-For (see README, In productie):
# with TRUSTED_PROXY_COUNT trusted proxies, the entry that many places from the right. One setting and
# one rule (audit.log.client_ip) for django-axes's lockouts, allauth's rate limits and the audit log.
# (AXES_PROXY_COUNT is its former name.)
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=env.int("AXES_PROXY_COUNT", default=0))
AXES_CLIENT_IP_CALLABLE = "audit.log.client_ip"
# allauth asks its adapter (accounts.login.AccountAdapter.get_client_ip, the same rule); the setting is
# given too for any allauth code that reads it directly.
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
# A code of the second factor (or a recovery code) is never kept in axes's record of an attempt.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code"]

# Logging in (django-allauth) ------------------------------------------------------------------------
# Accounts are made by the RIEC-bureau (or by single sign-on, see below), never by a visitor; they
# log in with their user name. Resetting a forgotten password goes through the bureau, not by mail.
ACCOUNT_ADAPTER = "accounts.login.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = False  # the session ends with the browser (SESSION_EXPIRE_AT_BROWSER_CLOSE)
# Rate limits (allauth, counted in the shared cache, per client address as above; a refusal is the Dutch
# templates/429.html). "login": 30 login attempts a minute per client. "login_failed": the codes of the
# second factor, 5 wrong ones per 15 minutes per account and per client; every wrong code also counts
# as a failed login for django-axes, which locks out (name, address) as after wrong passwords
# (accounts.throttle). Passwords are counted by django-axes alone (AccountAdapter.pre_authenticate):
# allauth's counter per name alone would let anyone lock any account from anywhere.
ACCOUNT_RATE_LIMITS = {"login": "30/m/ip", "login_failed": "5/15m/ip,5/15m/key"}
# The second factor (allauth.mfa) is required for every account that logs in with a password
# (accounts.login.SecondFactorRequiredMiddleware). Codes from an authenticator app (TOTP),
# with recovery codes, and security keys or passkeys (WebAuthn).
MFA_ADAPTER = "accounts.login.MFAAdapter"
# The code forms check django-axes's lockout before they look at a code (accounts.throttle).
MFA_FORMS = {
    "authenticate": "accounts.throttle.AuthenticateForm",
    "reauthenticate": "accounts.throttle.ReauthenticateForm",
}
# The secrets of authenticator apps and recovery codes are encrypted in the database (Fernet, by
# accounts.login.MFAAdapter) with MFA_ENCRYPTION_KEY: one or more keys (comma-separated; the first
# encrypts, all decrypt, so a key can be rotated). Make one with
#   python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"
# Development without it uses a key derived from SECRET_KEY.
MFA_ENCRYPTION_KEYS = env.list("MFA_ENCRYPTION_KEY", default=[])
if not MFA_ENCRYPTION_KEYS:
    if not DEBUG:
        raise environ.ImproperlyConfigured(
            "MFA_ENCRYPTION_KEY ontbreekt: zet deze variabele (een Fernet-sleutel, zie .env.example)."
        )
    MFA_ENCRYPTION_KEYS = [base64.urlsafe_b64encode(hashlib.sha256(f"mfa:{SECRET_KEY}".encode()).digest()).decode()]
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = "RIEC-plan"
# One 30-second step of clock difference either way between the phone and the server.
MFA_TOTP_TOLERANCE = 1
# WebAuthn over plain HTTP on 127.0.0.1 in development only.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG

# Single sign-on through OpenID Connect, only when all three variables are set. Users are matched on a
# verified e-mail address; a new account (OIDC_CREATE_ACCOUNTS) gets no role unless the claim named
# by OIDC_ROLE_CLAIM carries a value that OIDC_ROLE_MAPPING maps to one (value=role name, comma-separated).
# The second factor is then the identity provider's.
SOCIALACCOUNT_ADAPTER = "accounts.sso.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_STORE_TOKENS = False  # no access or refresh token is kept
SOCIALACCOUNT_LOGIN_ON_GET = False  # the login page posts to the provider's login URL
OIDC_SERVER_URL = env("OIDC_SERVER_URL", default="")
OIDC_CLIENT_ID = env("OIDC_CLIENT_ID", default="")
OIDC_CLIENT_SECRET = env("OIDC_CLIENT_SECRET", default="")
OIDC_PROVIDER_NAME = env("OIDC_PROVIDER_NAME", default="Single sign-on")
OIDC_CREATE_ACCOUNTS = env.bool("OIDC_CREATE_ACCOUNTS", default=False)
OIDC_ROLE_CLAIM = env("OIDC_ROLE_CLAIM", default="")
OIDC_ROLE_MAPPING: dict[str, str] = env.dict("OIDC_ROLE_MAPPING", default={})
SOCIALACCOUNT_PROVIDERS: dict[str, Any] = {}
if OIDC_SERVER_URL and OIDC_CLIENT_ID and OIDC_CLIENT_SECRET:
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": "sso",
                "name": OIDC_PROVIDER_NAME,
                "client_id": OIDC_CLIENT_ID,
                "secret": OIDC_CLIENT_SECRET,
                "settings": {"server_url": OIDC_SERVER_URL},
            }
        ],
    }

# Content Security Policy (django-csp): only our own scripts, styles, fonts and images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # No inline styles: our templates have none, and neither do the Django admin templates we use
        # (the one <style> block of its change list appears only without any actions bar) nor our own
        # import and export pages, which replace django-import-export's (style attributes, an onchange
        # handler) and simple-history's list. The admin's scripts set styles through the DOM
        # (element.style), which a policy does not restrict. tests/test_headers.py walks the pages.
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

ROOT_URLCONF = "riec_plan.urls"

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
                "strategy.context_processors.navigation",
                "accounts.context_processors.security",
            ],
        },
    },
]

WSGI_APPLICATION = "riec_plan.wsgi.application"

# SQLite in the project folder is the embedded default; DATABASE_URL=postgres://... switches
# to PostgreSQL through psycopg 3.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# Connections stay open between requests (a gunicorn sync worker serves one request at a time, so one
# connection per worker): opening one per request costs a PostgreSQL backend start every time.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
# A kept-open connection that the database dropped (restart, failover) is replaced, not reused.
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite beside the PDF worker (`make run`): two processes write to one file. Without these, 1 in
    # 30 admin saves failed with "database is locked" (see tests/core/test_sqlite_with_worker.py):
    # - WAL: readers never wait for the writer, and the writer not for readers (the mode is stored
    #   in the file; `db.sqlite3-wal` and `-shm` beside it belong to the database, copy all three);
    # - IMMEDIATE: a transaction takes the write lock when it starts, so it waits (the timeout) for
    #   the other writer instead of failing when a read inside it turns into a write, which
    #   SQLite cannot wait for (SQLITE_BUSY at once, whatever the timeout);
    # - timeout: how long a writer waits for the other one, in seconds; a PDF's own writes are short.
    # `synchronous` stays SQLite's default (FULL): a committed edit survives a power cut.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "account_login"

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", "Nederlands")]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# A reason in the history (reopening, adopting despite failing checks) is as long as it needs to be;
# simple-history's default column takes 100 characters, which PostgreSQL enforces.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

STATIC_URL = "static/"
STATIC_ROOT: Path | None = BASE_DIR / "staticfiles"  # None in the test settings
STATICFILES_DIRS = [BASE_DIR / "static"]
# Production serves hashed, compressed files that `collectstatic` wrote to STATIC_ROOT (WhiteNoise);
# development and tests use the plain storage, so they need no collectstatic.
STATICFILES_BACKEND = env(
    "DJANGO_STATICFILES_STORAGE",
    default="django.contrib.staticfiles.storage.StaticFilesStorage"
    if DEBUG
    else "whitenoise.storage.CompressedManifestStaticFilesStorage",
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": STATICFILES_BACKEND},
}

# Several app servers share one PostgreSQL and nothing else: sessions live in the database
# (Django's database session engine, which accounts.sessions extends only to remember the stored
# expiry date), rendered PDFs in reports.RenderedDocument, and the cache in a database table
# (created by `migrate`: core/migrations/0002_cache_table.py).
SESSION_ENGINE = "accounts.sessions"
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "django_cache",
    }
}

# Security: safe by default, relaxed only when DEBUG is on for local development.
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_COOKIE_AGE", default=60 * 60)
# The age above is inactivity time, not time since login: accounts.sessions.SessionRenewalMiddleware
# saves a session again once its last save is SESSION_RENEW_AFTER seconds old (not on every request,
# as SESSION_SAVE_EVERY_REQUEST would), so it ends 55 to 60 minutes after the last request.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_RENEW_AFTER = env.int("DJANGO_SESSION_RENEW_AFTER", default=5 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The load balancer checks /health/ over plain HTTP on the app server itself.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
# Preloading puts the domain (and all its subdomains) in the browsers' built-in HTTPS-only list,
# which takes months to undo: only when the operator asks for it.
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
# `check --deploy` advises preloading (security.W021); without the variable that is a decision, not an oversight.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Browser features no page needs are switched off; WebAuthn (security keys, passkeys) only for our own pages.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    "accelerometer": [],
    "autoplay": [],
    "camera": [],
    "display-capture": [],
    "encrypted-media": [],
    "geolocation": [],
    "gyroscope": [],
    "magnetometer": [],
    "microphone": [],
    "midi": [],
    "payment": [],
    "usb": [],
    "publickey-credentials-create": ["self"],
    "publickey-credentials-get": ["self"],
}
# /.well-known/security.txt (RFC 9116): where to report a vulnerability. Without a contact
# (a mailto: or https: URI; several separated by commas) the file is not served.
SECURITY_TXT_CONTACT = env.list("SECURITY_TXT_CONTACT", default=[])
SECURITY_TXT_POLICY = env("SECURITY_TXT_POLICY", default="")

# E-mail (the reminders of `send_reminders`) through Django's e-mail framework, configured by one URL:
# EMAIL_URL=smtp+tls://user:password@smtp.example.nl:587 (or smtp://, smtp+ssl://). Without it, DEBUG
# prints mails on the console and production hands them to the mail server on localhost.
# (An empty variable, as in a copied .env.example, counts as not set.)
EMAIL_CONFIG = env.email_url_config(
    env("EMAIL_URL", default="") or ("consolemail://" if DEBUG else "smtp://localhost:25")
)
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="") or "riec-plan <noreply@localhost>"
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The address the links in e-mails start with (no request tells a management command where the site is).
SITE_URL = env("DJANGO_SITE_URL", default="") or "http://127.0.0.1:8000"

# django-import-export writes the exports (core.imports.export); imports are core.imports' own.
# The columns neutralise formulas themselves (core/imports/columns.py): the library's own
# escaping drops only a leading "=" and turns numbers into text, so it stays off.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = False
# Control characters would otherwise make the XLSX export fail.
IMPORT_EXPORT_ESCAPE_ILLEGAL_CHARS_ON_EXPORT = True
# Uploads stay in memory, never in a temporary file, and beyond IMPORT_MAX_UPLOAD_BYTES they are not kept.
FILE_UPLOAD_HANDLERS = ["core.imports.files.BoundedMemoryUploadHandler"]
# Limits of an import (core.imports.files); each refuses the whole file with a Dutch message.
IMPORT_MAX_UPLOAD_BYTES = 5 * 1024 * 1024
IMPORT_MAX_ROWS = 20_000
IMPORT_MAX_COLUMNS = 100
IMPORT_MAX_XLSX_UNPACKED_BYTES = 50 * 1024 * 1024
IMPORT_MAX_ERRORS_SHOWN = 100
# Reading and importing one file stops after this many seconds (gunicorn's timeout is 60).
IMPORT_TIME_BUDGET_SECONDS = env.int("IMPORT_TIME_BUDGET_SECONDS", default=40)

LOG_FORMAT = env("DJANGO_LOG_FORMAT", default="plain" if DEBUG else "json")
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "riec_plan.logging.JsonFormatter"},
    },
    # One line per record on stdout: JSON objects in production (DJANGO_LOG_FORMAT=json, the default
    # without DEBUG) for the log collector, plain text for a developer's terminal.
    # The single sign-on callback's code and state never reach a log line (riec_plan.logging).
    "filters": {"secrets": {"()": "riec_plan.logging.RedactSecretsFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
            "filters": ["secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    # WeasyPrint reports every rendering step at INFO; its warnings (refused URLs) still show.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# Background work (the PDFs): queued in the database, run by `manage.py run_worker` (django-tasks'
# db_worker with a heartbeat, core.worker) beside the web server (`make run`; in production a systemd
# unit or Procfile line, see README).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
