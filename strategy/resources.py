"""Import and export of the actions of a plan.

An action is named by the year of its plan, the key (slug) of its section and its place in that
section. See core/imports.py for the rules every import follows.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from import_export.fields import Field

from core import permissions
from core.imports import LookupWidget, PolicyResource, TextWidget, WholeNumberWidget, other_column, whole_number

from .models import Action, AnnualPlan, Goal, PlanSection, ProgrammeLine

YEAR = "Jaar"
YEAR_MESSAGE = "Vul een jaar in, bijvoorbeeld 2024."


class PlanWidget(LookupWidget):
    """An annual plan by its year."""

    render_path = "year"

    def __init__(self) -> None:
        self.model = AnnualPlan
        super().__init__()

    def lookup(self, text: str, row: dict[str, Any]) -> dict[str, Any]:
        return {"year": whole_number(text, "Vul een jaar in, bijvoorbeeld 2024.")}

    def missing(self, text: str, row: dict[str, Any]) -> str:
        return _("Er is geen jaarplan %(year)s.") % {"year": text}


class SectionWidget(LookupWidget):
    """A section by its key (slug) within the plan of the row's year."""

    model = PlanSection
    render_path = "slug"

    def lookup(self, text: str, row: dict[str, Any]) -> dict[str, Any]:
        return {"plan__year": whole_number(other_column(row, YEAR), YEAR_MESSAGE), "slug": text}

    def missing(self, text: str, row: dict[str, Any]) -> str:
        return _("Jaarplan %(year)s heeft geen paragraaf met kenmerk ‘%(slug)s’.") % {
            "year": row.get(YEAR),
            "slug": text,
        }

    def queryset(self) -> Any:
        # The policy reads the plan and the district of the section (or of its parent).
        return PlanSection.objects.select_related("plan", *permissions.district_related(PlanSection))


class StrategyNumberWidget(LookupWidget):
    """A goal or programme line by its number, within the strategy of the row's plan."""

    render_path = "number"

    def __init__(self, model: type[Goal] | type[ProgrammeLine]) -> None:
        self.model = model
        super().__init__()

    def lookup(self, text: str, row: dict[str, Any]) -> dict[str, Any]:
        year = whole_number(other_column(row, YEAR), YEAR_MESSAGE)
        return {"strategy__plans__year": year, "number": whole_number(text)}

    def missing(self, text: str, row: dict[str, Any]) -> str:
        return _("De strategie van jaarplan %(year)s heeft geen %(thing)s %(number)s.") % {
            "year": row.get(YEAR),
            "thing": self.model._meta.verbose_name,
            "number": text,
        }


class ActionResource(PolicyResource):
    # The plan year is read by the section's lookup; on export it comes from the section.
    year = Field("section__plan__year", YEAR, WholeNumberWidget(YEAR_MESSAGE), readonly=True)
    section = Field("section", "Paragraaf", SectionWidget())
    order = Field("order", "Volgorde", WholeNumberWidget())
    title = Field("title", "Actie", TextWidget())
    description = Field("description", "Toelichting", TextWidget())
    owner = Field("owner", "Trekker", TextWidget())
    goal = Field("goal", "Doel", StrategyNumberWidget(Goal))
    programme_line = Field("programme_line", "Lijn", StrategyNumberWidget(ProgrammeLine))
    due_year = Field("due_year", "Gereed in jaar", WholeNumberWidget(YEAR_MESSAGE))
    due_quarter = Field("due_quarter", "Gereed in kwartaal", WholeNumberWidget("Een kwartaal is 1, 2, 3 of 4."))
    due_note = Field("due_note", "Moment volgens het plan", TextWidget())

    select_related = ("goal", "programme_line")

    class Meta:
        model = Action
        name = "Acties"
        fields = (
            "year",
            "section",
            "order",
            "title",
            "description",
            "owner",
            "goal",
            "programme_line",
            "due_year",
            "due_quarter",
            "due_note",
        )
        import_id_fields = ("section", "order")

    def required_columns(self) -> list[str]:
        return [YEAR]
