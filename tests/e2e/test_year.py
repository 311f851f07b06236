"""One year walked in the browser: the bureau prepares 2025 in October 2024 while 2024 runs on."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from core import clock
from strategy.models import Action, AnnualPlan

pytestmark = pytest.mark.django_db(transaction=True)

OCTOBER = datetime.date(2024, 10, 15)
TWENTE_ACTION = "Twentse gemeenten hebben de basis op orde"


@pytest.fixture(autouse=True)
def october(monkeypatch: pytest.MonkeyPatch) -> None:
    # The live server runs in this process: its views read the same clock.
    monkeypatch.setattr(clock, "today", lambda: OCTOBER)


def test_a_year_with_next_years_plan_in_preparation(
    accounts: Any, log_in: Any, live_server: Any, editable_live_plan: None
) -> None:
    # The 2024 plan loads as adopted; here it is reopened, so the stuurgroep adopts it again in October.
    url = live_server.url
    twente_action = Action.objects.get(title=TWENTE_ACTION)

    # A coordinator reports on a 2024 action in October.
    page = log_in("coordinator-twente")
    page.goto(f"{url}/acties/{twente_action.pk}/")
    form = page.locator("form", has=page.get_by_role("button", name="Update opslaan"))
    form.get_by_label("Status").select_option(label="risico")
    form.get_by_label("Percentage gereed").fill("40")
    form.get_by_label("Toelichting").fill("Twee gemeenten lopen achter.")
    form.get_by_role("button", name="Update opslaan").click()
    expect(page.locator(".messages")).to_contain_text("is opgeslagen")

    # The bureau makes the 2025 plan with "Volgend jaarplan maken".
    page = log_in("bureau")
    page.goto(f"{url}/admin/strategy/annualplan/")
    page.locator("input[name=_selected_action]").first.check()
    page.locator("select[name=action]").select_option(label="Volgend jaarplan maken")
    page.get_by_role("button", name="Uitvoeren").click()
    page.get_by_role("button", name="Volgend jaarplan maken").click()
    expect(page.locator(".messagelist, .messages")).to_contain_text("2025")
    assert AnnualPlan.objects.filter(year=2025, status=AnnualPlan.Status.CONCEPT).exists()

    # The coordinator's pages still show 2024, with the fresh update.
    page = log_in("coordinator-twente")
    expect(page.locator("h1")).to_contain_text("2024")
    updates = page.locator("section", has=page.get_by_role("heading", name="Laatste voortgangsupdates"))
    expect(updates.locator("tbody tr").first).to_contain_text(TWENTE_ACTION)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Districten").click()
    expect(page.locator("h1")).to_contain_text("Districten in jaarplan 2024")
    page.get_by_role("link", name="Twente", exact=True).first.click()
    expect(page.locator(".lead")).to_contain_text("Jaarplan 2024")
    expect(page.locator("tr", has_text=TWENTE_ACTION).first).to_contain_text("risico")
    page.goto(f"{url}/mijn-acties/")
    expect(page.locator("main")).to_contain_text("2024")

    # Every output of both years is one click from /jaarplannen/.
    page.goto(f"{url}/jaarplannen/")
    row_2025 = page.locator("tr", has=page.locator("th", has_text="2025"))
    for name in ("Webversie", "PDF", "Dashboard", "Begroting", "Vergelijk met 2024"):
        expect(row_2025.get_by_role("link", name=name, exact=True)).to_have_count(1)
    # No quarter of 2025 has begun: none of its reports is offered yet.
    for name in ("Q1", "Q2", "Q3", "Q4"):
        expect(row_2025.get_by_role("link", name=name, exact=True)).to_have_count(0)
    row_2025.get_by_role("link", name="Dashboard", exact=True).click()
    expect(page.locator("h1")).to_contain_text("Jaarplan 2025")
    page.get_by_role("navigation", name="Ander jaar").get_by_role("link", name="2024").click()
    expect(page.locator("h1")).to_contain_text("Jaarplan 2024")

    # The 2025 copy of the updated action says where it came from.
    copy = Action.objects.get(section__plan__year=2025, continues=twente_action)
    page.goto(f"{url}/acties/{copy.pk}/")
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("Voortgezet uit")
    expect(facts).to_contain_text("jaarplan 2024, laatste stand: risico, 40")
    expect(facts).to_contain_text("te herzien")

    # The stuurgroep adopts 2024 in one submit (its checks are green) ...
    page = log_in("stuurgroep")
    plan_2024 = AnnualPlan.objects.get(year=2024)
    page.goto(f"{url}/admin/strategy/annualplan/{plan_2024.pk}/vaststellen/")
    expect(page.get_by_label("Vastgesteld op")).to_have_value("2024-10-15")
    page.get_by_role("button", name="Vaststellen").click()
    expect(page.locator(".messagelist")).to_contain_text("Jaarplan 2024: vaststellen gelukt.")
    plan_2024.refresh_from_db()
    assert (plan_2024.status, plan_2024.adopted_on) == (AnnualPlan.Status.ADOPTED, OCTOBER)

    # ... and is warned on 2025, whose indexed costs no longer match the funding.
    plan_2025 = AnnualPlan.objects.get(year=2025)
    page.goto(f"{url}/admin/strategy/annualplan/{plan_2025.pk}/vaststellen/")
    expect(page.locator(".adoption-checks")).to_contain_text("Niet alle controles kloppen")
    expect(page.locator(".adoption-checks table")).to_contain_text(re.compile(r"verschil"))
    page.get_by_role("button", name="Vaststellen").click()
    expect(page.locator(".errornote, .errorlist").first).to_be_visible()
    plan_2025.refresh_from_db()
    assert plan_2025.status == AnnualPlan.Status.CONCEPT
