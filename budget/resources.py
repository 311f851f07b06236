"""Import and export of the budget: cost lines (4.1), funding (4.2) and spending per quarter.

Rows are named by human keys: a cost line by plan year, part and description, spending by its
cost line, year and quarter. See core/imports.py for the rules every import follows.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from import_export.fields import Field

from core.imports import (
    AmountWidget,
    ChoiceWidget,
    LookupWidget,
    PolicyResource,
    TextWidget,
    WholeNumberWidget,
    other_column,
    whole_number,
)
from strategy.models import ProgrammeLine
from strategy.resources import PlanWidget

from .models import CostCategory, CostGroup, CostLine, FundingSource, FundingStream, Spending

YEAR, PART, LABEL = "Jaar", "Onderdeel", "Omschrijving"


def _category(row: dict[str, Any], column: str = PART) -> str:
    return ChoiceWidget(CostCategory.choices).clean(other_column(row, column))


class CostGroupWidget(LookupWidget):
    """A heading of table 4.1 by its title, within the row's plan year and part."""

    model = CostGroup
    render_path = "title"

    def lookup(self, text: str, row: dict[str, Any]) -> dict[str, Any]:
        year = whole_number(other_column(row, YEAR))
        return {"plan__year": year, "category": _category(row), "title": text}

    def missing(self, text: str, row: dict[str, Any]) -> str:
        return _("Er is geen groep ‘%(title)s’ in dit onderdeel van jaarplan %(year)s.") % {
            "title": text,
            "year": cell_text_or_blank(row, YEAR),
        }


class ProgrammeLineWidget(LookupWidget):
    """A line of the reinforcement programme by its number, within the strategy of the row's plan."""

    model = ProgrammeLine
    render_path = "number"

    def lookup(self, text: str, row: dict[str, Any]) -> dict[str, Any]:
        year = whole_number(other_column(row, YEAR))
        return {"strategy__plans__year": year, "number": whole_number(text, "Vul het nummer van de lijn in.")}

    def missing(self, text: str, row: dict[str, Any]) -> str:
        return _("De strategie van jaarplan %(year)s heeft geen lijn %(number)s.") % {
            "year": cell_text_or_blank(row, YEAR),
            "number": text,
        }


def cell_text_or_blank(row: dict[str, Any], column: str) -> str:
    return str(row.get(column) or "")


class CostLineResource(PolicyResource):
    plan = Field("plan", YEAR, PlanWidget())
    category = Field("category", PART, ChoiceWidget(CostCategory.choices))
    label = Field("label", LABEL, TextWidget())
    order = Field("order", "Volgorde", WholeNumberWidget())
    amount = Field("amount", "Bedrag (€)", AmountWidget())
    funding_stream = Field("funding_stream", "Geldstroom", ChoiceWidget(FundingStream.choices))
    group = Field("group", "Groep", CostGroupWidget())
    programme_line = Field("programme_line", "Ten laste van lijn", ProgrammeLineWidget())

    select_related = ("plan", "group", "programme_line")

    class Meta:
        model = CostLine
        name = "Kostenregels"
        fields = (
            "plan",
            "category",
            "label",
            "order",
            "amount",
            "funding_stream",
            "group",
            "programme_line",
        )
        import_id_fields = ("plan", "category", "label")


class FundingSourceResource(PolicyResource):
    plan = Field("plan", YEAR, PlanWidget())
    label = Field("label", LABEL, TextWidget())
    order = Field("order", "Volgorde", WholeNumberWidget())
    funder = Field("funder", "Financier", ChoiceWidget(FundingSource.Funder.choices))
    funding_stream = Field("funding_stream", "Geldstroom", ChoiceWidget(FundingStream.choices))
    amount = Field("amount", "Bedrag (€)", AmountWidget())

    select_related = ("plan",)

    class Meta:
        model = FundingSource
        name = "Dekking"
        fields = ("plan", "label", "order", "funder", "funding_stream", "amount")
        import_id_fields = ("plan", "label")


PLAN_YEAR, LINE_PART = "Jaarplan", "Onderdeel"


class CostLineWidget(LookupWidget):
    """A cost line by its description, within the row's plan year and part of the budget."""

    model = CostLine
    render_path = "label"

    def lookup(self, text: str, row: dict[str, Any]) -> dict[str, Any]:
        year = whole_number(other_column(row, PLAN_YEAR))
        return {"plan__year": year, "category": _category(row, LINE_PART), "label": text}

    def missing(self, text: str, row: dict[str, Any]) -> str:
        return _("Er is geen kostenregel ‘%(label)s’ in dit onderdeel van jaarplan %(year)s.") % {
            "label": text,
            "year": cell_text_or_blank(row, PLAN_YEAR),
        }

    def queryset(self) -> Any:
        return CostLine.objects.select_related("plan")


class SpendingResource(PolicyResource):
    # The plan year and part are read by the cost line's lookup; on export they come from the cost line.
    plan_year = Field("cost_line__plan__year", PLAN_YEAR, WholeNumberWidget(), readonly=True)
    category = Field("cost_line__category", LINE_PART, ChoiceWidget(CostCategory.choices), readonly=True)
    cost_line = Field("cost_line", "Kostenregel", CostLineWidget())
    year = Field("year", "Jaar", WholeNumberWidget("Vul een jaar in, bijvoorbeeld 2024."))
    quarter = Field("quarter", "Kwartaal", WholeNumberWidget("Een kwartaal is 1, 2, 3 of 4."))
    amount = Field("amount", "Bedrag (€)", AmountWidget())
    note = Field("note", "Toelichting", TextWidget())

    select_related = ("cost_line__plan",)

    class Meta:
        model = Spending
        name = "Bestedingen"
        fields = ("plan_year", "category", "cost_line", "year", "quarter", "amount", "note")
        import_id_fields = ("cost_line", "year", "quarter")

    def required_columns(self) -> list[str]:
        return [PLAN_YEAR, LINE_PART]
