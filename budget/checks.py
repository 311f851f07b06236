"""Whether a year's budget adds up, and how much of it has been spent.

`load_budget` reads one plan's budget in a fixed number of queries (see the comments), whatever
the number of cost lines or bookings; everything else here is plain arithmetic on the result, so
the budget page and the dashboards compute the same figures. Amounts are whole euros; a "pm"
amount (None) counts as 0 in every sum.

The checks compare the cost side (`actual`) with what pays for it (`expected`):
total costs with total funding, regular costs with regular funding, versterking costs with the
versterking contribution, and per programme line the cost lines charged to it with that year's
jaarschijf plus kasschuif of table 4.3. `difference` is actual minus expected: -10.000 means the
costs are 10.000 short of the money.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Prefetch, Sum

from strategy.models import AnnualPlan, ProgrammeLine

from .models import CostLine, CostSplit, FundingSource, FundingStream, ProgrammeAllocation, Spending

QUARTERS_PER_YEAR = 4


@dataclass(frozen=True)
class CheckResult:
    key: str
    name: str
    expected: int
    actual: int
    difference: int
    ok: bool


def make_check(key: str, name: str, *, expected: int, actual: int) -> CheckResult:
    difference = actual - expected
    return CheckResult(key=key, name=name, expected=expected, actual=actual, difference=difference, ok=difference == 0)


@dataclass(frozen=True)
class LineRef:
    """A programme line as the budget needs it: no model instance leaves this module."""

    id: int
    number: int
    title: str


@dataclass
class CostRow:
    id: int
    category: str
    group_title: str
    label: str
    amount: int | None
    funding_stream: str
    charges: dict[int, int]
    spent: int
    spent_by_line: dict[int, int]
    emphasised: bool = False

    @property
    def remaining(self) -> int | None:
        return None if self.amount is None else self.amount - self.spent


@dataclass
class FundingRow:
    label: str
    funding_stream: str
    amount: int | None


@dataclass
class BudgetData:
    year: int
    costs: list[CostRow]
    funding: list[FundingRow]
    lines: list[LineRef]
    allocated: dict[int, int]
    allocation_labels: dict[int, list[str]]
    # Every cell of table 4.3, by line number, kind and year.
    allocation_cells: list[ProgrammeAllocation] = field(default_factory=list)
    quarters_booked: int = 0


@dataclass(frozen=True)
class LineRealisation:
    number: int
    title: str
    allocated: int
    budgeted: int
    spent: int
    remaining: int
    expected_underspend: int | None


def _sum(values: Iterable[int | None]) -> int:
    return sum(value for value in values if value is not None)


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def spread(total: int, weights: dict[int, int]) -> dict[int, int]:
    """`total` divided over the keys in proportion to `weights`, in whole euros that add up to `total`.

    A split cost line's spending follows its split: 12.500 / 100.000 of the overhead's spending is
    line 1's. Rounding leftovers go to the last key, so no euro is lost or invented.
    """
    if not weights:
        return {}
    keys = list(weights)
    weight_total = sum(weights.values())
    if weight_total == 0:
        # No proportion to follow (parts that cancel out): share equally.
        shares = dict.fromkeys(keys, Decimal(1) / len(keys))
    else:
        shares = {key: Decimal(weights[key]) / weight_total for key in keys}
    result = {key: _round(total * shares[key]) for key in keys[:-1]}
    result[keys[-1]] = total - sum(result.values())
    return result


def expected_underspend(budgeted: int, spent: int, quarters_booked: int) -> int | None:
    """The projected onderuitputting: budget minus the spending so far extrapolated to the whole year.

    budget − spent × 4 ÷ quarters booked, never below 0; the same as the remaining budget minus the
    spending rate per quarter times the quarters still to come. None ("pm") before anything is booked.
    """
    if quarters_booked <= 0:
        return None
    projected_year = _round(Decimal(spent) * QUARTERS_PER_YEAR / quarters_booked)
    return max(0, budgeted - projected_year)


def load_budget(plan: AnnualPlan, *, with_spending: bool = True) -> BudgetData:
    """Everything the checks, the realisation and the budget tables need for `plan`, in five queries
    (four without the spending, which the printed plan does not show)."""
    lines: dict[int, LineRef] = {}

    def ref(line: ProgrammeLine) -> int:
        lines.setdefault(line.pk, LineRef(id=line.pk, number=line.number, title=line.title))
        return line.pk

    # Query: spending in the plan year per cost line and quarter (also tells the last quarter booked).
    spent: dict[int, int] = defaultdict(int)
    quarters_booked = 0
    booked = Spending.objects.for_plan_year(plan) if with_spending else Spending.objects.none()
    for row in booked.order_by().values("cost_line_id", "quarter").annotate(total=Sum("amount")):
        spent[row["cost_line_id"]] += row["total"]
        quarters_booked = max(quarters_booked, row["quarter"])

    # Queries: cost lines with group and line; their splits with line (one prefetch).
    splits = CostSplit.objects.select_related("programme_line").order_by("programme_line__number")
    cost_lines = (
        CostLine.objects.filter(plan=plan)
        .select_related("group", "programme_line")
        .prefetch_related(Prefetch("splits", queryset=splits))
        .order_by("order")
    )
    costs: list[CostRow] = []
    for line in cost_lines:
        line_splits = list(line.splits.all())
        for split in line_splits:
            ref(split.programme_line)
        if line.programme_line is not None:
            ref(line.programme_line)
        # Spending follows the charge: a split line's in proportion to its parts, a line charged to one
        # programme line (even one budgeted at 0, like "Gebiedsgericht werken") wholly to that line.
        if line_splits:
            weights = {split.programme_line_id: split.amount for split in line_splits}
        elif line.programme_line_id:
            weights = {line.programme_line_id: line.amount or 0}
        else:
            weights = {}
        costs.append(
            CostRow(
                id=line.pk,
                category=line.category,
                group_title=line.group.title if line.group else "",
                label=line.label,
                amount=line.amount,
                funding_stream=line.funding_stream,
                charges=line.charges(),
                spent=spent[line.pk],
                spent_by_line=spread(spent[line.pk], weights),
                emphasised=line.emphasised,
            )
        )

    # Query: funding sources.
    funding = [
        FundingRow(label=source.label, funding_stream=source.funding_stream, amount=source.amount)
        for source in FundingSource.objects.filter(plan=plan).order_by("order")
    ]

    # Query: table 4.3 (every year) with its lines; this year's jaarschijf and kasschuif are the money per line.
    allocated: dict[int, int] = defaultdict(int)
    allocation_labels: dict[int, list[str]] = defaultdict(list)
    this_year = (ProgrammeAllocation.Kind.ANNUAL, ProgrammeAllocation.Kind.CASH_SHIFT)
    kind_order = {kind.value: position for position, kind in enumerate(ProgrammeAllocation.Kind)}
    cells = sorted(
        ProgrammeAllocation.objects.filter(plan=plan).select_related("programme_line"),
        key=lambda c: (c.programme_line.number, kind_order[c.kind], c.year),
    )
    for cell in cells:
        if cell.year == plan.year and cell.kind in this_year:
            line_id = ref(cell.programme_line)
            allocated[line_id] += (cell.amount_thousands or 0) * 1000
            allocation_labels[line_id].append(cell.display_label)

    return BudgetData(
        year=plan.year,
        costs=costs,
        funding=funding,
        lines=sorted(lines.values(), key=lambda line: line.number),
        allocated=dict(allocated),
        allocation_labels=dict(allocation_labels),
        allocation_cells=cells,
        quarters_booked=quarters_booked,
    )


def charged_per_line(data: BudgetData) -> dict[int, int]:
    charged: dict[int, int] = defaultdict(int)
    for row in data.costs:
        for line_id, amount in row.charges.items():
            charged[line_id] += amount
    return charged


def run_checks(data: BudgetData) -> list[CheckResult]:
    """The budget's checks, in the order the page shows them; pure, no queries."""

    def costs(stream: str | None = None) -> int:
        return _sum(row.amount for row in data.costs if stream is None or row.funding_stream == stream)

    def funding(stream: str | None = None) -> int:
        return _sum(row.amount for row in data.funding if stream is None or row.funding_stream == stream)

    checks = [
        make_check("total", "Totale kosten = totale dekking", expected=funding(), actual=costs()),
        make_check(
            "regular",
            "Reguliere kosten = reguliere dekking",
            expected=funding(FundingStream.REGULAR),
            actual=costs(FundingStream.REGULAR),
        ),
        make_check(
            "reinforcement",
            "Kosten versterking = bijdrage versterkingsmiddelen",
            expected=funding(FundingStream.REINFORCEMENT),
            actual=costs(FundingStream.REINFORCEMENT),
        ),
    ]
    charged = charged_per_line(data)
    for line in data.lines:
        labels = " + ".join(label.lower() for label in data.allocation_labels.get(line.id, [])) or "geen bedrag"
        checks.append(
            make_check(
                f"line-{line.number}",
                f"Lijn {line.number}: kostenregels = tabel 4.3 voor {data.year} ({labels})",
                expected=data.allocated.get(line.id, 0),
                actual=charged.get(line.id, 0),
            )
        )
    return checks


def check_budget(plan: AnnualPlan) -> list[CheckResult]:
    """The checks of `plan`'s budget, in the five queries of `load_budget`."""
    return run_checks(load_budget(plan))


def line_realisation(data: BudgetData) -> list[LineRealisation]:
    """Per programme line: 4.3 money, budgeted (its charges), spent, remaining and expected under-spending."""
    charged = charged_per_line(data)
    spent: dict[int, int] = defaultdict(int)
    for row in data.costs:
        for line_id, amount in row.spent_by_line.items():
            spent[line_id] += amount
    result = []
    for line in data.lines:
        budgeted = charged.get(line.id, 0)
        line_spent = spent.get(line.id, 0)
        result.append(
            LineRealisation(
                number=line.number,
                title=line.title,
                allocated=data.allocated.get(line.id, 0),
                budgeted=budgeted,
                spent=line_spent,
                remaining=budgeted - line_spent,
                expected_underspend=expected_underspend(budgeted, line_spent, data.quarters_booked),
            )
        )
    return result
