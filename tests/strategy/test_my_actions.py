"""Mijn acties: a coordinator's actions still lacking an update this quarter, each updatable in one screen."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import Client

from core import clock
from core.roles import BUREAU, COORDINATOR, STEERING_GROUP
from districts.models import District
from strategy import services
from strategy.forms import QuickUpdateForm
from strategy.models import Action, AnnualPlan, ProgressUpdate, Status
from strategy.views import FIELDS_TEMPLATE
from tests.conftest import logged_in, role_user
from tests.strategy.factories import ProgressUpdateFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2024, 5, 15)  # the second quarter of 2024
URL = "/mijn-acties/"


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> datetime.date:
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    return TODAY


@pytest.fixture
def plan(plan_2024: AnnualPlan) -> AnnualPlan:
    return plan_2024


def district_actions(slug: str) -> list[Action]:
    district = District.objects.get(slug=slug)
    return list(district.plans.get(plan__year=2024).actions())


def login(django_user_model: Any, role: str | None, *districts: str, **fields: Any) -> tuple[Client, Any]:
    fields.setdefault("is_staff", False)
    username = f"{role or 'lezer'}-{'-'.join(districts)}"
    user = role_user(username, role, districts=districts, first_name="Anna", last_name="de Vries", **fields)
    return logged_in(user), user


@pytest.fixture
def twente(plan: AnnualPlan, django_user_model: Any) -> tuple[Client, Any]:
    return login(django_user_model, COORDINATOR, "twente", is_staff=True)


def titles(rows: list[Any]) -> list[str]:
    return [row.action.title for row in rows]


def quick_post(action: Action, **values: Any) -> dict[str, Any]:
    data = {"action": action.pk, "status": Status.ON_TRACK, "percentage": 40, "narrative": ""}
    data.update(values)
    return {key if key == "action" else f"actie-{action.pk}-{key}": value for key, value in data.items()}


def test_coordinator_sees_own_district_actions_lacking_an_update(twente: tuple[Client, Any]) -> None:
    client, _ = twente
    first, second, *rest = district_actions("twente")
    ProgressUpdateFactory(action=first, date=datetime.date(2024, 4, 2), narrative="Al bijgewerkt in april.")
    ProgressUpdateFactory(action=second, date=datetime.date(2024, 3, 28), narrative="Stand eind maart.")
    # Updated this quarter in IJsselland: irrelevant to Twente either way.
    ijsselland = district_actions("ijsselland")

    response = client.get(URL)
    assert response.status_code == 200
    todo, updated = response.context["todo"], response.context["updated"]
    assert titles(todo) == [a.title for a in [second, *rest]]
    assert titles(updated) == [first.title]
    html = response.content.decode()
    assert "Twente" in html and "Kwartaal 2 2024" in html
    for action in ijsselland:
        assert action.title not in html
    # Each open action has its own form; the last quarter's narrative is shown beside it.
    assert html.count(f'action="{URL}"') == len(todo)
    assert "Stand eind maart." in html
    # The updated action is listed collapsed, without a form.
    assert re.search(r"<details[^>]*>\s*<summary>Bijgewerkt dit kwartaal \(1\)</summary>", html)
    assert f'name="actie-{first.pk}-status"' not in html


def test_posting_an_update_removes_the_action_and_shows_it_everywhere(
    twente: tuple[Client, Any], django_user_model: Any
) -> None:
    client, user = twente
    action = district_actions("twente")[0]
    reader, _ = login(django_user_model, None)

    response = client.post(URL, quick_post(action, status=Status.AT_RISK, percentage=30, narrative="Capaciteit krap."))
    assert response.status_code == 302 and response["Location"] == URL
    update = ProgressUpdate.objects.get(action=action)
    assert (update.date, update.status, update.percentage, update.author) == (TODAY, Status.AT_RISK, 30, user)

    page = client.get(URL)
    assert action.title not in titles(page.context["todo"])
    assert action.title in titles(page.context["updated"])
    assert f"De voortgang van “{action.title}” is bijgewerkt." in page.content.decode()

    # The action's status is that of its latest update, on its own page and on the dashboard.
    assert Action.objects.get(pk=action.pk).status == Status.AT_RISK
    detail = reader.get(f"/acties/{action.pk}/").content.decode()
    first_update = re.search(r'<li class="update">(.*?)</li>', detail, re.S).group(1)
    assert "Capaciteit krap." in first_update and "Anna de Vries" in first_update and "30% gereed" in first_update
    dashboard = re.sub(r"\s+", " ", reader.get("/").content.decode())
    assert re.search(
        rf'<td><a href="/acties/{action.pk}/">{re.escape(action.title)}</a></td> '
        r"<td>Twente</td> <td>Anna de Vries</td> "
        r'<td><span class="status status-risico">risico</span></td>',
        dashboard,
    )


def test_coordinator_cannot_post_for_another_district(twente: tuple[Client, Any]) -> None:
    client, _ = twente
    action = district_actions("ijsselland")[0]
    response = client.post(URL, quick_post(action))
    assert response.status_code == 403
    assert not ProgressUpdate.objects.exists()


@pytest.mark.parametrize(
    ("values", "error"),
    [
        ({"percentage": 120}, "Vul een percentage tussen 0 en 100 in."),
        ({"percentage": -5}, "Vul een percentage tussen 0 en 100 in."),
        ({"status": Status.DONE, "percentage": 50}, "Een afgeronde actie staat op 100%."),
        ({"status": ""}, "Kies een status."),
    ],
)
def test_bad_input_shows_a_dutch_error_and_saves_nothing(
    twente: tuple[Client, Any], values: dict[str, Any], error: str
) -> None:
    client, _ = twente
    action = district_actions("twente")[0]
    response = client.post(URL, quick_post(action, narrative="Bijna klaar.", **values))
    assert response.status_code == 200
    html = response.content.decode()
    assert error in html
    # The error sits at the field of this action's form, which keeps what was typed.
    assert f'id="id_actie-{action.pk}-' in html and 'aria-invalid="true"' in html
    assert "Bijna klaar." in html
    assert not ProgressUpdate.objects.exists()


def test_done_action_needs_no_more_updates(twente: tuple[Client, Any]) -> None:
    client, _ = twente
    action = district_actions("twente")[0]
    ProgressUpdateFactory(action=action, date=datetime.date(2024, 2, 1), status=Status.DONE, percentage=100)
    response = client.get(URL)
    assert action.title not in titles(response.context["todo"])
    assert titles(response.context["done"]) == [action.title]


def test_updates_continue_on_an_adopted_plan(twente: tuple[Client, Any], plan: AnnualPlan) -> None:
    plan.status, plan.adopted_on = AnnualPlan.Status.ADOPTED, datetime.date(2024, 1, 20)
    plan.save()
    client, _ = twente
    action = district_actions("twente")[0]
    assert client.post(URL, quick_post(action)).status_code == 302
    assert ProgressUpdate.objects.filter(action=action).count() == 1


def test_bureau_sees_every_action_lacking_an_update(plan: AnnualPlan, django_user_model: Any) -> None:
    client, _ = login(django_user_model, BUREAU, is_staff=True)
    updated = district_actions("ijsselland")[0]
    ProgressUpdateFactory(action=updated, date=datetime.date(2024, 4, 2))
    response = client.get(URL)
    assert len(response.context["todo"]) == Action.objects.count() - 1
    assert titles(response.context["updated"]) == [updated.title]
    assert client.post(URL, quick_post(updated, status=Status.ON_TRACK, percentage=60)).status_code == 302


@pytest.mark.parametrize("role", [STEERING_GROUP, None])
def test_others_get_an_explanation_and_no_forms(plan: AnnualPlan, django_user_model: Any, role: str | None) -> None:
    client, _ = login(django_user_model, role, is_staff=True)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "U heeft geen rol waarmee u voortgang meldt" in html
    assert 'method="post" action="/mijn-acties/"' not in html
    assert "Mijn acties</a>" not in html  # nor the menu link
    action = district_actions("twente")[0]
    assert client.post(URL, quick_post(action)).status_code == 403
    assert not ProgressUpdate.objects.exists()


def test_coordinator_without_district(plan: AnnualPlan, django_user_model: Any) -> None:
    client, _ = login(django_user_model, COORDINATOR, is_staff=True)
    html = client.get(URL).content.decode()
    assert "U bent nog niet aan een district gekoppeld" in html
    assert 'name="action"' not in html


def test_menu_links_to_my_actions_for_coordinators(twente: tuple[Client, Any]) -> None:
    client, _ = twente
    assert f'<a href="{URL}">Mijn acties</a>' in client.get("/jaarplannen/").content.decode()


def test_login_required(plan: AnnualPlan, client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/inloggen/")


def grow_tenfold() -> None:
    """Ten times the actions, each with two updates (one last quarter, one this quarter for a third)."""
    originals = list(Action.objects.all())
    Action.objects.bulk_create(
        Action(section=a.section, order=1000 + n * 100 + a.order, title=f"{a.title} {n}")
        for a in originals
        for n in range(9)
    )
    ProgressUpdate.objects.bulk_create(
        ProgressUpdate(
            action=a, date=datetime.date(2024, 2 + 3 * (i % 3 == 0), 1), status=Status.ON_TRACK, percentage=20
        )
        for i, a in enumerate(Action.objects.all())
    )


@pytest.mark.parametrize("role", ["coordinator", "bureau"])
def test_query_count_does_not_grow_with_actions(
    plan: AnnualPlan, django_user_model: Any, django_assert_num_queries: Any, role: str
) -> None:
    if role == "bureau":
        client, _ = login(django_user_model, BUREAU, is_staff=True)
    else:
        client, _ = login(django_user_model, COORDINATOR, "twente", "ijsselland", is_staff=True)
    # Session, user, the user's groups, (coordinator: their districts), the running plan, the actions
    # with section, plan and district plans and districts, their updates; the menu asks the policy,
    # which knows the groups already. The session, saved at login, is not saved again.
    expected = 7 if role == "coordinator" else 6
    with django_assert_num_queries(expected):
        few = client.get(URL)
    grow_tenfold()
    with django_assert_num_queries(expected):
        many = client.get(URL)
    assert len(many.context["todo"]) + len(many.context["updated"]) == 10 * (
        len(few.context["todo"]) + len(few.context["updated"])
    )
    assert many.context["updated"]  # both lists filled


# After a refused update the page opens at its card; a save is announced -------------------------------


def test_a_refused_update_opens_the_page_at_its_card_and_names_the_action(twente: tuple[Client, Any]) -> None:
    client, _ = twente
    fourth = district_actions("twente")[3]
    response = client.post(URL, quick_post(fourth, percentage=120))
    assert response.status_code == 200
    html = response.content.decode()
    # The card's error summary takes the focus, which scrolls the card into view (autofocus: no script,
    # which the CSP would block) ...
    summary = re.search(rf'<div class="error-summary"[^>]*id="actie-{fourth.pk}-fouten"[^>]*>', html)
    assert summary and "autofocus" in summary.group(0) and 'tabindex="-1"' in summary.group(0)
    assert html.count('class="error-summary"') == 1
    # ... and the message at the top names the action and links to the errors.
    top = re.search(r'<ul class="messages">(.*?)</ul>', html, re.S).group(1)
    assert 'role="alert"' in top
    assert f"De update voor “{fourth.title}” is niet opgeslagen." in top
    assert f'href="#actie-{fourth.pk}-fouten"' in top
    assert not ProgressUpdate.objects.exists()


def test_a_saved_update_is_announced_as_a_status(twente: tuple[Client, Any]) -> None:
    client, _ = twente
    action = district_actions("twente")[0]
    page = client.post(URL, quick_post(action), follow=True).content.decode()
    assert re.search(
        rf'<li class="success"><span role="status">De voortgang van “{re.escape(action.title)}” is bijgewerkt.', page
    )


# Progress for the quarter just ended (issue 17, item 6) ---------------------------------------------


def previous_post(action: Action, **values: Any) -> dict[str, Any]:
    """What a card of the quarter just ended posts (its prefix says so, and its hidden period)."""
    data = {"status": Status.ON_TRACK, "percentage": 40, "narrative": ""}
    data.update(values)
    return {"action": action.pk, "period": "vorig", **{f"actie-{action.pk}-vorig-{k}": v for k, v in data.items()}}


def test_in_the_first_two_weeks_the_quarter_just_ended_has_its_own_cards(
    twente: tuple[Client, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _ = twente
    monkeypatch.setattr(clock, "today", lambda: datetime.date(2024, 4, 3))
    first, second = district_actions("twente")[:2]
    # (an update from before the quarter: the card of Q1 starts from it)
    ProgressUpdateFactory(action=first, date=datetime.date(2023, 12, 20), status=Status.AT_RISK, percentage=30)
    response = client.get(URL)
    page = response.content.decode()
    assert "Afgelopen kwartaal: Q1 2024" in page
    assert "Dit kwartaal: Q2 2024" in page
    assert "krijgt de datum 31 maart 2024" in page
    # The card of the quarter just ended starts from the last state.
    card = re.search(rf'<li class="action-card" id="actie-{first.pk}-vorig">.*?</li>', page, re.S)
    assert card is not None
    assert 'value="30"' in card.group(0)
    assert 'value="risico" selected' in card.group(0)

    done = client.post(URL, previous_post(first, narrative="Stand eind Q1."), follow=True)
    assert "is bijgewerkt voor kwartaal 1 2024 (gedateerd 31 maart 2024)." in done.content.decode()
    client.post(URL, quick_post(second))
    assert ProgressUpdate.objects.filter(action=first).latest().date == datetime.date(2024, 3, 31)
    assert ProgressUpdate.objects.get(action=second).date == datetime.date(2024, 4, 3)
    # The Q1 update leaves the Q1 list, and the action still needs its update for Q2.
    after = client.get(URL).context
    assert first.title not in titles(after["previous"].todo)
    assert first.title in titles(after["previous"].updated)
    assert first.title in titles(after["todo"])
    assert second.title in titles(after["updated"])


def test_no_look_back_after_two_weeks_and_a_closed_quarter_refuses_not_redates(
    twente: tuple[Client, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _ = twente
    monkeypatch.setattr(clock, "today", lambda: datetime.date(2024, 4, 15))
    assert "Afgelopen kwartaal" not in client.get(URL).content.decode()
    monkeypatch.setattr(clock, "today", lambda: datetime.date(2024, 4, 14))
    assert "Afgelopen kwartaal" in client.get(URL).content.decode()
    services.close_quarter(plan=AnnualPlan.objects.get(year=2024), quarter=1, user=role_user("bureau", BUREAU))
    assert "Afgelopen kwartaal" not in client.get(URL).content.decode()
    # A card opened before the close and sent after it is refused with the closed quarter's message.
    action = district_actions("twente")[0]
    refused = client.post(URL, previous_post(action), follow=True)
    assert "Kwartaal 1 2024 is afgesloten" in refused.content.decode()
    assert not ProgressUpdate.objects.filter(action=action).exists()


def test_each_card_holds_the_same_form_as_one_rendered_for_its_action(plan: AnnualPlan, django_user_model: Any) -> None:
    """The page renders one blank form and copies it per action: the copies are exactly those forms."""
    client, _ = login(django_user_model, BUREAU, is_staff=True)
    response = client.get(URL)
    rows = response.context["todo"]
    assert len(rows) > 5
    today = clock.today()
    for row in rows:
        form = QuickUpdateForm(instance=ProgressUpdate(action=row.action), today=today, prefix=f"actie-{row.action.pk}")
        assert str(row.fields) == render_to_string(FIELDS_TEMPLATE, {"form": form})
