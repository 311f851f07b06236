"""Gunicorn for riec-plan: `gunicorn riec_plan.wsgi` (this file is read from the working directory).

PORT and WEB_CONCURRENCY come from the environment, as on most platforms; logs go to stdout in
the same format as Django's (JSON lines unless DJANGO_LOG_FORMAT=plain).
"""

from __future__ import annotations

import gc
import multiprocessing
import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"  # noqa: S104 (behind the load balancer)
# PDF rendering is CPU-bound: processes, not threads; twice the cores plus one unless told otherwise.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# A cold PDF takes a few seconds; longer than this means something is stuck.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Restart workers now and then so slow leaks in native libraries (Pango, HarfBuzz) cannot grow.
max_requests = 1000
max_requests_jitter = 100
# Load the app once in the master (riec_plan.wsgi also warms it up: views, WeasyPrint, templates) and
# fork the workers from it: a worker restarted after max_requests answers at full speed at once,
# instead of spending its first request on imports while the other worker takes all the load.
# A code change therefore needs a restart of gunicorn itself, not a HUP.
preload_app = True
# The load balancer terminates TLS and sets X-Forwarded-Proto; trust it only from these addresses.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

accesslog = "-" if os.environ.get("GUNICORN_ACCESS_LOG", "true").lower() in {"1", "true", "yes"} else None
errorlog = "-"
_format = os.environ.get("DJANGO_LOG_FORMAT") or (
    "plain" if os.environ.get("DJANGO_DEBUG", "false").lower() in {"1", "true", "yes", "on"} else "json"
)
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "riec_plan.logging.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    # The single sign-on callback's code and state (and any token in a URL) never reach the access log.
    "filters": {"secrets": {"()": "riec_plan.logging.RedactSecretsFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": _format,
            "filters": ["secrets"],
        },
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}


def when_ready(server: object) -> None:
    """Move everything loaded so far out of the garbage collector's sight, in the master before forking.

    The workers then neither scan nor (through reference counts) copy those objects: shorter
    collection pauses under load, less memory per worker.
    """
    gc.freeze()
