"""`make bench`: every page for one user of each role on the 2024 plan, then the jaarplan pages on the
2024 plan and on a plan ten times its size.

Runs against a throw-away test database, never against the development or production data.

`manage.py bench --quick` (`make bench-quick`, in CI): in some 15-30 seconds, every page once for one
user of each role and the PDF path once (an edit queues the PDF, the database worker renders it, the
download answers with it); it prints the figures and fails on an error, never on slowness.
"""

from __future__ import annotations

import datetime
import gc
import io
import logging
import statistics
import time
from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.test import Client, override_settings
from django.test.utils import setup_test_environment
from django.urls import reverse

from budget.models import CostLine, FundingSource
from core.accounts import give_second_factor
from districts.models import BaselineAssessment, BaselineNorm, DistrictPlan
from reports.annual import build_annual_report
from reports.builders import build_plan_report
from reports.models import RenderedDocument
from reports.pdf import render_pdf
from strategy.models import Action, AnnualPlan, Phenomenon, PlanSection, ProgressUpdate, Status
from strategy.plan_copy import create_next_year_plan
from strategy.services import load_published_plan

SYNTHETIC_YEAR = 2026
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
PAGE_RUNS = 5
PAGE_TARGET_MS = 300.0
# The demo accounts of `create_demo_users`, one per role.
ROLE_USERS = {"bureau": "bureau", "stuurgroep": "stuurgroep", "coördinator": "coordinator-ijsselland"}
# The admin's pages for these models are the ones the roles work in; the others are measured too.
ADMIN_APPS = ("strategy", "districts", "budget")


def page_urls(plan: AnnualPlan) -> list[str]:
    """The app's pages on `plan`, then the admin: index, and per model its list and the form of one object."""
    action = Action.objects.filter(section__plan=plan).order_by("pk").first()
    urls = [
        "/",
        "/jaarplannen/",
        f"/jaarplan/{plan.year}/",
        f"/jaarplan/{plan.year}/begroting/",
        f"/jaarplan/{plan.year}/vergelijk/{plan.year}/",
        f"/jaarverslag/{plan.year}/",
        "/mijn-acties/",
        *([f"/acties/{action.pk}/"] if action else []),
        "/districten/",
        f"/districten/{DASHBOARD_DISTRICT}/",
        "/themas/",
        "/admin/",
        reverse("admin:strategy_annualplan_change", args=[plan.pk]),
    ]
    for model in admin.site._registry:
        opts = model._meta
        if opts.app_label not in ADMIN_APPS:
            continue
        urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk]))
    return list(dict.fromkeys(urls))


DASHBOARD_DISTRICT = "ijsselland"  # the district with the most norms in 2024


def run_worker() -> None:
    """The background worker, until the queue is empty (its log lines left out of the table)."""
    logging.disable(logging.INFO)
    try:
        call_command("db_worker", batch=True, no_startup_delay=True, interval=0, stdout=io.StringIO())
    finally:
        logging.disable(logging.NOTSET)


def median_ms(func: Callable[[], Any], runs: int, before: Callable[[], Any] | None = None) -> float:
    times = []
    for _ in range(runs):
        if before:
            before()
        gc.collect()
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def make_synthetic_plan(source: AnnualPlan, factor: int = 10) -> AnnualPlan:
    """A plan with `factor` times the sections, phenomena, actions, cost lines and funding of `source`."""
    plan = AnnualPlan.objects.create(
        strategy=source.strategy,
        year=SYNTHETIC_YEAR,
        title=f"Jaarplan {SYNTHETIC_YEAR} (synthetisch, {factor}x)",
        foreword=source.foreword,
        foreword_signatory=source.foreword_signatory,
        reading_guide=source.reading_guide,
    )
    sections = PlanSection.objects.numbered(source.sections.all())
    for copy in range(factor):
        mapping: dict[int | None, PlanSection] = {}  # looked up by section ids, which may be None
        for s in sections:
            mapping[s.pk] = PlanSection.objects.create(
                plan=plan,
                parent=mapping[s.parent_id] if s.parent_id else None,
                order=s.order + (copy * 100 if s.parent_id is None else 0),
                slug=f"{s.slug}-{copy}",
                title=s.title,
                body=s.body,
                goal=s.goal,
                table=s.table if copy == 0 else "",
            )
        Action.objects.bulk_create(
            Action(section=mapping[a.section_id], order=a.order, title=a.title, description=a.description)
            for a in Action.objects.filter(section__plan=source)
        )
        Phenomenon.objects.bulk_create(
            Phenomenon(
                plan=plan,
                section=mapping.get(p.section_id),
                category=p.category,
                order=p.order + copy * 100,
                name=f"{p.name} {copy}",
                description=p.description,
            )
            for p in source.phenomena.all()
        )
        CostLine.objects.bulk_create(
            CostLine(
                plan=plan,
                category=c.category,
                order=c.order + copy * 10000,
                label=f"{c.label} ({copy})",
                amount=c.amount,
                funding_stream=c.funding_stream,
            )
            for c in source.cost_lines.all()
        )
        FundingSource.objects.bulk_create(
            FundingSource(
                plan=plan,
                order=f.order + copy * 1000,
                label=f"{f.label} ({copy})",
                funder=f.funder,
                funding_stream=f.funding_stream,
                amount=f.amount,
            )
            for f in source.funding_sources.all()
        )
    return plan


class Command(BaseCommand):
    help = (
        "Meet de snelheid van jaarplan en jaarverslag (HTML en PDF) op het Jaarplan 2024 en op een plan van "
        "tien keer die omvang."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pages-only", action="store_true", help="alleen de pagina's per rol meten")
        parser.add_argument("--pdf-only", action="store_true", help="alleen het jaarplan (HTML en PDF) meten")
        parser.add_argument(
            "--quick",
            action="store_true",
            help="kort (15-30 s): elke pagina één keer per rol en de PDF één keer; faalt bij fouten, niet traagheid",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        setup_test_environment()
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            load_published_plan()  # as `make run` has it (adopted); the bench only reads it
            user = give_second_factor(get_user_model().objects.create_user(username="bench", password="bench"))  # noqa: S106
            client = Client()
            client.force_login(user)
            source = AnnualPlan.objects.get(year=2024)
            self.stdout.write(f"Database: {connection.vendor}; Python/Django op deze machine.")
            if options["quick"]:
                self.quick(client, source)
                return
            if not options["pdf_only"]:
                self.bench_pages(source)
            if options["pages_only"]:
                return
            synthetic = make_synthetic_plan(source)
            for plan in (source, synthetic):
                self.bench_plan(client, plan)
            if options["pdf_only"]:
                return
            self.bench_edit_to_pdf(client, source)
            synthetic.delete()
            self.bench_next_year(source)
            self.bench_dashboards(client, source)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)

    def bench_next_year(self, plan: AnnualPlan) -> None:
        """ "Volgend jaarplan maken" on the 2024 plan: the whole copy, rolled back after each run."""
        bureau = get_user_model().objects.create_superuser(username="bench-bureau", password="bench")  # noqa: S106
        give_second_factor(bureau)

        def copy() -> None:
            with transaction.atomic():
                create_next_year_plan(plan=plan, user=bureau)
                transaction.set_rollback(True)

        copy_ms = median_ms(copy, runs=3)
        self.stdout.write(
            f"\nVolgend jaarplan maken (2024 -> 2025, alles gekopieerd), mediaan van 3: {copy_ms:8.1f} ms"
        )
        self.stdout.write("  (doel < 2000 ms)")

    def quick(self, client: Client, plan: AnnualPlan) -> None:
        """Every page once per role and the PDF path once; a CommandError (exit code 1) on any error."""
        start = time.perf_counter()
        failed = self.bench_pages(plan, runs=1)
        try:
            self.check_pdf_path(client, plan)
        except AssertionError as error:
            failed.append(f"PDF: {error}")
        self.stdout.write(f"\nKorte meting klaar in {time.perf_counter() - start:.1f} s")
        if failed:
            raise CommandError(f"{len(failed)} fout(en): {', '.join(failed)}")

    def check_pdf_path(self, client: Client, plan: AnnualPlan) -> None:
        """The way a PDF reaches a user, once: an edit queues it (database queue, as in production), a
        download meanwhile answers 202 "wordt gemaakt", the worker renders it, the download answers 200."""
        section = PlanSection.objects.filter(plan=plan, parent__isnull=False).order_by("pk").first()
        assert section is not None, "het plan heeft geen paragraaf om te wijzigen"
        url = f"/jaarplan/{plan.year}.pdf"
        with override_settings(TASKS=DATABASE_TASKS, PDF_REFRESH_ON_CHANGE=True):
            start = time.perf_counter()
            section.title = f"{section.title} (snel)"
            section.save()
            waiting = client.get(url)
            pending_ms = (time.perf_counter() - start) * 1000
            assert waiting.status_code == 202, f"{url} gaf {waiting.status_code} in plaats van 202 (wordt gemaakt)"
            worker_start = time.perf_counter()
            run_worker()
            worker_ms = (time.perf_counter() - worker_start) * 1000
            response = client.get(url)
            assert response.status_code == 200, f"{url} gaf na de worker {response.status_code} in plaats van 200"
            assert response["Content-Type"] == "application/pdf", f"{url} gaf {response['Content-Type']}"
            content = response.content
            assert content.startswith(b"%PDF"), f"{url} is geen PDF"
            total_ms = (time.perf_counter() - start) * 1000
        self.stdout.write(f"\nPDF {url}: wijziging -> downloadbare PDF (database-rij, worker direct erna)")
        self.stdout.write(f"  wijziging + download 'wordt gemaakt' (202): {pending_ms:8.1f} ms")
        self.stdout.write(f"  worker maakt de PDF:                        {worker_ms:8.1f} ms")
        self.stdout.write(f"  totaal tot download (200, {len(content)} bytes):  {total_ms:8.1f} ms")

    def bench_pages(self, plan: AnnualPlan, runs: int = PAGE_RUNS) -> list[str]:
        """Every page a role uses, one user at a time: the app's pages and the admin's lists and forms.

        Returns the pages that failed (an error, not a 403 or 404: those roles may not see them)."""
        call_command("create_demo_users", force=True, stdout=io.StringIO())
        clients = {}
        for role, username in ROLE_USERS.items():
            # Errors are counted in the table, not raised: one broken page must not hide the others.
            clients[role] = Client(raise_request_exception=False)
            clients[role].force_login(give_second_factor(get_user_model().objects.get(username=username)))
        if runs > 1:
            how = f"mediaan van {runs} (ms), doel < {PAGE_TARGET_MS:.0f} ms; de eerste (koude) keer telt niet mee"
        else:
            how = "één keer, koud (ms); alleen fouten tellen"
        self.stdout.write(f"\nPagina's met het Jaarplan 2024, één gebruiker per rol: {how}")
        self.stdout.write(f"  {'pagina':50}" + "".join(f"{role:>12}        " for role in clients))
        slowest: tuple[float, str, str] = (0.0, "", "")
        failed: list[str] = []
        logging.disable(logging.ERROR)  # a failing page is reported in the table, without its traceback
        try:
            for url in page_urls(plan):
                cells = []
                for role, client in clients.items():
                    statuses: set[int] = set()

                    def get(client: Client = client, url: str = url, statuses: set[int] = statuses) -> None:
                        statuses.add(client.get(url).status_code)

                    if runs > 1:
                        get()
                    ms = median_ms(get, runs)
                    status = max(statuses)
                    if status >= 400 and status not in (403, 404):
                        failed.append(f"{url} ({role}: {status})")
                    if status == 200 and ms > slowest[0]:
                        slowest = (ms, url, role)
                    mark = "      " if status == 200 else f" [{status}]"
                    cells.append(f"{ms:12.1f}{mark}" + (" !" if ms > PAGE_TARGET_MS else "  "))
                self.stdout.write(f"  {url:50}" + "".join(cells))
        finally:
            logging.disable(logging.NOTSET)
        fast_enough = slowest[0] < PAGE_TARGET_MS or runs == 1  # one cold run: only errors count
        verdict = "gehaald" if fast_enough and not failed else "NIET GEHAALD"
        self.stdout.write(
            f"  Langzaamste pagina: {slowest[1]} ({slowest[2]}) {slowest[0]:.1f} ms   "
            f"(doel < {PAGE_TARGET_MS:.0f} ms, geen fouten: {verdict})"
        )
        if failed:
            self.stdout.write(f"  Fouten: {', '.join(failed)}")
        self.stdout.write("  [403]/[404]: deze rol mag de pagina niet zien (zo bedoeld); ! boven het doel.")
        return failed

    def bench_plan(self, client: Client, plan: AnnualPlan) -> None:
        year = plan.year
        sections = plan.sections.count()

        def get(url: str) -> None:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        html_ms = median_ms(lambda: get(f"/jaarplan/{year}/"), 20)

        html = render_to_string("reports/jaarplan_pdf.html", {"report": build_plan_report(year)})
        render_pdf(html)  # the first render of a process loads the letters; a worker does that once
        tagged: list[float] = []
        untagged: list[float] = []
        # The archival, tagged render (PDF/A-3a + PDF/UA-1) beside an untagged render of the same HTML
        # through the same fetcher, alternating so drift on the machine hits both alike. The order
        # alternates too: the second of two renders in a row tends to be the faster one.
        for run in range(5):
            pair = [(tagged, lambda: render_pdf(html)), (untagged, lambda: render_pdf(html, tagged=False))]
            for times, func in pair if run % 2 else reversed(pair):
                times.append(median_ms(func, 1))
        tagged_ms, untagged_ms = statistics.median(tagged), statistics.median(untagged)
        RenderedDocument.objects.all().delete()
        get(f"/jaarplan/{year}.pdf")  # stores it
        cached_ms = median_ms(lambda: get(f"/jaarplan/{year}.pdf"), 20)

        self.stdout.write(f"\n{plan.title}: {sections} paragrafen, {plan.cost_lines.count()} kostenregels")
        self.stdout.write(f"  HTML-rapport           mediaan van 20: {html_ms:8.1f} ms   (doel < 100 ms bij 2024)")
        self.stdout.write(f"  PDF getagd, archief    mediaan van 5:  {tagged_ms:8.1f} ms   (PDF/A-3a en PDF/UA-1)")
        self.stdout.write(f"  PDF ongetagd           mediaan van 5:  {untagged_ms:8.1f} ms   (dezelfde HTML)")
        self.stdout.write(f"  getagd / ongetagd: {tagged_ms / untagged_ms:6.3f}   (doel <= 1,35)")
        self.stdout.write(f"  PDF uit de opslag      mediaan van 20: {cached_ms:8.1f} ms   (doel < 50 ms)")
        self.bench_annual_report(client, plan)

    def bench_annual_report(self, client: Client, plan: AnnualPlan) -> None:
        """The jaarverslag of the same plan beside its jaarplan: the page (built, then from the cache) and the PDF."""
        year = plan.year

        def get(url: str) -> None:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        build_ms = median_ms(lambda: build_annual_report(year), 5)
        html_ms = median_ms(lambda: get(f"/jaarverslag/{year}/"), 20)
        html = render_to_string("reports/annual_pdf.html", {"report": build_annual_report(year)})
        pdf_ms = median_ms(lambda: render_pdf(html), 3)
        RenderedDocument.objects.all().delete()
        get(f"/jaarverslag/{year}.pdf")  # stores it
        cached_ms = median_ms(lambda: get(f"/jaarverslag/{year}.pdf"), 20)
        self.stdout.write(f"  Jaarverslag {year}:")
        self.stdout.write(f"    gegevens opbouwen    mediaan van 5:  {build_ms:8.1f} ms")
        self.stdout.write(f"    HTML-pagina          mediaan van 20: {html_ms:8.1f} ms   (doel < 100 ms bij 2024)")
        self.stdout.write(f"    PDF getagd, archief  mediaan van 3:  {pdf_ms:8.1f} ms   (PDF/A-3a en PDF/UA-1)")
        self.stdout.write(f"    PDF uit de opslag    mediaan van 20: {cached_ms:8.1f} ms   (doel < 50 ms)")

    def bench_edit_to_pdf(self, client: Client, plan: AnnualPlan) -> None:
        """From an edit to the up-to-date PDF being downloadable, with the database queue of production.

        The edit queues the documents when it commits; the worker (`manage.py db_worker`) renders them.
        Here the worker runs right after the edit; in production it finds the task within its polling
        interval (`--interval`, 1 s by default). A download meanwhile answers at once (no render).
        """
        section = PlanSection.objects.filter(plan=plan, parent__isnull=False).order_by("pk").first()
        assert section is not None
        edit_ms: list[float] = []
        pending_ms: list[float] = []
        with override_settings(TASKS=DATABASE_TASKS, PDF_REFRESH_ON_CHANGE=True):
            client.get(f"/jaarplan/{plan.year}.pdf")
            run_worker()
            for run in range(3):
                start = time.perf_counter()
                section.title = f"{section.title.split(' (')[0]} ({run})"
                section.save()  # a history record: the PDFs are queued on commit
                before = time.perf_counter()
                waiting = client.get(f"/jaarplan/{plan.year}.pdf")
                pending_ms.append((time.perf_counter() - before) * 1000)
                assert waiting.status_code == 202, waiting.status_code
                run_worker()
                response = client.get(f"/jaarplan/{plan.year}.pdf")
                assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
                edit_ms.append((time.perf_counter() - start) * 1000)
        self.stdout.write(f"\nVan wijziging tot downloadbare PDF ({plan.title}, achtergrond-worker, database-rij):")
        self.stdout.write(
            f"  wijziging -> actuele PDF  mediaan van 3: {statistics.median(edit_ms):8.1f} ms   "
            "(+ het poll-interval van db_worker, standaard 1 s)"
        )
        self.stdout.write(
            f"  download tijdens het maken mediaan van 3: {statistics.median(pending_ms):8.1f} ms   "
            "(pagina 'PDF wordt gemaakt…', nooit wachten op WeasyPrint)"
        )

    def bench_dashboards(self, client: Client, plan: AnnualPlan) -> None:
        """Dashboard and a district page: 2024 with updates and assessments, then ten times as many."""
        actions = list(Action.objects.filter(section__plan=plan))
        statuses = [Status.ON_TRACK, Status.AT_RISK, Status.DELAYED, Status.DONE]

        def add_updates(targets: list[Action]) -> None:
            ProgressUpdate.objects.bulk_create(
                ProgressUpdate(
                    action=a,
                    date=datetime.date(2024, 1 + n * 3, 1 + a.pk % 28),
                    status=statuses[(a.pk + n) % 4],
                    percentage=100 if statuses[(a.pk + n) % 4] == Status.DONE else 50,
                    narrative="Voortgang volgens de coördinator.",
                )
                for a in targets
                for n in range(2)
            )

        def add_assessments(days: range) -> None:
            statuses = list(BaselineAssessment.Status)
            BaselineAssessment.objects.bulk_create(
                BaselineAssessment(
                    municipality=m, norm=norm, assessed_on=datetime.date(2024, 2, day), status=statuses[day % 4]
                )
                for dp in DistrictPlan.objects.filter(plan=plan).select_related("district")
                for norm in BaselineNorm.objects.filter(district_plan=dp)
                for m in dp.district.municipalities.all()
                for day in days
            )

        add_updates(actions)
        add_assessments(range(1, 2))

        def get(url: str) -> None:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        for label in ("Jaarplan 2024 met voortgang", "Tien keer zoveel acties, updates en standen"):
            dashboard_ms = median_ms(lambda: get("/"), 20)
            district_ms = median_ms(lambda: get(f"/districten/{DASHBOARD_DISTRICT}/"), 20)
            self.stdout.write(
                f"\n{label}: {Action.objects.filter(section__plan=plan).count()} acties, "
                f"{ProgressUpdate.objects.count()} updates, {BaselineAssessment.objects.count()} standen basis op orde"
            )
            self.stdout.write(
                f"  Dashboard              mediaan van 20: {dashboard_ms:8.1f} ms   (doel < 100 ms bij 2024)"
            )
            self.stdout.write(
                f"  Districtspagina        mediaan van 20: {district_ms:8.1f} ms   (doel < 100 ms bij 2024)"
            )
            if label.startswith("Tien"):
                break
            copies = Action.objects.bulk_create(
                Action(section=a.section, order=1000 + n * 100 + a.order, title=f"{a.title} ({n})")
                for a in actions
                for n in range(9)
            )
            add_updates(copies)
            add_assessments(range(2, 11))
