"""`make bench` (second part): load on gunicorn with two workers, as in production, measured with wrk.

Builds a throw-away database (PostgreSQL `riec_bench` on 127.0.0.1:5432 when it answers, else a SQLite
file), starts `gunicorn riec_plan.wsgi` on a free loopback port with production settings, logs in 20
users by creating their sessions in Python, and then:

- 20 connections for --duration seconds on a minimal logged-in page (/jaarplannen/), the report page
  /jaarplan/2024/ and the dashboard /, taking turns in three rounds: requests per second, p50/p95
  latency (of the slowest turn), errors (anything but 200), and the throughput of the report and the
  dashboard as a share of the minimal page's (target: half);
- 20 simultaneous requests for /jaarplan/2024.pdf with the PDF cache emptied: each answers at once,
  200 (the PDF) or 202 (the page "PDF wordt gemaakt…", waiting, not an error); then, asking again,
  how long until it answers 200 and how often the PDF was rendered (the "PDF gemaakt" log lines of
  reports.rendering in the worker's log), which must be once;
- from an edit to a downloadable PDF under load: while wrk keeps 20 connections busy on the report,
  a section title changes (`manage.py shell`), and the time is measured from that commit until the
  PDF download answers 200 with the new title in its text.

The PDFs are rendered in the background, as in production: beside gunicorn runs `manage.py run_worker`
(django-tasks' database queue, polling every second), as in `make run`. Before measuring, the PDF
must answer 200 (the worker rendered it) within --pdf-timeout seconds.

Everything it starts it stops, and the database is dropped afterwards.
"""

from __future__ import annotations

import io
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
# One database per run: two runs on one machine (another checkout) must not drop each other's.
PG_BENCH_DB = f"riec_bench_{os.getpid()}"
GUNICORN_START_SECONDS = 120
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

# One edit to the 2024 plan, as the app makes it (a history record queues the PDFs on commit); prints
# the moment of the commit, in seconds since the epoch.
EDIT_SCRIPT = """
import time
from strategy.models import PlanSection
section = PlanSection.objects.filter(plan__year=2024, parent__isnull=False).order_by("pk").first()
section.title = {title!r}
section.save()
print(time.time())
"""
EDITS = 3
PDF_URL = "/jaarplan/2024.pdf"


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
        psycopg.connect(PG_ADMIN_URL, connect_timeout=3).close()
    except Exception:
        return False
    return True


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def pdf_text(content: bytes) -> str:
    """The PDF's text, with all whitespace as single spaces (a title may break over lines)."""
    from pypdf import PdfReader  # noqa: PLC0415 -- pypdf is a dev dependency; only this benchmark reads PDFs

    text = " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())


def pg_admin(sql: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql)


class Command(BaseCommand):
    help = "Belast gunicorn (2 workers) met wrk: rapport, dashboard en PDF, op een wegwerpdatabase."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--duration", type=int, default=30, help="seconden per pagina, in 3 beurten (standaard 30)")
        parser.add_argument("--users", type=int, default=20, help="gelijktijdige gebruikers (standaard 20)")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn-workers (standaard 2)")
        parser.add_argument("--sqlite", action="store_true", help="SQLite ook als PostgreSQL antwoordt")
        parser.add_argument(
            "--pdf-timeout",
            type=int,
            default=180,
            help="seconden dat de PDF 202 ('wordt gemaakt') mag geven voordat het meten stopt (standaard 180)",
        )

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
        worker: subprocess.Popen[bytes] | None = None
        try:
            self.stdout.write(f"Database: {'PostgreSQL ' + PG_BENCH_DB if use_pg else 'SQLite (wegwerpbestand)'}")
            # `migrate` sets up everything, the cache table included (core/migrations/0002_cache_table.py).
            for command in (["migrate", "--noinput", "-v0"], ["load_plan", "-v0"]):
                self.manage(*command)
            # `shell` may print a line of its own first (auto-imports); the keys are the last line.
            sessions = (
                self.manage("shell", "-c", SESSIONS_SCRIPT.format(users=options["users"])).strip().splitlines()[-1]
            )
            server, port, _ = self.start_gunicorn(options["workers"])
            worker, self.worker_log = self.start_worker()
            base = f"http://127.0.0.1:{port}"
            self.stdout.write(
                f"gunicorn riec_plan.wsgi met {options['workers']} workers op {base}, met manage.py run_worker "
                f"ernaast; {options['users']} gebruikers, {options['duration']} s per pagina; {os.cpu_count()} cores"
            )
            cookie = sessions.split(",")[0]
            for path in ("/jaarplannen/", "/jaarplan/2024/", "/"):
                status = self.get(base + path, cookie)[0]
                if status != 200:
                    raise CommandError(f"{path} gaf {status} in plaats van 200 (sessie niet geaccepteerd?)")
            self.pdf_timeout = options["pdf_timeout"]
            waited = self.wait_for_pdf(base, cookie, worker)
            self.stdout.write(f"  PDF {PDF_URL} klaar na {waited:.1f} s (de worker maakte hem op de achtergrond)")
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
            self.bench_pdf(base, sessions.split(","), worker)
            self.bench_edit_to_pdf(base, sessions, options["users"], worker)
        finally:
            for process in (server, worker):
                if process is not None:
                    stop(process)
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
        # It loads the app (and WeasyPrint) before it forks: on a busy machine that takes a while.
        deadline = time.monotonic() + GUNICORN_START_SECONDS
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
        raise CommandError(
            f"gunicorn antwoordde niet binnen {GUNICORN_START_SECONDS} s op /health/:\n{log_path.read_text()[-2000:]}"
        )

    def start_worker(self) -> tuple[subprocess.Popen[bytes], Path]:
        """`manage.py run_worker` beside gunicorn, as `make run` and production have it; its log to a file."""
        log_path = self.tmp / "worker.log"
        with open(log_path, "wb") as log:
            worker = subprocess.Popen(  # noqa: S603 (our own manage.py)
                [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "run_worker"],
                cwd=settings.BASE_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return worker, log_path

    def check_worker(self, worker: subprocess.Popen[bytes]) -> None:
        if worker.poll() is not None:
            raise CommandError(
                f"De PDF-worker (manage.py run_worker) stopte met code {worker.returncode} "
                f"(the PDF worker stopped):\n{self.worker_log.read_text(errors='replace')[-2000:]}"
            )

    def wait_for_pdf(self, base: str, session: str, worker: subprocess.Popen[bytes], marker: str = "") -> float:
        """Ask for the PDF until it answers 200 (with `marker` in its text); 202 means: still being made.

        Bounded by --pdf-timeout; returns the seconds it took.
        """
        start = time.monotonic()
        status = 0
        while time.monotonic() - start < self.pdf_timeout:
            self.check_worker(worker)
            status, content = self.fetch(base + PDF_URL, session)
            if status == 200 and (not marker or marker in pdf_text(content)):
                return time.monotonic() - start
            if status not in (200, 202):
                raise CommandError(f"{PDF_URL} gaf {status} (verwacht: 202 'wordt gemaakt' of 200, de PDF)")
            time.sleep(0.2)
        raise CommandError(
            f"{PDF_URL} was na {self.pdf_timeout} s nog niet klaar (laatste antwoord {status}"
            f"{'' if not marker else ', nieuwe titel niet in de PDF'}): maakt de worker de PDF's wel? "
            f"(The PDF was not ready within {self.pdf_timeout} s; is the worker running?) "
            f"Laatste regels van het worker-log:\n{self.worker_log.read_text(errors='replace')[-2000:]}"
        )

    @staticmethod
    def fetch(url: str, session: str | None, timeout: float = 60) -> tuple[int, bytes]:
        request = urllib.request.Request(url, headers={"Cookie": f"sessionid={session}"} if session else {})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (loopback only)
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, b""

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

    @staticmethod
    def wrk_command(url: str, users: int, duration: int) -> list[str]:
        threads = min(2, users)
        return [
            shutil.which("wrk") or "wrk",
            f"-t{threads}",
            f"-c{users}",
            f"-d{duration}s",
            "--timeout",
            "10s",
            "-s",
            str(LUA_SCRIPT),
            url,
        ]

    @staticmethod
    def wrk_result(returncode: int, stdout: str, stderr: str) -> dict[str, float]:
        match = re.search(r"^RESULT (.*)$", stdout, re.MULTILINE)
        if returncode or not match:
            raise CommandError(f"wrk mislukte:\n{stdout}\n{stderr}")
        return {key: float(value) for key, value in (pair.split("=") for pair in match.group(1).split())}

    def wrk(self, url: str, sessions: str, users: int, duration: int) -> dict[str, float]:
        result = subprocess.run(  # noqa: S603 (wrk from Debian, loopback only)
            self.wrk_command(url, users, duration),
            env={**os.environ, "RIEC_BENCH_SESSIONS": sessions},
            capture_output=True,
            text=True,
            timeout=duration + 60,
            check=False,
        )
        return self.wrk_result(result.returncode, result.stdout, result.stderr)

    def bench_pdf(self, base: str, sessions: list[str], worker: subprocess.Popen[bytes]) -> None:
        """Empty the PDF cache, then 20 requests at once: each answers at once (200 or 202, "wordt
        gemaakt"), the worker renders the PDF once, not 20 times, and then it answers 200."""
        self.manage(
            "shell", "-c", "from reports.models import RenderedDocument; RenderedDocument.objects.all().delete()"
        )
        before = self.renderings()
        results: list[tuple[int, float]] = []
        barrier = threading.Barrier(len(sessions))

        def one(session: str) -> None:
            barrier.wait()
            results.append(self.get(base + PDF_URL, session, timeout=120))

        threads = [threading.Thread(target=one, args=(s,)) for s in sessions]
        start = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        ready = self.wait_for_pdf(base, sessions[0], worker) + (time.monotonic() - start)
        time.sleep(1.5)  # a second task for the same data (queued by a racing request) finds it up to date
        rendered = self.renderings() - before
        waiting = sum(1 for status, _ in results if status == 202)
        errors = sum(1 for status, _ in results if status not in (200, 202))
        slowest = max(ms for _, ms in results)
        verdict = "gehaald" if rendered == 1 and errors == 0 else "NIET GEHAALD"
        self.stdout.write(
            f"  PDF {PDF_URL}     {len(results)} tegelijk, cache leeg: {waiting}x 202 (wordt gemaakt), "
            f"{errors} fouten, langzaamste antwoord {slowest:.0f} ms; PDF downloadbaar na {ready:.1f} s, "
            f"{rendered}x gerenderd   (doel: 1x gerenderd, 0 fouten: {verdict})"
        )

    def bench_edit_to_pdf(self, base: str, sessions: str, users: int, worker: subprocess.Popen[bytes]) -> None:
        """From an edit to the downloadable, up-to-date PDF, while wrk keeps `users` connections busy on
        the report page (whose cache the edit empties too)."""
        load = subprocess.Popen(  # noqa: S603 (wrk from Debian, loopback only)
            self.wrk_command(base + "/jaarplan/2024/", users, 600),
            env={**os.environ, "RIEC_BENCH_SESSIONS": sessions},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        session = sessions.split(",")[0]
        times: list[float] = []
        try:
            time.sleep(2)  # the load is on
            for run in range(EDITS):
                marker = f"Bench-wijziging {run + 1} {secrets.token_hex(3)}"
                committed = float(self.manage("shell", "-c", EDIT_SCRIPT.format(title=marker)).strip().splitlines()[-1])
                self.wait_for_pdf(base, session, worker, marker=marker)
                times.append(time.time() - committed)
        finally:
            load.send_signal(signal.SIGINT)  # wrk stops and prints its figures
            try:
                stdout, stderr = load.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                load.kill()
                stdout, stderr = load.communicate()
        r = self.wrk_result(0, stdout, stderr)
        errors = r["non200"] + r["socket_errors"]
        self.stdout.write(
            f"  Wijziging -> downloadbare PDF onder belasting ({users} verbindingen op /jaarplan/2024/: "
            f"{r['rps']:.1f} req/s, p95 {r['p95_ms']:.0f} ms, {errors:.0f} fouten):"
        )
        self.stdout.write(
            f"    mediaan van {EDITS}: {statistics.median(times):5.1f} s, langzaamste {max(times):5.1f} s   "
            "(poll-interval van de worker 1 s, dan de PDF maken)"
        )

    def renderings(self) -> int:
        """The "PDF gemaakt" lines in the worker's log (reports.rendering)."""
        count = 0
        for line in self.worker_log.read_text(errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("logger") == "reports.rendering" and str(entry.get("message", "")).startswith("PDF gemaakt"):
                count += 1
        return count
