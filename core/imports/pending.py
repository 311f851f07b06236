"""Uploaded files waiting for their confirmation (core.models.PendingImport), never on a local disk.

The confirmation names its pending import by an unguessable id; it is only ever looked up among the
imports of the same user and model, so a forged name reads and deletes nothing. A confirmation
first *claims* the upload in a short transaction of its own (one UPDATE that only one of two
simultaneous confirmations can win, on SQLite and PostgreSQL alike); the winner imports it and
removes it in the import's transaction, the other finds nothing: "bestaat niet (meer)".
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import OperationalError, transaction
from django.db.models import Model
from django.utils import timezone

from core.models import PendingImport, PendingImportQuerySet


class PendingImportMissing(Exception):
    """No pending import with this id for this user and model (never uploaded, someone else's, expired, used)."""


def parse_id(name: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(name))
    except (TypeError, ValueError, AttributeError):
        return None


def _pending(name: Any, user: Any, model: type[Model]) -> PendingImportQuerySet:
    pk = parse_id(name)
    if pk is None or getattr(user, "pk", None) is None:
        raise PendingImportMissing
    return PendingImport.objects.usable_by(user, model).filter(pk=pk)


def store(
    *, user: Any, model: type[Model], file_name: str, file_format: str, content: bytes, versions: dict[str, Any]
) -> PendingImport:
    """Keep an upload that passed its preview, with the version of each row's object the preview showed."""
    return PendingImport.objects.create(
        user=user,
        model=model._meta.label_lower,
        file_name=file_name[:255],
        file_format=file_format,
        content=bytes(content),
        versions=versions,
    )


def claim(name: Any, user: Any, model: type[Model]) -> PendingImport:
    """The pending import, claimed for this confirmation; PendingImportMissing if another has it (or none exists)."""
    queryset = _pending(name, user, model)
    try:
        with transaction.atomic():
            if queryset.filter(claimed_at__isnull=True).update(claimed_at=timezone.now()) != 1:
                raise PendingImportMissing
            pending = queryset.get()
    except OperationalError:
        # SQLite: another confirmation holds the database while it imports this very file.
        raise PendingImportMissing from None
    pending.content = bytes(pending.content)
    return pending


def release(pending: PendingImport) -> None:
    """An import that was refused: its upload may be confirmed again (after the data is put right)."""
    PendingImport.objects.filter(pk=pending.pk).update(claimed_at=None)


def remove(pending: PendingImport) -> None:
    """The import is written: called inside its transaction, so the upload goes with its commit."""
    PendingImport.objects.filter(pk=pending.pk).delete()
