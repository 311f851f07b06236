"""The dashboard of the current plan: counts, shares, overdue actions and latest updates from known data."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.test import Client

from budget.models import CostLine
from core import clock
from districts.models import District
from reports.dashboards import build_dashboard
from strategy.models import Action, AnnualPlan, Goal, ProgressUpdate, Status
from tests.districts.factories import DistrictPlanFactory
from tests.strategy.factories import ActionFactory, AnnualPlanFactory, PlanSectionFactory, ProgressUpdateFactory

pytestmark = pytest.mark.django_db

REFERENCE = datetime.date(2025, 5, 1)


@pytest.fixture
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> datetime.date:
    monkeypatch.setattr(clock, "today", lambda: REFERENCE)
    return REFERENCE


@pytest.fixture
def plan_2025(plan_2024: AnnualPlan, django_user_model: Any) -> dict[str, Any]:
    """A small newer plan, so it is the current one: four actions with known updates."""
    strategy = plan_2024.strategy
    goal1 = Goal.objects.get(strategy=strategy, number=1)
    goal2 = Goal.objects.get(strategy=strategy, number=2)
    plan = AnnualPlanFactory(strategy=strategy, year=2025, title="Jaarplan 2025")
    chapter = PlanSectionFactory(plan=plan, goal=goal1)
    paragraph = PlanSectionFactory(plan=plan, parent=chapter)
    district_chapter = PlanSectionFactory(plan=plan)
    district_paragraph = PlanSectionFactory(plan=plan, parent=district_chapter)
    twente = District.objects.get(slug="twente")
    district_plan = DistrictPlanFactory(plan=plan, district=twente, section=district_chapter)
    # Goal from the paragraph's parent chapter; done.
    done = ActionFactory(section=paragraph, title="Actie klaar", due_year=2025, due_quarter=1)
    # Goal from its own section; Q1 is past on 1 May and it is not done: overdue.
    late = ActionFactory(section=chapter, title="Actie te laat", due_year=2025, due_quarter=1)
    # Own goal, in a paragraph of Twente's chapter; at risk but not yet due.
    risky = ActionFactory(
        section=district_paragraph, goal=goal2, title="Actie met risico", due_year=2025, due_quarter=4
    )
    # No goal anywhere ("Overig"), in Twente's chapter itself, without updates ("niet gestart").
    idle = ActionFactory(section=district_chapter, title="Actie zonder update", due_year=None, due_quarter=None)
    author = django_user_model.objects.create_user(username="coord", first_name="Anna", last_name="de Vries")
    ProgressUpdateFactory(action=done, date=datetime.date(2025, 1, 10), status=Status.ON_TRACK, author=author)
    ProgressUpdateFactory(action=done, date=datetime.date(2025, 3, 1), status=Status.DONE, percentage=100)
    ProgressUpdateFactory(action=late, date=datetime.date(2025, 2, 1), status=Status.ON_TRACK, author=author)
    ProgressUpdateFactory(action=risky, date=datetime.date(2025, 1, 5), status=Status.ON_TRACK)
    ProgressUpdateFactory(
        action=risky, date=datetime.date(2025, 4, 1), status=Status.AT_RISK, percentage=20, author=author
    )
    return {"plan": plan, "district_plan": district_plan, "done": done, "late": late, "risky": risky, "idle": idle}


def counts(tally: Any) -> dict[str, int]:
    return {status: count for status, count in tally.counts.items() if count}


def test_dashboard_counts_per_goal_and_district(plan_2025: dict[str, Any]) -> None:
    dashboard = build_dashboard(REFERENCE)
    assert dashboard is not None and dashboard.year == 2025

    goals = {tally.label: tally for tally in dashboard.goals}
    assert list(goals) == [
        "Doel 1: Gezamenlijke aanpak van casuïstiek",
        "Doel 2: Grotere rol gemeenten",
        "Doel 3: Barrières opwerpen",
        "Overig",
    ]
    doel1 = goals["Doel 1: Gezamenlijke aanpak van casuïstiek"]
    assert counts(doel1) == {Status.DONE: 1, Status.ON_TRACK: 1}
    assert (doel1.total, doel1.done_label) == (2, "50%")
    assert [row.title for row in doel1.overdue] == ["Actie te laat"]
    assert counts(goals["Doel 2: Grotere rol gemeenten"]) == {Status.AT_RISK: 1}
    assert goals["Doel 2: Grotere rol gemeenten"].done_label == "0%"
    assert goals["Doel 3: Barrières opwerpen"].total == 0
    assert goals["Doel 3: Barrières opwerpen"].done_label == "–"
    assert counts(goals["Overig"]) == {Status.NOT_STARTED: 1}

    districts = {tally.label: tally for tally in dashboard.districts}
    assert list(districts) == ["Twente", "Regionaal"]
    assert counts(districts["Twente"]) == {Status.AT_RISK: 1, Status.NOT_STARTED: 1}
    assert counts(districts["Regionaal"]) == {Status.DONE: 1, Status.ON_TRACK: 1}
    assert (dashboard.total.total, dashboard.total.done_label) == (4, "25%")
    assert [row.title for row in dashboard.overdue] == ["Actie te laat"]
    assert {row.title for row in dashboard.attention} == {"Actie te laat", "Actie met risico"}

    latest = [(u.action, u.date, u.status, u.district, u.author) for u in dashboard.latest_updates]
    assert latest == [
        ("Actie met risico", datetime.date(2025, 4, 1), Status.AT_RISK, "Twente", "Anna de Vries"),
        ("Actie klaar", datetime.date(2025, 3, 1), Status.DONE, "Regionaal", "onbekend"),
        ("Actie te laat", datetime.date(2025, 2, 1), Status.ON_TRACK, "Regionaal", "Anna de Vries"),
        ("Actie klaar", datetime.date(2025, 1, 10), Status.ON_TRACK, "Regionaal", "Anna de Vries"),
        ("Actie met risico", datetime.date(2025, 1, 5), Status.ON_TRACK, "Twente", "onbekend"),
    ]


def test_overdue_depends_on_the_date(plan_2025: dict[str, Any]) -> None:
    assert build_dashboard(datetime.date(2025, 3, 31)).overdue == []
    # After 2025 the action without a quarter stays undated; the risky one (Q4 2025) is overdue.
    overdue = build_dashboard(datetime.date(2026, 1, 1)).overdue
    assert [row.title for row in overdue] == ["Actie te laat", "Actie met risico"]


def test_latest_updates_are_the_ten_newest(plan_2025: dict[str, Any]) -> None:
    for day in range(1, 13):
        ProgressUpdateFactory(action=plan_2025["idle"], date=datetime.date(2025, 4, 10 + day), narrative=f"dag {day}")
    latest = build_dashboard(REFERENCE).latest_updates
    assert len(latest) == 10
    assert [u.date.day for u in latest] == list(range(22, 12, -1))


def test_dashboard_shows_the_budget_checks_at_a_glance(reader: Client, plan_2024: AnnualPlan) -> None:
    text = re.sub(r"\s+", " ", reader.get("/").content.decode())
    assert "Alle controles kloppen." in text
    assert 'class="check-ok"' in text and 'class="check-bad"' not in text

    line = CostLine.objects.get(plan=plan_2024, label="Versterken OM")
    line.amount = 250_000
    line.save()
    text = re.sub(r"\s+", " ", reader.get("/").content.decode())
    assert "Niet alle controles kloppen." in text
    # Total, versterking and line 1 are off by the same 10.000; the other checks still agree.
    assert text.count('class="check-bad"') == 3
    assert text.count("verschil \u221210.000") == 3


def test_dashboard_page_shows_numbers_labels_and_links(
    reader: Client, plan_2025: dict[str, Any], fixed_today: datetime.date
) -> None:
    html = reader.get("/").content.decode()
    text = re.sub(r"\s+", " ", html)
    assert "Dashboard Jaarplan 2025" in html
    # The per-goal table: counts, total and share done of goal 1.
    row = re.search(r"<th scope=\"row\">Doel 1: Gezamenlijke aanpak van casuïstiek</th>(.*?)</tr>", text).group(1)
    assert re.findall(r">([^<]+)</td>", row) == ["1", "1", "0", "0", "0", "2", "50%", "1"]
    # Statuses are words with a class (colour), never colour alone.
    assert '<span class="status status-risico">risico</span>' in html
    assert "Actie te laat" in html  # named as overdue
    # Charts: inline SVG with a title, a description with the numbers, and patterns per status.
    assert html.count('role="img"') == 2
    assert '<title id="chart-goals-title">Status van de acties per doel</title>' in html
    assert "Doel 1: Gezamenlijke aanpak van casuïstiek: 2 acties, 1 afgerond, 1 op koers; 50% afgerond" in html
    assert 'fill="url(#chart-goals-risico)"' in html
    # The charts need no script: the only one is the site's own file that makes wide tables keyboard-scrollable.
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/js/scroll-frames.js" defer>']
    # Links: the plan as web page and PDF, the district pages, the progress reports.
    # District and theme pages of the dashboard's own year, so another year's dashboard leads to that year's pages.
    links = ("/jaarplan/2025/", "/jaarplan/2025.pdf", "/jaarplan/2025/districten/twente/", "/jaarplan/2025/themas/")
    for href in (*links, "/jaarplan/2025/begroting/", "/voortgang/2025/Q1.pdf"):
        assert f'href="{href}"' in html
    assert 'href="/voortgang/2025/Q3.pdf"' not in html  # Q3 has not started on 1 May


def test_dashboard_without_a_plan(reader: Client) -> None:
    response = reader.get("/")
    assert response.status_code == 200
    assert "Er is nog geen jaarplan" in response.content.decode()


def test_plan_index_moved(reader: Client, plan_2024: AnnualPlan) -> None:
    html = reader.get("/jaarplannen/").content.decode()
    assert 'href="/jaarplan/2024/"' in html


def test_the_address_without_a_year_leads_to_the_list_of_plans(reader: Client, plan_2024: AnnualPlan) -> None:
    response = reader.get("/jaarplan/", follow=True)
    assert response.redirect_chain == [("/jaarplannen/", 302)]
    assert 'href="/jaarplan/2024/"' in response.content.decode()


@pytest.mark.parametrize("url", ["/", "/jaarplannen/", "/jaarplan/", "/districten/", "/districten/twente/", "/themas/"])
def test_dashboard_pages_need_a_login(client: Client, plan_2024: AnnualPlan, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/inloggen/")


def grow_tenfold(plan: AnnualPlan) -> None:
    """Ten times the actions and updates of the plan, as extra actions in the same sections."""
    actions = list(Action.objects.filter(section__plan=plan))
    copies = Action.objects.bulk_create(
        Action(section=a.section, order=1000 + n * 100 + a.order, title=f"{a.title} {n}", due_year=2024, due_quarter=2)
        for a in actions
        for n in range(9)
    )
    ProgressUpdate.objects.bulk_create(
        ProgressUpdate(action=a, date=datetime.date(2024, 1 + n, 1), status=Status.ON_TRACK, percentage=10 * n)
        for a in [*actions, *copies]
        for n in range(3)
    )


def test_dashboard_query_count_is_constant(
    reader: Client, plan_2024: AnnualPlan, fixed_today: datetime.date, django_assert_num_queries: Any
) -> None:
    # Builder: plan+strategy, goals, district plans+district, actions+section+parent, updates+author;
    # then the budget checks: cost lines, splits, funding, 4.3 cells, spending (budget.checks.load_budget).
    with django_assert_num_queries(10):
        build_dashboard(REFERENCE)
    # Page, first request for this state of the data: session, user, the plan shown (the running plan),
    # the version of the data (one query over all plan and history tables), the body not found in the
    # cache (one read), the ten above, the body stored (savepoint, count, look-up, insert, release), the
    # user's groups (the menu asks the policy), the plan years (year switch). The session is not saved again.
    with django_assert_num_queries(22):
        reader.get("/")
    # Every next request: session, user, the plan shown, the version of the data, groups, plan years; the
    # body from this worker's memory.
    with django_assert_num_queries(6):
        reader.get("/")
    grow_tenfold(plan_2024)
    with django_assert_num_queries(10):
        dashboard = build_dashboard(REFERENCE)
    assert dashboard.total.total == 10 * 41
    # The new rows (bulk_create, no history) moved the newest id of their tables: a new version.
    with django_assert_num_queries(22):
        response = reader.get("/")
    with django_assert_num_queries(6):
        again = reader.get("/")
    # The same page from the cache (only the CSRF token in the header differs per request).
    assert again.content.split(b'<main id="main">')[1] == response.content.split(b'<main id="main">')[1]
