"""Admin screens for the districts, their municipalities and each district's chapter of the plan."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core import clock, permissions
from core.admin_policy import PolicyModelAdmin, PolicyStackedInline, PolicyTabularInline
from core.imports.admin import PolicyImportExportMixin
from strategy.models import AnnualPlan, label_sections

from . import services, workflow
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
    active_norms,
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
    markdown_fields = ("text",)
    extra = 0


class DevelopmentInline(PolicyStackedInline):
    model = Development
    fields = (("order", "title"), "section", "body")
    autocomplete_fields = ("section",)
    markdown_fields = ("body",)
    extra = 0


class BaselineNormInlineForm(forms.ModelForm):
    class Meta:
        model = BaselineNorm
        fields = "__all__"  # noqa: DJ007 - the inline chooses the fields
        widgets = {"description": forms.Textarea(attrs={"rows": 2, "cols": 40})}


class BaselineNormInlineFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        # An assessed norm is retired, not deleted (districts.services, via core.permissions.frozen_reason).
        reasons = [permissions.frozen_reason(form.instance, deleting=True) for form in self.deleted_forms]
        if any(reasons):
            raise forms.ValidationError([reason for reason in reasons if reason])


class BaselineNormInline(PolicyTabularInline):
    model = BaselineNorm
    form = BaselineNormInlineForm
    formset = BaselineNormInlineFormSet
    fields = ("order", "title", "title_in_plan", "section", "description", "retired_on")
    autocomplete_fields = ("section",)
    markdown_fields = ("description",)
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

    def preload_labels(self, rows: list[Any]) -> None:
        label_sections(district_plan.section for district_plan in rows if district_plan.section_id)


class DistrictItemAdmin(PolicyModelAdmin):
    """Shared columns for the things a district plan holds, ordered as the plan prints them."""

    # Subclasses extend these, so they are any tuple of names, not exactly these.
    list_select_related: ClassVar[tuple[str, ...]] = ("district_plan__district", "district_plan__plan", "section")
    list_filter: ClassVar[tuple[str, ...]] = ("district_plan__plan", "district_plan__district")
    autocomplete_fields: ClassVar[tuple[str, ...]] = ("district_plan", "section")
    ordering = ("-district_plan__plan__year", "district_plan__district__order", "order")

    def preload_labels(self, rows: list[Any]) -> None:
        label_sections(item.section for item in rows if item.section_id)

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
    markdown_fields = ("text",)

    @admin.display(description=_("benaming"))
    def display_name(self, entry: DistrictFocusTheme) -> str:
        return entry.display_name


@admin.register(Development)
class DevelopmentAdmin(DistrictItemAdmin):
    list_display = ("title", "district", "year", "order", "section")
    search_fields = ("title", "body")
    markdown_fields = ("body",)


@admin.register(BaselineNorm)
class BaselineNormAdmin(DistrictItemAdmin):
    """A coordinator adds, renames and retires the own district's norms; the bureau those of every district."""

    list_display = ("title", "district", "year", "order", "section", "retired_on")
    list_filter = (*DistrictItemAdmin.list_filter, "retired_on")
    search_fields = ("title", "description", "district_plan__district__name")
    markdown_fields = ("description",)
    fields = ("district_plan", "order", "title", "title_in_plan", "section", "description", "retired_on")

    # Assessed norms are retired, so their assessments (and the matrices of earlier quarters) stay:
    # PolicyModelAdmin refuses deleting them (core.permissions.frozen_reason), and so does the service.

    def delete_model(self, request: HttpRequest, obj: BaselineNorm) -> None:
        services.delete_norm(norm=obj, user=request.user)

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None) -> Any:
        norm = self.get_object(request, object_id)
        if request.method == "GET" and norm is not None and norm.is_assessed and norm.retired_on is None:
            self.message_user(
                request,
                _(
                    "Deze norm heeft standen van gemeenten: vervalt hij, vul dan ‘vervallen per’ in in plaats van "
                    "hem te verwijderen."
                ),
                messages.INFO,
            )
        return super().change_view(request, object_id, form_url, extra_context)


# Basis op orde, scans and common threads --------------------------------------------------------


def _norm_guidance(request: HttpRequest) -> str:
    """What the assessment form says about the norms: above all what to do when a district has none yet."""
    user = request.user
    plan = AnnualPlan.objects.running(clock.today())
    if plan is None:
        return ""
    district_plans = DistrictPlan.objects.filter(plan=plan).select_related("district").order_by("district__order")
    if not permissions.is_bureau(user):
        district_plans = district_plans.filter(district__in=permissions.user_district_ids(user))
    active = active_norms(clock.today())
    without = [dp for dp in district_plans if not dp.norms.filter(active).exists()]
    if not without:
        return str(_("Kies een norm van het district van de gemeente; vervallen normen staan er niet bij."))
    names = ", ".join(str(dp.district) for dp in without)
    add_url = reverse("admin:districts_baselinenorm_add")
    if plan.is_adopted:
        return format_html(
            "Voor {} staan in {} nog geen normen voor de basis op orde, en het jaarplan is vastgesteld. "
            "Vraag het RIEC-bureau de normen van uw district toe te voegen (het jaarplan wordt daarvoor "
            "heropend); daarna legt u hier per gemeente de stand vast.",
            names,
            plan,
        )
    return format_html(
        'Voor {} staan in {} nog geen normen voor de basis op orde. <a href="{}">Voeg eerst de normen toe</a> '
        "(bij het districtsplan van {}); daarna kiest u hier de norm en legt u per gemeente de stand vast.",
        names,
        plan,
        add_url,
        plan.year,
    )


@admin.register(BaselineAssessment)
class BaselineAssessmentAdmin(PolicyImportExportMixin, PolicyModelAdmin):
    resource_classes = (BaselineAssessmentResource,)
    list_display = ("municipality", "norm", "district", "assessed_on", "status")
    list_select_related = ("municipality", "norm__district_plan__district", "norm__district_plan__plan")
    list_filter = ("status", "municipality__district", "norm__district_plan__plan", "assessed_on")
    search_fields = ("municipality__name", "norm__title", "note")
    autocomplete_fields = ("municipality", "norm")
    # The object tools of the list link to the round of a whole district.
    change_list_template = "admin/districts/baselineassessment/change_list.html"

    @admin.display(description=_("district"), ordering="norm__district_plan__district__order")
    def district(self, assessment: BaselineAssessment) -> str:
        return str(assessment.norm.district_plan.district)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        if "norm" in form.base_fields:
            form.base_fields["norm"].help_text = _norm_guidance(request)
        return form

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        return [
            # The round of a whole district: plain views (districts.workflow) that validate and call the service.
            path(
                "ronde/",
                view(workflow.round_index_view),
                {"site": self.admin_site},
                name="districts_baselineassessment_round_index",
            ),
            path(
                "ronde/<int:pk>/",
                view(workflow.round_view),
                {"site": self.admin_site},
                name="districts_baselineassessment_round",
            ),
            *super().get_urls(),
        ]


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
