"""What changed between two years' plans: sections by slug, cost lines by part and label.

`build_comparison` runs a fixed number of queries (see the comments) whatever the size of the plans
and returns plain data. Text differences are lists of lines tagged "ins", "del" or "same"; the
template prints them with autoescaping, so nothing a user typed is ever output as HTML.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from django.http import Http404

from budget.formatting import format_amount
from budget.models import CostCategory, CostLine
from strategy.models import AnnualPlan, PlanSection

# Unchanged lines shown around each change in a body diff; the rest is left out.
DIFF_CONTEXT = 1


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "ins", "del", "same" or "gap" (unchanged lines left out)
    text: str


@dataclass
class SectionRef:
    slug: str
    number: str
    title: str


@dataclass
class SectionChange:
    slug: str
    old_number: str
    new_number: str
    old_title: str
    new_title: str
    title_diff: list[DiffLine] = field(default_factory=list)
    body_diff: list[DiffLine] = field(default_factory=list)

    @property
    def renumbered(self) -> bool:
        return self.old_number != self.new_number


@dataclass
class CostChange:
    category: str
    label: str
    old: int | None
    new: int | None
    status: str  # "same", "changed", "added" or "removed"

    @property
    def difference(self) -> int | None:
        """New minus old; unknown (None) when either side is pm or missing."""
        if self.old is None or self.new is None:
            return None
        return self.new - self.old

    @property
    def old_display(self) -> str:
        return "" if self.status == "added" else format_amount(self.old)

    @property
    def new_display(self) -> str:
        return "" if self.status == "removed" else format_amount(self.new)

    @property
    def difference_display(self) -> str:
        if self.status in ("added", "removed"):
            return ""
        return format_signed(self.difference)


@dataclass
class Comparison:
    new_year: int
    old_year: int
    new_title: str
    old_title: str
    added: list[SectionRef]
    removed: list[SectionRef]
    changed: list[SectionChange]
    costs: list[CostChange]
    old_total: int
    new_total: int

    @property
    def difference_total(self) -> int:
        return self.new_total - self.old_total

    @property
    def old_total_display(self) -> str:
        return format_amount(self.old_total)

    @property
    def new_total_display(self) -> str:
        return format_amount(self.new_total)

    @property
    def difference_total_display(self) -> str:
        return format_signed(self.difference_total)

    @property
    def changed_costs(self) -> list[CostChange]:
        return [row for row in self.costs if row.status != "same"]


def format_signed(value: int | None) -> str:
    """A difference the Dutch way with its sign: +45.475, -12.500, "-" for none, "pm" when unknown."""
    text = format_amount(value)
    return f"+{text}" if value is not None and value > 0 else text


def text_diff(old: str, new: str, context: int = DIFF_CONTEXT) -> list[DiffLine]:
    """Line diff of two texts: changed lines with `context` unchanged lines around them."""
    old_lines = old.splitlines()
    new_lines = new.splitlines()
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    result: list[DiffLine] = []
    for index, group in enumerate(matcher.get_grouped_opcodes(context)):
        if index or (group and (group[0][1] > 0 or group[0][3] > 0)):
            result.append(DiffLine("gap", "…"))
        for tag, old_start, old_end, new_start, new_end in group:
            if tag == "equal":
                result.extend(DiffLine("same", line) for line in old_lines[old_start:old_end])
                continue
            result.extend(DiffLine("del", line) for line in old_lines[old_start:old_end])
            result.extend(DiffLine("ins", line) for line in new_lines[new_start:new_end])
    return result


def _numbered_by_slug(sections: list[PlanSection]) -> dict[str, PlanSection]:
    return {section.slug: section for section in PlanSection.objects.numbered(sections)}


def build_comparison(new_year: int, old_year: int) -> Comparison:
    """The differences between the plans of `old_year` and `new_year`, in three queries."""
    # Query: both plans (404 when a year has no plan).
    plans = {plan.year: plan for plan in AnnualPlan.objects.filter(year__in=[new_year, old_year])}
    if new_year not in plans or old_year not in plans:
        raise Http404("Voor dit jaar is er geen jaarplan.")
    new_plan, old_plan = plans[new_year], plans[old_year]

    # Query: the sections of both plans (numbers are derived per plan, in Python).
    by_plan: dict[int, list[PlanSection]] = {new_plan.pk: [], old_plan.pk: []}
    for section in PlanSection.objects.filter(plan__in=[new_plan, old_plan]).only(
        "pk", "plan_id", "parent_id", "order", "slug", "title", "body"
    ):
        by_plan[section.plan_id].append(section)
    old_sections = _numbered_by_slug(by_plan[old_plan.pk])
    new_sections = _numbered_by_slug(by_plan[new_plan.pk])

    added = [SectionRef(slug, s.number, s.title) for slug, s in new_sections.items() if slug not in old_sections]
    removed = [SectionRef(slug, s.number, s.title) for slug, s in old_sections.items() if slug not in new_sections]
    changed: list[SectionChange] = []
    for slug, new in new_sections.items():
        old = old_sections.get(slug)
        if old is None or (old.title, old.body, old.number) == (new.title, new.body, new.number):
            continue
        changed.append(
            SectionChange(
                slug=slug,
                old_number=old.number,
                new_number=new.number,
                old_title=old.title,
                new_title=new.title,
                title_diff=text_diff(old.title, new.title) if old.title != new.title else [],
                body_diff=text_diff(old.body, new.body) if old.body != new.body else [],
            )
        )

    # Query: the cost lines of both plans, matched by part of table 4.1 and label.
    lines: dict[int, dict[tuple[str, str], CostLine]] = {new_plan.pk: {}, old_plan.pk: {}}
    for line in (
        CostLine.objects.filter(plan__in=[new_plan, old_plan])
        .order_by("order")
        .only("pk", "plan_id", "category", "label", "amount", "order")
    ):
        lines[line.plan_id][(line.category, line.label)] = line
    old_lines, new_lines = lines[old_plan.pk], lines[new_plan.pk]
    category_labels = {choice.value: str(choice.label) for choice in CostCategory}
    costs: list[CostChange] = []
    # New plan's order first; lines that no longer exist follow in the old plan's order.
    for key, line in [*new_lines.items(), *((k, v) for k, v in old_lines.items() if k not in new_lines)]:
        old_line, new_line = old_lines.get(key), new_lines.get(key)
        if old_line is None:
            status = "added"
        elif new_line is None:
            status = "removed"
        else:
            status = "same" if old_line.amount == new_line.amount else "changed"
        costs.append(
            CostChange(
                category=category_labels.get(line.category, line.category),
                label=line.label,
                old=old_line.amount if old_line else None,
                new=new_line.amount if new_line else None,
                status=status,
            )
        )

    return Comparison(
        new_year=new_plan.year,
        old_year=old_plan.year,
        new_title=str(new_plan),
        old_title=str(old_plan),
        added=added,
        removed=removed,
        changed=changed,
        costs=costs,
        old_total=sum(line.amount for line in old_lines.values() if line.amount is not None),
        new_total=sum(line.amount for line in new_lines.values() if line.amount is not None),
    )
