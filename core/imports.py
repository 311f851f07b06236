"""What every import and export of riec-plan shares (django-import-export).

- Columns are human keys with Dutch headers (a plan's year, a district's name), never database ids.
- Cells are strict: "260.000" is not 260 and an unknown district is an error, not an empty field.
- An import is all or nothing: it runs in one transaction that one invalid row rolls back entirely.
  Every row is checked before it is written; new rows are then inserted in batches, with their
  historical records, and changed rows are saved one by one (stale-version check, own savepoint).
- Every row is a change by the importing user, so the permission policy (core.permissions)
  decides about each row as it does about a save in the admin.
- Exported text cannot start a spreadsheet formula; numbers stay numbers.
- A row that changes nothing is "ongewijzigd": not validated against the policy, not saved, no
  historical record, no new version (so forms open elsewhere stay valid).
- Files are read within limits and the Dutch way, and wait for their confirmation in the database
  (core.import_files); a cell holding a formula or a control character is refused on its row.
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet, UniqueConstraint
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from import_export import resources, widgets
from import_export.admin import ImportExportMixin
from import_export.forms import ConfirmImportForm, ImportForm, SelectableFieldsExportForm
from import_export.instance_loaders import ModelInstanceLoader
from import_export.options import ResourceOptions
from import_export.results import Result, RowResult
from import_export.signals import post_import
from simple_history.utils import bulk_create_with_history

from . import clock, permissions
from .formatting import MINUS, format_amount, format_number
from .history import is_versioned, save_if_current
from .import_files import (
    DatabaseStorage,
    DutchCSV,
    DutchXLSX,
    FileRefused,
    PendingImportMissing,
    cell_problem,
    check_time,
    deadline,
    limit,
    megabytes,
    parse_id,
    read_table,
    upload_content,
)
from .signals import import_finished

# A cell starting with one of these is read as a formula (or as the start of one) by spreadsheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
WHOLE_NUMBER = re.compile(r"-?\d+")
NUMBER_MESSAGE = "Vul een heel getal in, zonder punten of tekens."
AMOUNT_MESSAGE = "Vul een bedrag in hele euro's in, bijvoorbeeld 1234000 of € 1.234.000."
CENTS_MESSAGE = "Bedragen zijn hele euro's: ‘%(value)s’ heeft centen. Rond het bedrag af op hele euro's."
COMMA_MESSAGE = (
    "‘%(value)s’ is geen bedrag in hele euro's: een komma staat voor centen. "
    "Schrijf duizendtallen met een punt (1.234.000) of zonder scheidingsteken (1234000)."
)
# Rows of the preview that show their values; the totals count every row.
PREVIEW_ROWS = 500


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


DIGITS = re.compile(r"[0-9]+")
THOUSANDS = re.compile(r"[0-9]{1,3}(?:\.[0-9]{3})+")
WHOLE_CENTS = re.compile(r"([0-9]+|[0-9]{1,3}(?:\.[0-9]{3})+),(?:00|-)")
WITH_CENTS = re.compile(r"([0-9]+|[0-9]{1,3}(?:\.[0-9]{3})+),[0-9]+|[0-9]+\.[0-9]{1,2}")
COMMA_THOUSANDS = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+")


class AmountWidget(WholeNumberWidget):
    """Whole euros, as a person writes them: 1234000, 1.234.000, € 1.234.000, -12.500, € 1.234,-.

    A comma stands for cents, as in Dutch: "260,000" is refused rather than read as 260 (or as
    260000); an amount with cents is refused with its own message, never rounded silently.
    """

    def __init__(self) -> None:
        super().__init__(AMOUNT_MESSAGE)

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> int | None:
        if isinstance(value, float | Decimal) and value != int(value):
            raise ValueError(CENTS_MESSAGE % {"value": format_number(Decimal(str(value)))})
        if not isinstance(value, str):
            return super().clean(value, row, **kwargs)
        written = value.strip()
        if not written:
            return None
        text = "".join(written.split()).replace("€", "")  # spaces of any kind and the euro sign
        text = text.replace(MINUS, "-")  # an amount copied from one of our pages carries the real minus sign
        sign = 1
        if text.startswith("-"):
            sign, text = -1, text[1:]
        elif text.endswith("-") and not text.endswith(",-"):
            sign, text = -1, text[:-1]  # 1.234- as accountants write it
        if DIGITS.fullmatch(text):
            return sign * int(text)
        if THOUSANDS.fullmatch(text):
            return sign * int(text.replace(".", ""))
        if WHOLE_CENTS.fullmatch(text):
            return sign * int(text.split(",")[0].replace(".", ""))
        if COMMA_THOUSANDS.fullmatch(text):  # 260,000: cents to a Dutch reader, thousands to others
            raise ValueError(COMMA_MESSAGE % {"value": written})
        if WITH_CENTS.fullmatch(text):
            raise ValueError(CENTS_MESSAGE % {"value": written})
        raise ValueError(self.message)

    def preview(self, value: Any) -> str:
        return format_amount(value)


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

    def preview(self, value: Any) -> str:
        return str(dict(self.choices).get(value, value or ""))


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

    def preview(self, value: Any) -> str:
        return "" if value is None else value.strftime("%d-%m-%Y")


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
    """Finds the existing object of a row by its natural key, with one query for the whole file.

    Key columns the resource names in `case_insensitive_keys` match in any case ("almelo" is Almelo).
    """

    def __init__(self, resource: Any, dataset: Any = None) -> None:
        super().__init__(resource, dataset)
        model = resource._meta.model
        self.key_fields = [resource.fields[name] for name in resource.get_import_id_fields()]
        self.attnames = [model._meta.get_field(field.attribute).attname for field in self.key_fields]
        self.folded = [field.attribute in resource.case_insensitive_keys for field in self.key_fields]
        self.instances: dict[tuple[Any, ...], Model] | None = None

    def key(self, parts: Iterable[Any]) -> tuple[Any, ...]:
        return tuple(
            part.casefold() if folded and isinstance(part, str) else part
            for part, folded in zip(parts, self.folded, strict=True)
        )

    def get_instance(self, row: dict[str, Any]) -> Model | None:
        try:
            key = self.key(_key_part(field.clean(row)) for field in self.key_fields)
        except (ValueError, KeyError):
            return None  # the row's own errors are reported when its fields are imported
        if any(part in (None, "") for part in key):
            return None
        if self.instances is None:
            self.instances = {
                self.key(getattr(obj, name) for name in self.attnames): obj for obj in self.resource.get_queryset()
            }
        return self.instances.get(key)


def _key_part(value: Any) -> Any:
    return value.pk if isinstance(value, Model) else value


def _fold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


@dataclass(frozen=True)
class PreviewCell:
    """One cell of the preview: its value, or "old → new" when the row changes it."""

    text: str
    changed: bool = False


def preview_text(field: Any, instance: Any) -> str:
    try:
        value = field.get_value(instance)
    except (ObjectDoesNotExist, AttributeError):
        value = None
    widget = field.widget
    if hasattr(widget, "preview"):
        return str(widget.preview(value))
    if value is None:
        return ""
    rendered = widget.render(value)
    return "" if rendered is None else str(rendered)


class PreviewDiff:
    """What the preview shows of a row, as formatted values (1.400.000, not a diff of characters)."""

    def __init__(self, resource: Any, instance: Any, new: bool) -> None:
        self.fields = resource.get_import_fields()
        self.left = None if new or instance is None else [preview_text(field, instance) for field in self.fields]
        self.right: list[str] = []

    def compare_with(self, resource: Any, instance: Any) -> None:
        self.right = [preview_text(field, instance) for field in self.fields] if instance is not None else []

    def as_html(self) -> list[PreviewCell]:
        if self.left is None:
            return [PreviewCell(text) for text in self.right]
        return [
            PreviewCell(new) if old == new else PreviewCell(f"{old or '(leeg)'} → {new or '(leeg)'}", changed=True)
            for old, new in zip(self.left, self.right, strict=False)
        ]


# The resource --------------------------------------------------------------------------------


class PolicyResource(resources.ModelResource):
    """A resource whose rows are checked like admin saves and imported all or nothing.

    Subclasses declare their fields with Dutch column names, `import_id_fields` (the natural key)
    and `select_related` (what the export reads of each object; the policy's joins are added).
    """

    select_related: tuple[str, ...] = ()
    # Key columns matched in any case: "ALMELO" in a file is the existing Almelo, whose spelling stays.
    case_insensitive_keys: tuple[str, ...] = ()
    # Set on the class by import-export's metaclass; import_data replaces it on the instance.
    _meta: ResourceOptions

    class Meta:
        clean_model_instances = True
        use_transactions = True
        # Unchanged rows are found by skip_row below (in the preview and in the confirmed import alike)
        # and reported as skipped: "ongewijzigd".
        skip_unchanged = True
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
        # The spreadsheet's row number of each row of the dataset (blank rows are left out), if known.
        self.row_numbers: list[int] | None = None
        self.deadline: float | None = None
        self.columns_missing = False

    def get_diff_class(self) -> Any:
        return PreviewDiff

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
        """Import the dataset; `deadline` (time.monotonic) stops a run that would take too long.

        Past the deadline the import raises OutOfTime (core.import_files) and everything is rolled back.
        """
        self.deadline = kwargs.pop("deadline", None)
        self.row_numbers = getattr(dataset, "row_numbers", None)
        self._meta = copy.copy(type(self)._meta)
        # The confirmed import shows no preview: it needs no copy and diff of every row.
        self._meta.skip_diff = not dry_run
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
        self.columns_missing = bool(missing)
        if missing:
            found = ", ".join(f"‘{header}’" for header in headers[:12] if header) or _("geen")
            raise ValueError(
                _(
                    "Het bestand mist de kolom(men) %(columns)s; gevonden zijn de kolommen %(found)s. "
                    "Gebruik de kolommen van een export, gescheiden door een puntkomma (;) of een komma (,)."
                )
                % {"columns": ", ".join(f"‘{column}’" for column in missing), "found": found}
            )

    def required_columns(self) -> list[str]:
        """Columns that other lookups read (a cost line's plan year, a norm's municipality)."""
        return []

    def import_row(self, row: Any, instance_loader: Any, **kwargs: Any) -> Any:
        # Raised outside the library's row handling, so it ends the whole import (and rolls it back).
        check_time(self.deadline)
        if self.columns_missing:
            # The file is refused for its columns; an error on every row would only bury that message.
            skipped = self.get_row_result_class()()
            skipped.import_type = RowResult.IMPORT_TYPE_SKIP
            return skipped
        index = kwargs["row_number"]
        # Numbered as in the spreadsheet: the header is row 1, the first data row is row 2.
        self.row_number = self.row_numbers[index - 1] if self.row_numbers else index + 1
        if index > PREVIEW_ROWS and not self._meta.skip_diff:
            self._meta.skip_diff = True  # the preview shows the first rows only; the rest are counted
        self.last_created = None
        result = super().import_row(row, instance_loader, **kwargs)
        result.row_number = self.row_number
        if result.validation_error is not None:
            result.validation_error = self.numbered(result.validation_error)
        elif self.last_created is not None and result.import_type == RowResult.IMPORT_TYPE_NEW:
            self.pending_rows.append((self.last_created, result))
        return result

    def after_init_instance(self, instance: Any, new: bool, row: Any, **kwargs: Any) -> None:
        # The policy looks at the object as it is now as well as at what the row makes of it:
        # a coordinator may neither change another district's row nor move one into their own.
        instance._import_refusal = None if new else self.refusal(instance)
        instance._import_snapshot = None if new else self.snapshot(instance)

    @staticmethod
    def snapshot(instance: Any) -> dict[str, Any]:
        return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}

    def import_field(self, field: Any, instance: Any, row: Any, is_m2m: bool = False, **kwargs: Any) -> None:
        if field.column_name in row:
            problem = cell_problem(row[field.column_name])
            if problem:
                raise ValueError(problem[0].upper() + problem[1:])
            if field.attribute in self.case_insensitive_keys and instance.pk is not None:
                current, written = getattr(instance, field.attribute), field.clean(row)
                if isinstance(current, str) and isinstance(written, str) and current.casefold() == written.casefold():
                    return  # the stored spelling stays
        super().import_field(field, instance, row, is_m2m, **kwargs)

    def skip_row(
        self, instance: Any, original: Any, row: Any, import_validation_errors: dict[str, Any] | None = None
    ) -> bool:
        """An existing object that the row leaves exactly as it is: not checked, not saved ("ongewijzigd").

        A second row in the file for the same object is still reported, changed or not.
        """
        snapshot = getattr(instance, "_import_snapshot", None)
        if import_validation_errors or snapshot is None or self.snapshot(instance) != snapshot:
            return False
        key = self.file_key(instance)
        if key is not None:
            if key in self.seen:
                return False  # validate_instance names the earlier row
            self.seen[key] = self.row_number
        return True

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
        fields = [self.fields[name] for name in self.get_import_id_fields()]
        key = tuple(
            _fold(getattr(instance, model._meta.get_field(field.attribute).attname))
            if field.attribute in self.case_insensitive_keys
            else getattr(instance, model._meta.get_field(field.attribute).attname)
            for field in fields
        )
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

NOT_FOUND_MESSAGE = (
    "Deze import bestaat niet (meer): hij is al bevestigd, ouder dan een dag, of niet door u ingelezen. "
    "Er is niets geïmporteerd; lees het bestand opnieuw in."
)
XLSX_MAGIC = b"PK\x03\x04"


def _format_choices(field: Any, formats: Iterable[Any]) -> None:
    """The formats by Dutch names ("Excel-werkmap (XLSX)"); the values stay the library's indexes."""
    labels = {str(index): getattr(file_format, "label", "") for index, file_format in enumerate(formats)}
    field.choices = [
        (value, labels.get(str(value)) or ("Kies een formaat" if value == "" else label))
        for value, label in field.choices
    ]


class DutchImportForm(ImportForm):
    def __init__(self, formats: Any, resources: Any, **kwargs: Any) -> None:
        super().__init__(formats, resources, **kwargs)
        self.fields["import_file"].label = "Bestand"
        size, rows = megabytes(limit("IMPORT_MAX_UPLOAD_BYTES")), format_number(limit("IMPORT_MAX_ROWS"))
        self.fields["import_file"].help_text = f"CSV of XLSX, hoogstens {size} en {rows} rijen."
        self.fields["format"].label = "Formaat"
        self.fields["format"].error_messages["required"] = "Kies het formaat van het bestand."
        self.fields["resource"].label = "Gegevens"
        _format_choices(self.fields["format"], formats)


class DutchConfirmImportForm(ConfirmImportForm):
    """The confirmation names its pending import by id; anything that is not such an id is refused."""

    def clean_import_file_name(self) -> str:
        value = self.cleaned_data["import_file_name"]
        if parse_id(value) is None:
            raise ValidationError(NOT_FOUND_MESSAGE)
        return str(value)


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
            raise ValidationError("Kies minstens één kolom om te exporteren.", code="invalid")


IMPORT_TYPE_LABELS = {
    RowResult.IMPORT_TYPE_NEW: "Nieuw",
    RowResult.IMPORT_TYPE_UPDATE: "Bijwerken",
    RowResult.IMPORT_TYPE_SKIP: "Ongewijzigd",
}


def result_context(result: Result, resource: Any = None) -> dict[str, Any]:
    """What the import page shows of a result: totals, the first rows, at most so many errors."""
    row_numbers = getattr(resource, "row_numbers", None) or None
    errors: list[str] = [str(error.error) for error in result.base_errors]
    for index, row_errors in result.row_errors():
        number = row_numbers[index - 1] if row_numbers and index <= len(row_numbers) else index + 1
        for error in row_errors:
            detail = str(error.error).strip().splitlines()[0][:200] if str(error.error).strip() else ""
            message = _("Rij %(row)s: de database weigerde deze rij (%(detail)s).")
            errors.append(message % {"row": number, "detail": detail})
    for row in result.invalid_rows:
        for texts in row.error_dict.values():
            errors.extend(str(text) for text in texts)
    shown = limit("IMPORT_MAX_ERRORS_SHOWN")
    preview = [
        {
            "number": getattr(row, "row_number", ""),
            "label": IMPORT_TYPE_LABELS.get(row.import_type, row.import_type),
            "kind": row.import_type,
            # Which object the row becomes, labelled as everywhere (number, district, year).
            "object": getattr(row, "object_repr", "") or "",
            "cells": row.diff or [],
        }
        for row in result.rows[:PREVIEW_ROWS]
        if row.import_type in IMPORT_TYPE_LABELS
    ]
    counted = len([row for row in result.rows if row.import_type in IMPORT_TYPE_LABELS])
    return {
        "result": result,
        "import_errors": errors[:shown],
        "more_errors": format_number(len(errors) - shown) if len(errors) > shown else "",
        "preview_rows": preview,
        "more_rows": format_number(counted - len(preview)) if counted > len(preview) else "",
        "totals": {
            "new": result.totals[RowResult.IMPORT_TYPE_NEW],
            "update": result.totals[RowResult.IMPORT_TYPE_UPDATE],
            "skip": result.totals[RowResult.IMPORT_TYPE_SKIP],
        },
    }


class PolicyImportExportMixin(ImportExportMixin):
    """Import and export in the admin: CSV and XLSX, allowed as the policy allows adding and changing.

    The two steps are import-export's: a dry run with a preview, then the confirmation, which
    imports the stored file again. The upload waits for its confirmation in the database
    (core.import_files.DatabaseStorage), bound to the user and the model; the confirmation names it
    by an unguessable id and anything else is refused without reading a file. Should the second run
    find errors (the data changed in between), nothing is written and the errors are shown instead.
    """

    formats = (DutchCSV, DutchXLSX)
    import_template_name = "admin/import_export/riec_import.html"
    export_template_name = "admin/import_export/riec_export.html"
    import_form_class = DutchImportForm
    confirm_form_class = DutchConfirmImportForm
    export_form_class = DutchExportForm
    tmp_storage_class = DatabaseStorage
    import_error_display = ("message",)

    def has_import_permission(self, request: HttpRequest) -> bool:
        user, model = request.user, self.model  # type: ignore[attr-defined]
        return permissions.can_add(user, model) or permissions.can_change_model(user, model)

    def has_export_permission(self, request: HttpRequest) -> bool:
        return permissions.can_view(request.user)

    # Import: upload and preview -------------------------------------------------------------------

    def import_action(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = self.create_import_form(request)
        context: dict[str, Any] = {}
        if request.method == "POST" and form.is_valid():
            until = deadline()
            file_format = self.get_import_formats()[int(form.cleaned_data["format"])]()
            index = self.get_resource_index(form)
            resource = self.get_import_resource_classes(request)[index]()
            upload = form.cleaned_data["import_file"]
            try:
                content = upload_content(upload)
                format_name = self.checked_format(content, file_format)
                dataset = read_table(content, format_name, self.columns_of(resource), until)
                result = resource.import_data(
                    dataset, dry_run=True, raise_errors=False, file_name=upload.name, user=request.user, deadline=until
                )
            except FileRefused as refusal:
                form.add_error("import_file", str(refusal))
            else:
                context.update(result_context(result, resource))
                if not result.has_errors() and not result.has_validation_errors():
                    storage = self.get_tmp_storage_class()(
                        user=request.user,
                        model=self.model,
                        file_name=upload.name,
                        file_format=format_name,
                        resource=index,
                    )
                    storage.save(content)
                    upload.tmp_storage_name = storage.name
                    context["confirm_form"] = self.create_confirm_form(request, import_form=form)
        return self.import_page(request, form, context)

    @staticmethod
    def checked_format(content: bytes, file_format: Any) -> str:
        name = str(file_format.get_title())
        if name == "csv" and content.startswith(XLSX_MAGIC):
            raise FileRefused("Dit bestand is een Excel-werkmap: kies bij Formaat ‘Excel-werkmap (XLSX)’.")
        return name

    @staticmethod
    def columns_of(resource: Any) -> list[str]:
        return [str(field.column_name) for field in resource.get_user_visible_fields()]

    def import_page(
        self, request: HttpRequest, form: Any, context: dict[str, Any], status: int = 200
    ) -> TemplateResponse:
        resource_classes = self.get_import_resource_classes(request)
        context.update(
            {
                **self.admin_site.each_context(request),  # type: ignore[attr-defined]
                "title": _("Importeren"),
                "form": form,
                "opts": self.model._meta,  # type: ignore[attr-defined]
                "media": self.media + form.media,  # type: ignore[attr-defined]
                "fields_list": [
                    (resource.get_display_name(), self.columns_of(resource())) for resource in resource_classes
                ],
                "import_error_display": self.import_error_display,
            }
        )
        request.current_app = self.admin_site.name  # type: ignore[attr-defined]
        return TemplateResponse(request, [self.import_template_name], context, status=status)

    def blank_import_form(self, request: HttpRequest) -> Any:
        form_class = self.get_import_form_class(request)
        return form_class(self.get_import_formats(), self.get_import_resource_classes(request))

    # Import: the confirmation ---------------------------------------------------------------------

    @method_decorator(require_POST)
    def process_import(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        if not self.has_import_permission(request):
            raise PermissionDenied
        confirm_form = self.create_confirm_form(request)
        if not confirm_form.is_valid():
            return self.import_page(request, self.blank_import_form(request), {"gone": NOT_FOUND_MESSAGE}, status=400)
        storage = self.get_tmp_storage_class()(
            name=confirm_form.cleaned_data["import_file_name"], user=request.user, model=self.model
        )
        until = deadline()
        resource_classes = self.get_import_resource_classes(request)
        try:
            # The pending import is removed in the transaction of the import itself: two
            # confirmations of one upload import it once (the second waits for the row lock and then
            # finds nothing); should the import itself fail, the upload can be confirmed again.
            with transaction.atomic():
                pending = storage.claim()
                resource_class = resource_classes[pending.resource if pending.resource < len(resource_classes) else 0]
                resource = resource_class()
                dataset = read_table(pending.content, pending.file_format, self.columns_of(resource), until)
                result = resource.import_data(
                    dataset,
                    dry_run=False,
                    raise_errors=False,
                    file_name=pending.file_name,
                    user=request.user,
                    retain_instance_in_row_result=True,
                    deadline=until,
                )
        except PendingImportMissing:
            return self.import_page(request, self.blank_import_form(request), {"gone": NOT_FOUND_MESSAGE}, status=404)
        except FileRefused as refusal:
            return self.import_page(request, self.blank_import_form(request), {"refusal": str(refusal)})
        return self.process_result(result, request, resource)

    def process_result(self, result: Result, request: HttpRequest, resource: Any = None) -> Any:
        import_finished.send(sender=type(self), request=request, model=self.model, result=result)  # the audit log
        if result.has_errors() or result.has_validation_errors():
            messages.error(request, _("Er is niets geïmporteerd: het bestand bevat fouten."))
            return self.refused_response(request, result, resource)
        self.generate_log_entries(result, request)
        self.add_success_message(result, request)
        post_import.send(sender=None, model=self.model)  # type: ignore[attr-defined]
        app_label, model_name = self.get_model_info()
        changelist = reverse(f"admin:{app_label}_{model_name}_changelist", current_app=self.admin_site.name)  # type: ignore[attr-defined]
        return HttpResponseRedirect(changelist)

    def add_success_message(self, result: Result, request: HttpRequest) -> None:
        totals = result.totals
        things = self.model._meta.verbose_name_plural  # type: ignore[attr-defined]
        new, update, skip = (
            totals[RowResult.IMPORT_TYPE_NEW],
            totals[RowResult.IMPORT_TYPE_UPDATE],
            totals[RowResult.IMPORT_TYPE_SKIP],
        )
        if new == update == 0:
            message = _("Import voltooid (%(things)s): er is niets veranderd, alle %(skip)s rijen waren al zo.")
        else:
            message = _("Import voltooid (%(things)s): %(new)s nieuw, %(update)s bijgewerkt, %(skip)s ongewijzigd.")
        values = {"things": things, "new": format_number(new), "update": format_number(update)}
        messages.success(request, message % {**values, "skip": format_number(skip)})

    def refused_response(self, request: HttpRequest, result: Result, resource: Any = None) -> TemplateResponse:
        return self.import_page(request, self.blank_import_form(request), result_context(result, resource))

    # Export -------------------------------------------------------------------------------------

    def init_request_context_data(self, request: HttpRequest, form: Any) -> dict[str, Any]:
        context = super().init_request_context_data(request, form)
        context["title"] = _("Exporteren")
        return context

    def get_export_filename(self, request: HttpRequest, queryset: QuerySet[Any], file_format: Any) -> str:
        """kostenregels-2024-2026-11-30.xlsx: what, the plan year when the rows are of one plan, and today."""
        resource = self.get_export_resource_classes(request)[0]
        parts = [slugify(resource.get_display_name()) or self.model._meta.model_name]  # type: ignore[attr-defined]
        plan_path = permissions.scope_of(self.model).plan_path  # type: ignore[attr-defined]
        if plan_path:
            years = list(queryset.order_by().values_list(f"{plan_path}__year", flat=True).distinct()[:2])
            if len(years) == 1 and years[0] is not None:
                parts.append(str(years[0]))
        parts.append(clock.today().isoformat())
        return "-".join(parts) + "." + file_format.get_extension()
