"""Every admin page of the plan apps: registered, opens, stays cheap, and its autocompletes answer."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from simple_history.models import HistoricalChanges

from strategy.models import Strategy
from tests.budget.test_admin import FACTORIES as BUDGET_FACTORIES
from tests.conftest import admin_url
from tests.districts.test_admin import FACTORIES as DISTRICT_FACTORIES
from tests.strategy.test_admin import FACTORIES as STRATEGY_FACTORIES

pytestmark = pytest.mark.django_db

FACTORIES = {**STRATEGY_FACTORIES, **DISTRICT_FACTORIES, **BUDGET_FACTORIES}


# Written by the application only (send_reminders): listed in the admin, never added there.
NO_ADD_PAGE = {"SentReminder"}


def test_every_model_is_registered_and_tested() -> None:
    # The history tables of django-simple-history are not models an admin edits; a quarter's snapshot
    # is shown as the (read-only) inline of its close.
    models = {
        model
        for app in ("strategy", "districts", "budget")
        for model in apps.get_app_config(app).get_models()
        if not issubclass(model, HistoricalChanges) and model.__name__ != "ActionSnapshot"
    }
    assert models == set(FACTORIES)
    assert all(admin.site.is_registered(model) for model in models)


@pytest.mark.parametrize("model", FACTORIES, ids=lambda m: m.__name__)
def test_changelist_add_and_change_pages_open(bureau_client: Any, model: Any) -> None:
    obj = FACTORIES[model]()
    for url in (admin_url(model, "changelist"), admin_url(model, "add"), admin_url(model, "change", obj.pk)):
        if url.endswith("/add/") and model.__name__ in NO_ADD_PAGE:
            assert bureau_client.get(url).status_code == 403, url
            continue
        assert bureau_client.get(url).status_code == 200, url


@pytest.mark.parametrize("model", FACTORIES, ids=lambda m: m.__name__)
def test_changelist_queries_do_not_grow_with_rows(bureau_client: Any, count_queries: Any, model: Any) -> None:
    # Every row has its own related objects here, so a missing select_related shows up as growth.
    FACTORIES[model].create_batch(2)
    _, few = count_queries(bureau_client, admin_url(model, "changelist"))
    FACTORIES[model].create_batch(8)
    response, many = count_queries(bureau_client, admin_url(model, "changelist"))
    assert response.context["cl"].result_count == 10
    assert many == few


@pytest.mark.parametrize(
    ("model", "field"),
    [(model, field) for model in FACTORIES for field in admin.site.get_model_admin(model).autocomplete_fields],
    ids=lambda value: getattr(value, "__name__", value),
)
def test_autocomplete_fields_answer(bureau_client: Any, model: Any, field: str) -> None:
    target = model._meta.get_field(field).related_model
    if target in FACTORIES:  # otherwise the user model: the logged-in user is a choice
        FACTORIES[target]()
    url = admin_url(Strategy, "changelist").replace("strategy/strategy/", "autocomplete/")
    response = bureau_client.get(
        url, {"app_label": model._meta.app_label, "model_name": model._meta.model_name, "field_name": field}
    )
    assert response.status_code == 200
    assert response.json()["results"]
