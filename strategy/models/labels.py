"""Labels that say which section or action, wherever it is picked or listed, and what they need per plan."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models

from core import memo, permissions


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
    """What the labels of one plan's sections need: its year, each section's number and district(s)."""

    year: int | None
    numbers: dict[int, str]
    districts: dict[int, str]


def plan_outline(plan_id: int) -> PlanOutline:
    """The outline of a plan: one query, once per request (core.memo), however many labels a page shows."""
    return plan_outlines([plan_id])[plan_id]


def plan_outlines(plan_ids: Iterable[int]) -> dict[int, PlanOutline]:
    """The outlines of several plans (a page of rows from many plans) in one query."""
    return memo.remember_many("strategy.plan_outline", plan_ids, _load_outlines)


def _district_name_fields(model: type[models.Model], prefix: str = "") -> list[str]:
    # The policy's paths to the district(s), each with the name a district is shown by.
    return [f"{path}__name" for path in permissions.district_related(model, prefix)]


def _load_outlines(plan_ids: list[int]) -> dict[int, PlanOutline]:
    from strategy.models.plans import AnnualPlan, PlanSection

    # Query: every section of the plans, with the plan's year and the district(s) the policy finds.
    sections = (
        PlanSection.objects.filter(plan_id__in=plan_ids)
        .select_related("plan", *permissions.district_related(PlanSection))
        .only("pk", "plan_id", "parent_id", "order", "plan__year", *_district_name_fields(PlanSection))
        .order_by()
    )
    by_plan: dict[int, list[PlanSection]] = {plan_id: [] for plan_id in plan_ids}
    for section in sections:
        by_plan[section.plan_id].append(section)
    years = {plan_id: items[0].plan.year for plan_id, items in by_plan.items() if items}
    if len(years) < len(plan_ids):
        # Query (only for plans without sections): their years.
        empty = [plan_id for plan_id in plan_ids if plan_id not in years]
        years.update(AnnualPlan.objects.filter(pk__in=empty).values_list("pk", "year"))
    return {
        plan_id: PlanOutline(
            year=years.get(plan_id),
            numbers={section.pk: section.number for section in PlanSection.objects.numbered(items)},
            districts={section.pk: district_label(permissions.districts_of(section)) for section in items},
        )
        for plan_id, items in by_plan.items()
    }


def action_districts(plan_id: int) -> dict[int, str]:
    """The district(s) of each action of a plan, as the policy finds them: one query per request."""
    return plans_action_districts([plan_id])[plan_id]


def plans_action_districts(plan_ids: Iterable[int]) -> dict[int, dict[int, str]]:
    """Per plan, the district(s) of each of its actions; the plans not known yet in one query."""

    from strategy.models.actions import Action

    def load(missing: list[int]) -> dict[int, dict[int, str]]:
        actions = (
            Action.objects.filter(section__plan_id__in=missing)
            .select_related("section", *permissions.district_related(Action))
            .only("pk", "section__plan_id", *_district_name_fields(Action))
            .order_by()
        )
        found: dict[int, dict[int, str]] = {plan_id: {} for plan_id in missing}
        for action in actions:
            found[action.section.plan_id][action.pk] = district_label(permissions.districts_of(action))
        return found

    return memo.remember_many("strategy.action_districts", plan_ids, load)


def preload_labels(plan_ids: Iterable[int], *, actions: bool = False) -> None:
    """Load what the labels of a page's sections (and actions) need for all its plans at once."""
    plan_ids = [plan_id for plan_id in plan_ids if plan_id is not None]
    plan_outlines(plan_ids)
    if actions:
        plans_action_districts(plan_ids)
