"""Production readiness: /health/, the 503 page for a lost database, JSON logs, `check --deploy`."""

from __future__ import annotations

import json
import logging
import os
import secrets
import subprocess
import sys
from importlib import import_module
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.core.management import call_command
from django.db import DatabaseError, InterfaceError, OperationalError, ProgrammingError, connection
from django.test import Client
from psycopg.errors import AdminShutdown, ConnectionFailure, DeadlockDetected, UndefinedTable

from accounts import sessions as account_sessions
from reports import views as report_views
from riec_plan import views as project_views
from riec_plan.logging import UNAVAILABLE_MESSAGE, JsonFormatter
from tests.strategy.factories import AnnualPlanFactory

pytestmark = pytest.mark.django_db

MANAGE = str(Path(settings.BASE_DIR) / "manage.py")


def production_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="riec_plan.settings.base",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50)[:50],
        DJANGO_ALLOWED_HOSTS="riec.example.nl",
    )
    env.update(extra)
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (our own manage.py)
        [sys.executable, MANAGE, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


class BrokenConnection:
    def cursor(self) -> Any:
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')


def test_health_answers_ok_without_login(client: Client) -> None:
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_health_answers_503_when_the_database_does_not(client: Client, monkeypatch: Any) -> None:
    monkeypatch.setattr(project_views, "connection", BrokenConnection())
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json() == {"status": "database unavailable"}


def from_driver(driver_error: psycopg.Error) -> DatabaseError:
    """The Django exception for a psycopg error, as Django's wrapper raises it (the driver's error as cause)."""
    wrapped = {"OperationalError": OperationalError, "ProgrammingError": ProgrammingError}
    name = next(c.__name__ for c in type(driver_error).__mro__ if c.__name__ in wrapped)
    error = wrapped[name](*driver_error.args)
    error.__cause__ = driver_error
    return error


# What the database says when the connection itself is gone: each answers 503, comes back by itself.
LOST_CONNECTIONS = {
    "server shut down": lambda: from_driver(AdminShutdown("terminating connection due to administrator command")),
    "connection failure": lambda: from_driver(ConnectionFailure("server closed the connection unexpectedly")),
    "closed connection": lambda: InterfaceError("connection already closed"),
}
# Database errors of a connection that works: bugs or one-offs, a 500 with the traceback in the log.
OTHER_DATABASE_ERRORS = {
    "missing table (SQLite)": lambda: OperationalError("no such table: django_cache"),
    "missing table (PostgreSQL)": lambda: from_driver(UndefinedTable('relation "django_cache" does not exist')),
    "deadlock": lambda: from_driver(DeadlockDetected("deadlock detected")),
}


@pytest.mark.parametrize("make_error", LOST_CONNECTIONS.values(), ids=LOST_CONNECTIONS.keys())
def test_a_view_losing_the_database_gives_the_dutch_503_page(
    bureau_client: Client, monkeypatch: Any, caplog: Any, make_error: Any
) -> None:
    def lost(*args: Any, **kwargs: Any) -> Any:
        raise make_error()

    # The list of plans asks the database on every request (no cached body in between).
    monkeypatch.setattr(report_views, "plan_years", lost)
    with caplog.at_level(logging.ERROR, logger="riec_plan.database"):
        response = bureau_client.get("/jaarplannen/")
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert UNAVAILABLE_MESSAGE in response.content.decode()
    assert "Database niet bereikbaar tijdens GET /jaarplannen/" in caplog.text


def test_losing_the_database_outside_the_view_also_gives_503(bureau_client: Client, monkeypatch: Any) -> None:
    """Loading the session for the login check happens before any view: handler500 answers there."""

    def lost(self: Any) -> Any:
        raise from_driver(AdminShutdown("terminating connection due to administrator command"))

    monkeypatch.setattr(SessionStore, "load", lost)
    client = Client(raise_request_exception=False)
    client.cookies = bureau_client.cookies
    response = client.get("/jaarplan/2024/")
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert UNAVAILABLE_MESSAGE in response.content.decode()


@pytest.mark.parametrize("make_error", OTHER_DATABASE_ERRORS.values(), ids=OTHER_DATABASE_ERRORS.keys())
def test_other_database_errors_are_a_500_with_the_traceback_in_the_log(
    bureau_client: Client, monkeypatch: Any, caplog: Any, make_error: Any
) -> None:
    def broken(*args: Any) -> Any:
        raise make_error()

    monkeypatch.setattr(report_views, "plan_years", broken)
    client = Client(raise_request_exception=False)
    client.cookies = bureau_client.cookies
    with caplog.at_level(logging.ERROR):
        response = client.get("/jaarplannen/")
    assert response.status_code == 500
    assert UNAVAILABLE_MESSAGE not in response.content.decode()
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.exc_info is not None and isinstance(record.exc_info[1], DatabaseError)
    assert "Traceback" in caplog.text and "in broken" in caplog.text
    assert not [r for r in caplog.records if r.name == "riec_plan.database"]


def test_a_missing_cache_table_is_a_500_not_a_lost_database(bureau_client: Client, settings: Any, caplog: Any) -> None:
    """A cached page whose cache table does not exist: the database answers, so this is no outage."""
    AnnualPlanFactory(year=2024)
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "no_such_cache_table"}
    }
    client = Client(raise_request_exception=False)
    client.cookies = bureau_client.cookies
    with caplog.at_level(logging.ERROR):
        response = client.get("/jaarplan/2024/")
    assert response.status_code == 500
    assert UNAVAILABLE_MESSAGE not in response.content.decode()
    assert "Internal Server Error: /jaarplan/2024/" in caplog.text
    assert "no_such_cache_table" in caplog.text  # the traceback names the missing table
    assert "Database niet bereikbaar" not in caplog.text


@pytest.mark.django_db(transaction=True)
def test_migrate_alone_creates_the_cache_table_and_migrating_back_drops_it() -> None:
    table = settings.CACHES["default"]["LOCATION"]
    try:
        call_command("migrate", "core", "zero", verbosity=0)
        assert table not in connection.introspection.table_names()
        call_command("migrate", "core", verbosity=0)
        assert table in connection.introspection.table_names()
        cache.set("proef", "bewaard")
        # Running it on a database that already has the table (made by createcachetable) changes nothing.
        migration = import_module("core.migrations.0002_cache_table")
        migration.create_cache_tables(None, connection.schema_editor())
        assert cache.get("proef") == "bewaard"
    finally:
        call_command("migrate", "core", verbosity=0)


def test_other_errors_stay_a_500(bureau_client: Client, monkeypatch: Any) -> None:
    def broken(*args: Any) -> Any:
        raise ValueError("a bug, not the database")

    monkeypatch.setattr(report_views, "plan_years", broken)
    client = Client(raise_request_exception=False)
    client.cookies = bureau_client.cookies
    response = client.get("/jaarplannen/")
    assert response.status_code == 500
    assert UNAVAILABLE_MESSAGE not in response.content.decode()


def test_json_formatter_writes_one_object_per_line_with_request_path_and_status(rf: Any) -> None:
    request = rf.get("/jaarplan/2024/")
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Fout: %s", ("weg",), None)
    record.request = request
    record.status_code = 503
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "ERROR"
    assert entry["logger"] == "django.request"
    assert entry["message"] == "Fout: weg"
    assert entry["path"] == "/jaarplan/2024/"
    assert entry["status"] == 503
    assert entry["time"].endswith("+00:00")


def test_production_logs_json_lines_and_development_plain_text(tmp_path: Path) -> None:
    code = "import logging; logging.getLogger('riec_plan.proef').warning('Jaarplan %s vastgesteld', 2024)"
    db = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    production = manage("shell", "-c", code, env=production_env(DATABASE_URL=db))
    assert production.returncode == 0, production.stderr
    lines = [json.loads(line) for line in production.stdout.splitlines() if line.startswith("{")]
    assert {"level": "WARNING", "logger": "riec_plan.proef", "message": "Jaarplan 2024 vastgesteld"}.items() <= (
        lines[-1].items()
    )
    development = manage("shell", "-c", code, env=production_env(DATABASE_URL=db, DJANGO_DEBUG="true"))
    assert development.returncode == 0, development.stderr
    assert "WARNING riec_plan.proef Jaarplan 2024 vastgesteld" in development.stdout
    assert not development.stdout.lstrip().startswith("{")


def test_check_deploy_is_clean_with_production_settings() -> None:
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_share_nothing_but_the_database() -> None:
    """Several app servers behind a load balancer: sessions and cache in PostgreSQL, nothing local."""
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings as s; import json; "
        "print(json.dumps([s.SESSION_ENGINE, s.CACHES['default']['BACKEND'], s.STORAGES['staticfiles']['BACKEND']]))",
        env=production_env(),
    )
    assert result.returncode == 0, result.stderr
    # accounts.sessions is Django's database session engine that also remembers the stored expiry.
    assert issubclass(account_sessions.SessionStore, SessionStore)
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        "accounts.sessions",
        "django.core.cache.backends.db.DatabaseCache",
        "whitenoise.storage.CompressedManifestStaticFilesStorage",
    ]


def test_loading_the_wsgi_app_prepares_the_first_request_without_touching_the_database() -> None:
    """gunicorn preloads riec_plan.wsgi in its master and forks the workers from it (gunicorn.conf.py).

    So a new worker must not spend its first request importing WeasyPrint or compiling templates,
    and the master must not hold a database connection its forked workers would share. The database
    here is a port nobody listens on: touching it would fail the import.
    """
    code = (
        "import json, sys; import riec_plan.wsgi; "
        "from django.db import connections; from django.template import engines; "
        "loader = engines['django'].engine.template_loaders[0]; "
        "print(json.dumps({"
        "'modules': [m for m in ('weasyprint', 'reports.views', 'strategy.views') if m in sys.modules], "
        "'templates': sorted(k for k in loader.get_template_cache if k in "
        "('base.html', 'reports/dashboard.html', 'reports/_dashboard_body.html', 'reports/jaarplan.html')), "
        "'connected': [a for a in connections if connections[a].connection is not None]}))"
    )
    result = manage("shell", "-c", code, env=production_env(DATABASE_URL="postgres://nobody@127.0.0.1:9/nowhere"))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "modules": ["weasyprint", "reports.views", "strategy.views"],
        "templates": ["base.html", "reports/_dashboard_body.html", "reports/dashboard.html", "reports/jaarplan.html"],
        "connected": [],
    }


def test_gunicorn_preloads_the_app_and_keeps_restarting_workers() -> None:
    config: dict[str, Any] = {}
    exec(compile(Path(settings.BASE_DIR, "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), config)  # noqa: S102
    assert config["preload_app"] is True
    assert config["max_requests"] > 0
