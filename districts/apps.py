from __future__ import annotations

from django.apps import AppConfig

# A section belongs to the district whose chapter holds it: the chapter itself or one of its paragraphs.
SECTION_DISTRICT = ("district_plan__district", "parent__district_plan__district")


def _via(prefix: str, paths: tuple[str, ...] = SECTION_DISTRICT) -> tuple[str, ...]:
    return tuple(prefix + path for path in paths)


class DistrictsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "districts"
    verbose_name = "Districten"

    def ready(self) -> None:
        from audit import receivers as audit_receivers
        from core import permissions
        from strategy.models import Action, PlanSection, ProgressUpdate, SectionBlock
        from strategy.plan_copy import register_copy_hook

        from .models import (
            BaselineAssessment,
            BaselineNorm,
            CommonThreadsReport,
            Development,
            District,
            DistrictFocusTheme,
            DistrictPlan,
            Municipality,
            ResilienceScan,
        )
        from .plan_copy import copy_district_plans
        from .services import assessed_norm_reason

        permissions.register_user_districts(lambda user: user.coordinated_districts.all())
        # Becoming (or no longer being) a district's coordinator is a change of rights: the audit log records it.
        audit_receivers.track_role_relation(District.coordinators.through, what="coördinator van district")
        register_copy_hook("districts", copy_district_plans)

        # Where each model finds its district: the one declaration the policy derives its lookups,
        # queryset filters and joins from. Strategy data in a district's chapter belongs to that district.
        register = permissions.register
        register(PlanSection, district_paths=SECTION_DISTRICT)
        register(Action, district_paths=_via("section__"))
        register(SectionBlock, district_paths=_via("section__"))
        register(ProgressUpdate, district_paths=_via("action__section__"))
        # A coordinator keeps the own chapter up to date, but does not delete it.
        register(
            DistrictPlan,
            plan_path="plan",
            district_paths=("district",),
            coordinator_edits=True,
            coordinator_deletes=False,
        )
        for model in (DistrictFocusTheme, Development):
            register(
                model,
                plan_path="district_plan__plan",
                district_paths=("district_plan__district",),
                coordinator_edits=True,
            )
        # A district sets its own basis-op-orde norms; they are plan text, so they freeze with the adopted plan.
        # A norm with assessments is retired (retired_on), not deleted (districts.services).
        register(
            BaselineNorm,
            plan_path="district_plan__plan",
            district_paths=("district_plan__district",),
            coordinator_edits=True,
        )
        permissions.register_frozen(BaselineNorm, assessed_norm_reason, for_delete_only=True)
        register(Municipality, district_paths=("district",))
        # Assessments and scans are progress: they continue on an adopted plan.
        for progress in (BaselineAssessment, ResilienceScan):
            register(
                progress, district_paths=("municipality__district",), coordinator_edits=True, open_after_adoption=True
            )
        register(CommonThreadsReport, district_paths=("district",), open_after_adoption=True)
