"""PDFs are rendered in the background, never in the request that asks for them.

A download is served from storage when the stored rendering was found current for the content
version as it is now (reports.freshness: one query for the version, one for the document; the
report is not built in the request). Otherwise the render is queued (django-tasks, run by
`manage.py db_worker`) and the page says "PDF wordt gemaakt…" and asks again by itself a few
seconds later. A change to a plan queues its documents at once (`queue_after_change`), so the next
download usually finds them ready. The worker builds the report and compares its fingerprint with
the stored one: unchanged, it only records the new version; changed, it renders.

A render that fails is tried again, at most `MAX_RETRIES` times; then the failure is stored with
the document and shown instead of the pending page (the bureau sees the error itself), until the
data changes or the bureau asks again.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

from strategy.models import AnnualPlan

from .annual import AnnualReportData, build_annual_report
from .builders import PlanReport, build_plan_report
from .dashboards import ProgressReport, build_progress_report
from .freshness import content_version, fingerprint
from .models import RenderedDocument
from .pdf import render_pdf

logger = logging.getLogger(__name__)

MAX_RETRIES = 3
DOCUMENT_KEY = re.compile(
    r"^(?:jaarplan-(?P<year>\d{4})|voortgang-(?P<pyear>\d{4})-Q(?P<quarter>[1-4])|jaarverslag-(?P<ayear>\d{4}))$"
)


def plan_key(year: int) -> str:
    return f"jaarplan-{year}"


def progress_key(year: int, quarter: int) -> str:
    return f"voortgang-{year}-Q{quarter}"


def annual_key(year: int) -> str:
    return f"jaarverslag-{year}"


@dataclass
class Document:
    """A document with its report built: what the worker renders (the request never builds one)."""

    key: str
    template: str
    report: PlanReport | ProgressReport | AnnualReportData

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.report)


def plan_document(year: int) -> Document:
    report = build_plan_report(year)
    return Document(plan_key(report.year), "reports/jaarplan_pdf.html", report)


def progress_document(year: int, quarter: int) -> Document:
    report = build_progress_report(year, quarter)
    return Document(progress_key(report.year, report.quarter), "reports/progress_pdf.html", report)


def annual_document(year: int) -> Document:
    """The jaarverslag while it is not adopted (an adopted one is kept: reports.annual.frozen_pdf)."""
    report = build_annual_report(year)
    return Document(annual_key(report.year), "reports/annual_pdf.html", report)


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


def requested(key: str) -> Outcome:
    """The stored PDF if it was found current for the content version as it is now; otherwise its
    render is queued (once per version) and the caller waits.

    Two queries: the content version (reports.freshness) and the document. The report is not built
    here: whether the data that moved is data this document prints, the worker finds out.
    """
    version = content_version()
    row = RenderedDocument.objects.filter(key=key).first()
    if row is not None and row.content is not None and row.checked_version == version:
        return Outcome(pdf=bytes(row.content))
    if row is not None and row.failed_version == version:
        return Outcome(failed=True, error=row.error)
    if row is None or row.queued_version != version:
        queue(key, version)
        # With a backend that runs tasks at once (the tests), the PDF is there now.
        stored = RenderedDocument.objects.filter(key=key, checked_version=version).first()
        if stored is not None and stored.content is not None:
            return Outcome(pdf=bytes(stored.content))
    return Outcome()


def queue(key: str, version: str) -> None:
    """Mark `key` as queued for the content version `version` and hand it to the worker."""
    RenderedDocument.objects.update_or_create(
        key=key, defaults={"queued_version": version, "queued_at": timezone.now(), "failed_version": ""}
    )
    render_document.enqueue(key, 0)


def retry(key: str) -> None:
    """The bureau asks again after a failure."""
    RenderedDocument.objects.filter(key=key).update(failed_version="", error="", queued_version="")


@task()
def render_document(key: str, retries: int) -> str:
    """Bring `key` up to date with the data as it is now; retried at most MAX_RETRIES times.

    Current for this content version already: nothing to do. Otherwise the report is built and its
    fingerprint compared with the stored PDF's: the same (the data that moved is not printed in this
    document), only the checked version moves; another, the PDF is rendered and stored. The version
    is taken before the report is built, so an edit made meanwhile is never marked as checked.
    """
    version = content_version()
    row = RenderedDocument.objects.filter(key=key).first()
    if row is not None and row.content is not None and row.checked_version == version:
        return "al actueel"
    try:
        document = document_for(key)
    except Http404:
        return "geen jaarplan"  # the plan was deleted meanwhile: nothing to render
    current = document.fingerprint
    if row is not None and row.content is not None and row.fingerprint == current:
        RenderedDocument.objects.filter(key=key, fingerprint=current).update(checked_version=version)
        return "ongewijzigd"
    try:
        pdf = render_pdf(render_to_string(document.template, {"report": document.report}))
    except Exception as error:
        if retries < MAX_RETRIES:
            logger.warning("PDF %s mislukt (poging %d), opnieuw in de rij: %s", key, retries + 1, error)
            render_document.enqueue(key, retries + 1)
        else:
            logger.error("PDF %s mislukt na %d pogingen: %s", key, retries + 1, error)
            RenderedDocument.objects.filter(key=key).update(
                failed_version=version, error=f"{type(error).__name__}: {error}"[:2000]
            )
        raise
    RenderedDocument.objects.update_or_create(
        key=key,
        defaults={
            "fingerprint": current,
            "checked_version": version,
            "content": pdf,
            "failed_version": "",
            "error": "",
        },
    )
    logger.info("PDF gemaakt: %s (%d bytes)", key, len(pdf))
    return f"{len(pdf)} bytes"


@task()
def refresh_documents() -> list[str]:
    """Queue every document not yet checked (or queued) for the content version as it is now.

    The jaarplan of every plan, and each quarterly report that was asked for before; closed quarters
    keep the document frozen at closing and are not rendered here. No report is built here: the
    worker does that per document, and renders only those whose fingerprint changed.
    """
    version = content_version()
    keys = {plan_key(year) for year in AnnualPlan.objects.values_list("year", flat=True)}
    keys |= set(RenderedDocument.objects.filter(key__startswith="voortgang-").values_list("key", flat=True))
    stored = {
        key: (checked, queued)
        for key, checked, queued in RenderedDocument.objects.filter(key__in=keys).values_list(
            "key", "checked_version", "queued_version"
        )
    }
    queued = []
    for key in sorted(keys):
        if version not in stored.get(key, ()):
            queue(key, version)
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
