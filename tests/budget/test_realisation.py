"""Spending (realisatie): per cost line and per programme line, with split lines and the onderuitputting projection."""

from __future__ import annotations

import pytest

from budget.checks import expected_underspend, line_realisation, load_budget, spread
from strategy.models import AnnualPlan
from tests.budget.conftest import cost_line
from tests.budget.factories import CostLineFactory, CostSplitFactory, SpendingFactory
from tests.strategy.factories import AnnualPlanFactory, ProgrammeLineFactory

pytestmark = pytest.mark.django_db


def book(plan: AnnualPlan, label: str, quarter: int, amount: int, year: int | None = None, category: str = "") -> None:
    line = cost_line(plan, label, category or None)
    SpendingFactory(cost_line=line, quarter=quarter, amount=amount, year=year or plan.year)


@pytest.fixture
def booked(plan_2024: AnnualPlan) -> AnnualPlan:
    """Two quarters of 2024 booked on a few lines of the published plan."""
    book(plan_2024, "Versterken OM", 1, 60_000)  # line 1
    book(plan_2024, "Versterken OM", 2, 70_000)
    book(plan_2024, "Versterken OM", 1, 99_999, year=2025)  # another year: not 2024's spending
    book(plan_2024, "Overhead Versterking", 1, 22_500)  # split 12.500 line 1 / 100.000 line 3
    book(plan_2024, "Overhead Versterking", 2, 22_500)
    book(plan_2024, "Kasschuif", 1, 100_000)  # line 3
    book(plan_2024, "Gebiedsgericht werken", 2, 1_000)  # line 3, budgeted at 0
    learning = "Programmacoördinatie en learning communities"
    book(plan_2024, learning, 1, 100_000, category="versterking")  # the 183.000 on line 4
    book(plan_2024, learning, 2, 100_000, category="versterking")
    book(plan_2024, "Huisvestingskosten", 1, 35_000)  # regular: on no line
    return plan_2024


def test_budgeted_spent_and_remaining_per_cost_line(booked: AnnualPlan) -> None:
    rows = {(row.category, row.label): row for row in load_budget(booked).costs}

    def figures(category: str, label: str) -> tuple[int | None, int, int | None]:
        row = rows[(category, label)]
        return row.amount, row.spent, row.remaining

    assert figures("versterking", "Versterken OM") == (260_000, 130_000, 130_000)
    assert figures("bedrijfsvoering", "Overhead Versterking") == (112_500, 45_000, 67_500)
    assert figures("versterking", "Gebiedsgericht werken") == (0, 1_000, -1_000)
    assert figures("bedrijfsvoering", "Huisvestingskosten") == (140_000, 35_000, 105_000)
    assert figures("bedrijfsvoering", "IT kosten") == (260_000, 0, 260_000)


def test_split_line_spending_follows_its_split(booked: AnnualPlan) -> None:
    overhead = next(row for row in load_budget(booked).costs if row.label == "Overhead Versterking")
    numbers = {line.id: line.number for line in load_budget(booked).lines}

    assert {numbers[line_id]: amount for line_id, amount in overhead.spent_by_line.items()} == {1: 5_000, 3: 40_000}


def test_budgeted_spent_remaining_and_underspend_per_programme_line(booked: AnnualPlan) -> None:
    data = load_budget(booked)
    assert data.quarters_booked == 2

    figures = {
        line.number: (line.allocated, line.budgeted, line.spent, line.remaining, line.expected_underspend)
        for line in line_realisation(data)
    }

    assert figures == {
        # 130.000 OM + 5.000 of the overhead; at that rate 270.000 this year, so 610.000 - 270.000 unused.
        1: (610_000, 610_000, 135_000, 475_000, 340_000),
        # Nothing spent in two quarters: the whole line is expected to stay unused.
        2: (1_330_000, 1_330_000, 0, 1_330_000, 1_330_000),
        # 40.000 overhead + 100.000 kasschuif + 1.000 gebiedsgericht; 1.580.000 - 4 / 2 x 141.000.
        3: (1_580_000, 1_580_000, 141_000, 1_439_000, 1_298_000),
        # 200.000 in two quarters runs to 400.000, beyond the 293.000: no under-spending, never negative.
        4: (293_000, 293_000, 200_000, 93_000, 0),
    }


def test_without_bookings_the_underspend_is_not_yet_known(plan_2024: AnnualPlan) -> None:
    lines = line_realisation(load_budget(plan_2024))

    assert [line.expected_underspend for line in lines] == [None, None, None, None]
    assert [line.spent for line in lines] == [0, 0, 0, 0]


@pytest.mark.parametrize(
    ("budgeted", "spent", "quarters", "expected"),
    [
        (400_000, 50_000, 1, 200_000),  # 50.000 a quarter: 200.000 a year, 200.000 left unused
        (400_000, 150_000, 3, 200_000),  # same rate over three quarters
        (400_000, 100_000, 3, 266_667),  # 133.333,33 a year rounds to whole euros
        (400_000, 400_000, 4, 0),  # the year is over and everything is spent
        (400_000, 300_000, 2, 0),  # overspending at this rate: never negative
        (400_000, 0, 0, None),  # nothing booked yet: pm
    ],
)
def test_expected_underspend_formula(budgeted: int, spent: int, quarters: int, expected: int | None) -> None:
    assert expected_underspend(budgeted, spent, quarters) == expected


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [
        (45_000, {1: 12_500, 3: 100_000}, {1: 5_000, 3: 40_000}),
        (100, {1: 1, 2: 1, 3: 1}, {1: 33, 2: 33, 3: 34}),  # every euro lands somewhere
        (-9_000, {1: 60_000, 2: 30_000}, {1: -6_000, 2: -3_000}),  # a correction is split the same way
        (10, {1: 5, 2: -5}, {1: 5, 2: 5}),  # parts that cancel out: equal shares
        (10, {}, {}),
    ],
)
def test_spread_is_proportional_and_adds_up(total: int, weights: dict[int, int], expected: dict[int, int]) -> None:
    assert spread(total, weights) == expected
    if weights:
        assert sum(spread(total, weights).values()) == total


def test_spending_on_a_split_line_of_a_small_plan() -> None:
    plan = AnnualPlanFactory()
    one, two = ProgrammeLineFactory(strategy=plan.strategy), ProgrammeLineFactory(strategy=plan.strategy)
    line = CostLineFactory(plan=plan, amount=90_000)
    CostSplitFactory(cost_line=line, programme_line=one, amount=60_000)
    CostSplitFactory(cost_line=line, programme_line=two, amount=30_000)
    SpendingFactory(cost_line=line, quarter=1, amount=30_000)

    figures = {line.number: (line.budgeted, line.spent, line.remaining) for line in line_realisation(load_budget(plan))}

    assert figures == {one.number: (60_000, 20_000, 40_000), two.number: (30_000, 10_000, 20_000)}
