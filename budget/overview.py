"""The budget tables as plain data, built once for both readers: the budget page (costs with spending,
funding by stream, checks, realisation) and the printed plan (tables 4.1, 4.2 and 4.3).

Built from `checks.load_budget`, so they cost the same five queries whatever the size of the budget.
"""

from __future__ import annotations

from dataclasses import dataclass

from strategy.models import AnnualPlan

from .checks import (
    BudgetData,
    CheckResult,
    CostRow,
    FundingRow,
    LineRealisation,
    line_realisation,
    load_budget,
    run_checks,
)
from .formatting import format_amount
from .models import CostCategory, FundingStream


@dataclass
class Totals:
    budgeted: int
    spent: int

    @property
    def remaining(self) -> int:
        return self.budgeted - self.spent


def _totals(rows: list[CostRow]) -> Totals:
    return Totals(budgeted=sum(row.amount or 0 for row in rows), spent=sum(row.spent for row in rows))


@dataclass
class CostLineEntry:
    row: CostRow
    charged_to: str


@dataclass
class CostGroupBlock:
    title: str
    lines: list[CostLineEntry]

    @property
    def totals(self) -> Totals:
        return _totals([entry.row for entry in self.lines])


@dataclass
class CostCategoryBlock:
    title: str
    groups: list[CostGroupBlock]

    @property
    def totals(self) -> Totals:
        return _totals([entry.row for group in self.groups for entry in group.lines])


@dataclass
class FundingBlock:
    title: str
    rows: list[FundingRow]

    @property
    def subtotal(self) -> int:
        return sum(row.amount or 0 for row in self.rows)


@dataclass
class AllocationRow:
    label: str
    amounts: list[int | None]  # thousands of euros per year of `AllocationTable.years`


@dataclass
class AllocationLine:
    title: str
    rows: list[AllocationRow]


@dataclass
class AllocationTable:
    """Table 4.3: the strengthening programme per line and year, in thousands of euros."""

    years: list[int]
    lines: list[AllocationLine]

    @property
    def totals(self) -> list[int]:
        rows = [row for line in self.lines for row in line.rows]
        return [sum(row.amounts[i] or 0 for row in rows) for i in range(len(self.years))]


@dataclass
class BudgetTables:
    year: int
    costs: list[CostCategoryBlock]
    costs_total: Totals
    funding: list[FundingRow]  # in the plan's order
    funding_by_stream: list[FundingBlock]
    funding_total: int
    allocations: AllocationTable


@dataclass
class BudgetOverview:
    year: int
    title: str
    tables: BudgetTables
    checks: list[CheckResult]
    lines: list[LineRealisation]
    quarters_booked: int

    @property
    def all_ok(self) -> bool:
        return all(check.ok for check in self.checks)


def _charged_to(row: CostRow, numbers: dict[int, int]) -> str:
    if len(row.charges) > 1:
        return ", ".join(
            f"lijn {numbers[line_id]}: {format_amount(amount)}"
            for line_id, amount in sorted(row.charges.items(), key=lambda item: numbers[item[0]])
        )
    line_ids = list(row.charges) or list(row.spent_by_line)
    return f"lijn {numbers[line_ids[0]]}" if line_ids else ""


def _cost_blocks(data: BudgetData) -> list[CostCategoryBlock]:
    numbers = {line.id: line.number for line in data.lines}
    blocks = []
    for category in CostCategory:
        groups: list[CostGroupBlock] = []
        for row in (row for row in data.costs if row.category == category.value):
            # As in the printed table: a group is a run of lines under one heading; lines without one stand alone.
            if not groups or not row.group_title or groups[-1].title != row.group_title:
                groups.append(CostGroupBlock(title=row.group_title, lines=[]))
            groups[-1].lines.append(CostLineEntry(row=row, charged_to=_charged_to(row, numbers)))
        if groups:
            blocks.append(CostCategoryBlock(title=str(category.label), groups=groups))
    return blocks


def _allocation_table(data: BudgetData) -> AllocationTable:
    years = sorted({cell.year for cell in data.allocation_cells})
    lines: dict[int, AllocationLine] = {}
    rows: dict[tuple[int, str], AllocationRow] = {}
    for cell in data.allocation_cells:  # by line number, kind and year
        number = cell.programme_line.number
        if number not in lines:
            lines[number] = AllocationLine(title=f"Lijn {number}: {cell.programme_line.title}", rows=[])
        if (number, cell.kind) not in rows:
            rows[number, cell.kind] = AllocationRow(label=cell.display_label, amounts=[None] * len(years))
            lines[number].rows.append(rows[number, cell.kind])
        rows[number, cell.kind].amounts[years.index(cell.year)] = cell.amount_thousands
    return AllocationTable(years=years, lines=list(lines.values()))


def build_budget_tables(data: BudgetData) -> BudgetTables:
    """Tables 4.1 (costs), 4.2 (funding) and 4.3 (allocations) from the loaded budget; no queries."""
    funding_by_stream = [
        FundingBlock(
            title=f"Geldstroom {stream.label}",
            rows=[row for row in data.funding if row.funding_stream == stream.value],
        )
        for stream in FundingStream
    ]
    return BudgetTables(
        year=data.year,
        costs=_cost_blocks(data),
        costs_total=_totals(data.costs),
        funding=data.funding,
        funding_by_stream=[block for block in funding_by_stream if block.rows],
        funding_total=sum(row.amount or 0 for row in data.funding),
        allocations=_allocation_table(data),
    )


def build_budget_overview(plan: AnnualPlan) -> BudgetOverview:
    data = load_budget(plan)
    return BudgetOverview(
        year=plan.year,
        title=plan.title,
        tables=build_budget_tables(data),
        checks=run_checks(data),
        lines=line_realisation(data),
        quarters_booked=data.quarters_booked,
    )
