"""The quarterly voortgangsrapportage for the stuurgroep: a PDF from the dashboard data as of the quarter's end."""

from __future__ import annotations

import datetime
import io
import re
from typing import Any

import pytest
from django.test import Client
from pypdf import PdfReader

from districts.models import BaselineAssessment, BaselineNorm, Municipality
from reports.dashboards import build_progress_report
from strategy.models import Action, AnnualPlan, Status
from tests.strategy.factories import ProgressUpdateFactory

pdf_db = pytest.mark.django_db(transaction=True)


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture
def plan(fresh_plan_2024: AnnualPlan) -> AnnualPlan:
    """Loaded per test: the PDF tests commit it (rendering runs outside any transaction)."""
    return fresh_plan_2024


@pytest.fixture
def reader(django_user_model: Any, client: Client) -> Client:
    client.force_login(django_user_model.objects.create_user(username="stuurgroep", password="x"))
    return client


@pytest.fixture
def updates(plan: AnnualPlan) -> dict[str, Action]:
    risky = Action.objects.get(section__plan=plan, title="Uitvoeringsspecialist Bibob werven")
    later = Action.objects.filter(section__plan=plan, goal__number=1).order_by("pk").first()
    ProgressUpdateFactory(
        action=risky,
        date=datetime.date(2024, 5, 10),
        status=Status.AT_RISK,
        percentage=30,
        narrative="De vacature staat open, maar er zijn nog geen geschikte kandidaten.",
    )
    ProgressUpdateFactory(action=later, date=datetime.date(2024, 4, 2), status=Status.ON_TRACK)
    ProgressUpdateFactory(
        action=later,
        date=datetime.date(2024, 8, 15),
        status=Status.DELAYED,
        percentage=40,
        narrative="Na de zomer bleek de planning niet haalbaar.",
    )
    return {"risky": risky, "later": later}


def pdf_text(response: Any) -> str:
    return normalise(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages))


@pdf_db
def test_progress_pdf_download_summary_and_narratives(reader: Client, updates: dict[str, Action]) -> None:
    response = reader.get("/voortgang/2024/Q2.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"] == 'attachment; filename="voortgangsrapportage-2024-q2-riec-oost-nederland.pdf"'
    )
    text = pdf_text(response)
    assert "Voortgangsrapportage Q2 2024" in text
    assert "stand per 30 juni 2024" in text
    # The per-goal summary: each goal with its counts.
    report = build_progress_report(2024, 2)
    for tally in report.dashboard.goals:
        assert tally.label in text
    goal1 = report.dashboard.goals[0]
    assert goal1.counts[Status.ON_TRACK] == 1
    # The at-risk action with the narrative of its latest update.
    assert "Uitvoeringsspecialist Bibob werven" in text
    assert "De vacature staat open, maar er zijn nog geen geschikte kandidaten." in text
    # The basis-op-orde matrix of a district with norms.
    assert "Basis op orde in IJsselland" in text
    assert "Dalfsen" in text


@pdf_db
def test_later_update_is_not_in_an_earlier_quarter(reader: Client, updates: dict[str, Action]) -> None:
    q2 = pdf_text(reader.get("/voortgang/2024/Q2.pdf"))
    assert "Na de zomer bleek de planning niet haalbaar." not in q2
    q3 = pdf_text(reader.get("/voortgang/2024/Q3.pdf"))
    assert "Na de zomer bleek de planning niet haalbaar." in q3
    assert "De vacature staat open" in q3  # still the latest update of that action


@pdf_db
def test_quarter_bounds_and_unknown_year(reader: Client, plan: AnnualPlan) -> None:
    assert reader.get("/voortgang/2024/Q5.pdf").status_code == 404
    assert reader.get("/voortgang/1999/Q1.pdf").status_code == 404


def test_report_counts_only_data_up_to_the_quarter_end(db: Any, plan: AnnualPlan, updates: dict[str, Action]) -> None:
    norm = BaselineNorm.objects.filter(district_plan__district__slug="ijsselland").order_by("order").first()
    dalfsen = Municipality.objects.get(name="Dalfsen")
    BaselineAssessment.objects.create(
        municipality=dalfsen, norm=norm, assessed_on=datetime.date(2024, 3, 1), status=BaselineAssessment.Status.FAILS
    )
    BaselineAssessment.objects.create(
        municipality=dalfsen, norm=norm, assessed_on=datetime.date(2024, 7, 1), status=BaselineAssessment.Status.MEETS
    )

    def dalfsen_cell(quarter: int) -> str:
        report = build_progress_report(2024, quarter)
        ijsselland = next(page for page in report.districts if page.slug == "ijsselland")
        return next(row for row in ijsselland.matrix.rows if row.municipality == "Dalfsen").cells[0].label

    assert dalfsen_cell(1) == "voldoet niet"
    assert dalfsen_cell(2) == "voldoet niet"
    assert dalfsen_cell(3) == "voldoet"
    q1 = build_progress_report(2024, 1)
    assert q1.dashboard.total.counts[Status.NOT_STARTED] == q1.dashboard.total.total  # no update before April
    q3 = build_progress_report(2024, 3)
    assert q3.dashboard.total.counts[Status.DELAYED] == 1
    assert {row.title for row in q3.attention} >= {"Uitvoeringsspecialist Bibob werven", updates["later"].title}
