"""A stand of basis op orde dated in the future is refused, as a progress update is: admin, round and import."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client

from core import clock
from districts.baseline_round import BaselineRoundForm
from districts.models import BaselineAssessment, BaselineNorm, DistrictPlan, Municipality
from strategy.models import AnnualPlan
from tests.conftest import admin_url
from tests.support.imports import confirm, csv_file, import_errors, upload

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2024, 6, 14)
TOMORROW = TODAY + datetime.timedelta(days=1)
FUTURE = "De datum ligt in de toekomst; vul vandaag of een eerdere datum in."


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: TODAY)


@pytest.fixture
def norm(plan_2024: AnnualPlan) -> BaselineNorm:
    norms = BaselineNorm.objects.filter(district_plan__plan=plan_2024, district_plan__district__slug="ijsselland")
    return norms.order_by("order").first()


@pytest.fixture
def municipality(norm: BaselineNorm) -> Municipality:
    return Municipality.objects.filter(district_id=norm.district_plan.district_id).order_by("name").first()


def admin_add(client: Client, norm: BaselineNorm, municipality: Municipality, day: datetime.date) -> Any:
    return client.post(
        admin_url(BaselineAssessment, "add"),
        {"municipality": municipality.pk, "norm": norm.pk, "assessed_on": day.isoformat(), "status": "voldoet"},
    )


def test_the_admin_refuses_tomorrow_and_accepts_today(bureau_client: Client, norm, municipality) -> None:
    response = admin_add(bureau_client, norm, municipality, TOMORROW)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["assessed_on"] == [FUTURE]
    assert not BaselineAssessment.objects.filter(assessed_on=TOMORROW).exists()
    assert admin_add(bureau_client, norm, municipality, TODAY).status_code == 302


def test_the_round_refuses_a_future_cell_and_saves_nothing(bureau_client: Client, norm, municipality) -> None:
    district_plan: DistrictPlan = norm.district_plan
    count = BaselineAssessment.objects.count()
    data = {}
    for other in Municipality.objects.filter(district_id=district_plan.district_id)[:2]:
        prefix = BaselineRoundForm.prefix_of(other, norm)
        data[f"{prefix}-status"] = "voldoet"
        data[f"{prefix}-date"] = TODAY.isoformat()
    data[f"{BaselineRoundForm.prefix_of(municipality, norm)}-date"] = TOMORROW.isoformat()
    data[f"{BaselineRoundForm.prefix_of(municipality, norm)}-status"] = "voldoet"

    response = bureau_client.post(f"/admin/districts/baselineassessment/ronde/{district_plan.pk}/", data)

    assert response.status_code == 200
    cell = response.context["form"][f"{BaselineRoundForm.prefix_of(municipality, norm)}-date"]
    assert cell.errors == [FUTURE]
    assert f'max="{TODAY.isoformat()}"' in str(cell)  # the date picker offers no later day either
    assert BaselineAssessment.objects.count() == count


def test_the_import_refuses_a_future_row_and_writes_nothing(bureau_client: Client, norm, municipality) -> None:
    header = ["Gemeente", "Jaar", "Norm", "Datum", "Stand", "Toelichting"]
    rows = [
        [municipality.name, "2024", str(norm.order), TODAY.isoformat(), "voldoet", "vandaag"],
        [municipality.name, "2024", str(norm.order), TOMORROW.isoformat(), "voldoet", "morgen"],
    ]
    count = BaselineAssessment.objects.count()

    response = upload(bureau_client, BaselineAssessment, csv_file([header, *rows]))

    assert any(error.startswith("Rij 3") and FUTURE in error for error in import_errors(response)), import_errors(
        response
    )
    assert "confirm_form" not in response.context
    assert BaselineAssessment.objects.count() == count
    # Without the future row the same file imports.
    response = upload(bureau_client, BaselineAssessment, csv_file([header, rows[0]]))
    assert confirm(bureau_client, response).status_code == 302
    assert BaselineAssessment.objects.count() == count + 1
