"""What people do in the browser, end to end, in headless Chromium."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from playwright.sync_api import expect

from budget.models import CostLine
from core import clock
from strategy.models import PlanSection

# Browser tests need the live server's own database transactions (and rendering outside them).
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("username", ["bureau", "stuurgroep", "coordinator-twente", "coordinator-ijsselland"])
def test_every_role_logs_in_and_reads_the_plan(accounts: Any, log_in: Any, live_server: Any, username: str) -> None:
    page = log_in(username)
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()
    page.goto(f"{live_server.url}/jaarplan/2024/")
    expect(page.get_by_role("heading", name="4.1 Wat kost het?")).to_be_visible()
    expect(page.locator("table.costs tr.total")).to_contain_text("7.843.124")


def test_anonymous_visitor_is_sent_to_the_login(live_server: Any, page: Any, live_plan_2024: None) -> None:
    page.goto(f"{live_server.url}/jaarplan/2024/")
    expect(page).to_have_url(f"{live_server.url}/inloggen/?next=/jaarplan/2024/")
    expect(page.get_by_role("heading", name="Inloggen")).to_be_visible()


def test_bureau_edits_a_section_in_the_admin_and_sees_it_in_the_report(
    accounts: Any, log_in: Any, live_server: Any, editable_live_plan: None
) -> None:
    page = log_in("bureau")
    section = PlanSection.objects.get(plan__year=2024, slug="kennis-en-kunde")
    page.goto(f"{live_server.url}/admin/strategy/plansection/{section.pk}/change/")
    page.locator("#id_title").fill("Investeren in kennis, kunde en netwerken")
    page.locator("#id_body").fill("De **RIEC Academie** start in 2024.\n\n- training Bibob\n- training APV")
    page.get_by_role("button", name="Opslaan", exact=True).first.click()  # above and below the text
    expect(page.locator(".messagelist")).to_contain_text("gewijzigd")

    page.goto(f"{live_server.url}/jaarplan/2024/")
    heading = page.get_by_role("heading", name="1.2.2 Investeren in kennis, kunde en netwerken")
    expect(heading).to_be_visible()
    body = page.locator("section.depth-3", has=heading)
    expect(body.locator("strong")).to_have_text("RIEC Academie")
    expect(body.locator("li")).to_have_count(2)


def test_stuurgroep_downloads_the_pdf(accounts: Any, log_in: Any, live_server: Any) -> None:
    page = log_in("stuurgroep")
    page.goto(f"{live_server.url}/jaarplannen/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="PDF").first.click()
    download = download_info.value
    assert download.suggested_filename == "jaarplan-2024-riec-oost-nederland.pdf"
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"


def test_coordinator_posts_a_progress_update_and_sees_the_dashboard_change(
    accounts: Any, log_in: Any, live_server: Any, monkeypatch: Any
) -> None:
    # In the plan's year: an update is stored on the action of the plan of its date's year. The live
    # server runs in this process, so its views read the same clock.
    monkeypatch.setattr(clock, "today", lambda: datetime.date(2024, 5, 15))
    page = log_in("coordinator-twente")
    page.goto(f"{live_server.url}/mijn-acties/")
    first = page.locator("form.quick-update").first
    title = first.locator("xpath=ancestor::li[1]//h3").inner_text()
    first.get_by_label("Status").select_option(label="risico")
    first.get_by_label("Percentage").fill("30")
    first.get_by_label("Toelichting").fill("Capaciteit bij de gemeenten ontbreekt nog.")
    first.get_by_role("button", name="Opslaan").click()
    expect(page.locator(".messages")).to_contain_text(f"De voortgang van “{title}” is bijgewerkt.")

    page.goto(f"{live_server.url}/")
    latest = page.locator("section", has=page.get_by_role("heading", name="Laatste voortgangsupdates"))
    newest = latest.locator("tbody tr").first
    expect(newest).to_contain_text(title)
    expect(newest).to_contain_text("coordinator-twente")
    expect(newest).to_contain_text("risico")
    expect(page.locator(".kpi-risico .kpi-value")).to_have_text("1")


def test_a_bad_import_shows_its_errors_and_imports_nothing(
    accounts: Any, log_in: Any, live_server: Any, tmp_path: Any, editable_live_plan: None
) -> None:
    before = CostLine.objects.count()
    bad = tmp_path / "kosten.csv"
    bad.write_text(
        "Jaar,Onderdeel,Omschrijving,Volgorde,Bedrag (€),Geldstroom,Groep,Ten laste van lijn\n"
        "2024,bedrijfsvoering,Nieuwe kosten,900,12500,regulier,,\n"
        '2024,bedrijfsvoering,Nog meer kosten,901,"260.000,50",regulier,,\n',
        encoding="utf-8",
    )
    page = log_in("bureau")
    page.goto(f"{live_server.url}/admin/budget/costline/import/")
    page.locator("input[name=import_file]").set_input_files(str(bad))
    page.locator("select[name=format]").select_option(value="0")  # csv
    page.locator("input[type=submit]").first.click()
    expect(page.get_by_role("heading", name="Er is niets geïmporteerd")).to_be_visible()
    expect(page.get_by_text("Rij 3, kolom ‘Bedrag (€)’")).to_be_visible()
    expect(page.locator("input[name=confirm]")).to_have_count(0)
    assert CostLine.objects.count() == before


def test_the_export_page_selects_all_columns_under_the_content_security_policy(
    accounts: Any, log_in: Any, live_server: Any
) -> None:
    page = log_in("bureau")
    blocked: list[str] = []
    page.on(
        "console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None
    )
    page.goto(f"{live_server.url}/admin/budget/costline/export/")
    expect(page.get_by_role("heading", name="Exporteren")).to_be_visible()
    select_all = page.get_by_label("Alle kolommen")
    columns = page.locator('.selectable-field-export-row input[type="checkbox"]')
    expect(columns).to_have_count(8)
    expect(page.get_by_label("Bedrag (€)")).to_be_checked()

    select_all.uncheck()
    for index in range(8):
        expect(columns.nth(index)).not_to_be_checked()
    page.get_by_label("Omschrijving").check()
    page.get_by_label("Bedrag (€)").check()
    expect(select_all).not_to_be_checked()
    select_all.check()
    for index in range(8):
        expect(columns.nth(index)).to_be_checked()

    select_all.uncheck()
    page.get_by_label("Omschrijving").check()
    page.get_by_label("Formaat").select_option(label="CSV (Excel; puntkomma's, UTF-8)")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Exporteren").click()
    download = download_info.value
    assert download.suggested_filename.startswith("kostenregels-2024-")
    with open(download.path(), "rb") as exported:
        assert exported.readline().decode("utf-8-sig").strip() == "Omschrijving"
    assert blocked == []
