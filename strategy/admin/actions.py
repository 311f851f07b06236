"""Admin screens for the actions: the due moment, the filters and the list in document order."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.db.models import Case, F, IntegerField, Max, Min, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core import clock
from core.admin_policy import (
    REGIONAL,
    DistrictListFilter,
    LabelledChangeList,
    PolicyModelAdmin,
    PolicyTabularInline,
    district_sort_key,
)
from core.imports.admin import PolicyImportExportMixin

from .. import services
from ..models import (
    Action,
    AnnualPlan,
    ProgressUpdate,
    Status,
    Strategy,
    label_actions,
)
from ..resources import ActionResource
from ._shared import ACTION_NUMBER_TERM, YEAR_TERM, document_order_keys, sections_numbered, split_numbers
from .progress import ProgressUpdateInline

# Actions: the due moment as a quarter and a year -------------------------------------------------

QUARTER_CHOICES = [("", "–"), *((quarter, f"Q{quarter}") for quarter in range(1, 5))]


def strategy_years(plan: AnnualPlan | None) -> range:
    """The years an action of `plan` can be due in: its strategy's period and the year after it.

    Without a plan (a new action whose section is not chosen yet), the years of every strategy.
    """
    if plan is not None:
        strategy = plan.strategy
        return range(strategy.start_year, max(strategy.end_year, plan.year) + 2)
    bounds = Strategy.objects.aggregate(first=Min("start_year"), last=Max("end_year"))
    if bounds["first"] is None:
        return range(0)
    return range(bounds["first"], bounds["last"] + 2)


UNKNOWN = object()  # no plan handed over: the form finds it from the action's section


class ActionChangeForm(forms.ModelForm):
    """Chooses "Q3" and "2024" instead of typing numbers; the year lies in the period of the plan's strategy."""

    class Meta:
        model = Action
        fields = "__all__"  # noqa: DJ007 - the admin chooses the fields
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    due_quarter = forms.TypedChoiceField(
        label=_("Gereed in kwartaal"), choices=QUARTER_CHOICES, coerce=int, empty_value=None, required=False
    )
    due_year = forms.TypedChoiceField(label=_("Gereed in jaar"), coerce=int, empty_value=None, required=False)

    def __init__(self, *args: Any, plan: object = UNKNOWN, **kwargs: Any) -> None:
        # An inline's rows are handed their section's plan by the formset (loaded once for all of them).
        self._section_plan = plan
        super().__init__(*args, **kwargs)
        if "due_year" in self.fields:
            years = list(strategy_years(self._plan()))
            current = self.instance.due_year
            if current and current not in years:
                years = sorted({*years, current})  # an earlier value stays visible, and is checked on change
            field = cast(forms.TypedChoiceField, self.fields["due_year"])
            field.choices = [("", "–"), *((year, str(year)) for year in years)]

    def _plan(self) -> AnnualPlan | None:
        if self._section_plan is not UNKNOWN:
            return cast(AnnualPlan | None, self._section_plan)
        section_id = self.instance.section_id
        if section_id is None:
            return None
        return AnnualPlan.objects.select_related("strategy").filter(sections=section_id).first()

    def clean(self) -> dict[str, Any]:
        cleaned = cast(dict[str, Any], super().clean())
        year = cleaned.get("due_year")
        section = cleaned.get("section") or (self.instance.section if self.instance.section_id else None)
        if year and section is not None and "due_year" in self.changed_data:
            plan = section.plan
            years = strategy_years(plan)
            if year not in years:
                self.add_error(
                    "due_year",
                    _("Kies een jaar van %(first)s tot en met %(last)s, de looptijd van %(strategy)s.")
                    % {"first": years[0], "last": years[-1], "strategy": plan.strategy},
                )
        if cleaned.get("due_quarter") and not year:
            self.add_error("due_year", _("Geef bij een kwartaal ook het jaar."))
        return cleaned


class ActionInlineFormSet(forms.BaseInlineFormSet):
    """The rows of a section's inline share its plan (and the plan's strategy): one query for all of them."""

    @cached_property
    def section_plan(self) -> AnnualPlan | None:
        if self.instance is None or self.instance.pk is None:
            return None
        return AnnualPlan.objects.select_related("strategy").filter(sections=self.instance.pk).first()

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "plan": self.section_plan}


class ActionInline(PolicyTabularInline):
    """The section's actions at a glance; the line, the note and the progress on the action's own page."""

    model = Action
    form = ActionChangeForm
    formset = ActionInlineFormSet
    fields = ("order", "title", "owner", "due_quarter", "due_year", "goal")
    show_change_link = True
    extra = 0


class StatusListFilter(admin.SimpleListFilter):
    """The status of the latest progress update (`ActionQuerySet.with_status`)."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return list(Status.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset.filter(Q(current_status=value)) if value else queryset


class DueListFilter(admin.SimpleListFilter):
    """The quarter (or the year) an action is due in, as the plan says it: "Q3 2024"."""

    title = _("gereed in")
    parameter_name = "gereed"
    NONE = "geen"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        moments = (
            Action.objects.filter(due_year__isnull=False).order_by().values_list("due_year", "due_quarter").distinct()
        )
        choices = [
            (f"{year}-{quarter or 0}", f"Q{quarter} {year}" if quarter else f"{year} (geen kwartaal)")
            for year, quarter in sorted(moments, key=lambda moment: (moment[0], moment[1] or 0))
        ]
        return [*choices, (self.NONE, _("geen moment vastgelegd"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if not value:
            return queryset
        if value == self.NONE:
            return queryset.filter(due_year__isnull=True)
        year, _sep, quarter = value.partition("-")
        if not (year.isdigit() and quarter.isdigit()):
            return queryset.none()
        return queryset.filter(due_year=int(year), due_quarter=int(quarter) or None)


class OverdueListFilter(admin.SimpleListFilter):
    """Past the deadline today and not done, as the dashboards count it (`Action.is_overdue`)."""

    title = _("over de deadline")
    parameter_name = "te_laat"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("ja", _("ja")), ("nee", _("nee"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        overdue = Action.objects.overdue(clock.today()).values("pk")
        if self.value() == "ja":
            return queryset.filter(pk__in=overdue)
        if self.value() == "nee":
            return queryset.exclude(pk__in=overdue)
        return queryset


STATUS_RANK = Case(
    *(When(current_status=value, then=Value(rank)) for rank, value in enumerate(Status.values)),
    output_field=IntegerField(),
)


class ActionChangeList(LabelledChangeList):
    """Newest plan first, then as the plan prints them, unless a column header is clicked."""

    def get_ordering(self, request: HttpRequest, queryset: QuerySet[Action]) -> list[Any]:
        if ORDER_VAR in self.params:
            return super().get_ordering(request, queryset)
        return ["-section__plan__year", *document_order_keys("section__"), "order", "pk"]


@admin.register(Action)
class ActionAdmin(PolicyImportExportMixin, PolicyModelAdmin):
    form = ActionChangeForm
    resource_classes = (ActionResource,)
    list_display = ("action_number", "title", "district", "plan_year", "goal_number", "owner", "due", "current_status")
    list_display_links = ("action_number", "title")
    list_filter = (
        "section__plan",
        DistrictListFilter,
        "goal",
        StatusListFilter,
        DueListFilter,
        OverdueListFilter,
    )
    search_fields = ("title", "owner", "description")
    autocomplete_fields = ("section", "goal", "programme_line")
    fieldsets = (
        (None, {"fields": ("section", "order", "title", "description", "owner")}),
        (_("Planning"), {"fields": (("due_quarter", "due_year"), "due_note", "carried_over")}),
        (_("Meerjarenstrategie"), {"fields": ("goal", "programme_line")}),
    )
    # `continues` is set by "Volgend jaarplan maken", never chosen by hand.
    readonly_fields = ("carried_over",)
    inlines = (ProgressUpdateInline,)

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return ActionChangeList

    def get_queryset(self, request: HttpRequest) -> QuerySet[Action]:
        # The status column and filter read the latest update (a subquery); the district and the due
        # moment sort on expressions; sections in document order; the section's plan for the labels.
        district_key = district_sort_key(Action)
        return (
            super()
            .get_queryset(request)
            .select_related("section__plan", "goal")
            .with_status()  # type: ignore[attr-defined]
            .annotate(
                status_rank=STATUS_RANK,
                due_key=F("due_year") * 10 + Coalesce("due_quarter", 5),
                **({"district_key": district_key} if district_key is not None else {}),
                **document_order_keys("section__"),
            )
        )

    def preload_labels(self, rows: list[Any]) -> None:
        label_actions(rows)

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Any], search_term: str) -> Any:
        # "2.2" finds the actions of 2.2 and its paragraphs, "2.2-3" the third action of 2.2.
        numbers, words = split_numbers(search_term, ACTION_NUMBER_TERM)
        queryset, may_have_duplicates = super().get_search_results(request, queryset, words)
        for term in numbers:
            section_number, _dash, order = term.partition("-")
            sections = sections_numbered(queryset, section_number, plan_path="section__plan_id")
            condition = Q(section__in=sections) & (Q(order=int(order)) if order else Q())
            if not order:  # a plain number may also be part of a text, or a plan's year
                condition |= Q(title__icontains=term) | Q(owner__icontains=term) | Q(description__icontains=term)
                if YEAR_TERM.match(term):
                    condition |= Q(section__plan__year=int(term))
            queryset = queryset.filter(condition)
        return queryset, may_have_duplicates

    @admin.display(description=_("nr."))
    def action_number(self, action: Action) -> str:
        return action.number

    @admin.display(description=_("district"), ordering="district_key")
    def district(self, action: Action) -> str:
        return action.districts_label or REGIONAL

    @admin.display(description=_("jaar"), ordering="section__plan__year")
    def plan_year(self, action: Action) -> int:
        return action.section.plan.year

    @admin.display(description=_("doel"), ordering="goal__number")
    def goal_number(self, action: Action) -> str:
        return str(action.goal.number) if action.goal else "–"

    @admin.display(description=_("gereed"), ordering="due_key")
    def due(self, action: Action) -> str:
        if action.due_to_review:
            return "te herzien"
        label = action.due_label or action.due_note
        if action.current_status != Status.DONE and action.deadline and action.deadline < clock.today():  # type: ignore[attr-defined]
            return format_html('{} <span class="late">over de deadline</span>', label)
        return label or "zonder moment"

    @admin.display(description=_("status"), ordering="status_rank")
    def current_status(self, action: Action) -> str:
        return str(Status(action.current_status).label)  # type: ignore[attr-defined]

    @admin.display(description=_("voortgezet uit"))
    def carried_over(self, action: Action) -> str:
        earlier = action.continues
        if earlier is None:
            return "–"
        latest = earlier.latest_update
        state = f"{latest.get_status_display()}, {latest.percentage} %" if latest else "geen update gemeld"
        review = "; deadline te herzien" if action.due_to_review else ""
        return format_html(
            '<a href="{}">jaarplan {}</a>, laatste stand: {}{}',
            reverse("strategy:action", args=[earlier.pk]),
            earlier.section.plan.year,
            state,
            review,
        )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not ProgressUpdate:
            super().save_formset(request, form, formset, change)
            return
        # Progress goes through the one service, row by row: the author is the user saving.
        # (The admin's change message reads what a formset's save() would have listed.)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for row in formset.forms:
            if row in formset.deleted_forms or not row.has_changed():
                continue
            row.instance.action = form.instance
            is_new = row.instance.pk is None
            update = row.report(request.user)
            if is_new:
                formset.new_objects.append(update)
            else:
                formset.changed_objects.append((update, row.changed_data))
        for row in formset.deleted_forms:
            if row.instance.pk is not None:
                formset.deleted_objects.append(row.instance)
                services.delete_progress_update(row.instance, request.user)
