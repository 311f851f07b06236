"""Admin screens for the yearly plans: editing, adopting, reopening and the next year's copy."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import path
from django.utils.translation import gettext_lazy as _

from core import permissions
from core.admin_policy import (
    PolicyModelAdmin,
)

from ..models import (
    AnnualPlan,
    PlanSection,
)
from . import workflow
from ._shared import PERCENTAGE_ERRORS

# Annual plan and its sections -------------------------------------------------------------------


class AnnualPlanForm(forms.ModelForm):
    class Meta:
        model = AnnualPlan
        fields = "__all__"  # noqa: DJ007 - the admin's fieldsets choose what is shown
        error_messages = {"price_compensation": PERCENTAGE_ERRORS}


# What the table of contents on the plan's page needs of a section.
OUTLINE_FIELDS = ("pk", "plan_id", "parent_id", "order", "title")


@admin.register(AnnualPlan)
class AnnualPlanAdmin(PolicyModelAdmin):
    form = AnnualPlanForm
    list_display = ("year", "title", "strategy", "status", "adopted_on", "price_compensation")
    list_display_links = ("year", "title")
    list_select_related = ("strategy",)
    list_filter = ("status", "strategy")
    search_fields = ("title", "year")
    autocomplete_fields = ("strategy",)
    # No inline of the sections: 45 rows of form fields made this the slowest page of the admin
    # (1.6 s, 196 KB). The change page lists them as a numbered table of contents instead, each
    # linking to the section's own page, where its text, place and order are edited.
    actions = ("create_next_year_plan",)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "strategy",
                    "year",
                    "title",
                    "organisation",
                    "status_display",
                    "price_compensation",
                )
            },
        ),
        (
            _("Voorwoord"),
            {"fields": ("foreword_salutation", "foreword", "foreword_signatory", "foreword_signatory_role")},
        ),
        (_("Leeswijzer"), {"fields": ("reading_guide",)}),
    )

    markdown_fields = ("foreword", "reading_guide")
    # Status changes only through "Vaststellen" and "Heropenen", so each one is recorded.
    readonly_fields = ("status_display",)
    change_form_template = "admin/strategy/annualplan/change_form.html"

    @admin.display(description=_("status"))
    def status_display(self, plan: AnnualPlan) -> str:
        if plan.status == AnnualPlan.Status.ADOPTED and plan.adopted_on:
            return _("vastgesteld op %(date)s") % {"date": plan.adopted_on.strftime("%d-%m-%Y")}
        return str(plan.get_status_display())

    def get_urls(self) -> list[Any]:
        return [
            # "Vaststellen" and "Heropenen": plain views (workflow.py) that validate a form and call the service.
            path(
                "<int:pk>/vaststellen/",
                self.admin_site.admin_view(workflow.adopt_plan_view),
                {"site": self.admin_site},
                name="strategy_annualplan_adopt",
            ),
            path(
                "<int:pk>/heropenen/",
                self.admin_site.admin_view(workflow.reopen_plan_view),
                {"site": self.admin_site},
                name="strategy_annualplan_reopen",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None) -> Any:
        plan = self.get_object(request, object_id)
        extra = {
            "can_adopt": plan is not None and permissions.can_adopt(request.user, plan),
            "can_reopen": plan is not None and permissions.can_reopen(request.user, plan),
            # Query: the outline of the plan's sections, numbered and in document order.
            "sections": None if plan is None else PlanSection.objects.numbered(plan.sections.only(*OUTLINE_FIELDS)),
            "can_add_section": plan is not None
            and permissions.can_add(request.user, PlanSection)
            and permissions.can_change(request.user, plan),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra)

    def has_next_year_permission(self, request: HttpRequest) -> bool:
        return permissions.is_bureau(request.user)

    @admin.action(description=_("Volgend jaarplan maken"), permissions=("next_year",))
    def create_next_year_plan(self, request: HttpRequest, queryset: QuerySet[AnnualPlan]) -> Any:
        """Ask the indexation on an intermediate page, then copy the plan (workflow.next_year_view)."""
        return workflow.next_year_view(request, queryset, site=self.admin_site)
