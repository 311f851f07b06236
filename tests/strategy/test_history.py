"""History of plan data: who changed what, when, from which value to which; only the bureau restores."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from budget.models import CostLine
from core import permissions
from core.roles import COORDINATOR, STEERING_GROUP
from strategy import services
from strategy.models import Action, AnnualPlan, Goal, PlanSection
from tests.budget.factories import CostLineFactory
from tests.conftest import _form_values, admin_post_data, admin_url, role_user
from tests.districts.factories import DistrictPlanFactory
from tests.strategy.factories import ActionFactory, AnnualPlanFactory, GoalFactory, PlanSectionFactory

pytestmark = pytest.mark.django_db


def restore_url(obj: Any, record: Any) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_simple_history", args=(obj.pk, record.history_id))


def restore_data(client: Client, url: str) -> dict[str, Any]:
    # The restore page is the admin form filled with the old version (no inlines).
    response = client.get(url)
    assert response.status_code == 200
    return _form_values(response.context["adminform"].form)


def change_through_admin(client: Client, obj: Any, **values: Any) -> None:
    url = admin_url(obj, "change", obj.pk)
    data = admin_post_data(client.get(url))
    data.update(values)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response


# Recording ----------------------------------------------------------------------------------------


def test_change_through_admin_records_old_and_new_values_and_user(bureau_client, bureau_admin) -> None:
    section = PlanSectionFactory(title="Voortgang", body="Oude tekst.")

    change_through_admin(bureau_client, section, title="Voortgang 2024", body="Nieuwe tekst.")

    newest, created = section.history.all()[:2]
    assert (created.history_type, newest.history_type) == ("+", "~")
    assert newest.history_user == bureau_admin
    delta = newest.diff_against(created)
    assert {(c.field, c.old, c.new) for c in delta.changes} == {
        ("title", "Voortgang", "Voortgang 2024"),
        ("body", "Oude tekst.", "Nieuwe tekst."),
    }
    # The "Geschiedenis" page shows it: field, old value, new value and who.
    response = bureau_client.get(admin_url(section, "history", section.pk))
    assertContains(response, "<li><strong>Titel:</strong> Voortgang &rarr; Voortgang 2024</li>", html=True)
    assertContains(response, "<td>bureau</td>", html=True)


def test_cost_line_change_is_recorded_with_amounts(bureau_client, bureau_admin) -> None:
    line = CostLineFactory(amount=1000)

    change_through_admin(bureau_client, line, amount="2500")

    newest = line.history.first()
    delta = newest.diff_against(newest.prev_record)
    assert [(c.field, c.old, c.new) for c in delta.changes] == [("amount", 1000, 2500)]
    assert newest.history_user == bureau_admin


def test_delete_through_admin_is_recorded(bureau_client, bureau_admin) -> None:
    action = ActionFactory(title="Bibob-scan")

    response = bureau_client.post(admin_url(action, "delete", action.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not Action.objects.filter(pk=action.pk).exists()
    deleted = Action.history.filter(id=action.pk).first()
    assert (deleted.history_type, deleted.title, deleted.history_user) == ("-", "Bibob-scan", bureau_admin)


def test_reopening_reason_is_the_change_reason(bureau_admin) -> None:
    plan = AnnualPlanFactory()
    services.adopt_plan(plan=plan, user=bureau_admin, adopted_on=datetime.date(2024, 1, 20))
    services.reopen_plan(plan=plan, user=bureau_admin, reason="Begroting bijgesteld")

    reopened, adopted = plan.history.all()[:2]
    assert adopted.history_change_reason == "Vastgesteld op 20-01-2024"
    assert reopened.history_change_reason == "Heropend (was vastgesteld op 20-01-2024): Begroting bijgesteld"
    assert (reopened.status, adopted.status) == (AnnualPlan.Status.CONCEPT, AnnualPlan.Status.ADOPTED)


# Restoring ----------------------------------------------------------------------------------------


def test_bureau_restores_an_earlier_version(bureau_client, bureau_admin) -> None:
    section = PlanSectionFactory(title="Voortgang", body="Oude tekst.")
    change_through_admin(bureau_client, section, title="Verkeerd", body="Per ongeluk overschreven.")
    original = section.history.earliest()
    url = restore_url(section, original)

    response = bureau_client.post(url, restore_data(bureau_client, url))

    assert response.status_code == 302
    section.refresh_from_db()
    assert (section.title, section.body) == ("Voortgang", "Oude tekst.")
    restored = section.history.first()
    assert (restored.history_type, restored.history_user) == ("~", bureau_admin)
    assert section.history.count() == 3


def test_bureau_restores_a_model_without_version(bureau_client) -> None:
    goal = GoalFactory(short_title="Casuïstiek")
    change_through_admin(bureau_client, goal, short_title="Fout")
    url = restore_url(goal, goal.history.earliest())

    assert bureau_client.post(url, restore_data(bureau_client, url)).status_code == 302
    assert Goal.objects.get(pk=goal.pk).short_title == "Casuïstiek"


@pytest.mark.parametrize("role", ["coordinator", "stuurgroep"])
def test_others_may_read_the_history_but_not_restore(bureau_client, client, django_user_model, role) -> None:
    # The coordinator's own district: they may change this action, yet restoring is the bureau's.
    district_plan = DistrictPlanFactory()
    action = ActionFactory(section=district_plan.section, title="Eerste titel")
    change_through_admin(bureau_client, action, title="Tweede titel")
    coordinator = role == "coordinator"
    user = role_user(
        role,
        COORDINATOR if coordinator else STEERING_GROUP,
        districts=[district_plan.district] if coordinator else [],
        password="x",
    )
    if coordinator:
        assert permissions.can_change(user, action)
    url = restore_url(action, action.history.earliest())
    data = restore_data(bureau_client, url)
    client.force_login(user)

    history_page = client.get(admin_url(action, "history", action.pk))
    assert history_page.status_code == 200
    assertContains(history_page, "Tweede titel")
    assertNotContains(history_page, url)  # no link to a page they may not use
    assert client.get(url).status_code == 403
    assert client.post(url, data).status_code == 403
    assert Action.objects.get(pk=action.pk).title == "Tweede titel"


def test_nothing_of_an_adopted_plan_is_restored(bureau_client, bureau_admin) -> None:
    section = PlanSectionFactory(title="Voortgang")
    change_through_admin(bureau_client, section, title="Vastgestelde titel")
    url = restore_url(section, section.history.earliest())
    data = restore_data(bureau_client, url)
    services.adopt_plan(plan=section.plan, user=bureau_admin, adopted_on=datetime.date(2024, 1, 20))

    assert bureau_client.get(url).status_code == 403
    assert bureau_client.post(url, data).status_code == 403
    assert PlanSection.objects.get(pk=section.pk).title == "Vastgestelde titel"


def test_a_plan_is_not_adopted_by_restoring_an_adopted_version(bureau_client, bureau_admin) -> None:
    # Adopting goes through its own screen; restoring an adopted version of a reopened plan is refused.
    plan = AnnualPlanFactory()
    services.adopt_plan(plan=plan, user=bureau_admin, adopted_on=datetime.date(2024, 1, 20))
    services.reopen_plan(plan=plan, user=bureau_admin, reason="Correctie")
    adopted = plan.history.all()[1]
    url = restore_url(plan, adopted)

    response = bureau_client.post(url, restore_data(bureau_client, url))

    assert response.status_code == 403
    plan.refresh_from_db()
    assert plan.status == AnnualPlan.Status.CONCEPT


def test_every_plan_model_has_history() -> None:
    # Write-once records of an event (a quarter's snapshot, a reminder sent) never change, so they keep
    # no history of their own; the quarter close they belong to does.
    records = {"ActionSnapshot", "SentReminder"}
    for app in ("strategy", "districts", "budget"):
        for model in apps.get_app_config(app).get_models():
            if not model.__name__.startswith("Historical") and model.__name__ not in records:
                assert hasattr(model, "history"), model
    assert CostLine.history.model.__name__ == "HistoricalCostLine"
