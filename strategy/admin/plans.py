"""Admin screens for the yearly plans: editing, adopting, reopening and the next year's copy."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core import clock, permissions
from core.admin_policy import (
    PolicyModelAdmin,
)

from .. import plan_copy, services
from ..adoption_checks import failing_checks
from ..models import (
    AnnualPlan,
    PlanSection,
)
from ._shared import PERCENTAGE_ERRORS

# Annual plan and its sections -------------------------------------------------------------------


class StatusForm(forms.Form):
    """The form of a status change ("Vaststellen", "Heropenen") of one plan."""

    def __init__(self, *args: Any, plan: AnnualPlan, **kwargs: Any) -> None:
        self.plan = plan
        super().__init__(*args, **kwargs)

    def run(self, user: Any) -> AnnualPlan:
        raise NotImplementedError


class AdoptForm(StatusForm):
    """The adoption date (today by default); a confirmation and a reason when a check does not add up."""

    adopted_on = forms.DateField(
        label=_("Vastgesteld op"),
        # ISO, the only value an <input type="date"> accepts; the browser shows it the Dutch way.
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Vul de datum van vaststelling in.")},
    )
    accept_failing_checks = forms.BooleanField(
        label=_("Toch vaststellen, ook al kloppen deze controles niet"), required=False
    )
    reason = forms.CharField(label=_("Reden"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, plan: AnnualPlan, **kwargs: Any) -> None:
        super().__init__(*args, plan=plan, **kwargs)
        self.fields["adopted_on"].initial = clock.today()
        self.failing = failing_checks(plan)
        if not self.failing:
            # All green: the date is all there is to fill in.
            del self.fields["accept_failing_checks"]
            del self.fields["reason"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.failing:
            if not data.get("accept_failing_checks"):
                self.add_error("accept_failing_checks", services.CONFIRMATION_REQUIRED)
            elif not (data.get("reason") or "").strip():
                self.add_error("reason", services.REASON_REQUIRED)
        return data

    def run(self, user: Any) -> AnnualPlan:
        return services.adopt_plan(
            plan=self.plan,
            user=user,
            adopted_on=self.cleaned_data["adopted_on"],
            accept_failing_checks=bool(self.cleaned_data.get("accept_failing_checks")),
            reason=self.cleaned_data.get("reason", ""),
        )


class ReopenForm(StatusForm):
    reason = forms.CharField(
        label=_("Reden"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Geef aan waarom het jaarplan wordt heropend.")},
    )

    def run(self, user: Any) -> AnnualPlan:
        return services.reopen_plan(plan=self.plan, user=user, reason=self.cleaned_data["reason"])


class NextYearForm(forms.Form):
    """The intermediate page of the action "Volgend jaarplan maken"."""

    indexation = forms.DecimalField(
        label=_("Indexering kostenregels (%)"),
        localize=True,
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        help_text=_("Standaard de loon- en prijscompensatie van dit jaarplan. Dekking en tabel 4.3 blijven gelijk."),
        error_messages={**PERCENTAGE_ERRORS, "required": _("Vul het percentage in.")},
    )


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
            path(
                "<int:pk>/vaststellen/", self.admin_site.admin_view(self.adopt_view), name="strategy_annualplan_adopt"
            ),
            path(
                "<int:pk>/heropenen/", self.admin_site.admin_view(self.reopen_view), name="strategy_annualplan_reopen"
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

    def _status_view(
        self, request: HttpRequest, pk: int, *, allowed: Any, form_class: type[StatusForm], title: str
    ) -> Any:
        plan = get_object_or_404(AnnualPlan, pk=pk)
        if not allowed(request.user, plan):
            raise PermissionDenied
        form = form_class(request.POST or None, plan=plan)
        if request.method == "POST" and form.is_valid():
            try:
                form.run(request.user)
            except ValidationError as error:
                # Refused after the form's own checks (a check turned red in between): say why.
                form.add_error(None, ValidationError(error.messages))
            else:
                messages.success(request, _("%(plan)s: %(title)s gelukt.") % {"plan": plan, "title": title.lower()})
                return redirect("admin:strategy_annualplan_change", plan.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "plan": plan,
            "form": form,
            "title": f"{title}: {plan}",
        }
        return TemplateResponse(request, "admin/strategy/annualplan/status_form.html", context)

    def adopt_view(self, request: HttpRequest, pk: int) -> Any:
        return self._status_view(
            request, pk, allowed=permissions.can_adopt, form_class=AdoptForm, title=str(_("Vaststellen"))
        )

    def reopen_view(self, request: HttpRequest, pk: int) -> Any:
        return self._status_view(
            request, pk, allowed=permissions.can_reopen, form_class=ReopenForm, title=str(_("Heropenen"))
        )

    def has_next_year_permission(self, request: HttpRequest) -> bool:
        return permissions.is_bureau(request.user)

    @admin.action(description=_("Volgend jaarplan maken"), permissions=("next_year",))
    def create_next_year_plan(self, request: HttpRequest, queryset: QuerySet[AnnualPlan]) -> Any:
        """Ask the indexation on an intermediate page, then copy the plan to a concept for next year."""
        plans = list(queryset.select_related("strategy")[:2])
        if len(plans) != 1:
            self.message_user(
                request, _("Kies precies één jaarplan om het volgende jaar van te maken."), messages.ERROR
            )
            return None
        plan = plans[0]
        form = NextYearForm(
            request.POST if "apply" in request.POST else None, initial={"indexation": plan.price_compensation}
        )
        if form.is_valid():
            try:
                new_plan = plan_copy.create_next_year_plan(
                    plan=plan, user=request.user, indexation=form.cleaned_data["indexation"]
                )
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
                return None
            self.message_user(
                request,
                format_html(
                    '{} is gemaakt als concept uit {}. <a href="{}">Bekijk wat er veranderd is</a>.',
                    new_plan,
                    plan,
                    reverse("reports:compare", args=(new_plan.year, plan.year)),
                ),
                messages.SUCCESS,
            )
            return redirect("admin:strategy_annualplan_change", new_plan.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "plan": plan,
            "form": form,
            "title": _("Volgend jaarplan maken: %(plan)s") % {"plan": plan},
        }
        return TemplateResponse(request, "admin/strategy/annualplan/next_year.html", context)
