"""Export: the columns of a resource written by django-import-export's admin export (CSV and XLSX).

The library earns its place here: its export screen (formats, the columns to include, exporting the
selected rows from the change list) and its file writing. Each `Resource` declares its columns once;
`export_resource` turns them into the library's resource, with the same Dutch headers and values
that the import reads back ("ongewijzigd" on a round trip).
"""

from __future__ import annotations

import functools
from typing import Any

from django.db.models import QuerySet
from import_export import resources, widgets
from import_export.fields import Field
from import_export.formats.base_formats import CSV, XLSX

from .columns import Column, neutralise
from .resources import Resource


class ColumnWidget(widgets.Widget):
    def __init__(self, column: Column) -> None:
        super().__init__(coerce_to_string=False)
        self.column = column

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        rendered = self.column.render(value)
        if hasattr(rendered, "isoformat") and not kwargs.get("force_native_type"):
            return rendered.isoformat()  # a date in a CSV: 2024-03-31
        return rendered


class ExportResource(resources.ModelResource):
    """What an export reads of each object: the declared joins plus what the policy reads."""

    kind: type[Resource]

    def get_queryset(self) -> QuerySet[Any]:
        return self.kind.queryset()

    def filter_export(self, queryset: QuerySet[Any], **kwargs: Any) -> QuerySet[Any]:
        return queryset.select_related(*self.kind.related())

    def export_field(self, field: Any, instance: Any, **kwargs: Any) -> Any:
        return neutralise(super().export_field(field, instance, **kwargs))


@functools.cache
def export_resource(kind: type[Resource]) -> type[ExportResource]:
    """The library's resource for `kind`, named like it (the export form names its fields after it)."""
    fields = {
        name: Field(attribute=column.attribute, column_name=column.header, widget=ColumnWidget(column), readonly=True)
        for name, column in kind.columns.items()
    }
    meta = type("Meta", (), {"model": kind.model, "name": kind.name, "fields": tuple(kind.columns)})
    return type(kind.__name__, (ExportResource,), {**fields, "Meta": meta, "kind": kind, "__module__": kind.__module__})


class DutchCSV(CSV):
    """CSV as Dutch Excel reads and writes it."""

    label = "CSV (Excel; puntkomma's, UTF-8)"

    def export_data(self, dataset: Any, **kwargs: Any) -> str:
        # The BOM tells Excel the file is UTF-8 (for the € and ë); the semicolon is the Dutch list separator.
        return "\ufeff" + dataset.export("csv", delimiter=";")

    def get_content_type(self) -> str:
        return "text/csv; charset=utf-8"


class DutchXLSX(XLSX):
    label = "Excel-werkmap (XLSX)"


FORMATS = (DutchCSV, DutchXLSX)
