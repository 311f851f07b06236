"""The budget of a year's plan: cost lines (4.1), funding (4.2) and the multi-year table (4.3)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.history import VERSION_FIELD
from core.models import Versioned, loaded_str, loaded_value
from strategy.models import AnnualPlan, ProgrammeLine, plan_label

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class FundingStream(models.TextChoices):
    """The two streams of money: the bureau's basic tasks and the reinforcement programme."""

    REGULAR = "regulier", _("regulier")
    REINFORCEMENT = "versterking", _("versterking")


class CostCategory(models.TextChoices):
    """The parts of table 4.1, in the order the plan prints them."""

    PERSONNEL = "personeel", _("Personele kosten")
    OPERATIONS = "bedrijfsvoering", _("Bedrijfsvoeringskosten")
    REINFORCEMENT = "versterking", _("Versterkingsprogramma")


class CostGroupManager(models.Manager["CostGroup"]):
    def get_by_natural_key(self, year: int, category: str, title: str) -> CostGroup:
        return self.get(plan__year=year, category=category, title=title)


class CostGroup(Versioned):
    """A heading inside a part of table 4.1, such as "Lijn 1: Casuïstiek sneller en effectiever maken"."""

    plan = models.ForeignKey(
        AnnualPlan, on_delete=models.CASCADE, related_name="cost_groups", verbose_name=_("jaarplan")
    )
    category = models.CharField(_("onderdeel"), max_length=20, choices=CostCategory.choices)
    title = models.CharField(_("titel"), max_length=200)

    objects = CostGroupManager()

    history = HistoricalRecords(excluded_fields=[VERSION_FIELD])

    class Meta:
        verbose_name = _("kostengroep")
        verbose_name_plural = _("kostengroepen")
        ordering = ["plan", "category", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "category", "title"],
                name="cost_group_unique",
                violation_error_message=_("Deze groep bestaat al in dit onderdeel van de begroting."),
            )
        ]

    def __str__(self) -> str:
        # Every plan has its own groups: "Personele kosten – Lijn 1: ... (2024)".
        title = f"{self.get_category_display()} – {self.title}"
        # The year only when the plan is loaded (select_related("plan")): __str__ never queries.
        return plan_label("", title, "", loaded_value(self, "plan", "year"))

    def get_absolute_url(self) -> str:
        return reverse("budget:overview", args=[self.plan.year])

    def natural_key(self) -> tuple[Any, ...]:
        return (*self.plan.natural_key(), self.category, self.title)

    natural_key.dependencies = ["strategy.annualplan"]  # type: ignore[attr-defined]


class CostLineManager(models.Manager["CostLine"]):
    def get_by_natural_key(self, year: int, category: str, label: str) -> CostLine:
        return self.get(plan__year=year, category=category, label=label)


class CostLine(Versioned):
    """One line of table 4.1, in whole euros; no amount means "pm" (not yet known)."""

    plan = models.ForeignKey(
        AnnualPlan, on_delete=models.CASCADE, related_name="cost_lines", verbose_name=_("jaarplan")
    )
    category = models.CharField(_("onderdeel"), max_length=20, choices=CostCategory.choices)
    group = models.ForeignKey(
        CostGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lines",
        verbose_name=_("groep"),
    )
    order = models.PositiveIntegerField(_("volgorde"))
    label = models.CharField(_("omschrijving"), max_length=200)
    amount = models.BigIntegerField(
        _("bedrag (€)"),
        null=True,
        blank=True,
        help_text=_("Hele euro's, mag negatief zijn. Leeg betekent pm (nog niet bekend)."),
        error_messages={"invalid": _("Vul een bedrag in hele euro's in, zonder punten of tekens.")},
    )
    funding_stream = models.CharField(
        _("geldstroom"), max_length=20, choices=FundingStream.choices, default=FundingStream.REGULAR
    )
    emphasised = models.BooleanField(
        _("vet"), default=False, help_text=_("Vet gedrukt in de begroting, zoals in het vastgestelde plan.")
    )
    programme_line = models.ForeignKey(
        ProgrammeLine,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cost_lines",
        verbose_name=_("ten laste van lijn"),
        help_text=_(
            "De lijn van het versterkingsprogramma die deze kosten draagt. Verdeel over meer lijnen "
            "met de verdeling hieronder."
        ),
    )

    objects = CostLineManager()

    history = HistoricalRecords(excluded_fields=[VERSION_FIELD])

    class Meta:
        verbose_name = _("kostenregel")
        verbose_name_plural = _("kostenregels")
        ordering = ["plan", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "order"],
                name="cost_line_order_unique",
                violation_error_message=_("Er staat al een kostenregel op deze plaats."),
            ),
            models.UniqueConstraint(
                fields=["plan", "category", "label"],
                name="cost_line_label_unique",
                violation_error_message=_("Deze kostenregel bestaat al in dit onderdeel van de begroting."),
            ),
        ]

    def __str__(self) -> str:
        # Which line: "IT kosten – Bedrijfsvoeringskosten (2024)"; every plan has its own "IT kosten".
        # The group and the year when they are loaded (select_related("plan", "group")): no query.
        group = loaded_value(self, "group", "title") or self.get_category_display()
        return plan_label("", self.label, str(group), loaded_value(self, "plan", "year"))

    def get_absolute_url(self) -> str:
        return reverse("budget:overview", args=[self.plan.year])

    def natural_key(self) -> tuple[Any, ...]:
        return (*self.plan.natural_key(), self.category, self.label)

    natural_key.dependencies = ["strategy.annualplan", "budget.costgroup", "strategy.programmeline"]  # type: ignore[attr-defined]

    def clean(self) -> None:
        errors: dict[str, StrOrPromise] = {}
        if self.group_id:
            # group_id is set, so the group is loaded (or DoesNotExist raised), never None.
            group = cast(CostGroup, self.group)
            if self.plan_id and group.plan_id != self.plan_id:
                errors["group"] = _("Deze groep hoort bij een ander jaarplan.")
            elif group.category != self.category:
                errors["group"] = _("Deze groep hoort bij het onderdeel %(category)s.") % {
                    "category": group.get_category_display()
                }
        if (
            self.programme_line_id
            and self.plan_id
            # programme_line_id is set, so the line is loaded, never None.
            and cast(ProgrammeLine, self.programme_line).strategy_id != self.plan.strategy_id
        ):
            errors["programme_line"] = _("Deze lijn hoort bij een andere strategie dan het jaarplan.")
        if errors:
            raise ValidationError(errors)

    def charges(self) -> dict[int, int]:
        """Euros charged per programme line id: the whole amount, or the parts of a split."""
        splits = list(self.splits.all())
        if splits:
            return {split.programme_line_id: split.amount for split in splits}
        if self.programme_line_id and self.amount:
            return {self.programme_line_id: self.amount}
        return {}


class CostSplitManager(models.Manager["CostSplit"]):
    def get_by_natural_key(self, year: int, category: str, label: str, line_number: int) -> CostSplit:
        return self.get(
            cost_line__plan__year=year,
            cost_line__category=category,
            cost_line__label=label,
            programme_line__number=line_number,
        )


class CostSplit(Versioned):
    """Part of a cost line charged to one programme line, when a line is shared by several.

    The plan's overhead for the reinforcement programme, for example, is carried partly by
    line 1 and partly by line 3.
    """

    cost_line = models.ForeignKey(
        CostLine, on_delete=models.CASCADE, related_name="splits", verbose_name=_("kostenregel")
    )
    programme_line = models.ForeignKey(
        ProgrammeLine, on_delete=models.PROTECT, related_name="cost_splits", verbose_name=_("lijn")
    )
    amount = models.BigIntegerField(
        _("bedrag (€)"),
        error_messages={"invalid": _("Vul een bedrag in hele euro's in, zonder punten of tekens.")},
    )

    objects = CostSplitManager()

    history = HistoricalRecords(excluded_fields=[VERSION_FIELD])

    class Meta:
        verbose_name = _("verdeling over een lijn")
        verbose_name_plural = _("verdeling over lijnen")
        ordering = ["cost_line", "programme_line__number"]
        constraints = [
            models.UniqueConstraint(
                fields=["cost_line", "programme_line"],
                name="cost_split_once_per_line",
                violation_error_message=_("Deze lijn staat al in de verdeling."),
            )
        ]

    def __str__(self) -> str:
        line = loaded_value(self, "programme_line", "number")
        return f"{loaded_str(self, 'cost_line')} → lijn {line if line is not None else '?'}"

    def get_absolute_url(self) -> str:
        return reverse("budget:overview", args=[self.cost_line.plan.year])

    def natural_key(self) -> tuple[Any, ...]:
        return (*self.cost_line.natural_key(), self.programme_line.number)

    natural_key.dependencies = ["budget.costline"]  # type: ignore[attr-defined]


class FundingSourceManager(models.Manager["FundingSource"]):
    def get_by_natural_key(self, year: int, label: str) -> FundingSource:
        return self.get(plan__year=year, label=label)


class FundingSource(Versioned):
    """One line of table 4.2: who pays how much, from which stream."""

    class Funder(models.TextChoices):
        JENV_DVB = "jenv_dvb", _("JenV/DVB")
        JENV_DGO = "jenv_dgo", _("JenV/DGO")
        MUNICIPALITIES = "gemeenten", _("gemeenten")
        PROVINCES = "provincies", _("provincies")
        POLICE = "politie", _("politie (in natura)")
        ASSIGNMENTS = "opdrachten", _("opdrachten")

    plan = models.ForeignKey(
        AnnualPlan, on_delete=models.CASCADE, related_name="funding_sources", verbose_name=_("jaarplan")
    )
    order = models.PositiveIntegerField(_("volgorde"))
    label = models.CharField(_("omschrijving"), max_length=200)
    funder = models.CharField(_("financier"), max_length=20, choices=Funder.choices)
    funding_stream = models.CharField(
        _("geldstroom"), max_length=20, choices=FundingStream.choices, default=FundingStream.REGULAR
    )
    amount = models.BigIntegerField(
        _("bedrag (€)"),
        null=True,
        blank=True,
        help_text=_("Hele euro's. Leeg betekent pm (nog niet bekend)."),
        error_messages={"invalid": _("Vul een bedrag in hele euro's in, zonder punten of tekens.")},
    )

    objects = FundingSourceManager()

    history = HistoricalRecords(excluded_fields=[VERSION_FIELD])

    class Meta:
        verbose_name = _("dekking")
        verbose_name_plural = _("dekking")
        ordering = ["plan", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "order"],
                name="funding_order_unique",
                violation_error_message=_("Er staat al een dekkingsregel op deze plaats."),
            ),
            models.UniqueConstraint(
                fields=["plan", "label"],
                name="funding_label_unique",
                violation_error_message=_("Deze dekkingsregel bestaat al in dit jaarplan."),
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def get_absolute_url(self) -> str:
        return reverse("budget:overview", args=[self.plan.year])

    def natural_key(self) -> tuple[Any, ...]:
        return (*self.plan.natural_key(), self.label)

    natural_key.dependencies = ["strategy.annualplan"]  # type: ignore[attr-defined]


class ProgrammeAllocationManager(models.Manager["ProgrammeAllocation"]):
    def get_by_natural_key(self, plan_year: int, line_number: int, year: int, kind: str) -> ProgrammeAllocation:
        return self.get(plan__year=plan_year, programme_line__number=line_number, year=year, kind=kind)


class ProgrammeAllocation(Versioned):
    """One cell of table 4.3: a programme line's money for a year, in thousands of euros."""

    class Kind(models.TextChoices):
        ANNUAL = "jaarschijf", _("Jaarschijf")
        CASH_SHIFT = "kasschuif", _("Kasschuif")
        UNDERSPEND = "onderuitputting", _("Onderuitputting")

    plan = models.ForeignKey(
        AnnualPlan, on_delete=models.CASCADE, related_name="allocations", verbose_name=_("jaarplan")
    )
    programme_line = models.ForeignKey(
        ProgrammeLine, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("lijn")
    )
    year = models.PositiveSmallIntegerField(_("jaar"))
    kind = models.CharField(_("soort"), max_length=20, choices=Kind.choices)
    label = models.CharField(
        _("benaming"), max_length=100, blank=True, help_text=_("Leeg: de soort, bijvoorbeeld 'Kasschuif 2022'.")
    )
    amount_thousands = models.IntegerField(
        _("bedrag (× € 1.000)"),
        null=True,
        blank=True,
        help_text=_("In duizenden euro's. Leeg betekent pm (nog niet bekend)."),
        error_messages={"invalid": _("Vul een bedrag in duizenden euro's in, zonder punten of tekens.")},
    )

    objects = ProgrammeAllocationManager()

    history = HistoricalRecords(excluded_fields=[VERSION_FIELD])

    class Meta:
        verbose_name = _("meerjarenraming")
        verbose_name_plural = _("meerjarenraming")
        ordering = ["plan", "programme_line__number", "kind", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "programme_line", "year", "kind"],
                name="allocation_unique",
                violation_error_message=_("Deze lijn heeft voor dit jaar al een bedrag van deze soort."),
            )
        ]

    def __str__(self) -> str:
        line = loaded_value(self, "programme_line", "number")
        return f"Lijn {line if line is not None else '?'} {self.display_label} {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("budget:overview", args=[self.plan.year])

    @property
    def display_label(self) -> str:
        return self.label or self.get_kind_display()

    def natural_key(self) -> tuple[Any, ...]:
        return (*self.plan.natural_key(), self.programme_line.number, self.year, self.kind)

    natural_key.dependencies = ["strategy.annualplan", "strategy.programmeline"]  # type: ignore[attr-defined]

    def clean(self) -> None:
        if self.programme_line_id and self.plan_id and self.programme_line.strategy_id != self.plan.strategy_id:
            raise ValidationError({"programme_line": _("Deze lijn hoort bij een andere strategie dan het jaarplan.")})


QUARTER_MESSAGE = _("Een kwartaal is 1, 2, 3 of 4.")


class SpendingQuerySet(models.QuerySet["Spending"]):
    def for_plan_year(self, plan: AnnualPlan) -> SpendingQuerySet:
        """Spending booked in the plan's own year on the plan's cost lines: what the budget page counts."""
        return self.filter(cost_line__plan=plan, year=plan.year)


class Spending(Versioned):
    """What was actually spent on a cost line in one quarter (realisatie), in whole euros."""

    cost_line = models.ForeignKey(
        CostLine, on_delete=models.CASCADE, related_name="spendings", verbose_name=_("kostenregel")
    )
    year = models.PositiveSmallIntegerField(
        _("jaar"),
        validators=[
            MinValueValidator(2000, message=_("Vul een jaar van 2000 tot en met 2100 in.")),
            MaxValueValidator(2100, message=_("Vul een jaar van 2000 tot en met 2100 in.")),
        ],
    )
    quarter = models.PositiveSmallIntegerField(
        _("kwartaal"),
        validators=[MinValueValidator(1, message=QUARTER_MESSAGE), MaxValueValidator(4, message=QUARTER_MESSAGE)],
        help_text=_("1, 2, 3 of 4."),
    )
    amount = models.BigIntegerField(
        _("bedrag (€)"),
        help_text=_("Hele euro's; negatief voor een correctie of creditnota."),
        error_messages={"invalid": _("Vul een bedrag in hele euro's in, zonder punten of tekens.")},
    )
    note = models.CharField(_("toelichting"), max_length=300, blank=True)

    objects = SpendingQuerySet.as_manager()

    history = HistoricalRecords(excluded_fields=[VERSION_FIELD])

    class Meta:
        verbose_name = _("besteding")
        verbose_name_plural = _("bestedingen (realisatie)")
        ordering = ["cost_line__plan", "cost_line__order", "year", "quarter"]
        constraints = [
            models.UniqueConstraint(
                fields=["cost_line", "year", "quarter"],
                name="spending_once_per_quarter",
                violation_error_message=_("Voor deze kostenregel is dit kwartaal al geboekt; pas die boeking aan."),
            ),
            models.CheckConstraint(
                condition=Q(quarter__gte=1, quarter__lte=4),
                name="spending_quarter_1_to_4",
                violation_error_message=QUARTER_MESSAGE,
            ),
        ]

    def __str__(self) -> str:
        return f"{loaded_str(self, 'cost_line')} – Q{self.quarter} {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("budget:overview", args=[self.cost_line.plan.year])
