"""The import and export screens of the admin: upload with preview, confirmation, export.

The two import steps keep their URLs (`<model>/import/` and `<model>/process_import/`): the upload
is read and previewed (core.imports.service.preview) and, without errors, waits for its confirmation
in the database (core.imports.pending) with the version of each row's object; the confirmation
claims it, imports it (service.apply) and removes it in the import's transaction. Export is
django-import-export's screen over the same columns (core.imports.export).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from import_export.admin import ExportMixin
from import_export.forms import SelectableFieldsExportForm

from core import clock, permissions
from core.formatting import format_number
from core.history import is_versioned
from core.signals import import_finished

from . import pending, service
from .export import FORMATS, export_resource
from .files import FileRefused, deadline, limit, megabytes, read_table, upload_content
from .resources import Resource

NOT_FOUND_MESSAGE = (
    "Deze import bestaat niet (meer): hij is al bevestigd, ouder dan een dag, of niet door u ingelezen. "
    "Er is niets geïmporteerd; lees het bestand opnieuw in."
)
XLSX_MAGIC = b"PK\x03\x04"
# The formats of the upload form, by the values the form posts (the export form's indexes alike).
FORMAT_NAMES = {"0": "csv", "1": "xlsx"}


class DutchImportForm(forms.Form):
    import_file = forms.FileField(label="Bestand")
    format = forms.ChoiceField(
        label="Formaat",
        choices=[("", "Kies een formaat"), *((str(i), getattr(f, "label", "")) for i, f in enumerate(FORMATS))],
        error_messages={"required": "Kies het formaat van het bestand."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        size, rows = megabytes(limit("IMPORT_MAX_UPLOAD_BYTES")), format_number(limit("IMPORT_MAX_ROWS"))
        self.fields["import_file"].help_text = f"CSV of XLSX, hoogstens {size} en {rows} rijen."


class ConfirmImportForm(forms.Form):
    """The confirmation names its pending import by id; anything that is not such an id is refused."""

    import_file_name = forms.CharField(widget=forms.HiddenInput)

    def clean_import_file_name(self) -> str:
        value = self.cleaned_data["import_file_name"]
        if pending.parse_id(value) is None:
            raise forms.ValidationError(NOT_FOUND_MESSAGE)
        return str(value)


def _format_choices(field: Any, formats: Any) -> None:
    labels = {str(index): getattr(file_format, "label", "") for index, file_format in enumerate(formats)}
    field.choices = [
        (value, labels.get(str(value)) or ("Kies een formaat" if value == "" else label))
        for value, label in field.choices
    ]


class DutchExportForm(SelectableFieldsExportForm):
    """The export form with the columns by their Dutch headings, as they appear in the file."""

    def __init__(self, formats: Any, resources: Any, **kwargs: Any) -> None:
        super().__init__(formats, resources, **kwargs)
        self.fields["format"].label = "Formaat"
        self.fields["format"].error_messages["required"] = "Kies het formaat van de export."
        self.fields["resource"].label = "Gegevens"
        _format_choices(self.fields["format"], formats)

    def _get_field_label(self, resource: Any, field_name: str) -> str:
        field = resource.fields.get(field_name)
        return str(field.column_name) if field is not None and field.column_name else field_name

    def _validate_any_field_selected(self, resource: Any) -> None:
        columns = list(resource().get_export_order())
        if not any(value for name, value in self.cleaned_data.items() if name in columns):
            raise forms.ValidationError("Kies minstens één kolom om te exporteren.", code="invalid")


def result_context(
    outcome: service.Outcome, preload_labels: Callable[[list[Any]], None] | None = None
) -> dict[str, Any]:
    """What the import page shows of an outcome: totals, the first rows, at most so many errors.

    `preload_labels` (the model admin's) labels the objects of the rows shown, all at once.
    """
    errors = outcome.errors
    shown = limit("IMPORT_MAX_ERRORS_SHOWN")
    rows = [row for row in outcome.rows if not row.errors]
    if preload_labels is not None:
        preload_labels([row.instance for row in rows[: service.PREVIEW_ROWS] if row.instance is not None])
    preview = [
        {"number": row.number, "label": row.label, "kind": row.kind, "object": row.object, "cells": row.cells}
        for row in rows[: service.PREVIEW_ROWS]
    ]
    return {
        "result": outcome,
        "import_errors": errors[:shown],
        "more_errors": format_number(len(errors) - shown) if len(errors) > shown else "",
        "preview_rows": preview,
        "more_rows": format_number(len(rows) - len(preview)) if len(rows) > len(preview) else "",
        "totals": outcome.totals,
    }


class PolicyImportExportMixin(ExportMixin):
    """Import and export in the admin: CSV and XLSX, allowed as the policy allows adding and changing.

    `resource_classes` names the app's resources (core.imports.resources.Resource); the first imports.
    """

    resource_classes: Any = ()
    formats = FORMATS
    import_export_change_list_template = "admin/import_export/change_list_import_export.html"
    import_template_name = "admin/import_export/riec_import.html"
    export_template_name = "admin/import_export/riec_export.html"
    export_form_class = DutchExportForm

    def has_import_permission(self, request: HttpRequest) -> bool:
        user, model = request.user, self.model  # type: ignore[attr-defined]
        return permissions.can_add(user, model) or permissions.can_change_model(user, model)

    def has_export_permission(self, request: HttpRequest) -> bool:
        return permissions.can_view(request.user)

    def get_export_resource_classes(self, request: HttpRequest) -> list[Any]:
        return [export_resource(kind) for kind in self.resource_classes]

    def import_kind(self) -> type[Resource]:
        return self.resource_classes[0]  # type: ignore[no-any-return]

    def get_urls(self) -> list[Any]:
        info = self.get_model_info()
        admin_view = self.admin_site.admin_view  # type: ignore[attr-defined]
        return [
            path("import/", admin_view(self.import_action), name="{}_{}_import".format(*info)),
            path("process_import/", admin_view(self.process_import), name="{}_{}_process_import".format(*info)),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        extra_context = {**(extra_context or {}), "has_import_permission": self.has_import_permission(request)}
        return super().changelist_view(request, extra_context)

    # Upload and preview ------------------------------------------------------------------------

    def import_action(self, request: HttpRequest) -> HttpResponse:
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = DutchImportForm(request.POST or None, request.FILES or None)
        context: dict[str, Any] = {}
        if request.method == "POST" and form.is_valid():
            until = deadline()
            kind = self.import_kind()
            upload = form.cleaned_data["import_file"]
            try:
                content = upload_content(upload)
                file_format = checked_format(content, FORMAT_NAMES[form.cleaned_data["format"]])
                table = read_table(content, file_format, kind.headers(), until)
                outcome = service.preview(kind, table, request.user, until=until)
            except FileRefused as refusal:
                form.add_error("import_file", str(refusal))
            else:
                context.update(result_context(outcome, getattr(self, "preload_labels", None)))
                if not outcome.has_errors():
                    waiting = pending.store(
                        user=request.user,
                        model=self.model,  # type: ignore[attr-defined]
                        file_name=upload.name,
                        file_format=file_format,
                        content=content,
                        versions=outcome.versions() if is_versioned(kind.model) else {},
                    )
                    context["confirm_form"] = ConfirmImportForm(initial={"import_file_name": str(waiting.pk)})
        return self.import_page(request, form, context)

    def import_page(
        self, request: HttpRequest, form: Any, context: dict[str, Any], status: int = 200
    ) -> TemplateResponse:
        kind = self.import_kind()
        context.update(
            {
                **self.admin_site.each_context(request),  # type: ignore[attr-defined]
                "title": _("Importeren"),
                "form": form,
                "opts": self.model._meta,  # type: ignore[attr-defined]
                "media": self.media + form.media,  # type: ignore[attr-defined]
                "fields_list": [(kind.name, kind.headers())],
            }
        )
        request.current_app = self.admin_site.name  # type: ignore[attr-defined]
        return TemplateResponse(request, [self.import_template_name], context, status=status)

    # The confirmation --------------------------------------------------------------------------

    @method_decorator(require_POST)
    def process_import(self, request: HttpRequest) -> HttpResponse:
        if not self.has_import_permission(request):
            raise PermissionDenied
        confirm_form = ConfirmImportForm(request.POST)
        if not confirm_form.is_valid():
            return self.import_page(request, DutchImportForm(), {"gone": NOT_FOUND_MESSAGE}, status=400)
        model = self.model  # type: ignore[attr-defined]
        try:
            waiting = pending.claim(confirm_form.cleaned_data["import_file_name"], request.user, model)
        except pending.PendingImportMissing:
            return self.import_page(request, DutchImportForm(), {"gone": NOT_FOUND_MESSAGE}, status=404)
        until = deadline()
        kind = self.import_kind()
        try:
            table = read_table(bytes(waiting.content), waiting.file_format, kind.headers(), until)
            outcome = service.apply(
                kind,
                table,
                request.user,
                versions=waiting.versions,
                until=until,
                before_commit=lambda: pending.remove(waiting),
            )
        except FileRefused as refusal:
            pending.release(waiting)
            return self.import_page(request, DutchImportForm(), {"refusal": str(refusal)})
        except BaseException:
            pending.release(waiting)
            raise
        if outcome.has_errors():
            pending.release(waiting)
        return self.process_result(outcome, request)

    def process_result(self, outcome: service.Outcome, request: HttpRequest) -> HttpResponse:
        import_finished.send(sender=type(self), request=request, model=self.model, result=outcome)  # type: ignore[attr-defined]
        if outcome.has_errors():
            messages.error(request, _("Er is niets geïmporteerd: het bestand bevat fouten."))
            return self.import_page(
                request, DutchImportForm(), result_context(outcome, getattr(self, "preload_labels", None))
            )
        self.add_success_message(outcome, request)
        app_label, model_name = self.get_model_info()
        changelist = reverse(f"admin:{app_label}_{model_name}_changelist", current_app=self.admin_site.name)  # type: ignore[attr-defined]
        return HttpResponseRedirect(changelist)

    def add_success_message(self, outcome: service.Outcome, request: HttpRequest) -> None:
        totals = outcome.totals
        things = self.model._meta.verbose_name_plural  # type: ignore[attr-defined]
        new, update, skip = totals[service.NEW], totals[service.UPDATE], totals[service.SKIP]
        if new == update == 0:
            message = _("Import voltooid (%(things)s): er is niets veranderd, alle %(skip)s rijen waren al zo.")
        else:
            message = _("Import voltooid (%(things)s): %(new)s nieuw, %(update)s bijgewerkt, %(skip)s ongewijzigd.")
        values = {"things": things, "new": format_number(new), "update": format_number(update)}
        messages.success(request, message % {**values, "skip": format_number(skip)})

    # Export -----------------------------------------------------------------------------------

    def init_request_context_data(self, request: HttpRequest, form: Any) -> dict[str, Any]:
        context = super().init_request_context_data(request, form)
        context["title"] = _("Exporteren")
        return context

    def get_export_filename(self, request: HttpRequest, queryset: QuerySet[Any], file_format: Any) -> str:
        """kostenregels-2024-2026-11-30.xlsx: what, the plan year when the rows are of one plan, and today."""
        kind = self.import_kind()
        parts = [slugify(kind.name) or self.model._meta.model_name]  # type: ignore[attr-defined]
        plan_path = permissions.scope_of(self.model).plan_path  # type: ignore[attr-defined]
        if plan_path:
            years = list(queryset.order_by().values_list(f"{plan_path}__year", flat=True).distinct()[:2])
            if len(years) == 1 and years[0] is not None:
                parts.append(str(years[0]))
        parts.append(clock.today().isoformat())
        return "-".join(parts) + "." + file_format.get_extension()


def checked_format(content: bytes, name: str) -> str:
    if name == "csv" and content.startswith(XLSX_MAGIC):
        raise FileRefused("Dit bestand is een Excel-werkmap: kies bij Formaat ‘Excel-werkmap (XLSX)’.")
    return name
