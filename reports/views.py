"""The jaarplan as a web page and as a PDF download, both from `build_plan_report`; the dashboards."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.views.decorators.http import require_GET

import audit
from core import permissions
from districts.models import DistrictPlan
from strategy.navigation import year_links

from .builders import PlanReport, build_plan_report, plan_years
from .dashboards import (
    ProgressReport,
    build_dashboard,
    build_district_index,
    build_district_page,
    build_progress_report,
    build_theme_overview,
)
from .models import RenderedDocument
from .pdf import fingerprint, render_pdf
from .quarterly import closed_quarter, frozen_pdf

logger = logging.getLogger(__name__)


@require_GET
def plan_index(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/plan_index.html", {"plans": plan_years()})


# A rendered page body stays in the cache this long after it was last rendered; a changed report
# gets a new key anyway, so this only bounds how long a body nobody asks for any more takes up room.
RENDERED_BODY_TIMEOUT = 24 * 60 * 60


def cached_body(name: str, template: str, context_name: str, data: object) -> SafeString:
    """`template` rendered with `data`, from Django's cache (the database cache, shared by every app server).

    The key is `fingerprint(data)`: the data's repr (every value the body prints) plus the report
    templates, so any change to the data or to a template renders afresh; nothing is invalidated by hand.
    The template gets only `data`, never the request or the user, so the body is the same for everyone;
    the page around it (user name, CSRF token) is rendered per request.
    """
    key = f"reports:{name}:{fingerprint(data)}"
    body = cache.get(key)
    if body is None:
        body = render_to_string(template, {context_name: data})
        cache.set(key, body, RENDERED_BODY_TIMEOUT)
    return mark_safe(body)  # noqa: S308 - our own template's output, escaped when it was rendered


@require_GET
def plan_report(request: HttpRequest, year: int) -> HttpResponse:
    report = build_plan_report(year)
    body = cached_body(f"jaarplan-{report.year}", "reports/_plan_body.html", "report", report)
    return render(request, "reports/jaarplan.html", {"report": report, "plan_body": body})


def _stored_pdf(key: str, current: str) -> bytes | None:
    stored = RenderedDocument.objects.filter(key=key, fingerprint=current).values_list("content", flat=True).first()
    return None if stored is None else bytes(stored)


_local_locks: dict[str, threading.Lock] = {}
_local_locks_guard = threading.Lock()


@contextmanager
def rendering_lock(key: str) -> Iterator[None]:
    """One rendering of `key` at a time, across every worker and app server sharing the database.

    PostgreSQL: a session-level advisory lock, so no transaction stays open while WeasyPrint works
    (a transaction-level lock would need one); it is released in `finally` or when the connection drops.
    Other databases (SQLite: one machine) fall back to a lock per process.
    """
    if connection.vendor == "postgresql":
        lock_id = int.from_bytes(
            hashlib.blake2b(f"riec-pdf:{key}".encode(), digest_size=8).digest(), "big", signed=True
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [lock_id])
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [lock_id])
        return
    with _local_locks_guard:
        lock = _local_locks.setdefault(key, threading.Lock())
    with lock:
        yield


def cached_pdf(key: str, template: str, report: PlanReport | ProgressReport) -> bytes:
    """The PDF of `report`, rendered only when no rendering of exactly this content is stored.

    Concurrent requests for a PDF that is not stored yet render it once: the first takes the lock and
    renders, the others wait for the lock and then find the stored rendering.
    """
    current = fingerprint(report)
    stored = _stored_pdf(key, current)
    if stored is not None:
        return stored
    with rendering_lock(key):
        stored = _stored_pdf(key, current)
        if stored is not None:
            return stored
        pdf = render_pdf(render_to_string(template, {"report": report}))
        logger.info("PDF gemaakt: %s (%d bytes)", key, len(pdf))
        RenderedDocument.objects.update_or_create(key=key, defaults={"fingerprint": current, "content": pdf})
    return pdf


@require_GET
def plan_pdf(request: HttpRequest, year: int) -> HttpResponse:
    report = build_plan_report(year)
    pdf = cached_pdf(f"jaarplan-{report.year}", "reports/jaarplan_pdf.html", report)
    filename = f"jaarplan-{report.year}-{slugify(report.organisation)}.pdf"
    audit.record(request, action=audit.Action.PDF_DOWNLOAD, obj=filename, result=audit.Result.SUCCESS)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def dashboard(request: HttpRequest, year: int | None = None) -> HttpResponse:
    """The running plan's dashboard, or that of `year` (/jaarplan/<year>/dashboard/)."""
    dashboard = build_dashboard(year=year)
    body = (
        None
        if dashboard is None
        else cached_body(f"dashboard-{dashboard.year}", "reports/_dashboard_body.html", "dashboard", dashboard)
    )
    links = year_links("reports:dashboard_in_year", dashboard.year) if dashboard else []
    return render(
        request, "reports/dashboard.html", {"dashboard": dashboard, "dashboard_body": body, "year_links": links}
    )


@require_GET
def district_index(request: HttpRequest, year: int | None = None) -> HttpResponse:
    plan, districts = build_district_index(year)
    links = year_links("reports:district_index_in_year", plan.year)
    return render(
        request, "reports/district_index.html", {"year": plan.year, "districts": districts, "year_links": links}
    )


@require_GET
def district(request: HttpRequest, slug: str, year: int | None = None) -> HttpResponse:
    page = build_district_page(slug, year=year)
    links = year_links("reports:district_in_year", page.year, slug)
    district_plan = None
    if permissions.can_change_model(request.user, DistrictPlan):
        # Query (editors only): the district plan itself, for the edit link if they may change this one.
        plans = DistrictPlan.objects.select_related("plan")
        district_plan = plans.filter(plan__year=page.year, district__slug=slug).first()
    context = {"page": page, "year_links": links, "district_plan": district_plan}
    return render(request, "reports/district.html", context)


@require_GET
def themes(request: HttpRequest, year: int | None = None) -> HttpResponse:
    overview = build_theme_overview(year)
    links = year_links("reports:themes_in_year", overview.year)
    return render(request, "reports/themes.html", {"overview": overview, "year_links": links})


@require_GET
def progress_pdf(request: HttpRequest, year: str, quarter: str) -> HttpResponse:
    # Built first and rendered outside any transaction (render_pdf refuses to run inside one).
    close = closed_quarter(int(year), int(quarter))
    if close is not None:
        # A closed quarter: the document stored at closing, byte for byte.
        pdf, organisation = frozen_pdf(close), close.plan.organisation
    else:
        report = build_progress_report(int(year), int(quarter))
        pdf = cached_pdf(f"voortgang-{report.year}-Q{report.quarter}", "reports/progress_pdf.html", report)
        organisation = report.organisation
    filename = f"voortgangsrapportage-{year}-q{quarter}-{slugify(organisation)}.pdf"
    audit.record(request, action=audit.Action.PDF_DOWNLOAD, obj=filename, result=audit.Result.SUCCESS)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def compare(request: HttpRequest, new: int, old: int) -> HttpResponse:
    """What changed from the plan of `old` to the plan of `new` (sections and cost lines)."""
    from .comparison import build_comparison

    return render(request, "reports/comparison.html", {"comparison": build_comparison(new, old)})
