"""Project-level views: the health checks (app server, background worker) and the last-resort error page."""

from __future__ import annotations

import datetime
import logging
import sys

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET
from django.views.defaults import server_error as default_server_error

from core import worker

from .logging import connection_lost, database_unavailable_response

logger = logging.getLogger(__name__)


@login_not_required
@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """200 when this app server can query the database, 503 when it cannot: the load balancer decides."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        logger.warning("Health check: database niet bereikbaar: %s", str(exc).strip()[:300])
        return JsonResponse({"status": "database unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


def _age_seconds(moment: datetime.datetime | None, now: datetime.datetime) -> int | None:
    return None if moment is None else max(0, int((now - moment).total_seconds()))


@login_not_required
@never_cache
@require_GET
def health_worker(request: HttpRequest) -> JsonResponse:
    """200 while a background worker runs, 503 when none does: for monitoring, as /health/ is for the load balancer.

    Without a login, like /health/: a monitor has no account. It therefore says nothing about the
    plan or the machines: no names, ids, hosts or task names, only two ages in whole seconds (since
    the worker's last sign of life, and of the oldest task waiting to run). The bureau reads the
    same status, with its time, on the admin's start page.
    """
    try:
        state = worker.status()
    except DatabaseError as exc:
        logger.warning("Health check worker: database niet bereikbaar: %s", str(exc).strip()[:300])
        return JsonResponse({"status": "database unavailable"}, status=503)
    now = timezone.now()
    return JsonResponse(
        {
            "status": "ok" if state.running else "worker not running",
            "last_beat_age_seconds": _age_seconds(state.last_seen, now),
            "oldest_queued_task_age_seconds": _age_seconds(state.oldest_queued, now),
        },
        status=200 if state.running else 503,
    )


# How far ahead security.txt says it stays valid: RFC 9116 asks for less than a year.
SECURITY_TXT_VALID_FOR = datetime.timedelta(days=180)


@login_not_required
@cache_control(max_age=24 * 60 * 60, public=True)
@require_GET
def security_txt(request: HttpRequest) -> HttpResponse:
    """/.well-known/security.txt (RFC 9116): whom to tell about a vulnerability (SECURITY_TXT_CONTACT)."""
    contacts = settings.SECURITY_TXT_CONTACT
    if not contacts:
        raise Http404("Geen contact voor beveiligingsmeldingen ingesteld.")
    expires = (timezone.now() + SECURITY_TXT_VALID_FOR).replace(hour=0, minute=0, second=0, microsecond=0)
    lines = [f"Contact: {contact}" for contact in contacts]
    lines.append(f"Expires: {expires.astimezone(datetime.UTC):%Y-%m-%dT%H:%M:%SZ}")
    if settings.SECURITY_TXT_POLICY:
        lines.append(f"Policy: {settings.SECURITY_TXT_POLICY}")
    lines.append("Preferred-Languages: nl, en")
    lines.append(f"Canonical: {request.build_absolute_uri()}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a lost database connection anywhere in the request (session, login check) gives the 503 page.

    Django calls this inside its `except` block, so the exception is still in `sys.exc_info()`.
    """
    exc = sys.exc_info()[1]
    if exc is not None and connection_lost(exc):
        return database_unavailable_response(request, exc)
    try:
        return default_server_error(request)
    except Exception:  # the 500 template itself may need the database
        return HttpResponseServerError("<h1>Serverfout (500)</h1>", content_type="text/html")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: the Dutch page, with no data of the plans (not even their titles): a session that
    has not proved its second factor gets it too, since an unknown address reaches no view that checks."""
    return render(request, "404.html", status=404)
