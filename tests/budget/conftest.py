"""Helpers of the budget tests. The reader who may only look (`reader`) and the Jaarplan 2024 as
published (`plan_2024`) are fixtures of tests/conftest.py."""

from __future__ import annotations

from budget.models import CostLine
from strategy.models import AnnualPlan


def cost_line(plan: AnnualPlan, label: str, category: str | None = None) -> CostLine:
    """A cost line by its label; two parts of 4.1 share a label, so `category` can tell them apart."""
    lines = CostLine.objects.filter(plan=plan, label=label)
    return lines.get(category=category) if category else lines.get()
