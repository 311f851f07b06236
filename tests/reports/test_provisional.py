"""Provisional is visible (issue 21, item 3): an open quarter's report says so on every page, a quarter
that has not begun is not offered, and a closed quarter prints only its snapshot, titles included."""

from __future__ import annotations

import datetime
import io
import os
from pathlib import Path

import pytest
from django.core.cache import cache
from pypdf import PdfReader

from core import clock
from core.roles import BUREAU, STEERING_GROUP
from strategy import services
from strategy.models import Action, AnnualPlan, ProgressUpdate, QuarterClose, Status
from strategy.plan_copy import create_next_year_plan
from tests.conftest import logged_in, role_user

pytestmark = pytest.mark.django_db(transaction=True)

PROVISIONAL = "Voorlopig – kwartaal nog niet afgesloten"
TITLE = "Uitvoeringsspecialist Bibob werven"


@pytest.fixture(autouse=True)
def january(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: datetime.date(2025, 1, 7))


def pages(content: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages]


def test_open_future_and_closed_quarters(fresh_plan_2024: AnnualPlan) -> None:
    bureau = role_user("bureau", BUREAU)
    risky = Action.objects.get(section__plan=fresh_plan_2024, title=TITLE)
    # At risk: the report lists it with its title.
    ProgressUpdate.objects.create(action=risky, date=datetime.date(2024, 11, 1), status=Status.AT_RISK, percentage=30)
    create_next_year_plan(plan=fresh_plan_2024, user=bureau)
    reader = logged_in(role_user("stuurgroep", STEERING_GROUP))

    # Q3 2025 has not begun on 7 January 2025: not offered, and not made on request either.
    index = reader.get("/jaarplannen/").content.decode()
    assert "/voortgang/2025/Q1.pdf" in index
    assert "/voortgang/2025/Q3.pdf" not in index
    assert reader.get("/voortgang/2025/Q3.pdf").status_code == 404

    # Q4 2024 before its close: provisional on the web and in the running header of every page.
    assert 'Q4</a> <span class="provisional">(Voorlopig – kwartaal nog niet afgesloten)' in index
    provisional = reader.get("/voortgang/2024/Q4.pdf")
    assert provisional["Content-Type"] == "application/pdf"
    texts = pages(provisional.content)
    assert len(texts) > 2
    assert all(PROVISIONAL in text for text in texts)
    if path := os.environ.get("KEEP_PDF"):
        Path(path).write_bytes(provisional.content)

    # Closed, but the worker was down: the document is made later, after a title was edited.
    close = services.close_quarter(plan=fresh_plan_2024, quarter=4, user=bureau)
    QuarterClose.objects.filter(pk=close.pk).update(document=None, document_sha256="")
    cache.clear()  # (the worker's queue marker of the close, which had gone unanswered)
    Action.objects.filter(section__plan=fresh_plan_2024, title=TITLE).update(title="Titel na de afsluiting")
    late = reader.get("/voortgang/2024/Q4.pdf")
    text = " ".join(pages(late.content))
    assert TITLE in text
    assert "Titel na de afsluiting" not in text
    assert PROVISIONAL not in text
    assert 'Q4</a> <span class="provisional">' not in reader.get("/jaarplannen/").content.decode()
