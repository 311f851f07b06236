"""The districts' part of next year's plan: each district's chapter and what is printed in it.

Registered as a copy hook in `DistrictsConfig.ready()`; `strategy.plan_copy` runs it after it has
copied the sections, so every district plan is linked to the copy of its own section.
Assessments and scans are progress, not plan text: they stay with the year they were made in.
"""

from __future__ import annotations

from strategy.models import PlanSection
from strategy.plan_copy import PlanCopy, saved

from .models import BaselineNorm, Development, DistrictFocusTheme, DistrictPlan


def copy_district_plans(copy: PlanCopy) -> None:
    sections = copy.sections

    def section(old_id: int | None) -> PlanSection | None:
        return sections[old_id] if old_id else None

    district_plans: dict[int, DistrictPlan] = {}
    for old in DistrictPlan.objects.filter(plan=copy.source).select_related("district").order_by("district__order"):
        district_plans[old.pk] = saved(
            DistrictPlan(
                plan=copy.target,
                district=old.district,
                section=sections[old.section_id],
                workplan_name=old.workplan_name,
                workplan_period=old.workplan_period,
                ambition=old.ambition,
            )
        )

    for entry in DistrictFocusTheme.objects.filter(district_plan__plan=copy.source).select_related("theme"):
        saved(
            DistrictFocusTheme(
                district_plan=district_plans[entry.district_plan_id],
                theme=entry.theme,
                label=entry.label,
                section=section(entry.section_id),
                order=entry.order,
                text=entry.text,
            )
        )
    for development in Development.objects.filter(district_plan__plan=copy.source):
        saved(
            Development(
                district_plan=district_plans[development.district_plan_id],
                section=section(development.section_id),
                order=development.order,
                title=development.title,
                body=development.body,
            )
        )
    for norm in BaselineNorm.objects.filter(district_plan__plan=copy.source):
        saved(
            BaselineNorm(
                district_plan=district_plans[norm.district_plan_id],
                section=section(norm.section_id),
                order=norm.order,
                title=norm.title,
                description=norm.description,
            )
        )
