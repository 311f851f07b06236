"""Who may do what: every admin change view and every app view, for every role, GET/POST/delete.

Roles (as in healthchecks' alice/bob/charlie): anonymous, the coordinator of Twente, the
coordinator of IJsselland, RIEC-bureau staff and the stuurgroep. The objects live in Twente
where they belong to a district. Forbidden requests must change no row.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.db.models import Model
from django.test import Client

from core import permissions
from core.roles import BUREAU, COORDINATOR, STEERING_GROUP
from reports import views as report_views
from tests.budget.factories import (
    CostGroupFactory,
    CostLineFactory,
    CostSplitFactory,
    FundingSourceFactory,
    ProgrammeAllocationFactory,
    SpendingFactory,
)
from tests.conftest import admin_post_data, admin_url, role_user
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
)

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "coordinator_twente", "coordinator_ijsselland", "bureau", "stuurgroep"]
PLAN_APPS = ("strategy", "districts", "budget")
MODELS = sorted(
    (m for app in PLAN_APPS for m in apps.get_app_config(app).get_models() if admin.site.is_registered(m)),
    key=lambda m: m._meta.label,
)


def build_world() -> dict[str, Any]:
    """A concept plan with a Twente and an IJsselland chapter and one object of every kind."""
    plan = AnnualPlanFactory(year=2024)
    strategy = plan.strategy
    goal = GoalFactory(strategy=strategy, number=1)
    line = ProgrammeLineFactory(strategy=strategy, number=1, goal=goal)
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
    norm = BaselineNormFactory(district_plan=twente_plan, order=1)
    action = ActionFactory(section=twente_plan.section, order=1)
    cost_line = CostLineFactory(plan=plan)
    objects: dict[type[Model], Model] = {
        type(strategy): strategy,
        type(goal): goal,
        type(line): line,
        type(plan): plan,
        type(chapter): chapter,
        type(action): action,
        type(twente): twente,
        type(enschede): enschede,
        type(twente_plan): twente_plan,
        type(norm): norm,
        type(cost_line): cost_line,
    }
    for obj in (
        ProgressUpdateFactory(action=action),
        PhenomenonFactory(plan=plan),
        FocusThemeFactory(),
        DistrictFocusThemeFactory(district_plan=twente_plan),
        DevelopmentFactory(district_plan=twente_plan, order=1),
        BaselineAssessmentFactory(norm=norm, municipality=enschede),
        ResilienceScanFactory(municipality=enschede),
        CommonThreadsReportFactory(district=twente),
        CostGroupFactory(plan=plan),
        CostSplitFactory(cost_line=CostLineFactory(plan=plan, programme_line=None), programme_line=line),
        FundingSourceFactory(plan=plan),
        ProgrammeAllocationFactory(plan=plan, programme_line=line),
        SpendingFactory(cost_line=cost_line),
    ):
        objects[type(obj)] = obj
    return {"objects": objects, "twente": twente, "ijsselland": ijsselland, "plan": plan}


def make_user(django_user_model: Any, role: str, world: dict[str, Any]) -> Any:
    group = {"bureau": BUREAU, "stuurgroep": STEERING_GROUP}.get(role, COORDINATOR)
    district = {"coordinator_twente": world["twente"], "coordinator_ijsselland": world["ijsselland"]}.get(role)
    return role_user(role, group, districts=[district] if district else [], password="x")


def expected(role: str, model: type[Model]) -> str:
    if role == "anonymous":
        return "login"
    if role == "bureau":
        return "edit"
    if role == "coordinator_twente" and permissions.scope_of(model).coordinator_edits:
        return "edit"
    return "read"


def rows(model: type[Model]) -> list[dict[str, Any]]:
    return list(model.objects.order_by("pk").values())


@pytest.fixture
def world() -> dict[str, Any]:
    return build_world()


@pytest.fixture
def bureau_builder(django_user_model: Any) -> Client:
    """A second bureau session that reads the edit form, so forbidden users can post real form data."""
    client = Client()
    client.force_login(django_user_model.objects.create_superuser(username="formbouwer", password="x"))
    return client


def client_for(role: str, django_user_model: Any, world: dict[str, Any]) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(make_user(django_user_model, role, world))
    return client


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_admin_change_view(
    role: str, model: type[Model], world: dict[str, Any], django_user_model: Any, bureau_builder: Client
) -> None:
    obj = world["objects"][model]
    client = client_for(role, django_user_model, world)
    change_url = admin_url(model, "change", obj.pk)
    delete_url = admin_url(model, "delete", obj.pk)
    form_data = admin_post_data(bureau_builder.get(change_url))
    outcome = expected(role, model)
    before = rows(model)

    get = client.get(change_url)
    post = client.post(change_url, form_data)
    if outcome == "login":
        assert get.status_code == 302 and get["Location"].startswith("/inloggen/")
        assert post.status_code == 302 and post["Location"].startswith("/inloggen/")
        assert client.post(delete_url, {"post": "yes"}).status_code == 302
        assert rows(model) == before
    elif outcome == "read":
        assert get.status_code == 200
        assert not get.context["has_change_permission"]
        assert post.status_code == 403
        assert client.get(delete_url).status_code == 403
        assert client.post(delete_url, {"post": "yes"}).status_code == 403
        assert rows(model) == before
    else:
        assert get.status_code == 200
        assert get.context["has_change_permission"]
        assert post.status_code == 302, post.context["adminform"].form.errors if post.context else post
        may_delete = permissions.can_delete(get.wsgi_request.user, obj)
        delete = client.post(delete_url, {"post": "yes"})
        if may_delete and delete.status_code == 200:
            # Django refuses to delete what protected rows still point at, and says so.
            assert "kan niet" in delete.content.decode().lower() or "beschermde" in delete.content.decode().lower()
            assert model.objects.filter(pk=obj.pk).exists()
        elif may_delete:
            assert delete.status_code == 302
            assert not model.objects.filter(pk=obj.pk).exists()
        else:  # a coordinator keeps their district's chapter
            assert delete.status_code == 403
            assert model.objects.filter(pk=obj.pk).exists()


@pytest.mark.parametrize("role", ROLES)
def test_coordinator_cannot_reach_another_district_through_an_add_form(
    role: str, world: dict[str, Any], django_user_model: Any
) -> None:
    """Adding a progress update to Twente's action: only Twente's coordinator and the bureau."""
    from strategy.models import ProgressUpdate

    action = world["objects"][type(world["objects"][ProgressUpdate].action)]
    client = client_for(role, django_user_model, world)
    before = ProgressUpdate.objects.count()
    response = client.post(
        admin_url(ProgressUpdate, "add"),
        {"action": action.pk, "date": "2024-05-01", "status": "op_koers", "percentage": 40, "narrative": "x"},
    )
    added = ProgressUpdate.objects.count() - before
    if role in ("bureau", "coordinator_twente"):
        assert response.status_code == 302 and added == 1
    else:
        assert added == 0
        # Anonymous users go to the login; the others see a refusal or a form error, never a save.
        assert response.status_code in (302, 403) if role == "anonymous" else response.status_code in (200, 403)


APP_URLS = [
    "/",
    "/jaarplannen/",
    "/jaarplan/2024/",
    "/jaarplan/2024.pdf",
    "/jaarplan/2024/begroting/",
    "/districten/",
    "/districten/twente/",
    "/themas/",
    "/voortgang/2024/Q2.pdf",
    "/mijn-acties/",
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", APP_URLS)
def test_app_views(
    role: str, url: str, world: dict[str, Any], django_user_model: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report_views, "render_pdf", lambda html: b"%PDF-test")
    client = client_for(role, django_user_model, world)
    response = client.get(url)
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/inloggen/")
    else:
        assert response.status_code == 200
    # Reading pages never write: a POST is refused (Mijn acties refuses it for lack of a valid form).
    if url != "/mijn-acties/":
        assert client.post(url).status_code in ((302,) if role == "anonymous" else (405,))


@pytest.mark.parametrize("role", ROLES)
def test_action_page_and_progress_update(role: str, world: dict[str, Any], django_user_model: Any) -> None:
    """Twente's action: everyone reads it; only the bureau and Twente's coordinator post updates."""
    from strategy.models import Action, ProgressUpdate

    action = world["objects"][Action]
    client = client_for(role, django_user_model, world)
    url = f"/acties/{action.pk}/"
    before = ProgressUpdate.objects.count()
    get = client.get(url)
    post = client.post(url, {"date": "2024-05-01", "status": "op_koers", "percentage": 40, "narrative": "Voortgang"})
    added = ProgressUpdate.objects.count() - before
    if role == "anonymous":
        assert get.status_code == 302 and post.status_code == 302 and added == 0
    elif role in ("bureau", "coordinator_twente"):
        assert get.status_code == 200 and b"<form" in get.content
        assert post.status_code == 302 and added == 1
    else:
        assert get.status_code == 200
        assert post.status_code == 403 and added == 0
