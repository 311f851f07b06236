"""A closed quarter: the bureau closes Q2, its voortgangsrapportage is made from the snapshot, stored
with its SHA-256 and served byte for byte after later edits, until the quarter is reopened."""

from __future__ import annotations

import datetime
import hashlib
import io
import re

import pytest
from django.utils import formats, timezone
from pypdf import PdfReader

from core import clock
from core.roles import BUREAU, STEERING_GROUP
from districts.models import BaselineAssessment, BaselineNorm, Municipality
from strategy.models import Action, ActionSnapshot, AnnualPlan, ProgressUpdate, QuarterClose, Status
from tests.conftest import admin_url, logged_in, role_user

pdf_db = pytest.mark.django_db(transaction=True)

URL = "/voortgang/2024/Q2.pdf"
FIRST = "De vacature staat open, maar er zijn nog geen geschikte kandidaten."
EDITED = "Achteraf herschreven toelichting."


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: datetime.date(2024, 7, 10))


def pdf_text(content: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))


@pytest.mark.pdf  # renders the quarter's PDF through URL, which the rule in tests/conftest.py cannot see
@pdf_db
def test_closed_q2_pdf_keeps_its_sha256_after_edits(fresh_plan_2024: AnnualPlan) -> None:
    plan = fresh_plan_2024
    risky = Action.objects.get(section__plan=plan, title="Uitvoeringsspecialist Bibob werven")
    update = ProgressUpdate.objects.create(
        action=risky, date=datetime.date(2024, 5, 10), status=Status.AT_RISK, percentage=30, narrative=FIRST
    )
    bureau = logged_in(role_user("bureau", BUREAU))
    reader = logged_in(role_user("stuurgroep", STEERING_GROUP))

    # The bureau closes Q2 in the admin; the report is made right after, from the snapshot.
    response = bureau.post(admin_url(QuarterClose, "add"), {"plan": plan.pk, "quarter": "2"})
    assert response.status_code == 302
    close = QuarterClose.objects.get(plan=plan, quarter=2)
    assert ActionSnapshot.objects.filter(close=close).count() == Action.objects.filter(section__plan=plan).count()
    assert len(close.document_sha256) == 64
    stored = bytes(close.document)

    first = reader.get(URL)
    assert first.status_code == 200 and first["Content-Type"] == "application/pdf"
    assert first.content == stored
    assert hashlib.sha256(first.content).hexdigest() == close.document_sha256
    text = pdf_text(first.content)
    closed_on = formats.date_format(timezone.localdate(close.closed_at), "j F Y")
    assert FIRST in text and f"Kwartaal afgesloten op {closed_on}" in text

    # Later edits of everything the report shows (the admin would refuse the first; the database does not).
    ProgressUpdate.objects.filter(pk=update.pk).update(narrative=EDITED, status=Status.DELAYED)
    Action.objects.filter(pk=risky.pk).update(title="Een andere titel")
    norm = BaselineNorm.objects.filter(district_plan__district__slug="ijsselland").first()
    BaselineAssessment.objects.create(
        municipality=Municipality.objects.get(name="Dalfsen"),
        norm=norm,
        assessed_on=datetime.date(2024, 6, 1),
        status=BaselineAssessment.Status.MEETS,
    )
    again = reader.get(URL)
    assert again.content == first.content
    assert hashlib.sha256(again.content).hexdigest() == QuarterClose.objects.get(pk=close.pk).document_sha256

    # Reopened, the quarter's report follows the data again.
    reopen = bureau.post(admin_url(QuarterClose, "reopen", close.pk), {"reason": "Correctie van IJsselland."})
    assert reopen.status_code == 302
    live = pdf_text(reader.get(URL).content)
    assert EDITED in live and FIRST not in live
    assert "Kwartaal afgesloten" not in live
    history = QuarterClose.objects.get(pk=close.pk).history.order_by("history_id")
    # The history records the SHA-256 of the document issued.
    assert [record.history_change_reason for record in history] == [
        "Afgesloten",
        f"Voortgangsrapportage vastgelegd (SHA-256 {close.document_sha256})",
        "Heropend: Correctie van IJsselland.",
    ]
    assert history[1].document_sha256 == close.document_sha256

    # Closed again a moment later: a new document from the new snapshot, stored at once.
    response = bureau.post(admin_url(QuarterClose, "add"), {"plan": plan.pk, "quarter": "2"})
    assert response.status_code == 302
    closed_again = QuarterClose.objects.get(pk=close.pk)
    assert len(closed_again.document_sha256) == 64 and closed_again.document_sha256 != close.document_sha256
    final = reader.get(URL)
    assert hashlib.sha256(final.content).hexdigest() == closed_again.document_sha256
    assert EDITED in pdf_text(final.content) and "Kwartaal afgesloten" in pdf_text(final.content)


@pdf_db
def test_only_an_ended_quarter_is_closed_and_only_by_the_bureau(fresh_plan_2024: AnnualPlan) -> None:
    bureau = logged_in(role_user("bureau", BUREAU))
    response = bureau.post(admin_url(QuarterClose, "add"), {"plan": fresh_plan_2024.pk, "quarter": "3"})
    assert response.status_code == 200
    assert "Kwartaal 3 2024 loopt nog tot en met 30-09-2024" in response.content.decode()
    reader = logged_in(role_user("stuurgroep", STEERING_GROUP))
    assert reader.post(admin_url(QuarterClose, "add"), {"plan": fresh_plan_2024.pk, "quarter": "2"}).status_code == 403
    assert not QuarterClose.objects.exists()
