"""The jaarplan as a web page and as a PDF, both built from the Jaarplan 2024 as published."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from budget.models import CostLine
from reports import freshness, views
from reports.builders import build_plan_report
from reports.models import RenderedDocument
from strategy.models import Action, AnnualPlan, PlanSection
from tests.conftest import admin_post_data, admin_url, reopened
from tests.strategy.test_jaarplan_2024_fixture import TABLE_OF_CONTENTS
from tests.support.pdf import document_fonts

pytestmark = pytest.mark.django_db


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture
def plan(plan_2024: AnnualPlan) -> AnnualPlan:
    return plan_2024


def test_the_loaded_plan_is_shown_as_adopted(reader: Client, plan: AnnualPlan) -> None:
    html = reader.get("/jaarplan/2024/").content.decode()
    cover = html.split('class="cover-status">')[1].split("</p>")[0]
    assert cover == "Vastgesteld op 14 december 2023"


@pytest.mark.parametrize("url", ["/", "/jaarplan/2024/", "/jaarplan/2024.pdf"])
def test_pages_need_a_login(client: Client, plan: AnnualPlan, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_index_lists_plans_with_html_and_pdf_links(reader: Client, plan: AnnualPlan) -> None:
    html = reader.get("/").content.decode()
    assert 'href="/jaarplan/2024/"' in html
    assert 'href="/jaarplan/2024.pdf"' in html


def test_unknown_year_is_404(reader: Client, plan: AnnualPlan) -> None:
    assert reader.get("/jaarplan/1999/").status_code == 404
    assert reader.get("/jaarplan/1999.pdf").status_code == 404


def test_html_report_has_the_structure_and_figures_of_the_source(reader: Client, plan: AnnualPlan) -> None:
    html = reader.get("/jaarplan/2024/").content.decode()
    headings = [
        (number, normalise(re.sub(r"<[^>]+>", "", title)))
        for number, title in re.findall(r'<h[23][^>]*><span class="number">([\d.]+)</span>(.*?)</h[23]>', html)
    ]
    assert headings == TABLE_OF_CONTENTS
    for front in ("Voorwoord", "Leeswijzer", "Inhoud"):
        assert f">{front}</h2>" in html
    assert "Ahmed Marcouch" in html
    # Table of contents links to every heading.
    for section in PlanSection.objects.filter(plan=plan, parent__parent__isnull=True):
        assert f'href="#h-{section.slug}"' in html
    # Budget figures, formatted the Dutch way; "Gebiedsgericht werken" is a dash, onderuitputting pm.
    assert html.count(">7.843.124<") == 2  # costs total and funding total
    assert ">1.378.037<" in html
    assert ">\u221212.500<" in html
    assert re.search(r"Gebiedsgericht werken</td><td class=\"amount\">-<", html)
    assert ">3.813<" in html and ">3.313<" in html
    assert ">pm<" in html
    # Markdown survives as HTML: bold leads and lists.
    assert "<strong>" in html and "<li>" in html
    # The one bold cost line of the source is bold here too, and only that one.
    assert re.findall(
        r'<tr class="line[^"]*emphasised"><td><strong>([^<]+)</strong></td><td class="amount"><strong>([^<]+)<', html
    ) == [("Programmacoördinatie en learning communities", "183.000")]


def test_text_items_and_figures_stand_in_the_order_of_the_source(reader: Client, plan: AnnualPlan) -> None:
    html = reader.get("/jaarplan/2024/").content.decode()

    def in_order(*parts: str) -> None:
        positions = [html.index(part) for part in parts]
        assert positions == sorted(positions), parts

    # 3.1.1 IJsselland: the agreements, four norms, the Bibob specialist, then the last norm.
    in_order(
        "De volgende concrete afspraken",
        "een APV die ondermijningsproof is",
        "uitvoeringsspecialist Bibob worden geworven",
        "voldoende capaciteit en voldoende",
    )
    # 3.2.1 Twente: the five focus themes, then the closing paragraph, then 3.2.2.
    in_order("Drugscriminaliteit", "Mensenhandel", "Omdat criminelen zich flexibel", "Specifieke ontwikkelingen")
    # The two figures of the source, with their captions, where the text refers to them; no image
    # is uploaded, so the caption stands in a framed box.
    in_order(
        "(voorbeeld zie afbeelding)",
        '<figcaption class="placeholder">Een voorbeeld van de stand van zaken in een district</figcaption>',
        "Investeren in kennis en kunde",
    )
    in_order(
        "regiegroep fenomeengerichte aanpak (zie afbeelding)",
        '<figcaption class="placeholder">Regiegroep fenomeengerichte aanpak</figcaption>',
        "Illegale vuurwerkhandel",
    )
    # The IJsselland norms have no titles in the source: none are invented here.
    for invented in (
        "Plan van aanpak",
        "Intern meldpunt",
        "Aangesloten op Meld Misdaad Anoniem",
        "Actueel Bibob- en Damoclesbeleid en ondermijningsproof APV",
        "Capaciteit en middelen",
    ):
        assert f">{invented}<" not in html


def test_report_builder_query_count_does_not_grow_with_the_plan(
    plan: AnnualPlan, django_assert_num_queries: Any
) -> None:
    # plan+strategy, sections+goal, district plans+district, phenomena, focus themes+theme,
    # developments, norms, blocks of text and figures between items, cost lines+group+line, their
    # splits, funding sources, allocations+line (budget.checks.load_budget without spending, the
    # loader the budget page uses too).
    with django_assert_num_queries(12):
        build_plan_report(2024)

    chapter = PlanSection.objects.get(plan=plan, slug="voortgang-meerjarenstrategie")
    original = PlanSection.objects.filter(plan=plan).count()
    sections = PlanSection.objects.bulk_create(
        PlanSection(plan=plan, parent=chapter, order=100 + i, slug=f"extra-{i}", title=f"Extra {i}", body="**x**")
        for i in range(9 * original)
    )
    Action.objects.bulk_create(Action(section=s, order=1, title=f"Actie {s.slug}") for s in sections)
    CostLine.objects.bulk_create(
        CostLine(plan=plan, category="bedrijfsvoering", order=1000 + i, label=f"Regel {i}", amount=i)
        for i in range(9 * CostLine.objects.filter(plan=plan).count())
    )
    with django_assert_num_queries(12):
        report = build_plan_report(2024)
    assert len(report.all_sections()) == 10 * original


def test_user_text_is_sanitised_in_the_web_page(reader: Client, plan: AnnualPlan) -> None:
    section = PlanSection.objects.get(plan=plan, slug="kennis-en-kunde")
    section.body = (
        "Gewone tekst.\n\n<script>alert('xss')</script>\n\n<img src=\"file:///etc/passwd\">\n\n"
        '<img src="http://198.51.100.7/pixel.png"> <a href="javascript:alert(1)">klik</a>'
    )
    section.title = "<b>Kennis</b> & kunde"
    section.save()
    html = reader.get("/jaarplan/2024/").content.decode()
    assert "Gewone tekst." in html
    assert "<script>alert" not in html
    assert "file:///etc/passwd" not in html
    assert "198.51.100.7" not in html
    assert "javascript:" not in html
    assert "&lt;b&gt;Kennis&lt;/b&gt; &amp; kunde" in html  # titles are plain text, escaped


@pytest.mark.django_db(transaction=True)
def test_pdf_download(reader: Client, fresh_plan_2024: AnnualPlan) -> None:
    response = reader.get("/jaarplan/2024.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="jaarplan-2024-riec-oost-nederland.pdf"'

    pdf = PdfReader(io.BytesIO(response.content))
    pages = [normalise(page.extract_text()) for page in pdf.pages]
    assert pdf.metadata.title == "Jaarplan 2024 RIEC Oost-Nederland"
    assert pdf.metadata.author == "RIEC Oost-Nederland"
    assert pdf.trailer["/Root"]["/Lang"] == "nl"
    assert pages[0].startswith("RIEC Oost-Nederland Jaarplan 2024")
    # The published plan loads as adopted: its cover says so, not "Concept".
    assert "Vastgesteld op 14 december 2023" in pages[0] and "Concept" not in pages[0]
    assert f"pagina 2 van {len(pages)}" in pages[1]

    # The short Leeswijzer shares its page with the table of contents, which lists every entry with
    # the page its heading is printed on.
    toc_index = next(i for i, text in enumerate(pages) if "Inhoud 1 Voortgang" in text)
    assert pages[toc_index].startswith("Leeswijzer ")
    toc = pages[toc_index]
    for number, title in TABLE_OF_CONTENTS:
        match = re.search(rf"(?<![\d.]){re.escape(number)} {re.escape(title)} [. ]*(\d+)", toc)
        assert match, f"{number} {title} not in the table of contents"
        printed_page = int(match.group(1))
        heading_page = next(i + 1 for i, text in enumerate(pages) if i > toc_index and f"{number} {title}" in text)
        assert printed_page == heading_page, f"{number} {title}: inhoud zegt {printed_page}, staat op {heading_page}"

    # Bookmarks for chapters and their sections.
    outline = [item.title for item in pdf.outline if not isinstance(item, list)]
    assert "1 Voortgang Meerjarenstrategie" in [normalise(t) for t in outline]
    assert "4 Begroting 2024" in [normalise(t) for t in outline]
    text = " ".join(pages)
    assert "7.843.124" in text and "1.378.037" in text and "3.813" in text

    # A chapter's opening page has no running header above its title; the pages after it have one.
    for number, title in TABLE_OF_CONTENTS:
        if "." in number:
            continue
        opening = next(i for i, text in enumerate(pages) if i > toc_index and f"{number} {title}" in text)
        running_header = f"{number} {title} Jaarplan 2024"
        assert running_header not in pages[opening] and running_header in pages[opening + 1]

    # No budget heading ends a page: each is kept with at least its first two lines.
    headings = {
        "Personele kosten",
        "Bedrijfsvoeringskosten",
        "Versterkingsprogramma",
        "Lijn 1: Casuïstiek sneller en effectiever maken",
    }
    for page in PdfReader(io.BytesIO(response.content)).pages:
        lines = [line.strip() for line in page.extract_text().split("\n") if line.strip()]
        body = [line for line in lines if not line.startswith("pagina ") and not line.endswith("Jaarplan 2024")]
        assert body and body[-1] not in headings, body[-3:]

    # Negative amounts in print carry a real minus sign, never a hyphen.
    assert "\u221212.500" in text and "-12.500" not in text

    structure = pikepdf.open(io.BytesIO(response.content))
    # One link per entry of the table of contents (each entry used to be five overlapping links).
    links = [a for a in structure.pages[toc_index].get("/Annots", []) if a.Subtype == "/Link"]
    assert len(links) == len(TABLE_OF_CONTENTS)
    # Every letter comes from Open Sans, nested bullets included: no fallback font.
    assert document_fonts(structure) == {"Open-Sans", "Open-Sans-Bold", "Open-Sans-Italic", "Open-Sans-Semi-Bold"}


@pytest.mark.django_db(transaction=True)
def test_pdf_is_cached_until_the_plan_changes(reader: Client, fresh_plan_2024: AnnualPlan, monkeypatch: Any) -> None:
    rendered: list[str] = []

    def fake_render(html: str) -> bytes:
        rendered.append(html)
        return b"%PDF-fake " + str(len(rendered)).encode()

    monkeypatch.setattr("reports.rendering.render_pdf", fake_render)
    first = reader.get("/jaarplan/2024.pdf").content
    second = reader.get("/jaarplan/2024.pdf").content
    assert len(rendered) == 1
    assert first == second

    section = PlanSection.objects.get(plan=fresh_plan_2024, slug="kennis-en-kunde")
    section.title = "Investeren in kennis, kunde en netwerk"
    section.save()
    third = reader.get("/jaarplan/2024.pdf").content
    assert len(rendered) == 2
    assert third != first
    assert "Investeren in kennis, kunde en netwerk" in rendered[1]


@pytest.fixture
def fresh_render_version() -> Any:
    """The render version of a new process (a deploy), computed again on the first call; restored after."""
    freshness._render_version_of_this_process.cache_clear()
    yield
    freshness._render_version_of_this_process.cache_clear()


def edited_source(monkeypatch: Any, relative: str) -> None:
    """Deploy an edited version of one file: its content as read from now on differs."""
    target = Path(settings.BASE_DIR) / relative
    assert target.is_file()
    read_bytes = Path.read_bytes
    monkeypatch.setattr(
        Path, "read_bytes", lambda path: read_bytes(path) + (b"\n# edited\n" if path == target else b"")
    )


# Python that shapes the output besides the templates and stylesheets: a change to any renders afresh.
SHAPING_FILES = [
    "budget/formatting.py",  # the amounts
    "core/markup.py",  # the Markdown allow-list
    "reports/builders.py",
    "reports/pdf.py",
    "reports/dashboards.py",
    "budget/checks.py",
    "strategy/models/labels.py",  # numbers and labels
    "strategy/models/actions.py",  # statuses
    "templates/reports/_plan_body.html",
    "static/reports/print.css",
]


@pytest.mark.parametrize("relative", SHAPING_FILES)
def test_the_render_version_changes_with_everything_that_shapes_the_output(
    relative: str, monkeypatch: Any, fresh_render_version: Any
) -> None:
    before = freshness.render_version()
    assert relative in {name for name, _ in freshness.render_inputs()}
    edited_source(monkeypatch, relative)
    assert freshness.render_version() == before  # computed once per process
    freshness._render_version_of_this_process.cache_clear()  # the deploy's new process
    assert freshness.render_version() != before


def test_the_render_version_changes_with_the_renderer_library(monkeypatch: Any, fresh_render_version: Any) -> None:
    before = freshness._compute_render_version()
    real = freshness.metadata.version
    monkeypatch.setattr(freshness.metadata, "version", lambda name: "99.0" if name == "weasyprint" else real(name))
    assert freshness._compute_render_version() != before


@pytest.mark.django_db(transaction=True)
def test_a_deploy_with_other_python_renders_the_stored_pdf_afresh(
    reader: Client, fresh_plan_2024: AnnualPlan, monkeypatch: Any, fresh_render_version: Any
) -> None:
    rendered: list[str] = []
    monkeypatch.setattr("reports.rendering.render_pdf", lambda html: rendered.append(html) or b"%PDF-fake")
    reader.get("/jaarplan/2024.pdf")
    reader.get("/jaarplan/2024.pdf")
    assert len(rendered) == 1
    stored = RenderedDocument.objects.get(key="jaarplan-2024").fingerprint

    # The same data, but a new Markdown allow-list in core/markup.py (or amount formatting, or builder).
    edited_source(monkeypatch, "core/markup.py")
    freshness._render_version_of_this_process.cache_clear()
    reader.get("/jaarplan/2024.pdf")
    assert len(rendered) == 2
    assert RenderedDocument.objects.get(key="jaarplan-2024").fingerprint != stored


def test_report_body_comes_from_the_cache_until_the_plan_changes(
    reader: Client,
    plan: AnnualPlan,
    bureau_client: Client,
    django_user_model: Any,
    django_assert_num_queries: Any,
    monkeypatch: Any,
) -> None:
    reopened(plan)  # it loads as adopted; the bureau edits a section below
    url = reverse("reports:plan_report", args=[2024])
    first = reader.get(url)
    assert first.status_code == 200
    renderings: list[str] = []
    built: list[int] = []
    render, build = views.render_to_string, views.build_plan_report
    monkeypatch.setattr(views, "render_to_string", lambda *a, **kw: renderings.append(a[0]) or render(*a, **kw))
    monkeypatch.setattr(views, "build_plan_report", lambda year: built.append(year) or build(year))
    # (`reader` and `bureau_client` share the test client: the requests are the bureau's.)
    # Session, user, the version of the data (one query over all plan and history tables), the plan (the
    # bureau gets the edit link); the body this worker served before comes from its memory; the report is
    # neither built nor rendered.
    with django_assert_num_queries(4):
        again = reader.get(url)
    assert (renderings, built) == ([], [])
    # Another worker (or app server) finds the body in the shared database cache: one read more.
    views.recent_bodies.clear()
    with django_assert_num_queries(5):
        assert reader.get(url).content.split(b'<main id="main">')[1] == again.content.split(b'<main id="main">')[1]
    assert (renderings, built) == ([], [])
    assert again.content.split(b'<main id="main">')[1] == first.content.split(b'<main id="main">')[1]

    # The page chrome is per user; the cached body is the same for everyone.
    other = Client()
    other.force_login(django_user_model.objects.create_user(username="tweede-lezer"))
    page = other.get(url).content.decode()
    assert "tweede-lezer" in page and "lezer</span>" not in page.replace("tweede-lezer", "")
    assert (renderings, built) == ([], [])

    # An edit through the admin is a new version of the data: built and rendered afresh, the edit shows.
    section = PlanSection.objects.get(plan=plan, slug="kennis-en-kunde")
    section_url = admin_url(section, "change", section.pk)
    data = admin_post_data(bureau_client.get(section_url))
    assert bureau_client.post(section_url, {**data, "title": "Kennis en kunde, herzien"}).status_code == 302
    edited = reader.get(url).content.decode()
    assert "Kennis en kunde, herzien" in edited
    assert (renderings, built) == (["reports/_plan_body.html"], [2024])
    # And from then on from the cache again.
    with django_assert_num_queries(4):
        assert "Kennis en kunde, herzien" in reader.get(url).content.decode()
    assert built == [2024]


def test_a_new_version_of_the_code_renders_the_body_afresh(reader: Client, plan: AnnualPlan, monkeypatch: Any) -> None:
    url = reverse("reports:plan_report", args=[2024])
    reader.get(url)
    renderings: list[str] = []
    render = views.render_to_string
    monkeypatch.setattr(views, "render_to_string", lambda *a, **kw: renderings.append(a[0]) or render(*a, **kw))
    reader.get(url)
    assert renderings == []
    monkeypatch.setattr(freshness, "render_version", lambda: "a deploy with other templates or code")
    reader.get(url)
    assert renderings == ["reports/_plan_body.html"]
