"""`make bench`: timings of the jaarplan pages on the 2024 plan and on a plan ten times its size.

Runs against a throw-away test database, never against the development or production data.
"""

from __future__ import annotations

import datetime
import gc
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import setup_test_environment

from budget.models import CostLine, FundingSource
from districts.models import BaselineAssessment, BaselineNorm, DistrictPlan
from reports.builders import build_plan_report
from reports.models import RenderedDocument
from strategy.models import Action, AnnualPlan, Phenomenon, PlanSection, ProgressUpdate, Status

SYNTHETIC_YEAR = 2026
DASHBOARD_DISTRICT = "ijsselland"  # the district with the most norms in 2024


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
    help = "Meet de snelheid van jaarplan (HTML en PDF) op het Jaarplan 2024 en op een plan van tien keer die omvang."

    def handle(self, *args: Any, **options: Any) -> None:
        setup_test_environment()
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            call_command("loaddata", "jaarplan_2024", verbosity=0)
            user = get_user_model().objects.create_user(username="bench", password="bench")  # noqa: S106
            client = Client()
            client.force_login(user)
            source = AnnualPlan.objects.get(year=2024)
            synthetic = make_synthetic_plan(source)
            self.stdout.write(f"Database: {connection.vendor}; Python/Django op deze machine.")
            for plan in (source, synthetic):
                self.bench_plan(client, plan)
            # The dashboards show the newest plan: the synthetic one goes, the 2024 plan is current again.
            synthetic.delete()
            self.bench_dashboards(client, source)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)

    def bench_plan(self, client: Client, plan: AnnualPlan) -> None:
        from weasyprint import HTML

        year = plan.year
        sections = plan.sections.count()

        def get(url: str) -> None:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        html_ms = median_ms(lambda: get(f"/jaarplan/{year}/"), 20)

        html = render_to_string("reports/jaarplan_pdf.html", {"report": build_plan_report(year)})
        static_dir = Path(settings.BASE_DIR) / "static"
        ours: list[float] = []
        plain: list[float] = []
        # Alternate our view and a plain WeasyPrint render so drift on the machine hits both alike.
        # The order alternates too: the second of two renders in a row tends to be the faster one.
        for run in range(5):
            RenderedDocument.objects.all().delete()
            pair = [
                (ours, lambda: get(f"/jaarplan/{year}.pdf")),
                (plain, lambda: HTML(string=html, base_url=str(static_dir) + "/").write_pdf()),
            ]
            for times, func in pair if run % 2 else reversed(pair):
                times.append(median_ms(func, 1))
        pdf_ms, plain_ms = statistics.median(ours), statistics.median(plain)
        cached_ms = median_ms(lambda: get(f"/jaarplan/{year}.pdf"), 20)

        self.stdout.write(f"\n{plan.title}: {sections} paragrafen, {plan.cost_lines.count()} kostenregels")
        self.stdout.write(f"  HTML-rapport           mediaan van 20: {html_ms:8.1f} ms   (doel < 100 ms bij 2024)")
        self.stdout.write(f"  PDF, nieuw gemaakt     mediaan van 5:  {pdf_ms:8.1f} ms   (doel < 3000 ms bij 2024)")
        self.stdout.write(f"  PDF uit de cache       mediaan van 20: {cached_ms:8.1f} ms   (doel < 50 ms)")
        self.stdout.write(f"  kale WeasyPrint        mediaan van 5:  {plain_ms:8.1f} ms")
        self.stdout.write(f"  PDF / kale WeasyPrint: {pdf_ms / plain_ms:6.3f}   (doel < 1,10)")

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
