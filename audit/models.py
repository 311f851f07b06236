"""One audit record per audited action. Written once, never changed or deleted."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from .choices import RIGHTS_ACTIONS, Action, Result


class AuditLogIsAppendOnly(Exception):
    """Raised on any attempt to change or delete an audit record."""

    def __init__(self) -> None:
        super().__init__("Het auditlog kan niet worden gewijzigd of verwijderd.")


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AuditLogIsAppendOnly

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly

    def role_changes_since(self, since: Any) -> AuditEventQuerySet:
        """Changes of rights (roles, accounts made or removed, single sign-on links, passwords and second
        factors set by someone else), newest first."""
        return self.filter(action__in=RIGHTS_ACTIONS, time__gte=since)


class AuditEvent(models.Model):
    """Who (actor), did what (action), to which object, with what result, from where (ip_address), when (time)."""

    time = models.DateTimeField("tijdstip", default=timezone.now, db_index=True, editable=False)
    # The account is kept as it was named then: a record outlives a renamed or removed account,
    # so there is no database constraint (and nothing cascades into the log).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="account",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        editable=False,
    )
    actor_name = models.CharField("gebruiker", max_length=150, blank=True, editable=False)
    action = models.CharField("actie", max_length=32, choices=Action.choices, db_index=True, editable=False)
    object_type = models.CharField("soort object", max_length=100, blank=True, editable=False)
    object_id = models.CharField("object-id", max_length=64, blank=True, editable=False)
    object_repr = models.CharField("object", max_length=200, blank=True, editable=False)
    result = models.CharField("resultaat", max_length=16, choices=Result.choices, editable=False)
    ip_address = models.GenericIPAddressField("herkomst (IP-adres)", null=True, blank=True, editable=False)
    detail = models.TextField("toelichting", blank=True, editable=False)

    objects: ClassVar[AuditEventQuerySet] = AuditEventQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = "auditregel"
        verbose_name_plural = "auditlog"
        ordering = ("-time", "-pk")
        # Demo accounts of `make run` log in without a second factor, and only while DJANGO_DEBUG is on.
        permissions = [("demo_without_second_factor", "Demo-account: inloggen zonder tweede factor (alleen DEBUG)")]

    def __str__(self) -> str:
        return (
            f"{timezone.localtime(self.time):%d-%m-%Y %H:%M:%S} {self.actor_name or '–'}: {self.get_action_display()}"
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditLogIsAppendOnly
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly
