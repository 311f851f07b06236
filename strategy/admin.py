"""Admin screens for the strategy, its yearly plans, sections, actions and progress."""

from __future__ import annotations

import datetime
import re
from typing import Any, cast

from django import forms
from django.contrib import admin
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import Case, F, IntegerField, Max, Min, Model, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core import clock, memo, permissions
from core.admin_policy import (
    REGIONAL,
    DistrictListFilter,
    LabelledChangeList,
    PolicyModelAdmin,
    PolicyTabularInline,
    district_sort_key,
)
from core.imports.admin import PolicyImportExportMixin
from core.markup import render_markdown

from . import services
from .adoption_checks import failing_checks
from .forms import ProgressUpdateForm
from .models import (
    FIGURE_MAX_BYTES,
    Action,
    ActionSnapshot,
    AnnualPlan,
    Goal,
    Phenomenon,
    PlanSection,
    ProgrammeLine,
    ProgressUpdate,
    QuarterClose,
    SectionBlock,
    SentReminder,
    Status,
    Strategy,
    action_districts,
    plan_outline,
    plan_outlines,
    preload_labels,
)
from .resources import ActionResource, ProgressUpdateResource

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
        self, request: HttpRequest, pk: int, *, allowed: Any, form_class: type[StatusForm], title: str
    ) -> Any:
        from django.contrib import messages
        from django.core.exceptions import PermissionDenied, ValidationError
        from django.shortcuts import get_object_or_404, redirect
        from django.template.response import TemplateResponse

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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "due_year" in self.fields:
            years = list(strategy_years(self._plan()))
            current = self.instance.due_year
            if current and current not in years:
                years = sorted({*years, current})  # an earlier value stays visible, and is checked on change
            field = cast(forms.TypedChoiceField, self.fields["due_year"])
            field.choices = [("", "–"), *((year, str(year)) for year in years)]

    def _plan(self) -> AnnualPlan | None:
        section_id = self.instance.section_id
        if section_id is None:
            return None
        # The rows of a section's inline share the plan: one query per request (core.memo).
        return memo.remember(
            ("strategy.plan_of_section", section_id),
            lambda: AnnualPlan.objects.select_related("strategy").filter(sections=section_id).first(),
        )

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


class ActionInline(PolicyTabularInline):
    """The section's actions at a glance; the line, the note and the progress on the action's own page."""

    model = Action
    form = ActionChangeForm
    fields = ("order", "title", "owner", "due_quarter", "due_year", "goal")
    show_change_link = True
    extra = 0


# Sections ---------------------------------------------------------------------------------------

# A section is picked by its number ("3.2.2", or "2.2" for 2.2 and its paragraphs) or a plan's year.
NUMBER_TERM = re.compile(r"^\d+(\.\d+)*\.?$")
YEAR_TERM = re.compile(r"^20\d\d$")
ACTION_NUMBER_TERM = re.compile(r"^\d+(\.\d+)*(\.|-\d+)?$")
PREVIEW = "_preview"


def split_numbers(search_term: str, pattern: re.Pattern[str] = NUMBER_TERM) -> tuple[list[str], str]:
    """The terms that look like a number ("3.2.2"), and the words, which Django's search looks up."""
    terms = search_term.split()
    numbers = [term for term in terms if pattern.match(term)]
    return numbers, " ".join(term for term in terms if term not in numbers)


def sections_numbered(sections: QuerySet[Any], number: str, plan_path: str = "plan_id") -> list[int]:
    """The ids of the sections (of the plans in `sections`) numbered `number` or below it ("2.2" and "2.2.1")."""
    number = number.rstrip(".")
    plan_ids = set(sections.order_by().values_list(plan_path, flat=True).distinct())
    return [
        pk
        for outline in plan_outlines(plan_ids).values()
        for pk, section_number in outline.numbers.items()
        if section_number == number or section_number.startswith(f"{number}.")
    ]


class NumberedSectionChangeList(LabelledChangeList):
    """Lists sections in document order (newest plan first) unless a column header is clicked."""

    def get_ordering(self, request: HttpRequest, queryset: QuerySet[PlanSection]) -> list[Any]:
        if ORDER_VAR in self.params:  # the user clicked a column header
            return super().get_ordering(request, queryset)
        return ["-plan__year", *document_order_keys(), "pk"]


class PreviewOnlyForm:
    """Checks and shows what was typed, but never counts as valid: a preview saves nothing."""

    def is_valid(self) -> bool:
        super().is_valid()  # type: ignore[misc]  # the errors, if any, are shown with the preview
        return False


class SectionBlockForm(forms.ModelForm):
    """A block of text or a figure; an image is uploaded as a file, checked with Pillow and kept in the database."""

    upload = forms.FileField(
        label=_("afbeelding uploaden"),
        required=False,
        help_text=_("PNG of JPEG, hoogstens 2 MB en 4000 bij 4000 pixels."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
    )

    class Meta:
        model = SectionBlock
        fields = ("section", "after_items", "order", "text", "caption", "alt_text")
        widgets = {"text": forms.Textarea(attrs={"rows": 4})}

    def clean_upload(self) -> Any:
        upload = self.cleaned_data.get("upload")
        if upload:
            if upload.size > FIGURE_MAX_BYTES:
                raise forms.ValidationError(_("De afbeelding is groter dan 2 MB."))
            self.instance.set_image(upload.read())
        return upload


@admin.register(SectionBlock)
class SectionBlockAdmin(PolicyModelAdmin):
    """Text or a figure between a section's items; its own page, so the section's form stays as it was."""

    form = SectionBlockForm
    list_display = ("__str__", "section", "after_items", "order", "has_image")
    list_select_related = ("section", "section__plan")
    list_filter = ("section__plan",)
    search_fields = ("text", "caption", "section__title")
    autocomplete_fields = ("section",)
    fields = ("section", "after_items", "order", "text", "caption", "alt_text", "upload")

    def get_queryset(self, request: HttpRequest) -> QuerySet[SectionBlock]:
        # The image itself is not needed to list or edit a block: only its SHA-256.
        return super().get_queryset(request).defer("image")

    def preload_labels(self, rows: list[Any]) -> None:
        preload_labels(block.section.plan_id for block in rows)

    @admin.display(description=_("afbeelding"), boolean=True)
    def has_image(self, block: SectionBlock) -> bool:
        return bool(block.image_sha256)


class PlanSectionForm(forms.ModelForm):
    class Meta:
        model = PlanSection
        fields = "__all__"  # noqa: DJ007 - the admin's fieldsets choose what is shown
        widgets = {"body": forms.Textarea(attrs={"rows": 22, "class": "markdown-editor"})}


@admin.register(PlanSection)
class PlanSectionAdmin(PolicyModelAdmin):
    form = PlanSectionForm
    list_display = ("section_number", "title", "district", "plan_year", "goal", "programme_line", "table")
    list_display_links = ("section_number", "title")
    list_select_related = ("plan", "goal", "programme_line")
    list_filter = ("plan", DistrictListFilter, "table", "goal")
    search_fields = ("title", "slug")
    autocomplete_fields = ("plan", "parent", "goal", "programme_line")
    prepopulated_fields = {"slug": ("title",)}
    inlines = (ActionInline,)
    # The text first and large: writing it is what this page is for.
    fieldsets = (
        (None, {"fields": ("title", "body")}),
        (_("Plaats in het jaarplan"), {"fields": ("plan", "parent", "order", "slug")}),
        (_("Doel en begroting"), {"fields": ("goal", "programme_line", "table")}),
    )
    markdown_fields = ("body",)
    change_form_template = "admin/strategy/plansection/change_form.html"
    # "Voorbeeld" and "Opslaan" above the text as well as below it.
    save_on_top = True

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return NumberedSectionChangeList

    def get_queryset(self, request: HttpRequest) -> QuerySet[PlanSection]:
        # Document order, newest plan first: the order of the list and of the autocomplete's answers.
        keys = document_order_keys()
        return super().get_queryset(request).annotate(**keys).order_by("-plan__year", *keys, "pk")

    def preload_labels(self, rows: list[Any]) -> None:
        preload_labels(section.plan_id for section in rows)

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Any], search_term: str) -> Any:
        numbers, words = split_numbers(search_term)
        queryset, may_have_duplicates = super().get_search_results(request, queryset, words)
        for term in numbers:
            condition = Q(pk__in=sections_numbered(queryset, term)) | Q(title__icontains=term)
            if YEAR_TERM.match(term):
                condition |= Q(plan__year=int(term))
            queryset = queryset.filter(condition)
        return queryset, may_have_duplicates

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        if request.method == "POST" and PREVIEW in request.POST:
            return type(form.__name__, (PreviewOnlyForm, form), {})
        return form

    def render_change_form(
        self, request: HttpRequest, context: dict[str, Any], add: bool = False, change: bool = False, **kwargs: Any
    ) -> Any:
        form = context["adminform"].form
        if request.method == "POST" and PREVIEW in request.POST and "body" in form.fields:
            # The same Markdown and sanitising as the report: what you see is what the plan will show.
            context["markdown_preview"] = render_markdown(form["body"].value() or "")
            context["preview_title"] = form["title"].value() if "title" in form.fields else ""
        return super().render_change_form(request, context, add=add, change=change, **kwargs)

    @admin.display(description=_("nummer"))
    def section_number(self, section: PlanSection) -> str:
        return section.number  # from the plan's outline, loaded once for the page

    @admin.display(description=_("district"))
    def district(self, section: PlanSection) -> str:
        return plan_outline(section.plan_id).districts.get(section.pk, "") or "–"

    @admin.display(description=_("jaar"), ordering="plan__year")
    def plan_year(self, section: PlanSection) -> int:
        return section.plan.year


# Actions and progress ---------------------------------------------------------------------------


class ProgressUpdateInlineFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        for form in self.deleted_forms:
            update = form.instance
            if update.pk is not None and _in_closed_quarter(update):
                raise forms.ValidationError(
                    _("De update van %(date)s valt in een afgesloten kwartaal en kan niet worden verwijderd.")
                    % {"date": update.date.strftime("%d-%m-%Y")}
                )


class ProgressUpdateInline(PolicyTabularInline):
    """Updates under their action; the author is whoever saves a row (services.report_progress)."""

    model = ProgressUpdate
    form = ProgressUpdateForm
    formset = ProgressUpdateInlineFormSet
    fields = ("date", "status", "percentage", "narrative", "author")
    readonly_fields = ("author",)
    extra = 0


def _in_closed_quarter(update: ProgressUpdate) -> bool:
    return update.date is not None and QuarterClose.objects.closing(update.date) is not None


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
        preload_labels((action.section.plan_id for action in rows), actions=True)

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
        return action_districts(action.section.plan_id).get(action.pk) or REGIONAL

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
                row.instance.delete()


class AdminProgressUpdateForm(ProgressUpdateForm):
    """The admin's form also picks the action; the rules are those of every progress form."""

    class Meta(ProgressUpdateForm.Meta):
        fields = ["action", "date", "status", "percentage", "narrative"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("action") is not None:
            self.instance.action = cleaned["action"]
        return cleaned


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(PolicyImportExportMixin, PolicyModelAdmin):
    form = AdminProgressUpdateForm
    resource_classes = (ProgressUpdateResource,)
    fields = ("action", "date", "status", "percentage", "narrative", "author", "created_at")
    list_display = ("action", "date", "status", "percentage", "author")
    list_select_related = ("action__section", "author")
    list_filter = ("status", "action__section__plan", "date")
    search_fields = ("action__title", "narrative")
    autocomplete_fields = ("action",)
    # Whoever saves the update is its author (services.report_progress); nobody picks one.
    readonly_fields = ("author", "created_at")
    ordering = ("-date", "-pk")

    def preload_labels(self, rows: list[Any]) -> None:
        preload_labels((update.action.section.plan_id for update in rows), actions=True)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # An update in a closed quarter is part of a frozen report: view only, until the bureau reopens it.
        if isinstance(obj, ProgressUpdate) and _in_closed_quarter(obj):
            return False
        return super().has_change_permission(request, obj)

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> Any:
        # Refused here, not in has_delete_permission: deleting a whole action still takes its updates.
        from django.contrib import messages
        from django.shortcuts import redirect

        update = self.get_object(request, object_id)
        if update is not None and _in_closed_quarter(update):
            self.message_user(
                request,
                _("Deze update valt in een afgesloten kwartaal en kan niet worden verwijderd."),
                messages.ERROR,
            )
            return redirect("admin:strategy_progressupdate_change", update.pk)
        return super().delete_view(request, object_id, extra_context)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ProgressUpdate]) -> None:
        if any(_in_closed_quarter(update) for update in queryset):
            raise PermissionDenied
        super().delete_queryset(request, queryset)

    def save_model(self, request: HttpRequest, obj: ProgressUpdate, form: Any, change: bool) -> None:
        # form.instance is obj; report() saves it through the service, with the user as author.
        form.report(request.user)


@admin.register(Phenomenon)
class PhenomenonAdmin(PolicyModelAdmin):
    list_display = ("name", "category", "order", "plan", "section")
    list_select_related = ("plan", "section")
    list_filter = ("plan", "category")
    search_fields = ("name", "description")
    autocomplete_fields = ("plan", "section")
    ordering = ("-plan__year", "category", "order")


# The quarterly cycle ----------------------------------------------------------------------------


class CloseQuarterForm(forms.Form):
    plan = forms.ModelChoiceField(
        label=_("Jaarplan"),
        queryset=AnnualPlan.objects.order_by("-year"),
        error_messages={"required": _("Kies het jaarplan.")},
    )
    quarter = forms.TypedChoiceField(
        label=_("Kwartaal"),
        coerce=int,
        choices=[("", "–")] + [(q, f"Q{q}") for q in range(1, 5)],
        error_messages={"required": _("Kies het kwartaal.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound and "quarter" not in self.initial:
            # The quarter just ended is the one to close, usually.
            today = clock.today()
            start = clock.quarter_of(today)[1]
            previous = clock.quarter_of(start - datetime.timedelta(days=1))
            self.initial.setdefault("quarter", previous[0])
            self.initial.setdefault("plan", AnnualPlan.objects.filter(year=previous[1].year).first())


class ReopenQuarterForm(forms.Form):
    reason = forms.CharField(
        label=_("Reden"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Geef aan waarom het kwartaal wordt heropend.")},
    )


class ActionSnapshotInline(admin.TabularInline):
    """What closing recorded: read only, as it was on the quarter's last day."""

    model = ActionSnapshot
    fields = ("action", "status", "percentage", "update_date", "narrative")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[ActionSnapshot]:
        return super().get_queryset(request).select_related("action")

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return permissions.can_view(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(QuarterClose)
class QuarterCloseAdmin(PolicyModelAdmin):
    """Closing and reopening quarters: only through "Kwartaal afsluiten" and "Heropenen", both recorded."""

    list_display = ("__str__", "state", "closed_at", "closed_by", "reopened_at", "sha256")
    list_select_related = ("plan", "closed_by", "reopened_by")
    list_filter = ("plan",)
    fields = (
        "plan",
        "quarter",
        "state",
        "closed_at",
        "closed_by",
        "snapshot_count",
        "document_sha256",
        "document_rendered_at",
        "reopened_at",
        "reopened_by",
        "reopen_reason",
    )
    readonly_fields = fields
    inlines = (ActionSnapshotInline,)
    change_form_template = "admin/strategy/quarterclose/change_form.html"

    @admin.display(description=_("stand"))
    def state(self, close: QuarterClose) -> str:
        return "afgesloten" if close.is_closed else "heropend"

    @admin.display(description=_("SHA-256"))
    def sha256(self, close: QuarterClose) -> str:
        return close.document_sha256[:16] + "…" if close.document_sha256 else "–"

    @admin.display(description=_("vastgelegde acties"))
    def snapshot_count(self, close: QuarterClose) -> int:
        return close.snapshots.count()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return permissions.is_bureau(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # every field is read-only; the actions are "Heropenen" and "Opnieuw afsluiten"

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        from django.urls import path

        return [
            path(
                "<int:pk>/heropenen/",
                self.admin_site.admin_view(self.reopen_view),
                name="strategy_quarterclose_reopen",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None) -> Any:
        close = self.get_object(request, object_id)
        bureau = permissions.is_bureau(request.user)
        extra = {
            "can_reopen": bureau and close is not None and close.is_closed,
            "can_close_again": bureau and close is not None and not close.is_closed,
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra)

    def _form_page(self, request: HttpRequest, form: forms.Form, title: str, **context: Any) -> Any:
        from django.template.response import TemplateResponse

        return TemplateResponse(
            request,
            "admin/strategy/quarterclose/form.html",
            {**self.admin_site.each_context(request), "opts": self.opts, "form": form, "title": title, **context},
        )

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> Any:
        """ "Kwartaal afsluiten": the quarter's snapshot and its frozen report (services.close_quarter)."""
        from django.contrib import messages
        from django.core.exceptions import ValidationError
        from django.shortcuts import redirect

        if not self.has_add_permission(request):
            raise PermissionDenied
        initial = {"plan": request.GET.get("jaarplan"), "quarter": request.GET.get("kwartaal")}
        form = CloseQuarterForm(request.POST or None, initial={key: value for key, value in initial.items() if value})
        if request.method == "POST" and form.is_valid():
            try:
                close = services.close_quarter(
                    plan=form.cleaned_data["plan"], quarter=form.cleaned_data["quarter"], user=request.user
                )
            except ValidationError as error:
                form.add_error(None, ValidationError(error.messages))
            else:
                messages.success(
                    request,
                    _("%(close)s is afgesloten: de stand van %(count)s acties is vastgelegd.")
                    % {"close": close.label.capitalize(), "count": close._snapshot_count},  # type: ignore[attr-defined]
                )
                return redirect("admin:strategy_quarterclose_change", close.pk)
        return self._form_page(request, form, str(_("Kwartaal afsluiten")))

    def reopen_view(self, request: HttpRequest, pk: int) -> Any:
        from django.contrib import messages
        from django.core.exceptions import ValidationError
        from django.shortcuts import get_object_or_404, redirect

        close = get_object_or_404(QuarterClose.objects.select_related("plan"), pk=pk)
        if not permissions.is_bureau(request.user):
            raise PermissionDenied
        form = ReopenQuarterForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.reopen_quarter(close=close, user=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as error:
                form.add_error(None, ValidationError(error.messages))
            else:
                messages.success(request, _("%(close)s is heropend.") % {"close": close.label.capitalize()})
                return redirect("admin:strategy_quarterclose_change", close.pk)
        return self._form_page(request, form, str(_("Heropenen")), close=close, reopening=True)


@admin.register(SentReminder)
class SentReminderAdmin(PolicyModelAdmin):
    """Which coordinator was reminded when (send_reminders writes these; nobody edits them)."""

    list_display = ("user", "year", "quarter", "occasion", "email", "actions", "sent_at")
    list_select_related = ("user",)
    list_filter = ("year", "quarter", "occasion")
    search_fields = ("user__username", "email")
    fields = list_display
    readonly_fields = list_display

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
