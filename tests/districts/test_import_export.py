"""Import and export of municipalities and "basis op orde" assessments through the admin."""

from __future__ import annotations

from typing import Any

import pytest

from core.roles import COORDINATOR
from districts.models import BaselineAssessment, BaselineNorm, DistrictPlan, Municipality
from districts.resources import BaselineAssessmentResource, MunicipalityResource
from tests.conftest import role_user
from tests.support.imports import (
    confirm,
    csv_file,
    export,
    forged_confirm,
    import_errors,
    read_csv,
    read_xlsx,
    upload,
)

pytestmark = pytest.mark.django_db

ASSESSMENT = ["Gemeente", "Jaar", "Norm", "Datum", "Stand", "Toelichting"]


@pytest.fixture
def data(plan_2024: Any) -> None:
    # Twente's chapter of 2024 names no norms; one is enough to assess against.
    BaselineNorm.objects.create(
        district_plan=DistrictPlan.objects.get(district__name="Twente"), title="Plan van aanpak"
    )


@pytest.fixture
def twente_coordinator(client: Any, data: None) -> Any:
    client.force_login(role_user("coordinator-twente", COORDINATOR, districts=["twente"]))
    return client


def municipality_of(district: str) -> str:
    return Municipality.objects.filter(district__name=district).order_by("name").first().name


def test_coordinator_of_twente_importing_an_ijsselland_assessment_is_refused_per_row(twente_coordinator) -> None:
    ijsselland, twente = municipality_of("IJsselland"), municipality_of("Twente")
    content = csv_file(
        [
            ASSESSMENT,
            [twente, "2024", "1", "2024-03-31", "voldoet", "eigen district"],
            [ijsselland, "2024", "1", "2024-03-31", "voldoet", "ander district"],
        ]
    )
    response = upload(twente_coordinator, BaselineAssessment, content)
    errors = import_errors(response)
    assert errors == [f"Rij 3: U mag de stand van gemeente {ijsselland} (district IJsselland) niet wijzigen."]
    assert "confirm_form" not in response.context
    assert BaselineAssessment.objects.count() == 0  # the own district's row is not written either
    forged_confirm(twente_coordinator, BaselineAssessment, content)
    assert BaselineAssessment.objects.count() == 0


def test_coordinator_imports_their_own_district_and_may_not_move_a_row_into_it(twente_coordinator) -> None:
    twente = municipality_of("Twente")
    content = csv_file([ASSESSMENT, [twente, "2024", "1", "31-03-2024", "voldoet deels", ""]])
    assert confirm(twente_coordinator, upload(twente_coordinator, BaselineAssessment, content)).status_code == 302
    assessment = BaselineAssessment.objects.get()
    assert (assessment.municipality.name, assessment.status, str(assessment.assessed_on)) == (
        twente,
        "deels",
        "2024-03-31",
    )


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            ["Atlantis", "2024", "1", "2024-03-31", "voldoet", ""],
            "Rij 2, kolom ‘Gemeente’: Er is geen gemeente ‘Atlantis’.",
        ),
        (["{m}", "2024", "99", "2024-03-31", "voldoet", ""], "geen norm ‘99’"),
        (["{m}", "2024", "1", "31 maart", "voldoet", ""], "Rij 2, kolom ‘Datum’: ‘31 maart’ is geen datum"),
        (["{m}", "2024", "1", "2024-03-31", "prima", ""], "Rij 2, kolom ‘Stand’: ‘prima’ is geen keuze"),
    ],
)
def test_bad_assessment_rows_are_refused(bureau_client, data, row, expected) -> None:
    row = [cell.format(m=municipality_of("Twente")) for cell in row]
    response = upload(bureau_client, BaselineAssessment, csv_file([ASSESSMENT, row]))
    assert any(expected in error for error in import_errors(response)), import_errors(response)
    assert BaselineAssessment.objects.count() == 0


def test_the_same_assessment_twice_in_a_file_is_refused(bureau_client, data) -> None:
    twente = municipality_of("Twente")
    row = [twente, "2024", "1", "2024-03-31", "voldoet", ""]
    response = upload(bureau_client, BaselineAssessment, csv_file([ASSESSMENT, row, row]))
    assert "Rij 3: Deze regel staat al op rij 2 van het bestand." in import_errors(response)
    assert BaselineAssessment.objects.count() == 0


def test_norm_by_title_and_assessment_round_trip(bureau_client, data) -> None:
    ijsselland = municipality_of("IJsselland")
    content = csv_file([ASSESSMENT, [ijsselland, "2024", "Intern meldpunt", "2024-06-30", "voldoet niet", "=1+1"]])
    assert confirm(bureau_client, upload(bureau_client, BaselineAssessment, content)).status_code == 302
    before = list(BaselineAssessment.objects.values())
    assert BaselineAssessment.objects.get().norm.order == 2

    sheet = export(bureau_client, BaselineAssessment, BaselineAssessmentResource, "xlsx").content
    assert read_xlsx(sheet)[1][2] == 2 and read_xlsx(sheet)[1][-1] == "'=1+1"
    assert confirm(bureau_client, upload(bureau_client, BaselineAssessment, sheet, "xlsx")).status_code == 302
    assert list(BaselineAssessment.objects.values()) == before


def test_municipalities_are_imported_by_district_name(bureau_client, data) -> None:
    count = Municipality.objects.count()
    content = csv_file([["Naam", "District", "Provincie"], ["Nieuwdorp", "twente", "Overijssel"]])
    assert confirm(bureau_client, upload(bureau_client, Municipality, content)).status_code == 302
    assert Municipality.objects.get(name="Nieuwdorp").district.name == "Twente"
    assert Municipality.objects.count() == count + 1

    bad = csv_file([["Naam", "District", "Provincie"], ["Elders", "Randstad", "Overijssel"]])
    response = upload(bureau_client, Municipality, bad)
    assert any(e.startswith("Rij 2, kolom ‘District’: Er is geen district ‘Randstad’") for e in import_errors(response))
    assert Municipality.objects.count() == count + 1


def test_municipalities_are_for_the_bureau_only(twente_coordinator) -> None:
    content = csv_file([["Naam", "District", "Provincie"], ["Nieuwdorp", "Twente", "Overijssel"]])
    assert upload(twente_coordinator, Municipality, content).status_code == 403
    assert export(twente_coordinator, Municipality, MunicipalityResource).status_code == 200


MUNICIPALITY = ["Naam", "District", "Provincie"]


def test_municipality_names_match_in_any_case_and_keep_their_spelling(bureau_client, data) -> None:
    count = Municipality.objects.count()
    almelo = Municipality.objects.get(name="Almelo")
    same = csv_file([MUNICIPALITY, ["ALMELO", "Twente", almelo.province]])
    preview = upload(bureau_client, Municipality, same)
    totals = preview.context["result"].totals
    assert (totals["new"], totals["update"], totals["skip"]) == (0, 0, 1)  # "ongewijzigd", not a new municipality

    moved = csv_file([MUNICIPALITY, ["almelo", "IJsselland", almelo.province]])
    preview = upload(bureau_client, Municipality, moved)
    assert preview.context["result"].totals["update"] == 1
    assert confirm(bureau_client, preview).status_code == 302
    almelo.refresh_from_db()
    assert (almelo.name, almelo.district.name, Municipality.objects.count()) == ("Almelo", "IJsselland", count)


def test_the_same_municipality_twice_in_any_case_is_refused(bureau_client, data) -> None:
    content = csv_file([MUNICIPALITY, ["Nieuwdorp", "Twente", "Overijssel"], ["NIEUWDORP", "Twente", "Overijssel"]])
    response = upload(bureau_client, Municipality, content)
    assert import_errors(response) == ["Rij 3: Deze regel staat al op rij 2 van het bestand."]
    assert not Municipality.objects.filter(name__iexact="nieuwdorp").exists()


def test_assessments_saved_by_dutch_excel_round_trip_unchanged(bureau_client, data) -> None:
    # Dutch Excel saves a CSV in Windows-1252 with semicolons and rewrites 2024-06-30 as 30-6-2024.
    ijsselland = municipality_of("IJsselland")
    content = csv_file([ASSESSMENT, [ijsselland, "2024", "Intern meldpunt", "2024-06-30", "voldoet niet", "één"]])
    assert confirm(bureau_client, upload(bureau_client, BaselineAssessment, content)).status_code == 302
    before = list(BaselineAssessment.objects.values())
    rows = read_csv(export(bureau_client, BaselineAssessment, BaselineAssessmentResource, "csv").content)
    assert rows[1][4] == "2024-06-30"
    rows[1][4] = "30-6-2024"
    excel = csv_file(rows, delimiter=";", encoding="cp1252")
    preview = upload(bureau_client, BaselineAssessment, excel)
    assert preview.context["result"].totals["skip"] == 1
    assert confirm(bureau_client, preview).status_code == 302
    assert list(BaselineAssessment.objects.values()) == before
