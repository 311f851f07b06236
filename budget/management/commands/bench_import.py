"""`manage.py bench_import`: how long importing 10,000 cost lines takes, as the admin does it.

The admin runs an import twice: a dry run for the preview, then the real import after the
confirmation. Both go through CostLineResource.import_data with every row checked (full_clean,
the permission policy). Runs against a throw-away test database, never against real data.
"""

from __future__ import annotations

import time
from typing import Any

import tablib
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import setup_test_environment

from budget.models import CostLine
from budget.resources import CostLineResource
from strategy.models import AnnualPlan

BENCH_YEAR = 2025
TARGET_SECONDS = 15.0


def cost_line_rows(count: int) -> tablib.Dataset:
    """`count` new cost lines for the bench plan, spread over the parts and streams, some negative."""
    headers = [
        "Jaar",
        "Onderdeel",
        "Omschrijving",
        "Volgorde",
        "Bedrag (€)",
        "Geldstroom",
        "Groep",
        "Ten laste van lijn",
    ]
    dataset = tablib.Dataset(headers=headers)
    parts = ["personeel", "bedrijfsvoering", "versterking"]
    for n in range(1, count + 1):
        amount = -(n * 10) if n % 50 == 0 else n * 100
        stream = "versterking" if n % 3 == 0 else "regulier"
        line = str(1 + n % 4) if stream == "versterking" else ""
        dataset.append([str(BENCH_YEAR), parts[n % 3], f"Kostenregel {n}", str(n), str(amount), stream, "", line])
    return dataset


class Command(BaseCommand):
    help = "Meet hoe lang het importeren van 10.000 kostenregels duurt (proefimport en echte import)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--rows", type=int, default=10_000)

    def handle(self, *args: Any, rows: int = 10_000, **options: Any) -> None:
        setup_test_environment()
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            call_command("loaddata", "jaarplan_2024", verbosity=0)
            source = AnnualPlan.objects.get(year=2024)
            AnnualPlan.objects.create(strategy=source.strategy, year=BENCH_YEAR, title=f"Jaarplan {BENCH_YEAR} (bench)")
            user = get_user_model().objects.create_superuser(username="bench", password="bench")  # noqa: S106
            dataset = cost_line_rows(rows)
            self.stdout.write(f"Database: {connection.vendor}; {rows} nieuwe kostenregels in één bestand.")

            timings = {}
            for label, dry_run in (("proefimport (voorbeeld)", True), ("import na bevestiging", False)):
                start = time.perf_counter()
                result = CostLineResource().import_data(dataset, dry_run=dry_run, user=user)
                timings[label] = time.perf_counter() - start
                if result.has_errors() or result.has_validation_errors():
                    raise CommandError(f"{label}: de import gaf fouten: {result.invalid_rows[:3]}")
                self.stdout.write(f"  {label:<28} {timings[label]:7.2f} s   ({rows / timings[label]:,.0f} rijen/s)")
            created = CostLine.objects.filter(plan__year=BENCH_YEAR).count()
            if created != rows:
                raise CommandError(f"{created} kostenregels gemaakt, {rows} verwacht")

            start = time.perf_counter()
            result = CostLineResource().import_data(dataset, dry_run=True, user=user)
            update_seconds = time.perf_counter() - start
            self.stdout.write(f"  {'proefimport, alles bijwerken':<28} {update_seconds:7.2f} s")

            total = sum(timings.values())
            verdict = "binnen" if total < TARGET_SECONDS else "BOVEN"
            self.stdout.write(
                f"  samen (voorbeeld + bevestiging) {total:7.2f} s   ({verdict} het doel van {TARGET_SECONDS:.0f} s)"
            )
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
