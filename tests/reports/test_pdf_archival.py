"""The jaarplan and the voortgangsrapportage are tagged, archival PDFs: PDF/A-3a and PDF/UA-1.

A screen reader needs the structure tree and marked content; an archive needs the identification in
the XMP metadata, embedded fonts and an output intent; a viewer shows the title, not the file name.
"""

from __future__ import annotations

import datetime
import io
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from core import clock
from core.roles import BUREAU
from strategy.models import AnnualPlan, QuarterClose, SectionBlock
from tests.conftest import admin_url, logged_in, role_user
from tests.strategy.test_section_blocks import image_file, upload
from tests.support.pdf import document_fonts, elements, pdf_problems

pdf_db = pytest.mark.django_db(transaction=True)

PDFAID = "{http://www.aiim.org/pdfa/ns/id/}"
PDFUAID = "{http://www.aiim.org/pdfua/ns/id/}"
XMP = "{http://ns.adobe.com/xap/1.0/}"
DC = "{http://purl.org/dc/elements/1.1/}"


@pytest.fixture
def reader(django_user_model: Any, client: Client, fresh_plan_2024: AnnualPlan) -> Client:
    client.force_login(django_user_model.objects.create_user(username="lezer", password="x"))
    return client


def structure_types(pdf: pikepdf.Pdf) -> set[str]:
    """Every structure type in the tree (H1, P, Table, TH, L, LI, Link, Figure ...)."""
    found: set[str] = set()
    todo = [pdf.Root.StructTreeRoot]
    while todo:
        node = todo.pop()
        if isinstance(node, pikepdf.Array):
            todo.extend(node)
        elif isinstance(node, pikepdf.Dictionary):
            if "/S" in node:
                found.add(str(node.S).lstrip("/"))
            if "/K" in node:
                todo.append(node.K)
    return found


def assert_archival_and_tagged(content: bytes, title: str, before: datetime.datetime) -> set[str]:
    pdf = pikepdf.open(io.BytesIO(content))
    root = pdf.Root
    assert "/StructTreeRoot" in root, "untagged: a screen reader gets nothing"
    assert root.MarkInfo.Marked is True
    assert str(root.Lang) == "nl"
    assert root.ViewerPreferences.DisplayDocTitle is True
    assert str(pdf.docinfo.Title) == title
    intents = root.OutputIntents
    assert len(intents) == 1 and intents[0].S == "/GTS_PDFA1" and "/DestOutputProfile" in intents[0]
    with pdf.open_metadata() as xmp:
        assert xmp[f"{PDFAID}part"] == "3" and xmp[f"{PDFAID}conformance"] == "A"
        assert xmp[f"{PDFUAID}part"] == "1"
        assert xmp[f"{DC}title"] == title
        created = datetime.datetime.fromisoformat(xmp[f"{XMP}CreateDate"])
    assert before.replace(microsecond=0) <= created <= timezone.now()
    assert str(pdf.docinfo.CreationDate) == created.strftime("D:%Y%m%d%H%M%S+00'00")
    # Every font the pages use is embedded (PDF/A), none left to the reader's machine.
    for page in pdf.pages:
        for font in page.Resources.get("/Font", {}).values():
            descendant = font.DescendantFonts[0] if "/DescendantFonts" in font else font
            descriptor = descendant.FontDescriptor
            assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), font.BaseFont
    return structure_types(pdf)


@pdf_db
def test_the_jaarplan_pdf_is_pdf_a_3a_and_pdf_ua_1(reader: Client) -> None:
    before = timezone.now()
    response = reader.get("/jaarplan/2024.pdf")
    assert response.status_code == 200
    types = assert_archival_and_tagged(response.content, "Jaarplan 2024 RIEC Oost-Nederland", before)
    # Headings, paragraphs, lists, the budget tables with their header cells and the TOC's links.
    assert {"H1", "H2", "P", "L", "LI", "Table", "TH", "TD", "Link"} <= types
    assert pdf_problems(response.content) == []
    pdf = pikepdf.open(io.BytesIO(response.content))
    # The viewer opens with the bookmarks; a TOC link is described by its entry's text, not an anchor id.
    assert pdf.Root.PageMode == "/UseOutlines"
    descriptions = {str(a.Contents) for page in pdf.pages for a in page.obj.get("/Annots", []) if "/Dest" in a}
    assert {"Wat kost het?", "Gezamenlijke aanpak van casuïstiek"} <= descriptions
    assert not any(description.startswith("h-") for description in descriptions)
    # The costs table runs over a page break and is still one table, with its caption; the header
    # repeated on the next page is no second header (an artifact).
    # (three tables in the HTML: costs, funding, the programme lines; each with one Caption, pdf_problems)
    tables = [[str(kid.S) for kid in element.K] for element in elements(pdf) if element.S == "/Table"]
    assert len(tables) == 3
    assert tables[0][:2] == ["/Caption", "/THead"] and tables[0].count("/THead") == 1 and tables[0].count("/TBody") > 1


@pdf_db
def test_the_quarterly_pdf_is_pdf_a_3a_and_pdf_ua_1(reader: Client) -> None:
    before = timezone.now()
    response = reader.get("/voortgang/2024/Q2.pdf")
    assert response.status_code == 200
    types = assert_archival_and_tagged(response.content, "Voortgangsrapportage Q2 2024 RIEC Oost-Nederland", before)
    assert {"H1", "H2", "P", "Table", "TH", "TD"} <= types
    assert pdf_problems(response.content) == []
    pdf = pikepdf.open(io.BytesIO(response.content))
    # The charts' text and the symbols of the basis-op-orde tables are Open Sans too.
    assert document_fonts(pdf) == {"Open-Sans", "Open-Sans-Bold", "Open-Sans-Semi-Bold"}
    # Table headers keep their words whole ("Voldoet", never "Vol-doet").
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Voldoet" in text and "Vol-" not in text


@pdf_db
def test_a_closed_quarters_frozen_pdf_passes_the_same_checks(
    fresh_plan_2024: AnnualPlan, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clock, "today", lambda: datetime.date(2024, 7, 10))
    bureau = logged_in(role_user("bureau", BUREAU))
    assert bureau.post(admin_url(QuarterClose, "add"), {"plan": fresh_plan_2024.pk, "quarter": "2"}).status_code == 302
    document = bytes(QuarterClose.objects.get(plan=fresh_plan_2024, quarter=2).document)
    assert document.startswith(b"%PDF") and pdf_problems(document) == []


@pdf_db
def test_an_uploaded_figure_is_not_interpolated_and_has_its_alt_text(reader: Client) -> None:
    figure = SectionBlock.objects.get(section__plan__year=2024, section__slug="basis-op-orde")
    form = upload(figure, image_file())
    assert form.is_valid(), form.errors
    form.save()
    content = reader.get("/jaarplan/2024.pdf").content
    pdf = pikepdf.open(io.BytesIO(content))
    images = [o for o in pdf.objects if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Image"]
    assert images and not any(image.get("/Interpolate") for image in images)
    alts = {str(e.Alt) for e in elements(pdf) if e.S == "/Figure" and "/Alt" in e}
    assert "Staafdiagram: de stand per gemeente" in alts
    assert pdf_problems(content) == []


def test_the_print_stylesheets_use_no_opacity() -> None:
    # A translucent line (the cover's status) is painted as a group outside the tag tree: hidden from screen readers.
    for stylesheet in (Path(settings.BASE_DIR) / "static" / "reports").glob("*.css"):
        assert "opacity" not in stylesheet.read_text(), stylesheet.name
