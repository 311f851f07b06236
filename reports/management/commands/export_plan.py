"""`manage.py export_plan 2024 > plan.json`: one jaarplan with everything in it, for backup or another server.

Django serialization JSON with natural keys and no primary keys, in dependency order, so that
`import_plan` can load it into any database that has been migrated. The file holds:

- the shared objects the plan needs (strategy, goals, programme lines, districts, municipalities,
  focus themes, and the districts' resilience scans and common-threads reports up to the plan year);
- the plan itself and every object that belongs to it (sections, phenomena, actions, progress updates,
  closed quarters with their snapshots and stored reports, district plans with their themes,
  developments, norms and assessments, the whole budget with its spending).

User accounts are not part of a plan: a progress update names its author by username (a closed quarter
who closed it), and the districts' coordinators are not exported (they are accounts, managed per
installation), nor are the reminders sent to them.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from typing import Any

from django.core import serializers
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model, QuerySet

from budget.models import CostGroup, CostLine, CostSplit, FundingSource, ProgrammeAllocation, Spending
from districts.models import (
    BaselineAssessment,
    BaselineNorm,
    CommonThreadsReport,
    Development,
    District,
    DistrictFocusTheme,
    DistrictPlan,
    FocusTheme,
    Municipality,
    ResilienceScan,
)
from strategy.models import (
    Action,
    ActionSnapshot,
    AnnualPlan,
    Goal,
    Phenomenon,
    PlanSection,
    ProgrammeLine,
    ProgressUpdate,
    QuarterClose,
    SectionBlock,
    Strategy,
)

# Shared between plans: `import_plan` creates these only when they are missing and leaves existing ones alone.
SHARED_MODELS: tuple[type[Model], ...] = (
    Strategy,
    Goal,
    ProgrammeLine,
    District,
    Municipality,
    FocusTheme,
    ResilienceScan,
    CommonThreadsReport,
)
# Fields left out of the file: accounts belong to an installation, not to a plan.
OMITTED_FIELDS: dict[str, tuple[str, ...]] = {"districts.district": ("coordinators",)}


class ExactJSONEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder cuts datetimes to milliseconds (as JavaScript does); a backup keeps microseconds."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime.datetime):
            return o.isoformat()
        return super().default(o)


def plan_querysets(plan: AnnualPlan) -> list[QuerySet[Any] | list[Any]]:
    """Every object of the file, model by model, each model after the models it refers to."""
    districts = District.objects.filter(plans__plan=plan).order_by("order")
    municipalities = Municipality.objects.filter(district__in=districts).order_by("name")
    return [
        Strategy.objects.filter(pk=plan.strategy_id),
        Goal.objects.filter(strategy_id=plan.strategy_id).order_by("number"),
        ProgrammeLine.objects.filter(strategy_id=plan.strategy_id).order_by("number"),
        districts,
        municipalities,
        FocusTheme.objects.filter(district_plans__plan=plan).distinct().order_by("name"),
        ResilienceScan.objects.filter(municipality__in=municipalities, year__lte=plan.year).order_by(
            "year", "municipality__name"
        ),
        CommonThreadsReport.objects.filter(district__in=districts, year__lte=plan.year).order_by(
            "year", "district__order"
        ),
        AnnualPlan.objects.filter(pk=plan.pk),
        sections_parents_first(plan),
        Phenomenon.objects.filter(plan=plan).order_by("category", "order"),
        SectionBlock.objects.filter(section__plan=plan).order_by("section__slug", "after_items", "order"),
        Action.objects.filter(section__plan=plan).order_by("section__slug", "order"),
        ProgressUpdate.objects.filter(action__section__plan=plan).select_related("author").order_by("date", "pk"),
        QuarterClose.objects.filter(plan=plan).order_by("quarter"),
        ActionSnapshot.objects.filter(close__plan=plan).order_by(
            "close__quarter", "action__section__slug", "action__order"
        ),
        DistrictPlan.objects.filter(plan=plan).order_by("district__order"),
        DistrictFocusTheme.objects.filter(district_plan__plan=plan).order_by("district_plan__district__order", "pk"),
        Development.objects.filter(district_plan__plan=plan).order_by("district_plan__district__order", "order"),
        BaselineNorm.objects.filter(district_plan__plan=plan).order_by("district_plan__district__order", "order"),
        BaselineAssessment.objects.filter(norm__district_plan__plan=plan).order_by(
            "assessed_on", "municipality__name", "norm__order", "pk"
        ),
        CostGroup.objects.filter(plan=plan).order_by("category", "title"),
        CostLine.objects.filter(plan=plan).order_by("order"),
        CostSplit.objects.filter(cost_line__plan=plan).order_by("cost_line__order", "programme_line__number"),
        FundingSource.objects.filter(plan=plan).order_by("order"),
        ProgrammeAllocation.objects.filter(plan=plan).order_by("programme_line__number", "year", "kind"),
        Spending.objects.filter(cost_line__plan=plan).order_by("cost_line__order", "year", "quarter"),
    ]


def sections_parents_first(plan: AnnualPlan) -> list[PlanSection]:
    """A section refers to its parent by natural key, so the parent has to be loaded first."""
    sections = list(PlanSection.objects.filter(plan=plan).order_by("parent_id", "order", "pk"))
    parents = {s.pk: s.parent_id for s in sections}

    def depth(pk: int) -> int:
        level = 0
        while parent := parents.get(pk):
            pk = parent
            level += 1
        return level

    return sorted(sections, key=lambda s: (depth(s.pk), s.parent_id or 0, s.order))


def serialize_plan(plan: AnnualPlan) -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = []
    for queryset in plan_querysets(plan):
        objects.extend(_serialize(queryset))
    return objects


def _serialize(objects: Iterable[Model]) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = serializers.serialize(
        "python", objects, use_natural_foreign_keys=True, use_natural_primary_keys=True
    )
    for entry in data:
        # Models without a natural key get new primary keys on import: their number means nothing elsewhere.
        entry.pop("pk", None)
        for field in OMITTED_FIELDS.get(entry["model"], ()):
            entry["fields"].pop(field, None)
    return data


class Command(BaseCommand):
    help = "Schrijft een jaarplan met alles erin als JSON (natuurlijke sleutels) naar stdout of naar --output."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("year", type=int, help="het jaar van het jaarplan, bijvoorbeeld 2024")
        parser.add_argument("--output", "-o", help="bestand om naar te schrijven (standaard: stdout)")

    def handle(self, *args: Any, **options: Any) -> None:
        year = options["year"]
        plan = AnnualPlan.objects.filter(year=year).first()
        if plan is None:
            raise CommandError(f"Er is geen jaarplan voor {year}.")
        text = json.dumps(serialize_plan(plan), indent=2, ensure_ascii=False, cls=ExactJSONEncoder)
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
            self.stderr.write(f"Jaarplan {year} geschreven naar {options['output']}.")
        else:
            self.stdout.write(text)
