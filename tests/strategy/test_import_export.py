"""Import and export of actions through the admin: by section key and place, checked per row."""

from __future__ import annotations

from typing import Any

import pytest
from django.forms.models import model_to_dict

from core.roles import COORDINATOR
from districts.models import District
from strategy.models import Action, AnnualPlan
from strategy.resources import ActionResource
from tests.conftest import role_user
from tests.support.imports import confirm, csv_file, export, import_errors, read_csv, upload

pytestmark = pytest.mark.django_db

HEADER = ["Jaar", "Paragraaf", "Volgorde", "Actie", "Toelichting", "Trekker", "Doel", "Lijn"]


def district_section(name: str) -> str:
    return District.objects.get(name=name).plans.get(plan__year=2024).section.slug


def actions() -> list[dict[str, Any]]:
    rows = [model_to_dict(action) for action in Action.objects.order_by("pk")]
    for row in rows:
        row.pop("version", None)  # counts saves; the values are what matter
    return rows


def test_actions_round_trip_unchanged(bureau_client, plan_2024) -> None:
    before = [model_to_dict(action) for action in Action.objects.order_by("pk")]
    records = Action.history.count()
    exported = export(bureau_client, Action, ActionResource, "csv").content
    assert read_csv(exported)[0][:4] == ["Jaar", "Paragraaf", "Volgorde", "Actie"]
    preview = upload(bureau_client, Action, exported)
    totals = preview.context["result"].totals
    assert (totals["new"], totals["update"], totals["skip"]) == (0, 0, len(before)) == (0, 0, 41)
    assert confirm(bureau_client, preview).status_code == 302
    # Nothing written: versions and history as they were.
    assert [model_to_dict(action) for action in Action.objects.order_by("pk")] == before
    assert Action.history.count() == records


def test_a_coordinator_reimports_the_whole_export_changing_only_their_own_action(client, editable_plan_2024) -> None:
    # The other districts' rows are unchanged: skipped, not refused as changes the coordinator may not make.
    client.force_login(role_user("coordinator-twente", COORDINATOR, districts=["twente"]))
    rows = read_csv(export(client, Action, ActionResource, "csv").content)
    own = next(i for i, row in enumerate(rows) if row[1].startswith(district_section("Twente") + "-"))
    rows[own][3] = "Nieuwe titel van Twente"
    preview = upload(client, Action, csv_file(rows, delimiter=";"))
    totals = preview.context["result"].totals
    assert (totals["update"], totals["skip"], totals["invalid"]) == (1, 40, 0)
    assert confirm(client, preview).status_code == 302
    assert Action.objects.filter(title="Nieuwe titel van Twente").count() == 1

    other = next(i for i, row in enumerate(rows) if row[1].startswith(district_section("IJsselland") + "-"))
    rows[other][3] = "Andermans titel"
    response = upload(client, Action, csv_file(rows, delimiter=";"))
    assert import_errors(response) == [f"Rij {other + 1}: U mag deze actie niet wijzigen."]


def test_a_new_action_by_section_key_and_goal_number(bureau_client, editable_plan_2024) -> None:
    content = csv_file([HEADER, ["2024", "strategische-keuzes", "50", "Nieuwe actie", "", "RIEC", "1", ""]])
    assert confirm(bureau_client, upload(bureau_client, Action, content)).status_code == 302
    action = Action.objects.get(title="Nieuwe actie")
    assert (action.section.slug, action.order, action.goal.number) == ("strategische-keuzes", 50, 1)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            ["2024", "bestaat-niet", "1", "X", "", "", "", ""],
            "Rij 2, kolom ‘Paragraaf’: Jaarplan 2024 heeft geen paragraaf met kenmerk ‘bestaat-niet’.",
        ),
        (
            ["2024", "strategische-keuzes", "1.0.0", "X", "", "", "", ""],
            "Rij 2, kolom ‘Volgorde’: Vul een heel getal in, zonder punten of tekens.",
        ),
        (
            ["2024", "strategische-keuzes", "1", "", "", "", "", ""],
            "Rij 2, kolom ‘Actie’: Dit veld kan niet leeg zijn",
        ),
    ],
)
def test_bad_action_rows_are_refused(bureau_client, editable_plan_2024, row, expected) -> None:
    before = actions()
    response = upload(bureau_client, Action, csv_file([HEADER, row]))
    assert expected in import_errors(response), import_errors(response)
    assert actions() == before


def test_actions_of_an_adopted_plan_are_refused(bureau_client, plan_2024) -> None:
    assert plan_2024.status == AnnualPlan.Status.ADOPTED  # the published plan loads as adopted
    before = actions()
    content = csv_file([HEADER, ["2024", "strategische-keuzes", "50", "Nieuwe actie", "", "", "", ""]])
    response = upload(bureau_client, Action, content)
    assert import_errors(response) == ["Rij 2: Het jaarplan 2024 is vastgesteld; het kan niet meer worden gewijzigd."]
    assert actions() == before


def test_coordinator_imports_actions_of_their_own_district_only(client, editable_plan_2024) -> None:
    client.force_login(role_user("coordinator-twente", COORDINATOR, districts=["twente"]))
    before = actions()
    content = csv_file(
        [
            HEADER,
            ["2024", district_section("Twente"), "90", "Eigen actie", "", "", "", ""],
            ["2024", district_section("IJsselland"), "90", "Andermans actie", "", "", "", ""],
            ["2024", "strategische-keuzes", "90", "Actie van het bureau", "", "", "", ""],
        ]
    )
    response = upload(client, Action, content)
    assert import_errors(response) == [
        "Rij 3: U mag deze actie niet wijzigen.",
        "Rij 4: U mag deze actie niet wijzigen.",
    ]
    assert actions() == before

    own = csv_file([HEADER, ["2024", district_section("Twente"), "90", "Eigen actie", "", "", "", ""]])
    assert confirm(client, upload(client, Action, own)).status_code == 302
    assert Action.objects.filter(title="Eigen actie").count() == 1
