"""Import and export of the budget: cost lines (4.1), funding (4.2) and spending per quarter.

Rows are named by human keys: a cost line by plan year, part and description, spending by its
cost line, year and quarter. See core/imports for the rules every import follows.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from core.imports.columns import (
    QUARTER_MESSAGE,
    YEAR_MESSAGE,
    Amount,
    Choice,
    Lookup,
    Text,
    WholeNumber,
    other_column,
    whole_number,
)
from core.imports.resources import Resource
from strategy.models import ProgrammeLine
from strategy.resources import Plan

from .models import CostCategory, CostGroup, CostLine, FundingSource, FundingStream, Spending

YEAR, PART, LABEL = "Jaar", "Onderdeel", "Omschrijving"
PARTS = Choice("category", PART, CostCategory.choices)


def _category(row: dict[str, Any], column: str = PART) -> str:
    return PARTS.parse(other_column(row, column))


def _text(row: dict[str, Any], column: str) -> str:
    return str(row.get(column) or "")


class Group(Lookup):
    """A heading of table 4.1 by its title, within the row's plan year and part."""

    model = CostGroup
    render_path = "title"

    def query(self, text: str, row: dict[str, Any]) -> dict[str, Any]:
        year = whole_number(other_column(row, YEAR))
        return {"plan__year": year, "category": _category(row), "title": text}

    def missing(self, text: str, row: dict[str, Any]) -> str:
        return _("Er is geen groep ‘%(title)s’ in dit onderdeel van jaarplan %(year)s.") % {
            "title": text,
            "year": _text(row, YEAR),
        }


class Line(Lookup):
    """A line of the reinforcement programme by its number, within the strategy of the row's plan."""

    model = ProgrammeLine
    render_path = "number"

    def query(self, text: str, row: dict[str, Any]) -> dict[str, Any]:
        year = whole_number(other_column(row, YEAR))
        return {"strategy__plans__year": year, "number": whole_number(text, "Vul het nummer van de lijn in.")}

    def missing(self, text: str, row: dict[str, Any]) -> str:
        return _("De strategie van jaarplan %(year)s heeft geen lijn %(number)s.") % {
            "year": _text(row, YEAR),
            "number": text,
        }


class CostLineResource(Resource):
    model = CostLine
    name = "Kostenregels"
    plan = Plan("plan", YEAR)
    category = Choice("category", PART, CostCategory.choices)
    label = Text("label", LABEL)
    order = WholeNumber("order", "Volgorde")
    amount = Amount("amount", "Bedrag (€)")
    funding_stream = Choice("funding_stream", "Geldstroom", FundingStream.choices)
    group = Group("group", "Groep")
    programme_line = Line("programme_line", "Ten laste van lijn")

    key = ("plan", "category", "label")
    select_related = ("plan", "group", "programme_line")


class FundingSourceResource(Resource):
    model = FundingSource
    name = "Dekking"
    plan = Plan("plan", YEAR)
    label = Text("label", LABEL)
    order = WholeNumber("order", "Volgorde")
    funder = Choice("funder", "Financier", FundingSource.Funder.choices)
    funding_stream = Choice("funding_stream", "Geldstroom", FundingStream.choices)
    amount = Amount("amount", "Bedrag (€)")

    key = ("plan", "label")
    select_related = ("plan",)


PLAN_YEAR, LINE_PART = "Jaarplan", "Onderdeel"


class CostLineByLabel(Lookup):
    """A cost line by its description, within the row's plan year and part of the budget."""

    model = CostLine
    render_path = "label"

    def query(self, text: str, row: dict[str, Any]) -> dict[str, Any]:
        year = whole_number(other_column(row, PLAN_YEAR))
        return {"plan__year": year, "category": _category(row, LINE_PART), "label": text}

    def missing(self, text: str, row: dict[str, Any]) -> str:
        return _("Er is geen kostenregel ‘%(label)s’ in dit onderdeel van jaarplan %(year)s.") % {
            "label": text,
            "year": _text(row, PLAN_YEAR),
        }

    def queryset(self) -> Any:
        return CostLine.objects.select_related("plan")


class SpendingResource(Resource):
    model = Spending
    name = "Bestedingen"
    # The plan year and part are read by the cost line's lookup; on export they come from the cost line.
    plan_year = WholeNumber("cost_line__plan__year", PLAN_YEAR)
    category = Choice("cost_line__category", LINE_PART, CostCategory.choices)
    cost_line = CostLineByLabel("cost_line", "Kostenregel")
    year = WholeNumber("year", "Jaar", YEAR_MESSAGE)
    quarter = WholeNumber("quarter", "Kwartaal", QUARTER_MESSAGE)
    amount = Amount("amount", "Bedrag (€)")
    note = Text("note", "Toelichting")

    key = ("cost_line", "year", "quarter")
    select_related = ("cost_line__plan",)

    @classmethod
    def required_headers(cls) -> list[str]:
        return [PLAN_YEAR, LINE_PART, *super().required_headers()]
