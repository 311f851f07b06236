"""Preview and apply an import (pretix's base/services/modelimport.py, with our rules).

`preview(kind, table, user)` reads every row as the confirmation will and writes nothing;
`apply(kind, table, user, versions=...)` reads them again and writes them in one transaction:
all or nothing. Every row is checked before anything is written (the model's validation, the
permission policy, the app's service rules). A row that changes nothing is "ongewijzigd": not
checked against the policy, not saved, no historical record, no new version.

The confirmation holds the preview to its word: each row's object must still be at the version
the preview showed (core.history, for every model with a version field), otherwise that row is an
error ("gewijzigd door <naam> om <tijd> na uw voorbeeld") and nothing is written.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from core import clock
from core.history import StaleVersionError, is_versioned

from .columns import Cache, Column, cell_text
from .files import Table, cell_problem, check_time
from .resources import Errors, Resource

NEW, UPDATE, SKIP = "new", "update", "skip"
LABELS = {NEW: "Nieuw", UPDATE: "Bijwerken", SKIP: "Ongewijzigd"}
# Rows of the preview that show their values; the totals count every row.
PREVIEW_ROWS = 500


@dataclass(frozen=True)
class PreviewCell:
    """One cell of the preview: its value, or "old → new" when the row changes it."""

    text: str
    changed: bool = False


@dataclass
class Row:
    number: int
    kind: str
    instance: Any
    errors: list[str] = field(default_factory=list)
    cells: list[PreviewCell] = field(default_factory=list)
    # The version of the row's object as read (None: a new object, or a model without versions).
    version: int | None = None

    @property
    def label(self) -> str:
        return LABELS.get(self.kind, "")

    @property
    def object(self) -> str:
        try:
            return str(self.instance)
        except (AttributeError, ObjectDoesNotExist):
            return ""


@dataclass
class Outcome:
    """What an import did (or would do): its rows, the file's own errors, the totals."""

    headers: list[str]
    rows: list[Row] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)

    def has_errors(self) -> bool:
        return bool(self.file_errors) or any(row.errors for row in self.rows)

    @property
    def row_errors(self) -> list[str]:
        return [error for row in self.rows for error in row.errors]

    @property
    def errors(self) -> list[str]:
        return [*self.file_errors, *self.row_errors]

    @property
    def totals(self) -> dict[str, int]:
        totals = {NEW: 0, UPDATE: 0, "delete": 0, SKIP: 0, "error": 0, "invalid": 0}
        for row in self.rows:
            totals["invalid" if row.errors else row.kind] += 1
        return totals

    def versions(self) -> dict[str, int | None]:
        """What the confirmation checks: the version each row's object had, by row number."""
        return {str(row.number): row.version for row in self.rows}


class ImportRefused(Exception):
    """Raised inside the import's transaction to roll it back; carries the outcome to show."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__("import refused")
        self.outcome = outcome


def preview(kind: type[Resource], table: Table, user: Any, *, until: float | None = None) -> Outcome:
    """What the import would do, row by row; nothing is written.

    Rows written through an app's service (not in batches) are also written in a transaction that
    is rolled back, so the preview shows every rule of that service, also the ones it adds later.
    """
    reader = _Reader(kind, user, until, show=True)
    outcome = reader.read(table)
    if not kind.bulk_insert and not outcome.has_errors():
        with contextlib.suppress(ImportRefused), transaction.atomic():
            reader.write(outcome)
            raise ImportRefused(outcome)  # always rolled back
    return outcome


def apply(
    kind: type[Resource],
    table: Table,
    user: Any,
    *,
    versions: dict[str, int | None] | None = None,
    until: float | None = None,
    before_commit: Any = None,
) -> Outcome:
    """Check every row again (against the `versions` the preview showed) and write them all, or none.

    `before_commit` runs inside the transaction once everything is written (the pending upload is
    removed there, so it goes with the import's commit).
    """
    try:
        with transaction.atomic():
            reader = _Reader(kind, user, until, show=False, versions=versions)
            outcome = reader.read(table)
            if outcome.has_errors():
                raise ImportRefused(outcome)
            reader.write(outcome)
            if outcome.has_errors():
                raise ImportRefused(outcome)
            if before_commit is not None:
                before_commit()
    except ImportRefused as refused:
        return refused.outcome
    return outcome


class _Reader:
    def __init__(
        self,
        kind: type[Resource],
        user: Any,
        until: float | None,
        *,
        show: bool,
        versions: dict[str, int | None] | None = None,
    ) -> None:
        self.kind = kind
        self.resource = kind(user)
        self.until = until
        self.show = show
        self.versions = versions
        self.cache: Cache = {}
        self.columns = list(kind.columns.values())
        self.by_attribute = {column.attribute: column.header for column in self.columns}

    # Reading ----------------------------------------------------------------------------------

    def read(self, table: Table) -> Outcome:
        headers = [cell_text(header) for header in table.headers]
        table.headers = headers
        outcome = Outcome(headers=[column.header for column in self.columns])
        problem = self.header_problem(headers)
        if problem:
            outcome.file_errors.append(problem)
            return outcome
        present = [column for column in self.columns if column.header in headers]
        existing = self.existing() if self.kind.key else {}
        seen: dict[tuple[Any, ...], int] = {}
        for count, (number, record) in enumerate(table.records()):
            if count % 1000 == 0:
                check_time(self.until)
            outcome.rows.append(self.read_row(number, record, present, existing, seen, count < PREVIEW_ROWS))
        return outcome

    def header_problem(self, headers: list[str]) -> str | None:
        """An unknown or missing column refuses the file before a row is read, naming what is expected."""
        expected = self.kind.headers()
        missing = [header for header in self.kind.required_headers() if header not in headers]
        unknown = [header for header in headers if header and header not in expected]
        if not missing and not unknown:
            return None
        found = _quoted(header for header in headers[:12] if header) or _("geen")
        if missing:
            message = _("Het bestand mist de kolom(men) %(columns)s; gevonden zijn de kolommen %(found)s.") % {
                "columns": _quoted(dict.fromkeys(missing)),
                "found": found,
            }
            if unknown:
                message += " " + _("Onbekend zijn: %(columns)s.") % {"columns": _quoted(unknown[:12])}
        else:
            message = _("Het bestand heeft onbekende kolom(men) %(columns)s; gevonden zijn de kolommen %(found)s.") % {
                "columns": _quoted(unknown[:12]),
                "found": found,
            }
        return (
            message
            + " "
            + _(
                "Gebruik de kolommen van een export, gescheiden door een puntkomma (;) of een komma (,). "
                "De kolommen zijn: %(expected)s."
            )
            % {"expected": _quoted(expected)}
        )

    def existing(self) -> dict[tuple[Any, ...], Model]:
        """Every object by its natural key, read once for the whole file."""
        found: dict[tuple[Any, ...], Model] = {}
        for obj in self.kind.queryset():
            key = self.kind.natural_key(obj)
            if key is not None:
                found.setdefault(key, obj)
        return found

    def row_key(self, record: dict[str, Any]) -> tuple[Any, ...] | None:
        parts = []
        for column in self.kind.key_columns():
            try:
                value = column.parse(record.get(column.header), record, self.cache)
            except (ValueError, KeyError):
                return None  # the row's own errors are reported when its cells are read
            if isinstance(value, Model):
                value = value.pk
            if isinstance(value, str) and column.name in self.kind.case_insensitive_keys:
                value = value.casefold()
            if value in (None, "") and column.name not in self.kind.optional_keys:
                return None
            parts.append(None if value == "" else value)
        return tuple(parts)

    def read_row(
        self,
        number: int,
        record: dict[str, Any],
        present: list[Column],
        existing: dict[tuple[Any, ...], Model],
        seen: dict[tuple[Any, ...], int],
        shown: bool,
    ) -> Row:
        key = self.row_key(record) if self.kind.key else None
        instance = existing.get(key) if key is not None else None
        is_new = instance is None
        if instance is None:
            instance = self.resource.new()
        refusal = None if is_new else self.resource.refusal(instance)
        before = None if is_new else snapshot(instance)
        old = None if is_new or not (self.show and shown) else self.texts(instance)
        version = None if is_new or not is_versioned(instance) else instance.version  # type: ignore[attr-defined]
        errors: Errors = {}
        for column in present:
            if column.readonly:
                continue
            value = record[column.header]
            problem = cell_problem(value)
            try:
                if problem:
                    raise ValueError(problem[0].upper() + problem[1:])
                parsed = column.parse(value, record, self.cache)
            except ValueError as error:
                errors.setdefault(column.attribute, []).append(str(error))
                continue
            current = getattr(instance, column.attribute, None) if not is_new else None
            if (
                column.name in self.kind.case_insensitive_keys
                and isinstance(current, str)
                and isinstance(parsed, str)
                and current.casefold() == parsed.casefold()
            ):
                continue  # the stored spelling stays
            setattr(instance, column.attribute, parsed)
        unchanged = not is_new and not errors and snapshot(instance) == before
        file_key = self.safe_key(instance)
        if file_key is not None and file_key in seen:
            message = _("Deze regel staat al op rij %(row)s van het bestand.") % {"row": seen[file_key]}
            errors.setdefault(NON_FIELD_ERRORS, []).append(message)
            unchanged = False
        elif file_key is not None:
            seen[file_key] = number
        if not unchanged:
            if refusal:
                errors.setdefault(NON_FIELD_ERRORS, []).append(refusal)
                errors = self.resource.model_errors(instance, errors)
            else:
                errors = self.resource.check(instance, errors)
        stale = self.stale(number, instance, is_new, version)
        if stale:
            errors.setdefault(NON_FIELD_ERRORS, []).append(stale)
        row = Row(
            number=number,
            kind=NEW if is_new else SKIP if unchanged else UPDATE,
            instance=instance,
            errors=self.sentences(number, errors),
            version=version,
        )
        if self.show and shown:
            row.cells = self.cells(old, self.texts(instance))
        return row

    def safe_key(self, instance: Model) -> tuple[Any, ...] | None:
        try:
            return self.kind.natural_key(instance) if self.kind.key else None
        except (AttributeError, ObjectDoesNotExist):
            return None

    def stale(self, number: int, instance: Model, is_new: bool, version: int | None) -> str | None:
        """Why the row's object is no longer what the preview showed, or None."""
        if self.versions is None or str(number) not in self.versions or not is_versioned(self.kind.model):
            return None
        shown = self.versions[str(number)]
        if shown == version:
            return None
        if is_new:
            return _("het object van deze rij bestaat niet meer sinds uw voorbeeld; lees het bestand opnieuw in.")
        return changed_since(instance)

    def texts(self, instance: Model) -> list[str]:
        return [column.preview(column.get(instance)) for column in self.columns]

    @staticmethod
    def cells(old: list[str] | None, new: list[str]) -> list[PreviewCell]:
        if old is None:
            return [PreviewCell(text) for text in new]
        return [
            PreviewCell(after) if before == after else PreviewCell(f"{before or '(leeg)'} → {after or '(leeg)'}", True)
            for before, after in zip(old, new, strict=False)
        ]

    def sentences(self, number: int, errors: Errors) -> list[str]:
        """The row's errors as sentences that name the row and the column."""
        result = []
        for name, items in errors.items():
            texts = [
                text for item in items for text in (item.messages if isinstance(item, ValidationError) else [item])
            ]
            for text in texts:
                if name == NON_FIELD_ERRORS:
                    result.append(_("Rij %(row)s: %(error)s") % {"row": number, "error": text})
                else:
                    column = self.by_attribute.get(name, name)
                    result.append(
                        _("Rij %(row)s, kolom ‘%(column)s’: %(error)s")
                        % {"row": number, "column": column, "error": text}
                    )
        return result

    # Writing ----------------------------------------------------------------------------------

    def write(self, outcome: Outcome) -> None:
        """New rows in batches (or one by one through the app's service), changed rows one by one."""
        new = [row for row in outcome.rows if row.kind == NEW]
        if new and self.kind.bulk_insert:
            try:
                self.resource.insert([row.instance for row in new])
            except DatabaseError as error:
                outcome.file_errors.append(database_refusal(error))
                return
            new = []
        for row in [*new, *(row for row in outcome.rows if row.kind == UPDATE)]:
            check_time(self.until)
            try:
                with transaction.atomic():
                    self.resource.write(row.instance, expected_version=row.version)
            except StaleVersionError:
                row.errors.append(
                    _("Rij %(row)s: %(error)s") % {"row": row.number, "error": changed_since(row.instance)}
                )
            except ValidationError as error:
                row.errors.extend(self.sentences(row.number, error.update_error_dict({})))
            except PermissionDenied as refusal:
                row.errors.append(_("Rij %(row)s: %(error)s") % {"row": row.number, "error": str(refusal)})
            except DatabaseError as error:
                row.errors.append(_("Rij %(row)s: %(error)s") % {"row": row.number, "error": database_refusal(error)})


def _quoted(names: Any) -> str:
    return ", ".join(f"‘{name}’" for name in names)


def snapshot(instance: Model) -> dict[str, Any]:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def database_refusal(error: Exception) -> str:
    detail = str(error).strip().splitlines()[0][:200] if str(error).strip() else ""
    return _("de database weigerde deze rij (%(detail)s).") % {"detail": detail}


def changed_since(instance: Model) -> str:
    """ "deze kostenregel is gewijzigd door bureau-2 om 10:15 na uw voorbeeld", from its newest historical record."""
    manager = getattr(type(instance), "history", None)
    record = manager.filter(**{instance._meta.pk.attname: instance.pk}).first() if manager is not None else None
    who, when = _("iemand anders"), ""
    if record is not None:
        if record.history_user is not None:
            who = str(record.history_user)
        moment = timezone.localtime(record.history_date)
        when = moment.strftime("%H:%M") if moment.date() == clock.today() else moment.strftime("%d-%m-%Y %H:%M")
    return _("deze %(thing)s is gewijzigd door %(who)s om %(when)s na uw voorbeeld; lees het bestand opnieuw in.") % {
        "thing": instance._meta.verbose_name,
        "who": who,
        "when": when,
    }
