"""The jaarverslag: the year's close of the P&C cycle (jaarplan -> voortgangsrapportages -> jaarverslag).

`build_annual_report` builds it once, as plain data, for the web page and the PDF alike (as
`reports.builders` does the jaarplan): per goal and programme line what was done (each action's final
state with its last update's text), per district what moved (basis op orde at the start and the end
of the year, the year's figures), what it means (the texts the bureau and the coordinators write,
`AnnualReportText`), and the money (realisation against the begroting per line and cost group, from
`budget.overview`, the budget page's own tables).

The stuurgroep adopts it like the plan (`adopt_annual_report`): the page and the PDF's source are
kept as they were (`AnnualReport`), and the PDF is rendered once from that source and kept with its
SHA-256, as a closed quarter's report is.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

import audit
from budget.models import Spending
from budget.overview import BudgetOverview, build_budget_overview
from core import clock, history, permissions
from core.markup import Markdown
from districts.models import District, DistrictPlan
from strategy.models import Action, AnnualPlan, Goal, ProgrammeLine

from .dashboards import _action_row, _dashboard, _district_pages, _load
from .models import AnnualReport, AnnualReportText
from .pdf import render_pdf
from .progress import ActionRow, Dashboard, Tally

logger = logging.getLogger(__name__)

OTHER = "Overige acties"
ADOPTED = "Het jaarverslag {year} is vastgesteld en ligt vast; de teksten kunnen niet meer worden gewijzigd."
STALE = (
    "Iemand anders heeft deze tekst opgeslagen nadat u hem opende. Uw tekst is niet opgeslagen; hieronder staat "
    "de nieuwe versie. Neem uw wijzigingen daarin over en sla opnieuw op."
)
TEXT_MAX = 20_000


@dataclass
class LineBlock:
    """The actions of one programme line (or of none) under a goal."""

    title: str
    actions: list[ActionRow]
    tally: Tally


@dataclass
class GoalChapter:
    anchor: str
    number: str
    title: str
    goal_pk: int | None
    text: Markdown
    lines: list[LineBlock]
    tally: Tally


@dataclass
class DistrictChapter:
    anchor: str
    number: str
    title: str
    slug: str
    district_pk: int
    text: Markdown
    actions: list[ActionRow]
    tally: Tally
    norms: int
    municipalities: int
    meets_start: int
    meets_end: int
    start_label: str
    end_label: str

    @property
    def meets_change(self) -> int:
        return self.meets_end - self.meets_start


@dataclass
class TocEntry:
    number: str
    title: str
    anchor: str
    depth: int


@dataclass
class AnnualReportData:
    year: int
    title: str
    organisation: str
    strategy: str
    as_of: datetime.date
    status: str
    adopted_on: datetime.date | None
    summary: Dashboard
    goals: list[GoalChapter]
    districts: list[DistrictChapter]
    money: BudgetOverview
    spending_rows: int
    spending_total: int
    toc: list[TocEntry] = field(default_factory=list)

    @property
    def money_anchor(self) -> str:
        return "financien"

    @property
    def money_number(self) -> str:
        return str(len(self.goals) + 3)

    @property
    def districts_number(self) -> str:
        return str(len(self.goals) + 2)


def _goal_and_line(action: Action) -> tuple[int | None, int | None]:
    """The goal and programme line of an action, from the action, else its section, else the parent section."""
    section = action.section
    parent = section.parent
    goal_id = action.goal_id or section.goal_id or (parent.goal_id if parent else None)
    line_id = action.programme_line_id or section.programme_line_id or (parent.programme_line_id if parent else None)
    return goal_id, line_id


def _tally(label: str, rows: list[ActionRow]) -> Tally:
    tally = Tally(label)
    for row in rows:
        tally.add(row)
    return tally


def _goal_chapters(
    plan: AnnualPlan, actions: list[Action], as_of: datetime.date, texts: dict[int, str]
) -> list[GoalChapter]:
    # Queries: the goals and programme lines of the plan's strategy.
    goals = list(Goal.objects.filter(strategy=plan.strategy_id).order_by("number"))
    lines = list(ProgrammeLine.objects.filter(strategy=plan.strategy_id).order_by("number"))
    by_goal_line: dict[tuple[int | None, int | None], list[ActionRow]] = {}
    for action in actions:
        goal_id, line_id = _goal_and_line(action)
        if line_id is not None and goal_id is None:
            goal_id = next((line.goal_id for line in lines if line.pk == line_id), None)
        by_goal_line.setdefault((goal_id, line_id), []).append(_action_row(action, as_of))
    chapters: list[GoalChapter] = []
    subjects: list[tuple[Goal | None, list[ProgrammeLine]]] = [
        (goal, [line for line in lines if line.goal_id == goal.pk]) for goal in goals
    ]
    subjects.append((None, [line for line in lines if line.goal_id is None]))
    for position, (goal, goal_lines) in enumerate(subjects, start=2):
        goal_id = goal.pk if goal else None
        blocks = [
            LineBlock(f"Lijn {line.number}: {line.title}", rows, _tally(str(line), rows))
            for line in goal_lines
            for rows in [by_goal_line.get((goal_id, line.pk), [])]
        ]
        known = {line.pk for line in goal_lines}
        loose = [
            row for (g, line_id), rows in by_goal_line.items() if g == goal_id and line_id not in known for row in rows
        ]
        if loose:
            blocks.append(LineBlock(OTHER if goal else "Acties zonder doel of lijn", loose, _tally(OTHER, loose)))
        all_rows = [row for block in blocks for row in block.actions]
        if goal is None and not all_rows:
            continue
        title = f"Doel {goal.number}: {goal.short_title}" if goal else "Programmamanagement en overige acties"
        chapters.append(
            GoalChapter(
                anchor=f"doel-{goal.number}" if goal else "overig",
                number=str(position),
                title=title,
                goal_pk=goal_id,
                text=Markdown(texts.get(goal_id, "") if goal_id else ""),
                lines=blocks,
                tally=_tally(title, all_rows),
            )
        )
    return chapters


def _district_chapters(
    plan: AnnualPlan, as_of: datetime.date, texts: dict[int, str], first_number: int
) -> list[DistrictChapter]:
    # Query: the district plans with their district and plan.
    district_plans = list(DistrictPlan.objects.filter(plan=plan).select_related("district", "plan"))
    # Queries: the district pages at the end of the year, and as they stood when it began (basis op orde).
    end = _district_pages(district_plans, reference=as_of, as_of=as_of)
    start = {
        page.slug: page
        for page in _district_pages(
            district_plans, reference=as_of, as_of=datetime.date(plan.year, 1, 1) - datetime.timedelta(days=1)
        )
    }
    ids = {dp.district.slug: dp.district_id for dp in district_plans}
    chapters = []
    for position, page in enumerate(end):
        before = start[page.slug].matrix
        chapters.append(
            DistrictChapter(
                anchor=f"district-{page.slug}",
                number=f"{first_number}.{position + 1}",
                title=page.name,
                slug=page.slug,
                district_pk=ids[page.slug],
                text=Markdown(texts.get(ids[page.slug], "")),
                actions=page.actions,
                tally=page.tally,
                norms=len(page.matrix.norms),
                municipalities=len(page.matrix.rows),
                meets_start=sum(before.column_meets),
                meets_end=sum(page.matrix.column_meets),
                start_label=before.meets_label,
                end_label=page.matrix.meets_label,
            )
        )
    return chapters


def build_annual_report(year: int) -> AnnualReportData:
    """Everything the jaarverslag of `year` shows, in a fixed number of queries (named in the comments)."""
    # Query: the plan with its strategy (404 for a year without a plan).
    plan = AnnualPlan.objects.select_related("strategy").filter(year=year).first()
    if plan is None:
        raise Http404(f"Er is geen jaarplan {year}, dus ook geen jaarverslag.")
    as_of = datetime.date(year, 12, 31)
    measured = min(as_of, clock.today())
    # Query: the texts of the goals and districts.
    texts = list(AnnualReportText.objects.filter(plan=plan).values_list("goal_id", "district_id", "text"))
    goal_texts = {goal_id: text for goal_id, _d, text in texts if goal_id}
    district_texts = {district_id: text for _g, district_id, text in texts if district_id}
    # Queries: the summary as of the year's end (goals, district plans, actions, updates).
    summary = _dashboard(plan, reference=measured, as_of=as_of)
    # Queries: the actions with section and parent section, their updates up to the year's end.
    actions = _load(
        Action.objects.filter(section__plan=plan).select_related(
            "section__parent", *permissions.district_related(Action)
        ),
        as_of,
        None,
    )
    goals = _goal_chapters(plan, actions, measured, goal_texts)
    districts_number = len(goals) + 2
    districts = _district_chapters(plan, as_of, district_texts, districts_number)
    # Queries: the budget with its spending (budget.checks.load_budget), and the spending rows themselves.
    money = build_budget_overview(plan)
    spending = Spending.objects.for_plan_year(plan).aggregate(total=Sum("amount"))
    spending_rows = Spending.objects.for_plan_year(plan).count()
    title = f"Jaarverslag {year}"
    toc = [TocEntry("1", "Het jaar in het kort", "samenvatting", 1)]
    for chapter in goals:
        toc.append(TocEntry(chapter.number, chapter.title, chapter.anchor, 1))
    toc.append(TocEntry(str(districts_number), "De districten", "districten", 1))
    toc += [TocEntry(chapter.number, chapter.title, chapter.anchor, 2) for chapter in districts]
    toc.append(TocEntry(str(districts_number + 1), "Financiën: realisatie en begroting", "financien", 1))
    report = AnnualReportData(
        year=year,
        title=title,
        organisation=plan.organisation,
        strategy=plan.strategy.name,
        as_of=as_of,
        status="concept",
        adopted_on=None,
        summary=summary,
        goals=goals,
        districts=districts,
        money=money,
        spending_rows=spending_rows,
        spending_total=spending["total"] or 0,
        toc=toc,
    )
    return report


# Texts ------------------------------------------------------------------------------------------------


def subject_of(plan: AnnualPlan, kind: str, key: str) -> Goal | District:
    """The goal (by number) or district (by slug) a text is about; 404 for anything else."""
    if kind == "doel" and key.isdigit():
        goal = Goal.objects.filter(strategy=plan.strategy_id, number=int(key)).first()
        if goal is not None:
            return goal
    if kind == "district":
        district = District.objects.filter(slug=key, plans__plan=plan).first()
        if district is not None:
            return district
    raise Http404("Deze tekst hoort niet bij dit jaarverslag.")


def text_for(plan: AnnualPlan, subject: Goal | District) -> AnnualReportText:
    """The stored text about `subject`, or a new, empty one (not saved)."""
    lookup = {"goal": subject} if isinstance(subject, Goal) else {"district": subject}
    found = AnnualReportText.objects.filter(plan=plan, **lookup).first()
    return found or AnnualReportText(plan=plan, **lookup)


def can_write(user: Any, text: AnnualReportText) -> bool:
    """The policy decides (the bureau every text, a coordinator the own district's); an adopted report no one."""
    adopted = AnnualReport.objects.filter(plan_id=text.plan_id).exists()
    return not adopted and permissions.can_change(user, text)


@transaction.atomic
def save_text(*, user: Any, text: AnnualReportText, content: str, version: int | None) -> AnnualReportText:
    """Save a text of the jaarverslag, written by `user`; a stale version never overwrites a newer one."""
    AnnualPlan.objects.select_for_update().filter(pk=text.plan_id).first()  # serialises with adoption
    if AnnualReport.objects.filter(plan_id=text.plan_id).exists():
        raise ValidationError(ADOPTED.format(year=text.plan.year))
    if not permissions.can_change(user, text):
        raise PermissionDenied("U mag deze tekst van het jaarverslag niet wijzigen.")
    if len(content) > TEXT_MAX:
        raise ValidationError({"text": f"De tekst is langer dan {TEXT_MAX:,} tekens.".replace(",", ".")})
    text.text = content
    text._history_user = user  # type: ignore[attr-defined]
    if text.pk is None:
        if AnnualReportText.objects.filter(
            plan_id=text.plan_id, goal_id=text.goal_id, district_id=text.district_id
        ).exists():
            raise history.StaleVersionError("written meanwhile")
        text.full_clean()
        text.save()
    else:
        history.save_if_current(text, expected=version if version is not None else -1)
    return text


# Adoption ---------------------------------------------------------------------------------------------


def can_adopt(user: Any, year: int) -> bool:
    """As the plan: the stuurgroep or the bureau, once, after the year has ended."""
    return (
        (permissions.is_bureau(user) or permissions.is_steering_group(user))
        and clock.today() > datetime.date(year, 12, 31)
        and not AnnualReport.objects.filter(plan__year=year).exists()
    )


def render_sources(report: AnnualReportData) -> tuple[str, str]:
    """The page body and the PDF's HTML of the report, from the one set of data."""
    body = render_to_string("reports/_annual_body.html", {"report": report, "web": True})
    pdf_html = render_to_string("reports/annual_pdf.html", {"report": report})
    return body, pdf_html


def adopt_annual_report(*, year: int, user: Any) -> AnnualReport:
    """The stuurgroep adopts the jaarverslag: its page and PDF source are kept; the PDF follows in the background."""
    if not permissions.is_bureau(user) and not permissions.is_steering_group(user):
        raise PermissionDenied("Alleen de stuurgroep of het RIEC-bureau stelt het jaarverslag vast.")
    today = clock.today()
    if today <= datetime.date(year, 12, 31):
        raise ValidationError(f"Het jaar {year} loopt nog tot en met 31 december; stel het jaarverslag daarna vast.")
    with transaction.atomic():
        plan = AnnualPlan.objects.select_for_update().filter(year=year).first()
        if plan is None:
            raise Http404(f"Er is geen jaarplan {year}.")
        if AnnualReport.objects.filter(plan=plan).exists():
            raise ValidationError(f"Het jaarverslag {year} is al vastgesteld.")
        report = build_annual_report(year)
        report.status = "vastgesteld"
        report.adopted_on = today
        body, pdf_html = render_sources(report)
        adopted = AnnualReport(
            plan=plan, adopted_on=today, adopted_by=user, title=report.title, body=body, pdf_html=pdf_html
        )
        adopted._change_reason = f"Vastgesteld op {today:%d-%m-%Y}"  # type: ignore[attr-defined]
        adopted._history_user = user  # type: ignore[attr-defined]
        adopted.save()
        audit.record(
            None,
            action=audit.Action.PLAN_ADOPTED,
            obj=adopted,
            result=audit.Result.SUCCESS,
            actor=user,
            detail=f"Jaarverslag {year} vastgesteld",
        )
        adopted_id = adopted.pk
        transaction.on_commit(lambda: freeze_annual_report.enqueue(adopted_id))
    return adopted


def frozen_pdf(adopted: AnnualReport) -> bytes:
    """The kept PDF of an adopted jaarverslag; rendered from the source kept at adoption the first time."""
    if adopted.document is not None:
        return bytes(adopted.document)
    pdf = render_pdf(adopted.pdf_html)
    digest = hashlib.sha256(pdf).hexdigest()
    stored = AnnualReport.objects.filter(pk=adopted.pk, document__isnull=True).update(
        document=pdf, document_sha256=digest, document_rendered_at=timezone.now()
    )
    if stored:
        issued = AnnualReport.objects.get(pk=adopted.pk)
        issued._change_reason = f"Jaarverslag (PDF) vastgelegd (SHA-256 {digest})"  # type: ignore[attr-defined]
        issued.save(update_fields=["document_sha256"])
    current = AnnualReport.objects.filter(pk=adopted.pk).values_list("document", "document_sha256").first()
    if current is None or current[0] is None:
        return pdf
    adopted.document, adopted.document_sha256 = current
    return bytes(current[0])


@task()
def freeze_annual_report(adopted_id: int) -> str:
    """Render and keep the adopted jaarverslag's PDF (in the background worker)."""
    adopted = AnnualReport.objects.filter(pk=adopted_id).first()
    if adopted is None:
        return "verwijderd"
    frozen_pdf(adopted)
    return adopted.document_sha256
