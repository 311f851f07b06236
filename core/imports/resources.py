"""What an app declares about one kind of import: its model, its columns, its natural key and its rules.

Each app's `resources.py` subclasses `Resource`; core.imports.service reads and writes through it.
Rules live where they belong: the model's own validation (full_clean), the permission policy
(core.permissions) and, for writes with rules of their own, the app's service (`errors`, `write`).
"""

from __future__ import annotations

import contextlib
from typing import Any, ClassVar

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, ValidationError
from django.db.models import Model, QuerySet, UniqueConstraint
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from core import permissions
from core.history import is_versioned, save_if_current

from .columns import Column, Lookup

# A row's errors by field name (NON_FIELD_ERRORS for the row): sentences or ValidationErrors.
Errors = dict[str, list[Any]]


class Resource:
    """One kind of import and export (pretix's import for orders, ours per model).

    Subclasses set `model`, `name` (Dutch, plural), declare their columns as class attributes in
    file order, and name the natural key (`key`, column names) by which a row finds its object.
    """

    model: ClassVar[type[Model]]
    name: ClassVar[str] = ""
    key: ClassVar[tuple[str, ...]] = ()
    # What each object is loaded with for the export and the key lookup (the policy's joins are added).
    select_related: ClassVar[tuple[str, ...]] = ()
    # Key columns matched in any case: "ALMELO" in a file is the existing Almelo, whose spelling stays.
    case_insensitive_keys: ClassVar[tuple[str, ...]] = ()
    # Key columns that may be empty (an update without an author is still named by its action and date).
    optional_keys: ClassVar[tuple[str, ...]] = ()
    # New rows are inserted in batches (with their historical records) unless `write` is the service's.
    bulk_insert: ClassVar[bool] = True
    columns: ClassVar[dict[str, Column]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        found = {name: value for name, value in vars(cls).items() if isinstance(value, Column)}
        if found:
            cls.columns = {**cls.columns, **found}

    # Columns ----------------------------------------------------------------------------------

    @classmethod
    def headers(cls) -> list[str]:
        return [column.header for column in cls.columns.values()]

    @classmethod
    def key_columns(cls) -> list[Column]:
        return [cls.columns[name] for name in cls.key]

    @classmethod
    def required_headers(cls) -> list[str]:
        """The key's columns and the columns other lookups read (a cost line's plan year)."""
        return [column.header for column in cls.key_columns()]

    # Reading the current objects ----------------------------------------------------------------

    @classmethod
    def related(cls) -> tuple[str, ...]:
        plan_path = permissions.scope_of(cls.model).plan_path
        return (*cls.select_related, *((plan_path,) if plan_path else ()), *permissions.district_related(cls.model))

    @classmethod
    def queryset(cls) -> QuerySet[Any]:
        return cls.model._default_manager.select_related(*cls.related())

    @classmethod
    def natural_key(cls, obj: Model) -> tuple[Any, ...] | None:
        """The key an object has (or a row gives it); None when a part is empty."""
        parts = []
        for column in cls.key_columns():
            value = getattr(obj, _attname(cls.model, column.attribute))
            if isinstance(value, str) and column.name in cls.case_insensitive_keys:
                value = value.casefold()
            if value in (None, "") and column.name not in cls.optional_keys:
                return None
            parts.append(None if value == "" else value)
        return tuple(parts)

    # Rules ------------------------------------------------------------------------------------

    def __init__(self, user: Any) -> None:
        self.user = user
        self.unique_keys: dict[str, dict[tuple[Any, ...], Any]] = {}

    def new(self) -> Model:
        """The object a row that names no existing one starts from."""
        return self.model()

    def refusal(self, instance: Model) -> str | None:
        """Why the user may not write this object (in Dutch), or None when the policy allows it."""
        frozen = permissions.frozen_reason(instance)
        if frozen:
            return frozen
        if permissions.is_locked(instance):
            plan = permissions.plan_of(instance)
            return _("Het jaarplan %(year)s is vastgesteld; het kan niet meer worden gewijzigd.") % {"year": plan.year}
        if not permissions.can_change(self.user, instance):
            return self.not_allowed(instance)
        return None

    def not_allowed(self, instance: Any) -> str:
        return _("U mag deze %(thing)s niet wijzigen.") % {"thing": instance._meta.verbose_name}

    def check(self, instance: Model, errors: Errors) -> Errors:
        """The row's errors after its cells are read: the model's validation, the policy, the service's rules."""
        errors = self.model_errors(instance, errors)
        refusal = None
        if instance.pk is None and not permissions.can_add(self.user, type(instance)):
            refusal = _("U mag geen %(things)s toevoegen.") % {"things": instance._meta.verbose_name_plural}
        if refusal is None:
            # An unknown plan or district is reported as the error of its own column.
            with contextlib.suppress(AttributeError, ObjectDoesNotExist):
                refusal = self.refusal(instance)
        if refusal:
            errors.setdefault(NON_FIELD_ERRORS, []).append(refusal)
        return self.errors(instance, errors)

    def errors(self, instance: Any, errors: Errors) -> Errors:
        """Rules of the app's service beyond the model's validation; none by default."""
        return errors

    def model_errors(self, instance: Model, errors: Errors) -> Errors:
        """What full_clean() checks, faster for 10,000 rows.

        A related object that this import's lookup found is not looked up again, and unique
        constraints are checked against keys read once per import (and the rows before it in the
        file) instead of a query per row and constraint.
        """
        failed = set(errors)
        found = {
            column.attribute
            for column in self.columns.values()
            if isinstance(column, Lookup) and getattr(instance, f"{column.attribute}_id", None) is not None
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

    def unique_clash(self, instance: Model, constraint: UniqueConstraint, exclude: set[str]) -> str | None:
        model = type(instance)
        if exclude & set(constraint.fields):
            return None
        names = [_attname(model, name) for name in constraint.fields]
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

    # Writing ----------------------------------------------------------------------------------

    def insert(self, instances: list[Model]) -> None:
        """New rows, in batches, each with its historical record (who, when, the values)."""
        bulk_create_with_history(instances, self.model, batch_size=1000, default_user=self.history_user())

    def write(self, instance: Any, *, expected_version: int | None) -> None:
        """Save one new or changed row, as a save in the admin would.

        A versioned object is saved only if it is still at the version the preview showed, and its
        version goes up, so neither this import nor a form opened earlier overwrites a newer save.
        """
        instance._history_user = self.history_user()
        if instance.pk is not None and is_versioned(instance) and expected_version is not None:
            save_if_current(instance, expected=expected_version)
        else:
            instance.save()

    def history_user(self) -> Any:
        return self.user if getattr(self.user, "pk", None) is not None else None


def _attname(model: type[Model], name: str) -> str:
    """The attribute that holds a field's value ("plan_id" for the field "plan")."""
    return str(getattr(model._meta.get_field(name), "attname", name))
