"""The jaarverslag as a tagged, archival PDF like the jaarplan (cover, contents, bookmarks, background render),
and its adoption by the stuurgroep, which freezes page and PDF: the same SHA-256 after later edits."""

from __future__ import annotations

import datetime
import hashlib
import io
import os
from pathlib import Path

import pytest
from django.utils import timezone
from pypdf import PdfReader

from core import clock
from core.roles import BUREAU, STEERING_GROUP
from reports.models import AnnualReport, AnnualReportText
from strategy.models import Action, AnnualPlan, Goal
from tests.conftest import logged_in, role_user
from tests.reports.test_pdf_archival import assert_archival_and_tagged
from tests.support.pdf import pdf_problems

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/jaarverslag/2024.pdf"
TITLE = "Uitvoeringsspecialist Bibob werven"
DISTRICTS = ["IJsselland", "Twente", "Noord- en Oost-Gelderland", "Gelderland-Midden", "Gelderland-Zuid"]


@pytest.fixture(autouse=True)
def january(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: datetime.date(2025, 1, 20))


def text_of(content: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages)


def test_the_pdf_and_its_adoption(fresh_plan_2024: AnnualPlan) -> None:
    bureau = logged_in(role_user("bureau", BUREAU))
    bureau.post("/jaarverslag/2024/tekst/doel/1/", {"text": "Casuïstiek liep goed.", "version": "0", "save": "1"})
    before = timezone.now()
    response = bureau.get(URL)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    content = response.content
    if path := os.environ.get("KEEP_PDF"):
        Path(path).write_bytes(content)
    types = assert_archival_and_tagged(content, "Jaarverslag 2024 RIEC Oost-Nederland", before)
    assert {"H1", "H2", "Table", "TH", "Link"} <= types
    # The independent checker (pdfua) and our structure assertions, as for the jaarplan and quarterly PDFs.
    assert pdf_problems(content) == []
    reader = PdfReader(io.BytesIO(content))
    bookmarks = [item.title for item in reader.outline if not isinstance(item, list)]
    assert bookmarks[:2] == ["Inhoud", "1 Het jaar in het kort"]
    assert "Financiën: realisatie en begroting" in " ".join(bookmarks)
    text = text_of(content)
    for goal in Goal.objects.order_by("number"):
        assert f"Doel {goal.number}: {goal.short_title}" in text
    for name in DISTRICTS:
        assert name in text
    assert "Casuïstiek liep goed." in text
    assert TITLE in text

    # The stuurgroep adopts it; page and PDF are kept as they were.
    stuurgroep = logged_in(role_user("stuurgroep", STEERING_GROUP))
    adopted = stuurgroep.post("/jaarverslag/2024/vaststellen/", follow=True)
    assert "Het jaarverslag 2024 is vastgesteld." in adopted.content.decode()
    frozen = AnnualReport.objects.get(plan=fresh_plan_2024)
    assert len(frozen.document_sha256) == 64
    first = stuurgroep.get(URL).content
    assert hashlib.sha256(first).hexdigest() == frozen.document_sha256
    assert "Vastgesteld door de stuurgroep op 20 januari 2025" in text_of(first)
    reasons = [record.history_change_reason for record in frozen.history.order_by("history_id")]
    assert reasons == ["Vastgesteld op 20-01-2025", f"Jaarverslag (PDF) vastgelegd (SHA-256 {frozen.document_sha256})"]

    # Later edits: a title changed, a text refused; page and PDF stay as adopted.
    Action.objects.filter(section__plan=fresh_plan_2024, title=TITLE).update(title="Titel na vaststelling")
    refused = bureau.post("/jaarverslag/2024/tekst/doel/1/", {"text": "Later.", "version": "1", "save": "1"})
    assert refused.status_code == 403
    assert AnnualReportText.objects.get().text == "Casuïstiek liep goed."
    again = stuurgroep.get(URL).content
    assert again == first
    assert hashlib.sha256(again).hexdigest() == AnnualReport.objects.get(pk=frozen.pk).document_sha256
    web = stuurgroep.get("/jaarverslag/2024/").content.decode()
    assert TITLE in web and "Titel na vaststelling" not in web
    assert frozen.document_sha256 in web
    # Adopted once: a second adoption is refused.
    twice = stuurgroep.post("/jaarverslag/2024/vaststellen/", follow=True)
    assert "is al vastgesteld" in twice.content.decode()
