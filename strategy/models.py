"""The strategy and its yearly plans: goals, programme lines, sections, actions and progress."""

from __future__ import annotations

import datetime
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core import clock, memo, permissions
from core.history import VERSION_FIELD
from core.models import Versioned

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

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


class AnnualPlanQuerySet(models.QuerySet["AnnualPlan"]):
    def running(self, day: datetime.date | None = None) -> AnnualPlan | None:
        """The plan being carried out on `day` (default: today); None without plans.

        That is the plan of `day`'s year, adopted or still in concept; without one, the newest plan
        before it. A plan for a later year (next year's concept, prepared in the autumn) never takes
        over. Only when every plan lies in the future is the first of them the running plan.
        """
        from core import clock

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
        return self.label

    def get_absolute_url(self) -> str:
        return f"{self.plan.get_absolute_url()}#{self.anchor}"

    @property
    def label(self) -> str:
        """Which section, wherever it is picked or listed: "3.2.2 Specifieke ontwikkelingen – Twente (2024)"."""
        if self.plan_id is None:
            return self.title
        outline = plan_outline(self.plan_id)
        return plan_label(self.number, self.title, outline.districts.get(self.pk, ""), outline.year)

    @property
    def anchor(self) -> str:
        """The id of the section's heading in the report."""
        return f"h-{self.slug}"

    def natural_key(self) -> tuple[Any, ...]:
        return (*self.plan.natural_key(), self.slug)

    natural_key.dependencies = ["strategy.annualplan"]  # type: ignore[attr-defined]

    @property
    def number(self) -> str:
        """The derived number; set in bulk by `PlanSection.objects.numbered()`, else read from the plan's outline."""
        cached = self.__dict__.get("_number")
        if cached is None:
            cached = plan_outline(self.plan_id).numbers.get(self.pk, "") if self.pk and self.plan_id else ""
            self.__dict__["_number"] = cached
        return cached

    @number.setter
    def number(self, value: str) -> None:
        self.__dict__["_number"] = value

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


# Labels ------------------------------------------------------------------------------------------


def plan_label(number: str, title: str, districts: str, year: int | None) -> str:
    """A label such as "3.2.2 Specifieke ontwikkelingen – Twente (2024)"; unknown parts are left out."""
    text = f"{number} {title}" if number else title
    if districts and districts != title:  # a district's own chapter is called after it
        text += f" – {districts}"
    return f"{text} ({year})" if year else text


def district_label(districts: Iterable[Any]) -> str:
    return ", ".join(sorted(str(district) for district in districts))


@dataclass(frozen=True)
class PlanOutline:
    """What the labels of one plan's sections need: its year, each section's number and district(s)."""

    year: int | None
    numbers: dict[int, str]
    districts: dict[int, str]


def plan_outline(plan_id: int) -> PlanOutline:
    """The outline of a plan: one query, once per request (core.memo), however many labels a page shows."""
    return plan_outlines([plan_id])[plan_id]


def plan_outlines(plan_ids: Iterable[int]) -> dict[int, PlanOutline]:
    """The outlines of several plans (a page of rows from many plans) in one query."""
    return memo.remember_many("strategy.plan_outline", plan_ids, _load_outlines)


def _district_name_fields(model: type[models.Model], prefix: str = "") -> list[str]:
    # The policy's paths to the district(s), each with the name a district is shown by.
    return [f"{path}__name" for path in permissions.district_related(model, prefix)]


def _load_outlines(plan_ids: list[int]) -> dict[int, PlanOutline]:
    # Query: every section of the plans, with the plan's year and the district(s) the policy finds.
    sections = (
        PlanSection.objects.filter(plan_id__in=plan_ids)
        .select_related("plan", *permissions.district_related(PlanSection))
        .only("pk", "plan_id", "parent_id", "order", "plan__year", *_district_name_fields(PlanSection))
        .order_by()
    )
    by_plan: dict[int, list[PlanSection]] = {plan_id: [] for plan_id in plan_ids}
    for section in sections:
        by_plan[section.plan_id].append(section)
    years = {plan_id: items[0].plan.year for plan_id, items in by_plan.items() if items}
    if len(years) < len(plan_ids):
        # Query (only for plans without sections): their years.
        empty = [plan_id for plan_id in plan_ids if plan_id not in years]
        years.update(AnnualPlan.objects.filter(pk__in=empty).values_list("pk", "year"))
    return {
        plan_id: PlanOutline(
            year=years.get(plan_id),
            numbers={section.pk: section.number for section in PlanSection.objects.numbered(items)},
            districts={section.pk: district_label(permissions.districts_of(section)) for section in items},
        )
        for plan_id, items in by_plan.items()
    }


def action_districts(plan_id: int) -> dict[int, str]:
    """The district(s) of each action of a plan, as the policy finds them: one query per request."""
    return plans_action_districts([plan_id])[plan_id]


def plans_action_districts(plan_ids: Iterable[int]) -> dict[int, dict[int, str]]:
    """Per plan, the district(s) of each of its actions; the plans not known yet in one query."""

    def load(missing: list[int]) -> dict[int, dict[int, str]]:
        actions = (
            Action.objects.filter(section__plan_id__in=missing)
            .select_related("section", *permissions.district_related(Action))
            .only("pk", "section__plan_id", *_district_name_fields(Action))
            .order_by()
        )
        found: dict[int, dict[int, str]] = {plan_id: {} for plan_id in missing}
        for action in actions:
            found[action.section.plan_id][action.pk] = district_label(permissions.districts_of(action))
        return found

    return memo.remember_many("strategy.action_districts", plan_ids, load)


def preload_labels(plan_ids: Iterable[int], *, actions: bool = False) -> None:
    """Load what the labels of a page's sections (and actions) need for all its plans at once."""
    plan_ids = [plan_id for plan_id in plan_ids if plan_id is not None]
    plan_outlines(plan_ids)
    if actions:
        plans_action_districts(plan_ids)


FIGURE_MAX_BYTES = 2 * 1024 * 1024
FIGURE_MAX_PIXELS = 4000
FIGURE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}


class SectionBlockManager(models.Manager["SectionBlock"]):
    def get_by_natural_key(self, year: int, slug: str, after_items: int, order: int) -> SectionBlock:
        return self.get(section__plan__year=year, section__slug=slug, after_items=after_items, order=order)


class SectionBlock(Versioned):
    """Text or a figure that stands at its own place among a section's items, as in the source.

    A section prints its text, then its items (themes, developments, norms) in order; a block stands
    after `after_items` of them (0: right after the text). A block with a caption is a figure: until an
    image is uploaded the report shows the caption in a framed box, never a dangling "(zie afbeelding)".
    """

    section = models.ForeignKey(
        PlanSection, on_delete=models.CASCADE, related_name="blocks", verbose_name=_("paragraaf")
    )
    after_items = models.PositiveSmallIntegerField(
        _("na onderdeel"),
        default=0,
        help_text=_("Aantal onderdelen (thema's, ontwikkelingen, normen) vóór dit blok; 0 is direct na de tekst."),
    )
    order = models.PositiveSmallIntegerField(_("volgorde"), default=1)
    text = models.TextField(_("tekst"), blank=True, help_text=_("Markdown: lijsten en vet blijven behouden."))
    caption = models.CharField(
        _("bijschrift"), max_length=300, blank=True, help_text=_("Met een bijschrift is het blok een afbeelding.")
    )
    alt_text = models.CharField(
        _("alternatieve tekst"),
        max_length=500,
        blank=True,
        help_text=_("Wat de afbeelding laat zien, voor wie haar niet kan zien."),
    )
    image = models.BinaryField(_("afbeelding"), null=True, blank=True)
    image_type = models.CharField(_("soort afbeelding"), max_length=20, blank=True, editable=False)
    # Names the image in its URL: a new upload gets a new address, so no browser or PDF shows an old one.
    image_sha256 = models.CharField(_("SHA-256 van de afbeelding"), max_length=64, blank=True, editable=False)

    objects = SectionBlockManager()

    # The image itself stays out of the history: its SHA-256 there says which upload it was.
    history = HistoricalRecords(excluded_fields=[VERSION_FIELD, "image"])

    class Meta:
        verbose_name = _("blok")
        verbose_name_plural = _("blokken tussen de onderdelen")
        ordering = ["section", "after_items", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["section", "after_items", "order"],
                name="section_block_place_unique",
                violation_error_message=_("Op deze plaats in de paragraaf staat al een blok."),
            )
        ]

    def __str__(self) -> str:
        return self.caption or (self.text[:60] if self.text else str(_("blok")))

    def natural_key(self) -> tuple[Any, ...]:
        return (*self.section.natural_key(), self.after_items, self.order)

    natural_key.dependencies = ["strategy.plansection"]  # type: ignore[attr-defined]

    @classmethod
    def stored_image(cls, pk: int, digest: str) -> tuple[bytes, str] | None:
        """The image and its MIME type, if `digest` (a prefix of its SHA-256) names the current upload (one query)."""
        found = (
            cls.objects.filter(pk=pk, image_sha256__startswith=digest)
            .exclude(image_sha256="")
            .values_list("image", "image_type")
            .first()
        )
        if found is None or found[0] is None:
            return None
        return bytes(found[0]), found[1]

    def set_image(self, content: bytes) -> None:
        """Keep an uploaded image, after checking it is a PNG or JPEG of acceptable size."""
        self.image_type = checked_image(content)
        self.image = content
        self.image_sha256 = hashlib.sha256(content).hexdigest()

    def clean(self) -> None:
        if not self.text.strip() and not self.caption.strip():
            raise ValidationError(_("Vul een tekst in, of een bijschrift voor een afbeelding."))
        if self.image and not self.alt_text.strip():
            raise ValidationError({"alt_text": _("Een afbeelding heeft een alternatieve tekst nodig.")})
        if self.image and not self.caption.strip():
            raise ValidationError({"caption": _("Een afbeelding heeft een bijschrift nodig.")})


def checked_image(content: bytes) -> str:
    """The MIME type of an uploaded PNG or JPEG image; ValidationError for anything else or too large."""
    from PIL import Image, UnidentifiedImageError

    if len(content) > FIGURE_MAX_BYTES:
        raise ValidationError(_("De afbeelding is groter dan 2 MB."))
    try:
        with Image.open(io.BytesIO(content)) as image:
            kind = image.format
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ValidationError(_("Dit is geen leesbare PNG- of JPEG-afbeelding.")) from error
    if kind not in FIGURE_TYPES:
        raise ValidationError(_("Alleen PNG- en JPEG-afbeeldingen zijn toegestaan."))
    if width > FIGURE_MAX_PIXELS or height > FIGURE_MAX_PIXELS:
        raise ValidationError(_("De afbeelding is groter dan 4000 bij 4000 pixels."))
    return FIGURE_TYPES[kind]


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
        return self.label

    def get_absolute_url(self) -> str:
        return reverse("strategy:action", args=[self.pk])

    @property
    def number(self) -> str:
        """The number of the section and the action's place in it: "2.2-3"."""
        plan_id = memo.related_value(self, "section", "plan_id")
        if plan_id is None:
            return ""
        section_number = plan_outline(plan_id).numbers.get(self.section_id, "")
        return f"{section_number}-{self.order}" if section_number else ""

    @property
    def label(self) -> str:
        """Which action: "3.2.2-1 Plan Twentse aanpak drugscriminaliteit – Twente (2024)"."""
        plan_id = memo.related_value(self, "section", "plan_id")
        if plan_id is None:
            return self.title
        districts = action_districts(plan_id).get(self.pk) if self.pk else None
        if districts is None:  # not saved (yet) in this plan
            districts = district_label(permissions.districts_of(self))
        return plan_label(self.number, self.title, districts, plan_outline(plan_id).year)

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
        return f"{self.action} – {self.get_status_display()} ({self.date:%d-%m-%Y})"

    def get_absolute_url(self) -> str:
        return reverse("strategy:action", args=[self.action_id])


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


# The quarterly cycle: closed quarters, their snapshots, reminders sent ------------------------------


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
        return f"Q{self.quarter} {self.plan.year}"

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
        from core import clock

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
        return f"{self.action} – {self.get_status_display()} ({self.close})"

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
        return f"{self.user} – Q{self.quarter} {self.year} ({self.get_occasion_display()})"
