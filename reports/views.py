"""The jaarplan as a web page and as a PDF download, both from `build_plan_report`; the dashboards."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar, cast

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

import audit
from core import clock, permissions
from districts.models import DistrictPlan
from strategy.models import AnnualPlan, SectionBlock
from strategy.navigation import year_links

from . import rendering
from .builders import build_plan_report, offered_quarters, plan_years
from .comparison import build_comparison
from .dashboards import (
    build_dashboard,
    build_district_index,
    build_district_page,
    build_theme_overview,
)
from .freshness import content_version
from .quarterly import closed_quarter, frozen_pdf, queue_freeze

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

    The key is the content version (`reports.freshness`): one query for the version of the data, plus
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


PENDING_REFRESH_SECONDS = 3


def _download(request: HttpRequest, pdf: bytes, filename: str) -> HttpResponse:
    """The PDF as an attachment; every download is a line in the audit log."""
    audit.record(request, action=audit.Action.PDF_DOWNLOAD, obj=filename, result=audit.Result.SUCCESS)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _pending(request: HttpRequest, context: dict[str, object], status: int = 202) -> HttpResponse:
    """The page that says the PDF is being made (or that making it failed), and asks again by itself."""
    response = render(
        request, "reports/pdf_pending.html", {"refresh_seconds": PENDING_REFRESH_SECONDS, **context}, status=status
    )
    response["Cache-Control"] = "no-store"
    return response


def pdf_response(request: HttpRequest, key: str, title: str, filename: str) -> HttpResponse:
    """The PDF from storage if it is up to date; else a page that says it is being made, and asks again.

    The report is not built here (reports.rendering.requested): a download or a poll of the waiting
    page costs the content version and the document, two queries, besides what every page costs.
    """
    outcome = rendering.requested(key)
    if outcome.pdf is not None:
        return _download(request, outcome.pdf, filename)
    context = {
        "title": f"{title} (PDF)",
        "key": key,
        "failed": outcome.failed,
        "error": outcome.error,
        "attempts": rendering.MAX_RETRIES + 1,
        "is_bureau": permissions.is_bureau(request.user),
    }
    return _pending(request, context, status=500 if outcome.failed else 202)


@require_GET
def plan_pdf(request: HttpRequest, year: int) -> HttpResponse:
    # Query: the plan's title and organisation, for the waiting page and the file name (404 without a plan).
    plan = get_object_or_404(AnnualPlan.objects.only("year", "title", "organisation"), year=year)
    filename = f"jaarplan-{plan.year}-{slugify(plan.organisation)}.pdf"
    return pdf_response(request, rendering.plan_key(plan.year), plan.title, filename)


@require_POST
def pdf_retry(request: HttpRequest, key: str) -> HttpResponse:
    """The bureau asks for a failed render once more."""
    if not permissions.is_bureau(request.user):
        raise PermissionDenied
    if not rendering.DOCUMENT_KEY.match(key):
        raise Http404
    rendering.retry(key)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return redirect(target)


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
    # A quarter that has not begun has no report, not even an empty one.
    if int(quarter) not in {link.number for link in offered_quarters(int(year), clock.today(), set())}:
        raise Http404(f"Kwartaal {quarter} {year} is nog niet begonnen: er is nog geen voortgangsrapportage.")
    close = closed_quarter(int(year), int(quarter))
    if close is None:
        # An open quarter: its report follows the data, rendered in the background like the jaarplan.
        # Query: the plan's organisation, for the file name (404 without a plan).
        plan = get_object_or_404(AnnualPlan.objects.only("year", "organisation"), year=int(year))
        filename = f"voortgangsrapportage-{year}-q{quarter}-{slugify(plan.organisation)}.pdf"
        title = f"Voortgangsrapportage Q{quarter} {year}"
        return pdf_response(request, rendering.progress_key(int(year), int(quarter)), title, filename)
    if close.document is None:
        # Closed, its document not made yet: the worker makes it from the closing snapshot.
        queue_freeze(close)
        close.refresh_from_db()  # (made at once where tasks run at once: the tests)
        if close.document is None:
            return _pending(request, {"title": f"Voortgangsrapportage Q{quarter} {year} (PDF)"})
    # A closed quarter: the document stored at closing, byte for byte.
    filename = f"voortgangsrapportage-{year}-q{quarter}-{slugify(close.plan.organisation)}.pdf"
    return _download(request, frozen_pdf(close), filename)


@require_GET
def compare(request: HttpRequest, new: int, old: int) -> HttpResponse:
    """What changed from the plan of `old` to the plan of `new` (sections and cost lines)."""

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
