"""The jaarplan as a web page and as a PDF download, both from `build_plan_report`; the dashboards."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar, cast

from django.core.cache import cache
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from core import clock, permissions
from districts.models import DistrictPlan
from strategy.models import AnnualPlan, SectionBlock
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
from .versions import content_version

logger = logging.getLogger(__name__)

T = TypeVar("T")


@require_GET
def plan_index(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/plan_index.html", {"plans": plan_years()})


# A rendered page body stays in the cache this long after it was last rendered; changed data or code
# gives a new key anyway, so this only bounds how long a body nobody asks for any more takes up room.
RENDERED_BODY_TIMEOUT = 24 * 60 * 60
_MISSING = object()


class RecentBodies:
    """The bodies this worker served last, by their cache key: a small, bounded memo in memory.

    A key names one version of the code and the data, so a body kept under it is valid exactly as
    long as the one in the shared cache: keeping it saves the cache read (and unpickling some 70 KB)
    on every request, and nothing can go stale. Only the newest few are kept.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._bodies: OrderedDict[str, object] = OrderedDict()
        self._lock = threading.Lock()  # runserver serves requests in threads

    def get(self, key: str) -> object:
        with self._lock:
            body = self._bodies.get(key, _MISSING)
            if body is not _MISSING:
                self._bodies.move_to_end(key)
            return body

    def put(self, key: str, body: object) -> None:
        with self._lock:
            self._bodies[key] = body
            self._bodies.move_to_end(key)
            while len(self._bodies) > self.size:
                self._bodies.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._bodies.clear()


# A few plan years and the dashboard of today: a couple of megabytes at most.
recent_bodies = RecentBodies(size=16)


def cached_body(name: str, render_body: Callable[[], T]) -> T:
    """What `render_body()` returns, from Django's cache (the database cache, shared by every app server).

    The key is the content version (`reports.versions`): one query for the version of the data, plus
    the version of the code and templates, so any edit renders afresh and nothing is invalidated by
    hand. A body this worker served before costs only that query (`recent_bodies`); one another
    worker or app server rendered, a cache read as well; only a new version runs the builder's
    queries and renders. `render_body` gets no request or user, so the body is the same for everyone;
    the page around it (user name, CSRF token) is rendered per request.
    """
    key = f"reports:{name}:{content_version()}"
    body = recent_bodies.get(key)
    if body is _MISSING:
        body = cache.get(key, _MISSING)
        if body is _MISSING:
            body = render_body()
            cache.set(key, body, RENDERED_BODY_TIMEOUT)
        recent_bodies.put(key, body)
    return cast(T, body)


@require_GET
def plan_report(request: HttpRequest, year: int) -> HttpResponse:
    def render_body() -> tuple[str, str]:
        report = build_plan_report(year)  # 404 for a year without a plan: nothing is cached then
        return report.title, render_to_string("reports/_plan_body.html", {"report": report})

    title, body = cached_body(f"jaarplan-{year}", render_body)
    # Our own template's output, escaped when it was rendered.
    context = {"title": title, "year": year, "plan_body": mark_safe(body)}  # noqa: S308
    if permissions.can_change_model(request.user, AnnualPlan):
        # Query (editors only): the plan, for the edit link if it may still be changed.
        context["plan"] = AnnualPlan.objects.filter(year=year).first()
    return render(request, "reports/jaarplan.html", context)


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
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def dashboard(request: HttpRequest, year: int | None = None) -> HttpResponse:
    """The running plan's dashboard, or that of `year` (/jaarplan/<year>/dashboard/)."""
    # Query: the plan shown (the body itself comes from the cache while the data stays the same).
    plan = AnnualPlan.objects.filter(year=year).first() if year is not None else AnnualPlan.objects.running()
    if plan is None:
        if year is not None:
            raise Http404(f"Er is geen jaarplan {year}.")
        return render(request, "reports/dashboard.html", {"plan": None})
    shown = plan.year

    def render_body() -> str:
        return render_to_string("reports/_dashboard_body.html", {"dashboard": build_dashboard(year=shown)})

    # Overdue is measured against today, so each day has its own body.
    body = cached_body(f"dashboard-{shown}-{clock.today().isoformat()}", render_body)
    context = {
        "plan": plan,
        # Our own template's output, escaped when it was rendered.
        "dashboard_body": mark_safe(body),  # noqa: S308
        "year_links": year_links("reports:dashboard_in_year", shown),
    }
    return render(request, "reports/dashboard.html", context)


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
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def compare(request: HttpRequest, new: int, old: int) -> HttpResponse:
    """What changed from the plan of `old` to the plan of `new` (sections and cost lines)."""
    from .comparison import build_comparison

    return render(request, "reports/comparison.html", {"comparison": build_comparison(new, old)})


@require_GET
def figure(request: HttpRequest, pk: int, digest: str, extension: str) -> HttpResponse:
    """An uploaded figure of the plan; its address names its content, so it may be kept for good."""
    found = SectionBlock.stored_image(pk, digest)
    if found is None:
        raise Http404
    response = HttpResponse(found[0], content_type=found[1])
    response["Cache-Control"] = "private, max-age=31536000, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    return response
