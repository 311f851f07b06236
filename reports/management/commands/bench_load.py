"""`make bench` (second part): load on gunicorn with two workers, as in production, measured with wrk.

Builds a throw-away database (PostgreSQL `riec_bench` on 127.0.0.1:5432 when it answers, else a SQLite
file), starts `gunicorn riec_plan.wsgi` on a free loopback port with production settings, logs in 20
users by creating their sessions in Python, and then:

- 20 connections for --duration seconds on a minimal logged-in page (/jaarplannen/), the report page
  /jaarplan/2024/ and the dashboard /, taking turns in three rounds: requests per second, p50/p95
  latency (of the slowest turn), errors (anything but 200), and the throughput of the report and the
  dashboard as a share of the minimal page's (target: half);
- 20 simultaneous requests for /jaarplan/2024.pdf with the PDF cache emptied: how often the PDF was
  rendered (the "PDF gemaakt" log lines of reports.views), which must be once.

Everything it starts it stops, and the database is dropped afterwards.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = "riec_bench"
LUA_SCRIPT = Path(settings.BASE_DIR) / "bench" / "wrk_session.lua"
P95_TARGET_MS = 300.0
# Cached report and dashboard pages: at least this share of the requests per second of a minimal page.
MIN_THROUGHPUT_RATIO = 0.5
MINIMAL_LABEL = "Minimale pagina /jaarplannen/"
# The --duration of each page is split over this many turns.
ROUNDS = 3

SESSIONS_SCRIPT = """
from django.contrib.auth import get_user_model
from django.test import Client
user = get_user_model().objects.create_user(username="bench-load", password=None, is_staff=True)
from core.accounts import give_second_factor
give_second_factor(user)
keys = []
for _ in range({users}):
    client = Client()
    client.force_login(user)
    keys.append(client.cookies["sessionid"].value)
print(",".join(keys))
"""


def combined(runs: list[dict[str, float]]) -> dict[str, float]:
    """Several wrk runs of one page as one: requests per second over all of them, the worst percentiles."""
    seconds = sum(r["seconds"] for r in runs)
    total = {key: sum(r[key] for r in runs) for key in ("requests", "non200", "socket_errors")}
    worst = {key: max(r[key] for r in runs) for key in ("p50_ms", "p95_ms", "p99_ms", "max_ms")}
    return {**total, **worst, "seconds": seconds, "rps": total["requests"] / seconds if seconds else 0.0}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_answers() -> bool:
    try:
        import psycopg

        psycopg.connect(PG_ADMIN_URL, connect_timeout=3).close()
    except Exception:
        return False
    return True


def pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql)


class Command(BaseCommand):
    help = "Belast gunicorn (2 workers) met wrk: rapport, dashboard en PDF, op een wegwerpdatabase."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--duration", type=int, default=30, help="seconden per pagina, in 3 beurten (standaard 30)")
        parser.add_argument("--users", type=int, default=20, help="gelijktijdige gebruikers (standaard 20)")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn-workers (standaard 2)")
        parser.add_argument("--sqlite", action="store_true", help="SQLite ook als PostgreSQL antwoordt")

    def handle(self, *args: Any, **options: Any) -> None:
        if not shutil.which("wrk"):
            raise CommandError("wrk ontbreekt: apt-get install wrk")
        self.tmp = Path(tempfile.mkdtemp(prefix="riec-bench-"))
        use_pg = not options["sqlite"] and postgres_answers()
        if use_pg:
            pg_admin(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)")
            pg_admin(f"CREATE DATABASE {PG_BENCH_DB}")
            database_url = f"postgres://postgres@127.0.0.1:5432/{PG_BENCH_DB}"
        else:
            database_url = f"sqlite:///{self.tmp / 'bench.sqlite3'}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "riec_plan.settings.base",
            "DATABASE_URL": database_url,
            # Production settings, but plain HTTP on loopback and no collectstatic for a throw-away run.
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            # The key this process encrypted the benchmark accounts' second factor with.
            "MFA_ENCRYPTION_KEY": ",".join(settings.MFA_ENCRYPTION_KEYS),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_SECURE_COOKIES": "false",
            "DJANGO_STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
            "DJANGO_LOG_FORMAT": "json",
            "DJANGO_LOG_LEVEL": "INFO",
            "GUNICORN_ACCESS_LOG": "false",
        }
        server: subprocess.Popen[bytes] | None = None
        try:
            self.stdout.write(f"Database: {'PostgreSQL ' + PG_BENCH_DB if use_pg else 'SQLite (wegwerpbestand)'}")
            # `migrate` sets up everything, the cache table included (core/migrations/0002_cache_table.py).
            for command in (["migrate", "--noinput", "-v0"], ["load_plan", "-v0"]):
                self.manage(*command)
            # `shell` may print a line of its own first (auto-imports); the keys are the last line.
            sessions = (
                self.manage("shell", "-c", SESSIONS_SCRIPT.format(users=options["users"])).strip().splitlines()[-1]
            )
            server, port, log_path = self.start_gunicorn(options["workers"])
            base = f"http://127.0.0.1:{port}"
            self.stdout.write(
                f"gunicorn riec_plan.wsgi met {options['workers']} workers op {base}; "
                f"{options['users']} gebruikers, {options['duration']} s per pagina; {os.cpu_count()} cores"
            )
            cookie = sessions.split(",")[0]
            for path in ("/jaarplannen/", "/jaarplan/2024/", "/", "/jaarplan/2024.pdf"):
                status = self.get(base + path, cookie)[0]
                if status != 200:
                    raise CommandError(f"{path} gaf {status} in plaats van 200 (sessie niet geaccepteerd?)")
            # The report and the dashboard are served from the cache: each must keep at least half the
            # throughput of a minimal logged-in page (the list of plans: session, user, one query).
            # The pages take turns in rounds, so a busy moment on the machine hits all three alike.
            pages = (
                (MINIMAL_LABEL, "/jaarplannen/"),
                ("Rapport /jaarplan/2024/", "/jaarplan/2024/"),
                ("Dashboard /", "/"),
            )
            rounds = max(1, min(ROUNDS, options["duration"] // 5))
            runs: dict[str, list[dict[str, float]]] = {label: [] for label, _ in pages}
            for _ in range(rounds):
                for label, path in pages:
                    runs[label].append(
                        self.wrk(base + path, sessions, options["users"], max(1, options["duration"] // rounds))
                    )
            results = {label: combined(page_runs) for label, page_runs in runs.items()}
            minimal_rps = results[MINIMAL_LABEL]["rps"]
            for label, r in results.items():
                errors = r["non200"] + r["socket_errors"]
                verdict = "gehaald" if errors == 0 and r["p95_ms"] < P95_TARGET_MS else "NIET GEHAALD"
                self.stdout.write(
                    f"  {label:30} {r['rps']:7.1f} req/s   p50 {r['p50_ms']:6.1f} ms   p95 {r['p95_ms']:6.1f} ms   "
                    f"p99 {r['p99_ms']:6.1f} ms   {r['requests']:.0f} verzoeken, {errors:.0f} fouten   "
                    f"(doel: 0 fouten, p95 < {P95_TARGET_MS:.0f} ms: {verdict})"
                )
            for label, r in results.items():
                if label == MINIMAL_LABEL:
                    continue
                ratio = r["rps"] / minimal_rps if minimal_rps else 0.0
                verdict = "gehaald" if ratio >= MIN_THROUGHPUT_RATIO else "NIET GEHAALD"
                self.stdout.write(
                    f"  {label:30} doorvoer / minimale pagina: {ratio:5.2f}   "
                    f"(doel >= {MIN_THROUGHPUT_RATIO:.2f}: {verdict})"
                )
            self.bench_pdf(base, sessions.split(","), log_path)
        finally:
            if server is not None:
                server.send_signal(signal.SIGTERM)
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()
            if use_pg:
                pg_admin(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)")
            shutil.rmtree(self.tmp, ignore_errors=True)

    def manage(self, *args: str) -> str:
        result = subprocess.run(  # noqa: S603 (our own manage.py)
            [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if result.returncode:
            raise CommandError(f"manage.py {' '.join(args[:1])} mislukte:\n{result.stderr[-2000:]}")
        return result.stdout

    def start_gunicorn(self, workers: int) -> tuple[subprocess.Popen[bytes], int, Path]:
        port = free_port()
        log_path = self.tmp / "gunicorn.log"
        env = {**self.env, "HOST": "127.0.0.1", "PORT": str(port), "WEB_CONCURRENCY": str(workers)}
        gunicorn = Path(sys.executable).with_name("gunicorn")
        with open(log_path, "wb") as log:
            server = subprocess.Popen(  # noqa: S603 (the project's own gunicorn)
                [str(gunicorn), "riec_plan.wsgi", "-c", str(Path(settings.BASE_DIR) / "gunicorn.conf.py")],
                cwd=settings.BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise CommandError(f"gunicorn stopte meteen:\n{log_path.read_text()[-2000:]}")
            try:
                if self.get(f"http://127.0.0.1:{port}/health/", None)[0] == 200:
                    return server, port, log_path
            except OSError:
                pass
            time.sleep(0.2)
        server.kill()
        raise CommandError("gunicorn antwoordde niet binnen 30 s op /health/")

    @staticmethod
    def get(url: str, session: str | None, timeout: float = 60) -> tuple[int, float]:
        request = urllib.request.Request(url, headers={"Cookie": f"sessionid={session}"} if session else {})  # noqa: S310
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (loopback only)
                response.read()
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        return status, (time.perf_counter() - start) * 1000

    def wrk(self, url: str, sessions: str, users: int, duration: int) -> dict[str, float]:
        threads = min(2, users)
        result = subprocess.run(  # noqa: S603 (wrk from Debian, loopback only)
            [
                shutil.which("wrk") or "wrk",
                f"-t{threads}",
                f"-c{users}",
                f"-d{duration}s",
                "--timeout",
                "10s",
                "-s",
                str(LUA_SCRIPT),
                url,
            ],
            env={**os.environ, "RIEC_BENCH_SESSIONS": sessions},
            capture_output=True,
            text=True,
            timeout=duration + 60,
            check=False,
        )
        match = re.search(r"^RESULT (.*)$", result.stdout, re.MULTILINE)
        if result.returncode or not match:
            raise CommandError(f"wrk mislukte:\n{result.stdout}\n{result.stderr}")
        return {key: float(value) for key, value in (pair.split("=") for pair in match.group(1).split())}

    def bench_pdf(self, base: str, sessions: list[str], log_path: Path) -> None:
        """Empty the PDF cache, then 20 requests at once: the PDF must be rendered once, not 20 times."""
        self.manage(
            "shell", "-c", "from reports.models import RenderedDocument; RenderedDocument.objects.all().delete()"
        )
        before = self.renderings(log_path)
        results: list[tuple[int, float]] = []
        barrier = threading.Barrier(len(sessions))

        def one(session: str) -> None:
            barrier.wait()
            results.append(self.get(base + "/jaarplan/2024.pdf", session, timeout=120))

        workers = [threading.Thread(target=one, args=(s,)) for s in sessions]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        time.sleep(0.5)  # let the last log line reach the file
        rendered = self.renderings(log_path) - before
        errors = sum(1 for status, _ in results if status != 200)
        slowest = max(ms for _, ms in results)
        verdict = "gehaald" if rendered == 1 and errors == 0 else "NIET GEHAALD"
        self.stdout.write(
            f"  PDF /jaarplan/2024.pdf     {len(results)} tegelijk, cache leeg: {rendered}x gerenderd, "
            f"{errors} fouten, langzaamste {slowest:.0f} ms   (doel: 1x gerenderd, 0 fouten: {verdict})"
        )

    @staticmethod
    def renderings(log_path: Path) -> int:
        count = 0
        for line in log_path.read_text(errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("logger") == "reports.views" and str(entry.get("message", "")).startswith("PDF gemaakt"):
                count += 1
        return count
