"""Admin screens for the strategy, its yearly plans, sections, actions and progress."""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core import permissions
from core.admin_policy import PolicyModelAdmin, PolicyTabularInline
from core.imports import PolicyImportExportMixin

from . import services
from .models import (
    Action,
    AnnualPlan,
    Goal,
    Phenomenon,
    PlanSection,
    ProgrammeLine,
    ProgressUpdate,
    Strategy,
)
from .resources import ActionResource

PERCENTAGE_ERRORS = {
    "min_value": _("Een percentage ligt tussen 0 en 100."),
    "max_value": _("Een percentage ligt tussen 0 en 100."),
}

# The jaarplan goes three levels deep (4 Begroting, 4.1 Wat kost het?, 4.1.1 ...); deeper
# sections still sort under their grandparent, only their place among deeper siblings is approximate.
DOCUMENT_DEPTH = 3


def document_order_keys(prefix: str = "") -> dict[str, Case]:
    """Annotations that sort sections as the plan prints them: chapter, paragraph, subparagraph.

    Key i is the `order` of the section's ancestor at level i, or -1 when the section is shallower,
    so a chapter sorts before its paragraphs. `prefix` reaches the section from another model.
    """
    keys: dict[str, Case] = {}
    for level in range(1, DOCUMENT_DEPTH + 1):
        whens = []
        for depth in range(1, DOCUMENT_DEPTH):
            at_depth = Q(**{f"{prefix}{'parent__' * (depth - 1)}parent__isnull": True})
            value = F(f"{prefix}{'parent__' * (depth - level)}order") if level <= depth else Value(-1)
            whens.append(When(at_depth, then=value))
        default = F(f"{prefix}{'parent__' * (DOCUMENT_DEPTH - level)}order")
        keys[f"document_key_{level}"] = Case(*whens, default=default, output_field=IntegerField())
    return keys


# Strategy ---------------------------------------------------------------------------------------


class GoalInline(PolicyTabularInline):
    model = Goal
    fields = ("number", "short_title", "title")
    extra = 0


class ProgrammeLineInline(PolicyTabularInline):
    model = ProgrammeLine
    fields = ("number", "title", "goal")
    autocomplete_fields = ("goal",)
    extra = 0


@admin.register(Strategy)
class StrategyAdmin(PolicyModelAdmin):
    list_display = ("name", "subtitle", "start_year", "end_year")
    search_fields = ("name", "subtitle")
    inlines = (GoalInline, ProgrammeLineInline)


@admin.register(Goal)
class GoalAdmin(PolicyModelAdmin):
    list_display = ("number", "short_title", "title", "strategy")
    list_display_links = ("number", "short_title")
    list_select_related = ("strategy",)
    list_filter = ("strategy",)
    search_fields = ("short_title", "title")
    autocomplete_fields = ("strategy",)
    ordering = ("strategy__start_year", "number")


@admin.register(ProgrammeLine)
class ProgrammeLineAdmin(PolicyModelAdmin):
    list_display = ("number", "title", "goal", "strategy")
    list_display_links = ("number", "title")
    list_select_related = ("strategy", "goal")
    list_filter = ("strategy",)
    search_fields = ("title",)
    autocomplete_fields = ("strategy", "goal")
    ordering = ("strategy__start_year", "number")


# Annual plan and its sections -------------------------------------------------------------------


class AdoptForm(forms.Form):
    adopted_on = forms.DateField(
        label=_("Vastgesteld op"), initial=datetime.date.today, widget=forms.DateInput(attrs={"type": "date"})
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Reden"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Geef aan waarom het jaarplan wordt heropend.")},
    )


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

    # Status changes only through "Vaststellen" and "Heropenen", so each one is recorded.
    readonly_fields = ("status_display",)
    change_form_template = "admin/strategy/annualplan/change_form.html"

    @admin.display(description=_("status"))
    def status_display(self, plan: AnnualPlan) -> str:
        if plan.status == AnnualPlan.Status.ADOPTED and plan.adopted_on:
            return _("vastgesteld op %(date)s") % {"date": plan.adopted_on.strftime("%d-%m-%Y")}
        return str(plan.get_status_display())

    def get_urls(self) -> list[Any]:
        from django.urls import path

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
        self, request: HttpRequest, pk: int, *, allowed: Any, form_class: Any, title: str, run: Any
    ) -> Any:
        from django.contrib import messages
        from django.core.exceptions import PermissionDenied
        from django.shortcuts import get_object_or_404, redirect
        from django.template.response import TemplateResponse

        plan = get_object_or_404(AnnualPlan, pk=pk)
        if not allowed(request.user, plan):
            raise PermissionDenied
        form = form_class(request.POST or None)
        if request.method == "POST" and form.is_valid():
            run(plan, form.cleaned_data)
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
            request,
            pk,
            allowed=permissions.can_adopt,
            form_class=AdoptForm,
            title=str(_("Vaststellen")),
            run=lambda plan, data: services.adopt_plan(plan=plan, user=request.user, adopted_on=data["adopted_on"]),
        )

    def reopen_view(self, request: HttpRequest, pk: int) -> Any:
        return self._status_view(
            request,
            pk,
            allowed=permissions.can_reopen,
            form_class=ReopenForm,
            title=str(_("Heropenen")),
            run=lambda plan, data: services.reopen_plan(plan=plan, user=request.user, reason=data["reason"]),
        )

    def has_next_year_permission(self, request: HttpRequest) -> bool:
        return permissions.is_bureau(request.user)

    @admin.action(description=_("Volgend jaarplan maken"), permissions=("next_year",))
    def create_next_year_plan(self, request: HttpRequest, queryset: QuerySet[AnnualPlan]) -> Any:
        """Ask the indexation on an intermediate page, then copy the plan to a concept for next year."""
        from django.contrib import messages
        from django.core.exceptions import ValidationError
        from django.shortcuts import redirect
        from django.template.response import TemplateResponse
        from django.urls import reverse
        from django.utils.html import format_html

        from .plan_copy import create_next_year_plan

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
                new_plan = create_next_year_plan(
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


class ActionInline(PolicyTabularInline):
    model = Action
    fields = ("order", "title", "owner", "due_year", "due_quarter", "goal", "programme_line")
    autocomplete_fields = ("goal", "programme_line")
    show_change_link = True
    extra = 0


class NumberedSectionChangeList(ChangeList):
    """Lists sections in document order, each with its derived number (one query for all plans shown)."""

    def get_ordering(self, request: HttpRequest, queryset: QuerySet[PlanSection]) -> list[Any]:
        if ORDER_VAR in self.params:  # the user clicked a column header
            return super().get_ordering(request, queryset)
        return ["plan", *document_order_keys(), "pk"]

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        page = list(self.result_list)
        plan_ids = {section.plan_id for section in page}
        by_plan: dict[int, list[PlanSection]] = defaultdict(list)
        for section in PlanSection.objects.filter(plan_id__in=plan_ids).only("pk", "plan_id", "parent_id", "order"):
            by_plan[section.plan_id].append(section)
        numbers: dict[int, str] = {}
        for sections in by_plan.values():
            numbers.update((s.pk, s.number) for s in PlanSection.objects.numbered(sections))
        for section in page:
            section.number = numbers.get(section.pk, "")
        self.result_list = page


@admin.register(PlanSection)
class PlanSectionAdmin(PolicyModelAdmin):
    list_display = ("section_number", "title", "plan", "slug", "goal", "programme_line", "table")
    list_display_links = ("section_number", "title")
    list_select_related = ("plan", "goal", "programme_line")
    list_filter = ("plan", "table", "goal")
    search_fields = ("title", "slug")
    autocomplete_fields = ("plan", "parent", "goal", "programme_line")
    prepopulated_fields = {"slug": ("title",)}
    inlines = (ActionInline,)
    fields = ("plan", "parent", "order", "title", "slug", "goal", "programme_line", "table", "body")

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return NumberedSectionChangeList

    def get_queryset(self, request: HttpRequest) -> QuerySet[PlanSection]:
        return super().get_queryset(request).annotate(**document_order_keys())

    @admin.display(description=_("nummer"))
    def section_number(self, section: PlanSection) -> str:
        # Set for the whole page by NumberedSectionChangeList; never a query per row.
        return section.__dict__.get("_number", "")


# Actions and progress ---------------------------------------------------------------------------


class ProgressUpdateForm(forms.ModelForm):
    class Meta:
        model = ProgressUpdate
        fields = "__all__"  # noqa: DJ007 - the admin chooses the fields
        error_messages = {"percentage": PERCENTAGE_ERRORS}
        widgets = {"narrative": forms.Textarea(attrs={"rows": 2, "cols": 40})}


class ProgressUpdateInline(PolicyTabularInline):
    model = ProgressUpdate
    form = ProgressUpdateForm
    fields = ("date", "status", "percentage", "narrative", "author")
    autocomplete_fields = ("author",)
    extra = 0


def _fill_author(request: HttpRequest, update: ProgressUpdate) -> None:
    if update.author_id is None and request.user.is_authenticated:
        update.author = request.user  # type: ignore[assignment]


@admin.register(Action)
class ActionAdmin(PolicyImportExportMixin, PolicyModelAdmin):
    resource_classes = (ActionResource,)
    list_display = ("title", "section", "plan_year", "owner", "due", "current_status")
    list_select_related = ("section__plan",)
    list_filter = ("section__plan", "goal", "programme_line", "due_year", "due_quarter")
    search_fields = ("title", "owner", "description")
    autocomplete_fields = ("section", "goal", "programme_line")
    inlines = (ProgressUpdateInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Action]:
        # The status column is the latest update: prefetched in one query for the page.
        return super().get_queryset(request).with_latest_update()  # type: ignore[attr-defined]

    @admin.display(description=_("jaarplan"), ordering="section__plan__year")
    def plan_year(self, action: Action) -> int:
        return action.section.plan.year

    @admin.display(description=_("gereed"))
    def due(self, action: Action) -> str:
        return action.due_label or action.due_note

    @admin.display(description=_("status"))
    def current_status(self, action: Action) -> str:
        return action.get_status_display()

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        updates = formset.save(commit=False)
        for update in updates:
            if isinstance(update, ProgressUpdate):
                _fill_author(request, update)
            update.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(PolicyModelAdmin):
    form = ProgressUpdateForm
    list_display = ("action", "date", "status", "percentage", "author")
    list_select_related = ("action", "author")
    list_filter = ("status", "action__section__plan", "date")
    search_fields = ("action__title", "narrative")
    autocomplete_fields = ("action", "author")
    readonly_fields = ("created_at",)

    def save_model(self, request: HttpRequest, obj: ProgressUpdate, form: Any, change: bool) -> None:
        _fill_author(request, obj)
        super().save_model(request, obj, form, change)


@admin.register(Phenomenon)
class PhenomenonAdmin(PolicyModelAdmin):
    list_display = ("name", "category", "order", "plan", "section")
    list_select_related = ("plan", "section")
    list_filter = ("plan", "category")
    search_fields = ("name", "description")
    autocomplete_fields = ("plan", "section")
    ordering = ("-plan__year", "category", "order")
