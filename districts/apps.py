from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models import Q


def _section_district_ids(section: Any) -> set[int]:
    """The district whose chapter holds this section (the chapter itself or one of its paragraphs)."""
    for candidate in (section, section.parent):
        district_plan = getattr(candidate, "district_plan", None) if candidate is not None else None
        if district_plan is not None:
            return {district_plan.district_id}
    return set()


class DistrictsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "districts"
    verbose_name = "Districten"

    def ready(self) -> None:
        from core import permissions
        from strategy.models import Action, PlanSection, ProgressUpdate

        from .models import (
            BaselineAssessment,
            BaselineNorm,
            CommonThreadsReport,
            Development,
            DistrictFocusTheme,
            DistrictPlan,
            Municipality,
            ResilienceScan,
        )

        permissions.register_user_districts(lambda user: set(user.coordinated_districts.values_list("pk", flat=True)))

        from strategy.plan_copy import register_copy_hook

        from .plan_copy import copy_district_plans

        register_copy_hook("districts", copy_district_plans)

        def in_sections(prefix: str) -> Any:
            return lambda ids: (
                Q(**{f"{prefix}district_plan__district__in": ids})
                | Q(**{f"{prefix}parent__district_plan__district__in": ids})
            )

        # Strategy data that lives in a district's chapter belongs to that district.
        permissions.register(PlanSection, district=_section_district_ids, district_filter=in_sections(""))
        permissions.register(
            Action, district=lambda a: _section_district_ids(a.section), district_filter=in_sections("section__")
        )
        permissions.register(
            ProgressUpdate,
            district=lambda u: _section_district_ids(u.action.section),
            district_filter=in_sections("action__section__"),
        )

        own = {"coordinator_edits": True}
        permissions.register(
            DistrictPlan,
            plan_path="plan",
            district=lambda d: {d.district_id},
            district_filter=lambda ids: Q(district__in=ids),
            **own,
        )
        for model in (DistrictFocusTheme, Development):
            permissions.register(
                model,
                plan_path="district_plan__plan",
                district=lambda item: {item.district_plan.district_id},
                district_filter=lambda ids: Q(district_plan__district__in=ids),
                **own,
            )
        # Norms are part of the adopted plan text: the bureau keeps them.
        permissions.register(
            BaselineNorm,
            plan_path="district_plan__plan",
            district=lambda n: {n.district_plan.district_id},
            district_filter=lambda ids: Q(district_plan__district__in=ids),
        )
        permissions.register(
            Municipality, district=lambda m: {m.district_id}, district_filter=lambda ids: Q(district__in=ids)
        )
        # Assessments and scans are progress: they continue on an adopted plan.
        permissions.register(
            BaselineAssessment,
            district=lambda a: {a.municipality.district_id},
            district_filter=lambda ids: Q(municipality__district__in=ids),
            open_after_adoption=True,
            **own,
        )
        permissions.register(
            ResilienceScan,
            district=lambda s: {s.municipality.district_id},
            district_filter=lambda ids: Q(municipality__district__in=ids),
            open_after_adoption=True,
            **own,
        )
        permissions.register(
            CommonThreadsReport,
            district=lambda r: {r.district_id},
            district_filter=lambda ids: Q(district__in=ids),
            open_after_adoption=True,
        )
