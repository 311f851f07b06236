"""Import and export of the actions of a plan and of their progress updates.

An action is named by the year of its plan, the key (slug) of its section and its place in that
section; a progress update by its action, its date and its author. See core/imports for the rules
every import follows. Progress updates are written through the same service as every other
progress (services.report_progress), so its rules apply to imports too.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from core import permissions
from core.imports.columns import (
    YEAR_MESSAGE,
    Choice,
    Date,
    Lookup,
    Text,
    WholeNumber,
    other_column,
    whole_number,
)
from core.imports.resources import Resource

from . import services
from .models import Action, AnnualPlan, Goal, PlanSection, ProgrammeLine, ProgressUpdate, Status

YEAR = "Jaar"
SECTION = "Paragraaf"


class Plan(Lookup):
    """An annual plan by its year."""

    model = AnnualPlan
    render_path = "year"

    def query(self, text: str, row: dict[str, Any]) -> dict[str, Any]:
        return {"year": whole_number(text, YEAR_MESSAGE)}

    def missing(self, text: str, row: dict[str, Any]) -> str:
        return _("Er is geen jaarplan %(year)s.") % {"year": text}


class Section(Lookup):
    """A section by its key (slug) within the plan of the row's year."""

    model = PlanSection
    render_path = "slug"

    def query(self, text: str, row: dict[str, Any]) -> dict[str, Any]:
        return {"plan__year": whole_number(other_column(row, YEAR), YEAR_MESSAGE), "slug": text}

    def missing(self, text: str, row: dict[str, Any]) -> str:
        return _("Jaarplan %(year)s heeft geen paragraaf met kenmerk ‘%(slug)s’.") % {
            "year": row.get(YEAR),
            "slug": text,
        }

    def queryset(self) -> Any:
        # The policy reads the plan and the district of the section (or of its parent).
        return PlanSection.objects.select_related("plan", *permissions.district_related(PlanSection))


class StrategyNumber(Lookup):
    """A goal or programme line by its number, within the strategy of the row's plan."""

    render_path = "number"

    def __init__(self, attribute: str, header: str, model: type[Goal] | type[ProgrammeLine]) -> None:
        super().__init__(attribute, header)
        self.model = model

    def query(self, text: str, row: dict[str, Any]) -> dict[str, Any]:
        year = whole_number(other_column(row, YEAR), YEAR_MESSAGE)
        return {"strategy__plans__year": year, "number": whole_number(text)}

    def missing(self, text: str, row: dict[str, Any]) -> str:
        return _("De strategie van jaarplan %(year)s heeft geen %(thing)s %(number)s.") % {
            "year": row.get(YEAR),
            "thing": self.model._meta.verbose_name,
            "number": text,
        }


class ActionResource(Resource):
    model = Action
    name = "Acties"
    # The plan year is read by the section's lookup; on export it comes from the section.
    year = WholeNumber("section__plan__year", YEAR, YEAR_MESSAGE)
    section = Section("section", SECTION)
    order = WholeNumber("order", "Volgorde")
    title = Text("title", "Actie")
    description = Text("description", "Toelichting")
    owner = Text("owner", "Trekker")
    goal = StrategyNumber("goal", "Doel", Goal)
    programme_line = StrategyNumber("programme_line", "Lijn", ProgrammeLine)
    due_year = WholeNumber("due_year", "Gereed in jaar", YEAR_MESSAGE)
    due_quarter = WholeNumber("due_quarter", "Gereed in kwartaal", "Een kwartaal is 1, 2, 3 of 4.")
    due_note = Text("due_note", "Moment volgens het plan")

    key = ("section", "order")
    select_related = ("goal", "programme_line")

    @classmethod
    def required_headers(cls) -> list[str]:
        return [YEAR, *super().required_headers()]


class ActionByPlace(Lookup):
    """An action by its place ("Volgorde") in the section ("Paragraaf") of the plan of the row's year."""

    model = Action
    render_path = "order"

    def query(self, text: str, row: dict[str, Any]) -> dict[str, Any]:
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


class Author(Lookup):
    """Who wrote an update, by user name: part of the update's natural key, never written by an import.

    An empty cell names an update without an author; a new update is always the importing user's.
    """

    render_path = "username"

    def __init__(self, attribute: str, header: str) -> None:
        super().__init__(attribute, header, readonly=True)
        self.model = get_user_model()

    def query(self, text: str, row: dict[str, Any]) -> dict[str, Any]:
        return {"username": text}

    def missing(self, text: str, row: dict[str, Any]) -> str:
        return _("Er is geen gebruiker ‘%(name)s’.") % {"name": text}


class ProgressUpdateResource(Resource):
    """Progress updates, named by action, date and author: a round trip changes nothing and keeps the authors.

    A row that names no existing update adds one, written by the importing user (the service's rule);
    a changed existing update keeps its author.
    """

    model = ProgressUpdate
    name = "Voortgangsupdates"
    year = WholeNumber("action__section__plan__year", YEAR, YEAR_MESSAGE)
    section = Text("action__section__slug", SECTION)
    action = ActionByPlace("action", "Volgorde")
    title = Text("action__title", "Actie")
    date = Date("date", "Datum")
    status = Choice("status", "Status", Status.choices)
    percentage = WholeNumber("percentage", "Percentage", services.PERCENTAGE_ERROR)
    narrative = Text("narrative", "Toelichting")
    author = Author("author", "Auteur")

    key = ("action", "date", "author")
    optional_keys = ("author",)
    select_related = ("action__section__plan", "author")
    # One by one through the service (its checks, its author), not in bulk.
    bulk_insert = False

    @classmethod
    def required_headers(cls) -> list[str]:
        return [YEAR, SECTION, "Volgorde", "Datum", "Status", "Percentage"]

    def new(self) -> Any:
        return ProgressUpdate(author=self.user)

    def errors(self, instance: Any, errors: dict[str, list[str]]) -> dict[str, list[str]]:
        rules = services.progress_errors(
            action=instance.action if instance.action_id else None,
            date=None if "date" in errors else instance.date,
            status=instance.status,
            percentage=None if "percentage" in errors else instance.percentage,
            update=instance,
        )
        for field, messages in rules.items():
            known = set(errors.get(field, []))
            errors.setdefault(field, []).extend(message for message in messages if message not in known)
        return errors

    def write(self, instance: Any, *, expected_version: int | None) -> None:
        services.report_progress(
            user=self.user,
            action=instance.action,
            date=instance.date,
            status=instance.status,
            percentage=instance.percentage,
            narrative=instance.narrative,
            update=instance if instance.pk is not None else None,
            keep_author=True,
        )
