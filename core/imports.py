"""What every import and export of riec-plan shares (django-import-export).

- Columns are human keys with Dutch headers (a plan's year, a district's name), never database ids.
- Cells are strict: "260.000" is not 260 and an unknown district is an error, not an empty field.
- An import is all or nothing: it runs in one transaction that one invalid row rolls back entirely.
  Every row is checked before it is written; new rows are then inserted in batches, with their
  historical records, and changed rows are saved one by one (stale-version check, own savepoint).
- Every row is a change by the importing user, so the permission policy (core.permissions)
  decides about each row as it does about a save in the admin.
- Exported text cannot start a spreadsheet formula; numbers stay numbers.
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet, UniqueConstraint
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from import_export import resources, widgets
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.instance_loaders import ModelInstanceLoader
from import_export.options import ResourceOptions
from import_export.results import Result, RowResult
from simple_history.utils import bulk_create_with_history

from . import permissions
from .history import is_versioned, save_if_current
from .signals import import_finished

# A cell starting with one of these is read as a formula (or as the start of one) by spreadsheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
WHOLE_NUMBER = re.compile(r"-?\d+")
NUMBER_MESSAGE = "Vul een heel getal in, zonder punten of tekens."


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading quote; other values pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def unneutralise(text: str) -> str:
    """The reverse of `neutralise`, so an exported file imports to the same text."""
    if len(text) > 1 and text[0] == "'" and text[1] in "".join(FORMULA_TRIGGERS):
        return text[1:]
    return text


def cell_text(value: Any) -> str:
    """A cell as stripped text; a number from a spreadsheet as its digits (2024, not 2024.0)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unneutralise(str(value).strip())


# Widgets: one cell to one value and back --------------------------------------------------------


class TextWidget(widgets.CharWidget):
    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        return cell_text(value)


class WholeNumberWidget(widgets.Widget):
    """Whole numbers only, with an optional minus sign; exported as a number, not as text.

    Django's IntegerField and import-export's IntegerWidget read "260.000" (Dutch for 260000) as 260,
    so they are not used for amounts or keys.
    """

    def __init__(self, message: str = NUMBER_MESSAGE) -> None:
        super().__init__(coerce_to_string=False)
        self.message = message

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> int | None:
        if isinstance(value, bool):
            raise ValueError(self.message)
        if isinstance(value, int):
            return value
        if isinstance(value, float | Decimal):
            if value != int(value):
                raise ValueError(self.message)
            return int(value)
        text = "" if value is None else str(value).strip()
        if not text:
            return None
        if not WHOLE_NUMBER.fullmatch(text):
            raise ValueError(self.message)
        return int(text)

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        return "" if value is None else value


class ChoiceWidget(widgets.Widget):
    """A choice by its stored value or its Dutch label, in any case; exported as the stored value."""

    def __init__(self, choices: Iterable[tuple[str, Any]]) -> None:
        super().__init__(coerce_to_string=False)
        self.choices = list(choices)
        self.lookup = {str(key).lower(): key for key, _label in self.choices}
        self.lookup.update({str(label).lower(): key for key, label in self.choices})

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        text = cell_text(value)
        if not text:
            return ""
        try:
            return self.lookup[text.lower()]
        except KeyError:
            options = ", ".join(str(key) for key, _label in self.choices if key)
            message = _("‘%(value)s’ is geen keuze; kies uit: %(options)s.")
            raise ValueError(message % {"value": text, "options": options}) from None

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        return value or ""


class DateWidget(widgets.Widget):
    """A date as 2024-03-31 or 31-03-2024, or a date cell of a spreadsheet; exported as a date."""

    FORMATS = ("%Y-%m-%d", "%d-%m-%Y")

    def __init__(self) -> None:
        super().__init__(coerce_to_string=False)

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> datetime.date | None:
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = cell_text(value)
        if not text:
            return None
        for date_format in self.FORMATS:
            try:
                return datetime.datetime.strptime(text, date_format).date()
            except ValueError:
                continue
        raise ValueError(_("‘%(value)s’ is geen datum; schrijf bijvoorbeeld 2024-03-31.") % {"value": text})

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        if value is None:
            return ""
        return value if kwargs.get("force_native_type") else value.isoformat()


class LookupWidget(widgets.Widget):
    """A related object named by a human key, possibly with the help of other columns of the row.

    Each distinct key is looked up once per import: a file of 10,000 rows for one plan asks for the
    plan once. Subclasses say how to find the object (`lookup`) and what to write on export (`render_path`).
    """

    model: type[Model]
    render_path: str = "pk"

    def __init__(self) -> None:
        super().__init__(coerce_to_string=False)
        self._cache: dict[tuple[Any, ...], Model | None] = {}

    def lookup(self, text: str, row: dict[str, Any]) -> dict[str, Any]:
        """Query arguments for the object named by `text`; raise ValueError (in Dutch) when they cannot be made."""
        raise NotImplementedError

    def missing(self, text: str, row: dict[str, Any]) -> str:
        raise NotImplementedError

    def queryset(self) -> QuerySet[Any]:
        return self.model._default_manager.all()

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Model | None:
        text = cell_text(value)
        if not text:
            return None
        row = row or {}
        query = self.lookup(text, row)
        key = tuple(sorted(query.items()))
        if key not in self._cache:
            self._cache[key] = self.queryset().filter(**query).first()
        found = self._cache[key]
        if found is None:
            raise ValueError(self.missing(text, row))
        return found

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        for attribute in self.render_path.split("__"):
            if value is None:
                return ""
            value = getattr(value, attribute)
        return "" if value is None else value


def whole_number(text: str, message: str = NUMBER_MESSAGE) -> int:
    value = WholeNumberWidget(message).clean(text)
    if value is None:
        raise ValueError(message)
    return value


def other_column(row: dict[str, Any], column: str) -> str:
    """The text of another column of the row, which a lookup needs."""
    if column not in row:
        raise ValueError(_("De kolom ‘%(column)s’ ontbreekt.") % {"column": column})
    text = cell_text(row[column])
    if not text:
        raise ValueError(_("Vul ook de kolom ‘%(column)s’ in.") % {"column": column})
    return text


# Finding existing rows -------------------------------------------------------------------------


class NaturalKeyInstanceLoader(ModelInstanceLoader):
    """Finds the existing object of a row by its natural key, with one query for the whole file."""

    def __init__(self, resource: Any, dataset: Any = None) -> None:
        super().__init__(resource, dataset)
        model = resource._meta.model
        self.key_fields = [resource.fields[name] for name in resource.get_import_id_fields()]
        self.attnames = [model._meta.get_field(field.attribute).attname for field in self.key_fields]
        self.instances: dict[tuple[Any, ...], Model] | None = None

    def get_instance(self, row: dict[str, Any]) -> Model | None:
        try:
            key = tuple(_key_part(field.clean(row)) for field in self.key_fields)
        except (ValueError, KeyError):
            return None  # the row's own errors are reported when its fields are imported
        if any(part in (None, "") for part in key):
            return None
        if self.instances is None:
            self.instances = {
                tuple(getattr(obj, name) for name in self.attnames): obj for obj in self.resource.get_queryset()
            }
        return self.instances.get(key)


def _key_part(value: Any) -> Any:
    return value.pk if isinstance(value, Model) else value


# The resource --------------------------------------------------------------------------------


class PolicyResource(resources.ModelResource):
    """A resource whose rows are checked like admin saves and imported all or nothing.

    Subclasses declare their fields with Dutch column names, `import_id_fields` (the natural key)
    and `select_related` (what the export reads of each object; the policy's joins are added).
    """

    select_related: tuple[str, ...] = ()
    # Set on the class by import-export's metaclass; import_data replaces it on the instance.
    _meta: ResourceOptions

    class Meta:
        clean_model_instances = True
        use_transactions = True
        skip_unchanged = False  # an unchanged row of an adopted plan is still refused, as in the admin
        report_skipped = True
        instance_loader_class = NaturalKeyInstanceLoader
        # New rows are inserted in batches (bulk_create): no savepoint, save() and history query per
        # row. The whole import still runs in one transaction that any error rolls back, and changed
        # rows still go through save_instance one by one (see save_instance below).
        use_bulk = True
        batch_size = 1000

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.user: Any = None
        self.row_number = 0
        self.seen: dict[tuple[Any, ...], int] = {}
        self.unique_keys: dict[str, dict[tuple[Any, ...], Any]] = {}
        # The results of new rows waiting in create_instances, to give them their id once inserted.
        self.pending_rows: list[tuple[Model, RowResult]] = []
        self.last_created: Model | None = None

    def related(self) -> tuple[str, ...]:
        """What each object is loaded with: the declared joins plus what the policy reads."""
        model = self._meta.model
        plan_path = permissions.scope_of(model).plan_path
        return (*self.select_related, *((plan_path,) if plan_path else ()), *permissions.district_related(model))

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().select_related(*self.related())

    def filter_export(self, queryset: QuerySet[Any], **kwargs: Any) -> QuerySet[Any]:
        return queryset.select_related(*self.related())

    def export_field(self, field: Any, instance: Any, **kwargs: Any) -> Any:
        return neutralise(super().export_field(field, instance, **kwargs))

    # Import -----------------------------------------------------------------------------------

    def import_data(
        self,
        dataset: Any,
        dry_run: bool = False,
        raise_errors: bool = False,
        use_transactions: bool | None = None,
        collect_failed_rows: bool = False,
        rollback_on_validation_errors: bool = False,
        **kwargs: Any,
    ) -> Result:
        if not dry_run:
            # The confirmed import shows no preview: it needs no copy and diff of every row.
            self._meta = copy.copy(type(self)._meta)
            self._meta.skip_diff = True
        # All or nothing, whoever calls: one invalid row rolls back the valid rows too.
        return super().import_data(
            dataset,
            dry_run=dry_run,
            raise_errors=raise_errors,
            use_transactions=True,
            collect_failed_rows=collect_failed_rows,
            rollback_on_validation_errors=True,
            **kwargs,
        )

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        self.user = kwargs.get("user")
        self.seen = {}
        self.unique_keys = {}
        self.pending_rows = []
        headers = [cell_text(header) for header in dataset.headers or []]
        dataset.headers = headers
        missing = [
            self.fields[name].column_name
            for name in self.get_import_id_fields()
            if self.fields[name].column_name not in headers
        ]
        missing += [column for column in self.required_columns() if column not in headers and column not in missing]
        if missing:
            raise ValueError(
                _("Het bestand mist de kolom(men) %(columns)s. Gebruik de kolommen van een export.")
                % {"columns": ", ".join(f"‘{column}’" for column in missing)}
            )

    def required_columns(self) -> list[str]:
        """Columns that other lookups read (a cost line's plan year, a norm's municipality)."""
        return []

    def import_row(self, row: Any, instance_loader: Any, **kwargs: Any) -> Any:
        # Numbered as in the spreadsheet: the header is row 1, the first data row is row 2.
        self.row_number = kwargs["row_number"] + 1
        self.last_created = None
        result = super().import_row(row, instance_loader, **kwargs)
        if result.validation_error is not None:
            result.validation_error = self.numbered(result.validation_error)
        elif self.last_created is not None and result.import_type == RowResult.IMPORT_TYPE_NEW:
            self.pending_rows.append((self.last_created, result))
        return result

    def after_init_instance(self, instance: Any, new: bool, row: Any, **kwargs: Any) -> None:
        # The policy looks at the object as it is now as well as at what the row makes of it:
        # a coordinator may neither change another district's row nor move one into their own.
        instance._import_refusal = None if new else self.refusal(instance)

    def validate_instance(
        self, instance: Any, import_validation_errors: dict[str, Any] | None = None, validate_unique: bool = True
    ) -> None:
        errors = self.model_errors(instance, dict(import_validation_errors or {}))
        own: list[str] = []
        refusal = instance._import_refusal
        if refusal is None and instance.pk is None and not permissions.can_add(self.user, type(instance)):
            refusal = _("U mag geen %(things)s toevoegen.") % {"things": instance._meta.verbose_name_plural}
        if refusal is None:
            # An unknown plan or district is reported as the error of its own column.
            with contextlib.suppress(AttributeError, ObjectDoesNotExist):
                refusal = self.refusal(instance)
        if refusal:
            own.append(refusal)
        key = self.file_key(instance)
        if key is not None:
            if key in self.seen:
                own.append(_("Deze regel staat al op rij %(row)s van het bestand.") % {"row": self.seen[key]})
            else:
                self.seen[key] = self.row_number
        if own:
            errors.setdefault(NON_FIELD_ERRORS, []).extend(own)
        if errors:
            raise ValidationError(errors)

    def save_instance(self, instance: Any, is_create: bool, row: Any, **kwargs: Any) -> None:
        """A new row waits for the next batch insert; a changed row is saved now, as in the admin.

        Only rows that passed validation get here. A changed row is saved in its own savepoint, so
        a database error is reported on its row and the rows after it are still checked.
        """
        self.before_save_instance(instance, row, **kwargs)
        if is_create:
            self.create_instances.append(instance)
            self.last_created = instance
        else:
            if self.history_user() is not None:
                instance._history_user = self.history_user()  # who, in the historical record
            with transaction.atomic(using=self.get_db_connection_name()):
                self.do_instance_save(instance, is_create)
        self.after_save_instance(instance, row, **kwargs)

    def do_instance_save(self, instance: Any, is_create: bool) -> None:
        # A versioned object (core.history) is saved only if nobody saved it since the file was
        # read, and its version goes up, so a form opened before the import cannot overwrite it.
        if not is_create and is_versioned(instance):
            save_if_current(instance, expected=instance.version)
        else:
            super().do_instance_save(instance, is_create)

    def bulk_create(
        self,
        using_transactions: bool,
        dry_run: bool,
        raise_errors: bool,
        batch_size: int | None = None,
        result: Result | None = None,
    ) -> None:
        """Insert the waiting new rows with one historical record each (who, when, the values).

        Nothing is inserted once a row of the file has failed: the import is rolled back anyway.
        A dry run inserts too (and is rolled back), so it finds what only the database can find.
        """
        instances, pending = list(self.create_instances), self.pending_rows
        self.create_instances.clear()
        self.pending_rows = []
        if not instances or not (using_transactions or not dry_run):
            return
        if result is not None and (result.has_errors() or result.has_validation_errors()):
            return
        try:
            bulk_create_with_history(
                instances, self._meta.model, batch_size=self._meta.batch_size, default_user=self.history_user()
            )
        except Exception as error:  # reported as an error of the file, which rolls everything back
            self.handle_import_error(result, error, raise_errors)
            return
        for instance, row_result in pending:
            row_result.object_id = instance.pk

    def bulk_update(self, *args: Any, **kwargs: Any) -> None:
        # Changed rows are saved one by one in save_instance (stale-version check), never in bulk.
        self.update_instances.clear()

    def history_user(self) -> Any:
        user = self.user
        return user if getattr(user, "pk", None) is not None else None

    def model_errors(self, instance: Any, errors: dict[str, Any]) -> dict[str, Any]:
        """The row's column errors and the model's own validation: what full_clean() checks, faster.

        Two shortcuts keep 10,000 rows quick: a related object that this import's lookup found is
        not looked up again, and unique constraints are checked against keys read once per import
        (and the rows before it in the file) instead of a query per row and constraint.
        """
        failed = set(errors)
        found = {
            field.attribute
            for field in self.fields.values()
            if isinstance(field.widget, LookupWidget) and getattr(instance, f"{field.attribute}_id", None) is not None
        }
        for check in (lambda: instance.clean_fields(exclude=failed | found), instance.clean):
            try:
                check()
            except ValidationError as error:
                errors = error.update_error_dict(errors)
        exclude = failed | set(errors)
        try:
            instance.validate_unique(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        model = type(instance)
        for constraint in model._meta.constraints:
            if isinstance(constraint, UniqueConstraint) and constraint.fields and constraint.condition is None:
                message = self.unique_clash(instance, constraint, exclude)
                if message:
                    errors.setdefault(NON_FIELD_ERRORS, []).append(message)
                continue
            try:
                constraint.validate(model, instance, exclude=exclude)
            except ValidationError as error:
                errors = error.update_error_dict(errors)
        return errors

    def unique_clash(self, instance: Any, constraint: UniqueConstraint, exclude: set[str]) -> str | None:
        model = type(instance)
        if exclude & set(constraint.fields):
            return None
        names = [model._meta.get_field(name).attname for name in constraint.fields]
        if constraint.name not in self.unique_keys:
            rows = model._default_manager.values_list("pk", *names)
            self.unique_keys[constraint.name] = {tuple(row[1:]): row[0] for row in rows}
        keys = self.unique_keys[constraint.name]
        key = tuple(getattr(instance, name) for name in names)
        if any(part is None for part in key):
            return None  # NULLs never clash in SQL
        owner = keys.get(key)
        mine = instance.pk if instance.pk is not None else id(instance)
        if owner is not None and owner != mine:
            return str(constraint.get_violation_error_message())
        keys[key] = mine
        return None

    def refusal(self, instance: Any) -> str | None:
        """Why the user may not write this object (in Dutch), or None when the policy allows it."""
        if permissions.is_locked(instance):
            plan = permissions.plan_of(instance)
            return _("Het jaarplan %(year)s is vastgesteld; het kan niet meer worden gewijzigd.") % {"year": plan.year}
        if not permissions.can_change(self.user, instance):
            return self.not_allowed(instance)
        return None

    def not_allowed(self, instance: Any) -> str:
        return _("U mag deze %(thing)s niet wijzigen.") % {"thing": instance._meta.verbose_name}

    def file_key(self, instance: Any) -> tuple[Any, ...] | None:
        """The natural key the row ends up with, to find a second row for the same object."""
        model = type(instance)
        names = [model._meta.get_field(self.fields[name].attribute).attname for name in self.get_import_id_fields()]
        key = tuple(getattr(instance, name) for name in names)
        return None if any(part in (None, "") for part in key) else key

    def numbered(self, error: ValidationError) -> ValidationError:
        """The row's errors as sentences that name the row and the column."""
        columns = {field.attribute: field.column_name for field in self.fields.values() if field.attribute}
        sentences: dict[str, list[str]] = {}
        for name, texts in error.message_dict.items():
            for text in texts:
                if name == NON_FIELD_ERRORS:
                    sentence = _("Rij %(row)s: %(error)s") % {"row": self.row_number, "error": text}
                else:
                    column = columns.get(name, name)
                    sentence = _("Rij %(row)s, kolom ‘%(column)s’: %(error)s") % {
                        "row": self.row_number,
                        "column": column,
                        "error": text,
                    }
                sentences.setdefault(name, []).append(sentence)
        return ValidationError(sentences)


# The admin ---------------------------------------------------------------------------------------


class PolicyImportExportMixin(ImportExportMixin):
    """Import and export in the admin: CSV and XLSX, allowed as the policy allows adding and changing.

    The two steps are import-export's own: a dry run with a preview, then the confirmation, which
    imports the stored file again. Should that second run find errors (the data changed in between),
    nothing is written and the errors are shown instead of a success message.
    """

    formats = (CSV, XLSX)
    import_template_name = "admin/import_export/riec_import.html"
    import_error_display = ("message",)

    def has_import_permission(self, request: HttpRequest) -> bool:
        user, model = request.user, self.model  # type: ignore[attr-defined]
        return permissions.can_add(user, model) or permissions.can_change_model(user, model)

    def has_export_permission(self, request: HttpRequest) -> bool:
        return permissions.can_view(request.user)

    def process_result(self, result: Result, request: HttpRequest) -> Any:
        import_finished.send(sender=type(self), request=request, model=self.model, result=result)  # the audit log
        if result.has_errors() or result.has_validation_errors():
            messages.error(request, _("Er is niets geïmporteerd: het bestand bevat fouten."))
            return self.refused_response(request, result)
        return super().process_result(result, request)

    def refused_response(self, request: HttpRequest, result: Result) -> TemplateResponse:
        form_class = self.get_import_form_class(request)
        resource_classes = self.get_import_resource_classes(request)
        context = {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "title": _("Importeren"),
            "form": form_class(self.get_import_formats(), resource_classes),
            "opts": self.model._meta,  # type: ignore[attr-defined]
            "result": result,
            "fields_list": [
                (resource.get_display_name(), [field.column_name for field in resource().get_user_visible_fields()])
                for resource in resource_classes
            ],
            "import_error_display": self.import_error_display,
        }
        return TemplateResponse(request, [self.import_template_name], context)
