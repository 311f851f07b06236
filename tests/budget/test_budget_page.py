"""The budget page /jaarplan/<year>/begroting/: checks in words and colour, amounts, realisation, fixed queries."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from budget.models import FundingStream
from strategy.models import AnnualPlan
from tests.budget.conftest import cost_line
from tests.budget.factories import (
    CostGroupFactory,
    CostLineFactory,
    CostSplitFactory,
    FundingSourceFactory,
    ProgrammeAllocationFactory,
    SpendingFactory,
)
from tests.strategy.factories import AnnualPlanFactory, ProgrammeLineFactory

pytestmark = pytest.mark.django_db

URL = "/jaarplan/2024/begroting/"


def check_row(html: str, key: str) -> str:
    match = re.search(rf'<tr class="check (ok|bad)" data-check="{key}">(.*?)</tr>', html, re.S)
    assert match, f"no check {key!r} on the page"
    cells = re.sub(r"<[^>]+>", " ", match.group(2))
    return f"{match.group(1)} " + re.sub(r"\s+", " ", cells).strip()


def test_url_name() -> None:
    assert reverse("budget:overview", args=[2024]) == URL


def test_page_needs_a_login(client: Client, plan_2024: AnnualPlan) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_year_without_a_plan_is_404(reader: Client, plan_2024: AnnualPlan) -> None:
    assert reader.get("/jaarplan/1999/begroting/").status_code == 404


def test_2024_page_shows_every_check_green_with_its_figures(reader: Client, plan_2024: AnnualPlan) -> None:
    html = reader.get(URL).content.decode()

    assert check_row(html, "total") == "ok Totale kosten = totale dekking 7.843.124 7.843.124 ✓ klopt"
    assert check_row(html, "regular") == "ok Reguliere kosten = reguliere dekking 4.030.124 4.030.124 ✓ klopt"
    assert check_row(html, "reinforcement") == (
        "ok Kosten versterking = bijdrage versterkingsmiddelen 3.813.000 3.813.000 ✓ klopt"
    )
    assert (
        check_row(html, "line-1")
        == "ok Lijn 1: kostenregels = tabel 4.3 voor 2024 (jaarschijf) 610.000 610.000 ✓ klopt"
    )
    assert check_row(html, "line-2").endswith("1.330.000 1.330.000 ✓ klopt")
    assert check_row(html, "line-3") == (
        "ok Lijn 3: kostenregels = tabel 4.3 voor 2024 (jaarschijf + kasschuif 2022) 1.580.000 1.580.000 ✓ klopt"
    )
    assert check_row(html, "line-4").endswith("293.000 293.000 ✓ klopt")
    assertContains(reader.get(URL), "Alle controles kloppen.")


def test_2024_page_shows_costs_funding_and_links_back(reader: Client, plan_2024: AnnualPlan) -> None:
    response = reader.get(URL)

    assertContains(response, '<a href="/jaarplan/2024/">Jaarplan 2024</a>', html=True)  # in the breadcrumbs
    assertContains(response, "budget.css")
    # A cost line with budgeted, spent and remaining, and the line it is charged to.
    assertContains(
        response,
        '<tr class="line in-group"><td>Versterken OM</td><td class="charged">lijn 1</td>'
        '<td class="amount">260.000</td><td class="amount">-</td><td class="amount">260.000</td></tr>',
        html=True,
    )
    assertContains(response, '<td class="charged">lijn 1: 12.500, lijn 3: 100.000</td>', html=True)
    assertContains(response, '<td class="amount">\u221212.500</td>', html=True)
    # Subtotals per group and part, and the totals.
    assertContains(response, "Subtotaal Lijn 2: Ondersteuning gemeenten")
    assertContains(
        response,
        '<tr class="category-total"><td colspan="2">Totaal personele kosten</td><td class="amount">3.935.009</td>'
        '<td class="amount">-</td><td class="amount">3.935.009</td></tr>',
        html=True,
    )
    assertContains(
        response,
        '<tr class="total"><th scope="row">Totaal dekking</th><td class="amount">7.843.124</td></tr>',
        html=True,
    )
    assertContains(
        response,
        '<tr class="category-total"><td>Subtotaal geldstroom regulier</td><td class="amount">4.030.124</td></tr>',
        html=True,
    )
    assertContains(
        response,
        '<tr class="category-total"><td>Subtotaal geldstroom versterking</td><td class="amount">3.813.000</td></tr>',
        html=True,
    )
    # Nothing booked yet: the onderuitputting is pm, and the page says how it is computed.
    assertContains(response, "Voor 2024 zijn nog geen bestedingen geboekt")
    assertContains(response, "Verwachte onderuitputting = begroot min (besteed ÷ aantal geboekte kwartalen × 4)")


def test_pm_cost_line_is_listed_as_pm(reader: Client, plan_2024: AnnualPlan) -> None:
    line = cost_line(plan_2024, "Vakantieparken")
    line.amount = None
    line.save()

    response = reader.get(URL)

    assertContains(
        response,
        '<tr class="line in-group"><td>Vakantieparken</td><td class="charged">lijn 3</td>'
        '<td class="amount">pm</td><td class="amount">-</td><td class="amount">pm</td></tr>',
        html=True,
    )
    assert check_row(response.content.decode(), "line-3").endswith("1.170.000 1.580.000 ✗ verschil \u2212410.000")


def test_a_changed_cost_line_shows_red_checks_with_the_difference(reader: Client, plan_2024: AnnualPlan) -> None:
    line = cost_line(plan_2024, "Versterken OM")
    line.amount = 250_000
    line.save()

    response = reader.get(URL)
    html = response.content.decode()

    assert check_row(html, "total") == "bad Totale kosten = totale dekking 7.833.124 7.843.124 ✗ verschil \u221210.000"
    assert check_row(html, "reinforcement").endswith("3.803.000 3.813.000 ✗ verschil \u221210.000")
    assert check_row(html, "line-1").endswith("600.000 610.000 ✗ verschil \u221210.000")
    for key in ("regular", "line-2", "line-3", "line-4"):
        assert check_row(html, key).startswith("ok ")
    assertContains(response, "Niet alle controles kloppen")
    assertNotContains(response, "Alle controles kloppen.")


def test_page_shows_spending_and_underspend_per_line(reader: Client, plan_2024: AnnualPlan) -> None:
    SpendingFactory(cost_line=cost_line(plan_2024, "Versterken OM"), quarter=1, amount=60_000)
    SpendingFactory(cost_line=cost_line(plan_2024, "Overhead Versterking"), quarter=1, amount=22_500)

    response = reader.get(URL)

    assertContains(response, "Bestedingen geboekt tot en met kwartaal 1 van 2024.")
    assertContains(
        response,
        '<tr class="line in-group"><td>Versterken OM</td><td class="charged">lijn 1</td>'
        '<td class="amount">260.000</td><td class="amount">60.000</td><td class="amount">200.000</td></tr>',
        html=True,
    )
    # Line 1: 60.000 + 2.500 (its share of the overhead) in one quarter runs to 250.000 in the year.
    assertContains(
        response,
        '<tr class="line" data-line="1"><th scope="row">Lijn 1: Casuïstiek sneller en effectiever maken</th>'
        '<td class="amount">610.000</td><td class="amount">610.000</td><td class="amount">62.500</td>'
        '<td class="amount">547.500</td><td class="amount">360.000</td></tr>',
        html=True,
    )


def _grow(plan: AnnualPlan, count: int) -> None:
    """`count` cost lines in their own groups, half of them split, each with two quarters booked."""
    lines = [ProgrammeLineFactory(strategy=plan.strategy) for _ in range(2)]
    for programme_line in lines:
        ProgrammeAllocationFactory(plan=plan, programme_line=programme_line, year=plan.year)
    for index in range(count):
        line = CostLineFactory(
            plan=plan, group=CostGroupFactory(plan=plan), amount=100_000, funding_stream=FundingStream.REINFORCEMENT
        )
        if index % 2:
            line.programme_line = lines[0]
            line.save()
        else:
            for programme_line, part in zip(lines, (60_000, 40_000), strict=True):
                CostSplitFactory(cost_line=line, programme_line=programme_line, amount=part)
        for quarter in (1, 2):
            SpendingFactory(cost_line=line, quarter=quarter, amount=10_000)
        FundingSourceFactory(plan=plan, funding_stream=FundingStream.REINFORCEMENT)


def test_page_queries_do_not_grow_with_cost_lines_and_spending(
    reader: Client, django_assert_num_queries, count_queries
) -> None:
    plan = AnnualPlanFactory(year=2030)
    _grow(plan, 3)
    url = reverse("budget:overview", args=[plan.year])
    # Session and user; the plan; then load_budget: spending per cost line and quarter, cost lines with
    # group and line, their splits with line, funding sources, the table 4.3 cells with their line; the
    # user's groups for the menu, the plan years for the year switch (the session, saved at login, is not
    # saved again).
    with django_assert_num_queries(10):
        response = reader.get(url)
    assertContains(response, "Bestedingen geboekt tot en met kwartaal 2 van 2030.")
    _, few = count_queries(reader, url)

    _grow(plan, 27)
    response, many = count_queries(reader, url)

    assert response.content.decode().count('<tr class="line in-group">') == 30 + 30  # cost lines + funding rows
    assert response.context["budget"].tables.costs_total.spent == 30 * 20_000
    assert many == few == 10
