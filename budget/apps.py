from __future__ import annotations

from django.apps import AppConfig


class BudgetConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "budget"
    verbose_name = "Begroting"

    def ready(self) -> None:
        from core import permissions

        from .models import CostGroup, CostLine, CostSplit, FundingSource, ProgrammeAllocation, Spending

        # The budget is part of the plan: locked once the plan is adopted. Spending is booked
        # through the year, so it stays open after adoption.
        for model in (CostGroup, CostLine, FundingSource, ProgrammeAllocation):
            permissions.register(model, plan_path="plan")
        permissions.register(CostSplit, plan_path="cost_line__plan")
        permissions.register(Spending, plan_path="cost_line__plan", open_after_adoption=True)

        from strategy.plan_copy import register_copy_hook

        from .plan_copy import copy_budget

        register_copy_hook("budget", copy_budget)
