"""The quarterly cycle in the browser: a district sets its own basis op orde, and progress is reported
for the quarter just ended in the first days of the next one."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from playwright.sync_api import expect

from core import clock
from districts.models import BaselineAssessment, BaselineNorm
from strategy.models import ProgressUpdate

pytestmark = pytest.mark.django_db(transaction=True)


def fix_today(monkeypatch: pytest.MonkeyPatch, day: datetime.date) -> None:
    # The live server runs in a thread of this process: it reads the same clock.
    monkeypatch.setattr(clock, "today", lambda: day)


def pick(page: Any, field: str, search: str, option: str) -> None:
    """Choose in one of the admin's autocomplete fields (select2), as a user does: open, type, click."""
    page.locator(f"#id_{field} + .select2 .select2-selection").click()
    page.locator(".select2-search__field").fill(search)
    page.locator(".select2-results__option", has_text=option).first.click()


def test_coordinator_twente_adds_a_norm_and_an_assessment(
    accounts: Any, log_in: Any, live_server: Any, monkeypatch: pytest.MonkeyPatch, editable_live_plan: None
) -> None:
    fix_today(monkeypatch, datetime.date(2024, 5, 15))
    page = log_in("coordinator-twente")
    page.goto(f"{live_server.url}/admin/districts/baselineassessment/add/")
    expect(
        page.get_by_text("Voor Twente staan in Jaarplan 2024 nog geen normen voor de basis op orde.")
    ).to_be_visible()
    page.get_by_role("link", name="Voeg eerst de normen toe").click()

    pick(page, "district_plan", "Twente", "Twente 2024")
    page.locator("#id_title").fill("Intern meldpunt")
    page.get_by_role("button", name="Opslaan", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("toegevoegd")

    page.goto(f"{live_server.url}/admin/districts/baselineassessment/add/")
    expect(page.get_by_text("nog geen normen")).to_have_count(0)
    pick(page, "municipality", "Ensch", "Enschede")
    pick(page, "norm", "meldpunt", "Intern meldpunt")
    page.locator("#id_assessed_on").fill("15-05-2024")
    page.locator("#id_status").select_option(label="voldoet")
    page.get_by_role("button", name="Opslaan", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("toegevoegd")

    assessment = BaselineAssessment.objects.get()
    assert (assessment.municipality.name, assessment.norm.title) == ("Enschede", "Intern meldpunt")
    assert BaselineNorm.objects.filter(title="Intern meldpunt", district_plan__district__slug="twente").count() == 1
    # The district page's matrix now has the norm, with Enschede's stand and "onbekend" elsewhere.
    page.goto(f"{live_server.url}/districten/twente/")
    matrix = page.locator("table.matrix")
    expect(matrix.locator("thead")).to_contain_text("Intern meldpunt")
    expect(matrix.locator("tr", has=page.get_by_role("rowheader", name="Enschede"))).to_contain_text("voldoet")
    expect(matrix.locator("tr", has=page.get_by_role("rowheader", name="Almelo"))).to_contain_text("onbekend")


def test_report_on_q1_in_the_first_week_of_q2(
    accounts: Any, log_in: Any, live_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    fix_today(monkeypatch, datetime.date(2024, 4, 3))
    page = log_in("coordinator-twente")
    page.goto(f"{live_server.url}/mijn-acties/")
    # The cards of the quarter just ended stand apart, above this quarter's.
    previous = page.locator("#afgelopen-kwartaal")
    expect(previous.get_by_role("heading", level=2)).to_contain_text("Afgelopen kwartaal: Q1 2024")
    expect(previous).to_contain_text("krijgt de datum 31 maart 2024")
    card = previous.locator("li.action-card").first
    title = card.locator("h3").inner_text()
    card.get_by_label("Status").select_option(label="op koers")
    card.get_by_label("Percentage").fill("60")
    card.get_by_label("Toelichting").fill("Stand aan het eind van het eerste kwartaal.")
    card.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"De voortgang van “{title}” is bijgewerkt voor kwartaal 1 2024 (gedateerd 31 maart 2024)."
    )
    update = ProgressUpdate.objects.get()
    assert (update.date, update.author.username) == (datetime.date(2024, 3, 31), "coordinator-twente")

    page.get_by_role("link", name=title).first.click()
    latest = page.locator("li.update").first
    expect(latest).to_contain_text("31 maart 2024")
    expect(latest).to_contain_text("Stand aan het eind van het eerste kwartaal.")


def test_a_refused_update_opens_at_its_card_with_the_focus_on_its_errors(
    accounts: Any, log_in: Any, live_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    fix_today(monkeypatch, datetime.date(2024, 5, 15))
    page = log_in("coordinator-twente")
    page.goto(f"{live_server.url}/mijn-acties/")
    card = page.locator("li.action-card").nth(3)
    card_id = card.get_attribute("id")
    title = card.locator("h3").inner_text()
    card.get_by_label("Status").select_option(label="afgerond")
    card.get_by_label("Percentage").fill("50")
    card.get_by_role("button", name="Opslaan").click()

    summary = page.locator(f"#{card_id}-fouten")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    expect(summary).to_contain_text("Een afgeronde actie staat op 100%")
    expect(page.get_by_role("alert").first).to_contain_text(f"De update voor “{title}” is niet opgeslagen.")
    assert not ProgressUpdate.objects.exists()
