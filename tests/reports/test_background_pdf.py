"""PDFs are rendered by the worker, never in the request: with the database backend, as in production."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from core.roles import BUREAU
from reports import quarterly, rendering
from reports.models import RenderedDocument
from strategy.models import AnnualPlan, PlanSection, QuarterClose
from tests.conftest import admin_url, logged_in, role_user

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fresh_plan_2024"),
]

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def rendered(monkeypatch: Any) -> list[str]:
    """Every render, recorded; a small stand-in PDF instead of WeasyPrint's seconds."""
    calls: list[str] = []

    def fake_render(html: str) -> bytes:
        calls.append(html)
        return b"%PDF-1.7 stand-in " + str(len(calls)).encode()

    monkeypatch.setattr(rendering, "render_pdf", fake_render)
    return calls


def run_worker() -> None:
    """The worker of `make run`, until the queue is empty."""
    call_command("db_worker", batch=True, no_startup_delay=True, interval=0, stdout=io.StringIO())


@override_settings(TASKS=DATABASE_TASKS)
def test_a_download_never_renders_in_the_request(rendered: list[str]) -> None:
    reader = logged_in(role_user("lezer"))

    pending = reader.get("/jaarplan/2024.pdf")
    assert pending.status_code == 202 and pending["Content-Type"].startswith("text/html")
    html = pending.content.decode()
    assert "PDF wordt gemaakt…" in html
    # No page that reloads itself (WCAG 2.2.1): a script asks in the background, a link without it.
    assert "http-equiv" not in html
    assert '<script src="/static/js/pdf-pending.js" defer></script>' in html
    assert '<a class="pdf-again" href="/jaarplan/2024.pdf">' in html
    assert 'role="status" aria-live="polite"' in html
    assert rendered == []
    # Asking again while it is queued queues nothing more.
    reader.get("/jaarplan/2024.pdf")
    assert DBTaskResult.objects.count() == 1

    run_worker()
    assert len(rendered) == 1
    ready = reader.get("/jaarplan/2024.pdf")
    assert ready.status_code == 200 and ready["Content-Type"] == "application/pdf"
    assert ready.content == b"%PDF-1.7 stand-in 1"
    assert len(rendered) == 1  # served from storage


@override_settings(TASKS=DATABASE_TASKS, PDF_REFRESH_ON_CHANGE=True)
def test_a_change_to_the_plan_queues_its_pdf(rendered: list[str]) -> None:
    reader = logged_in(role_user("lezer"))
    reader.get("/jaarplan/2024.pdf")
    run_worker()
    first = reader.get("/jaarplan/2024.pdf").content

    section = PlanSection.objects.get(plan__year=2024, slug="kennis-en-kunde")
    section.title = "Investeren in kennis, kunde en netwerk"
    section.save()  # writes a history record: the documents are queued when it commits
    assert DBTaskResult.objects.filter(task_path__endswith="refresh_documents").count() == 1
    run_worker()

    response = reader.get("/jaarplan/2024.pdf")  # ready at once: rendered before anyone asked
    assert response.status_code == 200 and response.content != first
    assert "Investeren in kennis, kunde en netwerk" in rendered[-1]


@override_settings(TASKS=DATABASE_TASKS)
def test_a_failing_render_is_retried_three_times_then_shown_to_the_bureau(monkeypatch: Any) -> None:
    attempts: list[str] = []

    def broken(html: str) -> bytes:
        attempts.append(html)
        raise OSError("lettertype onleesbaar")

    monkeypatch.setattr(rendering, "render_pdf", broken)
    reader = logged_in(role_user("lezer"))
    reader.get("/jaarplan/2024.pdf")
    run_worker()
    assert len(attempts) == 1 + rendering.MAX_RETRIES

    failed = reader.get("/jaarplan/2024.pdf")
    assert failed.status_code == 500
    html = failed.content.decode()
    assert "De PDF kon niet worden gemaakt" in html and 'http-equiv="refresh"' not in html
    assert "lettertype onleesbaar" not in html  # the error itself is for the bureau
    assert "Het RIEC-bureau ziet deze fout ook" in html

    bureau = logged_in(role_user("bureau", BUREAU))
    shown = bureau.get("/jaarplan/2024.pdf").content.decode()
    assert "OSError: lettertype onleesbaar" in shown and "Opnieuw proberen" in shown
    assert reader.post("/pdf/opnieuw/jaarplan-2024/", {"next": "/jaarplan/2024.pdf"}).status_code == 403
    again = bureau.post("/pdf/opnieuw/jaarplan-2024/", {"next": "/jaarplan/2024.pdf"})
    assert again.status_code == 302 and again["Location"] == "/jaarplan/2024.pdf"
    assert bureau.get("/jaarplan/2024.pdf").status_code == 202  # queued once more
    assert RenderedDocument.objects.get(key="jaarplan-2024").error == ""


def test_without_a_worker_in_tests_the_pdf_is_made_at_once(rendered: list[str]) -> None:
    # The test settings run tasks at once (ImmediateBackend): the download answers with the PDF.
    response = logged_in(role_user("lezer")).get("/voortgang/2024/Q2.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert AnnualPlan.objects.filter(year=2024).exists()


@override_settings(TASKS=DATABASE_TASKS)
def test_closing_a_quarter_does_not_wait_for_its_document(monkeypatch: Any) -> None:
    calls: list[str] = []
    monkeypatch.setattr(quarterly, "render_pdf", lambda html: calls.append(html) or b"%PDF-1.7 Q2")
    plan = AnnualPlan.objects.get(year=2024)
    bureau = logged_in(role_user("bureau", BUREAU))
    assert bureau.post(admin_url(QuarterClose, "add"), {"plan": plan.pk, "quarter": "2"}).status_code == 302
    assert calls == []  # closed at once; the document is the worker's job

    waiting = bureau.get("/voortgang/2024/Q2.pdf")
    assert waiting.status_code == 202 and "PDF wordt gemaakt…" in waiting.content.decode()
    run_worker()
    assert len(calls) == 1
    frozen = bureau.get("/voortgang/2024/Q2.pdf")
    assert frozen.status_code == 200 and frozen.content == b"%PDF-1.7 Q2"


@override_settings(TASKS=DATABASE_TASKS)
def test_the_bureau_retries_a_failed_quarterly_report(monkeypatch: Any) -> None:
    """The quarterly report's key (voortgang-2024-Q2) has a capital Q: its retry button must work too."""

    def broken(html: str) -> bytes:
        raise OSError("lettertype onleesbaar")

    monkeypatch.setattr(rendering, "render_pdf", broken)
    bureau = logged_in(role_user("bureau", BUREAU))
    bureau.get("/voortgang/2024/Q2.pdf")
    run_worker()

    failed = bureau.get("/voortgang/2024/Q2.pdf")
    assert failed.status_code == 500
    html = failed.content.decode()
    assert 'action="/pdf/opnieuw/voortgang-2024-Q2/"' in html and "Opnieuw proberen" in html
    again = bureau.post("/pdf/opnieuw/voortgang-2024-Q2/", {"next": "/voortgang/2024/Q2.pdf"})
    assert again.status_code == 302 and again["Location"] == "/voortgang/2024/Q2.pdf"
    assert RenderedDocument.objects.get(key="voortgang-2024-Q2").error == ""
    assert bureau.get("/voortgang/2024/Q2.pdf").status_code == 202  # queued once more
