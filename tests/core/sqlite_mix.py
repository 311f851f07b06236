"""The bureau's mix of writes, run in its own process beside the PDF worker (tests/core/test_sqlite_with_worker.py).

Run as `manage.py shell -c "from tests.core.sqlite_mix import main; main(30)"` on the database of
DATABASE_URL: `count` admin saves of a funding source and `count` one-row imports through the admin,
each posted as a browser would (Django's test client, the whole middleware and admin). Every save
queues the PDFs, so the worker renders while the next saves come in. Prints one JSON line:
{"saves": n, "imports": n, "failures": ["what failed: why", ...]}.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import get_user_model
from django.test import Client
from django.test.utils import setup_test_environment

from budget.models import FundingSource
from budget.resources import FundingSourceResource
from core.imports.export import export_resource
from strategy.models import AnnualPlan
from strategy.services import reopen_plan
from tests.conftest import admin_post_data, admin_url
from tests.support.imports import confirm, csv_file, upload


def _one_row_file(source: FundingSource, amount: int) -> bytes:
    """The export of one funding source with another amount: the file a user edits and imports again."""
    exported = export_resource(FundingSourceResource)().export(queryset=FundingSource.objects.filter(pk=source.pk)).csv
    header, row = list(csv.reader(io.StringIO(exported)))[:2]
    row[header.index("Bedrag (€)")] = str(amount)
    return csv_file([header, row])


def _attempt(failures: list[str], what: str, step: Any) -> None:
    try:
        response = step()
    except Exception as exc:  # a "database is locked" surfaces here, as the 500 a user would get
        failures.append(f"{what}: {type(exc).__name__}: {exc}")
        return
    if response.status_code != 302:
        failures.append(f"{what}: HTTP {response.status_code}")


def main(count: int) -> None:
    setup_test_environment()  # responses carry their context, as in the tests
    user = get_user_model().objects.create_superuser(username="bureau-mix", email="mix@riec.test")
    TOTP.activate(user, "JBSWY3DPEHPK3PXP")  # a second factor, as every account that logs in has
    client = Client()
    client.force_login(user)
    # The plan loads as adopted (load_plan); the bureau reopens it to change its funding.
    reopen_plan(plan=AnnualPlan.objects.get(year=2024), user=user, reason="Dekking bijwerken")
    sources = list(FundingSource.objects.order_by("pk")[:3])
    failures: list[str] = []

    for i in range(count):
        source = sources[i % len(sources)]
        url = admin_url(source, "change", source.pk)

        def save(url: str = url, i: int = i) -> Any:
            return client.post(url, {**admin_post_data(client.get(url)), "amount": str(1_000_000 + i)})

        def import_row(source: FundingSource = source, i: int = i) -> Any:
            preview = upload(client, FundingSource, _one_row_file(source, 2_000_000 + i))
            if "confirm_form" not in preview.context:
                return preview
            return confirm(client, preview)

        _attempt(failures, f"opslaan {i + 1}", save)
        _attempt(failures, f"import {i + 1}", import_row)

    print(json.dumps({"saves": count, "imports": count, "failures": failures}))
