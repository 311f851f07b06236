"""PDFs are rendered in the background, never in the request that asks for them.

A download is served from storage when the stored rendering matches the data (its fingerprint);
otherwise the render is queued (django-tasks, run by `manage.py db_worker`) and the page says
"PDF wordt gemaakt…" and asks again by itself a few seconds later. A change to a plan queues its
documents at once (`queue_after_change`), so the next download usually finds them ready.

A render that fails is tried again, at most `MAX_RETRIES` times; then the failure is stored with
the document and shown instead of the pending page (the bureau sees the error itself), until the
data changes or the bureau asks again.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

from .builders import PlanReport, build_plan_report
from .dashboards import ProgressReport, build_progress_report
from .models import RenderedDocument
from .pdf import fingerprint, render_pdf

if TYPE_CHECKING:
    from .annual import AnnualReportData

logger = logging.getLogger(__name__)

MAX_RETRIES = 3
DOCUMENT_KEY = re.compile(
    r"^(?:jaarplan-(?P<year>\d{4})|voortgang-(?P<pyear>\d{4})-Q(?P<quarter>[1-4])|jaarverslag-(?P<ayear>\d{4}))$"
)


@dataclass
class Document:
    key: str
    template: str
    report: PlanReport | ProgressReport | AnnualReportData

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.report)


def plan_document(year: int) -> Document:
    report = build_plan_report(year)
    return Document(f"jaarplan-{report.year}", "reports/jaarplan_pdf.html", report)


def progress_document(year: int, quarter: int) -> Document:
    report = build_progress_report(year, quarter)
    return Document(f"voortgang-{report.year}-Q{report.quarter}", "reports/progress_pdf.html", report)


def annual_document(year: int) -> Document:
    """The jaarverslag while it is not adopted (an adopted one is kept: reports.annual.frozen_pdf)."""
    from .annual import build_annual_report

    report = build_annual_report(year)
    return Document(f"jaarverslag-{report.year}", "reports/annual_pdf.html", report)


def document_for(key: str) -> Document:
    match = DOCUMENT_KEY.match(key)
    if match is None:
        raise ValueError(f"unknown document {key!r}")
    if match["year"]:
        return plan_document(int(match["year"]))
    if match["ayear"]:
        return annual_document(int(match["ayear"]))
    return progress_document(int(match["pyear"]), int(match["quarter"]))


@dataclass
class Outcome:
    """What a download finds: the PDF, or that it is being made, or that making it failed."""

    pdf: bytes | None = None
    failed: bool = False
    error: str = ""


def requested(document: Document) -> Outcome:
    """The stored PDF if it is up to date; otherwise its render is queued (once) and the caller waits."""
    current = document.fingerprint
    row = RenderedDocument.objects.filter(key=document.key).first()
    if row is not None and row.fingerprint == current and row.content is not None:
        return Outcome(pdf=bytes(row.content))
    if row is not None and row.failed_fingerprint == current:
        return Outcome(failed=True, error=row.error)
    if row is None or row.queued_fingerprint != current:
        queue(document.key, current)
        # With a backend that runs tasks at once (the tests), the PDF is there now.
        stored = RenderedDocument.objects.filter(key=document.key, fingerprint=current).first()
        if stored is not None and stored.content is not None:
            return Outcome(pdf=bytes(stored.content))
    return Outcome()


def queue(key: str, current: str) -> None:
    """Mark `key` as queued for the data `current` and hand its render to the worker."""
    RenderedDocument.objects.update_or_create(
        key=key, defaults={"queued_fingerprint": current, "queued_at": timezone.now(), "failed_fingerprint": ""}
    )
    render_document.enqueue(key, 0)


def retry(key: str) -> None:
    """The bureau asks again after a failure."""
    RenderedDocument.objects.filter(key=key).update(failed_fingerprint="", error="", queued_fingerprint="")


@task()
def render_document(key: str, retries: int) -> str:
    """Render `key` from the data as it is now and store it; retried at most MAX_RETRIES times."""
    document = document_for(key)
    current = document.fingerprint
    if RenderedDocument.objects.filter(key=key, fingerprint=current, content__isnull=False).exists():
        return "al actueel"
    try:
        pdf = render_pdf(render_to_string(document.template, {"report": document.report}))
    except Exception as error:
        if retries < MAX_RETRIES:
            logger.warning("PDF %s mislukt (poging %d), opnieuw in de rij: %s", key, retries + 1, error)
            render_document.enqueue(key, retries + 1)
        else:
            logger.error("PDF %s mislukt na %d pogingen: %s", key, retries + 1, error)
            RenderedDocument.objects.filter(key=key).update(
                failed_fingerprint=current, error=f"{type(error).__name__}: {error}"[:2000]
            )
        raise
    RenderedDocument.objects.update_or_create(
        key=key, defaults={"fingerprint": current, "content": pdf, "failed_fingerprint": "", "error": ""}
    )
    logger.info("PDF gemaakt: %s (%d bytes)", key, len(pdf))
    return f"{len(pdf)} bytes"


@task()
def refresh_documents() -> list[str]:
    """Queue every document whose stored rendering no longer matches the data.

    The jaarplan of every plan, and each quarterly report that was asked for before; closed quarters
    keep the document frozen at closing and are not rendered here.
    """
    from strategy.models import AnnualPlan

    keys = {f"jaarplan-{year}" for year in AnnualPlan.objects.values_list("year", flat=True)}
    keys |= set(RenderedDocument.objects.filter(key__startswith="voortgang-").values_list("key", flat=True))
    queued = []
    for key in sorted(keys):
        try:
            document = document_for(key)
        except Http404:
            continue  # the plan was deleted meanwhile: nothing to render
        current = document.fingerprint
        stored = RenderedDocument.objects.filter(key=key).values_list("fingerprint", "queued_fingerprint").first()
        if stored is None or current not in stored:
            queue(key, current)
            queued.append(key)
    return queued


def _enqueue_refresh() -> None:
    refresh_documents.enqueue()


def queue_after_change(**kwargs: Any) -> None:
    """On every history record (every change to a plan through the app): refresh the documents when
    the transaction commits, once per transaction however many records it writes."""
    if not getattr(settings, "PDF_REFRESH_ON_CHANGE", True):
        return
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(entry[1] is _enqueue_refresh for entry in connection.run_on_commit):
        return
    transaction.on_commit(_enqueue_refresh)
