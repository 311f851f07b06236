"""The budget's part of next year's plan: table 4.1 raised by the indexation, 4.2 and 4.3 as they were.

Registered as a copy hook in `BudgetConfig.ready()`. Cost lines rise by the indexation percentage and
are rounded to whole euros (half up); "pm" stays pm and zero stays zero. A split line's parts rise the
same way and are then evened out so that they still add up exactly to the new amount. Funding (4.2)
and the multi-year table (4.3) are copied unchanged: they are agreements with funders, which the bureau
updates when the new figures are known (the budget checks show what no longer balances).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Prefetch

from strategy.plan_copy import PlanCopy, saved

from .models import CostGroup, CostLine, CostSplit, FundingSource, ProgrammeAllocation

HUNDRED = Decimal(100)


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def indexed(amount: int | None, percentage: Decimal) -> int | None:
    """`amount` raised by `percentage` in whole euros, half up; None (pm) stays None, 0 stays 0."""
    if amount is None:
        return None
    return _round(Decimal(amount) * (HUNDRED + percentage) / HUNDRED)


def indexed_parts(parts: list[int], percentage: Decimal) -> list[int]:
    """Each part raised by `percentage`, rounded so that the parts add up to the indexed total.

    Each part is rounded half up first; any euro that rounding gained or lost on the total is then
    taken from or given to the parts whose rounding moved them furthest (largest remainder), so no
    part moves more than one euro from its exact value.
    """
    exact = [Decimal(part) * (HUNDRED + percentage) / HUNDRED for part in parts]
    rounded = [_round(value) for value in exact]
    total = indexed(sum(parts), percentage) or 0
    surplus = sum(rounded) - total
    if surplus:
        step = 1 if surplus > 0 else -1
        # Rounded up the most (remainder rounded - exact largest) gives back first, and vice versa.
        candidates = sorted(range(len(parts)), key=lambda i: (rounded[i] - exact[i]) * step, reverse=True)
        for index in candidates[: abs(surplus)]:
            rounded[index] -= step
    return rounded


def copy_budget(copy: PlanCopy) -> None:
    percentage = copy.indexation
    target = copy.target

    groups: dict[int, CostGroup] = {}
    for group in CostGroup.objects.filter(plan=copy.source).order_by("pk"):
        groups[group.pk] = saved(CostGroup(plan=target, category=group.category, title=group.title))

    splits = CostSplit.objects.select_related("programme_line").order_by("programme_line__number")
    lines = (
        CostLine.objects.filter(plan=copy.source)
        .select_related("programme_line")
        .prefetch_related(Prefetch("splits", queryset=splits))
        .order_by("order")
    )
    for old in lines:
        new = saved(
            CostLine(
                plan=target,
                category=old.category,
                group=groups[old.group_id] if old.group_id else None,
                order=old.order,
                label=old.label,
                amount=indexed(old.amount, percentage),
                funding_stream=old.funding_stream,
                programme_line=old.programme_line,
            )
        )
        old_splits = list(old.splits.all())
        amounts = indexed_parts([split.amount for split in old_splits], percentage)
        for split, amount in zip(old_splits, amounts, strict=True):
            saved(CostSplit(cost_line=new, programme_line=split.programme_line, amount=amount))

    for source in FundingSource.objects.filter(plan=copy.source).order_by("order"):
        saved(
            FundingSource(
                plan=target,
                order=source.order,
                label=source.label,
                funder=source.funder,
                funding_stream=source.funding_stream,
                amount=source.amount,
            )
        )
    for cell in ProgrammeAllocation.objects.filter(plan=copy.source).select_related("programme_line"):
        saved(
            ProgrammeAllocation(
                plan=target,
                programme_line=cell.programme_line,
                year=cell.year,
                kind=cell.kind,
                label=cell.label,
                amount_thousands=cell.amount_thousands,
            )
        )
