"""The confirmation holds the preview to its word, and a file's headers and merged cells are checked first.

- A row whose object someone saved after the preview is an error on that row, naming who and when;
  nothing of the file is written.
- An unknown or missing column refuses the file before any row is read, listing the expected columns.
- Merged cells in an XLSX refuse the file, naming the range.
"""

from __future__ import annotations

import datetime
import io
from typing import Any

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.utils import timezone
from pytest_django.asserts import assertContains

from budget.models import CostLine
from core import clock
from core.history import save_if_current
from core.models import PendingImport
from core.roles import BUREAU
from tests.conftest import reopened, role_user
from tests.support.imports import confirm, csv_file, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan_2024(plan_2024: Any) -> Any:
    """The 2024 plan reopened, a concept again (it loads as adopted): these imports change its content."""
    return reopened(plan_2024)


COSTS = ["Jaar", "Onderdeel", "Omschrijving", "Volgorde", "Bedrag (€)", "Geldstroom", "Groep", "Ten laste van lijn"]
EXPECTED = (
    "De kolommen zijn: ‘Jaar’, ‘Onderdeel’, ‘Omschrijving’, ‘Volgorde’, ‘Bedrag (€)’, ‘Geldstroom’, ‘Groep’, "
    "‘Ten laste van lijn’."
)
TODAY = datetime.date(2024, 5, 14)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: TODAY)


def new_line(label: str = "Nieuwe kosten", amount: str = "12500") -> list[str]:
    return ["2024", "bedrijfsvoering", label, "900", amount, "regulier", "", ""]


def existing_row(line: CostLine, amount: str) -> list[str]:
    group = line.group.title if line.group else ""
    return ["2024", line.category, line.label, str(line.order), amount, line.funding_stream, group, ""]


# A row changed after the preview ------------------------------------------------------------------


def test_a_row_changed_after_the_preview_is_refused_and_nothing_is_written(bureau_client, plan_2024) -> None:
    line = CostLine.objects.get(plan=plan_2024, category="personeel", label="Cluster 1: Regulier")
    content = csv_file([COSTS, new_line(), existing_row(line, "111")])
    preview = upload(bureau_client, CostLine, content)
    assert preview.context["result"].totals["update"] == 1
    assertContains(preview, f"{line.amount:,}".replace(",", ".") + " → 111")

    # A colleague saves the same cost line after the preview, as the admin's change form does.
    colleague = role_user("bureau-2", BUREAU)
    current = CostLine.objects.get(pk=line.pk)
    current.amount = 222
    current._history_user = colleague  # type: ignore[attr-defined]
    save_if_current(current, expected=current.version)
    saved_at = CostLine.history.filter(id=line.pk).first().history_date  # type: ignore[union-attr]

    response = confirm(bureau_client, preview)
    assert response.status_code == 200
    when = timezone.localtime(saved_at)
    assert response.context["result"].row_errors == [
        f"Rij 3: deze kostenregel is gewijzigd door bureau-2 om {when:%d-%m-%Y %H:%M} na uw voorbeeld; "
        "lees het bestand opnieuw in."
    ]
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Er is niets geïmporteerd: het bestand bevat fouten."
    ]
    line.refresh_from_db()
    assert line.amount == 222  # the colleague's save stands
    assert not CostLine.objects.filter(label="Nieuwe kosten").exists()  # and the valid row is not written either


def test_an_unchanged_row_changed_after_the_preview_is_refused_too(bureau_client, plan_2024) -> None:
    line = CostLine.objects.get(plan=plan_2024, category="personeel", label="Cluster 1: Regulier")
    preview = upload(bureau_client, CostLine, csv_file([COSTS, existing_row(line, str(line.amount))]))
    assert preview.context["result"].totals["skip"] == 1
    changed = line.amount + 1
    line.amount = changed
    save_if_current(line, expected=line.version)
    response = confirm(bureau_client, preview)
    [error] = response.context["result"].row_errors
    assert error.startswith("Rij 2: deze kostenregel is gewijzigd door ")
    assert "na uw voorbeeld" in error
    line.refresh_from_db()
    assert line.amount == changed  # the file's (older) amount was not written back


def test_a_preview_that_still_holds_is_imported(bureau_client, plan_2024) -> None:
    line = CostLine.objects.get(plan=plan_2024, category="personeel", label="Cluster 1: Regulier")
    version = line.version
    preview = upload(bureau_client, CostLine, csv_file([COSTS, existing_row(line, "111")]))
    assert confirm(bureau_client, preview).status_code == 302
    line.refresh_from_db()
    assert (line.amount, line.version) == (111, version + 1)
    assert PendingImport.objects.count() == 0


# Headers --------------------------------------------------------------------------------------------


def refused_for_columns(client: Any, content: bytes, fmt: str = "csv") -> str:
    before = CostLine.objects.count()
    response = upload(client, CostLine, content, fmt)
    assert "confirm_form" not in response.context
    [error] = response.context["result"].file_errors
    assert response.context["result"].rows == []  # refused before any row was read
    assert CostLine.objects.count() == before
    assert PendingImport.objects.count() == 0
    assertContains(response, EXPECTED)
    return error


def test_a_typed_header_is_an_unknown_column_naming_the_expected_ones(bureau_client, plan_2024) -> None:
    header = [("Bedrag" if name == "Bedrag (€)" else name) for name in COSTS]
    error = refused_for_columns(bureau_client, csv_file([header, new_line()]))
    assert error.startswith("Het bestand heeft onbekende kolom(men) ‘Bedrag’; gevonden zijn de kolommen ‘Jaar’,")
    assert error.endswith(EXPECTED)


def test_a_latin9_file_whose_euro_sign_became_a_currency_sign_is_refused(bureau_client, plan_2024) -> None:
    content = csv_file([COSTS, new_line()], ";", "iso-8859-15")
    assert "Bedrag (€)".encode("iso-8859-15") in content  # the euro sign is byte A4 in Latin-9
    error = refused_for_columns(bureau_client, content)
    assert error.startswith("Het bestand heeft onbekende kolom(men) ‘Bedrag (¤)’")


def test_a_missing_required_column_lists_the_expected_columns(bureau_client, plan_2024) -> None:
    header = [name for name in COSTS if name != "Omschrijving"]
    row = [cell for name, cell in zip(COSTS, new_line(), strict=True) if name != "Omschrijving"]
    error = refused_for_columns(bureau_client, csv_file([header, row]))
    assert error.startswith("Het bestand mist de kolom(men) ‘Omschrijving’; gevonden zijn de kolommen ‘Jaar’,")


# Merged cells ---------------------------------------------------------------------------------------


def test_merged_cells_in_the_data_are_refused_naming_the_range(bureau_client, plan_2024) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(COSTS)
    for n in range(20):
        sheet.append(new_line(f"Kosten {n}"))
    sheet.merge_cells("B4:B18")  # 15 cost lines' part in one merged cell
    out = io.BytesIO()
    book.save(out)
    response = upload(bureau_client, CostLine, out.getvalue(), "xlsx")
    assert "confirm_form" not in response.context
    [error] = response.context["form"].errors["import_file"]
    assert error.startswith("Het werkblad heeft samengevoegde cellen (B4:B18).")
    assert not CostLine.objects.filter(label__startswith="Kosten ").exists()
    assert PendingImport.objects.count() == 0


# Amounts as our pages write them ----------------------------------------------------------------------


def test_amounts_copied_from_our_pages_read_back_as_they_were_shown(bureau_client, plan_2024) -> None:
    rows = [new_line("Nog niet bekend", "pm"), new_line("Niets", "-"), new_line("Negatief", "−12.500")]
    rows[1][3], rows[2][3] = "901", "902"
    preview = upload(bureau_client, CostLine, csv_file([COSTS, *rows], ";"))
    assert preview.context["result"].errors == []
    assert [row["cells"][4].text for row in preview.context["preview_rows"]] == ["pm", "-", "−12.500"]
    assert confirm(bureau_client, preview).status_code == 302
    amounts = dict(CostLine.objects.filter(order__in=[900, 901, 902]).values_list("label", "amount"))
    assert amounts == {"Nog niet bekend": None, "Niets": 0, "Negatief": -12_500}
