from __future__ import annotations

from django.apps import AppConfig


class StrategyConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "strategy"
    verbose_name = "Strategie"

    def ready(self) -> None:
        from core import permissions

        from . import services
        from .models import Action, AnnualPlan, Phenomenon, PlanSection, ProgressUpdate, SectionBlock

        permissions.register(AnnualPlan, is_plan=True)
        permissions.register(PlanSection, plan_path="plan")
        permissions.register(Phenomenon, plan_path="plan")
        # Plan text like the section it stands in: edited by the bureau, frozen with the adopted plan.
        permissions.register(SectionBlock, plan_path="section__plan")
        permissions.register(Action, plan_path="section__plan", coordinator_edits=True)
        permissions.register(
            ProgressUpdate, plan_path="action__section__plan", coordinator_edits=True, open_after_adoption=True
        )
        # An update in a closed quarter is part of a frozen report: not changed, not deleted, until reopened.
        permissions.register_frozen(ProgressUpdate, services.closed_quarter_reason)
