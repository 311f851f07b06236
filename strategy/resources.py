"""Import and export of the actions of a plan and of their progress updates.

An action is named by the year of its plan, the key (slug) of its section and its place in that
section. See core/imports.py for the rules every import follows. Progress updates are imported
through the same service as every other progress (services.report_progress): the importing user
is the author, whatever the file says.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from import_export.fields import Field

from core import permissions
from core.imports import (
    ChoiceWidget,
    DateWidget,
    LookupWidget,
    PolicyResource,
    TextWidget,
    WholeNumberWidget,
    other_column,
    whole_number,
)

from . import services
from .models import Action, AnnualPlan, Goal, PlanSection, ProgrammeLine, ProgressUpdate, Status

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


SECTION = "Paragraaf"


class ActionWidget(LookupWidget):
    """An action by its place ("Volgorde") in the section ("Paragraaf") of the plan of the row's year."""

    model = Action
    render_path = "order"

    def lookup(self, text: str, row: dict[str, Any]) -> dict[str, Any]:
        return {
            "section__plan__year": whole_number(other_column(row, YEAR), YEAR_MESSAGE),
            "section__slug": other_column(row, SECTION),
            "order": whole_number(text),
        }

    def missing(self, text: str, row: dict[str, Any]) -> str:
        return _("Jaarplan %(year)s heeft geen actie %(order)s in paragraaf ‘%(slug)s’.") % {
            "year": row.get(YEAR),
            "order": text,
            "slug": row.get(SECTION),
        }

    def queryset(self) -> Any:
        return Action.objects.select_related("section__plan", *permissions.district_related(Action))


class ProgressUpdateResource(PolicyResource):
    """Progress updates, one per row; every row is a new update written by the importing user."""

    year = Field("action__section__plan__year", YEAR, WholeNumberWidget(YEAR_MESSAGE), readonly=True)
    section = Field("action__section__slug", SECTION, TextWidget(), readonly=True)
    action = Field("action", "Volgorde", ActionWidget())
    title = Field("action__title", "Actie", TextWidget(), readonly=True)
    date = Field("date", "Datum", DateWidget())
    status = Field("status", "Status", ChoiceWidget(Status.choices))
    percentage = Field("percentage", "Percentage", WholeNumberWidget(services.PERCENTAGE_ERROR))
    narrative = Field("narrative", "Toelichting", TextWidget())
    # Exported to show who wrote it; never read: the importing user is the author.
    author = Field("author__username", "Auteur", TextWidget(), readonly=True)

    select_related = ("action__section__plan", "author")

    class Meta:
        model = ProgressUpdate
        name = "Voortgangsupdates"
        fields = ("year", "section", "action", "title", "date", "status", "percentage", "narrative", "author")
        # Updates have no natural key: each row adds one (an export read back in adds them again).
        import_id_fields: tuple[str, ...] = ()
        # One by one through the service (its checks, its author), not in bulk.
        use_bulk = False

    def required_columns(self) -> list[str]:
        return [YEAR, SECTION, "Volgorde", "Datum", "Status", "Percentage"]

    def get_instance(self, instance_loader: Any, row: Any) -> None:
        return None

    def file_key(self, instance: Any) -> tuple[Any, ...] | None:
        return None

    def model_errors(self, instance: Any, errors: dict[str, Any]) -> dict[str, Any]:
        errors = super().model_errors(instance, errors)
        rules = services.progress_errors(
            action=instance.action if instance.action_id else None,
            date=None if "date" in errors else instance.date,
            status=instance.status,
            percentage=None if "percentage" in errors else instance.percentage,
        )
        for field, messages in rules.items():
            known = set(errors.get(field, []))
            errors.setdefault(field, []).extend(message for message in messages if message not in known)
        return errors

    def save_instance(self, instance: Any, is_create: bool, row: Any, **kwargs: Any) -> None:
        services.report_progress(
            user=self.user,
            action=instance.action,
            date=instance.date,
            status=instance.status,
            percentage=instance.percentage,
            narrative=instance.narrative,
            update=instance,
        )
