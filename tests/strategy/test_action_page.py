"""The action page: what the plan says, its current status and history; an update form for those who may."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.test import Client

from core import clock
from core.roles import BUREAU, COORDINATOR, STEERING_GROUP
from strategy.models import Action, AnnualPlan, ProgressUpdate, Status
from tests.conftest import logged_in, role_user
from tests.strategy.factories import ProgressUpdateFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2024, 5, 15)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> datetime.date:
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    return TODAY


@pytest.fixture
def plan(editable_plan_2024: AnnualPlan) -> AnnualPlan:
    """The 2024 plan as a concept (it loads as adopted): the action itself may be edited."""
    return editable_plan_2024


@pytest.fixture
def action(plan: AnnualPlan) -> Action:
    return Action.objects.get(title="Twentse gemeenten hebben de basis op orde")


def client_for(django_user_model: Any, role: str | None, district: str | None = None) -> tuple[Client, Any]:
    districts = [district] if district else []
    user = role_user(f"{role or 'lezer'}-{district}", role, districts=districts, first_name="Bram", last_name="Jansen")
    return logged_in(user), user


def url(action: Action) -> str:
    return f"/acties/{action.pk}/"


def post_data(**values: Any) -> dict[str, Any]:
    data = {"date": "2024-05-10", "status": Status.ON_TRACK, "percentage": "40", "narrative": "Goed op weg."}
    data.update(values)
    return data


def test_page_shows_the_action_its_place_status_and_history(
    action: AnnualPlan, plan: AnnualPlan, django_user_model: Any
) -> None:
    author = django_user_model.objects.create_user(username="coord", first_name="Anna", last_name="de Vries")
    ProgressUpdateFactory(action=action, date=datetime.date(2024, 1, 15), narrative="Eerste stap gezet.", author=author)
    ProgressUpdateFactory(
        action=action, date=datetime.date(2024, 4, 3), status=Status.AT_RISK, percentage=35, narrative="Vertraging."
    )
    client, _ = client_for(django_user_model, None)
    response = client.get(url(action))
    assert response.status_code == 200
    html = re.sub(r"\s+", " ", response.content.decode())
    number = next(s.number for s in plan.numbered_sections() if s.pk == action.section_id)
    assert f'<h1 id="action-title">{action.title}</h1>' in html
    assert f'<span class="number">{number}</span> {action.section.title}' in html
    assert "<dt>District</dt><dd>Twente</dd>" in html
    assert f"<dt>Trekker</dt><dd>{action.owner}</dd>" in html
    assert "<dt>Gereed</dt><dd>Q2 2024" in html
    assert action.description.split("\n")[0][:40] in html
    # Current status: the latest update's.
    assert re.search(r'<dt>Huidige status</dt><dd><span class="status status-risico">risico</span>', html)
    # History, newest first, with date, status, percentage, narrative and author.
    updates = re.findall(r'<li class="update">(.*?)</li>', html)
    assert len(updates) == 2
    assert "3 april 2024" in updates[0] and "risico" in updates[0] and "35% gereed" in updates[0]
    assert "Vertraging." in updates[0] and "Door onbekend" in updates[0]
    assert "15 januari 2024" in updates[1] and "Eerste stap gezet." in updates[1] and "Door Anna de Vries" in updates[1]
    # A reader sees no form.
    assert '<form method="post" action="/acties/' not in html


def test_unknown_action_is_404(plan: AnnualPlan, django_user_model: Any) -> None:
    client, _ = client_for(django_user_model, None)
    assert client.get("/acties/999999/").status_code == 404


def test_regional_action_has_no_district(plan: AnnualPlan, django_user_model: Any) -> None:
    client, _ = client_for(django_user_model, STEERING_GROUP)
    regional = Action.objects.get(title="Governance verder implementeren")
    assert "<dt>District</dt><dd>Regionaal</dd>" in client.get(url(regional)).content.decode()


def test_coordinator_posts_an_update(action: Action, django_user_model: Any) -> None:
    client, user = client_for(django_user_model, COORDINATOR, "twente")
    page = client.get(url(action)).content.decode()
    # The form: labelled fields, date defaulting to today and not later, the five statuses.
    assert '<label for="id_date">Datum:</label>' in page
    assert 'value="2024-05-15"' in page and 'max="2024-05-15"' in page
    for label in ("niet gestart", "op koers", "risico", "vertraagd", "afgerond"):
        assert f">{label}</option>" in page
    assert 'min="0"' in page and 'max="100"' in page

    response = client.post(
        url(action), post_data(status=Status.DELAYED, percentage="25", narrative="Wacht op politie.")
    )
    assert response.status_code == 302 and response["Location"] == url(action)
    update = ProgressUpdate.objects.get(action=action)
    assert (update.date, update.status, update.percentage, update.author) == (
        datetime.date(2024, 5, 10),
        Status.DELAYED,
        25,
        user,
    )
    assert Action.objects.get(pk=action.pk).status == Status.DELAYED
    html = client.get(url(action)).content.decode()
    assert "De voortgangsupdate voor" in html
    first = re.search(r'<li class="update">(.*?)</li>', html, re.S).group(1)
    assert "Wacht op politie." in first and "Door Bram Jansen" in first


def test_bureau_posts_on_any_action_even_in_an_adopted_plan(plan: AnnualPlan, django_user_model: Any) -> None:
    plan.status, plan.adopted_on = AnnualPlan.Status.ADOPTED, datetime.date(2024, 1, 20)
    plan.save()
    client, _ = client_for(django_user_model, BUREAU)
    regional = Action.objects.get(title="Governance verder implementeren")
    assert client.post(url(regional), post_data()).status_code == 302
    assert ProgressUpdate.objects.filter(action=regional).count() == 1


@pytest.mark.parametrize(
    ("role", "district"), [(COORDINATOR, "ijsselland"), (STEERING_GROUP, None), (None, None), (COORDINATOR, None)]
)
def test_forbidden_post_is_403_and_creates_nothing(
    action: Action, django_user_model: Any, role: str | None, district: str | None
) -> None:
    client, _ = client_for(django_user_model, role, district)
    assert 'name="percentage"' not in client.get(url(action)).content.decode()
    assert client.post(url(action), post_data()).status_code == 403
    assert not ProgressUpdate.objects.exists()


@pytest.mark.parametrize(
    ("values", "field", "error"),
    [
        ({"percentage": "120"}, "percentage", "Vul een percentage tussen 0 en 100 in."),
        ({"percentage": ""}, "percentage", "Vul een percentage tussen 0 en 100 in."),
        ({"status": Status.DONE, "percentage": "50"}, "percentage", "Een afgeronde actie staat op 100%."),
        ({"date": "2024-05-16"}, "date", "De datum ligt in de toekomst"),
        ({"status": ""}, "status", "Kies een status."),
    ],
)
def test_invalid_update_shows_the_error_at_the_field(
    action: Action, django_user_model: Any, values: dict[str, str], field: str, error: str
) -> None:
    client, _ = client_for(django_user_model, COORDINATOR, "twente")
    response = client.post(url(action), post_data(**values))
    assert response.status_code == 200
    html = response.content.decode()
    # Next to the field, linked to it for screen readers, and in the summary above the form.
    assert re.search(rf'<ul class="errorlist" id="id_{field}_error"><li>{re.escape(error)}', html)
    assert re.search(
        rf'id="id_{field}"[^>]*aria-describedby="id_{field}_error"|aria-describedby="id_{field}_error"[^>]*id="id_{field}"',
        html,
    )
    assert 'role="alert"' in html
    assert not ProgressUpdate.objects.exists()


def test_done_at_100_percent_is_accepted(action: Action, django_user_model: Any) -> None:
    client, _ = client_for(django_user_model, COORDINATOR, "twente")
    assert client.post(url(action), post_data(status=Status.DONE, percentage="100")).status_code == 302
    assert Action.objects.get(pk=action.pk).status == Status.DONE


def test_query_count_does_not_grow_with_the_history(
    action: Action, django_user_model: Any, django_assert_num_queries: Any
) -> None:
    client, _ = client_for(django_user_model, COORDINATOR, "twente")
    authors = [django_user_model.objects.create_user(username=f"auteur{n}") for n in range(10)]
    ProgressUpdateFactory(action=action, author=authors[0])
    # Session, user, the action with section, plan, district plans and districts, its updates, their
    # authors, the user's groups and districts (may they post?), the plan's sections (the number); the
    # menu asks the policy, which knows the groups already. The session, saved at login, is not saved again.
    with django_assert_num_queries(8):
        client.get(url(action))
    for n in range(1, 10):
        ProgressUpdateFactory(action=action, date=datetime.date(2024, 4, n), author=authors[n])
    with django_assert_num_queries(8):
        response = client.get(url(action))
    assert response.content.decode().count('<li class="update">') == 10


@pytest.mark.parametrize(
    ("role", "district", "sees_edit_link"),
    [
        (BUREAU, None, True),
        (COORDINATOR, "twente", True),
        (COORDINATOR, "ijsselland", False),
        (STEERING_GROUP, None, False),
        (None, None, False),
    ],
)
def test_the_edit_link_is_shown_to_those_who_may_edit(
    action: Action, django_user_model: Any, role: str | None, district: str | None, sees_edit_link: bool
) -> None:
    client, _ = client_for(django_user_model, role, district)
    page = client.get(url(action)).content.decode()
    link = f'<a href="/admin/strategy/action/{action.pk}/change/">Actie bewerken in het beheer</a>'
    assert (link in page) is sees_edit_link
    # Where the link leads, the same user may indeed change the action (or is refused there too).
    response = client.get(f"/admin/strategy/action/{action.pk}/change/")
    assert response.status_code == 200
    assert ('name="_save"' in response.content.decode()) is sees_edit_link


def test_the_breadcrumbs_lead_back_to_the_dashboard_and_the_plan(action: Action, django_user_model: Any) -> None:
    client, _ = client_for(django_user_model, COORDINATOR, "twente")
    page = client.get(url(action)).content.decode()
    crumbs = page.split('<nav class="crumbs" aria-label="Kruimelpad">')[1].split("</nav>")[0]
    assert '<a href="/">Dashboard</a>' in crumbs
    assert '<a href="/jaarplan/2024/">Jaarplan 2024</a>' in crumbs
    assert '<a href="/mijn-acties/">Mijn acties</a>' in crumbs
