"""The dashboards' plain data: rows, tallies and pages that the templates read; no queries here."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from budget.checks import CheckResult
from core.markup import Markdown
from districts.models import BaselineAssessment
from strategy.models import Status

from .builders import PROVISIONAL, Item
from .charts import STATUS_LABELS, STATUS_ORDER, StatusChart

REGIONAL = "Regionaal"
OTHER_GOAL = "Overig"

ATTENTION_STATUSES = {Status.AT_RISK, Status.DELAYED}


@dataclass(frozen=True)
class AssessmentStyle:
    label: str
    symbol: str


# Colour is never the only carrier: every cell also prints a symbol and a word.
ASSESSMENT_STYLES: dict[str, AssessmentStyle] = {
    BaselineAssessment.Status.MEETS: AssessmentStyle("voldoet", "+"),
    BaselineAssessment.Status.PARTLY: AssessmentStyle("deels", "±"),
    BaselineAssessment.Status.FAILS: AssessmentStyle("voldoet niet", "×"),
    BaselineAssessment.Status.UNKNOWN: AssessmentStyle("onbekend", "?"),
}


def percentage(part: int, whole: int) -> int | None:
    """A whole percentage, rounded half up; None when there is nothing to divide."""
    if not whole:
        return None
    return (200 * part + whole) // (2 * whole)


def percentage_label(part: int, whole: int) -> str:
    share = percentage(part, whole)
    return "–" if share is None else f"{share}%"


UNKNOWN_LABEL = "onbekend"


def known_share_label(meets: int, known: int, cells: int) -> str:
    """The share that meets among the cells whose stand is known; "onbekend" when none is, never 0 %.

    Unknown cells do not count as failing: they are named beside the share ("50% (12 onbekend)").
    """
    if not known:
        return UNKNOWN_LABEL
    share = percentage_label(meets, known)
    unknown = cells - known
    return f"{share} ({unknown} {UNKNOWN_LABEL})" if unknown else share


# --- plain data ---------------------------------------------------------------------------


@dataclass
class ActionRow:
    pk: int
    title: str
    owner: str
    due_label: str
    status: str
    status_label: str
    overdue: bool
    deadline: datetime.date | None = None
    goal: str = ""
    district: str = ""
    district_slug: str = ""
    latest_date: datetime.date | None = None
    latest_percentage: int | None = None
    narrative: Markdown = field(default_factory=lambda: Markdown(""))
    # Carried over from last year's plan with a due moment that had passed: a new one is to be set.
    to_review: bool = False

    @property
    def needs_attention(self) -> bool:
        return self.status in ATTENTION_STATUSES or self.overdue


@dataclass
class StatusCount:
    status: str
    label: str
    count: int


@dataclass
class Tally:
    """The actions of one goal, one district or the whole plan, counted by status."""

    label: str
    slug: str = ""
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUS_ORDER, 0))
    overdue: list[ActionRow] = field(default_factory=list)

    def add(self, row: ActionRow) -> None:
        self.counts[row.status] += 1
        if row.overdue:
            self.overdue.append(row)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def done(self) -> int:
        return self.counts[Status.DONE]

    @property
    def done_share(self) -> int | None:
        return percentage(self.done, self.total)

    @property
    def done_label(self) -> str:
        return percentage_label(self.done, self.total)

    @property
    def statuses(self) -> list[StatusCount]:
        return [StatusCount(s, STATUS_LABELS[s], self.counts[s]) for s in STATUS_ORDER]


@dataclass
class UpdateRow:
    action_pk: int
    action: str
    district: str
    author: str
    date: datetime.date
    status: str
    status_label: str
    percentage: int


@dataclass
class DistrictLink:
    name: str
    slug: str
    ambition: str = ""


@dataclass
class Dashboard:
    year: int
    title: str
    plan_status: str
    reference_date: datetime.date
    as_of: datetime.date | None
    total: Tally
    goals: list[Tally]
    districts: list[Tally]
    goal_chart: StatusChart
    district_chart: StatusChart
    overdue: list[ActionRow]
    to_review: list[ActionRow]
    attention: list[ActionRow]
    latest_updates: list[UpdateRow]
    district_links: list[DistrictLink]
    quarters: list[int]
    budget_checks: list[CheckResult] = field(default_factory=list)

    @property
    def budget_ok(self) -> bool:
        return all(check.ok for check in self.budget_checks)


@dataclass
class MatrixCell:
    status: str
    label: str
    symbol: str
    assessed_on: datetime.date | None


@dataclass
class MatrixRow:
    municipality: str
    cells: list[MatrixCell]
    meets: int
    meets_label: str
    scan: str
    scan_done: bool


@dataclass
class Matrix:
    norms: list[str]
    rows: list[MatrixRow]
    column_meets: list[int]
    column_labels: list[str]
    meets_label: str


@dataclass
class DistrictPage:
    year: int
    name: str
    slug: str
    province: str
    workplan_name: str
    workplan_period: str
    ambition: str
    focus_themes: list[Item]
    developments: list[Item]
    actions: list[ActionRow]
    tally: Tally
    chart: StatusChart
    matrix: Matrix
    common_threads: str
    as_of: datetime.date | None


@dataclass
class ThemeRow:
    name: str
    cells: list[str | None]

    @property
    def district_count(self) -> int:
        return sum(1 for cell in self.cells if cell is not None)


@dataclass
class ThemeOverview:
    year: int
    districts: list[DistrictLink]
    rows: list[ThemeRow]


@dataclass
class ProgressReport:
    year: int
    quarter: int
    as_of: datetime.date
    title: str
    organisation: str
    dashboard: Dashboard
    districts: list[DistrictPage]
    # The day the bureau closed the quarter: the report is then the snapshot taken that day.
    closed_on: datetime.date | None = None
    # A quarter not closed (yet): its figures may still change, and the report says so on every page.
    provisional: bool = False

    @property
    def provisional_label(self) -> str:
        return PROVISIONAL if self.provisional else ""

    @property
    def attention(self) -> list[ActionRow]:
        return self.dashboard.attention
