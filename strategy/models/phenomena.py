"""The crime phenomena a plan studies or tackles."""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.history import VERSION_FIELD
from core.models import Versioned
from strategy.models.plans import AnnualPlan, PlanSection


class PhenomenonManager(models.Manager["Phenomenon"]):
    def get_by_natural_key(self, year: int, name: str) -> Phenomenon:
        return self.get(plan__year=year, name=name)


class Phenomenon(Versioned):
    """A crime phenomenon the partnership studies or tackles in the plan year."""

    class Category(models.TextChoices):
        NEW = "nieuw", _("nieuw fenomeen")
        EXISTING = "bestaand", _("bestaand onderwerp")
        NATIONAL = "landelijk", _("landelijke ontwikkeling")

    plan = models.ForeignKey(AnnualPlan, on_delete=models.CASCADE, related_name="phenomena", verbose_name=_("jaarplan"))
    section = models.ForeignKey(
        PlanSection,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="phenomena",
        verbose_name=_("paragraaf"),
        help_text=_("Als het fenomeen een eigen blok in het jaarplan heeft: de paragraaf waaronder het staat."),
    )
    category = models.CharField(_("soort"), max_length=20, choices=Category.choices)
    order = models.PositiveIntegerField(_("volgorde"), default=1)
    name = models.CharField(_("naam"), max_length=200)
    description = models.TextField(_("beschrijving"), blank=True, help_text=_("Markdown."))

    objects = PhenomenonManager()

    history = HistoricalRecords(excluded_fields=[VERSION_FIELD])

    class Meta:
        verbose_name = _("fenomeen")
        verbose_name_plural = _("fenomenen")
        ordering = ["plan", "category", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "name"],
                name="phenomenon_name_unique_per_plan",
                violation_error_message=_("Dit fenomeen staat al in dit jaarplan."),
            ),
            models.UniqueConstraint(
                fields=["plan", "category", "order"],
                name="phenomenon_order_unique",
                violation_error_message=_("Er staat al een fenomeen van deze soort op deze plaats."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return self.section.get_absolute_url() if self.section is not None else self.plan.get_absolute_url()

    def natural_key(self) -> tuple[Any, ...]:
        return (*self.plan.natural_key(), self.name)

    natural_key.dependencies = ["strategy.annualplan", "strategy.plansection"]  # type: ignore[attr-defined]

    def clean(self) -> None:
        # section_id is set, so the section is loaded (or DoesNotExist raised), never None.
        if self.section_id and self.plan_id and cast(PlanSection, self.section).plan_id != self.plan_id:
            raise ValidationError({"section": _("Deze paragraaf hoort bij een ander jaarplan.")})
