"""The data version behind the cached pages: one query, and it moves with every way the app writes data."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core import serializers
from django.test import Client
from simple_history.utils import bulk_create_with_history

from core import clock
from reports import versions, views
from strategy.models import Action, ProgressUpdate, Status
from tests.strategy.factories import ActionFactory, AnnualPlanFactory, PlanSectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def action() -> Action:
    return ActionFactory(title="Bibob-toets")


def test_the_data_version_is_one_query_and_stays_put_while_nothing_changes(
    action: Action, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(1):
        first = versions.data_version()
    assert versions.data_version() == first
    Action.objects.filter(pk=action.pk).exists()  # reading changes nothing
    assert versions.data_version() == first


def test_a_save_a_delete_and_an_import_each_move_the_data_version(action: Action) -> None:
    seen = {versions.data_version()}

    action.title = "Bibob-toets, herzien"
    action.save()  # the admin, the pages and the services save like this (with history)
    seen.add(versions.data_version())

    ProgressUpdate.objects.create(action=action, date=datetime.date(2024, 4, 1), status=Status.ON_TRACK, percentage=10)
    seen.add(versions.data_version())

    # The import layer inserts in batches, with history.
    bulk_create_with_history(
        [ProgressUpdate(action=action, date=datetime.date(2024, 5, 1), status=Status.DONE, percentage=100)],
        ProgressUpdate,
    )
    seen.add(versions.data_version())

    # Raw saves write no history: loaddata and import_plan. The new row moves the table's own newest id.
    other = ActionFactory.build(section=action.section, order=99, title="Geïmporteerd")
    data = serializers.serialize("python", [other])
    for obj in serializers.deserialize("python", data):
        obj.save()
    seen.add(versions.data_version())

    # So does bulk_create without history.
    Action.objects.bulk_create([Action(section=action.section, order=100, title="In bulk")])
    seen.add(versions.data_version())

    action.delete()
    seen.add(versions.data_version())
    assert len(seen) == 7


def test_a_data_migration_moves_the_data_version(action: Action) -> None:
    from django.db.migrations.recorder import MigrationRecorder

    before = versions.data_version()
    MigrationRecorder.Migration.objects.create(app="strategy", name="9999_data_fix")
    assert versions.data_version() != before


def test_the_cached_dashboard_is_rendered_once_per_day(
    monkeypatch: Any, django_user_model: Any, client: Client
) -> None:
    plan = AnnualPlanFactory(year=2024)
    ActionFactory(section=PlanSectionFactory(plan=plan), title="Te laat na Q1", due_year=2024, due_quarter=1)
    client.force_login(django_user_model.objects.create_user(username="lezer"))
    built: list[datetime.date] = []
    build = views.build_dashboard
    monkeypatch.setattr(views, "build_dashboard", lambda **kwargs: built.append(clock.today()) or build(**kwargs))

    monkeypatch.setattr(clock, "today", lambda: datetime.date(2024, 3, 31))
    assert overdue_count(client.get("/")) == 0
    assert overdue_count(client.get("/")) == 0
    # Overdue is measured against today: the next day is a new body, without any change to the data.
    monkeypatch.setattr(clock, "today", lambda: datetime.date(2024, 4, 1))
    assert overdue_count(client.get("/")) == 1
    assert overdue_count(client.get("/")) == 1
    assert built == [datetime.date(2024, 3, 31), datetime.date(2024, 4, 1)]


def overdue_count(response: Any) -> int:
    found = re.search(r'kpi-value">(\d+)</span><span class="kpi-label">over de deadline', response.content.decode())
    assert found
    return int(found.group(1))
