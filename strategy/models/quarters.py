"""The quarterly cycle: closed quarters, their snapshots, reminders sent."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core import clock
from core.models import loaded_str, loaded_value
from strategy.models.actions import Action, ProgressUpdate, Status
from strategy.models.plans import AnnualPlan
from strategy.models.strategy import PERCENTAGE_VALIDATORS, QUARTER_VALIDATORS


class QuarterCloseQuerySet(models.QuerySet["QuarterClose"]):
    def closed(self) -> QuarterCloseQuerySet:
        return self.filter(reopened_at__isnull=True)

    def closing(self, day: datetime.date) -> QuarterClose | None:
        """The close that covers `day` (its calendar quarter, in the plan of its year), if it stands."""
        return self.closed().filter(plan__year=day.year, quarter=(day.month - 1) // 3 + 1).first()


class QuarterCloseManager(models.Manager.from_queryset(QuarterCloseQuerySet)):  # type: ignore[misc]
    def get_by_natural_key(self, year: int, quarter: int) -> QuarterClose:
        return self.get(plan__year=year, quarter=quarter)


class QuarterClose(models.Model):
    """The bureau closes a quarter of a plan: progress as of its last day is frozen, and so is its report.

    Closing records a snapshot of every action (`ActionSnapshot`); the quarterly PDF of a closed quarter
    is rendered from it once and stored with its SHA-256, so the stuurgroep's copy never changes. Progress
    updates dated inside the quarter are refused until the bureau reopens it (with a reason, kept in the
    history); closing again takes a new snapshot.
    """

    plan = models.ForeignKey(
        AnnualPlan, on_delete=models.CASCADE, related_name="quarter_closes", verbose_name=_("jaarplan")
    )
    quarter = models.PositiveSmallIntegerField(_("kwartaal"), validators=QUARTER_VALIDATORS)
    closed_at = models.DateTimeField(_("afgesloten op"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("afgesloten door"),
    )
    reopened_at = models.DateTimeField(_("heropend op"), null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("heropend door"),
    )
    reopen_reason = models.TextField(_("reden heropenen"), blank=True)
    document = models.BinaryField(_("voortgangsrapportage (PDF)"), null=True, blank=True, editable=False)
    document_sha256 = models.CharField(_("SHA-256 van de PDF"), max_length=64, blank=True, editable=False)
    document_rendered_at = models.DateTimeField(_("PDF gemaakt op"), null=True, blank=True, editable=False)

    objects = QuarterCloseManager()

    # The PDF itself stays out of the history; its SHA-256 there says which document was issued when.
    history = HistoricalRecords(excluded_fields=["document"])

    class Meta:
        verbose_name = _("kwartaalafsluiting")
        verbose_name_plural = _("kwartaalafsluitingen")
        ordering = ["-plan__year", "-quarter"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "quarter"],
                name="one_close_per_plan_quarter",
                violation_error_message=_("Dit kwartaal van dit jaarplan is al eens afgesloten; sluit het opnieuw af."),
            ),
            models.CheckConstraint(
                condition=Q(quarter__gte=1, quarter__lte=4),
                name="close_quarter_1_to_4",
                violation_error_message=_("Een kwartaal is 1, 2, 3 of 4."),
            ),
        ]

    def __str__(self) -> str:
        year = loaded_value(self, "plan", "year")
        return f"Q{self.quarter} {year or ''}".strip()

    def get_absolute_url(self) -> str:
        return reverse("reports:progress_pdf", kwargs={"year": str(self.plan.year), "quarter": str(self.quarter)})

    def natural_key(self) -> tuple[Any, ...]:
        return (*self.plan.natural_key(), self.quarter)

    natural_key.dependencies = ["strategy.annualplan"]  # type: ignore[attr-defined]

    @property
    def is_closed(self) -> bool:
        return self.reopened_at is None

    @property
    def last_day(self) -> datetime.date:

        return clock.quarter_end(self.plan.year, self.quarter)

    @property
    def label(self) -> str:
        return f"kwartaal {self.quarter} {self.plan.year}"


class ActionSnapshot(models.Model):
    """One action as it stood on the last day of a closed quarter: its latest update up to that day."""

    close = models.ForeignKey(
        QuarterClose, on_delete=models.CASCADE, related_name="snapshots", verbose_name=_("kwartaalafsluiting")
    )
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="snapshots", verbose_name=_("actie"))
    # The title as it was at closing: a closed quarter's report prints only what the snapshot holds.
    title = models.CharField(_("actie"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    # Empty when the action had no update by the quarter's end.
    percentage = models.PositiveSmallIntegerField(
        _("percentage gereed"), null=True, blank=True, validators=PERCENTAGE_VALIDATORS
    )
    narrative = models.TextField(_("toelichting"), blank=True)
    update_date = models.DateField(_("datum laatste update"), null=True, blank=True)

    class Meta:
        verbose_name = _("stand van een actie bij afsluiting")
        verbose_name_plural = _("standen van acties bij afsluiting")
        ordering = ["close", "action"]
        constraints = [
            models.UniqueConstraint(fields=["close", "action"], name="one_snapshot_per_action_and_close"),
        ]

    def __str__(self) -> str:
        return f"{loaded_str(self, 'action')} – {self.get_status_display()} ({loaded_str(self, 'close')})"

    def as_update(self) -> ProgressUpdate | None:
        """The snapshot as the (unsaved) latest update the reports read, or None without one."""
        if self.update_date is None:
            return None
        return ProgressUpdate(
            action_id=self.action_id,
            date=self.update_date,
            status=self.status,
            percentage=self.percentage or 0,
            narrative=self.narrative,
        )


class SentReminder(models.Model):
    """A reminder digest sent to a coordinator, so a second run of `send_reminders` sends nothing again."""

    class Occasion(models.TextChoices):
        TWO_WEEKS_BEFORE = "14-voor", _("14 dagen voor het einde van het kwartaal")
        ONE_WEEK_BEFORE = "7-voor", _("7 dagen voor het einde van het kwartaal")
        ONE_DAY_AFTER = "1-na", _("1 dag na het einde van het kwartaal")
        ONE_WEEK_AFTER = "7-na", _("7 dagen na het einde van het kwartaal")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sent_reminders", verbose_name=_("gebruiker")
    )
    year = models.PositiveSmallIntegerField(_("jaar"))
    quarter = models.PositiveSmallIntegerField(_("kwartaal"), validators=QUARTER_VALIDATORS)
    occasion = models.CharField(_("moment"), max_length=10, choices=Occasion.choices)
    email = models.EmailField(_("e-mailadres"))
    actions = models.PositiveIntegerField(_("acties zonder update"))
    sent_at = models.DateTimeField(_("verstuurd op"), auto_now_add=True)

    class Meta:
        verbose_name = _("verstuurde herinnering")
        verbose_name_plural = _("verstuurde herinneringen")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "year", "quarter", "occasion"], name="one_reminder_per_user_and_occasion"
            ),
        ]

    def __str__(self) -> str:
        return f"{loaded_str(self, 'user')} – Q{self.quarter} {self.year} ({self.get_occasion_display()})"
