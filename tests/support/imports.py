"""Helpers for the import and export tests: files as a user makes them, posted through the real admin."""

from __future__ import annotations

import codecs
import csv
import io
from typing import Any

import openpyxl
from django.contrib.auth import SESSION_KEY, get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model
from django.http import HttpResponse
from django.test import Client

from core.imports import pending
from core.imports.export import export_resource
from tests.conftest import admin_url

# The formats offered by PolicyImportExportMixin (core.imports.admin), in that order.
FORMAT_INDEX = {"csv": "0", "xlsx": "1"}


def csv_file(rows: list[list[Any]], delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_file(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client: Client, model: type[Model], content: bytes, fmt: str = "csv") -> HttpResponse:
    """Step 1 of the admin import: the dry run with its preview (or its errors)."""
    upload = SimpleUploadedFile(f"import.{fmt}", content)
    return client.post(
        admin_url(model, "import"), {"format": FORMAT_INDEX[fmt], "resource": "0", "import_file": upload}
    )


def confirm(client: Client, response: HttpResponse) -> HttpResponse:
    """Step 2: post the confirmation form the preview page offers."""
    form = response.context["confirm_form"]
    data = {name: form[name].value() for name in form.fields}
    return client.post(admin_url(form_model(response), "process_import"), data)


def form_model(response: HttpResponse) -> type[Model]:
    return response.context["opts"].model


def client_user(client: Client) -> Any:
    return get_user_model().objects.get(pk=client.session[SESSION_KEY])


def forged_confirm(client: Client, model: type[Model], content: bytes, fmt: str = "csv") -> HttpResponse:
    """A confirmation of a file that never had a clean preview: imported for real, or refused.

    The file is stored as a pending import of this user and model, as if the preview had passed.
    """
    stored = pending.store(
        user=client_user(client), model=model, file_name=f"import.{fmt}", file_format=fmt, content=content, versions={}
    )
    data = {"import_file_name": str(stored.pk), "original_file_name": f"import.{fmt}", "format": FORMAT_INDEX[fmt]}
    return client.post(admin_url(model, "process_import"), {**data, "resource": "0"})


def confirm_with(client: Client, model: type[Model], import_file_name: str) -> HttpResponse:
    """A confirmation naming any pending import, as a browser (or an attacker) can post it."""
    data = {"import_file_name": import_file_name, "original_file_name": "import.csv", "format": "0", "resource": "0"}
    return client.post(admin_url(model, "process_import"), data)


def import_errors(response: HttpResponse) -> list[str]:
    """The row errors the preview shows, as sentences."""
    result = response.context["result"]
    assert result is not None
    return result.row_errors


def export(client: Client, model: type[Model], resource: Any, fmt: str = "csv", query: str = "") -> HttpResponse:
    fields = {f"{resource.__name__.lower()}_{name}": "on" for name in export_resource(resource)().get_export_order()}
    response = client.post(admin_url(model, "export") + query, {"format": FORMAT_INDEX[fmt], "resource": "0", **fields})
    assert response.status_code == 200, response.content[:500]
    return response


def read_csv(content: bytes) -> list[list[str]]:
    """Our CSV export as Dutch Excel reads it: UTF-8 with a BOM, semicolons between the cells."""
    assert content.startswith(codecs.BOM_UTF8), content[:20]
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";"))


def read_xlsx(content: bytes) -> list[list[Any]]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]
