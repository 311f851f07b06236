"""The budget's checks: the 2024 plan reconciles exactly, and a changed figure shows where it no longer does."""

from __future__ import annotations

import pytest

from budget.checks import CheckResult, check_budget
from budget.models import CostSplit, FundingStream, ProgrammeAllocation
from strategy.models import AnnualPlan
from tests.budget.conftest import cost_line
from tests.budget.factories import (
    CostLineFactory,
    CostSplitFactory,
    FundingSourceFactory,
    ProgrammeAllocationFactory,
)
from tests.strategy.factories import AnnualPlanFactory, ProgrammeLineFactory

pytestmark = pytest.mark.django_db


def by_key(checks: list[CheckResult]) -> dict[str, CheckResult]:
    return {check.key: check for check in checks}


def outcome(checks: list[CheckResult]) -> dict[str, tuple[int, int, int, bool]]:
    return {check.key: (check.actual, check.expected, check.difference, check.ok) for check in checks}


def test_2024_checks_are_all_green_with_the_figures_of_the_plan(plan_2024: AnnualPlan) -> None:
    assert outcome(check_budget(plan_2024)) == {
        "total": (7_843_124, 7_843_124, 0, True),
        "regular": (4_030_124, 4_030_124, 0, True),
        "reinforcement": (3_813_000, 3_813_000, 0, True),
        "line-1": (610_000, 610_000, 0, True),
        "line-2": (1_330_000, 1_330_000, 0, True),
        "line-3": (1_580_000, 1_580_000, 0, True),
        "line-4": (293_000, 293_000, 0, True),
    }


def test_check_names_say_what_is_compared(plan_2024: AnnualPlan) -> None:
    names = [check.name for check in check_budget(plan_2024)]
    assert names[0] == "Totale kosten = totale dekking"
    assert names[5] == "Lijn 3: kostenregels = tabel 4.3 voor 2024 (jaarschijf + kasschuif 2022)"


def test_a_lower_cost_line_turns_exactly_the_affected_checks_red(plan_2024: AnnualPlan) -> None:
    line = cost_line(plan_2024, "Versterken OM")
    line.amount = 250_000
    line.save()

    checks = by_key(check_budget(plan_2024))

    red = {key: check.difference for key, check in checks.items() if not check.ok}
    assert red == {"total": -10_000, "reinforcement": -10_000, "line-1": -10_000}
    assert (checks["total"].actual, checks["total"].expected) == (7_833_124, 7_843_124)
    assert (checks["line-1"].actual, checks["line-1"].expected) == (600_000, 610_000)


def test_changing_a_split_moves_the_difference_between_lines(plan_2024: AnnualPlan) -> None:
    overhead = cost_line(plan_2024, "Overhead Versterking")
    CostSplit.objects.filter(cost_line=overhead, programme_line__number=1).update(amount=22_500)
    CostSplit.objects.filter(cost_line=overhead, programme_line__number=3).update(amount=90_000)

    red = {key: check.difference for key, check in by_key(check_budget(plan_2024)).items() if not check.ok}

    # The cost line itself is unchanged, so the totals still balance; only the lines disagree.
    assert red == {"line-1": 10_000, "line-3": -10_000}


def test_funding_short_of_the_costs_is_a_positive_difference(plan_2024: AnnualPlan) -> None:
    plan_2024.funding_sources.filter(label="Bijdrage gemeenten Gelderland").update(amount=495_000)

    red = {key: check.difference for key, check in by_key(check_budget(plan_2024)).items() if not check.ok}

    assert red == {"total": 12_500, "regular": 12_500}


def test_pm_amounts_count_as_zero() -> None:
    plan = AnnualPlanFactory()
    line = ProgrammeLineFactory(strategy=plan.strategy)
    CostLineFactory(plan=plan, amount=None, funding_stream=FundingStream.REINFORCEMENT, programme_line=line)
    CostLineFactory(plan=plan, amount=40_000, funding_stream=FundingStream.REINFORCEMENT, programme_line=line)
    FundingSourceFactory(plan=plan, amount=None, funding_stream=FundingStream.REINFORCEMENT)
    FundingSourceFactory(plan=plan, amount=40_000, funding_stream=FundingStream.REINFORCEMENT)
    ProgrammeAllocationFactory(plan=plan, programme_line=line, year=plan.year, amount_thousands=40)
    ProgrammeAllocationFactory(
        plan=plan, programme_line=line, year=plan.year, kind=ProgrammeAllocation.Kind.CASH_SHIFT, amount_thousands=None
    )

    checks = by_key(check_budget(plan))

    assert all(check.ok for check in checks.values())
    assert checks[f"line-{line.number}"].actual == 40_000


def test_only_the_plan_years_jaarschijf_and_kasschuif_count() -> None:
    plan = AnnualPlanFactory()
    line = ProgrammeLineFactory(strategy=plan.strategy)
    CostLineFactory(plan=plan, amount=975_000, programme_line=line)
    ProgrammeAllocationFactory(plan=plan, programme_line=line, year=plan.year, amount_thousands=600)
    ProgrammeAllocationFactory(
        plan=plan, programme_line=line, year=plan.year, kind=ProgrammeAllocation.Kind.CASH_SHIFT, amount_thousands=375
    )
    ProgrammeAllocationFactory(plan=plan, programme_line=line, year=plan.year + 1, amount_thousands=600)
    ProgrammeAllocationFactory(
        plan=plan, programme_line=line, year=plan.year, kind=ProgrammeAllocation.Kind.UNDERSPEND, amount_thousands=50
    )

    check = by_key(check_budget(plan))[f"line-{line.number}"]

    assert (check.actual, check.expected, check.ok) == (975_000, 975_000, True)


def _grow(plan: AnnualPlan, count: int) -> None:
    lines = [ProgrammeLineFactory(strategy=plan.strategy) for _ in range(2)]
    for index in range(count):
        line = CostLineFactory(plan=plan, amount=100_000, funding_stream=FundingStream.REINFORCEMENT)
        if index % 2:
            line.programme_line = lines[0]
            line.save()
        else:
            for programme_line, part in zip(lines, (60_000, 40_000), strict=True):
                CostSplitFactory(cost_line=line, programme_line=programme_line, amount=part)
        FundingSourceFactory(plan=plan)
    for programme_line in lines:
        ProgrammeAllocationFactory(plan=plan, programme_line=programme_line, year=plan.year)


def test_checks_load_in_five_queries_whatever_the_size(django_assert_num_queries) -> None:
    small, large = AnnualPlanFactory(), AnnualPlanFactory()
    _grow(small, 3)
    _grow(large, 30)
    for plan in (small, large):
        # Spending per cost line and quarter; cost lines with group and line; their splits with line;
        # funding sources; this year's table 4.3 cells with their line.
        with django_assert_num_queries(5):
            checks = check_budget(plan)
        assert len(checks) == 3 + 2
