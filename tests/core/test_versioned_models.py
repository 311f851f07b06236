"""Every model a user can edit refuses a stale save: two people, one change form, the second save is refused.

The table names, per editable model, a field and two values: the first colleague saves one, the
second, who opened the form before that save, tries the other. The second gets the differences
(field, their value, the saved value) and who saved when, and the database keeps the first value.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib import admin
from django.db.models import Model
from django.test import Client
from django.utils.text import capfirst

from core import clock
from core.models import Versioned
from tests.budget import factories as budget
from tests.conftest import admin_post_data, admin_url
from tests.districts import factories as districts
from tests.strategy import factories as strategy

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2024, 7, 10)

# (factory, field, what the first colleague saves, what the stale form tries)
EDITABLE: list[tuple[Callable[[], Model], str, str, str]] = [
    (strategy.StrategyFactory, "name", "Strategie A", "Strategie B"),
    (strategy.GoalFactory, "title", "Doel A", "Doel B"),
    (strategy.ProgrammeLineFactory, "title", "Lijn A", "Lijn B"),
    (strategy.AnnualPlanFactory, "title", "Jaarplan A", "Jaarplan B"),
    (strategy.PlanSectionFactory, "title", "Paragraaf A", "Paragraaf B"),
    (strategy.SectionBlockFactory, "caption", "Figuur A", "Figuur B"),
    (strategy.ActionFactory, "owner", "Politie", "Gemeente"),
    (strategy.ProgressUpdateFactory, "narrative", "Loopt.", "Loopt niet."),
    (strategy.PhenomenonFactory, "name", "Fenomeen A", "Fenomeen B"),
    (districts.DistrictFactory, "name", "District A", "District B"),
    (districts.MunicipalityFactory, "name", "Gemeente A", "Gemeente B"),
    (districts.FocusThemeFactory, "name", "Thema A", "Thema B"),
    (districts.DistrictPlanFactory, "workplan_name", "Werkplan A", "Werkplan B"),
    (districts.DistrictFocusThemeFactory, "label", "Label A", "Label B"),
    (districts.DevelopmentFactory, "title", "Ontwikkeling A", "Ontwikkeling B"),
    (districts.BaselineNormFactory, "title", "Norm A", "Norm B"),
    (districts.BaselineAssessmentFactory, "note", "Besproken.", "Niet besproken."),
    (districts.ResilienceScanFactory, "note", "Ontvangen.", "Nog niet."),
    (districts.CommonThreadsReportFactory, "note", "Ingeleverd.", "Te laat."),
    (budget.CostGroupFactory, "title", "Groep A", "Groep B"),
    (budget.CostLineFactory, "label", "Regel A", "Regel B"),
    (budget.CostSplitFactory, "amount", "2000", "3000"),
    (budget.FundingSourceFactory, "label", "Bron A", "Bron B"),
    (budget.ProgrammeAllocationFactory, "label", "Toekenning A", "Toekenning B"),
    (budget.SpendingFactory, "note", "Factuur A", "Factuur B"),
]
# Registered in the admin, but nobody edits them there: every field is read-only or the admin refuses changes.
NOT_EDITABLE = {"strategy.QuarterClose", "strategy.SentReminder"}
PLAN_APPS = {"strategy", "districts", "budget"}


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: TODAY)


@pytest.fixture
def second_client(django_user_model: Any) -> Client:
    """A colleague of the bureau in another browser."""
    colleague = django_user_model.objects.create_superuser(username="collega", password="x")
    client = Client()
    client.force_login(colleague)
    return client


def shown(value: str) -> str:
    return f"{int(value):,}".replace(",", ".") if value.isdigit() else value


@pytest.mark.parametrize(
    ("factory", "field", "first", "stale"), EDITABLE, ids=[row[0]._meta.model.__name__ for row in EDITABLE]
)
def test_a_stale_save_is_refused_with_the_differences(
    bureau_client: Client, second_client: Client, factory: Any, field: str, first: str, stale: str
) -> None:
    obj = factory()
    url = admin_url(obj, "change", obj.pk)
    mine = admin_post_data(bureau_client.get(url))
    theirs = admin_post_data(second_client.get(url))
    assert mine["version"] == theirs["version"] == "1"

    saved = bureau_client.post(url, {**mine, field: first})
    assert saved.status_code == 302, saved.context["adminform"].form.errors if saved.context else saved
    response = second_client.post(url, {**theirs, field: stale})

    assert response.status_code == 200
    errors = list(response.context["adminform"].form.non_field_errors())
    assert errors[0].startswith("Iemand anders heeft deze")
    assert "door bureau op" in errors[0]
    label = capfirst(str(type(obj)._meta.get_field(field).verbose_name))
    assert f"{label}: “{shown(stale)}” → “{shown(first)}”" in errors
    obj.refresh_from_db()
    assert (str(getattr(obj, field)), obj.version) == (first, 2)


def test_every_model_edited_in_the_admin_is_versioned() -> None:
    """A new plan model registered in the admin gets the stale-edit rule, or this test names it."""
    plan_models = [
        model
        for model in admin.site._registry
        if model._meta.app_label in PLAN_APPS and model._meta.label not in NOT_EDITABLE
    ]
    assert [model._meta.label for model in plan_models if not issubclass(model, Versioned)] == []
    assert {model._meta.label for model in plan_models} == {row[0]._meta.model._meta.label for row in EDITABLE}


def test_the_version_is_no_part_of_the_history() -> None:
    # Restoring an old version must never restore an old number (which would make every form stale).
    for factory, *_rest in EDITABLE:
        model = factory._meta.model
        assert "version" not in {f.name for f in model.history.model._meta.fields}, model


# Inline rows: the row of a child on its parent's page carries the child's version -------------------

# (factory of the child, its parent's attribute, field, first value, stale value)
INLINE_ROWS: list[tuple[Callable[[], Model], str, str, str, str]] = [
    (strategy.GoalFactory, "strategy", "title", "Doel A", "Doel B"),
    (strategy.ProgrammeLineFactory, "strategy", "title", "Lijn A", "Lijn B"),
    (strategy.ActionFactory, "section", "owner", "Politie", "Gemeente"),
    (strategy.ProgressUpdateFactory, "action", "narrative", "Loopt.", "Loopt niet."),
    (budget.CostSplitFactory, "cost_line", "amount", "2000", "3000"),
    (districts.MunicipalityFactory, "district", "name", "Gemeente A", "Gemeente B"),
    (districts.DistrictFocusThemeFactory, "district_plan", "label", "Label A", "Label B"),
    (districts.DevelopmentFactory, "district_plan", "title", "Ontwikkeling A", "Ontwikkeling B"),
    (districts.BaselineNormFactory, "district_plan", "title", "Norm A", "Norm B"),
]


@pytest.mark.parametrize(
    ("factory", "parent_name", "field", "first", "stale"),
    INLINE_ROWS,
    ids=[row[0]._meta.model.__name__ for row in INLINE_ROWS],
)
def test_a_stale_inline_row_is_refused_on_its_parents_page(
    bureau_client: Client, second_client: Client, factory: Any, parent_name: str, field: str, first: str, stale: str
) -> None:
    child = factory()
    parent = getattr(child, parent_name)
    parent_url = admin_url(parent, "change", parent.pk)
    page = second_client.get(parent_url)
    (formset,) = [i.formset for i in page.context["inline_admin_formsets"] if i.formset.model is type(child)]
    (row,) = [form for form in formset.initial_forms if form.instance.pk == child.pk]
    theirs = admin_post_data(page)
    # The first colleague saves the child on its own page.
    child_url = admin_url(child, "change", child.pk)
    saved = bureau_client.post(child_url, {**admin_post_data(bureau_client.get(child_url)), field: first})
    assert saved.status_code == 302

    response = second_client.post(parent_url, {**theirs, row.add_prefix(field): stale})

    assert response.status_code == 200
    (refused,) = [i.formset for i in response.context["inline_admin_formsets"] if i.formset.model is type(child)]
    errors = [error for form in refused.forms for error in form.non_field_errors()]
    label = capfirst(str(type(child)._meta.get_field(field).verbose_name))
    assert f"{label}: “{shown(stale)}” → “{shown(first)}”" in errors
    child.refresh_from_db()
    assert (str(getattr(child, field)), child.version) == (first, 2)
