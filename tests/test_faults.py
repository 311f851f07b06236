"""The database goes away under a running app server, and comes back.

A TCP proxy in this test sits between gunicorn (the real app, production settings, persistent
connections) and PostgreSQL on 127.0.0.1:5432. Closing the proxy cuts every open connection and
refuses new ones: pages and /health/ must answer 503 with the Dutch message, the server must recover
by itself when the proxy listens again, and a row committed before the fault must still be there.

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust), whatever database the rest of the suite
uses; skipped when it does not answer, so SQLite-only machines pass.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from riec_plan.logging import UNAVAILABLE_MESSAGE

PG_HOST, PG_PORT = "127.0.0.1", 5432
ADMIN_URL = f"postgresql://postgres@{PG_HOST}:{PG_PORT}/postgres"
BASE_DIR = Path(settings.BASE_DIR)

psycopg = pytest.importorskip("psycopg")


def postgres_answers() -> bool:
    try:
        psycopg.connect(ADMIN_URL, connect_timeout=3).close()
    except psycopg.Error:
        return False
    return True


def in_the_postgres_suite() -> bool:
    """These tests start app servers on throw-away PostgreSQL databases of their own, whatever the suite's
    database is: they run once, in the PostgreSQL run of the suite (.ci/run), and not again in the SQLite one."""
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql") and postgres_answers()


pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not in_the_postgres_suite(), reason="alleen in de PostgreSQL-suite (DATABASE_URL=postgres://..., zie .ci/run)"
    ),
]


class TcpProxy:
    """Forwards 127.0.0.1:<port> to PostgreSQL; `close()` cuts everything, `open()` listens again."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()

    def open(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def close(self) -> None:
        with self._lock:
            if self._listener is not None:
                self._listener.close()
                self._listener = None
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed
            try:
                upstream = socket.create_connection((PG_HOST, PG_PORT), timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                if self._listener is not listener:
                    client.close()
                    upstream.close()
                    return
                self._sockets.update((client, upstream))
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, target), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


def get(url: str, session: str | None = None) -> tuple[int, str, dict[str, str]]:
    request = urllib.request.Request(url, headers={"Cookie": f"sessionid={session}"} if session else {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback only)
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(), dict(exc.headers)


@pytest.fixture
def fault_database() -> Iterator[str]:
    name = f"riec_faults_{secrets.token_hex(4)}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield name
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def app_env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="riec_plan.settings.base",
        DATABASE_URL=database_url,
        DATABASE_CONN_MAX_AGE="60",  # as in production: kept-open connections that the fault cuts
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SECURE_COOKIES="false",
        DJANGO_STATICFILES_STORAGE="django.contrib.staticfiles.storage.StaticFilesStorage",
        DJANGO_LOG_FORMAT="json",
    )
    return env


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(  # noqa: S603 (our own manage.py)
        [sys.executable, str(BASE_DIR / "manage.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


SETUP = """
from django.contrib.auth import get_user_model
from django.test import Client
from strategy.models import AnnualPlan, Strategy
strategy = Strategy.objects.create(name="Fouttest", start_year=2030, end_year=2033)
AnnualPlan.objects.create(strategy=strategy, year=2031, title="Jaarplan 2031 (voor de storing)")
from allauth.mfa.totp.internal.auth import TOTP
client = Client()
user = get_user_model().objects.create_user(username="fouttest", is_staff=True)
TOTP.activate(user, "JBSWY3DPEHPK3PXP")  # a second factor, as every account that logs in has
client.force_login(user)
print(client.cookies["sessionid"].value)
"""


def test_the_app_answers_503_while_the_database_is_gone_and_recovers(fault_database: str, tmp_path: Path) -> None:
    proxy = TcpProxy()
    proxy.open()
    via_proxy = f"postgres://postgres@127.0.0.1:{proxy.port}/{fault_database}"
    env = app_env(via_proxy)
    manage(env, "migrate", "--noinput", "-v0")
    # Committed through the proxy before the fault.
    session = manage(env, "shell", "-c", SETUP).strip().splitlines()[-1]

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log_path = tmp_path / "gunicorn.log"
    gunicorn = Path(sys.executable).with_name("gunicorn")
    with open(log_path, "wb") as log:
        server = subprocess.Popen(  # noqa: S603 (the project's own gunicorn)
            [str(gunicorn), "riec_plan.wsgi", "-c", str(BASE_DIR / "gunicorn.conf.py")],
            cwd=BASE_DIR,
            env={**env, "HOST": "127.0.0.1", "PORT": str(port), "WEB_CONCURRENCY": "1"},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, log_path.read_text()
            with contextlib.suppress(OSError):
                if get(base + "/health/")[0] == 200:
                    break
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)

        status, body, _ = get(base + "/jaarplannen/", session)
        assert status == 200
        assert "2031" in body

        proxy.close()  # the database "goes away": open connections cut, new ones refused
        for _ in range(2):  # the kept-open connection fails first, then every reconnect
            status, body, headers = get(base + "/jaarplannen/", session)
            assert status == 503
            assert UNAVAILABLE_MESSAGE in body
            assert headers["Retry-After"] == "60"
        status, body, _ = get(base + "/health/")
        assert (status, json.loads(body)) == (503, {"status": "database unavailable"})

        proxy.open()  # the database is back: no restart of the app server needed
        status, body, _ = get(base + "/health/")
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        status, body, _ = get(base + "/jaarplannen/", session)
        assert status == 200
        assert "2031" in body
    finally:
        server.terminate()
        server.wait(timeout=30)
        proxy.close()

    # The row committed before the fault, read directly from PostgreSQL.
    with psycopg.connect(f"postgresql://postgres@{PG_HOST}:{PG_PORT}/{fault_database}") as conn:
        titles = conn.execute("SELECT title FROM strategy_annualplan WHERE year = 2031").fetchall()
    assert titles == [("Jaarplan 2031 (voor de storing)",)]
    # And the outage was logged as a JSON line with the request path and the 503.
    entries = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    assert any(
        e["logger"] == "riec_plan.database" and e.get("path") == "/jaarplannen/" and e.get("status") == 503
        for e in entries
    ), log_path.read_text()[-3000:]
