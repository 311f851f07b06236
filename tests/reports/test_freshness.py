"""The data version behind the cached pages: one query, and it moves with every way the app writes data."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core import serializers
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from simple_history.utils import bulk_create_with_history

from core import clock
from reports import freshness, rendering, views
from reports.models import RenderedDocument
from strategy.models import Action, PlanSection, ProgressUpdate, Status
from tests.strategy.factories import ActionFactory, AnnualPlanFactory, PlanSectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def action() -> Action:
    return ActionFactory(title="Bibob-toets")


def test_the_data_version_is_one_query_and_stays_put_while_nothing_changes(
    action: Action, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(1):
        first = freshness.data_version()
    assert freshness.data_version() == first
    Action.objects.filter(pk=action.pk).exists()  # reading changes nothing
    assert freshness.data_version() == first


def test_a_save_a_delete_and_an_import_each_move_the_data_version(action: Action) -> None:
    seen = {freshness.data_version()}

    action.title = "Bibob-toets, herzien"
    action.save()  # the admin, the pages and the services save like this (with history)
    seen.add(freshness.data_version())

    ProgressUpdate.objects.create(action=action, date=datetime.date(2024, 4, 1), status=Status.ON_TRACK, percentage=10)
    seen.add(freshness.data_version())

    # The import layer inserts in batches, with history.
    bulk_create_with_history(
        [ProgressUpdate(action=action, date=datetime.date(2024, 5, 1), status=Status.DONE, percentage=100)],
        ProgressUpdate,
    )
    seen.add(freshness.data_version())

    # Raw saves write no history: loaddata and import_plan. The new row moves the table's own newest id.
    other = ActionFactory.build(section=action.section, order=99, title="Geïmporteerd")
    data = serializers.serialize("python", [other])
    for obj in serializers.deserialize("python", data):
        obj.save()
    seen.add(freshness.data_version())

    # So does bulk_create without history.
    Action.objects.bulk_create([Action(section=action.section, order=100, title="In bulk")])
    seen.add(freshness.data_version())

    action.delete()
    seen.add(freshness.data_version())
    assert len(seen) == 7


def test_a_data_migration_moves_the_data_version(action: Action) -> None:
    before = freshness.data_version()
    MigrationRecorder.Migration.objects.create(app="strategy", name="9999_data_fix")
    assert freshness.data_version() != before


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


# PDFs: the same freshness rule, without building the report in the request -------------------------

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def rendered(monkeypatch: Any) -> list[str]:
    """Every render, recorded; a small stand-in PDF instead of WeasyPrint's seconds."""
    calls: list[str] = []

    def fake_render(html: str) -> bytes:
        calls.append(html)
        return b"%PDF-1.7 stand-in " + str(len(calls)).encode()

    monkeypatch.setattr(rendering, "render_pdf", fake_render)
    return calls


@pytest.fixture
def built(monkeypatch: Any) -> list[int]:
    """Every jaarplan report built for a PDF (what the old fingerprint cost on every download)."""
    calls: list[int] = []
    build = rendering.build_plan_report
    monkeypatch.setattr(rendering, "build_plan_report", lambda year: calls.append(year) or build(year))
    return calls


@pytest.fixture
def year() -> int:
    """A small plan with a section and an action; its year."""
    section = PlanSectionFactory(title="Ondermijning in beeld")
    ActionFactory(section=section, title="Bibob-toets")
    return section.plan.year


def pdf_url(year: int) -> str:
    return f"/jaarplan/{year}.pdf"


@pytest.fixture
def reader(client: Client, django_user_model: Any) -> Client:
    client.force_login(django_user_model.objects.create_user(username="lezer", password="x"))
    return client


# What the document itself costs: the plan (its title and file name; 404 without one), the content version
# (one query over the plan tables) and the stored document: three queries, whatever the size of the plan.
# The fixed part around it, as on every page of a logged-in user: the session and the user; a download
# writes its line in the audit log; the waiting page asks the policy whether the user is of the bureau
# (the user's groups: the bureau sees the error and a button to try again).
DOCUMENT_QUERIES = 3  # plan, content version, document
DOWNLOAD_QUERIES = 2 + DOCUMENT_QUERIES + 1  # session, user; the document; the audit line
POLL_QUERIES = 2 + DOCUMENT_QUERIES + 1  # session, user; the document; the user's groups


def test_a_cached_pdf_download_is_served_in_a_fixed_number_of_queries(
    reader: Client, year: int, rendered: list[str], built: list[int]
) -> None:
    first = reader.get(pdf_url(year))  # rendered at once by the tests' task backend
    assert first.status_code == 200 and len(rendered) == 1 and len(built) == 1

    with CaptureQueriesContext(connection) as queries:
        again = reader.get(pdf_url(year))
    assert again.status_code == 200 and again["Content-Type"] == "application/pdf"
    assert again.content == first.content
    assert len(queries) <= DOWNLOAD_QUERIES, "\n".join(query["sql"][:90] for query in queries)
    assert len(built) == 1 and len(rendered) == 1  # neither built nor rendered again


@override_settings(TASKS=DATABASE_TASKS)
def test_a_poll_of_the_waiting_page_is_answered_in_a_fixed_number_of_queries(
    reader: Client, year: int, rendered: list[str], built: list[int]
) -> None:
    assert reader.get(pdf_url(year)).status_code == 202  # queued for the worker

    with CaptureQueriesContext(connection) as queries:
        poll = reader.get(pdf_url(year))
    assert poll.status_code == 202 and "PDF wordt gemaakt…" in poll.content.decode()
    assert len(queries) <= POLL_QUERIES, "\n".join(query["sql"][:90] for query in queries)
    assert built == [] and rendered == []  # the request neither builds the report nor renders


@override_settings(TASKS=DATABASE_TASKS)
def test_after_an_edit_the_old_pdf_is_not_served(
    reader: Client, year: int, rendered: list[str], built: list[int]
) -> None:
    reader.get(pdf_url(year))
    rendering.render_document.call(rendering.plan_key(year), 0)  # the worker's job
    before = reader.get(pdf_url(year))
    assert before.status_code == 200

    section = PlanSection.objects.get(title="Ondermijning in beeld")
    section.title = "Ondermijning in kaart"
    section.save()
    waiting = reader.get(pdf_url(year))
    assert waiting.status_code == 202 and "PDF wordt gemaakt…" in waiting.content.decode()

    rendering.render_document.call(rendering.plan_key(year), 0)
    after = reader.get(pdf_url(year))
    assert after.status_code == 200 and after.content != before.content
    assert "Ondermijning in kaart" in rendered[-1]


def test_an_edit_this_document_does_not_print_only_moves_its_checked_version(
    reader: Client, year: int, rendered: list[str], built: list[int]
) -> None:
    first = reader.get(pdf_url(year))
    key = rendering.plan_key(year)
    checked = RenderedDocument.objects.get(key=key).checked_version

    other = ActionFactory(title="Actie in een ander jaarplan")  # moves the content version, not this PDF
    assert other.section.plan.year != year
    again = reader.get(pdf_url(year))  # the worker (at once in the tests) builds the report and compares
    assert again.status_code == 200 and again.content == first.content
    assert len(built) == 2 and len(rendered) == 1  # compared, not rendered again
    assert RenderedDocument.objects.get(key=key).checked_version not in {"", checked}

    reader.get(pdf_url(year))
    assert len(built) == 2  # found current again: the report is not built
