"""Admin screens for the budget: cost lines and their splits, funding and the multi-year table."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .formatting import format_amount
from .models import CostGroup, CostLine, CostSplit, FundingSource, ProgrammeAllocation

AMOUNT_ERRORS = {"invalid": _("Vul een bedrag in hele euro's in, zonder punten of tekens.")}


@admin.register(CostGroup)
class CostGroupAdmin(admin.ModelAdmin):
    list_display = ("title", "category", "plan")
    list_select_related = ("plan",)
    list_filter = ("plan", "category")
    search_fields = ("title",)
    autocomplete_fields = ("plan",)
    ordering = ("-plan__year", "category", "title")


class CostSplitFormSet(forms.BaseInlineFormSet):
    """A split cost line is charged to the lines of its splits only, and the parts add up to the amount."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        parts = [
            form.cleaned_data["amount"]
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("amount") is not None
        ]
        if not parts:
            return
        cost_line: CostLine = self.instance
        errors = []
        if cost_line.programme_line_id:
            errors.append(
                _(
                    "Een kostenregel die over lijnen is verdeeld, staat niet zelf ten laste van een lijn: "
                    "maak 'ten laste van lijn' leeg of verwijder de verdeling."
                )
            )
        if cost_line.amount is None:
            errors.append(_("Een kostenregel met bedrag pm kan niet worden verdeeld: vul eerst het bedrag in."))
        elif sum(parts) != cost_line.amount:
            errors.append(
                _("De verdeling telt op tot %(total)s, maar het bedrag van de kostenregel is %(amount)s.")
                % {"total": format_amount(sum(parts)), "amount": format_amount(cost_line.amount)}
            )
        if errors:
            raise ValidationError(errors)


class CostSplitForm(forms.ModelForm):
    class Meta:
        model = CostSplit
        fields = "__all__"  # noqa: DJ007 - the admin chooses the fields
        error_messages = {"amount": AMOUNT_ERRORS}


class CostSplitInline(admin.TabularInline):
    model = CostSplit
    form = CostSplitForm
    formset = CostSplitFormSet
    fields = ("programme_line", "amount")
    autocomplete_fields = ("programme_line",)
    extra = 0


class CostLineForm(forms.ModelForm):
    class Meta:
        model = CostLine
        fields = "__all__"  # noqa: DJ007 - the admin chooses the fields
        error_messages = {"amount": AMOUNT_ERRORS}


@admin.register(CostLine)
class CostLineAdmin(admin.ModelAdmin):
    form = CostLineForm
    list_display = ("order", "label", "category", "group", "amount_display", "funding_stream", "charged_to", "plan")
    list_display_links = ("order", "label")
    list_select_related = ("plan", "group", "programme_line")
    list_filter = ("plan", "category", "funding_stream", "programme_line")
    search_fields = ("label", "group__title")
    autocomplete_fields = ("plan", "group", "programme_line")
    fields = ("plan", "category", "group", "order", "label", "amount", "funding_stream", "programme_line")
    inlines = (CostSplitInline,)
    ordering = ("-plan__year", "order")

    def get_queryset(self, request: HttpRequest) -> QuerySet[CostLine]:
        # The "ten laste van" column names the lines of a split: one query for the whole page.
        splits = CostSplit.objects.select_related("programme_line").order_by("programme_line__number")
        return super().get_queryset(request).prefetch_related(Prefetch("splits", queryset=splits))

    @admin.display(description=_("bedrag (€)"), ordering="amount")
    def amount_display(self, line: CostLine) -> str:
        return format_amount(line.amount)

    @admin.display(description=_("ten laste van"))
    def charged_to(self, line: CostLine) -> str:
        splits = list(line.splits.all())
        if splits:
            return ", ".join(f"lijn {split.programme_line.number}: {format_amount(split.amount)}" for split in splits)
        if line.programme_line_id:
            return f"lijn {line.programme_line.number}"
        return "-"


class StandaloneCostSplitForm(CostSplitForm):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        cost_line = cleaned.get("cost_line")
        if cost_line is not None and cost_line.programme_line_id:
            raise ValidationError(
                _(
                    "Deze kostenregel staat al ten laste van een lijn: maak 'ten laste van lijn' leeg "
                    "voordat u hem verdeelt."
                )
            )
        return cleaned


@admin.register(CostSplit)
class CostSplitAdmin(admin.ModelAdmin):
    """Mostly for looking up; the page of the cost line checks that the parts add up."""

    form = StandaloneCostSplitForm
    list_display = ("cost_line", "programme_line", "amount_display", "plan")
    list_select_related = ("cost_line__plan", "programme_line")
    list_filter = ("cost_line__plan", "programme_line")
    search_fields = ("cost_line__label",)
    autocomplete_fields = ("cost_line", "programme_line")

    @admin.display(description=_("bedrag (€)"), ordering="amount")
    def amount_display(self, split: CostSplit) -> str:
        return format_amount(split.amount)

    @admin.display(description=_("jaarplan"), ordering="cost_line__plan__year")
    def plan(self, split: CostSplit) -> str:
        return str(split.cost_line.plan)


class FundingSourceForm(forms.ModelForm):
    class Meta:
        model = FundingSource
        fields = "__all__"  # noqa: DJ007 - the admin chooses the fields
        error_messages = {"amount": AMOUNT_ERRORS}


@admin.register(FundingSource)
class FundingSourceAdmin(admin.ModelAdmin):
    form = FundingSourceForm
    list_display = ("order", "label", "funder", "funding_stream", "amount_display", "plan")
    list_display_links = ("order", "label")
    list_select_related = ("plan",)
    list_filter = ("plan", "funder", "funding_stream")
    search_fields = ("label",)
    autocomplete_fields = ("plan",)
    ordering = ("-plan__year", "order")

    @admin.display(description=_("bedrag (€)"), ordering="amount")
    def amount_display(self, source: FundingSource) -> str:
        return format_amount(source.amount)


class ProgrammeAllocationForm(forms.ModelForm):
    class Meta:
        model = ProgrammeAllocation
        fields = "__all__"  # noqa: DJ007 - the admin chooses the fields
        error_messages = {
            "amount_thousands": {"invalid": _("Vul een bedrag in duizenden euro's in, zonder punten of tekens.")}
        }


@admin.register(ProgrammeAllocation)
class ProgrammeAllocationAdmin(admin.ModelAdmin):
    form = ProgrammeAllocationForm
    list_display = ("programme_line", "kind", "display_label", "year", "amount_display", "plan")
    list_select_related = ("plan", "programme_line")
    list_filter = ("plan", "kind", "year", "programme_line")
    search_fields = ("label", "programme_line__title")
    autocomplete_fields = ("plan", "programme_line")
    ordering = ("-plan__year", "programme_line__number", "kind", "year")

    @admin.display(description=_("benaming"))
    def display_label(self, allocation: ProgrammeAllocation) -> str:
        return allocation.display_label

    @admin.display(description=_("bedrag (× € 1.000)"), ordering="amount_thousands")
    def amount_display(self, allocation: ProgrammeAllocation) -> str:
        return format_amount(allocation.amount_thousands)
