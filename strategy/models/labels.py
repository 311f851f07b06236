"""Labels that say which section or action, wherever it is picked or listed, and the selector that computes them.

A label such as "3.2.2 Specifieke ontwikkelingen – Twente (2024)" needs the numbers of all sections of
the plan, its year and the districts of its chapters. `__str__` of a section or an action reads its own
fields only (it never queries); a screen that shows such labels asks for them explicitly, for all its
rows at once: `label_sections(rows)` or `label_actions(rows)` load the outlines of the rows' plans in
one query and give every row its number, district(s) and label.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models

from core import permissions

if TYPE_CHECKING:
    from strategy.models.actions import Action
    from strategy.models.plans import PlanSection

# What the selector gives a row (in its __dict__: no field, no query).
NUMBER, DISTRICTS, LABEL = "_number", "_districts", "_label"


def plan_label(number: str, title: str, districts: str, year: int | None) -> str:
    """A label such as "3.2.2 Specifieke ontwikkelingen – Twente (2024)"; unknown parts are left out."""
    text = f"{number} {title}" if number else title
    if districts and districts != title:  # a district's own chapter is called after it
        text += f" – {districts}"
    return f"{text} ({year})" if year else text


def district_label(districts: Iterable[Any]) -> str:
    return ", ".join(sorted(str(district) for district in districts))


@dataclass(frozen=True)
class PlanOutline:
    """What the labels of one plan's sections and actions need: its year, each section's number and district(s).

    An action belongs to the district(s) of its section (the policy's paths of an action are its
    section's, see districts/apps.py), so the outline of the sections labels the actions too.
    """

    year: int | None
    numbers: dict[int, str]
    districts: dict[int, str]

    def section_label(self, section_id: int | None, title: str) -> str:
        number = self.numbers.get(section_id, "") if section_id else ""
        districts = self.districts.get(section_id, "") if section_id else ""
        return plan_label(number, title, districts, self.year)

    def action_number(self, section_id: int | None, order: int | None) -> str:
        section_number = self.numbers.get(section_id, "") if section_id else ""
        return f"{section_number}-{order}" if section_number else ""

    def action_label(self, section_id: int | None, order: int | None, title: str) -> str:
        districts = self.districts.get(section_id, "") if section_id else ""
        return plan_label(self.action_number(section_id, order), title, districts, self.year)


NO_OUTLINE = PlanOutline(year=None, numbers={}, districts={})


def plan_outline(plan_id: int) -> PlanOutline:
    """The outline of one plan: one query."""
    return plan_outlines([plan_id])[plan_id]


def _district_name_fields(model: type[models.Model], prefix: str = "") -> list[str]:
    # The policy's paths to the district(s), each with the name a district is shown by.
    return [f"{path}__name" for path in permissions.district_related(model, prefix)]


def plan_outlines(plan_ids: Iterable[int]) -> dict[int, PlanOutline]:
    """The outlines of several plans (a page of rows from many plans): one query, whatever the number of plans."""
    from strategy.models.plans import PlanSection  # noqa: PLC0415 -- plans.py imports this module

    wanted = list(dict.fromkeys(plan_id for plan_id in plan_ids if plan_id is not None))
    if not wanted:
        return {}
    # Query: every section of the plans, with the plan's year and the district(s) the policy finds.
    sections = (
        PlanSection.objects.filter(plan_id__in=wanted)
        .select_related("plan", *permissions.district_related(PlanSection))
        .only("pk", "plan_id", "parent_id", "order", "plan__year", *_district_name_fields(PlanSection))
        .order_by()
    )
    by_plan: dict[int, list[PlanSection]] = {plan_id: [] for plan_id in wanted}
    for section in sections:
        by_plan[section.plan_id].append(section)
    # A plan without sections has nothing to label: its year is not needed.
    return {
        plan_id: PlanOutline(
            year=items[0].plan.year if items else None,
            numbers={section.pk: section.number for section in PlanSection.objects.numbered(items)},
            districts={section.pk: district_label(permissions.districts_of(section)) for section in items},
        )
        for plan_id, items in by_plan.items()
    }


def label_sections(sections: Iterable[PlanSection]) -> None:
    """Give every section its number, district(s) and label: one query for all their plans."""
    rows = list(sections)
    outlines = plan_outlines(section.plan_id for section in rows)
    for section in rows:
        outline = outlines.get(section.plan_id, NO_OUTLINE)
        section.__dict__[NUMBER] = outline.numbers.get(section.pk, "") if section.pk else ""
        section.__dict__[DISTRICTS] = outline.districts.get(section.pk, "") if section.pk else ""
        section.__dict__[LABEL] = outline.section_label(section.pk, section.title)


def label_actions(actions: Iterable[Action]) -> None:
    """Give every action its number, district(s) and label: one query for all their plans.

    The plans are read from the actions' sections when those are loaded (select_related("section")),
    otherwise one query more finds them.
    """
    from strategy.models.plans import PlanSection  # noqa: PLC0415 -- plans.py imports this module

    rows = list(actions)
    section_field = type(rows[0])._meta.get_field("section") if rows else None
    plan_of_section: dict[int, int] = {}
    unknown: set[int] = set()
    for action in rows:
        if action.section_id is None:
            continue
        if section_field is not None and section_field.is_cached(action):
            plan_of_section[action.section_id] = action.section.plan_id
        else:
            unknown.add(action.section_id)
    unknown -= plan_of_section.keys()
    if unknown:
        # Query (only for actions whose section is not loaded): the plans of their sections.
        plan_of_section.update(PlanSection.objects.filter(pk__in=unknown).values_list("pk", "plan_id"))
    outlines = plan_outlines(plan_of_section.values())
    for action in rows:
        outline = outlines.get(plan_of_section.get(action.section_id, -1), NO_OUTLINE)
        action.__dict__[NUMBER] = outline.action_number(action.section_id, action.order)
        action.__dict__[DISTRICTS] = outline.districts.get(action.section_id, "") if action.section_id else ""
        action.__dict__[LABEL] = outline.action_label(action.section_id, action.order, action.title)


def forget_labels(obj: models.Model) -> None:
    """After a save the number, district(s) and label may have changed: the next use asks the selector again."""
    for key in (NUMBER, DISTRICTS, LABEL):
        obj.__dict__.pop(key, None)
