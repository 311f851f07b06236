"""The tables of core, none of them domain data, and `Versioned`, the stale-edit rule every editable model inherits.

PendingImport: uploaded import files waiting for their confirmation (see core.imports.pending); WorkerHeartbeat:
the last sign of life of each background worker (see core.worker).

An import has two requests, the preview and the confirmation, and with several app servers they can
land on different machines. The uploaded file therefore waits in the database that every server
shares, never on a local disk: bound to the user who uploaded it and the model it was uploaded for,
named by a random id that cannot be guessed, and removed by the confirmation or after a day.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# How long an uploaded file waits for its confirmation; `manage.py clear_pending_imports` removes older ones.
PENDING_IMPORT_LIFETIME = datetime.timedelta(hours=24)


def model_label(model: type[models.Model]) -> str:
    return model._meta.label_lower


class PendingImportQuerySet(models.QuerySet["PendingImport"]):
    def expired(self, now: datetime.datetime | None = None) -> PendingImportQuerySet:
        return self.filter(created_at__lt=(now or timezone.now()) - PENDING_IMPORT_LIFETIME)

    def usable_by(self, user: Any, model: type[models.Model]) -> PendingImportQuerySet:
        """What this user uploaded for this model, not yet expired: the only files a confirmation may read."""
        if getattr(user, "pk", None) is None:
            return self.none()
        return self.filter(
            user=user,
            model=model_label(model),
            created_at__gte=timezone.now() - PENDING_IMPORT_LIFETIME,
        )


class PendingImport(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("gebruiker")
    )
    model = models.CharField(_("gegevens"), max_length=100, help_text="app_label.model_name")
    file_name = models.CharField(_("bestandsnaam"), max_length=255)
    file_format = models.CharField(_("formaat"), max_length=10)
    resource = models.PositiveSmallIntegerField(default=0)
    content = models.BinaryField(_("inhoud"))
    created_at = models.DateTimeField(_("geüpload op"), default=timezone.now, db_index=True)
    # The version of each row's object that the preview showed, by the row's number in the file
    # (null for a row that was new): the confirmation refuses a row whose object changed since.
    versions = models.JSONField(_("versies in het voorbeeld"), default=dict, blank=True)
    # Set by the confirmation that is importing this upload; a second confirmation finds it taken.
    claimed_at = models.DateTimeField(_("bevestigd op"), null=True, blank=True)

    objects = PendingImportQuerySet.as_manager()

    class Meta:
        verbose_name = _("wachtende import")
        verbose_name_plural = _("wachtende imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.model}, {self.created_at:%Y-%m-%d %H:%M})"


class Versioned(models.Model):
    """A model people edit side by side: a form opened before someone else saved cannot overwrite that save.

    The one place the stale-edit rule is attached to a model: inheriting this gives the `version`
    number that every admin change form, inline row and progress form carries as a hidden field
    (core.admin_versioning.VersionCheckForm) and that `core.history.save_if_current` raises in the
    UPDATE itself. The number is a lock, not data: historical records leave it out
    (`HistoricalRecords(excluded_fields=[VERSION_FIELD])`), so restoring an old version never
    restores an old number. A fixture without it loads at the default, 1.
    """

    # Raised by every save through a form; a form that carries an older number is stale.
    version = models.PositiveIntegerField(_("versie"), default=1, editable=False)

    class Meta:
        abstract = True


class WorkerHeartbeat(models.Model):
    """The last sign of life of one background worker (`manage.py run_worker`), written by its loop.

    One row per worker process, kept up to date while the loop turns (see core.worker): /health/worker/
    and the admin's start page read it to tell whether PDFs are still being made.
    """

    worker_id = models.CharField(_("worker"), max_length=64, unique=True)
    host = models.CharField(_("machine"), max_length=255)
    pid = models.PositiveIntegerField(_("proces"))
    started_at = models.DateTimeField(_("gestart op"))
    beat_at = models.DateTimeField(_("laatste teken van leven"), db_index=True)
    # Set while the loop runs one task (a PDF), which may take longer than the loop's usual silence.
    busy_since = models.DateTimeField(_("bezig sinds"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("gestopt op"), null=True, blank=True)
    stop_reason = models.CharField(_("reden"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("worker")
        verbose_name_plural = _("workers")

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}"


def loaded_value(obj: models.Model, field_name: str, lookup: str) -> Any:
    """`obj.<field_name>.<lookup>` ("plan", "year") when the related object is loaded, else None: never a query.

    For a `__str__` that names more than its own fields when the caller loaded them (select_related);
    `lookup` may span relations that were loaded as well ("district__name").
    """
    descriptor = getattr(type(obj), field_name)
    if not descriptor.is_cached(obj):
        return None
    value: Any = getattr(obj, field_name)
    path = lookup.split("__")
    for step, attribute in enumerate(path):
        if value is None:
            return None
        if step < len(path) - 1:
            descriptor = getattr(type(value), attribute)
            if not descriptor.is_cached(value):
                return None
        value = getattr(value, attribute)
    return value


def loaded_str(obj: models.Model, field_name: str) -> str:
    """`str(obj.<field_name>)` when the related object is loaded, else which one by its id: never a query."""
    descriptor = getattr(type(obj), field_name)
    if descriptor.is_cached(obj):
        related = getattr(obj, field_name)
        return "" if related is None else str(related)
    related_id = getattr(obj, descriptor.field.attname)
    if related_id is None:
        return ""
    return f"{descriptor.field.related_model._meta.verbose_name} {related_id}"
