"""The bureau's editing desk in the browser at 1366x768 (issue 17): writing with a preview, finding
actions and sections, a basis-op-orde round in one save, and admin pages without inner scrolling."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from core import clock
from districts.models import BaselineAssessment, DistrictPlan
from strategy.models import Action, PlanSection, label_actions

pytestmark = pytest.mark.django_db(transaction=True)

SCREEN = {"width": 1366, "height": 768}
AUTUMN = datetime.date(2024, 10, 15)

# Elements that scroll sideways although the page itself fits (a list or an inline table wider than
# its box), and a page wider than the window. Empty when everything fits.
INNER_SCROLL = """() => {
  const found = [];
  for (const element of document.querySelectorAll('*')) {
    const overflow = getComputedStyle(element).overflowX;
    if ((overflow === 'auto' || overflow === 'scroll') && element.scrollWidth > element.clientWidth + 1) {
      found.push(`${element.tagName.toLowerCase()}.${element.className} ${element.scrollWidth}>${element.clientWidth}`);
    }
  }
  const page = document.documentElement;
  if (page.scrollWidth > page.clientWidth + 1) found.push(`page ${page.scrollWidth}>${page.clientWidth}`);
  return found;
}"""


@pytest.fixture
def desk(accounts: Any, log_in: Any, page: Any, editable_live_plan: None) -> Any:
    """Log in as one of the accounts, in a window of 1366 by 768, at the desk of the 2024 plan reopened
    (it loads as adopted): the bureau writes its sections and actions."""

    def log_in_at_1366(username: str) -> Any:
        page.set_viewport_size(SCREEN)
        return log_in(username)

    return log_in_at_1366


def test_bureau_writes_2_2_with_a_preview_and_sees_it_in_the_plan(desk: Any, live_server: Any) -> None:
    page = desk("bureau")
    page.goto(f"{live_server.url}/admin/strategy/plansection/?q=2.2")
    page.locator("#result_list").get_by_role("link", name="Barrières opwerpen", exact=True).click()
    expect(page.locator(".breadcrumbs")).to_contain_text("2.2 Barrières opwerpen (2024)")

    text = (
        "Het Versterkingsprogramma werkt aan **weerbare gemeenten**:\n\n- vakantieparken\n- internationale samenwerking"
    )
    page.locator("#id_body").fill(text)
    page.get_by_role("button", name="Voorbeeld").first.click()

    preview = page.locator(".markdown-preview")
    expect(preview).to_contain_text("nog niet opgeslagen")
    expect(preview.locator("strong")).to_have_text("weerbare gemeenten")
    expect(preview.locator("li")).to_have_count(2)
    expect(page.locator("#id_body")).to_have_value(text)  # the edit is kept in the box
    assert "weerbare gemeenten**" not in PlanSection.objects.get(plan__year=2024, slug="versterking-barrieres").body
    assert page.evaluate(INNER_SCROLL) == []

    page.get_by_role("button", name="Opslaan", exact=True).first.click()
    expect(page.locator(".messagelist")).to_contain_text("gewijzigd")

    page.goto(f"{live_server.url}/jaarplan/2024/")
    heading = page.get_by_role("heading", name="2.2 Barrières opwerpen")
    body = page.locator("section.depth-2", has=heading)
    expect(body.locator("strong").first).to_have_text("weerbare gemeenten")
    expect(body.get_by_text("internationale samenwerking", exact=True)).to_be_visible()


def test_bureau_filters_the_overdue_actions_of_twente(
    desk: Any, live_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clock, "today", lambda: AUTUMN)  # the live server runs in this process
    page = desk("bureau")
    page.goto(f"{live_server.url}/admin/strategy/action/")
    filters = page.locator("#changelist-filter")
    by_district = filters.locator("details", has=page.locator("summary", has_text="Op district"))
    by_district.get_by_role("link", name="Twente", exact=True).click()
    by_overdue = filters.locator("details", has=page.locator("summary", has_text="Op over de deadline"))
    by_overdue.get_by_role("link", name="ja", exact=True).click()

    rows = page.locator("#result_list tbody tr")
    actions = list(Action.objects.with_latest_update())
    label_actions(actions)  # str() names the district once the actions are labelled
    late = [a for a in actions if a.is_overdue(AUTUMN) and "Twente" in str(a)]
    assert len(late) == 4
    expect(rows).to_have_count(4)
    for action in late:
        expect(page.locator("#result_list")).to_contain_text(action.title)
    for row in rows.all():
        expect(row.locator("td.field-district")).to_have_text("Twente")
        expect(row.locator("td.field-due")).to_contain_text("over de deadline")
    assert page.evaluate(INNER_SCROLL) == []


def test_bureau_picks_a_section_by_its_number(desk: Any, live_server: Any) -> None:
    page = desk("bureau")
    page.goto(f"{live_server.url}/admin/strategy/action/add/")
    page.locator(".field-section .select2-selection").click()
    page.locator(".select2-search__field").fill("3.2.2")
    option = page.locator(".select2-results__option", has_text="3.2.2 Specifieke ontwikkelingen – Twente (2024)")
    expect(option).to_be_visible()
    expect(page.locator(".select2-results__option")).to_have_count(1)  # the number says which
    option.click()
    page.locator("#id_order").fill("9")
    page.locator("#id_title").fill("Ondermijningsbeeld Twente actualiseren")
    page.locator("#id_due_quarter").select_option(label="Q4")
    page.locator("#id_due_year").select_option(label="2024")
    page.get_by_role("button", name="Opslaan", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("3.2.2-9 Ondermijningsbeeld Twente actualiseren")

    action = Action.objects.get(title="Ondermijningsbeeld Twente actualiseren")
    assert action.section == PlanSection.objects.get(plan__year=2024, slug="twente-specifieke-ontwikkelingen")
    assert action.due_label == "Q4 2024"


def test_coordinator_fills_a_basis_op_orde_round_in_one_save(desk: Any, live_server: Any) -> None:
    page = desk("coordinator-ijsselland")
    page.goto(f"{live_server.url}/admin/districts/baselineassessment/")
    page.get_by_role("link", name="Ronde invullen (hele district)").click()
    page.get_by_role("link", name="IJsselland").click()
    assert page.evaluate(INNER_SCROLL) == []

    district_plan = DistrictPlan.objects.get(plan__year=2024, district__slug="ijsselland")
    norms = list(district_plan.norms.order_by("order"))
    five = [
        ("Dalfsen", norms[0]),
        ("Dalfsen", norms[1]),
        ("Deventer", norms[0]),
        ("Kampen", norms[2]),
        ("Zwolle", norms[4]),
    ]
    for municipality, norm in five:
        page.get_by_label(f"Stand {municipality} bij {norm.title}", exact=True).select_option(label="voldoet deels")
        page.get_by_label(f"Datum {municipality} bij {norm.title}", exact=True).fill("2024-06-14")
    # One cell without a date: the round is refused as a whole.
    page.get_by_label(f"Datum Kampen bij {norms[2].title}", exact=True).fill("")
    page.get_by_role("button", name="Ronde opslaan").click()

    expect(page.locator(".errornote")).to_contain_text("Er is niets opgeslagen.")
    expect(page.locator("td.errors")).to_have_count(1)
    expect(page.locator("td.errors")).to_contain_text("Vul een datum in.")
    assert not BaselineAssessment.objects.exists()

    page.get_by_label(f"Datum Kampen bij {norms[2].title}", exact=True).fill("2024-06-14")
    page.get_by_role("button", name="Ronde opslaan").click()

    expect(page.locator(".messagelist")).to_contain_text("5 standen van IJsselland opgeslagen.")
    assert {(a.municipality.name, a.norm, a.status) for a in BaselineAssessment.objects.all()} == {
        (municipality, norm, BaselineAssessment.Status.PARTLY) for municipality, norm in five
    }
    expect(page.locator(".latest", has_text="nu: voldoet deels, 14-06-2024")).to_have_count(5)


def _walk(page: Any, base: str, url: str, wide: dict[str, list[str]]) -> None:
    """Open `url` and note what scrolls sideways on it."""
    response = page.goto(base + url)
    assert response.status == 200, url
    found = page.evaluate(INNER_SCROLL)
    if found:
        wide[url] = found


@pytest.mark.parametrize("username", ["bureau", "coordinator-twente", "stuurgroep"])
def test_every_admin_page_a_role_uses_fits_1366_pixels(desk: Any, live_server: Any, username: str) -> None:
    """Every list on the role's admin start page, the first object of each and its add page, and the
    pages reached from elsewhere (a filter, a history, the district plan, a search, the round)."""
    page = desk(username)
    base = live_server.url
    wide: dict[str, list[str]] = {}
    _walk(page, base, "/admin/", wide)
    lists = sorted(
        {
            href
            for href in page.locator("#content-main a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
            if re.fullmatch(r"/admin/\w+/\w+/", href or "")
        }
    )
    pages = ["/admin/"]
    for url in lists:
        _walk(page, base, url, wide)  # the list, and from it the pages it leads to
        first = page.locator("#result_list tbody tr a").first
        reached = [first.get_attribute("href")] if first.count() else []
        if page.locator(".object-tools .addlink").count():
            reached.append(f"{url}add/")
        for other in reached:
            _walk(page, base, other, wide)
        pages += [url, *reached]
    section = PlanSection.objects.get(plan__year=2024, slug="versterking-barrieres")
    twente = DistrictPlan.objects.get(plan__year=2024, district__slug="twente")
    elsewhere = [
        "/admin/strategy/action/?te_laat=ja",
        f"/admin/strategy/plansection/{section.pk}/history/",
        f"/admin/districts/districtplan/{twente.pk}/change/",
        "/admin/budget/costline/?q=kosten",
    ]
    if username != "stuurgroep":  # the stuurgroep reads; it records no basis op orde
        elsewhere.append("/admin/districts/baselineassessment/ronde/")
    for url in elsewhere:
        _walk(page, base, url, wide)
    pages += elsewhere
    assert len(pages) > 40
    assert wide == {}
