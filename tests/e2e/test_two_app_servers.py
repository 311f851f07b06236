"""An import uploaded on one app server and confirmed on another, as behind a load balancer.

Two gunicorn processes (production settings, each with a temporary folder of its own) share one
PostgreSQL database and nothing else. The upload and its preview go to server A, the confirmation
to server B: the pending upload is found in the database, imported once and removed, and neither
server wrote anything to its local disk. Plain HTTP (urllib), no browser.

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust); skipped when it does not answer.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

from tests.test_faults import ADMIN_URL, BASE_DIR, PG_HOST, PG_PORT, app_env, in_the_postgres_suite, manage, psycopg

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not in_the_postgres_suite(), reason="alleen in de PostgreSQL-suite (DATABASE_URL=postgres://..., zie .ci/run)"
    ),
]

SETUP = """
from django.contrib.auth import get_user_model
from django.test import Client
from strategy.models import AnnualPlan, Strategy
strategy = Strategy.objects.create(name="Twee servers", start_year=2030, end_year=2033)
AnnualPlan.objects.create(strategy=strategy, year=2031, title="Jaarplan 2031")
from allauth.mfa.totp.internal.auth import TOTP
user = get_user_model().objects.create_superuser(username="bureau-twee", password="x-" + "y" * 20)
TOTP.activate(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")  # a second factor, as every account needs
client = Client()
client.force_login(user)
print(client.cookies["sessionid"].value)
"""
HEADER = "Jaar;Onderdeel;Omschrijving;Volgorde;Bedrag (€);Geldstroom;Groep;Ten laste van lijn\r\n"
ROW = "2031;bedrijfsvoering;Ingelezen op server A;1;€ 12.500;regulier;;\r\n"


@pytest.fixture
def shared_database() -> Iterator[str]:
    name = f"riec_two_servers_{secrets.token_hex(4)}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield name
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


NO_REDIRECTS = urllib.request.build_opener(_NoRedirect)


class Browser:
    """Cookies and CSRF tokens by hand, over urllib, against whichever server a request is sent to."""

    def __init__(self, session: str) -> None:
        self.cookies = {"sessionid": session}

    def send(self, url: str, data: bytes | None = None, content_type: str | None = None) -> tuple[int, str, str]:
        headers = {"Cookie": "; ".join(f"{key}={value}" for key, value in self.cookies.items())}
        if content_type:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(url, data=data, headers=headers)  # noqa: S310 (loopback only)
        try:
            with NO_REDIRECTS.open(request, timeout=60) as response:
                self.remember(response.headers.get_all("Set-Cookie") or [])
                return response.status, response.read().decode(), url
        except urllib.error.HTTPError as error:
            self.remember(error.headers.get_all("Set-Cookie") or [])
            if error.code == 302:  # followed here, so that the cookies it sets (messages) go along
                return self.send(urllib.parse.urljoin(url, error.headers["Location"]))
            return error.code, error.read().decode(), url

    def remember(self, set_cookies: list[str]) -> None:
        for header in set_cookies:
            cookie = SimpleCookie(header)
            self.cookies.update({key: morsel.value for key, morsel in cookie.items()})

    def token(self, html: str) -> str:
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert found, html[:2000]
        return found.group(1)

    def post_form(self, url: str, fields: dict[str, str]) -> tuple[int, str, str]:
        return self.send(url, urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded")

    def post_file(self, url: str, fields: dict[str, str], name: str, content: bytes) -> tuple[int, str, str]:
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
            for key, value in fields.items()
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="import_file"; filename="{name}"\r\n'
            f"Content-Type: text/csv\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.send(url, body, f"multipart/form-data; boundary={boundary}")


@contextlib.contextmanager
def app_server(env: dict[str, str], tmp: Path, log_path: Path) -> Iterator[str]:
    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    tmp.mkdir()
    with open(log_path, "wb") as log:
        server = subprocess.Popen(  # noqa: S603 (the project's own gunicorn)
            [str(gunicorn), "riec_plan.wsgi", "-c", str(BASE_DIR / "gunicorn.conf.py")],
            cwd=BASE_DIR,
            env={**env, "HOST": "127.0.0.1", "PORT": str(port), "WEB_CONCURRENCY": "1", "TMPDIR": str(tmp)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, log_path.read_text()
            with contextlib.suppress(OSError), urllib.request.urlopen(base + "/health/", timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    break
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_an_upload_on_one_server_is_confirmed_on_another(shared_database: str, tmp_path: Path) -> None:
    env = app_env(f"postgres://postgres@{PG_HOST}:{PG_PORT}/{shared_database}")
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "createcachetable")
    session = manage(env, "shell", "-c", SETUP).strip().splitlines()[-1]
    browser = Browser(session)

    with (
        app_server(env, tmp_path / "tmp-a", tmp_path / "a.log") as server_a,
        app_server(env, tmp_path / "tmp-b", tmp_path / "b.log") as server_b,
    ):
        status, page, _ = browser.send(server_a + "/admin/budget/costline/import/")
        assert status == 200
        fields = {"csrfmiddlewaretoken": browser.token(page), "format": "0", "resource": "0"}
        status, preview, _ = browser.post_file(
            server_a + "/admin/budget/costline/import/", fields, "kosten.csv", (HEADER + ROW).encode("cp1252")
        )
        assert status == 200
        assert "1 nieuw, 0 bijwerken, 0 ongewijzigd." in preview, preview[-3000:]
        pending = re.search(r'name="import_file_name" value="([^"]+)"', preview)
        assert pending, preview[-3000:]

        confirmation = {
            "csrfmiddlewaretoken": browser.token(preview),
            "import_file_name": pending.group(1),
            "original_file_name": "kosten.csv",
            "format": "0",
            "resource": "0",
            "confirm": "Import bevestigen",
        }
        status, page, url = browser.post_form(server_b + "/admin/budget/costline/process_import/", confirmation)
        assert status == 200
        assert url == server_b + "/admin/budget/costline/"  # redirected to the list after the import
        assert "Import voltooid (kostenregels): 1 nieuw, 0 bijgewerkt, 0 ongewijzigd." in page

        # A second confirmation, on server A, finds the upload gone.
        status, page, _ = browser.post_form(server_a + "/admin/budget/costline/process_import/", confirmation)
        assert status == 404
        assert "Deze import bestaat niet (meer)" in page

    with psycopg.connect(f"postgresql://postgres@{PG_HOST}:{PG_PORT}/{shared_database}") as conn:
        lines = conn.execute("SELECT label, amount FROM budget_costline").fetchall()
        waiting = conn.execute("SELECT count(*) FROM core_pendingimport").fetchone()
    assert lines == [("Ingelezen op server A", 12500)]
    assert waiting == (0,)
    # Nothing of the import on either server's disk.
    assert list((tmp_path / "tmp-a").iterdir()) == []
    assert list((tmp_path / "tmp-b").iterdir()) == []
