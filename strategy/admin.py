"""Admin screens for the strategy, its yearly plans, sections, actions and progress."""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import Case, F, IntegerField, Model, Q, QuerySet, Value, When
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core import clock, permissions
from core.admin_policy import PolicyModelAdmin, PolicyTabularInline
from core.imports import PolicyImportExportMixin

from . import services
from .adoption_checks import failing_checks
from .forms import ProgressUpdateForm
from .models import (
    Action,
    ActionSnapshot,
    AnnualPlan,
    Goal,
    Phenomenon,
    PlanSection,
    ProgrammeLine,
    ProgressUpdate,
    QuarterClose,
    SentReminder,
    Strategy,
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


def in_document_order(queryset: QuerySet[PlanSection]) -> QuerySet[PlanSection]:
    keys = document_order_keys()
    return queryset.annotate(**keys).order_by("plan", *keys, "pk")


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


class PlanSectionInline(PolicyTabularInline):
    """The plan's table of contents; the long body is edited on the section's own page."""

    model = PlanSection
    fk_name = "plan"
    fields = ("order", "parent", "title", "slug")
    autocomplete_fields = ("parent",)
    prepopulated_fields = {"slug": ("title",)}
    show_change_link = True
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[PlanSection]:
        return in_document_order(super().get_queryset(request))


@admin.register(AnnualPlan)
class AnnualPlanAdmin(PolicyModelAdmin):
    form = AnnualPlanForm
    list_display = ("year", "title", "strategy", "status", "adopted_on", "price_compensation")
    list_display_links = ("year", "title")
    list_select_related = ("strategy",)
    list_filter = ("status", "strategy")
    search_fields = ("title", "year")
    autocomplete_fields = ("strategy",)
    inlines = (PlanSectionInline,)
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


@admin.register(Action)
class ActionAdmin(PolicyImportExportMixin, PolicyModelAdmin):
    resource_classes = (ActionResource,)
    list_display = ("title", "section", "plan_year", "owner", "due", "current_status")
    list_select_related = ("section__plan",)
    list_filter = ("section__plan", "goal", "programme_line", "due_year", "due_quarter")
    search_fields = ("title", "owner", "description")
    autocomplete_fields = ("section", "goal", "programme_line")
    # Set by "Volgend jaarplan maken", never chosen by hand.
    exclude = ("continues",)
    readonly_fields = ("carried_over",)
    inlines = (ProgressUpdateInline,)

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

    def get_queryset(self, request: HttpRequest) -> QuerySet[Action]:
        # The status column is the latest update: prefetched in one query for the page.
        return super().get_queryset(request).with_latest_update()  # type: ignore[attr-defined]

    @admin.display(description=_("jaarplan"), ordering="section__plan__year")
    def plan_year(self, action: Action) -> int:
        return action.section.plan.year

    @admin.display(description=_("gereed"))
    def due(self, action: Action) -> str:
        return "te herzien" if action.due_to_review else action.due_label or action.due_note

    @admin.display(description=_("status"))
    def current_status(self, action: Action) -> str:
        return action.get_status_display()

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
    list_select_related = ("action", "author")
    list_filter = ("status", "action__section__plan", "date")
    search_fields = ("action__title", "narrative")
    autocomplete_fields = ("action",)
    # Whoever saves the update is its author (services.report_progress); nobody picks one.
    readonly_fields = ("author", "created_at")

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
