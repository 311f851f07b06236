"""Adopting and reopening a plan through the admin: who may, what it locks, and what is recorded."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from core.roles import BUREAU, COORDINATOR, STEERING_GROUP
from strategy.models import Action, AnnualPlan, PlanSection, ProgressUpdate
from tests.conftest import add_inline_row, admin_post_data, admin_url, logged_in, role_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(editable_plan_2024: AnnualPlan) -> AnnualPlan:
    """The 2024 plan as a concept (it loads as adopted): these tests adopt it themselves."""
    return editable_plan_2024


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


def test_the_bureau_adds_progress_on_the_action_page_of_the_adopted_plan(plan_2024: AnnualPlan) -> None:
    """The published plan loads as adopted; its content is frozen, but progress is reported all year."""
    assert plan_2024.status == "vastgesteld"
    bureau = logged_in(role_user("bureau", BUREAU))
    action = Action.objects.get(title="Twentse gemeenten hebben de basis op orde")
    url = admin_url(Action, "change", action.pk)
    page = bureau.get(url)
    html = page.content.decode()
    assert 'name="_save"' in html  # the page can be saved, for its progress rows
    assert 'name="title"' not in html and 'name="owner"' not in html  # the action's own fields are read-only
    assert 'id="updates-empty"' in html  # the "add another update" row is there

    data = admin_post_data(page)
    data["title"] = "Poging de titel te wijzigen"  # not a field of the form: ignored
    add_inline_row(data, "updates", date="2024-07-05", status="op_koers", percentage=45, narrative="Loopt volgens plan")
    response = bureau.post(url, data)
    assert response.status_code == 302
    update = ProgressUpdate.objects.get(action=action, narrative="Loopt volgens plan")
    assert (update.percentage, update.author.username) == (45, "bureau")
    action.refresh_from_db()
    assert action.title == "Twentse gemeenten hebben de basis op orde"


def test_the_content_of_the_adopted_plan_stays_frozen_on_the_action_page(plan_2024: AnnualPlan) -> None:
    bureau = logged_in(role_user("bureau", BUREAU))
    section = PlanSection.objects.get(plan=plan_2024, slug="kennis-en-kunde")
    assert bureau.get(admin_url(PlanSection, "change", section.pk)).context["has_change_permission"] is False
    action = Action.objects.get(title="Twentse gemeenten hebben de basis op orde")
    page = bureau.get(admin_url(Action, "change", action.pk))
    assert page.context["adminform"].form.fields.keys() <= {"version"}  # nothing of the action itself to edit
    assert bureau.post(admin_url(Action, "delete", action.pk), {"post": "yes"}).status_code == 403
    assert Action.objects.filter(pk=action.pk).exists()
