"""Basis op orde per district (issue 12): a coordinator manages the own district's norms (add, rename,
retire), the bureau all of them; an assessed norm is retired, not deleted; the assessment form says what
to do when a district has no norms yet; a retired norm leaves the matrix."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client

from core import clock
from core.roles import BUREAU, COORDINATOR
from districts.models import BaselineAssessment, BaselineNorm, DistrictPlan, Municipality
from reports.dashboards import build_district_page, build_progress_report
from strategy.models import AnnualPlan
from tests.conftest import add_inline_row, admin_post_data, admin_url, logged_in, reopened, role_user

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2024, 5, 15)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: TODAY)


@pytest.fixture
def plan_2024(plan_2024: AnnualPlan) -> AnnualPlan:
    """The 2024 plan reopened, a concept again (it loads as adopted, and norms freeze with it): the
    districts set their norms while the plan is prepared."""
    return reopened(plan_2024)


@pytest.fixture
def twente_plan(plan_2024: AnnualPlan) -> DistrictPlan:
    return DistrictPlan.objects.get(plan=plan_2024, district__slug="twente")


@pytest.fixture
def twente(plan_2024: AnnualPlan) -> Client:
    return logged_in(role_user("coordinator-twente", COORDINATOR, districts=["twente"]))


def add_norm(client: Client, district_plan: DistrictPlan, title: str, order: int = 1) -> Any:
    return client.post(
        admin_url(BaselineNorm, "add"),
        {"district_plan": district_plan.pk, "order": order, "title": title, "description": "", "section": ""},
    )


def test_twente_starts_without_norms_and_the_assessment_form_says_what_to_do(
    twente: Client, twente_plan: DistrictPlan
) -> None:
    assert not twente_plan.norms.exists()
    form = twente.get(admin_url(BaselineAssessment, "add")).content.decode()
    assert "Voor Twente staan in Jaarplan 2024 nog geen normen voor de basis op orde." in form
    assert f'<a href="{admin_url(BaselineNorm, "add")}">Voeg eerst de normen toe</a>' in form

    assert add_norm(twente, twente_plan, "Intern meldpunt").status_code == 302
    form = twente.get(admin_url(BaselineAssessment, "add")).content.decode()
    assert "nog geen normen" not in form
    assert "Kies een norm van het district van de gemeente" in form


def test_coordinator_adds_renames_and_retires_only_own_norms(twente: Client, twente_plan: DistrictPlan) -> None:
    assert add_norm(twente, twente_plan, "Intern meldpunt").status_code == 302
    norm = BaselineNorm.objects.get(district_plan=twente_plan)
    ijsselland = DistrictPlan.objects.get(plan=twente_plan.plan, district__slug="ijsselland")
    refused = add_norm(twente, ijsselland, "Niet van Twente", order=9)
    assert refused.status_code == 200 and refused.context["adminform"].form.errors
    assert not BaselineNorm.objects.filter(title="Niet van Twente").exists()

    url = admin_url(BaselineNorm, "change", norm.pk)
    data = admin_post_data(twente.get(url))
    data.update(title="Intern meldpunt integriteit", retired_on="2024-05-01")
    assert twente.post(url, data).status_code == 302
    norm.refresh_from_db()
    assert (norm.title, norm.retired_on) == ("Intern meldpunt integriteit", datetime.date(2024, 5, 1))
    # The IJsselland coordinator's norms are read only for Twente.
    other = ijsselland.norms.first()
    assert twente.post(admin_url(BaselineNorm, "change", other.pk), {"title": "x"}).status_code == 403


def test_an_assessed_norm_is_retired_not_deleted(twente: Client, twente_plan: DistrictPlan) -> None:
    assessed = BaselineNorm.objects.create(district_plan=twente_plan, order=1, title="Plan van aanpak")
    unused = BaselineNorm.objects.create(district_plan=twente_plan, order=2, title="Nooit gebruikt")
    BaselineAssessment.objects.create(
        municipality=Municipality.objects.get(name="Enschede"),
        norm=assessed,
        assessed_on=datetime.date(2024, 4, 1),
        status=BaselineAssessment.Status.MEETS,
    )
    refused = twente.post(admin_url(BaselineNorm, "delete", assessed.pk), {"post": "yes"}, follow=True)
    assert "heeft al standen van gemeenten en kan niet worden verwijderd" in refused.content.decode()
    assert BaselineNorm.objects.filter(pk=assessed.pk).exists()
    assert twente.post(admin_url(BaselineNorm, "delete", unused.pk), {"post": "yes"}).status_code == 302
    assert not BaselineNorm.objects.filter(pk=unused.pk).exists()

    # Nor through the district plan's inline.
    url = admin_url(DistrictPlan, "change", twente_plan.pk)
    data = admin_post_data(twente.get(url))
    data["norms-0-DELETE"] = "on"
    response = twente.post(url, data)
    assert response.status_code == 200
    assert "kan niet worden verwijderd" in response.content.decode()
    assert BaselineNorm.objects.filter(pk=assessed.pk).exists()


def test_a_retired_norm_leaves_the_matrix_and_takes_no_new_assessments(
    plan_2024: AnnualPlan, twente_plan: DistrictPlan
) -> None:
    kept = BaselineNorm.objects.create(district_plan=twente_plan, order=1, title="Intern meldpunt")
    retired = BaselineNorm.objects.create(
        district_plan=twente_plan, order=2, title="Oude norm", retired_on=datetime.date(2024, 4, 1)
    )
    assert build_district_page("twente", reference=TODAY).matrix.norms == [kept.title]
    # In a report of the first quarter the norm still counted.
    q1 = build_progress_report(2024, 1, reference=TODAY)
    assert next(page for page in q1.districts if page.slug == "twente").matrix.norms == [kept.title, retired.title]

    bureau = logged_in(role_user("bureau", BUREAU))
    url = admin_url(BaselineAssessment, "add")
    data = admin_post_data(bureau.get(url))
    data.update(
        municipality=Municipality.objects.get(name="Enschede").pk,
        norm=retired.pk,
        assessed_on="2024-05-01",
        status=BaselineAssessment.Status.MEETS,
    )
    response = bureau.post(url, data)
    assert response.status_code == 200
    assert "Deze norm is vervallen per 01-04-2024" in response.content.decode()


def test_norms_of_an_adopted_plan_stay_as_adopted(twente: Client, twente_plan: DistrictPlan) -> None:
    plan = twente_plan.plan
    plan.status, plan.adopted_on = AnnualPlan.Status.ADOPTED, datetime.date(2024, 1, 20)
    plan.save()
    assert add_norm(twente, twente_plan, "Te laat").status_code == 403
    form = twente.get(admin_url(BaselineAssessment, "add")).content.decode()
    assert "het jaarplan is vastgesteld. Vraag het RIEC-bureau de normen van uw district toe te voegen" in form


def test_the_bureau_adds_a_norm_in_the_district_plan_inline(plan_2024: AnnualPlan, twente_plan: DistrictPlan) -> None:
    bureau = logged_in(role_user("bureau", BUREAU))
    url = admin_url(DistrictPlan, "change", twente_plan.pk)
    data = admin_post_data(bureau.get(url))
    add_inline_row(data, "norms", order=1, title="Capaciteit en middelen", description="", section="", retired_on="")
    assert bureau.post(url, data).status_code == 302
    assert list(twente_plan.norms.values_list("title", flat=True)) == ["Capaciteit en middelen"]
