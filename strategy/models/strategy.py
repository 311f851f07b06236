"""The multi-year strategy: its goals and the lines of the reinforcement programme."""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.history import VERSION_FIELD
from core.models import Versioned

PERCENTAGE_VALIDATORS = [MinValueValidator(0), MaxValueValidator(100)]
QUARTER_VALIDATORS = [MinValueValidator(1), MaxValueValidator(4)]


class StrategyManager(models.Manager["Strategy"]):
    def get_by_natural_key(self, name: str) -> Strategy:
        return self.get(name=name)


class Strategy(Versioned):
    name = models.CharField(_("naam"), max_length=200, unique=True)
    subtitle = models.CharField(_("titel"), max_length=200, blank=True)
    start_year = models.PositiveSmallIntegerField(_("beginjaar"))
    end_year = models.PositiveSmallIntegerField(_("eindjaar"))

    objects = StrategyManager()

    history = HistoricalRecords(excluded_fields=[VERSION_FIELD])

    class Meta:
        verbose_name = _("meerjarenstrategie")
        verbose_name_plural = _("meerjarenstrategieën")
        ordering = ["start_year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_year__gte=models.F("start_year")),
                name="strategy_period_not_reversed",
                violation_error_message=_("Het eindjaar ligt voor het beginjaar."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.name,)


class GoalManager(models.Manager["Goal"]):
    def get_by_natural_key(self, strategy_name: str, number: int) -> Goal:
        return self.get(strategy__name=strategy_name, number=number)


class Goal(Versioned):
    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="goals", verbose_name=_("strategie"))
    number = models.PositiveSmallIntegerField(_("nummer"), validators=[MinValueValidator(1)])
    title = models.CharField(_("doel"), max_length=300)
    short_title = models.CharField(_("korte titel"), max_length=120)

    objects = GoalManager()

    history = HistoricalRecords(excluded_fields=[VERSION_FIELD])

    class Meta:
        verbose_name = _("doel")
        verbose_name_plural = _("doelen")
        ordering = ["strategy", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["strategy", "number"],
                name="goal_number_unique_per_strategy",
                violation_error_message=_("Deze strategie heeft al een doel met dit nummer."),
            )
        ]

    def __str__(self) -> str:
        return f"Doel {self.number}: {self.short_title}"

    def natural_key(self) -> tuple[Any, ...]:
        return (*self.strategy.natural_key(), self.number)

    natural_key.dependencies = ["strategy.strategy"]  # type: ignore[attr-defined]


class ProgrammeLineManager(models.Manager["ProgrammeLine"]):
    def get_by_natural_key(self, strategy_name: str, number: int) -> ProgrammeLine:
        return self.get(strategy__name=strategy_name, number=number)


class ProgrammeLine(Versioned):
    """A line of the reinforcement programme; lines 1-3 follow the goals, line 4 is management."""

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="lines", verbose_name=_("strategie"))
    number = models.PositiveSmallIntegerField(_("nummer"), validators=[MinValueValidator(1)])
    title = models.CharField(_("titel"), max_length=300)
    goal = models.ForeignKey(
        Goal,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lines",
        verbose_name=_("doel"),
        help_text=_("Leeg voor een lijn die bij geen doel hoort, zoals programmamanagement."),
    )

    objects = ProgrammeLineManager()

    history = HistoricalRecords(excluded_fields=[VERSION_FIELD])

    class Meta:
        verbose_name = _("lijn")
        verbose_name_plural = _("lijnen")
        ordering = ["strategy", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["strategy", "number"],
                name="line_number_unique_per_strategy",
                violation_error_message=_("Deze strategie heeft al een lijn met dit nummer."),
            )
        ]

    def __str__(self) -> str:
        return f"Lijn {self.number}: {self.title}"

    def natural_key(self) -> tuple[Any, ...]:
        return (*self.strategy.natural_key(), self.number)

    natural_key.dependencies = ["strategy.strategy", "strategy.goal"]  # type: ignore[attr-defined]

    def clean(self) -> None:
        # goal_id is set, so the goal is loaded (or DoesNotExist raised), never None.
        if self.goal_id and self.strategy_id and cast(Goal, self.goal).strategy_id != self.strategy_id:
            raise ValidationError({"goal": _("Het doel hoort bij een andere strategie.")})
