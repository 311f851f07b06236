"""A round of basis op orde in one screen: a municipality x norm grid, saved all at once or not at all."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.test import Client
from pytest_django.asserts import assertContains

from core import clock
from core.roles import BUREAU, COORDINATOR, STEERING_GROUP
from districts.baseline_round import BaselineRoundForm
from districts.models import BaselineAssessment, DistrictPlan
from strategy.models import AnnualPlan
from tests.conftest import logged_in, role_user

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2024, 6, 14)
VOLDOET = BaselineAssessment.Status.MEETS


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: TODAY)


@pytest.fixture
def ijsselland(plan_2024: AnnualPlan) -> DistrictPlan:
    return DistrictPlan.objects.get(plan=plan_2024, district__slug="ijsselland")


def url(district_plan: DistrictPlan) -> str:
    return f"/admin/districts/baselineassessment/ronde/{district_plan.pk}/"


def cells(district_plan: DistrictPlan, count: int) -> list[tuple[Any, Any]]:
    """The first `count` cells of the grid: one municipality on every norm, then the next municipality."""
    norms = list(district_plan.norms.order_by("order", "pk"))
    municipalities = list(district_plan.district.municipalities.order_by("name"))
    return [(m, n) for m in municipalities for n in norms][:count]


def fill(district_plan: DistrictPlan, chosen: list[tuple[Any, Any]], **overrides: str) -> dict[str, str]:
    """The grid as posted: every cell unchanged (with today's date), the chosen cells on "voldoet"."""
    data: dict[str, str] = {}
    for municipality, norm in cells(district_plan, 10_000):
        prefix = BaselineRoundForm.prefix_of(municipality, norm)
        data[f"{prefix}-status"] = ""
        data[f"{prefix}-date"] = TODAY.isoformat()
    for municipality, norm in chosen:
        data[f"{BaselineRoundForm.prefix_of(municipality, norm)}-status"] = VOLDOET
    data.update(overrides)
    return data


def coordinator(district: str) -> Client:
    return logged_in(role_user(f"coordinator-{district}", COORDINATOR, districts=[district]))


def test_the_grid_shows_every_municipality_and_norm(ijsselland: DistrictPlan) -> None:
    response = coordinator("ijsselland").get(url(ijsselland))
    assert response.status_code == 200
    form = response.context["form"]
    assert len(form.rows) == ijsselland.district.municipalities.count() == 11
    assert all(len(row.cells) == 5 for row in form.rows)
    municipality, norm = cells(ijsselland, 1)[0]
    assertContains(response, f"Stand {municipality} bij {norm.title}")


def test_a_coordinator_saves_five_cells_at_once_with_history(ijsselland: DistrictPlan) -> None:
    client = coordinator("ijsselland")
    chosen = cells(ijsselland, 5)

    response = client.post(url(ijsselland), fill(ijsselland, chosen))

    assert response.status_code == 302
    saved = BaselineAssessment.objects.filter(norm__district_plan=ijsselland)
    assert {(a.municipality, a.norm, a.status, a.assessed_on) for a in saved} == {
        (m, n, VOLDOET, TODAY) for m, n in chosen
    }
    # The same history as the single form: a historical record per assessment, with its author,
    # and an entry in the admin's log.
    records = BaselineAssessment.history.filter(id__in=saved.values("pk"))
    assert records.count() == 5
    assert {record.history_user.username for record in records} == {"coordinator-ijsselland"}
    assert LogEntry.objects.filter(action_flag=ADDITION, object_id__in=[str(a.pk) for a in saved]).count() == 5
    followed = client.get(response["Location"])
    assertContains(followed, "5 standen van IJsselland opgeslagen.")
    assertContains(followed, f"nu: voldoet, {TODAY:%d-%m-%Y}", count=5)


def test_one_refused_cell_and_nothing_is_saved(ijsselland: DistrictPlan) -> None:
    client = coordinator("ijsselland")
    chosen = cells(ijsselland, 5)
    # Already an assessment for the last cell on this day: the single form refuses a second one too.
    municipality, norm = chosen[-1]
    BaselineAssessment.objects.create(municipality=municipality, norm=norm, status=VOLDOET, assessed_on=TODAY)
    # And one cell without a date.
    first = BaselineRoundForm.prefix_of(*chosen[0])

    response = client.post(url(ijsselland), fill(ijsselland, chosen, **{f"{first}-date": ""}))

    assert response.status_code == 200
    assertContains(response, "Er is niets opgeslagen.")
    assertContains(response, "Vul een datum in.")
    assertContains(response, "Voor deze gemeente en norm is op deze datum al een stand vastgelegd.")
    assert BaselineAssessment.objects.filter(norm__district_plan=ijsselland).count() == 1
    # What was chosen is still chosen, to correct and save again.
    second = BaselineRoundForm.prefix_of(*chosen[1])
    assert response.context["form"][f"{second}-status"].value() == VOLDOET


def test_a_round_without_any_stand_saves_nothing_and_says_so(ijsselland: DistrictPlan) -> None:
    response = coordinator("ijsselland").post(url(ijsselland), fill(ijsselland, []))
    assertContains(response, "Kies bij minstens één gemeente en norm een stand; er is niets opgeslagen.")
    assert not BaselineAssessment.objects.exists()


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("coordinator-ijsselland", 200),
        ("coordinator-twente", 403),  # another district: the policy decides
        ("bureau", 200),
        ("stuurgroep", 403),
    ],
)
def test_who_fills_the_round_of_ijsselland(ijsselland: DistrictPlan, who: str, expected: int) -> None:
    roles = {
        "coordinator-ijsselland": (COORDINATOR, ["ijsselland"]),
        "coordinator-twente": (COORDINATOR, ["twente"]),
        "bureau": (BUREAU, []),
        "stuurgroep": (STEERING_GROUP, []),
    }
    role, districts = roles[who]
    client = logged_in(role_user(who, role, districts=districts))
    assert client.get(url(ijsselland)).status_code == expected
    assert client.post(url(ijsselland), fill(ijsselland, cells(ijsselland, 1))).status_code in {expected, 302}
    assert BaselineAssessment.objects.exists() == (expected == 200)


def test_the_index_offers_a_coordinator_their_own_district(plan_2024: AnnualPlan) -> None:
    client = coordinator("ijsselland")
    response = client.get("/admin/districts/baselineassessment/ronde/")
    assert [str(dp) for dp in response.context["district_plans"]] == ["IJsselland 2024"]
    assertContains(client.get("/admin/districts/baselineassessment/"), "Ronde invullen (hele district)")
