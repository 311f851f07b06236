"""A yearly plan and its numbered sections (chapters and paragraphs)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core import clock
from core.history import VERSION_FIELD
from core.models import Versioned
from strategy.models.labels import DISTRICTS, LABEL, NUMBER, forget_labels, label_sections
from strategy.models.strategy import PERCENTAGE_VALIDATORS, Goal, ProgrammeLine, Strategy

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class AnnualPlanQuerySet(models.QuerySet["AnnualPlan"]):
    def running(self, day: datetime.date | None = None) -> AnnualPlan | None:
        """The plan being carried out on `day` (default: today); None without plans.

        That is the plan of `day`'s year, adopted or still in concept; without one, the newest plan
        before it. A plan for a later year (next year's concept, prepared in the autumn) never takes
        over. Only when every plan lies in the future is the first of them the running plan.
        """

        year = (day or clock.today()).year
        return self.filter(year__lte=year).order_by("-year").first() or self.order_by("year").first()

    def adopted(self) -> AnnualPlanQuerySet:
        return self.filter(status=AnnualPlan.Status.ADOPTED)


class AnnualPlanManager(models.Manager["AnnualPlan"].from_queryset(AnnualPlanQuerySet)):  # type: ignore[misc]
    def get_by_natural_key(self, year: int) -> AnnualPlan:
        return self.get(year=year)


class AnnualPlan(Versioned):
    class Status(models.TextChoices):
        CONCEPT = "concept", _("concept")
        ADOPTED = "vastgesteld", _("vastgesteld")

    strategy = models.ForeignKey(Strategy, on_delete=models.PROTECT, related_name="plans", verbose_name=_("strategie"))
    # The year identifies a plan everywhere (/jaarplan/2024/), so it is unique across strategies.
    year = models.PositiveSmallIntegerField(
        _("jaar"),
        unique=True,
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        error_messages={"unique": _("Er bestaat al een jaarplan voor dit jaar.")},
    )
    title = models.CharField(_("titel"), max_length=200)
    organisation = models.CharField(_("organisatie"), max_length=200, default="RIEC Oost-Nederland")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.CONCEPT)
    adopted_on = models.DateField(_("vastgesteld op"), null=True, blank=True)
    foreword_salutation = models.CharField(_("aanhef voorwoord"), max_length=200, blank=True)
    foreword = models.TextField(_("voorwoord"), blank=True, help_text=_("Markdown."))
    foreword_signatory = models.CharField(_("ondertekend door"), max_length=200, blank=True)
    foreword_signatory_role = models.CharField(_("functie ondertekenaar"), max_length=200, blank=True)
    reading_guide = models.TextField(_("leeswijzer"), blank=True, help_text=_("Markdown."))
    price_compensation = models.DecimalField(
        _("loon- en prijscompensatie (%)"),
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=PERCENTAGE_VALIDATORS,
    )

    objects = AnnualPlanManager()

    history = HistoricalRecords(excluded_fields=[VERSION_FIELD])

    class Meta:
        verbose_name = _("jaarplan")
        verbose_name_plural = _("jaarplannen")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(price_compensation__gte=0) & Q(price_compensation__lte=100),
                name="plan_price_compensation_percentage",
                violation_error_message=_("Een percentage ligt tussen 0 en 100."),
            ),
            models.CheckConstraint(
                condition=Q(status="concept") | Q(adopted_on__isnull=False),
                name="plan_adopted_has_date",
                violation_error_message=_("Een vastgesteld jaarplan heeft een vaststellingsdatum."),
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"Jaarplan {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("reports:plan_report", args=[self.year])

    def natural_key(self) -> tuple[int]:
        return (self.year,)

    natural_key.dependencies = ["strategy.strategy"]  # type: ignore[attr-defined]

    def clean(self) -> None:
        errors: dict[str, StrOrPromise] = {}
        if self.strategy_id and self.year is not None:
            strategy = self.strategy
            # A plan may prepare the year after the strategy ends (the strategy is re-examined then).
            if not strategy.start_year <= self.year <= strategy.end_year + 1:
                errors["year"] = _(
                    "Het jaar %(year)s valt buiten de looptijd van %(strategy)s (%(start)s-%(end)s)."
                ) % {
                    "year": self.year,
                    "strategy": strategy,
                    "start": strategy.start_year,
                    "end": strategy.end_year,
                }
        if self.status == self.Status.ADOPTED and not self.adopted_on:
            errors["adopted_on"] = _("Een vastgesteld jaarplan heeft een vaststellingsdatum.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_adopted(self) -> bool:
        """Adopted plans are read-only (except progress); the policy asks this, not the status text."""
        return self.status == self.Status.ADOPTED

    def numbered_sections(self) -> list[PlanSection]:
        return PlanSection.objects.numbered(self.sections.all())


class PlanSectionQuerySet(models.QuerySet["PlanSection"]):
    def numbered(self, sections: Iterable[PlanSection] | None = None) -> list[PlanSection]:
        """Return the sections in document order, each with `.number` ("1.2.3") and `.depth` set.

        Numbers come from the position among siblings, so reordering renumbers everything and
        no number is ever stored.
        """
        items = list(self if sections is None else sections)
        children: dict[int | None, list[PlanSection]] = {}
        for section in items:
            children.setdefault(section.parent_id, []).append(section)
        for siblings in children.values():
            siblings.sort(key=lambda s: (s.order, s.pk or 0))
        ordered: list[PlanSection] = []

        def walk(parent_id: int | None, prefix: str, depth: int) -> None:
            for position, section in enumerate(children.get(parent_id, []), start=1):
                section.number = f"{prefix}{position}"
                section.depth = depth
                ordered.append(section)
                walk(section.pk, f"{section.number}.", depth + 1)

        walk(None, "", 1)
        return ordered


class PlanSectionManager(models.Manager["PlanSection"]):
    def get_queryset(self) -> PlanSectionQuerySet:
        return PlanSectionQuerySet(self.model, using=self._db)

    def numbered(self, sections: Iterable[PlanSection]) -> list[PlanSection]:
        return self.get_queryset().numbered(sections)

    def get_by_natural_key(self, year: int, slug: str) -> PlanSection:
        return self.get(plan__year=year, slug=slug)


class PlanSection(Versioned):
    """A numbered chapter or paragraph of a plan; its number is derived from its place."""

    class Table(models.TextChoices):
        """A table the report prints from data at the end of the section."""

        NONE = "", _("geen")
        COSTS = "kosten", _("kosten (wat kost het?)")
        FUNDING = "dekking", _("dekking (waar wordt dit van betaald?)")
        ALLOCATIONS = "meerjarenraming", _("meerjarenraming versterkingsprogramma")

    plan = models.ForeignKey(AnnualPlan, on_delete=models.CASCADE, related_name="sections", verbose_name=_("jaarplan"))
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("onderdeel van"),
    )
    order = models.PositiveIntegerField(_("volgorde"))
    slug = models.SlugField(
        _("kenmerk"),
        max_length=80,
        help_text=_("Vaste sleutel binnen het jaarplan, gebruikt in links en bij importeren."),
    )
    title = models.CharField(_("titel"), max_length=300)
    body = models.TextField(_("tekst"), blank=True, help_text=_("Markdown: lijsten en vet blijven behouden."))
    goal = models.ForeignKey(
        Goal,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sections",
        verbose_name=_("doel"),
        help_text=_("Toont het doel van de meerjarenstrategie boven de tekst."),
    )
    programme_line = models.ForeignKey(
        ProgrammeLine,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sections",
        verbose_name=_("lijn"),
    )
    table = models.CharField(
        _("tabel"),
        max_length=20,
        choices=Table.choices,
        default=Table.NONE,
        blank=True,
        help_text=_("Een begrotingstabel die na de tekst wordt afgedrukt."),
    )

    # Set by `PlanSection.objects.numbered()` (not a field).
    depth: int

    objects = PlanSectionManager()

    history = HistoricalRecords(excluded_fields=[VERSION_FIELD])

    class Meta:
        verbose_name = _("paragraaf")
        verbose_name_plural = _("paragrafen")
        ordering = ["plan", "parent_id", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "slug"],
                name="section_slug_unique_per_plan",
                violation_error_message=_("Dit jaarplan heeft al een paragraaf met dit kenmerk."),
            ),
            models.UniqueConstraint(
                fields=["parent", "order"],
                condition=Q(parent__isnull=False),
                name="section_order_unique_per_parent",
                violation_error_message=_("Er staat al een paragraaf op deze plaats."),
            ),
            models.UniqueConstraint(
                fields=["plan", "order"],
                condition=Q(parent__isnull=True),
                name="chapter_order_unique_per_plan",
                violation_error_message=_("Er staat al een hoofdstuk op deze plaats."),
            ),
        ]

    def __str__(self) -> str:
        # Its own fields only: the number and district(s) when a screen asked the selector for them.
        return self.__dict__.get(LABEL) or self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        forget_labels(self)

    def get_absolute_url(self) -> str:
        return f"{self.plan.get_absolute_url()}#{self.anchor}"

    @property
    def label(self) -> str:
        """Which section, wherever it is picked or listed: "3.2.2 Specifieke ontwikkelingen – Twente (2024)".

        From the selector (`label_sections`) when a screen labelled its rows; otherwise one query.
        """
        if LABEL not in self.__dict__:
            label_sections([self])
        return str(self.__dict__[LABEL])

    @property
    def districts_label(self) -> str:
        """The district(s) of the section ("Twente"), "" when regional; like `label`, from the selector."""
        if DISTRICTS not in self.__dict__:
            label_sections([self])
        return str(self.__dict__[DISTRICTS])

    @property
    def anchor(self) -> str:
        """The id of the section's heading in the report."""
        return f"h-{self.slug}"

    def natural_key(self) -> tuple[Any, ...]:
        return (*self.plan.natural_key(), self.slug)

    natural_key.dependencies = ["strategy.annualplan"]  # type: ignore[attr-defined]

    @property
    def number(self) -> str:
        """The derived number; set in bulk by `numbered()` or `label_sections()`, else read from the plan's outline."""
        if NUMBER not in self.__dict__:
            if self.pk and self.plan_id:
                label_sections([self])  # one query: the plan's outline
            else:
                self.__dict__[NUMBER] = ""
        return str(self.__dict__[NUMBER])

    @number.setter
    def number(self, value: str) -> None:
        self.__dict__[NUMBER] = value

    def clean(self) -> None:
        errors: dict[str, StrOrPromise] = {}
        if self.parent_id:
            # parent_id is set, so the parent is loaded (or DoesNotExist raised), never None.
            if cast(PlanSection, self.parent).plan_id != self.plan_id:
                errors["parent"] = _("Het bovenliggende onderdeel hoort bij een ander jaarplan.")
            ancestor: PlanSection | None = self.parent
            while ancestor is not None:
                if self.pk and ancestor.pk == self.pk:
                    errors["parent"] = _("Een paragraaf kan niet onder zichzelf vallen.")
                    break
                ancestor = ancestor.parent
        plan = self.plan if self.plan_id else None
        for field in ("goal", "programme_line"):
            related = getattr(self, field)
            if plan and related is not None and related.strategy_id != plan.strategy_id:
                errors[field] = _("Dit hoort bij een andere strategie dan het jaarplan.")
        if errors:
            raise ValidationError(errors)
