"""Dashboards of the current plan: progress per goal and district, one district, themes, quarterly report.

Like `reports.builders`, every builder here loads what it needs in a fixed number of queries
(named in the comments) and returns plain data; the templates only read it.

An action's status is the status of its latest progress update (`Action.status`). The updates
are prefetched into `updates_newest_first`, the attribute `Action.latest_update` reads, so the
model's own rule is used, and a report "as of" a date simply prefetches fewer updates.
"""

from __future__ import annotations

import datetime

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from budget.checks import check_budget
from core import clock, permissions
from core.markup import Markdown
from districts.models import (
    BaselineAssessment,
    BaselineNorm,
    CommonThreadsReport,
    Development,
    DistrictFocusTheme,
    DistrictPlan,
    FocusTheme,
    Municipality,
    ResilienceScan,
    active_norms,
)
from strategy.models import Action, ActionSnapshot, AnnualPlan, Goal, ProgressUpdate, QuarterClose

from .builders import Item
from .charts import STATUS_LABELS, status_chart
from .progress import (
    ASSESSMENT_STYLES,
    OTHER_GOAL,
    REGIONAL,
    ActionRow,
    Dashboard,
    DistrictLink,
    DistrictPage,
    Matrix,
    MatrixCell,
    MatrixRow,
    ProgressReport,
    Tally,
    ThemeOverview,
    ThemeRow,
    UpdateRow,
    known_share_label,
)

# --- helpers ------------------------------------------------------------------------------


def current_plan(reference: datetime.date | None = None, year: int | None = None) -> AnnualPlan | None:
    """The plan of `year`, or the running plan (AnnualPlan.objects.running), with its strategy (one query)."""
    plans = AnnualPlan.objects.select_related("strategy")
    if year is not None:
        return plans.filter(year=year).first()
    return plans.running(reference)


def _current_plan_or_404(reference: datetime.date | None = None, year: int | None = None) -> AnnualPlan:
    plan = current_plan(reference, year)
    if plan is None:
        raise Http404(f"Er is geen jaarplan {year}." if year is not None else "Er is nog geen jaarplan.")
    return plan


def _with_updates(actions: QuerySet[Action], as_of: datetime.date | None) -> QuerySet[Action]:
    """Actions with their updates newest first (two queries), only those dated up to `as_of`."""
    updates = ProgressUpdate.objects.select_related("author").order_by("-date", "-pk")
    if as_of is not None:
        updates = updates.filter(date__lte=as_of)
    # Same attribute as ActionQuerySet.with_latest_update, so Action.status/latest_update read it.
    # The plugin takes the annotation Action declares for this to_attr for a clashing attribute.
    return actions.select_related("section").prefetch_related(  # type: ignore[no-redef]
        Prefetch("updates", queryset=updates, to_attr="updates_newest_first")
    )


def _load(actions: QuerySet[Action], as_of: datetime.date | None, close: QuarterClose | None) -> list[Action]:
    """The actions with their updates (two queries); of a closed quarter, with its snapshot instead.

    A snapshot stands in for the action's latest update as of the quarter's end, so every row, tally
    and chart is computed as for a live report; only actions that were in the plan at closing count.
    """
    if close is None:
        return list(_with_updates(actions, as_of))
    frozen: list[Action] = list(
        actions.filter(snapshots__close=close)
        .select_related("section")
        .prefetch_related(
            Prefetch("snapshots", queryset=ActionSnapshot.objects.filter(close=close), to_attr="closing_snapshots")
        )
    )
    for action in frozen:
        snapshots = action.closing_snapshots  # type: ignore[attr-defined]  # a to_attr
        updates = [snapshot.as_update() for snapshot in snapshots]
        action.updates_newest_first = [update for update in updates if update is not None]
        # The title at closing, not as edited since (snapshots from before titles were kept have none).
        action.title = next((snapshot.title for snapshot in snapshots if snapshot.title), action.title)
    return frozen


def _action_row(
    action: Action, reference: datetime.date, goal: str = "", district: DistrictLink | None = None
) -> ActionRow:
    status = action.status
    latest = action.latest_update
    deadline = action.deadline
    return ActionRow(
        pk=action.pk,
        title=action.title,
        owner=action.owner,
        due_label=action.due_label or action.due_note,
        status=status,
        status_label=STATUS_LABELS[status],
        overdue=action.is_overdue(reference),
        deadline=deadline,
        goal=goal,
        district=district.name if district else REGIONAL,
        district_slug=district.slug if district else "",
        latest_date=latest.date if latest else None,
        latest_percentage=latest.percentage if latest else None,
        narrative=Markdown(latest.narrative if latest else ""),
        to_review=action.due_to_review,
    )


def _author(update: ProgressUpdate) -> str:
    if update.author is None:
        return "onbekend"
    return update.author.get_full_name() or update.author.get_username()


# --- the dashboard ------------------------------------------------------------------------


def _dashboard(
    plan: AnnualPlan, *, reference: datetime.date, as_of: datetime.date | None, close: QuarterClose | None = None
) -> Dashboard:
    # Query: the goals of the plan's strategy.
    goals = list(Goal.objects.filter(strategy=plan.strategy_id).order_by("number"))
    # Keyed by goal id, and looked up with the id of an action's goal, which may be None.
    goal_names: dict[int | None, str] = {g.pk: f"Doel {g.number}: {g.short_title}" for g in goals}
    # Query: the district plans with their district.
    district_plans = list(DistrictPlan.objects.filter(plan=plan).select_related("district"))
    links = {dp.district_id: DistrictLink(dp.district.name, dp.district.slug, dp.ambition) for dp in district_plans}
    # Queries: the actions with their section (and what the policy reads for their district), and their
    # progress updates with author.
    actions = _load(
        Action.objects.filter(section__plan=plan).select_related(
            "section__parent", *permissions.district_related(Action)
        ),
        as_of,
        close,
    )

    by_goal = {pk: Tally(label) for pk, label in goal_names.items()}
    other = Tally(OTHER_GOAL)
    by_district = {district_id: Tally(link.name, link.slug) for district_id, link in links.items()}
    regional = Tally(REGIONAL)
    total = Tally("Totaal")
    rows: list[ActionRow] = []
    updates: list[tuple[ProgressUpdate, str]] = []
    for action in actions:
        section = action.section
        parent = section.parent
        goal_id = action.goal_id or section.goal_id or (parent.goal_id if parent else None)
        district_id = next(iter(sorted(permissions.district_ids_of(action) & links.keys())), None)
        district = links.get(district_id) if district_id is not None else None
        row = _action_row(action, reference, goal_names.get(goal_id, OTHER_GOAL), district)
        rows.append(row)
        total.add(row)
        by_goal.get(goal_id, other).add(row)
        (by_district[district_id] if district_id is not None else regional).add(row)
        updates.extend((update, row.district) for update in action.updates_newest_first)

    goal_tallies = [by_goal[g.pk] for g in goals] + ([other] if other.total else [])
    district_tallies = [by_district[dp.district_id] for dp in district_plans] + ([regional] if regional.total else [])
    updates.sort(key=lambda pair: (pair[0].date, pair[0].pk), reverse=True)
    titles = {action.pk: action.title for action in actions}
    latest = [
        UpdateRow(
            action_pk=update.action_id,
            action=titles[update.action_id],
            district=district,
            author=_author(update),
            date=update.date,
            status=update.status,
            status_label=STATUS_LABELS[update.status],
            percentage=update.percentage,
        )
        for update, district in updates[:10]
    ]
    last_quarter = 4 if reference.year > plan.year else (reference.month - 1) // 3 + 1
    return Dashboard(
        year=plan.year,
        title=plan.title or f"Jaarplan {plan.year}",
        plan_status=plan.get_status_display(),
        reference_date=reference,
        as_of=as_of,
        total=total,
        goals=goal_tallies,
        districts=district_tallies,
        goal_chart=status_chart("chart-goals", "Status van de acties per doel", goal_tallies),
        district_chart=status_chart("chart-districts", "Status van de acties per district", district_tallies),
        # Longest overdue first; the same order on every database.
        overdue=sorted((row for row in rows if row.overdue), key=lambda row: (row.deadline, row.title)),
        to_review=[row for row in rows if row.to_review],
        attention=[row for row in rows if row.needs_attention],
        latest_updates=latest,
        district_links=[links[dp.district_id] for dp in district_plans],
        quarters=list(range(1, last_quarter + 1)) if reference.year >= plan.year else [],
    )


def build_dashboard(reference: datetime.date | None = None, year: int | None = None) -> Dashboard | None:
    """The dashboard of the current plan, or None when there is no plan yet.

    5 queries for the progress, plus the 5 of budget.checks.load_budget for the budget checks.
    """
    reference = reference or clock.today()
    if year is not None:
        plan: AnnualPlan | None = _current_plan_or_404(reference, year)
    else:
        plan = current_plan(reference)
    if plan is None:
        return None
    dashboard = _dashboard(plan, reference=reference, as_of=None)
    dashboard.budget_checks = check_budget(plan)
    return dashboard


# --- districts ----------------------------------------------------------------------------


def _scan_text(scan: ResilienceScan | None, as_of: datetime.date | None) -> tuple[str, bool]:
    if scan is None:
        return "geen scan", False
    delivered = scan.is_delivered and not (as_of and scan.delivered_on and scan.delivered_on > as_of)
    if delivered:
        when = scan.delivered_on.strftime("%d-%m-%Y") if scan.delivered_on else str(scan.year)
        return f"opgeleverd ({when})", True
    return f"gepland ({scan.year})", False


def _common_threads_text(report: CommonThreadsReport | None, as_of: datetime.date | None) -> str:
    if report is None:
        return "nog geen rode-dradenbeeld vastgelegd"
    delivered = report.status == CommonThreadsReport.Status.DELIVERED and not (
        as_of and report.delivered_on and report.delivered_on > as_of
    )
    if delivered:
        when = report.delivered_on.strftime("%d-%m-%Y") if report.delivered_on else str(report.year)
        return f"opgeleverd ({when})"
    due = f"Q{report.due_quarter} {report.year}" if report.due_quarter else str(report.year)
    return f"gepland voor {due}"


def _matrix(
    municipalities: list[Municipality],
    norms: list[BaselineNorm],
    latest: dict[tuple[int, int], BaselineAssessment],
    scans: dict[int, ResilienceScan],
    as_of: datetime.date | None,
) -> Matrix:
    unknown = BaselineAssessment.Status.UNKNOWN
    rows: list[MatrixRow] = []
    column_meets = [0] * len(norms)
    column_known = [0] * len(norms)
    for municipality in municipalities:
        cells: list[MatrixCell] = []
        for position, norm in enumerate(norms):
            assessment = latest.get((municipality.pk, norm.pk))
            status = assessment.status if assessment else unknown
            style = ASSESSMENT_STYLES[status]
            cells.append(MatrixCell(status, style.label, style.symbol, assessment.assessed_on if assessment else None))
            if status == BaselineAssessment.Status.MEETS:
                column_meets[position] += 1
            if status != unknown:
                column_known[position] += 1
        meets = sum(1 for cell in cells if cell.status == BaselineAssessment.Status.MEETS)
        known = sum(1 for cell in cells if cell.status != unknown)
        scan, scan_done = _scan_text(scans.get(municipality.pk), as_of)
        rows.append(
            MatrixRow(municipality.name, cells, meets, known_share_label(meets, known, len(norms)), scan, scan_done)
        )
    return Matrix(
        norms=[norm.title for norm in norms],
        rows=rows,
        column_meets=column_meets,
        column_labels=[
            known_share_label(count, known, len(municipalities))
            for count, known in zip(column_meets, column_known, strict=True)
        ],
        meets_label=known_share_label(sum(column_meets), sum(column_known), len(norms) * len(municipalities)),
    )


def _district_pages(
    district_plans: list[DistrictPlan],
    *,
    reference: datetime.date,
    as_of: datetime.date | None,
    close: QuarterClose | None = None,
) -> list[DistrictPage]:
    """The district pages of `district_plans` (all of one plan) in a fixed number of queries."""
    if not district_plans:
        return []
    district_ids = [dp.district_id for dp in district_plans]
    # Queries: the actions of these districts in this plan (the policy's district rule), their updates.
    plan = district_plans[0].plan
    actions = _load(
        Action.objects.filter(permissions.district_filter(Action, district_ids), section__plan=plan).select_related(
            *permissions.district_related(Action)
        ),
        as_of,
        close,
    )
    # Query: focus themes with their theme.
    focus = list(
        DistrictFocusTheme.objects.filter(district_plan__in=district_plans).select_related("theme").order_by("order")
    )
    # Query: developments.
    developments = list(Development.objects.filter(district_plan__in=district_plans).order_by("order"))
    # Query: municipalities.
    municipalities = list(Municipality.objects.filter(district__in=district_ids).order_by("name"))
    # Query: the norms of the district plans.
    # (Norms retired by the report's date are left out; their assessments are kept.)
    norms = list(
        BaselineNorm.objects.filter(active_norms(as_of or reference), district_plan__in=district_plans).order_by(
            "order", "pk"
        )
    )
    # Query: the assessments on those norms, newest first, so the first one seen per cell is the latest.
    assessments = BaselineAssessment.objects.filter(norm__district_plan__in=district_plans).order_by(
        "-assessed_on", "-pk"
    )
    if as_of is not None:
        assessments = assessments.filter(assessed_on__lte=as_of)
    latest: dict[tuple[int, int], BaselineAssessment] = {}
    for assessment in assessments.only("municipality_id", "norm_id", "assessed_on", "status"):
        latest.setdefault((assessment.municipality_id, assessment.norm_id), assessment)
    # Query: weerbaarheidsscans up to the plan year, the newest per municipality.
    year = district_plans[0].plan.year
    scans: dict[int, ResilienceScan] = {}
    for scan in ResilienceScan.objects.filter(municipality__district__in=district_ids, year__lte=year).order_by(
        "-year"
    ):
        scans.setdefault(scan.municipality_id, scan)
    # Query: rode-dradenbeelden up to the plan year, the newest per district.
    threads: dict[int, CommonThreadsReport] = {}
    for report in CommonThreadsReport.objects.filter(district__in=district_ids, year__lte=year).order_by("-year"):
        threads.setdefault(report.district_id, report)

    pages: list[DistrictPage] = []
    for dp in district_plans:
        link = DistrictLink(dp.district.name, dp.district.slug, dp.ambition)
        rows = [
            _action_row(a, reference, district=link)
            for a in actions
            if dp.district_id in permissions.district_ids_of(a)
        ]
        tally = Tally(dp.district.name, dp.district.slug)
        for row in rows:
            tally.add(row)
        pages.append(
            DistrictPage(
                year=year,
                name=dp.district.name,
                slug=dp.district.slug,
                province=dp.district.get_province_display(),
                workplan_name=dp.workplan_name,
                workplan_period=dp.workplan_period,
                ambition=dp.ambition,
                focus_themes=[Item(f.display_name, Markdown(f.text)) for f in focus if f.district_plan_id == dp.pk],
                developments=[Item(d.title, Markdown(d.body)) for d in developments if d.district_plan_id == dp.pk],
                actions=rows,
                tally=tally,
                chart=status_chart(f"chart-{dp.district.slug}", f"Status van de acties in {dp.district.name}", [tally]),
                matrix=_matrix(
                    [m for m in municipalities if m.district_id == dp.district_id],
                    [n for n in norms if n.district_plan_id == dp.pk],
                    latest,
                    scans,
                    as_of,
                ),
                common_threads=_common_threads_text(threads.get(dp.district_id), as_of),
                as_of=as_of,
            )
        )
    return pages


def build_district_page(slug: str, reference: datetime.date | None = None, year: int | None = None) -> DistrictPage:
    """One district in the current plan (11 queries; 404 for an unknown district)."""
    reference = reference or clock.today()
    plan = _current_plan_or_404(reference, year)
    # Query: the district plan with its district.
    district_plan = (
        DistrictPlan.objects.filter(plan=plan, district__slug=slug).select_related("district", "plan").first()
    )
    if district_plan is None:
        raise Http404("Dit district heeft geen plan in het huidige jaarplan.")
    return _district_pages([district_plan], reference=reference, as_of=None)[0]


def build_district_index(year: int | None = None) -> tuple[AnnualPlan, list[DistrictLink]]:
    """The districts of the current plan, in their order (2 queries)."""
    plan = _current_plan_or_404(year=year)
    # Query: the district plans with their district.
    district_plans = DistrictPlan.objects.filter(plan=plan).select_related("district")
    return plan, [DistrictLink(dp.district.name, dp.district.slug, dp.ambition) for dp in district_plans]


def build_theme_overview(year: int | None = None) -> ThemeOverview:
    """Focus themes against districts, with each district's own label (4 queries)."""
    plan, districts = build_district_index(year)
    # Query: every focus theme, also those no district picked this year.
    themes = list(FocusTheme.objects.order_by("name"))
    # Query: the themes the district plans chose, with the district's own label.
    labels: dict[tuple[int, str], str] = {}
    entries = DistrictFocusTheme.objects.filter(district_plan__plan=plan).select_related(
        "theme", "district_plan__district"
    )
    for entry in entries:
        labels[(entry.theme_id, entry.district_plan.district.slug)] = entry.display_name
    rows = [ThemeRow(theme.name, [labels.get((theme.pk, d.slug)) for d in districts]) for theme in themes]
    return ThemeOverview(year=plan.year, districts=districts, rows=rows)


# --- the quarterly progress report ---------------------------------------------------------


def build_progress_report(
    year: int, quarter: int, reference: datetime.date | None = None, close: QuarterClose | None = None
) -> ProgressReport:
    """The voortgangsrapportage of a quarter: the data as it stood on the quarter's last day.

    Only updates and assessments dated up to that day count; overdue is measured against that
    day too (or today, while the quarter is still running). 14 queries. With the `close` of the
    quarter, the actions are read from the snapshot taken at closing instead of from their updates.
    """
    # Query: the plan of that year with its strategy.
    plan = AnnualPlan.objects.select_related("strategy").filter(year=year).first()
    if plan is None or not 1 <= quarter <= 4:
        raise Http404("Voor dit jaar is er geen jaarplan.")
    as_of = clock.quarter_end(year, quarter)
    measured = min(as_of, reference or clock.today())
    # Queries: goals, district plans, actions, updates (see _dashboard).
    dashboard = _dashboard(plan, reference=measured, as_of=as_of, close=close)
    # Query: the district plans again, now with the plan for the pages.
    district_plans = list(DistrictPlan.objects.filter(plan=plan).select_related("district", "plan"))
    # Queries: actions and updates once more (cheap, and the district rule stays in one place), then
    # focus themes, developments, municipalities, norms, assessments, scans, rode-dradenbeelden.
    districts = _district_pages(district_plans, reference=measured, as_of=as_of, close=close)
    return ProgressReport(
        year=year,
        quarter=quarter,
        as_of=as_of,
        title=f"Voortgangsrapportage Q{quarter} {year}",
        organisation=plan.organisation,
        dashboard=dashboard,
        districts=districts,
        closed_on=timezone.localdate(close.closed_at) if close is not None else None,
        provisional=close is None,
    )
