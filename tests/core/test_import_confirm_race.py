"""Two confirmations of one upload at the same moment import it once; the other gets the Dutch "bestaat niet (meer)".

The second confirmation arrives while the first is inside its import (its new rows written, not yet
committed): on SQLite and on PostgreSQL alike it must neither import the file a second time nor
answer with a server error. Runs on PostgreSQL with DATABASE_URL=postgres://...
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connections
from django.http import HttpResponse
from pytest_django.asserts import assertContains

from budget.models import CostLine
from budget.resources import CostLineResource
from core.models import PendingImport
from tests.conftest import logged_in, reopened
from tests.support.imports import confirm, csv_file, upload

pytestmark = pytest.mark.django_db(transaction=True)

NOT_FOUND = "Deze import bestaat niet (meer)"
HEADER = ["Jaar", "Onderdeel", "Omschrijving", "Volgorde", "Bedrag (€)", "Geldstroom", "Groep", "Ten laste van lijn"]
CONTENT = csv_file([HEADER, ["2024", "bedrijfsvoering", "Gelijktijdig", "900", "12500", "regulier", "", ""]])


def test_two_simultaneous_confirmations_import_once(fresh_plan_2024, django_user_model, monkeypatch) -> None:
    user = django_user_model.objects.create_superuser(username="bureau", password="geheim")
    reopened(fresh_plan_2024)  # it loads as adopted: the cost line goes into the plan reopened
    first, second = logged_in(user), logged_in(user)  # two browser tabs
    preview = upload(first, CostLine, CONTENT)
    answers: dict[str, HttpResponse] = {}
    failures: list[BaseException] = []

    def second_confirmation() -> None:
        try:
            answers["second"] = confirm(second, preview)
        except BaseException as error:  # reported below, not lost in the thread
            failures.append(error)
        finally:
            connections.close_all()

    insert = CostLineResource.insert

    def insert_while_the_other_confirms(self: Any, instances: list[Any]) -> None:
        insert(self, instances)
        thread = threading.Thread(target=second_confirmation)
        thread.start()
        thread.join(timeout=60)

    monkeypatch.setattr(CostLineResource, "insert", insert_while_the_other_confirms)
    answers["first"] = confirm(first, preview)

    assert failures == []
    assert answers["first"].status_code == 302
    assertContains(answers["second"], NOT_FOUND, status_code=404)
    assert CostLine.objects.filter(label="Gelijktijdig").count() == 1
    assert PendingImport.objects.count() == 0
