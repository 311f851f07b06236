"""The actions a plan names and the progress reported on them."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core import clock
from core.history import VERSION_FIELD
from core.models import Versioned, loaded_str
from strategy.models.labels import DISTRICTS, LABEL, NUMBER, forget_labels, label_actions
from strategy.models.plans import AnnualPlan, PlanSection
from strategy.models.strategy import PERCENTAGE_VALIDATORS, QUARTER_VALIDATORS, Goal, ProgrammeLine

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class ActionQuerySet(models.QuerySet["Action"]):
    def with_status(self) -> ActionQuerySet:
        """Annotate `current_status`, the status of the latest update (as `Action.status`), to filter and sort on."""
        latest = ProgressUpdate.objects.filter(action=OuterRef("pk")).order_by("-date", "-pk").values("status")[:1]
        return self.annotate(current_status=Coalesce(Subquery(latest), Value(Status.NOT_STARTED)))

    def overdue(self, day: datetime.date) -> ActionQuerySet:
        """The actions `Action.is_overdue` on `day`: past their deadline and not done."""
        quarter, _first, _last = clock.quarter_of(day)
        # The deadline is the last day of the due quarter, or of the due year without a quarter.
        past = Q(due_year__lt=day.year) | Q(due_year=day.year, due_quarter__lt=quarter)
        return self.with_status().filter(past).exclude(Q(current_status=Status.DONE))

    def with_latest_update(self) -> ActionQuerySet:
        return self.prefetch_related(
            models.Prefetch(
                "updates",
                queryset=ProgressUpdate.objects.order_by("-date", "-pk"),
                to_attr="updates_newest_first",
            )
        )


class ActionManager(models.Manager.from_queryset(ActionQuerySet)):  # type: ignore[misc]
    def get_by_natural_key(self, year: int, section_slug: str, order: int) -> Action:
        return self.get(section__plan__year=year, section__slug=section_slug, order=order)


class Status(models.TextChoices):
    """Progress status of an action, reported in a progress update."""

    NOT_STARTED = "niet_gestart", _("niet gestart")
    ON_TRACK = "op_koers", _("op koers")
    AT_RISK = "risico", _("risico")
    DELAYED = "vertraagd", _("vertraagd")
    DONE = "afgerond", _("afgerond")


class Action(Versioned):
    """A deliverable the plan names, with the moment it is due."""

    section = models.ForeignKey(
        PlanSection,
        on_delete=models.CASCADE,
        related_name="actions",
        verbose_name=_("paragraaf"),
        help_text=_("De paragraaf waarin de actie staat; bepaalt ook het district."),
    )
    order = models.PositiveIntegerField(_("volgorde"), default=1)
    title = models.CharField(_("actie"), max_length=300)
    description = models.TextField(_("toelichting"), blank=True)
    owner = models.CharField(_("trekker"), max_length=200, blank=True)
    goal = models.ForeignKey(
        Goal, on_delete=models.PROTECT, null=True, blank=True, related_name="actions", verbose_name=_("doel")
    )
    programme_line = models.ForeignKey(
        ProgrammeLine,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actions",
        verbose_name=_("lijn"),
    )
    due_year = models.PositiveSmallIntegerField(_("gereed in jaar"), null=True, blank=True)
    due_quarter = models.PositiveSmallIntegerField(
        _("gereed in kwartaal"), null=True, blank=True, validators=QUARTER_VALIDATORS
    )
    due_note = models.CharField(
        _("moment volgens het plan"), max_length=200, blank=True, help_text=_("Bijvoorbeeld 'voor de zomer van 2024'.")
    )
    # Set when next year's plan is made: the open action of the earlier plan this one carries on.
    continues = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="continuations",
        verbose_name=_("voortgezet uit"),
    )
    # Set when next year's plan is made: the continued action had a due moment, and it had passed.
    due_passed = models.BooleanField(_("moment verstreken bij overname"), default=False, editable=False)

    # Set by `ActionQuerySet.with_latest_update()` (a Prefetch to_attr, not a field).
    updates_newest_first: list[ProgressUpdate]

    objects = ActionManager()

    history = HistoricalRecords(excluded_fields=[VERSION_FIELD])

    class Meta:
        verbose_name = _("actie")
        verbose_name_plural = _("acties")
        ordering = ["section__plan", "section__parent__order", "section__order", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["section", "order"],
                name="action_order_unique_per_section",
                violation_error_message=_("Er staat al een actie op deze plaats in deze paragraaf."),
            ),
            models.CheckConstraint(
                condition=Q(due_quarter__isnull=True) | Q(due_quarter__gte=1, due_quarter__lte=4),
                name="action_due_quarter_1_to_4",
                violation_error_message=_("Een kwartaal is 1, 2, 3 of 4."),
            ),
            models.CheckConstraint(
                condition=Q(due_quarter__isnull=True) | Q(due_year__isnull=False),
                name="action_quarter_needs_year",
                violation_error_message=_("Geef bij een kwartaal ook het jaar."),
            ),
        ]

    def __str__(self) -> str:
        # Its own fields only: the number, district(s) and year when a screen asked the selector for them.
        return self.__dict__.get(LABEL) or self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        forget_labels(self)

    def get_absolute_url(self) -> str:
        return reverse("strategy:action", args=[self.pk])

    def _labelled(self, key: str) -> str:
        if key not in self.__dict__:
            label_actions([self])  # one query (two when the section is not loaded)
        return str(self.__dict__[key])

    @property
    def number(self) -> str:
        """The number of the section and the action's place in it: "2.2-3"; from the selector (`label_actions`)."""
        return self._labelled(NUMBER)

    @property
    def districts_label(self) -> str:
        """The district(s) of the action ("Twente"), "" when regional; from the selector."""
        return self._labelled(DISTRICTS)

    @property
    def label(self) -> str:
        """Which action: "3.2.2-1 Plan Twentse aanpak drugscriminaliteit – Twente (2024)"; from the selector."""
        return self._labelled(LABEL)

    def natural_key(self) -> tuple[Any, ...]:
        return (*self.section.natural_key(), self.order)

    natural_key.dependencies = ["strategy.plansection"]  # type: ignore[attr-defined]

    @property
    def plan(self) -> AnnualPlan:
        return self.section.plan

    @property
    def due_label(self) -> str:
        if self.due_year and self.due_quarter:
            return f"Q{self.due_quarter} {self.due_year}"
        return str(self.due_year or "")

    @property
    def deadline(self) -> datetime.date | None:
        """The last day of the due quarter, or of the due year when no quarter is set."""
        if self.due_year is None:
            return None
        if self.due_quarter:
            return clock.quarter_end(self.due_year, self.due_quarter)
        return datetime.date(self.due_year, 12, 31)

    def is_overdue(self, day: datetime.date) -> bool:
        """Past its deadline on `day` and not done (`ActionQuerySet.overdue` is the same rule in SQL)."""
        deadline = self.deadline
        return deadline is not None and deadline < day and self.status != Status.DONE

    @property
    def due_to_review(self) -> bool:
        """A carried-over action whose old due moment had passed: the bureau sets a new one ("te herzien").

        Only a copy whose action had a deadline; a copy of one without is just without a moment."""
        return self.continues_id is not None and self.due_passed and self.due_year is None

    @property
    def latest_update(self) -> ProgressUpdate | None:
        prefetched = getattr(self, "updates_newest_first", None)
        if prefetched is not None:
            return prefetched[0] if prefetched else None
        return self.updates.order_by("-date", "-pk").first()

    @property
    def status(self) -> str:
        """The current status is the status of the latest progress update."""
        latest = self.latest_update
        return latest.status if latest else Status.NOT_STARTED

    def get_status_display(self) -> str:
        return str(Status(self.status).label)

    def clean(self) -> None:
        errors: dict[str, StrOrPromise] = {}
        if self.due_quarter and not self.due_year:
            errors["due_year"] = _("Geef bij een kwartaal ook het jaar.")
        plan = self.section.plan if self.section_id else None
        for field in ("goal", "programme_line"):
            related = getattr(self, field)
            if plan and related is not None and related.strategy_id != plan.strategy_id:
                errors[field] = _("Dit hoort bij een andere strategie dan het jaarplan.")
        if errors:
            raise ValidationError(errors)


class ProgressUpdate(Versioned):
    """A dated status report on an action, written by a coordinator or the bureau."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="updates", verbose_name=_("actie"))
    date = models.DateField(_("datum"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    percentage = models.PositiveSmallIntegerField(_("percentage gereed"), validators=PERCENTAGE_VALIDATORS)
    narrative = models.TextField(_("toelichting"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="progress_updates",
        verbose_name=_("auteur"),
    )
    created_at = models.DateTimeField(_("vastgelegd op"), auto_now_add=True)

    history = HistoricalRecords(excluded_fields=[VERSION_FIELD])

    class Meta:
        verbose_name = _("voortgangsupdate")
        verbose_name_plural = _("voortgangsupdates")
        ordering = ["-date", "-pk"]
        get_latest_by = ["date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percentage__gte=0) & Q(percentage__lte=100),
                name="update_percentage_0_to_100",
                violation_error_message=_("Een percentage ligt tussen 0 en 100."),
            ),
            models.CheckConstraint(
                condition=~Q(status="afgerond") | Q(percentage=100),
                name="update_done_is_100_percent",
                violation_error_message=_("Een afgeronde actie staat op 100%."),
            ),
        ]

    def __str__(self) -> str:
        # The action's label when it is loaded (and labelled), else only which action: no query.
        return f"{loaded_str(self, 'action')} – {self.get_status_display()} ({self.date:%d-%m-%Y})"

    def get_absolute_url(self) -> str:
        return reverse("strategy:action", args=[self.action_id])
