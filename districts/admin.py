"""Admin screens for the districts, their municipalities and each district's chapter of the plan."""

from __future__ import annotations

from typing import ClassVar

from django import forms
from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.admin_policy import PolicyModelAdmin, PolicyStackedInline, PolicyTabularInline
from core.imports import PolicyImportExportMixin

from .models import (
    BaselineAssessment,
    BaselineNorm,
    CommonThreadsReport,
    Development,
    District,
    DistrictFocusTheme,
    DistrictPlan,
    FocusTheme,
    Municipality,
    ResilienceScan,
)
from .resources import BaselineAssessmentResource, MunicipalityResource


class MunicipalityInline(PolicyTabularInline):
    """The district's municipalities as a plain list; details on the municipality's own page."""

    model = Municipality
    fields = ("name", "province")
    ordering = ("name",)
    show_change_link = True
    extra = 0


@admin.register(District)
class DistrictAdmin(PolicyModelAdmin):
    list_display = ("order", "name", "province", "municipality_count")
    list_display_links = ("name",)
    list_filter = ("province",)
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("coordinators",)
    inlines = (MunicipalityInline,)
    # Explicit: the model's ordering is dropped from the annotated (GROUP BY) query.
    ordering = ("order",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[District]:
        return super().get_queryset(request).annotate(municipality_total=Count("municipalities"))

    @admin.display(description=_("aantal gemeenten"), ordering="municipality_total")
    def municipality_count(self, district: District) -> int:
        return district.municipality_total  # type: ignore[attr-defined]


class MunicipalityForm(forms.ModelForm):
    class Meta:
        model = Municipality
        fields = "__all__"  # noqa: DJ007 - the admin chooses the fields
        error_messages = {"district": {"required": _("Kies het district waar de gemeente bij hoort.")}}


@admin.register(Municipality)
class MunicipalityAdmin(PolicyImportExportMixin, PolicyModelAdmin):
    form = MunicipalityForm
    resource_classes = (MunicipalityResource,)
    list_display = ("name", "district", "province")
    list_select_related = ("district",)
    list_filter = ("district", "province")
    search_fields = ("name",)
    autocomplete_fields = ("district",)


@admin.register(FocusTheme)
class FocusThemeAdmin(PolicyModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name", "description")
    prepopulated_fields = {"slug": ("name",)}


# A district's chapter of the plan ---------------------------------------------------------------


class DistrictFocusThemeInline(PolicyStackedInline):
    model = DistrictFocusTheme
    fields = (("order", "theme", "label"), "section", "text")
    autocomplete_fields = ("theme", "section")
    extra = 0


class DevelopmentInline(PolicyStackedInline):
    model = Development
    fields = (("order", "title"), "section", "body")
    autocomplete_fields = ("section",)
    extra = 0


class BaselineNormInlineForm(forms.ModelForm):
    class Meta:
        model = BaselineNorm
        fields = "__all__"  # noqa: DJ007 - the inline chooses the fields
        widgets = {"description": forms.Textarea(attrs={"rows": 2, "cols": 40})}


class BaselineNormInline(PolicyTabularInline):
    model = BaselineNorm
    form = BaselineNormInlineForm
    fields = ("order", "title", "section", "description")
    autocomplete_fields = ("section",)
    show_change_link = True
    extra = 0


@admin.register(DistrictPlan)
class DistrictPlanAdmin(PolicyModelAdmin):
    list_display = ("district", "plan", "workplan_name", "workplan_period", "section")
    list_select_related = ("district", "plan", "section")
    list_filter = ("plan", "district")
    search_fields = ("district__name", "workplan_name", "ambition")
    autocomplete_fields = ("plan", "district", "section")
    inlines = (DistrictFocusThemeInline, DevelopmentInline, BaselineNormInline)
    ordering = ("-plan__year", "district__order")


class DistrictItemAdmin(PolicyModelAdmin):
    """Shared columns for the things a district plan holds, ordered as the plan prints them."""

    # Subclasses extend these, so they are any tuple of names, not exactly these.
    list_select_related: ClassVar[tuple[str, ...]] = ("district_plan__district", "district_plan__plan", "section")
    list_filter: ClassVar[tuple[str, ...]] = ("district_plan__plan", "district_plan__district")
    autocomplete_fields: ClassVar[tuple[str, ...]] = ("district_plan", "section")
    ordering = ("-district_plan__plan__year", "district_plan__district__order", "order")

    @admin.display(description=_("district"), ordering="district_plan__district__order")
    def district(self, item: DistrictFocusTheme | Development | BaselineNorm) -> str:
        return str(item.district_plan.district)

    @admin.display(description=_("jaar"), ordering="district_plan__plan__year")
    def year(self, item: DistrictFocusTheme | Development | BaselineNorm) -> int:
        return item.district_plan.plan.year


@admin.register(DistrictFocusTheme)
class DistrictFocusThemeAdmin(DistrictItemAdmin):
    list_display = ("display_name", "theme", "district", "year", "order", "section")
    list_select_related = (*DistrictItemAdmin.list_select_related, "theme")
    list_filter = (*DistrictItemAdmin.list_filter, "theme")
    search_fields = ("label", "theme__name", "text")
    autocomplete_fields = ("district_plan", "theme", "section")

    @admin.display(description=_("benaming"))
    def display_name(self, entry: DistrictFocusTheme) -> str:
        return entry.display_name


@admin.register(Development)
class DevelopmentAdmin(DistrictItemAdmin):
    list_display = ("title", "district", "year", "order", "section")
    search_fields = ("title", "body")


@admin.register(BaselineNorm)
class BaselineNormAdmin(DistrictItemAdmin):
    list_display = ("title", "district", "year", "order", "section")
    search_fields = ("title", "description", "district_plan__district__name")


# Basis op orde, scans and common threads --------------------------------------------------------


@admin.register(BaselineAssessment)
class BaselineAssessmentAdmin(PolicyImportExportMixin, PolicyModelAdmin):
    resource_classes = (BaselineAssessmentResource,)
    list_display = ("municipality", "norm", "district", "assessed_on", "status")
    list_select_related = ("municipality", "norm__district_plan__district")
    list_filter = ("status", "municipality__district", "norm__district_plan__plan", "assessed_on")
    search_fields = ("municipality__name", "norm__title", "note")
    autocomplete_fields = ("municipality", "norm")

    @admin.display(description=_("district"), ordering="norm__district_plan__district__order")
    def district(self, assessment: BaselineAssessment) -> str:
        return str(assessment.norm.district_plan.district)


@admin.register(ResilienceScan)
class ResilienceScanAdmin(PolicyModelAdmin):
    list_display = ("municipality", "district", "year", "is_delivered", "delivered_on")
    list_select_related = ("municipality__district",)
    list_filter = ("year", "is_delivered", "municipality__district")
    search_fields = ("municipality__name", "note")
    autocomplete_fields = ("municipality",)

    @admin.display(description=_("district"), ordering="municipality__district__order")
    def district(self, scan: ResilienceScan) -> str:
        return str(scan.municipality.district)


@admin.register(CommonThreadsReport)
class CommonThreadsReportAdmin(PolicyModelAdmin):
    list_display = ("district", "year", "status", "due_quarter", "delivered_on")
    list_select_related = ("district",)
    list_filter = ("district", "year", "status")
    search_fields = ("district__name", "note")
    autocomplete_fields = ("district",)
