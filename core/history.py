"""History and versions of plan data.

Every plan model keeps its history with django-simple-history (who, when, the values before and
after). The models people edit side by side (sections, actions, cost lines) also carry a `version`
number, so a form opened before someone else saved cannot overwrite that save: the version the form
was opened with is checked in the UPDATE itself (`claim_version`), not only in form validation.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import router, transaction
from django.db.models import F, Field, Model
from django.utils import timezone
from django.utils.text import Truncator, capfirst

VERSION_FIELD = "version"
EMPTY = "(leeg)"


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


def display_value(obj: Model, field: Field) -> str:
    """A field's value as a person reads it: the related object, the choice label, short text."""
    if field.is_relation:
        related = getattr(obj, field.name, None)
        return str(related) if related is not None else EMPTY
    value = field.value_from_object(obj)
    if field.choices:
        value = dict(field.flatchoices).get(value, value)
    if value is None or value == "":
        return EMPTY
    return Truncator(str(value)).chars(80)


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
