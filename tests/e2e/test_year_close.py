"""The year's close in the browser (issue 21): 2025 is made in October 2024; on 7 January 2025 the Twente
coordinator reports Q4 2024 on Mijn acties, and the update lands on the 2024 action, in the Q4 2024
report, and out of the 8 January reminder."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import expect
from pypdf import PdfReader

from core import clock
from strategy.models import Action, AnnualPlan, ProgressUpdate
from strategy.reminders import round_on, send_reminders

pytestmark = pytest.mark.django_db(transaction=True)

TWENTE_ACTION = "Twentse gemeenten hebben de basis op orde"
NARRATIVE = "Twaalf van de veertien gemeenten voldoen; Hof van Twente en Tubbergen volgen in maart."


def set_today(monkeypatch: pytest.MonkeyPatch, day: datetime.date) -> None:
    # The live server runs in this process: its views read the same clock.
    monkeypatch.setattr(clock, "today", lambda: day)


def twente_digest(day: datetime.date) -> str:
    """The body of the reminder the Twente coordinator gets on `day` ("" when none is sent)."""
    round_ = round_on(day)
    assert round_ is not None, day
    send_reminders(round_)
    bodies = [message.body for message in mail.outbox if message.to == ["twente@riec.test"]]
    return bodies[-1] if bodies else ""


def test_q4_reported_in_january_lands_on_the_2024_action(
    accounts: dict[str, Any], log_in: Any, live_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = live_server.url
    accounts["coordinator-twente"].email = "twente@riec.test"
    accounts["coordinator-twente"].save()
    old = Action.objects.get(title=TWENTE_ACTION)

    # 15 October 2024: the bureau makes the 2025 plan with "Volgend jaarplan maken".
    set_today(monkeypatch, datetime.date(2024, 10, 15))
    page = log_in("bureau")
    page.goto(f"{url}/admin/strategy/annualplan/")
    page.locator("input[name=_selected_action]").first.check()
    page.locator("select[name=action]").select_option(label="Volgend jaarplan maken")
    page.get_by_role("button", name="Uitvoeren").click()
    page.get_by_role("button", name="Volgend jaarplan maken").click()
    expect(page.locator(".messagelist, .messages")).to_contain_text("2025")
    copy = Action.objects.get(section__plan__year=2025, continues=old)

    # 2 January 2025: the reminder lists the 2024 action and links straight to the quarter just ended.
    first_reminder = twente_digest(datetime.date(2025, 1, 2))
    assert TWENTE_ACTION in first_reminder
    assert f"/acties/{old.pk}/" in first_reminder
    assert "/mijn-acties/#afgelopen-kwartaal" in first_reminder

    # 7 January 2025: Mijn acties shows Q4 2024 (the 2024 plan) and Q1 2025 (the 2025 plan) apart.
    set_today(monkeypatch, datetime.date(2025, 1, 7))
    page = log_in("coordinator-twente")
    page.goto(f"{url}/mijn-acties/#afgelopen-kwartaal")
    previous = page.locator("#afgelopen-kwartaal")
    expect(previous.get_by_role("heading", level=2)).to_contain_text("Afgelopen kwartaal: Q4 2024")
    expect(previous).to_contain_text("Jaarplan 2024")
    expect(page.get_by_role("heading", name="Dit kwartaal: Q1 2025")).to_be_visible()
    card = previous.locator(f"#actie-{old.pk}-vorig")
    expect(card.get_by_role("link", name=TWENTE_ACTION)).to_have_attribute("href", f"/acties/{old.pk}/")
    card.get_by_label("Status").select_option(label="risico")
    card.get_by_label("Percentage").fill("85")
    card.get_by_label("Toelichting").fill(NARRATIVE)
    card.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"De voortgang van “{TWENTE_ACTION}” is bijgewerkt voor kwartaal 4 2024 (gedateerd 31 december 2024)."
    )
    # The card has left "nog bij te werken" of Q4; the 2025 copy still waits for its Q1 update.
    expect(page.locator(f"#actie-{old.pk}-vorig")).to_have_count(0)
    expect(page.locator(f"#actie-{copy.pk}")).to_have_count(1)
    update = ProgressUpdate.objects.get()
    assert (update.action_id, update.date) == (old.pk, datetime.date(2024, 12, 31))

    # The 2024 action shows it; the 2025 copy does not.
    page.goto(f"{url}/acties/{old.pk}/")
    expect(page.locator("li.update").first).to_contain_text(NARRATIVE)
    page.goto(f"{url}/acties/{copy.pk}/")
    expect(page.locator("main")).not_to_contain_text(NARRATIVE)

    # The Q4 2024 report lists it (provisional: the quarter is not closed yet); Q3 2025 is not offered.
    page.goto(f"{url}/jaarplannen/")
    row_2025 = page.locator("tr", has=page.locator("th", has_text="2025"))
    expect(row_2025.get_by_role("link", name="Q1", exact=True)).to_have_count(1)
    expect(row_2025.get_by_role("link", name="Q3", exact=True)).to_have_count(0)
    row_2024 = page.locator("tr", has=page.locator("th", has_text="2024"))
    expect(row_2024).to_contain_text("Voorlopig – kwartaal nog niet afgesloten")
    expect(row_2024.get_by_role("link", name="Jaarverslag")).to_have_attribute("href", "/jaarverslag/2024/")
    report = page.request.get(f"{url}/voortgang/2024/Q4.pdf")
    assert report.headers["content-type"] == "application/pdf"
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(report.body())).pages)
    assert TWENTE_ACTION in text and NARRATIVE in text
    assert "Voorlopig – kwartaal nog niet afgesloten" in text

    # 8 January 2025: the second reminder no longer lists the action.
    second_reminder = twente_digest(datetime.date(2025, 1, 8))
    assert second_reminder and second_reminder != first_reminder
    assert TWENTE_ACTION not in second_reminder
    assert AnnualPlan.objects.get(year=2025).status == AnnualPlan.Status.CONCEPT
