"""History from the first edit: objects that were loaded (the fixture, load_plan, import_plan) or copied
to next year have a creation record, so their first edit shows old → new; and the diffs speak Dutch."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.db.models import Model
from django.test import Client
from django.utils import timezone
from pytest_django.asserts import assertContains

from budget.models import CostLine
from core import history
from reports.management.commands.export_plan import plan_querysets
from strategy.models import Action, AnnualPlan, PlanSection, ProgressUpdate, Status
from strategy.plan_copy import create_next_year_plan
from tests.conftest import admin_post_data, admin_url, reopened

pytestmark = pytest.mark.django_db

PLAN_APPS = ("strategy", "districts", "budget")


@pytest.fixture(scope="module")
def _plan_2024(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """The 2024 plan as `make run` loads it (load_plan, which runs loaddata), once for the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_plan", stdout=StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def plan(_plan_2024: None) -> AnnualPlan:
    return AnnualPlan.objects.get(year=2024)


def tracked_models() -> list[type[Model]]:
    return [
        model
        for app in PLAN_APPS
        for model in apps.get_app_config(app).get_models()
        # Write-once records of an event (a quarter's snapshot, a reminder sent) keep no history.
        if not model.__name__.startswith("Historical") and model.__name__ not in {"ActionSnapshot", "SentReminder"}
    ]


def history_counts() -> dict[str, int]:
    return {model._meta.label: model.history.count() for model in tracked_models()}  # type: ignore[attr-defined]


def change_through_admin(client: Client, obj: Model, **values: Any) -> None:
    url = admin_url(obj, "change", obj.pk)
    data = admin_post_data(client.get(url))
    data.update(values)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response


def change(field: str, old: str, new: str) -> str:
    """The line of the object's "Geschiedenis" page that shows the change of `field`."""
    return f"<li><strong>{field}:</strong> {old} &rarr; {new}</li>"


def versterken_om(plan: AnnualPlan) -> CostLine:
    return CostLine.objects.get(plan=plan, label="Versterken OM")


# Loaded from the fixture ------------------------------------------------------------------------


def test_every_loaded_object_has_its_creation_record(plan: AnnualPlan) -> None:
    for model in tracked_models():
        objects = model._default_manager.count()
        created = model.history.filter(history_type="+", history_change_reason=history.LOADED_REASON)  # type: ignore[attr-defined]
        assert created.count() == objects, model
    assert PlanSection.objects.filter(plan=plan).count() == 45  # the check above is not vacuous


def test_first_edit_of_a_fixture_object_shows_old_and_new(plan: AnnualPlan, bureau_client: Client) -> None:
    line = versterken_om(reopened(plan))  # the plan loads as adopted: reopened to edit its budget

    change_through_admin(bureau_client, line, amount="250000")

    response = bureau_client.get(admin_url(line, "history", line.pk))
    assertContains(response, change("Bedrag (€)", "260.000", "250.000"), html=True)
    assertContains(response, f"<td>{history.LOADED_REASON}</td>", html=True)


def test_loading_again_adds_nothing_and_records_only_what_it_changes(plan: AnnualPlan, bureau_client: Client) -> None:
    # Reopened, the plan is a concept as in the file (its adoption is recorded after loading it).
    line = versterken_om(reopened(plan))
    change_through_admin(bureau_client, line, amount="1")
    before = history_counts()

    call_command("loaddata", "jaarplan_2024", verbosity=0)

    # Only the line the load put back to 260.000 has a new record, and it says so.
    after = history_counts()
    assert {label: after[label] - before[label] for label in after if after[label] != before[label]} == {
        "budget.CostLine": 1
    }
    newest = line.history.first()
    assert (newest.history_type, newest.amount, newest.history_change_reason) == ("~", 260_000, history.LOADED_REASON)
    response = bureau_client.get(admin_url(line, "history", line.pk))
    assertContains(response, change("Bedrag (€)", "1", "260.000"), html=True)


# Copied to next year, imported ------------------------------------------------------------------


def test_first_edit_of_an_object_of_next_years_copy_shows_old_and_new(
    plan: AnnualPlan, bureau_client: Client, bureau_admin: Any
) -> None:
    plan_2025 = create_next_year_plan(plan=plan, user=bureau_admin, indexation=0)
    line = versterken_om(plan_2025)
    action = Action.objects.filter(section__plan=plan_2025).order_by("pk").first()
    assert action is not None

    change_through_admin(bureau_client, line, amount="250000")
    change_through_admin(bureau_client, action, title="Nieuwe titel")

    response = bureau_client.get(admin_url(line, "history", line.pk))
    assertContains(response, change("Bedrag (€)", "260.000", "250.000"), html=True)
    response = bureau_client.get(admin_url(action, "history", action.pk))
    old_title = action.history.last().title
    assertContains(response, change("Actie", old_title, "Nieuwe titel"), html=True)


def test_first_edit_of_an_object_from_import_plan_shows_old_and_new(
    plan: AnnualPlan, bureau_client: Client, tmp_path: Path
) -> None:
    out = StringIO()
    call_command("export_plan", "2024", stdout=out)
    path = tmp_path / "plan.json"
    path.write_text(out.getvalue(), encoding="utf-8")
    models = [qs.model if hasattr(qs, "model") else PlanSection for qs in plan_querysets(plan)]
    for model in reversed(models):
        model._default_manager.all().delete()
    imported_from = timezone.now()

    call_command("import_plan", str(path), stdout=StringIO())

    imported = AnnualPlan.objects.get(year=2024)
    assert imported.status == AnnualPlan.Status.ADOPTED  # as it was exported
    line = versterken_om(reopened(imported))
    created = line.history.first()
    assert (created.history_type, created.history_change_reason) == ("+", history.LOADED_REASON)
    assert created.history_date >= imported_from
    change_through_admin(bureau_client, line, amount="250000")
    response = bureau_client.get(admin_url(line, "history", line.pk))
    assertContains(response, change("Bedrag (€)", "260.000", "250.000"), html=True)


# Dutch diffs ------------------------------------------------------------------------------------


def test_history_page_shows_dates_choices_and_empty_values_in_dutch(plan: AnnualPlan, bureau_client: Client) -> None:
    action = Action.objects.filter(section__plan=plan).order_by("pk").first()
    update = ProgressUpdate.objects.create(
        action=action, date=datetime.date(2024, 1, 25), status=Status.ON_TRACK, percentage=40, narrative="Loopt"
    )

    change_through_admin(bureau_client, update, date="2024-03-01", status=Status.DELAYED, narrative="")

    response = bureau_client.get(admin_url(update, "history", update.pk))
    assertContains(response, change("Datum", "25 januari 2024", "1 maart 2024"), html=True)
    assertContains(response, change("Status", "op koers", "vertraagd"), html=True)
    assertContains(response, change("Toelichting", "Loopt", "leeg"), html=True)


def test_stale_edit_differences_speak_dutch(plan: AnnualPlan) -> None:
    line = versterken_om(plan)
    mine = CostLine(plan=plan, category=line.category, label=line.label, amount=7_843_124, funding_stream="regulier")
    assert history.differences(mine, line, ["label", "amount", "funding_stream", "programme_line"]) == [
        ("Bedrag (€)", "7.843.124", "260.000"),
        ("Geldstroom", "regulier", "versterking"),
        ("Ten laste van lijn", "leeg", str(line.programme_line)),
    ]
    mine_update = ProgressUpdate(date=datetime.date(2024, 1, 25), status=Status.AT_RISK, percentage=2024)
    theirs = ProgressUpdate(date=datetime.date(2024, 12, 1), status=Status.DONE, percentage=100)
    assert history.differences(mine_update, theirs, ["date", "status", "percentage"]) == [
        ("Datum", "25 januari 2024", "1 december 2024"),
        ("Status", "risico", "afgerond"),
        ("Percentage gereed", "2024", "100"),  # a number that is not an amount keeps its digits
    ]
