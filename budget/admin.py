"""Admin screens for the budget: cost lines and their splits, funding, the multi-year table and spending."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin_policy import PolicyModelAdmin, PolicyTabularInline
from core.imports.admin import PolicyImportExportMixin
from strategy.models import ProgrammeLine

from .formatting import format_amount
from .models import CostGroup, CostLine, CostSplit, FundingSource, ProgrammeAllocation, Spending
from .resources import CostLineResource, FundingSourceResource, SpendingResource

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

AMOUNT_ERRORS = {"invalid": _("Vul een bedrag in hele euro's in, zonder punten of tekens.")}


class WholeEurosField(forms.IntegerField):
    """Digits only, with an optional minus sign.

    Django's IntegerField drops a trailing ".000", so "260.000" typed the Dutch way would be saved as 260.
    """

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str) and value.strip() and not re.fullmatch(r"-?\d+", value.strip()):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


@admin.register(CostGroup)
class CostGroupAdmin(PolicyModelAdmin):
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
        errors: list[StrOrPromise] = []
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
        field_classes = {"amount": WholeEurosField}
        error_messages = {"amount": AMOUNT_ERRORS}


class CostSplitInline(PolicyTabularInline):
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
        field_classes = {"amount": WholeEurosField}
        error_messages = {"amount": AMOUNT_ERRORS}


@admin.register(CostLine)
class CostLineAdmin(PolicyImportExportMixin, PolicyModelAdmin):
    form = CostLineForm
    resource_classes = (CostLineResource,)
    # Fits 1366 px beside the filters: the group and the part of the table under the description,
    # the amounts in their own right-aligned column.
    list_display = ("order", "line", "amount_display", "funding_stream", "charged_to", "plan_year")
    list_display_links = ("order", "line")
    list_select_related = ("plan", "group", "programme_line")
    list_filter = ("plan", "category", "funding_stream", "programme_line")
    search_fields = ("label", "group__title")
    autocomplete_fields = ("plan", "group", "programme_line")
    fields = ("plan", "category", "group", "order", "label", "amount", "emphasised", "funding_stream", "programme_line")
    inlines = (CostSplitInline,)
    ordering = ("-plan__year", "order")

    def get_queryset(self, request: HttpRequest) -> QuerySet[CostLine]:
        # The "ten laste van" column names the lines of a split: one query for the whole page.
        splits = CostSplit.objects.select_related("programme_line").order_by("programme_line__number")
        return super().get_queryset(request).prefetch_related(Prefetch("splits", queryset=splits))

    @admin.display(description=_("omschrijving"), ordering="label")
    def line(self, line: CostLine) -> str:
        group = line.group.title if line.group else ""
        where = f"{line.get_category_display()} – {group}" if group else line.get_category_display()
        return format_html('{}<span class="muted">{}</span>', line.label, where)

    @admin.display(description=_("bedrag (€)"), ordering="amount")
    def amount_display(self, line: CostLine) -> str:
        return format_amount(line.amount)

    @admin.display(description=_("jaar"), ordering="plan__year")
    def plan_year(self, line: CostLine) -> int:
        return line.plan.year

    @admin.display(description=_("ten laste van"))
    def charged_to(self, line: CostLine) -> str:
        splits = list(line.splits.all())
        if splits:
            return ", ".join(f"lijn {split.programme_line.number}: {format_amount(split.amount)}" for split in splits)
        if line.programme_line_id:
            # programme_line_id is set, so the line is loaded, never None.
            return f"lijn {cast(ProgrammeLine, line.programme_line).number}"
        return "-"


class StandaloneCostSplitForm(CostSplitForm):
    def clean(self) -> dict[str, Any]:
        # ModelForm.clean() returns cleaned_data; only an override may return None.
        cleaned = cast(dict[str, Any], super().clean())
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
class CostSplitAdmin(PolicyModelAdmin):
    """Mostly for looking up; the page of the cost line checks that the parts add up."""

    form = StandaloneCostSplitForm
    list_display = ("cost_line", "programme_line", "amount_display", "plan")
    list_select_related = ("cost_line__plan", "cost_line__group", "programme_line")
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
        field_classes = {"amount": WholeEurosField}
        error_messages = {"amount": AMOUNT_ERRORS}


@admin.register(FundingSource)
class FundingSourceAdmin(PolicyImportExportMixin, PolicyModelAdmin):
    form = FundingSourceForm
    resource_classes = (FundingSourceResource,)
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
        field_classes = {"amount_thousands": WholeEurosField}
        error_messages = {
            "amount_thousands": {"invalid": _("Vul een bedrag in duizenden euro's in, zonder punten of tekens.")}
        }


@admin.register(ProgrammeAllocation)
class ProgrammeAllocationAdmin(PolicyModelAdmin):
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


class SpendingForm(forms.ModelForm):
    class Meta:
        model = Spending
        fields = "__all__"  # noqa: DJ007 - the admin chooses the fields
        field_classes = {"amount": WholeEurosField}
        error_messages = {
            "amount": AMOUNT_ERRORS,
            "quarter": {"invalid": _("Een kwartaal is 1, 2, 3 of 4.")},
            "year": {"invalid": _("Vul een jaar in, bijvoorbeeld 2024.")},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The browser's number spinner offers only real quarters (the field itself would allow 0).
        # A read-only view (no change permission) has no form fields at all.
        if "quarter" in self.fields:
            self.fields["quarter"].widget.attrs.update(min=1, max=4)


@admin.register(Spending)
class SpendingAdmin(PolicyImportExportMixin, PolicyModelAdmin):
    form = SpendingForm
    resource_classes = (SpendingResource,)
    list_display = ("cost_line", "year", "quarter", "amount_display", "note", "plan")
    list_select_related = ("cost_line__plan", "cost_line__group")
    list_filter = ("cost_line__plan", "year", "quarter", "cost_line__funding_stream", "cost_line__category")
    search_fields = ("cost_line__label", "note")
    autocomplete_fields = ("cost_line",)
    fields = ("cost_line", "year", "quarter", "amount", "note")
    ordering = ("-year", "cost_line__order", "quarter")

    @admin.display(description=_("bedrag (€)"), ordering="amount")
    def amount_display(self, spending: Spending) -> str:
        return format_amount(spending.amount)

    @admin.display(description=_("jaarplan"), ordering="cost_line__plan__year")
    def plan(self, spending: Spending) -> str:
        return str(spending.cost_line.plan)
