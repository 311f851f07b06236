"""The real worker process: its loop beats while it runs; when the loop dies, the process exits non-zero
(so systemd or the Procfile's supervisor starts a new one) and /health/worker/ reports it at once.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tests.core.processes import BASE_DIR, app_env, manage

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="the worker's process does not depend on the database; runs once, in the SQLite round of the suite",
)

HEALTH = """
import json
from django.test import Client
response = Client().get("/health/worker/")
print(json.dumps([response.status_code, json.loads(response.content)]))
"""


def health(env: dict[str, str]) -> tuple[int, dict[str, Any]]:
    status, body = json.loads(manage(env, "shell", "-c", HEALTH).strip().splitlines()[-1])
    return status, body


TASKS_TABLE = "django_tasks_database_dbtaskresult"


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    database = tmp_path_factory.mktemp("worker") / "db.sqlite3"
    manage(app_env(f"sqlite:///{database}"), "migrate", "--noinput", "-v0")
    return database


def rename_table(database: Path, old: str, new: str) -> None:
    with sqlite3.connect(database, timeout=30) as db:
        db.execute(f"ALTER TABLE {old} RENAME TO {new}")


# With DJANGO_DEBUG=true the worker runs under Django's autoreloader (`make run`), where the loop is a
# thread: a loop that died there used to leave a process that made no PDFs. Without it: production.
@pytest.mark.parametrize("debug", ["true", "false"], ids=["make-run", "production"])
def test_a_dead_loop_ends_the_process_with_an_error_and_health_reports_it(
    migrated: Path, tmp_path: Path, debug: str
) -> None:
    database = tmp_path / "db.sqlite3"
    shutil.copy(migrated, database)
    env = {**app_env(f"sqlite:///{database}"), "DJANGO_DEBUG": debug}
    assert health(env)[0] == 503  # no worker yet
    log_path = tmp_path / "worker.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(  # noqa: S603 (the project's own worker)
            [sys.executable, str(BASE_DIR / "manage.py"), "run_worker", "--no-startup-delay", "--interval", "0.2"],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while health(env)[0] != 200:
            assert process.poll() is None, log_path.read_text()[-3000:]
            assert time.monotonic() < deadline, "the worker never reported in"
            time.sleep(0.5)

        # The loop breaks: its query for work fails, as a database fault or a bug inside it would.
        rename_table(database, TASKS_TABLE, "broken")
        returncode = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    rename_table(database, "broken", TASKS_TABLE)  # the database is fine again; the worker is not

    assert returncode == 1
    status, body = health(env)
    assert (status, body["status"]) == (503, "worker not running")
    assert body["last_beat_age_seconds"] < 60
    log = log_path.read_text()
    assert "De worker-lus is gestopt door een fout" in log
    assert f"no such table: {TASKS_TABLE}" in log
