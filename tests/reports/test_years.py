"""Every year reachable: next year's concept made in October never takes over; each year's pages a click away."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.test import Client

from core import clock
from core.roles import BUREAU, COORDINATOR
from strategy.models import Action, AnnualPlan, ProgressUpdate, Status
from strategy.plan_copy import create_next_year_plan
from tests.conftest import logged_in, reopened, role_user

pytestmark = pytest.mark.django_db

OCTOBER = datetime.date(2024, 10, 15)


@pytest.fixture
def years(plan_2024: AnnualPlan, monkeypatch: pytest.MonkeyPatch) -> dict[int, AnnualPlan]:
    """October 2024: a coordinator reports on a Twente action, then the bureau prepares 2025."""
    monkeypatch.setattr(clock, "today", lambda: OCTOBER)
    coordinator = role_user("coordinator-twente", COORDINATOR, districts=["twente"], is_staff=True)
    action = Action.objects.get(title="Twentse gemeenten hebben de basis op orde")
    ProgressUpdate.objects.create(
        action=action, date=OCTOBER, status=Status.AT_RISK, percentage=40, narrative="Krap.", author=coordinator
    )
    bureau = role_user("bureau", BUREAU, is_staff=True)
    plan_2025 = create_next_year_plan(plan=plan_2024, user=bureau)
    return {2024: plan_2024, 2025: plan_2025}


@pytest.fixture
def reader() -> Client:
    return logged_in(role_user("lezer"))


def links(html: str, cls: str = "year-switch") -> list[str]:
    nav = re.search(rf'<nav class="{cls}"[^>]*>(.*?)</nav>', html, re.S)
    assert nav, f"no {cls} on the page"
    return re.findall(r'href="([^"]+)"', nav.group(1))


@pytest.mark.parametrize(
    ("url", "switch"),
    [
        ("/", ["/jaarplan/2025/dashboard/", "/jaarplan/2024/dashboard/"]),
        ("/districten/", ["/jaarplan/2025/districten/", "/jaarplan/2024/districten/"]),
        ("/districten/twente/", ["/jaarplan/2025/districten/twente/", "/jaarplan/2024/districten/twente/"]),
        ("/themas/", ["/jaarplan/2025/themas/", "/jaarplan/2024/themas/"]),
        ("/jaarplan/2024/begroting/", ["/jaarplan/2025/begroting/", "/jaarplan/2024/begroting/"]),
    ],
)
def test_the_running_plan_stays_2024_and_each_page_switches_year(
    years: dict[int, AnnualPlan], reader: Client, url: str, switch: list[str]
) -> None:
    html = reader.get(url).content.decode()
    assert links(html) == switch
    assert re.search(r'aria-current="page" class="current">2024<', html)  # 2024 is the page shown
    for other in switch:
        assert reader.get(other).status_code == 200


def test_the_coordinators_fresh_update_stays_in_view(years: dict[int, AnnualPlan], reader: Client) -> None:
    dashboard = reader.get("/").content.decode()
    assert "Jaarplan 2024" in dashboard and "Dashboard Jaarplan 2025" not in dashboard
    assert "Twentse gemeenten hebben de basis op orde" in dashboard.split('id="updates"')[1]
    district = re.sub(r"\s+", " ", reader.get("/districten/twente/").content.decode())
    assert "Jaarplan 2024" in district
    assert re.search(
        r"Twentse gemeenten hebben de basis op orde</a></td>.*?status-risico.*?15 okt 2024 · 40%", district
    )
    # The concept is one click away, with its own (empty) progress.
    concept = reader.get("/jaarplan/2025/dashboard/").content.decode()
    assert "Jaarplan 2025 (concept)" in concept
    assert "Krap." not in concept


def test_the_plan_list_offers_every_output_of_every_year(years: dict[int, AnnualPlan], reader: Client) -> None:
    html = reader.get("/jaarplannen/").content.decode()
    row_2025 = re.search(r"<th scope=\"row\">2025</th>(.*?)</tr>", html, re.S).group(1)
    hrefs = re.findall(r'href="([^"]+)"', row_2025)
    assert hrefs == [
        "/jaarplan/2025/",
        "/jaarplan/2025.pdf",
        "/jaarplan/2025/dashboard/",
        "/jaarplan/2025/begroting/",
        # No quarter of 2025 has begun in October 2024: no quarterly report is offered.
        "/jaarverslag/2025/",
        "/jaarplan/2025/vergelijk/2024/",
    ]
    assert "concept" in row_2025
    assert reader.get("/voortgang/2025/Q1.pdf").status_code == 404
    row_2024 = re.search(r"<th scope=\"row\">2024</th>(.*?)</tr>", html, re.S).group(1)
    assert "Vergelijk met" not in row_2024  # there is no 2023 plan
    # 2024's four quarters have begun; none is closed, so each is marked provisional.
    assert [href for href in re.findall(r'href="([^"]+)"', row_2024) if "voortgang" in href] == [
        f"/voortgang/2024/Q{quarter}.pdf" for quarter in (1, 2, 3, 4)
    ]
    assert row_2024.count("Voorlopig – kwartaal nog niet afgesloten") == 4
    for href in hrefs:
        if not href.endswith(".pdf"):  # the PDFs have tests of their own
            assert reader.get(href).status_code == 200, href


def test_a_year_without_a_plan_answers_a_dutch_404_that_leads_to_the_plan_list(
    years: dict[int, AnnualPlan], reader: Client
) -> None:
    for url in (
        "/jaarplan/2031/dashboard/",
        "/jaarplan/2031/districten/",
        "/jaarplan/2031/",
        "/jaarplan/2031/begroting/",
    ):
        response = reader.get(url)
        assert response.status_code == 404
        html = response.content.decode()
        assert "Niet gevonden" in html
        # The 404 page shows no plan data (#23); it leads to the list of plans, which needs the full login.
        assert 'href="/jaarplannen/"' in html
        assert "Jaarplan 2025" not in html.split("<main", 1)[-1]


def test_the_404_page_shows_no_plans_to_an_anonymous_visitor(years: dict[int, AnnualPlan], client: Client) -> None:
    response = client.get("/jaarplan/2031/")
    assert response.status_code == 302  # login first, as on every page
    assert response["Location"].startswith("/inloggen/")


def test_navigation_never_dead_ends(years: dict[int, AnnualPlan], reader: Client, django_user_model: Any) -> None:
    for url in (
        "/",
        "/jaarplannen/",
        "/districten/",
        "/districten/twente/",
        "/themas/",
        "/jaarplan/2024/",
        "/jaarplan/2024/begroting/",
        "/jaarplan/2025/vergelijk/2024/",
    ):
        html = reader.get(url).content.decode()
        assert '<a class="brand" href="/">' in html, url  # the logo leads to the dashboard
        assert '<a href="/">Dashboard</a>' in html, url  # in the menu (and the breadcrumbs)
        if url != "/":
            assert '<nav class="crumbs" aria-label="Kruimelpad">' in html, url


@pytest.mark.parametrize(
    ("username", "role", "districts", "edits"),
    [
        ("bureau-lid", BUREAU, [], True),
        ("coordinator-tw", COORDINATOR, ["twente"], True),
        ("coordinator-ij", COORDINATOR, ["ijsselland"], False),
        ("lezer-2", None, [], False),
    ],
)
def test_the_district_page_offers_an_edit_link_to_those_who_may_edit(
    years: dict[int, AnnualPlan], username: str, role: str | None, districts: list[str], edits: bool
) -> None:
    reopened(years[2024])  # it loads as adopted, and an adopted district plan is edited by no one
    client = logged_in(role_user(username, role, districts=districts, is_staff=True))
    html = client.get("/districten/twente/").content.decode()
    assert ("Districtsplan bewerken in het beheer" in html) is edits
    if edits:
        admin_page = re.search(r'<a href="(/admin/districts/districtplan/\d+/change/)">Districtsplan bewerken', html)
        response = client.get(admin_page.group(1))
        assert response.status_code == 200 and 'name="_save"' in response.content.decode()


def test_the_admin_offers_view_on_site_for_objects_with_a_page(years: dict[int, AnnualPlan]) -> None:
    client = logged_in(role_user("bureau-site", BUREAU, is_staff=True))
    action = Action.objects.get(title="Twentse gemeenten hebben de basis op orde", section__plan__year=2024)
    html = client.get(f"/admin/strategy/action/{action.pk}/change/").content.decode()
    view_on_site = re.search(r'<a href="(/admin/r/\d+/\d+/)" class="viewsitelink">', html)
    assert view_on_site, "no 'Bekijken op site'"
    assert client.get(view_on_site.group(1))["Location"].endswith(f"/acties/{action.pk}/")
    plan_page = client.get(f"/admin/strategy/annualplan/{years[2025].pk}/change/").content.decode()
    target = re.search(r'<a href="(/admin/r/\d+/\d+/)" class="viewsitelink">', plan_page).group(1)
    assert client.get(target)["Location"].endswith("/jaarplan/2025/")
