"""The jaarverslag (issue 21, item 4): /jaarverslag/2024/ with every goal, line and district, texts written
in the app with a preview (coordinators only their own district), money that reconciles to the spending
rows, and the page linked from /jaarplannen/."""

from __future__ import annotations

import datetime
import html
from typing import Any

import pytest
from django.db import connection
from django.db.models import Sum
from django.test import Client
from django.test.utils import CaptureQueriesContext

from budget.models import CostLine, Spending
from core import clock
from core.roles import BUREAU, COORDINATOR, STEERING_GROUP
from reports import annual
from reports.models import AnnualReportText
from strategy.models import Action, AnnualPlan, ProgressUpdate, Status
from tests.conftest import logged_in, role_user

pytestmark = pytest.mark.django_db

URL = "/jaarverslag/2024/"
GOALS = ["Doel 1: Gezamenlijke aanpak van casuïstiek", "Doel 2: Grotere rol gemeenten", "Doel 3: Barrières opwerpen"]
LINES = ["Lijn 1: ", "Lijn 2: ", "Lijn 3: ", "Lijn 4: "]
DISTRICTS = ["IJsselland", "Twente", "Noord- en Oost-Gelderland", "Gelderland-Midden", "Gelderland-Zuid"]


@pytest.fixture(autouse=True)
def january(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: datetime.date(2025, 1, 20))


@pytest.fixture
def bureau(plan_2024: AnnualPlan) -> Any:
    return role_user("bureau-verslag", BUREAU)


@pytest.fixture
def twente(plan_2024: AnnualPlan) -> Any:
    return role_user("coordinator-twente", COORDINATOR, districts=["twente"])


def page(client: Client, url: str = URL) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return html.unescape(response.content.decode())


def test_every_goal_line_and_district_with_each_actions_final_state(plan_2024: AnnualPlan, bureau: Any) -> None:
    action = Action.objects.get(section__plan=plan_2024, title="Twentse gemeenten hebben de basis op orde")
    ProgressUpdate.objects.create(
        action=action, date=datetime.date(2024, 12, 20), status=Status.DONE, percentage=100, narrative="Alle 14 klaar."
    )
    # An update after the year's end does not count in the year's report.
    ProgressUpdate.objects.create(action=action, date=datetime.date(2025, 1, 10), status=Status.DELAYED, percentage=5)
    text = page(logged_in(role_user("lezer")))
    for title in GOALS + LINES + DISTRICTS:
        assert title in text, title
    for chapter in ("Het jaar in het kort", "Wat we deden", "Wat het betekent", "Wat er bewoog", "Financiën"):
        assert chapter in text
    assert "Alle 14 klaar." in text
    report = annual.build_annual_report(2024)
    rows = [row for chapter in report.districts if chapter.slug == "twente" for row in chapter.actions]
    final = next(row for row in rows if row.pk == action.pk)
    assert (final.status, final.latest_percentage) == (Status.DONE, 100)
    # Every action of the plan stands under exactly one goal chapter.
    under_goals = [row.pk for chapter in report.goals for block in chapter.lines for row in block.actions]
    assert sorted(under_goals) == sorted(Action.objects.filter(section__plan=plan_2024).values_list("pk", flat=True))


def test_the_money_reconciles_to_the_spending_rows(plan_2024: AnnualPlan) -> None:
    lines = list(CostLine.objects.filter(plan=plan_2024).exclude(amount=None).order_by("pk")[:6])
    for position, line in enumerate(lines):
        for quarter in (1, 2, 3, 4):
            amount = 10_000 * (position + 1) + quarter
            Spending.objects.create(cost_line=line, year=2024, quarter=quarter, amount=amount)
    # Spending of another year is not this year's realisation.
    Spending.objects.create(cost_line=lines[0], year=2025, quarter=1, amount=999_999)
    booked = Spending.objects.filter(cost_line__plan=plan_2024, year=2024).aggregate(total=Sum("amount"))["total"]

    report = annual.build_annual_report(2024)
    money = report.money
    assert report.spending_rows == 24
    assert report.spending_total == booked
    assert money.tables.costs_total.spent == booked
    assert sum(category.totals.spent for category in money.tables.costs) == booked
    for category in money.tables.costs:
        for group in category.groups:
            assert group.totals.remaining == group.totals.budgeted - group.totals.spent
    # The programme lines' realisation is the spending on the lines they carry (split lines divided).
    rows = [entry.row for category in money.tables.costs for group in category.groups for entry in group.lines]
    strengthening = sum(row.spent for row in rows if row.charges)
    assert sum(line.spent for line in money.lines) == strengthening
    assert all(line.remaining == line.budgeted - line.spent for line in money.lines)
    text = page(logged_in(role_user("lezer")))
    assert "24 geboekte bestedingen" in text
    assert f"{booked:,}".replace(",", ".") in text


def test_texts_are_written_with_a_preview_by_the_bureau_and_the_own_districts_coordinator(
    plan_2024: AnnualPlan, bureau: Any, twente: Any
) -> None:
    client = logged_in(bureau)
    goal_url = "/jaarverslag/2024/tekst/doel/1/"
    form = client.get(goal_url)
    assert form.status_code == 200
    preview = client.post(goal_url, {"text": "Een **goed** jaar <script>x</script>", "version": "0", "preview": "1"})
    body = preview.content.decode()
    assert "Voorbeeld (nog niet opgeslagen)" in body and "<strong>goed</strong>" in body
    assert "<script>x</script>" not in body
    assert not AnnualReportText.objects.exists()
    saved = client.post(goal_url, {"text": "Een **goed** jaar voor doel 1.", "version": "0", "save": "1"})
    assert saved.status_code == 302
    assert "Een <strong>goed</strong> jaar voor doel 1." in client.get(URL).content.decode()
    stored = AnnualReportText.objects.get()
    assert stored.history.latest().history_user == bureau

    coordinator = logged_in(twente)
    assert coordinator.get(goal_url).status_code == 403
    assert coordinator.get("/jaarverslag/2024/tekst/district/ijsselland/").status_code == 403
    other = coordinator.post("/jaarverslag/2024/tekst/district/ijsselland/", {"text": "x", "save": "1"})
    assert other.status_code == 403
    own = "/jaarverslag/2024/tekst/district/twente/"
    written = coordinator.post(own, {"text": "Twente: veertien gemeenten op orde.", "version": "0", "save": "1"})
    assert written.status_code == 302
    reader = page(logged_in(role_user("lezer")))
    assert "Twente: veertien gemeenten op orde." in reader
    # The coordinator's page offers only the own district's text to write.
    writable = coordinator.get(URL).context["writable"]
    assert [entry["label"] for entry in writable] == ["Twente"]


def test_a_stale_text_never_overwrites_a_newer_one(plan_2024: AnnualPlan, bureau: Any) -> None:
    client = logged_in(bureau)
    url = "/jaarverslag/2024/tekst/doel/2/"
    client.post(url, {"text": "Eerste versie.", "version": "0", "save": "1"})
    version = AnnualReportText.objects.get().version
    client.post(url, {"text": "Tweede versie.", "version": str(version), "save": "1"})
    stale = client.post(url, {"text": "Uit een oud venster.", "version": str(version), "save": "1"})
    assert stale.status_code == 200
    assert "Iemand anders heeft deze tekst opgeslagen" in stale.content.decode()
    assert AnnualReportText.objects.get().text == "Tweede versie."


def test_linked_from_the_plan_list_and_adoption_waits_for_the_years_end(
    plan_2024: AnnualPlan, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = logged_in(role_user("stuurgroep", STEERING_GROUP))
    assert 'href="/jaarverslag/2024/"' in reader.get("/jaarplannen/").content.decode()
    assert reader.get("/jaarverslag/2023/").status_code == 404
    monkeypatch.setattr(clock, "today", lambda: datetime.date(2024, 12, 1))
    assert not reader.get(URL).context["can_adopt"]
    assert "Voorlopig – het jaar 2024 loopt nog." in reader.get(URL).content.decode()
    refused = reader.post("/jaarverslag/2024/vaststellen/", follow=True)
    assert "loopt nog tot en met 31 december" in refused.content.decode()
    # A coordinator never adopts.
    coordinator = logged_in(role_user("coordinator-twente", COORDINATOR, districts=["twente"]))
    monkeypatch.setattr(clock, "today", lambda: datetime.date(2025, 1, 20))
    assert coordinator.post("/jaarverslag/2024/vaststellen/").status_code == 403


def test_the_builder_runs_a_fixed_number_of_queries(plan_2024: AnnualPlan) -> None:
    with CaptureQueriesContext(connection) as before:
        annual.build_annual_report(2024)
    section = Action.objects.filter(section__plan=plan_2024).first().section
    for order in range(200, 210):
        added = Action.objects.create(section=section, order=order, title=f"Extra actie {order}")
        ProgressUpdate.objects.create(
            action=added, date=datetime.date(2024, 6, 1), status=Status.ON_TRACK, percentage=10
        )
    with CaptureQueriesContext(connection) as after:
        annual.build_annual_report(2024)
    assert len(after) == len(before)
