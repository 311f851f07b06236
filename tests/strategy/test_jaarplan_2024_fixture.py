"""The loaded Jaarplan 2024 matches the published plan (../shared/seed, table of contents and chapter 4)."""

from __future__ import annotations

from collections import Counter

import pytest
from django.apps import apps
from django.core import serializers
from django.core.management import call_command
from django.db.models import Sum

from budget.models import CostLine, FundingSource, ProgrammeAllocation
from districts.models import District, DistrictPlan, Municipality
from strategy.models import AnnualPlan, Goal, ProgrammeLine

pytestmark = pytest.mark.django_db

# The table of contents ("Inhoud") of the published Jaarplan 2024, in order.
TABLE_OF_CONTENTS = [
    ("1", "Voortgang Meerjarenstrategie"),
    ("1.1", "Gezamenlijke aanpak van casuïstiek"),
    ("1.2", "Grotere rol gemeenten"),
    ("1.3", "Barrières opwerpen"),
    ("1.4", "Bedrijfsvoering RIEC-bureau"),
    ("2", "Versterkingsprogramma"),
    ("2.1", "Gezamenlijke aanpak van casuïstiek"),
    ("2.2", "Barrières opwerpen"),
    ("2.3", "Grotere rol gemeenten"),
    ("2.4", "Learning Community"),
    ("3", "Districtelijke inzet in 2024"),
    ("3.1", "IJsselland"),
    ("3.2", "Twente"),
    ("3.3", "Noord- en Oost-Gelderland"),
    ("3.4", "Gelderland-Midden"),
    ("3.5", "Gelderland-Zuid"),
    ("4", "Begroting 2024"),
    ("4.1", "Wat kost het?"),
    ("4.2", "Waar wordt dit van betaald?"),
    ("4.3", "Versterkingsprogramma"),
]

PLAN_MODELS = [m for app in ("strategy", "districts", "budget") for m in apps.get_app_config(app).get_models()]


@pytest.fixture
def plan(plan_2024: AnnualPlan) -> AnnualPlan:
    return plan_2024


def snapshot() -> dict[str, list[str]]:
    """Every row of the plan apps, serialised with natural keys, so two states can be compared."""
    return {
        model._meta.label: sorted(
            serializers.serialize("json", [obj], use_natural_foreign_keys=True, use_natural_primary_keys=True)
            for obj in model.objects.all()
        )
        for model in PLAN_MODELS
    }


def test_strategy_has_three_goals_and_four_lines(plan: AnnualPlan) -> None:
    assert Goal.objects.filter(strategy=plan.strategy).count() == 3
    assert list(ProgrammeLine.objects.filter(strategy=plan.strategy).values_list("number", flat=True)) == [1, 2, 3, 4]
    assert plan.strategy.name == "Meerjarenstrategie 2022-2025"
    assert plan.foreword_signatory == "Ahmed Marcouch"


def test_seventy_six_municipalities_in_five_districts(plan: AnnualPlan) -> None:
    per_district = dict(Counter(Municipality.objects.values_list("district__name", flat=True)))
    assert per_district == {
        "IJsselland": 11,
        "Twente": 14,
        "Noord- en Oost-Gelderland": 22,
        "Gelderland-Midden": 15,
        "Gelderland-Zuid": 14,
    }
    assert District.objects.count() == 5
    assert DistrictPlan.objects.filter(plan=plan).count() == 5


def test_table_of_contents_headings_in_order(plan: AnnualPlan) -> None:
    headings = [(s.number, s.title) for s in plan.numbered_sections() if s.depth <= 2]
    assert headings == TABLE_OF_CONTENTS


def test_costs_and_funding_balance_at_7_843_124(plan: AnnualPlan) -> None:
    costs = CostLine.objects.filter(plan=plan).aggregate(total=Sum("amount"))["total"]
    funding = FundingSource.objects.filter(plan=plan).aggregate(total=Sum("amount"))["total"]
    assert costs == 7_843_124
    assert funding == 7_843_124
    assert CostLine.objects.filter(plan=plan).count() == 33
    assert FundingSource.objects.filter(plan=plan).count() == 8


def test_reinforcement_table_totals(plan: AnnualPlan) -> None:
    def column(year: int) -> int:
        rows = ProgrammeAllocation.objects.filter(plan=plan, year=year)
        return rows.aggregate(total=Sum("amount_thousands"))["total"]

    assert (column(2024), column(2025), column(2026)) == (3813, 3813, 3313)
    # Onderuitputting is not known yet: "pm" in every year, stored as no amount.
    underspend = ProgrammeAllocation.objects.filter(plan=plan, kind="onderuitputting")
    assert underspend.count() == 12
    assert not underspend.filter(amount_thousands__isnull=False).exists()


def test_every_loaded_object_is_valid(plan: AnnualPlan) -> None:
    # The plan's own objects; their historical records (no user when loaded) are simple-history's.
    for model in [m for m in PLAN_MODELS if not m.__name__.startswith("Historical")]:
        for obj in model.objects.all():
            obj.full_clean()


def test_loading_twice_changes_nothing(editable_plan_2024: AnnualPlan) -> None:
    # The file holds the plan as a concept; its adoption is recorded after loading it
    # (strategy.services.load_published_plan). Reopened, the plan is as the file has it.
    before = snapshot()
    call_command("loaddata", "jaarplan_2024", verbosity=0)
    assert snapshot() == before
