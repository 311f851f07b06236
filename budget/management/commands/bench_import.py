"""`manage.py bench_import`: how long importing 10,000 cost lines takes, as the admin does it.

The admin runs an import in two requests (core.imports): the upload with its preview (the file
read, every row checked with the model's validation and the permission policy, the file stored with
its rows' versions to wait for its confirmation), then the confirmation (the stored file claimed,
read, checked again and written in one transaction). Both are posted here through
the real admin views, as a browser would. Also timed: the refusal of a crafted XLSX that declares a
sheet of 1,048,576 rows (target under 2 s). Runs against a throw-away test database, never against
real data.
"""

from __future__ import annotations

import csv
import io
import re
import time
import zipfile
from typing import Any

import openpyxl
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import setup_test_environment

from budget.models import CostLine
from core.accounts import give_second_factor
from strategy.models import AnnualPlan
from strategy.services import load_published_plan

BENCH_YEAR = 2025
TARGET_SECONDS = 15.0
REFUSAL_TARGET_SECONDS = 2.0
HEADERS = ["Jaar", "Onderdeel", "Omschrijving", "Volgorde", "Bedrag (€)", "Geldstroom", "Groep", "Ten laste van lijn"]
IMPORT_URL, CONFIRM_URL = "/admin/budget/costline/import/", "/admin/budget/costline/process_import/"


def cost_line_rows(count: int) -> list[list[str]]:
    """`count` new cost lines for the bench plan, spread over the parts and streams, some negative."""
    parts = ["personeel", "bedrijfsvoering", "versterking"]
    rows = []
    for n in range(1, count + 1):
        amount = -(n * 10) if n % 50 == 0 else n * 100
        stream = "versterking" if n % 3 == 0 else "regulier"
        line = str(1 + n % 4) if stream == "versterking" else ""
        rows.append([str(BENCH_YEAR), parts[n % 3], f"Kostenregel {n}", str(n), str(amount), stream, "", line])
    return rows


def dutch_csv(rows: list[list[str]]) -> bytes:
    """As Dutch Excel saves it: semicolons, Windows-1252."""
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows([HEADERS, *rows])
    return out.getvalue().encode("cp1252")


def huge_sheet() -> bytes:
    """A small XLSX whose sheet declares 1,048,576 rows and 16,384 columns."""
    book = openpyxl.Workbook()
    book.active.append(HEADERS)
    plain = io.BytesIO()
    book.save(plain)
    source = zipfile.ZipFile(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]+"', b'<dimension ref="A1:XFD1048576"', data)
            target.writestr(item, data)
    return out.getvalue()


class Command(BaseCommand):
    help = "Meet hoe lang het importeren van 10.000 kostenregels via het beheer duurt (voorbeeld en bevestiging)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--rows", type=int, default=10_000)

    def post_file(self, client: Client, content: bytes, name: str, fmt: str) -> Any:
        upload = SimpleUploadedFile(name, content)
        return client.post(IMPORT_URL, {"format": fmt, "resource": "0", "import_file": upload})

    def handle(self, *args: Any, rows: int = 10_000, **options: Any) -> None:
        setup_test_environment()
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            load_published_plan()  # as `make run` has it: adopted; the bench imports into a plan of its own
            source = AnnualPlan.objects.get(year=2024)
            AnnualPlan.objects.create(strategy=source.strategy, year=BENCH_YEAR, title=f"Jaarplan {BENCH_YEAR} (bench)")
            user = give_second_factor(get_user_model().objects.create_superuser(username="bench", password="bench"))  # noqa: S106
            client = Client()
            client.force_login(user)
            content = dutch_csv(cost_line_rows(rows))
            self.stdout.write(
                f"Database: {connection.vendor}; {rows} nieuwe kostenregels in één CSV-bestand "
                f"({len(content) / 1024:.0f} kB), via het beheer."
            )
            client.get(IMPORT_URL)  # the first request loads the views; not part of an import

            start = time.perf_counter()
            preview = self.post_file(client, content, "kostenregels.csv", "0")
            preview_seconds = time.perf_counter() - start
            if preview.status_code != 200 or "confirm_form" not in preview.context:
                errors = preview.context.get("import_errors") if preview.context else None
                raise CommandError(f"het voorbeeld bood geen bevestiging: {errors or preview.status_code}")
            confirm_form = preview.context["confirm_form"]
            data = {name: confirm_form[name].value() for name in confirm_form.fields}

            start = time.perf_counter()
            confirmed = client.post(CONFIRM_URL, data)
            confirm_seconds = time.perf_counter() - start
            if confirmed.status_code != 302:
                raise CommandError(f"de bevestiging gaf {confirmed.status_code}, geen doorverwijzing")
            created = CostLine.objects.filter(plan__year=BENCH_YEAR).count()
            if created != rows:
                raise CommandError(f"{created} kostenregels gemaakt, {rows} verwacht")
            for label, seconds in (
                ("proefimport (voorbeeld)", preview_seconds),
                ("import na bevestiging", confirm_seconds),
            ):
                self.stdout.write(f"  {label:<34} {seconds:7.2f} s   ({rows / seconds:,.0f} rijen/s)")

            start = time.perf_counter()
            again = self.post_file(client, content, "kostenregels.csv", "0")
            unchanged_seconds = time.perf_counter() - start
            skipped = again.context["totals"]["skip"] if again.context else 0
            self.stdout.write(
                f"  {'voorbeeld van hetzelfde bestand':<34} {unchanged_seconds:7.2f} s   ({skipped} ongewijzigd)"
            )

            start = time.perf_counter()
            refusal = self.post_file(client, huge_sheet(), "groot.xlsx", "1")
            refusal_seconds = time.perf_counter() - start
            refused = "1.048.576 rijen" in refusal.content.decode()
            verdict = "binnen" if refused and refusal_seconds < REFUSAL_TARGET_SECONDS else "BOVEN"
            self.stdout.write(
                f"  {'XLSX van 1.048.576 rijen geweigerd':<34} {refusal_seconds:7.2f} s   "
                f"({verdict} het doel van {REFUSAL_TARGET_SECONDS:.0f} s{'' if refused else '; NIET geweigerd'})"
            )

            total = preview_seconds + confirm_seconds
            verdict = "binnen" if total <= TARGET_SECONDS else "BOVEN"
            self.stdout.write(
                f"  samen (voorbeeld + bevestiging)    {total:7.2f} s   ({verdict} het doel van {TARGET_SECONDS:.0f} s)"
            )
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
