"""History and versions of plan data.

Every plan model keeps its history with django-simple-history (who, when, the values before and
after). The models people edit side by side (sections, actions, cost lines) also carry a `version`
number, so a form opened before someone else saved cannot overwrite that save: the version the form
was opened with is checked in the UPDATE itself (`claim_version`), not only in form validation.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import router, transaction
from django.db.models import F, Field, Model
from django.utils import formats, timezone, translation
from django.utils.text import Truncator, capfirst
from simple_history.models import ModelChange
from simple_history.template_utils import HistoricalRecordContextHelper, ObjDiffDisplay

from .formatting import format_number

VERSION_FIELD = "version"
EMPTY = "leeg"
# Why a record made by loading a file (loaddata, load_plan, import_plan) has no user.
LOADED_REASON = "Ingelezen uit een bestand"

# Fields that hold euros, as "app_label.model.field"; registered by the apps that own them.
_amount_fields: set[str] = set()


class StaleVersionError(Exception):
    """The object was saved by someone else after the form was opened; nothing was written."""


def is_versioned(model: type[Model] | Model) -> bool:
    try:
        model._meta.get_field(VERSION_FIELD)
    except FieldDoesNotExist:
        return False
    return True


def claim_version(model: type[Model], pk: Any, expected: int) -> int:
    """Raise the row's version from `expected` to the next one; the number of rows updated (0 or 1).

    `UPDATE ... SET version = version + 1 WHERE id = %s AND version = %s`: of two saves made from
    the same version only one matches. The other waits for the first one's row lock and then finds
    no row, even when both passed form validation at the same moment.
    """
    return model._default_manager.filter(pk=pk, version=expected).update(version=F(VERSION_FIELD) + 1)


def save_if_current(obj: Model, *, expected: int) -> None:
    """Save `obj` only if it is still at version `expected`; otherwise raise StaleVersionError.

    The claim and the save share one transaction, so the claimed row stays locked until the
    save (and its historical record) is written.
    """
    model = type(obj)
    with transaction.atomic(using=router.db_for_write(model)):
        if claim_version(model, obj.pk, expected) != 1:
            raise StaleVersionError(f"{model._meta.label} {obj.pk} is no longer at version {expected}")
        obj.version = expected + 1  # type: ignore[attr-defined]
        obj.save()


# Reading values --------------------------------------------------------------------------------


def register_amounts(model: type[Model], *field_names: str) -> None:
    """Show these fields of `model` as amounts (7.843.124) in diffs, not as plain numbers (a year stays 2024)."""
    for name in field_names:
        model._meta.get_field(name)  # a typo fails at start-up, not silently on a history page
        _amount_fields.add(f"{model._meta.label_lower}.{name}")


def is_amount(field: Field) -> bool:
    return f"{field.model._meta.label_lower}.{field.name}" in _amount_fields


def format_value(field: Field, value: Any) -> str:
    """`value` of `field` as a Dutch reader reads it, in full.

    The choice label instead of the stored code, "25 januari 2024", 7.843.124 for an amount, 2,50
    for a decimal, "ja"/"nee", and "leeg" for nothing. A related object is passed as the object.
    """
    if value is None or value == "":
        return EMPTY
    if field.is_relation:
        return str(value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, datetime.datetime):
        with translation.override(settings.LANGUAGE_CODE):
            return formats.date_format(timezone.localtime(value), "j F Y H:i")
    if isinstance(value, datetime.date):
        with translation.override(settings.LANGUAGE_CODE):
            return formats.date_format(value, "j F Y")
    if isinstance(value, int) and is_amount(field):
        return format_number(value)
    if isinstance(value, Decimal):
        return format_number(value)
    return str(value)


def display_value(obj: Model, field: Field) -> str:
    """A field's value of `obj` as a person reads it (see format_value), cut to a line."""
    value = getattr(obj, field.name, None) if field.is_relation else field.value_from_object(obj)
    return Truncator(format_value(field, value)).chars(80)


def differences(mine: Model, current: Model, field_names: list[str]) -> list[tuple[str, str, str]]:
    """(label, my value, current value) for each of the fields where the two differ."""
    result = []
    for name in field_names:
        try:
            field = mine._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if not field.concrete or field.many_to_many or name == VERSION_FIELD:
            continue
        if field.value_from_object(mine) != field.value_from_object(current):
            result.append(
                (capfirst(str(field.verbose_name)), display_value(mine, field), display_value(current, field))
            )
    return result


def last_saved_by(obj: Model) -> str:
    """ "door bureau op 12-03-2024 10:15", from the newest historical record, or "" without history."""
    manager = getattr(type(obj), "history", None)
    record = manager.filter(**{obj._meta.pk.attname: obj.pk}).first() if manager is not None else None
    if record is None:
        return ""
    when = timezone.localtime(record.history_date).strftime("%d-%m-%Y %H:%M")
    user = record.history_user
    return f"door {user} op {when}" if user else f"op {when}"


# The history page ------------------------------------------------------------------------------


class DutchDiffDisplay(ObjDiffDisplay):
    """Long texts are shortened around the first difference, and say so in Dutch."""

    def shortened_str(self, prefix: str, num_skipped_chars: int, suffix: str) -> str:
        return f"{prefix}[{num_skipped_chars:d} tekens]{suffix}"


class DutchRecordContextHelper(HistoricalRecordContextHelper):
    """Each change on the "Geschiedenis" page as old → new in Dutch (format_value)."""

    def prepare_delta_change_value(self, change: ModelChange, value: Any) -> Any:
        field = self.model._meta.get_field(change.field)
        if field.many_to_many:
            return super().prepare_delta_change_value(change, value)
        return format_value(field, value)  # type: ignore[arg-type]

    def get_obj_diff_display(self) -> ObjDiffDisplay:
        return DutchDiffDisplay(max_length=self.max_displayed_delta_change_chars)


# Records for loaded objects --------------------------------------------------------------------


def _history_model(model: type[Model]) -> Any:
    name = getattr(model._meta, "simple_history_manager_attribute", None)
    return getattr(model, name).model if name else None


def record_loaded_object(sender: type[Model], instance: Model, raw: bool, using: str, **kwargs: Any) -> None:
    """Give an object written by a raw save (loaddata, deserializing) its historical record.

    simple-history records every save except raw ones, so an object loaded from the fixture or by
    import_plan would have no record, and its first edit would show no old value. An object without
    a record (or whose last record is its deletion) gets a "+" here; one that the load changed gets
    a "~"; one it left as its history already has it gets none, so loading the fixture twice adds
    nothing, and neither does loading objects whose history was loaded with them.
    """
    if not raw:
        return
    history_model = _history_model(sender)
    if history_model is None:
        return
    values = {field.attname: getattr(instance, field.attname) for field in history_model.tracked_fields}
    pk_name = instance._meta.pk.attname
    latest = history_model._default_manager.using(using).filter(**{pk_name: instance.pk}).first()
    if latest is None or latest.history_type == "-":
        history_type = "+"
    elif any(getattr(latest, name) != value for name, value in values.items()):
        history_type = "~"
    else:
        return
    history_model._default_manager.using(using).create(
        history_date=timezone.now(),
        history_type=history_type,
        history_user=getattr(instance, "_history_user", None),
        history_change_reason=LOADED_REASON,
        **values,
    )
