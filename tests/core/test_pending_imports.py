"""An upload waits for its confirmation in the database, for its own user and model only.

What the confirmation posts back (`import_file_name`) is untrusted: a path, someone else's id or an
expired one reads nothing, deletes nothing and imports nothing.
"""

from __future__ import annotations

import datetime
import secrets
import tempfile
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.files import temp as django_temp
from django.core.management import call_command
from django.utils import timezone
from pytest_django.asserts import assertContains

from budget.models import CostLine, FundingSource
from core.models import PendingImport
from core.roles import BUREAU, COORDINATOR
from strategy.models import Action
from tests.conftest import admin_url, logged_in, reopened, role_user
from tests.support.imports import confirm, confirm_with, csv_file, upload, xlsx_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan_2024(plan_2024: Any) -> Any:
    """The 2024 plan reopened, a concept again (it loads as adopted): these imports change its content."""
    return reopened(plan_2024)


NOT_FOUND = "Deze import bestaat niet (meer)"
COST_HEADER = [
    "Jaar",
    "Onderdeel",
    "Omschrijving",
    "Volgorde",
    "Bedrag (€)",
    "Geldstroom",
    "Groep",
    "Ten laste van lijn",
]
NEW_ROW = ["2024", "bedrijfsvoering", "Nieuwe kosten", "900", "12500", "regulier", "", ""]
NEW_COST_LINE = csv_file([COST_HEADER, NEW_ROW])


@pytest.fixture
def canary() -> Any:
    """A file in the temporary folder, where the library's TempFolderStorage would look."""
    path = Path(tempfile.gettempdir()) / f"riec-canary-{secrets.token_hex(6)}"
    path.write_bytes(b"Jaar,Onderdeel\n2024,personeel\n")
    yield path
    path.unlink(missing_ok=True)


def forged_names(path: Path) -> list[str]:
    return [path.name, str(path), f"../../..{path}", f"../{path.name}", "", "0" * 32 + "/../" + path.name]


def test_a_forged_confirmation_reads_deletes_and_imports_nothing(bureau_client, plan_2024, canary) -> None:
    lines = CostLine.objects.count()
    for name in forged_names(canary):
        response = confirm_with(bureau_client, CostLine, name)
        assert response.status_code == 400, name
        assertContains(response, NOT_FOUND, status_code=400)
        assert canary.read_bytes() == b"Jaar,Onderdeel\n2024,personeel\n"  # still there, unchanged
    missing = confirm_with(bureau_client, CostLine, str(canary.with_name("riec-no-such-file")))
    # No oracle: an existing and a missing file get the same answer.
    assert missing.status_code == 400
    assert CostLine.objects.count() == lines
    assert PendingImport.objects.count() == 0


def test_an_unknown_id_answers_404_in_dutch(bureau_client, plan_2024) -> None:
    response = confirm_with(bureau_client, CostLine, str(uuid.uuid4()))
    assertContains(response, NOT_FOUND, status_code=404)
    assertContains(response, "lees het bestand opnieuw in", status_code=404)


def test_the_upload_waits_in_the_database_bound_to_user_and_model(bureau_client, bureau_admin, plan_2024) -> None:
    preview = upload(bureau_client, CostLine, NEW_COST_LINE)
    name = preview.context["confirm_form"]["import_file_name"].value()
    pending = PendingImport.objects.get()
    assert str(pending.pk) == name
    assert (pending.user, pending.model, pending.file_format, bytes(pending.content)) == (
        bureau_admin,
        "budget.costline",
        "csv",
        NEW_COST_LINE,
    )
    assert uuid.UUID(name).version == 4  # random, not a counter

    # The same id through another model's admin: not found, and the upload is still there.
    assert confirm_with(bureau_client, FundingSource, name).status_code == 404
    assert PendingImport.objects.count() == 1

    assert confirm(bureau_client, preview).status_code == 302
    assert CostLine.objects.filter(label="Nieuwe kosten").count() == 1
    assert PendingImport.objects.count() == 0  # removed by the confirmation
    # Confirming again finds nothing and imports nothing twice.
    assert confirm_with(bureau_client, CostLine, name).status_code == 404
    assert CostLine.objects.filter(label="Nieuwe kosten").count() == 1


def test_another_users_upload_cannot_be_confirmed(bureau_client, plan_2024) -> None:
    preview = upload(bureau_client, CostLine, NEW_COST_LINE)
    name = preview.context["confirm_form"]["import_file_name"].value()
    colleague = logged_in(role_user("bureau-2", BUREAU))
    response = confirm_with(colleague, CostLine, name)
    assertContains(response, NOT_FOUND, status_code=404)
    assert not CostLine.objects.filter(label="Nieuwe kosten").exists()
    assert PendingImport.objects.count() == 1  # the owner's upload is untouched
    assert confirm(bureau_client, preview).status_code == 302


def test_a_coordinator_cannot_consume_the_bureaus_pending_upload(bureau_client, plan_2024) -> None:
    header = ["Jaar", "Paragraaf", "Volgorde", "Actie", "Toelichting", "Trekker", "Doel", "Lijn"]
    content = csv_file([header, ["2024", "strategische-keuzes", "50", "Actie van het bureau", "", "", "", ""]])
    preview = upload(bureau_client, Action, content)
    name = preview.context["confirm_form"]["import_file_name"].value()
    coordinator = logged_in(role_user("coordinator-twente", COORDINATOR, districts=["twente"]))
    assert confirm_with(coordinator, Action, name).status_code == 404
    assert PendingImport.objects.filter(pk=name).exists()
    assert not Action.objects.filter(title="Actie van het bureau").exists()


def test_an_upload_expires_after_a_day_and_the_daily_command_removes_it(bureau_client, plan_2024) -> None:
    preview = upload(bureau_client, CostLine, NEW_COST_LINE)
    PendingImport.objects.update(created_at=timezone.now() - datetime.timedelta(hours=24, minutes=1))
    fresh = upload(bureau_client, CostLine, NEW_COST_LINE)  # a second upload, just now
    response = confirm(bureau_client, preview)
    assertContains(response, NOT_FOUND, status_code=404)
    assert not CostLine.objects.filter(label="Nieuwe kosten").exists()

    call_command("clear_pending_imports", stdout=(out := _Output()))
    assert out.text == "1 verlopen import(s) verwijderd; 1 wachten nog op bevestiging.\n"
    assert [str(p.pk) for p in PendingImport.objects.all()] == [
        fresh.context["confirm_form"]["import_file_name"].value()
    ]


class _Output:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


def test_a_refused_file_is_not_kept(bureau_client, plan_2024) -> None:
    bad = csv_file([COST_HEADER, ["2031", "bedrijfsvoering", "Nieuwe kosten", "900", "12500", "regulier", "", ""]])
    response = upload(bureau_client, CostLine, bad)
    assert "confirm_form" not in response.context
    assert PendingImport.objects.count() == 0


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_nothing_of_an_import_is_written_to_the_local_disk(
    bureau_client, plan_2024, tmp_path, settings, monkeypatch, fmt
) -> None:
    # Even an upload above Django's in-memory size (which would go to a temporary file) stays in memory.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    # The first request loads every view (WeasyPrint's libraries are looked up with temporary files).
    assert bureau_client.get(admin_url(CostLine, "import")).status_code == 200
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))

    def no_temporary_files(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("an import wrote a temporary file")

    for name in ("NamedTemporaryFile", "TemporaryFile", "SpooledTemporaryFile", "mkstemp", "mkdtemp"):
        monkeypatch.setattr(tempfile, name, no_temporary_files)
    monkeypatch.setattr(django_temp, "NamedTemporaryFile", no_temporary_files)  # Django's upload handler
    content = NEW_COST_LINE if fmt == "csv" else xlsx_file([COST_HEADER, NEW_ROW])
    preview = upload(bureau_client, CostLine, content, fmt)
    assert confirm(bureau_client, preview).status_code == 302
    assert CostLine.objects.filter(label="Nieuwe kosten").count() == 1
    assert list(scratch.iterdir()) == []
