"""The voortgangsrapportage of a closed quarter: rendered once from the closing snapshot, then kept.

The PDF and its SHA-256 are stored on the QuarterClose, so the document the stuurgroep discussed is
served byte for byte, whatever is edited afterwards, until the bureau reopens the quarter.
"""

from __future__ import annotations

import hashlib
import logging

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

from strategy.models import QuarterClose

from .dashboards import build_progress_report
from .pdf import render_pdf

logger = logging.getLogger(__name__)


def closed_quarter(year: int, quarter: int) -> QuarterClose | None:
    """The close of that quarter, if it stands (one query)."""
    return QuarterClose.objects.closed().select_related("plan").filter(plan__year=year, quarter=quarter).first()


def frozen_pdf(close: QuarterClose) -> bytes:
    """The stored PDF of a closed quarter; rendered from its snapshot and stored the first time.

    Two requests that both find nothing stored both render, but only the first rendering is stored
    (a conditional update), and both answer with the stored bytes, so every copy is identical.
    """
    if close.document is not None:
        return bytes(close.document)
    report = build_progress_report(close.plan.year, close.quarter, close=close)
    pdf = render_pdf(render_to_string("reports/progress_pdf.html", {"report": report}))
    digest = hashlib.sha256(pdf).hexdigest()
    stored = QuarterClose.objects.filter(pk=close.pk, reopened_at__isnull=True, document__isnull=True).update(
        document=pdf, document_sha256=digest, document_rendered_at=timezone.now()
    )
    if stored:
        logger.info("Voortgangsrapportage %s vastgelegd (SHA-256 %s)", close, digest)
        # The history says which document was issued, and when (the PDF itself stays out of it).
        issued = QuarterClose.objects.select_related("plan").get(pk=close.pk)
        issued._change_reason = f"Voortgangsrapportage vastgelegd (SHA-256 {digest})"  # type: ignore[attr-defined]
        issued.save(update_fields=["document_sha256"])
    current = QuarterClose.objects.filter(pk=close.pk).values_list("document", "document_sha256").first()
    if current is None or current[0] is None:
        return pdf  # reopened meanwhile: this rendering is not kept
    close.document, close.document_sha256 = current
    return bytes(current[0])


@task()
def freeze_quarter(close_id: int) -> str:
    """Render and keep the document of a closed quarter (in the background worker)."""
    close = QuarterClose.objects.closed().select_related("plan").filter(pk=close_id).first()
    if close is None:
        return "heropend of verwijderd"
    return close.document_sha256 if close.document is not None else hashlib.sha256(frozen_pdf(close)).hexdigest()


def _queued_key(close: QuarterClose) -> str:
    """One key per closing: a quarter closed again after a reopening is a new document."""
    return f"riec-freeze-queued-{close.pk}-{close.closed_at:%Y%m%d%H%M%S%f}"


def queue_freeze(close: QuarterClose) -> None:
    """Queue the closed quarter's document, at most once a minute however often it is asked for."""
    if cache.add(_queued_key(close), True, timeout=60):
        freeze_quarter.enqueue(close.pk)


def store_on_close(close: QuarterClose) -> None:
    """Hook run right after a quarter is closed (strategy.services.register_close_hook): the worker
    renders the document from the snapshot just taken, so closing never waits for WeasyPrint.

    Always queued: the cache only spares the worker repeated requests (downloads) for the same closing,
    and a cache that fails to write (it answers "not added" then) must not cost the document."""
    cache.set(_queued_key(close), True, timeout=60)
    freeze_quarter.enqueue(close.pk)
