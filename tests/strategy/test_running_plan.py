"""The running plan: the one definition every page and command uses (AnnualPlan.objects.running)."""

from __future__ import annotations

import datetime

import pytest

from core import clock
from strategy.models import AnnualPlan
from tests.strategy.factories import AnnualPlanFactory, StrategyFactory

pytestmark = pytest.mark.django_db

ADOPTED = AnnualPlan.Status.ADOPTED


@pytest.fixture
def plans() -> dict[int, AnnualPlan]:
    """2023 and 2024 adopted, 2025 prepared as a concept in the autumn of 2024."""
    strategy = StrategyFactory()
    return {
        2023: AnnualPlanFactory(strategy=strategy, year=2023, status=ADOPTED, adopted_on=datetime.date(2023, 1, 20)),
        2024: AnnualPlanFactory(strategy=strategy, year=2024, status=ADOPTED, adopted_on=datetime.date(2024, 1, 25)),
        2025: AnnualPlanFactory(strategy=strategy, year=2025),
    }


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (datetime.date(2024, 1, 1), 2024),
        (datetime.date(2024, 10, 15), 2024),  # next year's concept exists: it does not take over
        (datetime.date(2024, 12, 31), 2024),  # the last day of the year
        (datetime.date(2025, 1, 1), 2025),  # the new year: its plan runs, even while still a concept
        (datetime.date(2025, 6, 30), 2025),
        (datetime.date(2023, 12, 31), 2023),
    ],
)
def test_the_plan_of_the_year_runs_whatever_its_status(
    plans: dict[int, AnnualPlan], day: datetime.date, year: int
) -> None:
    assert AnnualPlan.objects.running(day) == plans[year]


def test_without_a_plan_for_the_year_the_latest_earlier_plan_runs(plans: dict[int, AnnualPlan]) -> None:
    plans[2025].delete()
    assert AnnualPlan.objects.running(datetime.date(2025, 1, 1)) == plans[2024]
    assert AnnualPlan.objects.running(datetime.date(2027, 3, 1)) == plans[2024]


def test_when_every_plan_lies_ahead_the_first_of_them_runs(plans: dict[int, AnnualPlan]) -> None:
    assert AnnualPlan.objects.running(datetime.date(2020, 5, 1)) == plans[2023]


def test_no_plans_no_running_plan() -> None:
    assert AnnualPlan.objects.running(datetime.date(2024, 5, 1)) is None


def test_today_comes_from_the_one_clock(plans: dict[int, AnnualPlan], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: datetime.date(2024, 11, 30))
    assert AnnualPlan.objects.running() == plans[2024]
    monkeypatch.setattr(clock, "today", lambda: datetime.date(2025, 1, 2))
    assert AnnualPlan.objects.running() == plans[2025]


def test_it_costs_one_query(plans: dict[int, AnnualPlan], django_assert_num_queries) -> None:
    with django_assert_num_queries(1):
        AnnualPlan.objects.select_related("strategy").running(datetime.date(2024, 10, 1))
