"""Builds the whole jaarplan once, as plain data, for the HTML page and the PDF alike.

`build_plan_report` runs a fixed number of queries whatever the size of the plan; the
templates only read the result and never reach the database.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, cast

from django.shortcuts import get_object_or_404

from budget.checks import load_budget
from budget.overview import BudgetTables, build_budget_tables
from core import clock
from core.markup import Markdown
from districts.models import BaselineNorm, Development, DistrictFocusTheme, DistrictPlan
from strategy.models import AnnualPlan, Phenomenon, PlanSection, QuarterClose, SectionBlock

from .models import AnnualReport

# What a quarterly report says, on the web and on every PDF page, until the bureau closes the quarter.
PROVISIONAL = "Voorlopig – kwartaal nog niet afgesloten"


@dataclass
class Item:
    """A titled block printed under a section: a phenomenon, focus theme, development or norm."""

    title: str
    html: Markdown


@dataclass
class Figure:
    """A figure of the source: its caption always; its image once one is uploaded."""

    caption: str
    alt_text: str
    url: str = ""  # the same address on the web page and in the PDF (the PDF's fetcher serves it)


@dataclass
class Block:
    """Text or a figure standing between a section's items."""

    text: Markdown
    figure: Figure | None = None
    kind: str = "block"


@dataclass
class Run:
    """Consecutive items of one kind, printed as one list."""

    kind: str  # "phenomena", "focus_themes", "developments" or "norms"
    items: list[Item]
    columns: bool = False


def figure_url(block_id: int, digest: str, image_type: str) -> str:
    extension = "png" if image_type == "image/png" else "jpg"
    return f"/figuren/{block_id}-{digest[:16]}.{extension}"


def _flow(section: Section, blocks: list[Any]) -> list[Run | Block]:
    """The section's items and blocks in the source's order: each block after its number of items."""
    items = [
        (kind, item)
        for kind in ("phenomena", "focus_themes", "developments", "norms")
        for item in getattr(section, kind)
    ]
    flow: list[Run | Block] = []
    position = 0

    def add_items(until: int) -> None:
        nonlocal position
        while position < min(until, len(items)):
            kind, item = items[position]
            last = flow[-1] if flow else None
            if isinstance(last, Run) and last.kind == kind:
                last.items.append(item)
            else:
                flow.append(Run(kind, [item], columns=kind == "phenomena" and section.phenomena_columns))
            position += 1

    for block in blocks:
        add_items(block.after_items)
        figure = None
        if block.caption:
            url = figure_url(block.pk, block.image_sha256, block.image_type) if block.image_sha256 else ""
            figure = Figure(caption=block.caption, alt_text=block.alt_text, url=url)
        flow.append(Block(text=Markdown(block.text), figure=figure))
    add_items(len(items))
    return flow


@dataclass
class Section:
    number: str
    title: str
    anchor: str
    depth: int
    body: Markdown
    goal: str = ""
    goal_number: int | None = None
    district: str = ""
    table: str = ""
    phenomena: list[Item] = field(default_factory=list)
    phenomena_columns: bool = False
    focus_themes: list[Item] = field(default_factory=list)
    developments: list[Item] = field(default_factory=list)
    norms: list[Item] = field(default_factory=list)
    # Items and blocks in the source's order: what the report prints after the section's text.
    flow: list[Run | Block] = field(default_factory=list)
    children: list[Section] = field(default_factory=list)


@dataclass
class PlanReport:
    year: int
    title: str
    organisation: str
    strategy: str
    strategy_subtitle: str
    status: str
    adopted_on: Any
    foreword_salutation: str
    foreword: Markdown
    foreword_signatory: str
    foreword_signatory_role: str
    reading_guide: Markdown
    chapters: list[Section]
    budget: BudgetTables

    @property
    def toc(self) -> list[Section]:
        """Chapters and their paragraphs: the two levels the printed table of contents shows."""
        return [entry for chapter in self.chapters for entry in (chapter, *chapter.children)]

    def all_sections(self) -> list[Section]:
        found: list[Section] = []

        def walk(sections: list[Section]) -> None:
            for section in sections:
                found.append(section)
                walk(section.children)

        walk(self.chapters)
        return found


def _sum(values: list[int | None]) -> int:
    return sum(v for v in values if v is not None)


def _items_by_section(rows: list[Any], title: Any, text: Any) -> dict[int, list[Item]]:
    grouped: dict[int, list[Item]] = defaultdict(list)
    for row in rows:
        if row.section_id:
            grouped[row.section_id].append(Item(title=title(row), html=Markdown(text(row))))
    return grouped


def _blocks_by_section(plan: AnnualPlan) -> dict[int, list[SectionBlock]]:
    grouped: dict[int, list[SectionBlock]] = defaultdict(list)
    for block in SectionBlock.objects.filter(section__plan=plan).defer("image").order_by("after_items", "order"):
        grouped[block.section_id].append(block)
    return grouped


def build_plan_report(year: int) -> PlanReport:
    """Everything the jaarplan shows, loaded in a fixed number of queries (see the comments)."""
    # Query: the plan and its strategy (404 for a year without a plan).
    plan = get_object_or_404(AnnualPlan.objects.select_related("strategy"), year=year)
    # Query: all sections with their goal.
    sections = PlanSection.objects.numbered(
        PlanSection.objects.filter(plan=plan).select_related("goal").order_by("order")
    )
    # Query: the district plans, to title district chapters.
    district_by_section = {
        dp.section_id: dp.district.name for dp in DistrictPlan.objects.filter(plan=plan).select_related("district")
    }
    # Queries: phenomena, focus themes (with their theme), developments, norms.
    phenomenon_rows = list(Phenomenon.objects.filter(plan=plan).order_by("category", "order"))
    phenomena = _items_by_section(phenomenon_rows, title=lambda p: p.name, text=lambda p: p.description)
    # National developments are printed side by side, as in the published plan.
    landelijk_sections = {p.section_id for p in phenomenon_rows if p.category == Phenomenon.Category.NATIONAL}
    focus = _items_by_section(
        list(DistrictFocusTheme.objects.filter(district_plan__plan=plan).select_related("theme").order_by("order")),
        title=lambda f: f.display_name,
        text=lambda f: f.text,
    )
    developments = _items_by_section(
        list(Development.objects.filter(district_plan__plan=plan).order_by("order")),
        title=lambda d: d.title,
        text=lambda d: d.body,
    )
    norms = _items_by_section(
        list(BaselineNorm.objects.filter(district_plan__plan=plan).order_by("order")),
        # A norm the source names without a title prints without one (its title heads the dashboard's column).
        title=lambda n: n.title if n.title_in_plan else "",
        text=lambda n: n.description,
    )

    # Query: the blocks of text and figures between items (without the images themselves).
    blocks = _blocks_by_section(plan)

    nodes: dict[int, Section] = {}
    chapters: list[Section] = []
    for s in sections:
        node = Section(
            number=s.number,
            title=s.title,
            anchor=s.anchor,
            depth=s.depth,
            body=Markdown(s.body),
            goal=s.goal.title if s.goal else "",
            goal_number=s.goal.number if s.goal else None,
            district=district_by_section.get(s.pk, ""),
            table=s.table,
            phenomena=phenomena.get(s.pk, []),
            phenomena_columns=s.pk in landelijk_sections,
            focus_themes=focus.get(s.pk, []),
            developments=developments.get(s.pk, []),
            norms=norms.get(s.pk, []),
        )
        node.flow = _flow(node, blocks.get(s.pk, []))
        nodes[s.pk] = node
        if s.parent_id is None:
            chapters.append(node)
        else:
            nodes[s.parent_id].children.append(node)

    return PlanReport(
        year=plan.year,
        title=plan.title,
        organisation=plan.organisation,
        strategy=plan.strategy.name,
        strategy_subtitle=plan.strategy.subtitle,
        status=plan.get_status_display(),
        adopted_on=plan.adopted_on,
        foreword_salutation=plan.foreword_salutation,
        foreword=Markdown(plan.foreword),
        foreword_signatory=plan.foreword_signatory,
        foreword_signatory_role=plan.foreword_signatory_role,
        reading_guide=Markdown(plan.reading_guide),
        chapters=chapters,
        # Queries: cost lines with group and line, their splits, funding, table 4.3 (no spending in print).
        budget=build_budget_tables(load_budget(plan, with_spending=False)),
    )


@dataclass
class QuarterLink:
    """A quarterly report offered on the index: only a quarter that has begun; provisional until closed."""

    number: int
    closed: bool

    @property
    def provisional_label(self) -> str:
        return "" if self.closed else PROVISIONAL


def offered_quarters(year: int, today: Any, closed: set[tuple[int, int]]) -> list[QuarterLink]:
    """The quarters of `year` that have begun on `today` (a future quarter has no report yet)."""
    return [
        QuarterLink(quarter, (year, quarter) in closed)
        for quarter in range(1, 5)
        if datetime.date(year, 3 * quarter - 2, 1) <= today
    ]


def plan_years() -> list[dict[str, Any]]:
    """The plans for the index page, newest first, each with the plan before it (for a comparison),
    its quarterly reports so far and whether its jaarverslag is adopted (three queries)."""
    plans = cast(
        # values() yields plain dicts; the plugin types each row as a TypedDict, which is no dict[str, Any].
        list[dict[str, Any]],
        list(AnnualPlan.objects.order_by("-year").values("year", "title", "status", "adopted_on")),
    )
    closed = set(QuarterClose.objects.closed().values_list("plan__year", "quarter"))
    adopted = set(AnnualReport.objects.values_list("plan__year", flat=True))
    years = {plan["year"] for plan in plans}
    today = clock.today()
    for plan in plans:
        plan["previous"] = plan["year"] - 1 if plan["year"] - 1 in years else None
        plan["quarters"] = offered_quarters(plan["year"], today, closed)
        plan["annual_adopted"] = plan["year"] in adopted
    return plans
