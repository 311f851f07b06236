"""Reading uploaded files: Dutch CSV and XLSX, within limits, refused in Dutch when they are not.

Each refusal is checked as a user sees it: the message on the upload page, no confirmation offered,
nothing written and no pending upload kept.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from typing import Any

import pytest
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from pytest_django.asserts import assertContains

from budget.models import CostLine
from core.models import PendingImport
from strategy.models import Action
from tests.conftest import reopened
from tests.support.imports import confirm, csv_file, import_errors, upload, xlsx_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan_2024(plan_2024: Any) -> Any:
    """The 2024 plan reopened, a concept again (it loads as adopted): these imports change its content."""
    return reopened(plan_2024)


COSTS = ["Jaar", "Onderdeel", "Omschrijving", "Volgorde", "Bedrag (€)", "Geldstroom", "Groep", "Ten laste van lijn"]
ACTIONS = ["Jaar", "Paragraaf", "Volgorde", "Actie", "Toelichting", "Trekker", "Doel", "Lijn"]


def cost_line(label: str = "Nieuwe kosten", order: int = 900, amount: Any = "12500") -> list[Any]:
    return ["2024", "bedrijfsvoering", label, str(order), amount, "regulier", "", ""]


def refused(client: Any, content: bytes, message: str, fmt: str = "csv", model: Any = CostLine) -> None:
    """The upload page shows `message` for the file; nothing is offered, written or kept."""
    before = model.objects.count()
    response = upload(client, model, content, fmt)
    assert response.status_code == 200
    assert "confirm_form" not in response.context
    errors = response.context["form"].errors.get("import_file", [])
    assert any(message in error for error in errors), errors
    assertContains(response, message.replace("'", "&#x27;"))
    assert model.objects.count() == before
    assert PendingImport.objects.count() == 0


# Dutch CSV: separators and encodings ------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [
        ("utf-8", ";"),
        ("utf-8", ","),
        ("utf-8-sig", ";"),  # "CSV UTF-8" of Excel: with a BOM
        ("utf-16", ";"),  # with a BOM
        ("utf-16-le", ";"),  # without one
        ("utf-16", "\t"),  # Excel's "Unicode-tekst"
        ("cp1252", ";"),  # "CSV (gescheiden door lijstscheidingsteken)" of Dutch Excel
        ("latin-1", ","),
    ],
)
def test_csv_in_every_encoding_and_separator_excel_writes(bureau_client, plan_2024, encoding, delimiter) -> None:
    title = "Coöperatie en café, één keer"  # a comma inside a cell, quoted
    content = csv_file(
        [ACTIONS, ["2024", "strategische-keuzes", "50", title, "", "RIEC", "1", ""]], delimiter, encoding
    )
    preview = upload(bureau_client, Action, content)
    assert import_errors(preview) == []
    assert confirm(bureau_client, preview).status_code == 302
    assert Action.objects.get(order=50, section__slug="strategische-keuzes").title == title


def test_an_unreadable_encoding_is_refused_in_dutch(bureau_client, plan_2024) -> None:
    content = csv_file([COSTS, cost_line()], ";") + b"\x81\x8d"  # undefined in Windows-1252, invalid UTF-8
    refused(
        bureau_client,
        content,
        "De tekens in het bestand zijn niet te lezen: het verwachte formaat is UTF-8, UTF-16 of Windows-1252 (Excel).",
    )


def test_a_broken_utf8_file_with_a_bom_is_refused(bureau_client, plan_2024) -> None:
    content = codecs.BOM_UTF8 + csv_file([COSTS, cost_line()], ";", "cp1252")  # the € is not UTF-8
    refused(bureau_client, content, "Het bestand begint als UTF-8 maar bevat bij byte")


def test_an_unknown_separator_names_the_columns_found(bureau_client, plan_2024) -> None:
    content = csv_file([COSTS, cost_line()], "|")
    response = upload(bureau_client, CostLine, content)
    [error] = response.context["result"].file_errors
    assert error.startswith("Het bestand mist de kolom(men) ‘Jaar’, ‘Onderdeel’, ‘Omschrijving’; gevonden zijn")
    assert "gescheiden door een puntkomma (;) of een komma (,)" in error


def test_an_xlsx_uploaded_as_csv_is_named(bureau_client, plan_2024) -> None:
    refused(bureau_client, xlsx_file([COSTS, cost_line()]), "Dit bestand is een Excel-werkmap")


def test_a_csv_uploaded_as_xlsx_is_named(bureau_client, plan_2024) -> None:
    refused(bureau_client, csv_file([COSTS, cost_line()]), "Dit is geen XLSX-bestand", "xlsx")


def test_a_file_with_only_a_header_is_refused(bureau_client, plan_2024) -> None:
    refused(bureau_client, csv_file([COSTS, ["", "", ""]]), "Het bestand bevat geen rijen onder de kopregel")


def test_blank_rows_are_skipped_and_rows_keep_their_spreadsheet_numbers(bureau_client, plan_2024) -> None:
    content = csv_file([COSTS, cost_line(), [""] * 8, [], cost_line("Andere kosten", 901, "veel")], ";")
    assert import_errors(upload(bureau_client, CostLine, content)) == [
        "Rij 5, kolom ‘Bedrag (€)’: Vul een bedrag in hele euro's in, bijvoorbeeld 1234000 of € 1.234.000."
    ]


# Cells refused on their row -----------------------------------------------------------------------


def test_a_formula_is_refused_on_its_row_and_column_never_read_as_empty(bureau_client, plan_2024) -> None:
    # Without a cached value the formula would read as empty: "pm", and 297.176 euro gone.
    content = xlsx_file([COSTS, cost_line(), cost_line("Formulekosten", 901, "=297176")])
    response = upload(bureau_client, CostLine, content, "xlsx")
    assert import_errors(response) == [
        "Rij 3, kolom ‘Bedrag (€)’: Formules worden niet ingelezen; plak de waarde in plaats van de formule =297176."
    ]
    assert "confirm_form" not in response.context
    assert not CostLine.objects.filter(label__in=["Nieuwe kosten", "Formulekosten"]).exists()


def test_a_formula_in_a_text_column_is_refused_too(bureau_client, plan_2024) -> None:
    formula = '=HYPERLINK("https://example.org/een/lange/weg","klik hier")'
    content = xlsx_file([COSTS, cost_line(formula)])
    assert import_errors(upload(bureau_client, CostLine, content, "xlsx")) == [
        "Rij 2, kolom ‘Omschrijving’: Formules worden niet ingelezen; plak de waarde in plaats van de formule "
        f"{formula[:37]}...."
    ]


def test_control_characters_are_refused_per_row_and_column(bureau_client, plan_2024) -> None:
    content = csv_file(
        [
            COSTS,
            cost_line("Nieuwe\x00kosten"),
            ["2024", "bedrijfsvoering", "Nog meer", "901", "5", "regulier", "Groep\x1b", ""],
            cost_line("Met een\nnieuwe regel en een\ttab", 902),  # these are fine in a cell
        ],
        ";",
    )
    response = upload(bureau_client, CostLine, content)
    errors = import_errors(response)
    assert "Rij 2, kolom ‘Omschrijving’: De cel bevat een onzichtbaar stuurteken (U+0000); " in errors[0]
    assert errors[1].startswith("Rij 3, kolom ‘Groep’: De cel bevat een onzichtbaar stuurteken (U+001B)")
    assert len(errors) == 2
    assert "confirm_form" not in response.context
    assert not CostLine.objects.filter(label__in=["Nog meer", "Met een\nnieuwe regel en een\ttab"]).exists()


# Limits -----------------------------------------------------------------------------------------


def test_an_upload_over_the_size_limit_is_refused(bureau_client, plan_2024, settings) -> None:
    settings.IMPORT_MAX_UPLOAD_BYTES = 4096
    rows = [COSTS] + [cost_line(f"Kosten {n}", 900 + n) for n in range(100)]
    content = csv_file(rows, ";")
    assert len(content) > 4096
    refused(bureau_client, content, "Het bestand is 5 kB; er kan hoogstens 4 kB tegelijk worden ingelezen.")
    # Just under the limit is fine.
    small = csv_file(rows[:30], ";")
    assert len(small) < 4096
    assert confirm(bureau_client, upload(bureau_client, CostLine, small)).status_code == 302


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_more_rows_than_the_limit_are_refused(bureau_client, plan_2024, settings, fmt) -> None:
    settings.IMPORT_MAX_ROWS = 5
    rows = [COSTS] + [cost_line(f"Kosten {n}", 900 + n) for n in range(6)]
    content = csv_file(rows) if fmt == "csv" else xlsx_file(rows)
    message = {
        "csv": "Het bestand heeft meer dan 5 rijen. Splits het in delen van hoogstens 5 rijen.",
        "xlsx": "Het werkblad is opgegeven als 7 rijen groot; er worden hoogstens 5 rijen ingelezen.",
    }[fmt]
    refused(bureau_client, content, message, fmt)
    content = csv_file(rows[:6]) if fmt == "csv" else xlsx_file(rows[:6])
    assert confirm(bureau_client, upload(bureau_client, CostLine, content, fmt)).status_code == 302


def with_sheet_xml(content: bytes, change: Any) -> bytes:
    """The workbook with its first sheet's XML changed."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = change(data.decode()).encode()
            target.writestr(item, data)
    return out.getvalue()


@pytest.fixture
def rows_never_read(monkeypatch: Any) -> None:
    """The refusal must come from the declared size, before a single row is walked."""

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the rows were read")

    monkeypatch.setattr(ReadOnlyWorksheet, "_cells_by_row", fail)


def test_a_sheet_declaring_a_million_rows_is_refused_unread(bureau_client, plan_2024, rows_never_read) -> None:
    content = with_sheet_xml(
        xlsx_file([COSTS, cost_line()]),
        lambda xml: re.sub(r'<dimension ref="[^"]+"', '<dimension ref="A1:H1048576"', xml),
    )
    assert len(content) < 10_000
    refused(
        bureau_client,
        content,
        "Het werkblad is opgegeven als 1.048.576 rijen groot; er worden hoogstens 20.000 rijen ingelezen.",
        "xlsx",
    )


def test_a_sheet_declaring_the_widest_range_is_refused_unread(bureau_client, plan_2024, rows_never_read) -> None:
    content = with_sheet_xml(
        xlsx_file([COSTS, cost_line()]), lambda xml: re.sub(r'<dimension ref="[^"]+"', '<dimension ref="A1:XFD3"', xml)
    )
    refused(bureau_client, content, "Het werkblad is opgegeven als 16.384 kolommen breed", "xlsx")


def test_a_sheet_without_dimensions_is_counted_while_read(bureau_client, plan_2024) -> None:
    far = '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'

    def change(xml: str) -> str:
        return re.sub(r"<dimension [^>]*/>", "", xml).replace("</sheetData>", far)

    refused(
        bureau_client,
        with_sheet_xml(xlsx_file([COSTS, cost_line()]), change),
        "Het bestand heeft meer dan 20.000 rijen",
        "xlsx",
    )


def test_an_xlsx_that_unpacks_too_large_is_refused(bureau_client, plan_2024, settings) -> None:
    settings.IMPORT_MAX_XLSX_UNPACKED_BYTES = 200_000
    out = io.BytesIO(xlsx_file([COSTS, cost_line()]))
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * 300_000)  # compresses to almost nothing
    assert len(out.getvalue()) < 20_000
    refused(bureau_client, out.getvalue(), "De werkmap pakt uit tot", "xlsx")


def test_at_most_so_many_errors_are_listed_and_the_rest_counted(bureau_client, plan_2024) -> None:
    rows = [COSTS] + [cost_line(f"Kosten {n}", 900 + n, "veel") for n in range(1334)]
    response = upload(bureau_client, CostLine, csv_file(rows, ";"))
    assert len(response.context["import_errors"]) == 100
    assert response.context["import_errors"][0].startswith("Rij 2, kolom ‘Bedrag (€)’")
    assertContains(response, "en 1.234 andere fouten")
    assertContains(response, "<li>Rij ", count=100)
    assert len(response.content) < 200_000


def test_an_import_over_its_time_budget_is_refused_and_writes_nothing(bureau_client, plan_2024, settings) -> None:
    content = csv_file([COSTS, cost_line()])
    settings.IMPORT_TIME_BUDGET_SECONDS = 0
    refused(bureau_client, content, "Het bestand kon niet binnen 0 seconden worden verwerkt; er is niets geïmporteerd.")

    settings.IMPORT_TIME_BUDGET_SECONDS = 40
    preview = upload(bureau_client, CostLine, content)
    settings.IMPORT_TIME_BUDGET_SECONDS = 0
    response = confirm(bureau_client, preview)
    assertContains(response, "Het bestand kon niet binnen 0 seconden worden verwerkt")
    assert not CostLine.objects.filter(label="Nieuwe kosten").exists()
    settings.IMPORT_TIME_BUDGET_SECONDS = 40
    assert confirm(bureau_client, preview).status_code == 302  # the upload is still there to confirm
    assert CostLine.objects.filter(label="Nieuwe kosten").count() == 1


def test_a_cell_too_long_for_a_csv_is_refused_in_dutch(bureau_client, plan_2024) -> None:
    content = csv_file([COSTS, cost_line("x" * 200_000)], ";")
    refused(bureau_client, content, "Het CSV-bestand is niet te lezen bij regel 2: een cel is te lang")
