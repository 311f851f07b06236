"""The page "PDF wordt gemaakt" in the browser: it does not reload itself, it says when the PDF is
ready and the download starts (issue 25, WCAG 2.2.1 and 4.1.3)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from reports import rendering
from tests.reports.test_background_pdf import DATABASE_TASKS, run_worker

pytestmark = pytest.mark.django_db(transaction=True)


@override_settings(TASKS=DATABASE_TASKS)
def test_the_waiting_page_says_klaar_and_downloads_without_reloading(
    accounts: Any, log_in: Any, live_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rendering, "render_pdf", lambda html: b"%PDF-1.7 stand-in")
    page = log_in("stuurgroep")
    page.goto(f"{live_server.url}/jaarplan/2024.pdf")
    status = page.get_by_role("status")
    expect(status).to_contain_text("De download begint vanzelf")
    page.evaluate("window.stillTheSamePage = true")  # gone if the page reloads itself

    with page.expect_download() as download:
        run_worker()  # the worker renders it; the page finds it at its next question
    assert download.value.suggested_filename == "jaarplan-2024-riec-oost-nederland.pdf"
    expect(status).to_have_text("De PDF is klaar; de download is gestart.")
    assert page.evaluate("window.stillTheSamePage") is True
    expect(page.get_by_role("link", name="PDF nogmaals downloaden")).to_have_attribute("href", "/jaarplan/2024.pdf")
