"""SQLite, the embedded default, beside the PDF worker: `make run`'s two processes writing to one file.

Real processes on a real file: `migrate` and the 2024 plan, the worker, and the bureau's saves and
one-row imports through the admin (tests/core/sqlite_mix.py) while the worker renders the PDFs.

Before WAL, IMMEDIATE transactions and a busy timeout (riec_plan/settings/base.py), 1 in 30 admin
saves and 2 in 30 one-row imports failed with "database is locked" while the worker rendered.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.core.processes import BASE_DIR, app_env, manage

ROUNDS = 30

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="about SQLite only; runs once, in the SQLite round of the suite",
)


def test_saves_and_imports_beside_the_worker_never_find_the_database_locked(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite3"
    env = app_env(f"sqlite:///{database}")
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_plan", "-v0")  # as `make run` loads it: adopted (sqlite_mix reopens it to edit)

    log_path = tmp_path / "worker.log"
    # The worker polls without pausing (production waits a second when the queue is empty): more
    # lock traffic than `make run` makes, so that without the settings this test fails every time
    # (8 of 30 saves and 2 of 30 imports "database is locked" when it was written), not 1 run in 3.
    with open(log_path, "wb") as log:
        worker = subprocess.Popen(  # noqa: S603 (the project's own worker)
            [sys.executable, str(BASE_DIR / "manage.py"), "run_worker", "--no-startup-delay", "--interval", "0"],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        output = manage(env, "shell", "-c", f"from tests.core.sqlite_mix import main; main({ROUNDS})", timeout=900)
        assert worker.poll() is None, log_path.read_text()[-3000:]
    finally:
        worker.terminate()
        worker.wait(timeout=60)

    result = json.loads(output.strip().splitlines()[-1])
    assert (result["saves"], result["imports"], result["failures"]) == (ROUNDS, ROUNDS, [])
    with sqlite3.connect(database) as db:
        (journal,) = db.execute("PRAGMA journal_mode").fetchone()
        done = db.execute("SELECT status, COUNT(*) FROM django_tasks_database_dbtaskresult GROUP BY status").fetchall()
        locked = db.execute(
            "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult WHERE traceback LIKE '%is locked%'"
        ).fetchone()[0]
    assert journal == "wal"
    # The worker really worked beside the saves (it rendered the plan's PDFs), and none of its tasks hit a lock.
    assert dict(done).get("SUCCESSFUL", 0) > 0, done
    assert locked == 0
    assert "is locked" not in log_path.read_text()
