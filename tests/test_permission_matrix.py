"""Who may do what: a written table of role x object (or URL) x action -> HTTP status.

The expected answers below are written out from the rules in the README ("Rollen en rechten"),
not computed by core.permissions, so a wrong rule in the policy makes this matrix fail
(as pretix's tests/control/test_permissions.py and healthchecks' alice/bob/charlie do):

- everyone who is logged in reads everything; anonymous visitors are sent to the login;
- the RIEC-bureau changes everything (and reopens an adopted plan);
- a district coordinator changes only their own district's district plan, focus themes,
  developments, actions, progress updates, baseline assessments and resilience scans; a forbidden
  POST gets 403 and changes nothing;
- the stuurgroep reads everything and adopts a plan;
- an adopted plan is read-only for everyone, except progress updates, baseline assessments,
  resilience scans and spending, which continue through the year.

The roles: anonymous, the coordinator of IJsselland ("other"), the coordinator of Twente ("own"),
RIEC-bureau staff and the stuurgroep. The objects under test lie in Twente where they belong to
a district. The objects and users are built once per module inside a transaction that is rolled
back at the end; each test runs in a savepoint of its own, so a test's changes never leak.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Model
from django.http import HttpResponse
from django.test import Client

from core import clock
from core.roles import BUREAU, COORDINATOR, STEERING_GROUP
from strategy.models import AnnualPlan, ProgressUpdate, SectionBlock
from tests.budget.factories import (
    CostGroupFactory,
    CostLineFactory,
    CostSplitFactory,
    FundingSourceFactory,
    ProgrammeAllocationFactory,
    SpendingFactory,
)
from tests.conftest import admin_post_data, admin_url
from tests.districts.factories import (
    BaselineAssessmentFactory,
    BaselineNormFactory,
    CommonThreadsReportFactory,
    DevelopmentFactory,
    DistrictFactory,
    DistrictFocusThemeFactory,
    DistrictPlanFactory,
    FocusThemeFactory,
    MunicipalityFactory,
    ResilienceScanFactory,
)
from tests.strategy.factories import (
    ActionFactory,
    AnnualPlanFactory,
    GoalFactory,
    PhenomenonFactory,
    PlanSectionFactory,
    ProgrammeLineFactory,
    ProgressUpdateFactory,
    QuarterCloseFactory,
    SentReminderFactory,
    StrategyFactory,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2024, 5, 15)  # the second quarter of the 2024 plan
ROLES = ("anonymous", "other", "own", "bureau", "stuurgroep")
CONCEPT, ADOPTED = "concept", "vastgesteld"
PLAN_APPS = ("strategy", "districts", "budget")
PLAN_MODELS = [
    model
    for app in PLAN_APPS
    for model in apps.get_app_config(app).get_models()
    if not model.__name__.startswith("Historical")
]
HISTORY_MODELS = [
    model
    for app in PLAN_APPS
    for model in apps.get_app_config(app).get_models()
    if model.__name__.startswith("Historical")
]

# The admin: every change view ------------------------------------------------------------------
#
# Per role the status of (GET the change page, POST the change form, POST the delete confirmation).
LOGIN = (302, 302, 302)  # anonymous: every request is sent to /inloggen/
READ = (200, 403, 403)  # the page is shown read-only; saving and deleting are refused
EDIT = (200, 302, 302)  # saved and deleted
KEEP = (200, 302, 403)  # saved, but not deleted (a coordinator keeps their district's chapter)
# An adopted action's page is saved for its progress rows only: its own fields are read-only and stay as
# they are, and it is not deleted.
PROGRESS_ONLY = (200, 302, 403)

# fmt: off
ADMIN_CONCEPT: dict[str, tuple[tuple[int, int, int], ...]] = {
    # object (Twente's where it has a district)  anonymous  other  own   bureau  stuurgroep
    "Strategy":                                  (LOGIN,    READ,  READ, EDIT,   READ),
    "Goal":                                      (LOGIN,    READ,  READ, EDIT,   READ),
    "ProgrammeLine":                             (LOGIN,    READ,  READ, EDIT,   READ),
    "AnnualPlan":                                (LOGIN,    READ,  READ, EDIT,   READ),
    "PlanSection":                               (LOGIN,    READ,  READ, EDIT,   READ),
    "Action":                                    (LOGIN,    READ,  EDIT, EDIT,   READ),
    "Action (regionaal)":                        (LOGIN,    READ,  READ, EDIT,   READ),
    "ProgressUpdate":                            (LOGIN,    READ,  EDIT, EDIT,   READ),
    "ProgressUpdate (regionaal)":                (LOGIN,    READ,  READ, EDIT,   READ),
    "Phenomenon":                                (LOGIN,    READ,  READ, EDIT,   READ),
    "SectionBlock":                              (LOGIN,    READ,  READ, EDIT,   READ),
    # Closing and reopening go through their own screens (tests/reports/test_closed_quarter.py).
    "QuarterClose":                              (LOGIN,    READ,  READ, READ,   READ),
    "SentReminder":                              (LOGIN,    READ,  READ, READ,   READ),
    "District":                                  (LOGIN,    READ,  READ, EDIT,   READ),
    "Municipality":                              (LOGIN,    READ,  READ, EDIT,   READ),
    "FocusTheme":                                (LOGIN,    READ,  READ, EDIT,   READ),
    "DistrictPlan":                              (LOGIN,    READ,  KEEP, EDIT,   READ),
    "DistrictFocusTheme":                        (LOGIN,    READ,  EDIT, EDIT,   READ),
    "Development":                               (LOGIN,    READ,  EDIT, EDIT,   READ),
    "BaselineNorm":                              (LOGIN,    READ,  EDIT, EDIT,   READ),
    "BaselineAssessment":                        (LOGIN,    READ,  EDIT, EDIT,   READ),
    "ResilienceScan":                            (LOGIN,    READ,  EDIT, EDIT,   READ),
    "CommonThreadsReport":                       (LOGIN,    READ,  READ, EDIT,   READ),
    "CostGroup":                                 (LOGIN,    READ,  READ, EDIT,   READ),
    "CostLine":                                  (LOGIN,    READ,  READ, EDIT,   READ),
    "CostSplit":                                 (LOGIN,    READ,  READ, EDIT,   READ),
    "FundingSource":                             (LOGIN,    READ,  READ, EDIT,   READ),
    "ProgrammeAllocation":                       (LOGIN,    READ,  READ, EDIT,   READ),
    "Spending":                                  (LOGIN,    READ,  READ, EDIT,   READ),
}

# The same objects once the plan is adopted; the strategy, districts, municipalities, themes and
# common-threads reports do not belong to one year's plan, so adoption does not concern them.
ADMIN_ADOPTED: dict[str, tuple[tuple[int, int, int], ...]] = {
    # object                                     anonymous  other  own   bureau  stuurgroep
    "AnnualPlan":                                (LOGIN,    READ,  READ, READ,   READ),
    "PlanSection":                               (LOGIN,    READ,  READ, READ,   READ),
    "Action":                                    (LOGIN,    READ,  PROGRESS_ONLY, PROGRESS_ONLY, READ),
    "Action (regionaal)":                        (LOGIN,    READ,  READ, PROGRESS_ONLY, READ),
    "ProgressUpdate":                            (LOGIN,    READ,  EDIT, EDIT,   READ),
    "ProgressUpdate (regionaal)":                (LOGIN,    READ,  READ, EDIT,   READ),
    "Phenomenon":                                (LOGIN,    READ,  READ, READ,   READ),
    "SectionBlock":                              (LOGIN,    READ,  READ, READ,   READ),
    "DistrictPlan":                              (LOGIN,    READ,  READ, READ,   READ),
    "DistrictFocusTheme":                        (LOGIN,    READ,  READ, READ,   READ),
    "Development":                               (LOGIN,    READ,  READ, READ,   READ),
    "BaselineNorm":                              (LOGIN,    READ,  READ, READ,   READ),
    "BaselineAssessment":                        (LOGIN,    READ,  EDIT, EDIT,   READ),
    "ResilienceScan":                            (LOGIN,    READ,  EDIT, EDIT,   READ),
    "CostGroup":                                 (LOGIN,    READ,  READ, READ,   READ),
    "CostLine":                                  (LOGIN,    READ,  READ, READ,   READ),
    "CostSplit":                                 (LOGIN,    READ,  READ, READ,   READ),
    "FundingSource":                             (LOGIN,    READ,  READ, READ,   READ),
    "ProgrammeAllocation":                       (LOGIN,    READ,  READ, READ,   READ),
    "Spending":                                  (LOGIN,    READ,  READ, EDIT,   READ),
}

# What each POST changes, so an allowed save can be seen and a refused one can be missed.
CHANGES: dict[str, tuple[str, str]] = {
    "Strategy": ("subtitle", "Gewijzigde ondertitel"),
    "Goal": ("title", "Gewijzigd doel"),
    "ProgrammeLine": ("title", "Gewijzigde lijn"),
    "AnnualPlan": ("title", "Gewijzigd jaarplan"),
    "PlanSection": ("title", "Gewijzigde paragraaf"),
    "Action": ("title", "Gewijzigde actie"),
    "Action (regionaal)": ("title", "Gewijzigde regionale actie"),
    "ProgressUpdate": ("narrative", "Gewijzigde voortgang"),
    "ProgressUpdate (regionaal)": ("narrative", "Gewijzigde regionale voortgang"),
    "Phenomenon": ("name", "Gewijzigd fenomeen"),
    "SectionBlock": ("caption", "Gewijzigd bijschrift"),
    "QuarterClose": ("reopen_reason", "Gewijzigde reden"),
    "SentReminder": ("email", "gewijzigd@riec.test"),
    "District": ("name", "Twente (gewijzigd)"),
    "Municipality": ("name", "Enschede (gewijzigd)"),
    "FocusTheme": ("name", "Gewijzigd thema"),
    "DistrictPlan": ("ambition", "Gewijzigde ambitie"),
    "DistrictFocusTheme": ("text", "Gewijzigde focustekst"),
    "Development": ("title", "Gewijzigde ontwikkeling"),
    "BaselineNorm": ("title", "Gewijzigde norm"),
    "BaselineAssessment": ("note", "Gewijzigde stand"),
    "ResilienceScan": ("note", "Gewijzigde scan"),
    "CommonThreadsReport": ("note", "Gewijzigde rode draden"),
    "CostGroup": ("title", "Gewijzigde groep"),
    "CostLine": ("label", "Gewijzigde kostenregel"),
    "CostSplit": ("amount", "40000"),
    "FundingSource": ("label", "Gewijzigde bijdrage"),
    "ProgrammeAllocation": ("label", "Gewijzigde toekenning"),
    "Spending": ("note", "Gewijzigde realisatie"),
}
# fmt: on


# The app's own pages ---------------------------------------------------------------------------

# fmt: off
PAGES: dict[str, tuple[int, ...]] = {
    # GET                            anonymous  other  own  bureau  stuurgroep
    "/":                             (302,      200,   200, 200,    200),
    "/jaarplannen/":                 (302,      200,   200, 200,    200),
    "/jaarplan/2024/":               (302,      200,   200, 200,    200),
    "/jaarplan/2024.pdf":            (302,      200,   200, 200,    200),
    "/jaarplan/2024/begroting/":     (302,      200,   200, 200,    200),
    "/jaarplan/2024/vergelijk/2023/": (302,     200,   200, 200,    200),
    "/districten/":                  (302,      200,   200, 200,    200),
    "/districten/twente/":           (302,      200,   200, 200,    200),
    "/districten/ijsselland/":       (302,      200,   200, 200,    200),
    "/themas/":                      (302,      200,   200, 200,    200),
    "/voortgang/2024/Q2.pdf":        (302,      200,   200, 200,    200),
    "/mijn-acties/":                 (302,      200,   200, 200,    200),
    "/admin/":                       (302,      200,   200, 200,    200),
}
# Reading pages never write: a POST to them is not allowed for anyone.
PAGE_POST =                          (302,      405,   405, 405,    405)

# The action page (GET, POST a progress update) and a quick update on "Mijn acties" (POST), in
# both plan states: progress is reported all year, also on an adopted plan.
#                                    anonymous  other  own  bureau  stuurgroep
ACTION_PAGE_GET =                    (302,      200,   200, 200,    200)
ACTION_PAGE_POST = {
    "Action":                        (302,      403,   302, 302,    403),
    "Action (regionaal)":            (302,      403,   403, 302,    403),
}
MY_ACTIONS_POST = {
    "Action":                        (302,      403,   302, 302,    403),
    "Action (regionaal)":            (302,      403,   403, 302,    403),
}

# Adding through an admin add form: (state, what) -> status per role. A coordinator's choice
# lists hold only their own district, so the other coordinator's form comes back with an error
# (200) and saves nothing; a save the policy refuses is a 403.
ADD_FORMS: dict[tuple[str, str], tuple[int, ...]] = {
    #                                          anonymous  other  own  bureau  stuurgroep
    (CONCEPT, "ProgressUpdate"):               (302,      200,   302, 302,    403),
    (ADOPTED, "ProgressUpdate"):               (302,      200,   302, 302,    403),
    (CONCEPT, "Development"):                  (302,      200,   302, 302,    403),
    (ADOPTED, "Development"):                  (302,      200,   403, 403,    403),
}

# Adopting and reopening the 2024 plan: (state, view) -> status of POST per role (302: done).
STATUS_VIEWS: dict[tuple[str, str], tuple[int, ...]] = {
    #                                          anonymous  other  own  bureau  stuurgroep
    (CONCEPT, "vaststellen"):                  (302,      403,   403, 302,    302),
    (ADOPTED, "vaststellen"):                  (302,      403,   403, 403,    403),
    (CONCEPT, "heropenen"):                    (302,      403,   403, 403,    403),
    (ADOPTED, "heropenen"):                    (302,      403,   403, 302,    403),
}
# fmt: on


# The world: built once per module ----------------------------------------------------------------


@dataclass
class Case:
    change: Model  # the object whose change page is opened and posted
    delete: Model  # the object deleted: the same, or a sibling nothing protects from deletion


@dataclass
class World:
    plan: AnnualPlan
    cases: dict[str, Case]
    form_data: dict[str, dict[str, Any]] = field(default_factory=dict)
    clients: dict[str, Client] = field(default_factory=dict)
    twente_plan: Any = None


def build_world() -> World:
    """A concept 2024 plan with a Twente and an IJsselland chapter and objects of every kind."""
    plan = AnnualPlanFactory(year=2024)
    strategy = plan.strategy
    goal = GoalFactory(strategy=strategy, number=1)
    line = ProgrammeLineFactory(strategy=strategy, number=1, goal=goal)
    regional = PlanSectionFactory(plan=plan, slug="aanpak", order=2)
    chapter = PlanSectionFactory(plan=plan, slug="districten", order=3)
    twente = DistrictFactory(name="Twente", slug="twente", order=2)
    ijsselland = DistrictFactory(name="IJsselland", slug="ijsselland", order=1)
    twente_plan = DistrictPlanFactory(
        plan=plan, district=twente, section=PlanSectionFactory(plan=plan, parent=chapter, slug="twente", order=2)
    )
    DistrictPlanFactory(
        plan=plan,
        district=ijsselland,
        section=PlanSectionFactory(plan=plan, parent=chapter, slug="ijsselland", order=1),
    )
    enschede = MunicipalityFactory(name="Enschede", district=twente)
    MunicipalityFactory(name="Zwolle", district=ijsselland)
    norm = BaselineNormFactory(district_plan=twente_plan, order=1)
    action = ActionFactory(section=twente_plan.section, order=1)
    regional_action = ActionFactory(section=regional, order=1)
    cost_line = CostLineFactory(plan=plan)

    def same(obj: Model) -> Case:
        return Case(obj, obj)

    cases = {
        # What nothing else may point at (PROTECT) is deleted as an unused sibling of the same kind.
        "Strategy": Case(strategy, StrategyFactory()),
        "Goal": Case(goal, GoalFactory(strategy=strategy, number=2)),
        "ProgrammeLine": Case(line, ProgrammeLineFactory(strategy=strategy, number=2)),
        "AnnualPlan": Case(plan, AnnualPlanFactory(year=2023, strategy=strategy)),
        "PlanSection": Case(chapter, PlanSectionFactory(plan=plan, slug="bijlage", order=9)),
        "Action": same(action),
        "Action (regionaal)": same(regional_action),
        "ProgressUpdate": same(ProgressUpdateFactory(action=action)),
        "ProgressUpdate (regionaal)": same(ProgressUpdateFactory(action=regional_action)),
        "Phenomenon": same(PhenomenonFactory(plan=plan)),
        "SectionBlock": same(SectionBlock.objects.create(section=twente_plan.section, text="Slotalinea")),
        # (The last quarter: no update of the world falls in it.)
        "QuarterClose": same(QuarterCloseFactory(plan=plan, quarter=4)),
        "SentReminder": same(SentReminderFactory()),
        "District": Case(twente, DistrictFactory(name="Achterhoek", slug="achterhoek", order=3)),
        "Municipality": same(enschede),
        "FocusTheme": Case(FocusThemeFactory(), FocusThemeFactory()),
        "DistrictPlan": same(twente_plan),
        "DistrictFocusTheme": same(DistrictFocusThemeFactory(district_plan=twente_plan)),
        "Development": same(DevelopmentFactory(district_plan=twente_plan, order=1)),
        # (A norm with assessments is retired, not deleted: the unassessed sibling is deleted.)
        "BaselineNorm": Case(norm, BaselineNormFactory(district_plan=twente_plan, order=2)),
        "BaselineAssessment": same(BaselineAssessmentFactory(norm=norm, municipality=enschede)),
        "ResilienceScan": same(ResilienceScanFactory(municipality=enschede)),
        "CommonThreadsReport": same(CommonThreadsReportFactory(district=twente)),
        "CostGroup": same(CostGroupFactory(plan=plan)),
        "CostLine": same(cost_line),
        "CostSplit": same(
            CostSplitFactory(cost_line=CostLineFactory(plan=plan, programme_line=None), programme_line=line)
        ),
        "FundingSource": same(FundingSourceFactory(plan=plan)),
        "ProgrammeAllocation": same(ProgrammeAllocationFactory(plan=plan, programme_line=line)),
        "Spending": same(SpendingFactory(cost_line=cost_line)),
    }
    return World(plan=plan, cases=cases, twente_plan=twente_plan)


def add_users(world: World, user_model: Any) -> None:
    districts = {"other": "ijsselland", "own": "twente"}
    groups = {"other": COORDINATOR, "own": COORDINATOR, "bureau": BUREAU, "stuurgroep": STEERING_GROUP}
    world.clients["anonymous"] = Client()
    for role, group in groups.items():
        user = user_model.objects.create_user(username=f"matrix-{role}", password="x", is_staff=True)
        user.groups.add(Group.objects.get(name=group))
        if role in districts:
            apps.get_model("districts", "District").objects.get(slug=districts[role]).coordinators.add(user)
        client = Client()
        client.force_login(user)
        world.clients[role] = client


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    with django_db_blocker.unblock(), transaction.atomic():
        built = build_world()
        add_users(built, apps.get_model("auth", "User"))
        # What the browser posts: the bureau's own edit form of each object, read once.
        for name, case in built.cases.items():
            page = built.clients["bureau"].get(admin_url(case.change, "change", case.change.pk))
            assert page.status_code == 200, name
            built.form_data[name] = admin_post_data(page)
        yield built
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: TODAY)


@pytest.fixture(autouse=True)
def no_weasyprint(monkeypatch: pytest.MonkeyPatch) -> None:
    # Who may download a PDF is the question here, not how it is rendered.
    monkeypatch.setattr("reports.rendering.render_pdf", lambda html: b"%PDF-test")


def set_state(state: str) -> None:
    """Adopt every plan (inside the test's savepoint) when the case is about an adopted plan."""
    if state == ADOPTED:
        AnnualPlan.objects.update(status=AnnualPlan.Status.ADOPTED, adopted_on=datetime.date(2024, 1, 20))


def snapshot() -> dict[str, Any]:
    """Every row of every plan model, and the number of admin log entries and history records.

    What a refused request must leave alone: any save or delete through the admin also writes
    a log entry and a history record, so counting those catches what the rows might not show.
    """
    state: dict[str, Any] = {
        model._meta.label: list(model._default_manager.order_by("pk").values()) for model in PLAN_MODELS
    }
    state["admin log"] = LogEntry.objects.count()
    state["history"] = [model._default_manager.count() for model in HISTORY_MODELS]
    return state


def to_login(response: HttpResponse) -> bool:
    # The admin's own index sends to the admin's login form, everything else to the site's.
    return response.status_code == 302 and response["Location"].startswith(("/inloggen/", "/admin/login/"))


def cases(table: dict[Any, tuple[Any, ...]], *, state: str | None = None) -> list[Any]:
    """One test case per cell of a table: ([state,] *key, role, expected)."""
    params = []
    for key, row in table.items():
        head = (*([state] if state else []), *(key if isinstance(key, tuple) else (key,)))
        for role, expected in zip(ROLES, row, strict=True):
            params.append(
                pytest.param(
                    *head,
                    role,
                    expected,
                    id="-".join((*head, role)),
                )
            )
    return params


def in_both_states(table: dict[Any, tuple[Any, ...]]) -> list[Any]:
    return cases(table, state=CONCEPT) + cases(table, state=ADOPTED)


# Tests -------------------------------------------------------------------------------------------


def test_the_table_covers_every_admin_model() -> None:
    """A new model in the admin must get a row: nothing is left untested by omission."""
    registered = {
        model.__name__
        for app in PLAN_APPS
        for model in apps.get_app_config(app).get_models()
        if admin.site.is_registered(model)
    }
    assert registered == {name.split(" ")[0] for name in ADMIN_CONCEPT}
    assert set(ADMIN_ADOPTED) <= set(ADMIN_CONCEPT) == set(CHANGES)


ADMIN_CASES = cases(ADMIN_CONCEPT, state=CONCEPT) + cases(ADMIN_ADOPTED, state=ADOPTED)


@pytest.mark.parametrize(("state", "name", "role", "expected"), ADMIN_CASES)
def test_admin_change_view(world: World, state: str, name: str, role: str, expected: tuple[int, int, int]) -> None:
    case = world.cases[name]
    model = type(case.change)
    client = world.clients[role]
    attribute, value = CHANGES[name]
    data = {**world.form_data[name], attribute: value}
    set_state(state)

    before = snapshot()
    page = client.get(admin_url(model, "change", case.change.pk))
    saved = client.post(admin_url(model, "change", case.change.pk), data)
    after_change = snapshot()
    changed = model._default_manager.filter(pk=case.change.pk).values_list(attribute, flat=True).first()
    deleted = client.post(admin_url(model, "delete", case.delete.pk), {"post": "yes"})

    errors = saved.context["adminform"].form.errors if saved.status_code == 200 and saved.context else None
    assert (page.status_code, saved.status_code, deleted.status_code) == expected, errors
    if expected == LOGIN:
        assert to_login(page) and to_login(saved) and to_login(deleted)
        assert snapshot() == before
        return
    # The page offers a form to edit exactly when a save is allowed.
    assert page.context["has_change_permission"] == (expected[1] == 302)
    progress_only = state == ADOPTED and name.startswith("Action") and expected == PROGRESS_ONLY
    if expected[1] == 302 and not progress_only:
        assert str(changed) == value
    elif progress_only:  # the save is logged ("no fields changed", as Django logs it); the action stays as it was
        assert {**after_change, "admin log": 0} == {**before, "admin log": 0}
    else:
        assert after_change == before
    if expected[2] == 302:
        assert not model._default_manager.filter(pk=case.delete.pk).exists()
    else:
        assert snapshot() == after_change


@pytest.mark.parametrize(("state", "what", "role", "expected"), cases(ADD_FORMS))
def test_admin_add_form(world: World, state: str, what: str, role: str, expected: int) -> None:
    """Adding to Twente's action or district plan: only Twente's coordinator and the bureau, while open."""
    twente_action = world.cases["Action"].change
    model, data = {
        "ProgressUpdate": (
            ProgressUpdate,
            {"action": twente_action.pk, "date": "2024-05-01", "status": "op_koers", "percentage": 40},
        ),
        "Development": (
            type(world.cases["Development"].change),
            {"district_plan": world.twente_plan.pk, "order": 7, "title": "Nieuwe ontwikkeling", "body": ""},
        ),
    }[what]
    set_state(state)
    before = snapshot()
    response = world.clients[role].post(admin_url(model, "add"), data)

    assert response.status_code == expected
    if expected == 302 and role != "anonymous":
        assert model._default_manager.count() == len(before[model._meta.label]) + 1
        return
    assert snapshot() == before
    if role == "anonymous":
        assert to_login(response)
    elif expected == 200:
        # The other district's object is not among the choices: the form says so, nothing is saved.
        assert response.context["adminform"].form.errors


@pytest.mark.parametrize(("state", "view", "role", "expected"), cases(STATUS_VIEWS))
def test_adopt_and_reopen(world: World, state: str, view: str, role: str, expected: int) -> None:
    """The stuurgroep (and the bureau) adopt a concept plan; only the bureau reopens an adopted one."""
    set_state(state)
    url = f"{admin_url(AnnualPlan, 'changelist')}{world.plan.pk}/{view}/"
    client = world.clients[role]
    page = client.get(url)
    # The matrix's small budget does not add up, so adopting confirms that, with a reason (also used to reopen).
    data = {"adopted_on": "2024-01-20", "accept_failing_checks": "on", "reason": "Correctie van de begroting."}
    response = client.post(url, data)
    status = AnnualPlan.objects.get(pk=world.plan.pk).status

    assert response.status_code == expected
    if role == "anonymous":
        assert to_login(page) and to_login(response)
    else:
        assert page.status_code == (200 if expected == 302 else 403)
    done = expected == 302 and role != "anonymous"
    after = {"vaststellen": ADOPTED, "heropenen": CONCEPT}[view] if done else state
    assert status == after


@pytest.mark.parametrize(("url", "role", "expected"), cases(PAGES))
def test_app_pages(world: World, url: str, role: str, expected: int) -> None:
    client = world.clients[role]
    response = client.get(url)
    assert response.status_code == expected
    if role == "anonymous":
        assert to_login(response)
    if url not in ("/mijn-acties/", "/admin/"):  # these two take a POST of their own (below, and the admin)
        posted = client.post(url)
        assert posted.status_code == PAGE_POST[ROLES.index(role)]


@pytest.mark.parametrize(
    ("state", "name", "role", "expected"),
    in_both_states(ACTION_PAGE_POST),
)
def test_action_page(world: World, state: str, name: str, role: str, expected: int) -> None:
    """Everyone reads an action; its progress is posted by the bureau and its own district's coordinator."""
    action = world.cases[name].change
    client = world.clients[role]
    set_state(state)
    before = snapshot()
    page = client.get(f"/acties/{action.pk}/")
    posted = client.post(
        f"/acties/{action.pk}/", {"date": "2024-05-01", "status": "op_koers", "percentage": 40, "narrative": "Loopt."}
    )

    assert page.status_code == ACTION_PAGE_GET[ROLES.index(role)]
    assert posted.status_code == expected
    if role == "anonymous":
        assert to_login(page) and to_login(posted)
    else:
        # The form to report progress is shown exactly to those who may post it.
        assert (b'name="percentage"' in page.content) == (expected == 302)
    if expected == 302 and role != "anonymous":
        assert action.updates.filter(narrative="Loopt.").count() == 1
    else:
        assert snapshot() == before


@pytest.mark.parametrize(("state", "name", "role", "expected"), in_both_states(MY_ACTIONS_POST))
def test_quick_update_on_my_actions(world: World, state: str, name: str, role: str, expected: int) -> None:
    action = world.cases[name].change
    set_state(state)
    before = snapshot()
    prefix = f"actie-{action.pk}"
    response = world.clients[role].post(
        "/mijn-acties/",
        {
            "action": action.pk,
            f"{prefix}-status": "op_koers",
            f"{prefix}-percentage": 60,
            f"{prefix}-narrative": "Snel.",
        },
    )

    assert response.status_code == expected
    if role == "anonymous":
        assert to_login(response)
    if expected == 302 and role != "anonymous":
        assert action.updates.filter(narrative="Snel.", date=TODAY).count() == 1
    else:
        assert snapshot() == before
