"""Is the PDF worker alive? /health/worker/ for monitoring, a notice on the admin's start page for the bureau.

The heartbeat rows are written here as a worker's loop writes them (core.worker.Heartbeat); the
real worker process, and its death, are in tests/core/test_worker_process.py.
"""

from __future__ import annotations

import datetime
import io
import json
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django_tasks_db.models import DBTaskResult
from pytest_django.asserts import assertContains, assertNotContains

from core import worker
from core.models import WorkerHeartbeat
from core.roles import COORDINATOR
from reports.rendering import refresh_documents
from tests.conftest import logged_in, role_user

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# A beat long ago (the real clock is later): "sinds 14 juni 2024 09:12".
LONG_AGO = datetime.datetime(2024, 6, 14, 9, 12, tzinfo=AMSTERDAM)
DOWN = "PDF-worker draait niet"


def health() -> tuple[int, dict[str, Any]]:
    response = Client().get("/health/worker/")  # anonymous, as a monitor asks
    return response.status_code, json.loads(response.content)


def beating(worker_id: str = "w1") -> worker.Heartbeat:
    heartbeat = worker.Heartbeat(worker_id)
    heartbeat.start()
    return heartbeat


def test_a_beating_worker_is_healthy_and_the_bureau_sees_no_notice(bureau_client: Client) -> None:
    beating()

    status, body = health()

    assert status == 200
    assert body["status"] == "ok"
    assert body["last_beat_age_seconds"] <= 5
    assertNotContains(bureau_client.get("/admin/"), DOWN)


def test_without_any_worker_health_says_so_and_the_bureau_is_told(bureau_client: Client) -> None:
    assert health() == (
        503,
        {"status": "worker not running", "last_beat_age_seconds": None, "oldest_queued_task_age_seconds": None},
    )
    assertContains(bureau_client.get("/admin/"), "PDF-worker draait niet: er heeft nog nooit een worker gedraaid.")


def test_a_worker_silent_for_a_minute_is_down_since_its_last_beat(bureau_client: Client) -> None:
    beating()
    WorkerHeartbeat.objects.update(beat_at=LONG_AGO)

    status, body = health()

    assert (status, body["status"]) == (503, "worker not running")
    assert body["last_beat_age_seconds"] > 60
    assertContains(bureau_client.get("/admin/"), "PDF-worker draait niet sinds 14 juni 2024 09:12.")


def test_a_loop_that_stopped_is_down_at_once(bureau_client: Client) -> None:
    heartbeat = beating()
    heartbeat.stop("RuntimeError: kapot")

    assert health()[0] == 503
    assertContains(bureau_client.get("/admin/"), DOWN)


def test_one_running_worker_among_stopped_ones_is_enough() -> None:
    beating("oud").stop("SystemExit")
    beating("nieuw")

    assert health()[0] == 200


def test_a_worker_busy_with_a_long_task_is_not_down_until_the_task_limit() -> None:
    heartbeat = beating()
    heartbeat.beat(busy=True)
    WorkerHeartbeat.objects.update(beat_at=LONG_AGO, busy_since=LONG_AGO)

    assert worker.status(now=LONG_AGO + datetime.timedelta(minutes=5)).running
    assert not worker.status(now=LONG_AGO + datetime.timedelta(minutes=16)).running
    # Idle, the same five minutes of silence are too long.
    WorkerHeartbeat.objects.update(busy_since=None)
    assert not worker.status(now=LONG_AGO + datetime.timedelta(minutes=5)).running


@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_health_reports_how_long_the_oldest_task_waits() -> None:
    beating()
    refresh_documents.enqueue()

    status, body = health()

    assert status == 200
    assert 0 <= body["oldest_queued_task_age_seconds"] <= 5


def test_health_shows_no_data_and_a_coordinator_sees_no_notice(plan_2024: Any) -> None:
    beating().stop("OperationalError: database is locked op host riec-1")

    status, body = health()

    assert status == 503
    # Only the status and two ages: nothing of the plan, the machine, the worker or why it stopped.
    assert set(body) == {"status", "last_beat_age_seconds", "oldest_queued_task_age_seconds"}
    assert "riec-1" not in json.dumps(body)
    coordinator = logged_in(role_user("coordinator-twente", COORDINATOR, districts=["twente"]))
    assertNotContains(coordinator.get("/admin/"), DOWN)


def test_rows_of_workers_gone_for_a_week_are_removed_when_a_worker_starts() -> None:
    beating("oud")
    WorkerHeartbeat.objects.update(beat_at=LONG_AGO)
    beating("nieuw")

    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["nieuw"]


# Transactional, as the worker runs outside any request: its loop closes the connection between rounds
# (close_old_connections), which inside a test's transaction on PostgreSQL would end the test's connection.
@pytest.mark.django_db(transaction=True)
@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_the_worker_runs_the_queue_beating_and_says_when_it_stops() -> None:
    refresh_documents.enqueue()

    call_command("run_worker", batch=True, no_startup_delay=True, interval=0, stdout=io.StringIO())

    assert list(DBTaskResult.objects.values_list("status", flat=True)) == ["SUCCESSFUL"]
    (row,) = WorkerHeartbeat.objects.all()
    assert row.busy_since is None
    assert row.stopped_at is not None and row.stop_reason == "gestopt"
    assert health()[0] == 503  # a worker that stopped on purpose runs no more either
