"""Settings for the test suite: the base settings with fast hashing and no HTTPS redirects."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")
# Inherited by the production-settings subprocesses of the tests, so they read what the tests encrypted.
os.environ.setdefault("MFA_ENCRYPTION_KEY", "dGVzdC1vbmx5LW1mYS1rZXktbm90LWZvci1wcm9kISE=")
# Tests render templates without running collectstatic first.
os.environ.setdefault("DJANGO_STATICFILES_STORAGE", "django.contrib.staticfiles.storage.StaticFilesStorage")

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# No collectstatic in tests or benchmarks: WhiteNoise serves the files from the app and project
# static folders directly, and does not look for (and warn about) a missing STATIC_ROOT.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
# Tests run a queued task at once, in the request that queues it; tests/reports/test_background_pdf.py
# uses the database backend as production does.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Edits in tests do not render PDFs behind their back; the tests of that switch it on.
PDF_REFRESH_ON_CHANGE = False
