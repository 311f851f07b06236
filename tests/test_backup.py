"""Backup and restore of one jaarplan: `export_plan 2024 > plan.json`, `import_plan plan.json`."""

from __future__ import annotations

import datetime
import json
from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import models

from budget.models import CostLine, Spending
from districts.models import BaselineAssessment, BaselineNorm
from reports.management.commands.export_plan import plan_querysets
from strategy.models import Action, ActionSnapshot, AnnualPlan, ProgressUpdate, QuarterClose, Status

pytestmark = pytest.mark.django_db


def exported_models() -> list[type[models.Model]]:
    plan = AnnualPlan(year=2024, strategy_id=0, pk=0)
    return [
        qs.model if hasattr(qs, "model") else apps.get_model("strategy", "PlanSection") for qs in plan_querysets(plan)
    ]


def identity(obj: models.Model | None) -> Any:
    """How an object is named across databases: its natural key, never its primary key."""
    if obj is None:
        return None
    if hasattr(obj, "natural_key"):
        return list(obj.natural_key())
    return {"model": obj._meta.label, **field_values(obj)}


def field_values(obj: models.Model) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.primary_key:
            continue
        if field.is_relation:
            values[field.name] = identity(getattr(obj, field.name))
        else:
            value = getattr(obj, field.attname)
            values[field.name] = value.isoformat() if isinstance(value, datetime.date) else str(value)
    return values


def snapshot() -> dict[str, list[str]]:
    """Every object of every exported model, field by field, in a form that does not depend on pks."""
    return {
        model._meta.label: sorted(json.dumps(field_values(obj), sort_keys=True) for obj in model.objects.all())
        for model in exported_models()
    }


@pytest.fixture
def plan_with_history(plan_2024: AnnualPlan, django_user_model: Any) -> AnnualPlan:
    plan = plan_2024
    author = django_user_model.objects.create_user(username="coordinator-twente")
    for n, action in enumerate(Action.objects.filter(section__plan=plan).order_by("pk")[:5]):
        ProgressUpdate.objects.create(
            action=action,
            date=datetime.date(2024, 4, 1 + n),
            status=Status.DONE if n == 0 else Status.ON_TRACK,
            percentage=100 if n == 0 else 40 + n,
            narrative=f"Voortgang {n}: gesprekken gevoerd.",
            author=author if n % 2 == 0 else None,
        )
    norm = BaselineNorm.objects.filter(district_plan__plan=plan).select_related("district_plan__district").first()
    assert norm is not None
    for day, municipality in enumerate(norm.district_plan.district.municipalities.order_by("name")[:3], start=1):
        BaselineAssessment.objects.create(
            municipality=municipality,
            norm=norm,
            assessed_on=datetime.date(2024, 3, day),
            status=BaselineAssessment.Status.PARTLY,
            note="Deels op orde.",
        )
    Spending.objects.create(cost_line=CostLine.objects.filter(plan=plan).first(), year=2024, quarter=1, amount=12_345)
    # A closed first quarter with its snapshot and its stored report.
    close = QuarterClose.objects.create(
        plan=plan,
        quarter=1,
        closed_at=datetime.datetime(2024, 4, 5, 9, 30, tzinfo=datetime.UTC),
        closed_by=author,
        document=b"%PDF-1.7 vastgelegd",
        document_sha256="a" * 64,
    )
    for action in Action.objects.filter(section__plan=plan).order_by("pk")[:3]:
        ActionSnapshot.objects.create(close=close, action=action, status=Status.ON_TRACK, percentage=20)
    return plan


def export(year: int = 2024) -> str:
    out = StringIO()
    call_command("export_plan", str(year), stdout=out)
    return out.getvalue()


def empty_plan_tables() -> None:
    for model in reversed(exported_models()):
        model.objects.all().delete()


def test_every_plan_model_is_in_the_export() -> None:
    """A new model in a plan app must be added to export_plan (history tables excepted)."""
    plan_apps = ("strategy", "districts", "budget")
    models_in_apps = {
        m._meta.label
        for app in plan_apps
        for m in apps.get_app_config(app).get_models()
        # Reminders sent are about accounts of this installation, not about the plan.
        if not m.__name__.startswith("Historical") and m.__name__ != "SentReminder"
    }
    assert models_in_apps == {m._meta.label for m in exported_models()}


def test_export_then_import_into_an_empty_database_gives_the_same_plan(
    plan_with_history: AnnualPlan, tmp_path: Any
) -> None:
    before = snapshot()
    assert len(before["strategy.ProgressUpdate"]) == 5
    assert len(before["districts.BaselineAssessment"]) == 3
    assert len(before["strategy.ActionSnapshot"]) == 3

    text = export()
    data = json.loads(text)
    assert all("pk" not in entry for entry in data), "natural keys only, no primary keys"
    update = next(e for e in data if e["model"] == "strategy.progressupdate" and e["fields"]["author"])
    assert update["fields"]["author"] == ["coordinator-twente"]
    assert isinstance(update["fields"]["action"], list)
    # Dependency order: the plan comes after its strategy and before its sections.
    order = [entry["model"] for entry in data]
    assert order.index("strategy.strategy") < order.index("strategy.annualplan") < order.index("strategy.plansection")

    path = tmp_path / "plan.json"
    path.write_text(text, encoding="utf-8")
    empty_plan_tables()
    assert all(values == [] for values in snapshot().values())

    out = StringIO()
    call_command("import_plan", str(path), stdout=out)
    assert "Jaarplan 2024 geïmporteerd" in out.getvalue()
    after = snapshot()
    for label, objects in before.items():
        assert after[label] == objects, f"{label} differs after the round trip"
    assert export() == text


def test_import_refuses_a_year_that_exists_and_writes_nothing(plan_with_history: AnnualPlan, tmp_path: Any) -> None:
    path = tmp_path / "plan.json"
    data = json.loads(export())
    # Even a file whose other objects are new must not leave anything behind.
    data.append({"model": "districts.focustheme", "fields": {"name": "Nieuw thema", "slug": "nieuw-thema"}})
    path.write_text(json.dumps(data), encoding="utf-8")
    before = snapshot()
    with pytest.raises(CommandError, match="Er bestaat al een jaarplan voor 2024"):
        call_command("import_plan", str(path))
    assert snapshot() == before


def test_a_failing_import_leaves_nothing_behind(plan_with_history: AnnualPlan, tmp_path: Any) -> None:
    data = json.loads(export())
    empty_plan_tables()
    # A progress update for an action that is not in the file: the import must roll back completely.
    broken = next(e for e in data if e["model"] == "strategy.progressupdate")
    broken["fields"]["action"] = [2024, "bestaat-niet", 1]
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CommandError, match="niets geschreven"):
        call_command("import_plan", str(path))
    assert not AnnualPlan.objects.exists()
    assert all(values == [] for values in snapshot().values())


def test_unknown_authors_are_left_empty(plan_with_history: AnnualPlan, tmp_path: Any, django_user_model: Any) -> None:
    text = export()
    empty_plan_tables()
    django_user_model.objects.filter(username="coordinator-twente").delete()
    path = tmp_path / "plan.json"
    path.write_text(text, encoding="utf-8")
    err = StringIO()
    call_command("import_plan", str(path), stdout=StringIO(), stderr=err)
    assert "coordinator-twente" in err.getvalue()
    assert ProgressUpdate.objects.count() == 5
    assert not ProgressUpdate.objects.filter(author__isnull=False).exists()
    assert QuarterClose.objects.get().closed_by is None


def test_export_of_a_missing_year_says_so() -> None:
    with pytest.raises(CommandError, match="geen jaarplan voor 2031"):
        call_command("export_plan", "2031")
