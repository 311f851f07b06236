from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.test import Client

from audit.choices import Action
from audit.models import AuditEvent
from core.history import LOADED_REASON
from strategy.models import AnnualPlan, PlanSection
from tests.conftest import admin_url

pytestmark = pytest.mark.django_db


def test_load_plan_loads_once_and_keeps_later_edits() -> None:
    call_command("load_plan", stdout=io.StringIO())
    assert AnnualPlan.objects.filter(year=2024).exists()
    section = PlanSection.objects.get(plan__year=2024, slug="kennis-en-kunde")
    section.title = "Bewerkt in de browser"
    section.save()

    out = io.StringIO()
    call_command("load_plan", stdout=out)
    assert "niet opnieuw geladen" in out.getvalue()
    section.refresh_from_db()
    assert section.title == "Bewerkt in de browser"


ADOPTED_ON_LOAD = "Vastgesteld op 14-12-2023 (gepubliceerd jaarplan geladen)"


def test_load_plan_loads_the_published_plan_as_adopted_once() -> None:
    out = io.StringIO()
    call_command("load_plan", stdout=out)
    assert "Jaarplan 2024 geladen, vastgesteld op 14-12-2023." in out.getvalue()
    plan = AnnualPlan.objects.get(year=2024)
    assert (plan.status, plan.adopted_on) == (AnnualPlan.Status.ADOPTED, datetime.date(2023, 12, 14))
    assert plan.history.first().history_change_reason == ADOPTED_ON_LOAD
    assert AuditEvent.objects.filter(action=Action.PLAN_ADOPTED, detail=ADOPTED_ON_LOAD).count() == 1

    call_command("load_plan", stdout=io.StringIO())  # a second load leaves the plan alone
    assert plan.history.filter(history_change_reason=ADOPTED_ON_LOAD).count() == 1
    assert AuditEvent.objects.filter(action=Action.PLAN_ADOPTED).count() == 1


def test_the_tests_see_the_plan_as_make_run_loads_it(plan_2024: AnnualPlan) -> None:
    assert (plan_2024.status, plan_2024.adopted_on) == (AnnualPlan.Status.ADOPTED, datetime.date(2023, 12, 14))
    assert [record.history_change_reason for record in plan_2024.history.all()] == [
        ADOPTED_ON_LOAD,
        LOADED_REASON,  # the record of the load itself, older
    ]


def test_a_plan_made_new_stays_a_concept(plan_2024: AnnualPlan, bureau_client: Client) -> None:
    response = bureau_client.post(
        admin_url(AnnualPlan, "add"),
        {
            "strategy": plan_2024.strategy_id,
            "year": 2025,
            "title": "Jaarplan 2025",
            "organisation": "RIEC",
            "price_compensation": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    plan = AnnualPlan.objects.get(year=2025)
    assert (plan.status, plan.adopted_on) == (AnnualPlan.Status.CONCEPT, None)
