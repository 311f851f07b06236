"""Adopting and reopening a plan through the admin: who may, what it locks, and what is recorded."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from core.roles import BUREAU, COORDINATOR, STEERING_GROUP
from strategy.models import Action, AnnualPlan, PlanSection, ProgressUpdate
from tests.conftest import logged_in, role_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(plan_2024: AnnualPlan) -> AnnualPlan:
    return plan_2024


def client_as(django_user_model: Any, username: str, group: str, district: str | None = None) -> Client:
    return logged_in(role_user(username, group, districts=[district] if district else [], password="x"))


def test_stuurgroep_adopts_and_then_the_plan_is_read_only(plan: AnnualPlan, django_user_model: Any) -> None:
    stuurgroep = client_as(django_user_model, "sg", STEERING_GROUP)
    bureau = client_as(django_user_model, "bureau", BUREAU)
    adopt_url = f"/admin/strategy/annualplan/{plan.pk}/vaststellen/"
    assert "Vaststellen" in stuurgroep.get(f"/admin/strategy/annualplan/{plan.pk}/change/").content.decode()

    response = stuurgroep.post(adopt_url, {"adopted_on": "2024-01-25"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.status, str(plan.adopted_on)) == ("vastgesteld", "2024-01-25")
    record = plan.history.first()
    assert record.history_user.username == "sg"
    assert record.history_change_reason == "Vastgesteld op 25-01-2024"

    # Everything in it is read-only now, for the bureau too.
    section = PlanSection.objects.get(plan=plan, slug="kennis-en-kunde")
    url = f"/admin/strategy/plansection/{section.pk}/change/"
    assert bureau.get(url).context["has_change_permission"] is False
    assert bureau.post(url, {"title": "Gewijzigd"}).status_code == 403
    section.refresh_from_db()
    assert section.title == "Investeren in kennis en kunde"
    assert stuurgroep.post(adopt_url, {"adopted_on": "2024-02-01"}).status_code == 403  # already adopted


def test_progress_continues_on_an_adopted_plan(plan: AnnualPlan, django_user_model: Any) -> None:
    plan.status, plan.adopted_on = "vastgesteld", "2024-01-25"
    plan.save()
    coordinator = client_as(django_user_model, "twente", COORDINATOR, "twente")
    action = Action.objects.filter(section__slug__startswith="twente").first()
    response = coordinator.post(
        f"/acties/{action.pk}/", {"date": "2024-06-01", "status": "op_koers", "percentage": 50, "narrative": "Loopt"}
    )
    assert response.status_code == 302
    assert ProgressUpdate.objects.filter(action=action, narrative="Loopt").exists()


def test_only_the_bureau_reopens_with_a_reason_that_is_recorded(plan: AnnualPlan, django_user_model: Any) -> None:
    plan.status, plan.adopted_on = "vastgesteld", "2024-01-25"
    plan.save()
    reopen_url = f"/admin/strategy/annualplan/{plan.pk}/heropenen/"
    stuurgroep = client_as(django_user_model, "sg", STEERING_GROUP)
    coordinator = client_as(django_user_model, "twente", COORDINATOR, "twente")
    assert stuurgroep.post(reopen_url, {"reason": "Wij willen wijzigen"}).status_code == 403
    assert coordinator.get(reopen_url).status_code == 403

    bureau = client_as(django_user_model, "bureau", BUREAU)
    response = bureau.post(reopen_url, {"reason": ""})
    assert response.status_code == 200
    assert "Geef aan waarom het jaarplan wordt heropend." in response.content.decode()
    plan.refresh_from_db()
    assert plan.status == "vastgesteld"

    assert bureau.post(reopen_url, {"reason": "Begroting bijgesteld na de voorjaarsnota"}).status_code == 302
    plan.refresh_from_db()
    assert (plan.status, plan.adopted_on) == ("concept", None)
    record = plan.history.first()
    assert record.history_user.username == "bureau"
    assert record.history_change_reason == (
        "Heropend (was vastgesteld op 25-01-2024): Begroting bijgesteld na de voorjaarsnota"
    )


def test_a_coordinator_cannot_adopt(plan: AnnualPlan, django_user_model: Any) -> None:
    coordinator = client_as(django_user_model, "twente", COORDINATOR, "twente")
    assert (
        coordinator.post(f"/admin/strategy/annualplan/{plan.pk}/vaststellen/", {"adopted_on": "2024-01-25"}).status_code
        == 403
    )
    plan.refresh_from_db()
    assert plan.status == "concept"
