"""The year's close (issue 21, items 1 and 2): an update belongs to the plan of the quarter it reports on,
whatever path stores it, and an update dated in a closed quarter is refused everywhere, never re-dated.

The clock stands at 7 January 2025; the 2025 plan was made from 2024 (every open action has a copy).
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from core import clock
from core.roles import BUREAU, COORDINATOR
from strategy import services
from strategy.models import Action, AnnualPlan, ProgressUpdate, Status
from strategy.plan_copy import create_next_year_plan
from tests.conftest import add_inline_row, admin_post_data, admin_url, logged_in, role_user
from tests.support.imports import confirm, csv_file, import_errors, upload

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 1, 7)
Q4_DAY = datetime.date(2024, 12, 20)
TITLE = "Twentse gemeenten hebben de basis op orde"
CLOSED = "Kwartaal 4 2024 is afgesloten"
IMPORT_HEADER = ["Jaar", "Paragraaf", "Volgorde", "Datum", "Status", "Percentage", "Toelichting", "Auteur"]


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: TODAY)


@pytest.fixture
def bureau(plan_2024: AnnualPlan) -> Any:
    return role_user("bureau-jaar", BUREAU)


@pytest.fixture
def coordinator(plan_2024: AnnualPlan) -> Any:
    return role_user("coordinator-twente", COORDINATOR, districts=["twente"])


@pytest.fixture
def actions(plan_2024: AnnualPlan, bureau: Any) -> tuple[Action, Action]:
    """The 2024 action and its 2025 copy."""
    create_next_year_plan(plan=plan_2024, user=bureau)
    old = Action.objects.get(title=TITLE, section__plan__year=2024)
    return old, Action.objects.get(continues=old)


def close_q4(bureau: Any) -> None:
    services.close_quarter(plan=AnnualPlan.objects.get(year=2024), quarter=4, user=bureau)


def stored_on(action: Action) -> list[datetime.date]:
    return list(ProgressUpdate.objects.filter(action=action).values_list("date", flat=True))


# The rule itself ----------------------------------------------------------------------------------


def test_the_service_stores_an_update_on_the_action_of_its_years_plan(
    actions: tuple[Action, Action], coordinator: Any
) -> None:
    old, copy = actions
    assert services.action_of_year(copy, 2024) == old
    assert services.action_of_year(old, 2025) == copy
    services.report_progress(user=coordinator, action=copy, date=Q4_DAY, status=Status.ON_TRACK, percentage=70)
    services.report_progress(user=coordinator, action=old, date=TODAY, status=Status.ON_TRACK, percentage=75)
    assert stored_on(old) == [Q4_DAY]
    assert stored_on(copy) == [TODAY]


def test_an_action_new_in_2025_takes_no_update_dated_in_2024(actions: tuple[Action, Action], bureau: Any) -> None:
    _old, copy = actions
    new = Action.objects.create(section=copy.section, order=99, title="Nieuw in 2025")
    with pytest.raises(ValidationError) as refused:
        services.report_progress(user=bureau, action=new, date=Q4_DAY, status=Status.ON_TRACK, percentage=5)
    assert "staat niet in het jaarplan 2024" in refused.value.message_dict["date"][0]
    assert not ProgressUpdate.objects.exists()


# Every path stores a Q4 2024 update on the 2024 action ----------------------------------------------


def post_action_page(client: Client, action: Action, date: datetime.date) -> Any:
    data = {"date": date.isoformat(), "status": Status.ON_TRACK, "percentage": "70", "narrative": "Q4."}
    return client.post(f"/acties/{action.pk}/", data, follow=True)


def post_my_actions(client: Client, action: Action, date: datetime.date) -> Any:
    # A card of the quarter just ended (its date is that quarter's last day: `date` is not posted).
    prefix = f"actie-{action.pk}-vorig"
    data = {
        "action": action.pk,
        "period": "vorig",
        f"{prefix}-status": Status.ON_TRACK,
        f"{prefix}-percentage": "70",
        f"{prefix}-narrative": "Q4.",
    }
    return client.post("/mijn-acties/", data, follow=True)


def post_admin_form(client: Client, action: Action, date: datetime.date) -> Any:
    url = admin_url(ProgressUpdate, "add")
    data = admin_post_data(client.get(url))
    data.update(action=action.pk, date=date.isoformat(), status=Status.ON_TRACK, percentage="70", narrative="Q4.")
    return client.post(url, data, follow=True)


def post_admin_inline(client: Client, action: Action, date: datetime.date) -> Any:
    url = admin_url(Action, "change", action.pk)
    data = admin_post_data(client.get(url))
    add_inline_row(data, "updates", date=date.isoformat(), status=Status.ON_TRACK, percentage=70, narrative="Q4.")
    return client.post(url, data, follow=True)


def post_import(client: Client, action: Action, date: datetime.date) -> Any:
    year = str(action.section.plan.year)
    row = [year, action.section.slug, str(action.order), date.isoformat(), "op koers", "70", "Q4.", ""]
    preview = upload(client, ProgressUpdate, csv_file([IMPORT_HEADER, row]))
    if preview.context.get("result") is not None and not import_errors(preview):
        return confirm(client, preview)
    return preview


PATHS = {
    "actiepagina": post_action_page,
    "mijn-acties": post_my_actions,
    "beheer-formulier": post_admin_form,
    "beheer-inline": post_admin_inline,
    "import": post_import,
}


@pytest.mark.parametrize("path", PATHS)
def test_every_path_stores_a_q4_update_entered_on_the_copy_on_the_2024_action(
    path: str, actions: tuple[Action, Action], coordinator: Any
) -> None:
    old, copy = actions
    PATHS[path](logged_in(coordinator), copy, datetime.date(2024, 12, 31))
    assert stored_on(old) == [datetime.date(2024, 12, 31)]
    assert stored_on(copy) == []
    assert ProgressUpdate.objects.get().author == coordinator


@pytest.mark.parametrize("path", PATHS)
def test_every_path_refuses_an_update_dated_in_a_closed_quarter(
    path: str, actions: tuple[Action, Action], coordinator: Any, bureau: Any
) -> None:
    old, _copy = actions
    close_q4(bureau)
    response = PATHS[path](logged_in(coordinator), old, datetime.date(2024, 12, 31))
    # The one message of the rule (strategy.services.closed_quarter_error), and nothing stored or re-dated.
    assert CLOSED in response.content.decode()
    assert "kunnen niet meer" in response.content.decode()
    assert not ProgressUpdate.objects.exists()


# Mijn acties in January ------------------------------------------------------------------------------


def test_in_january_mijn_acties_shows_q4_of_2024_and_q1_of_2025_apart(
    actions: tuple[Action, Action], coordinator: Any
) -> None:
    old, copy = actions
    client = logged_in(coordinator)
    context = client.get("/mijn-acties/").context
    previous = context["previous"]
    assert (previous.quarter, previous.year, previous.plan.year) == (4, 2024, 2024)
    assert old.pk in {row.action.pk for row in previous.todo}
    assert copy.pk in {row.action.pk for row in context["todo"]}
    assert {row.action.section.plan.year for row in previous.todo} == {2024}
    assert {row.action.section.plan.year for row in context["todo"]} == {2025}

    post_my_actions(client, old, datetime.date(2024, 12, 31))
    after = client.get("/mijn-acties/").context
    # Reported for Q4: the card leaves "nog bij te werken" of Q4; the 2025 copy still waits for Q1.
    assert old.pk not in {row.action.pk for row in after["previous"].todo}
    assert old.pk in {row.action.pk for row in after["previous"].updated}
    assert copy.pk in {row.action.pk for row in after["todo"]}
