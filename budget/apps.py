from __future__ import annotations

from django.apps import AppConfig


class BudgetConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "budget"
    verbose_name = "Begroting"

    def ready(self) -> None:
        from core import history, permissions

        from .models import CostGroup, CostLine, CostSplit, FundingSource, ProgrammeAllocation, Spending

        # The budget is part of the plan: locked once the plan is adopted. Spending is booked
        # through the year, so it stays open after adoption.
        for model in (CostGroup, CostLine, FundingSource, ProgrammeAllocation):
            permissions.register(model, plan_path="plan")
        permissions.register(CostSplit, plan_path="cost_line__plan")
        permissions.register(Spending, plan_path="cost_line__plan", open_after_adoption=True)

        # Euros read as 7.843.124 on the history pages and in stale-edit messages.
        history.register_amounts(CostLine, "amount")
        history.register_amounts(CostSplit, "amount")
        history.register_amounts(FundingSource, "amount")
        history.register_amounts(ProgrammeAllocation, "amount_thousands")
        history.register_amounts(Spending, "amount")

        from strategy.adoption_checks import register_adoption_check
        from strategy.plan_copy import register_copy_hook

        from .checks import check_budget
        from .plan_copy import copy_budget

        register_copy_hook("budget", copy_budget)
        # A plan whose budget does not add up is adopted only on purpose, with a reason.
        register_adoption_check("budget", "Begroting", check_budget)
