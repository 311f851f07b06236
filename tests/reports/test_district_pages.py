"""District pages: the basis-op-orde matrix, actions with status, themes; the same for every role."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.test import Client

from core import clock
from core.roles import COORDINATOR, STEERING_GROUP
from districts.models import BaselineAssessment, BaselineNorm, District, DistrictPlan, Municipality
from reports.dashboards import build_district_page, build_theme_overview
from strategy.models import Action, AnnualPlan, ProgressUpdate, Status
from tests.conftest import role_user
from tests.districts.factories import BaselineAssessmentFactory, BaselineNormFactory
from tests.strategy.factories import ProgressUpdateFactory

pytestmark = pytest.mark.django_db

MEETS, PARTLY, FAILS = (
    BaselineAssessment.Status.MEETS,
    BaselineAssessment.Status.PARTLY,
    BaselineAssessment.Status.FAILS,
)
REFERENCE = datetime.date(2024, 7, 1)


@pytest.fixture
def plan(plan_2024: AnnualPlan) -> AnnualPlan:
    return plan_2024


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: REFERENCE)


@pytest.fixture
def twente(plan: AnnualPlan) -> dict[str, Any]:
    """Twente (14 municipalities, no norms in the 2024 plan) with two norms and known assessments."""
    district_plan = DistrictPlan.objects.get(plan=plan, district__slug="twente")
    norm1 = BaselineNormFactory(district_plan=district_plan, order=1, title="Intern meldpunt")
    norm2 = BaselineNormFactory(district_plan=district_plan, order=2, title="Actueel Bibob-beleid")
    almelo, borne = Municipality.objects.get(name="Almelo"), Municipality.objects.get(name="Borne")
    # The latest assessment wins, whatever order they were entered in.
    BaselineAssessmentFactory(municipality=almelo, norm=norm1, assessed_on=datetime.date(2024, 3, 1), status=MEETS)
    BaselineAssessmentFactory(municipality=almelo, norm=norm1, assessed_on=datetime.date(2023, 11, 1), status=FAILS)
    BaselineAssessmentFactory(municipality=almelo, norm=norm2, assessed_on=datetime.date(2024, 2, 1), status=PARTLY)
    BaselineAssessmentFactory(municipality=borne, norm=norm1, assessed_on=datetime.date(2024, 1, 1), status=MEETS)
    BaselineAssessmentFactory(municipality=borne, norm=norm1, assessed_on=datetime.date(2024, 4, 2), status=FAILS)
    BaselineAssessmentFactory(municipality=borne, norm=norm2, assessed_on=datetime.date(2024, 4, 2), status=MEETS)
    actions = list(district_plan.actions().order_by("pk"))
    ProgressUpdateFactory(action=actions[0], date=datetime.date(2024, 5, 1), status=Status.DONE, percentage=100)
    ProgressUpdateFactory(action=actions[1], date=datetime.date(2024, 5, 1), status=Status.DELAYED)
    return {"district_plan": district_plan, "actions": actions}


def matrix_row(page: Any, name: str) -> Any:
    return next(row for row in page.matrix.rows if row.municipality == name)


def test_matrix_latest_assessment_shares_and_unknown(twente: dict[str, Any]) -> None:
    page = build_district_page("twente")
    assert page.matrix.norms == ["Intern meldpunt", "Actueel Bibob-beleid"]
    assert len(page.matrix.rows) == 14

    almelo = matrix_row(page, "Almelo")
    assert [(c.label, c.symbol, c.assessed_on) for c in almelo.cells] == [
        ("voldoet", "+", datetime.date(2024, 3, 1)),  # newer than the "voldoet niet" of 2023
        ("deels", "±", datetime.date(2024, 2, 1)),
    ]
    assert almelo.meets_label == "50%"
    borne = matrix_row(page, "Borne")
    assert [c.label for c in borne.cells] == ["voldoet niet", "voldoet"]
    assert borne.meets_label == "50%"
    dinkelland = matrix_row(page, "Dinkelland")  # no assessments at all
    assert [(c.status, c.label, c.symbol, c.assessed_on) for c in dinkelland.cells] == [
        ("onbekend", "onbekend", "?", None)
    ] * 2
    # Nothing known is "onbekend", never 0 %.
    assert dinkelland.meets_label == "onbekend"
    # Per norm: 1 of the 2 known municipalities meets each norm, 12 are unknown; overall 2 of 4 known cells.
    assert page.matrix.column_meets == [1, 1]
    assert page.matrix.column_labels == ["50% (12 onbekend)", "50% (12 onbekend)"]
    assert page.matrix.meets_label == "50% (24 onbekend)"
    # Weerbaarheidsscans of 2023 for the Twente municipalities; the rode-dradenbeeld was delivered in 2023.
    assert almelo.scan == "opgeleverd (2023)"
    assert page.common_threads == "opgeleverd (2023)"


def test_district_actions_and_counts(twente: dict[str, Any]) -> None:
    page = build_district_page("twente")
    assert len(page.actions) == len(twente["actions"]) == 6
    assert page.tally.counts[Status.DONE] == 1
    assert page.tally.counts[Status.DELAYED] == 1
    assert page.tally.counts[Status.NOT_STARTED] == 4
    assert page.tally.done_label == "17%"
    assert [f.title for f in page.focus_themes]
    assert page.developments


def test_matrix_html_has_colour_symbol_word_and_date(
    twente: dict[str, Any], client: Client, django_user_model: Any
) -> None:
    client.force_login(django_user_model.objects.create_user(username="lezer"))
    html = re.sub(r"\s+", " ", client.get("/districten/twente/").content.decode())
    almelo = re.search(r'<th scope="row">Almelo</th>(.*?)</tr>', html).group(1)
    assert (
        '<td class="cell cell-voldoet"><span class="symbol" aria-hidden="true">+</span> voldoet'
        '<span class="date">01-03-2024</span></td>' in almelo
    )
    assert 'class="cell cell-deels"' in almelo and "± </span>" not in almelo
    assert '<td class="num share">50%</td>' in almelo
    dinkelland = re.search(r'<th scope="row">Dinkelland</th>(.*?)</tr>', html).group(1)
    assert (
        dinkelland.count(
            '<td class="cell cell-onbekend"><span class="symbol" aria-hidden="true">?</span> onbekend</td>'
        )
        == 2
    )
    assert '<td class="num share">onbekend</td>' in dinkelland  # not 0 %
    footer = re.search(r"<tfoot>(.*?)</tfoot>", html.split('class="matrix"')[1]).group(1)
    assert re.findall(r'<td class="num share">([^<]*)</td>', footer) == [
        "50% (12 onbekend)",
        "50% (12 onbekend)",
        "50% (24 onbekend)",
    ]
    assert '<span class="status status-vertraagd">vertraagd</span>' in html
    assert 'role="img"' in html


def test_coordinator_and_steering_group_see_the_same_numbers(
    twente: dict[str, Any], client: Client, django_user_model: Any
) -> None:
    coordinator = role_user("coordinator-twente", COORDINATOR, districts=["twente"])
    steering = role_user("stuurgroep", STEERING_GROUP)

    pages = []
    for user in (coordinator, steering):
        client.force_login(user)
        html = client.get("/districten/twente/").content.decode()
        # The same numbers; only the coordinator has the link to edit the own district plan.
        main = re.sub(r'<p class="edit-link">.*?</p>', "", html.split('<main id="main">')[1])
        pages.append(re.sub(r"\s+", " ", main))
    assert pages[0] == pages[1]
    assert "Almelo" in pages[0] and "17% afgerond" in pages[0]


def test_district_index_themes_and_unknown_district(plan: AnnualPlan, client: Client, django_user_model: Any) -> None:
    client.force_login(django_user_model.objects.create_user(username="lezer"))
    html = client.get("/districten/").content.decode()
    for district in District.objects.all():
        assert f'href="/jaarplan/2024/districten/{district.slug}/"' in html
    assert client.get("/districten/bestaat-niet/").status_code == 404

    overview = build_theme_overview()
    assert [d.name for d in overview.districts] == list(
        District.objects.order_by("order").values_list("name", flat=True)
    )
    entries = {
        (e.theme.name, e.district_plan.district.name): e.display_name
        for e in DistrictPlan.objects.get(plan=plan, district__slug="twente").focus_entries.select_related(
            "theme", "district_plan__district"
        )
    }
    twente_column = [d.name for d in overview.districts].index("Twente")
    for row in overview.rows:
        assert row.cells[twente_column] == entries.get((row.name, "Twente"))
    assert any(cell for row in overview.rows for cell in row.cells)
    themes_html = client.get("/themas/").content.decode()
    label = next(iter(entries.values()))
    assert label in themes_html


def grow_tenfold(plan: AnnualPlan, district_plan: DistrictPlan) -> None:
    """Ten times the district's actions, updates, municipalities and assessments."""
    actions = list(district_plan.actions())
    copies = Action.objects.bulk_create(
        Action(section=a.section, order=1000 + n * 100 + a.order, title=f"{a.title} {n}")
        for a in actions
        for n in range(9)
    )
    ProgressUpdate.objects.bulk_create(
        ProgressUpdate(action=a, date=datetime.date(2024, 1 + n, 1), status=Status.ON_TRACK, percentage=10)
        for a in [*actions, *copies]
        for n in range(10)
    )
    district = district_plan.district
    originals = list(district.municipalities.all())
    Municipality.objects.bulk_create(
        Municipality(name=f"{m.name} {n}", district=district, province=m.province) for m in originals for n in range(9)
    )
    norms = list(BaselineNorm.objects.filter(district_plan=district_plan))
    BaselineAssessment.objects.bulk_create(
        BaselineAssessment(municipality=m, norm=norm, assessed_on=datetime.date(2022, 1, 1 + n), status=MEETS)
        for m in district.municipalities.all()
        for norm in norms
        for n in range(10)
    )


def test_district_page_query_count_is_constant(
    twente: dict[str, Any], plan: AnnualPlan, client: Client, django_user_model: Any, django_assert_num_queries: Any
) -> None:
    client.force_login(django_user_model.objects.create_user(username="lezer"))
    # Builder: plan, district plan+district, actions+section, updates+author, focus themes+theme,
    # developments, municipalities, norms, assessments, weerbaarheidsscans, rode-dradenbeelden.
    with django_assert_num_queries(11):
        build_district_page("twente")
    # Page: session, user, the user's groups (the menu asks the policy), the eleven above, the plan years
    # for the year switch (the session was saved at login: no save again).
    with django_assert_num_queries(15):
        client.get("/districten/twente/")
    grow_tenfold(plan, twente["district_plan"])
    with django_assert_num_queries(11):
        page = build_district_page("twente")
    assert len(page.matrix.rows) == 140 and len(page.actions) == 60
    with django_assert_num_queries(15):
        client.get("/districten/twente/")
