"""The five districts, their municipalities and each district's chapter of a year's plan."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core import clock, permissions
from core.history import VERSION_FIELD
from core.models import Versioned, loaded_str, loaded_value
from core.validators import validate_single_line
from strategy.models import QUARTER_VALIDATORS, Action, AnnualPlan, PlanSection, plan_label


class Province(models.TextChoices):
    OVERIJSSEL = "Overijssel", "Overijssel"
    GELDERLAND = "Gelderland", "Gelderland"


class DistrictManager(models.Manager["District"]):
    def get_by_natural_key(self, name: str) -> District:
        return self.get(name=name)


class District(Versioned):
    name = models.CharField(_("naam"), max_length=100, unique=True, validators=[validate_single_line])
    slug = models.SlugField(_("kenmerk"), max_length=100, unique=True)
    order = models.PositiveSmallIntegerField(_("volgorde"), unique=True)
    province = models.CharField(_("provincie"), max_length=20, choices=Province.choices)
    coordinators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="coordinated_districts",
        verbose_name=_("districtelijk programmacoördinatoren"),
    )

    objects = DistrictManager()

    history = HistoricalRecords(excluded_fields=[VERSION_FIELD])

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districten")
        ordering = ["order"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("reports:district", args=[self.slug])

    def natural_key(self) -> tuple[str]:
        return (self.name,)


class MunicipalityManager(models.Manager["Municipality"]):
    def get_by_natural_key(self, name: str) -> Municipality:
        return self.get(name=name)


class Municipality(Versioned):
    name = models.CharField(
        _("naam"),
        max_length=100,
        unique=True,
        error_messages={"unique": _("Er bestaat al een gemeente met deze naam.")},
    )
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        related_name="municipalities",
        verbose_name=_("district"),
        error_messages={"null": _("Kies het district waar de gemeente bij hoort.")},
    )
    province = models.CharField(_("provincie"), max_length=20, choices=Province.choices)

    objects = MunicipalityManager()

    history = HistoricalRecords(excluded_fields=[VERSION_FIELD])

    class Meta:
        verbose_name = _("gemeente")
        verbose_name_plural = _("gemeenten")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return self.district.get_absolute_url()

    def natural_key(self) -> tuple[str]:
        return (self.name,)

    natural_key.dependencies = ["districts.district"]  # type: ignore[attr-defined]


class FocusThemeManager(models.Manager["FocusTheme"]):
    def get_by_natural_key(self, name: str) -> FocusTheme:
        return self.get(name=name)


class FocusTheme(Versioned):
    """A theme from the shared vocabulary that districts choose as a priority."""

    name = models.CharField(_("naam"), max_length=120, unique=True)
    slug = models.SlugField(_("kenmerk"), max_length=120, unique=True)
    description = models.TextField(_("omschrijving"), blank=True)

    objects = FocusThemeManager()

    history = HistoricalRecords(excluded_fields=[VERSION_FIELD])

    class Meta:
        verbose_name = _("focusthema")
        verbose_name_plural = _("focusthema's")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.name,)


class DistrictPlanManager(models.Manager["DistrictPlan"]):
    def get_by_natural_key(self, year: int, district_name: str) -> DistrictPlan:
        return self.get(plan__year=year, district__name=district_name)


class DistrictPlan(Versioned):
    """A district's chapter in one year's plan."""

    plan = models.ForeignKey(
        AnnualPlan, on_delete=models.CASCADE, related_name="district_plans", verbose_name=_("jaarplan")
    )
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="plans", verbose_name=_("district"))
    section = models.OneToOneField(
        PlanSection,
        on_delete=models.PROTECT,
        related_name="district_plan",
        verbose_name=_("paragraaf"),
        help_text=_("De paragraaf van hoofdstuk 3 met het districtsplan."),
    )
    workplan_name = models.CharField(_("naam werkplan"), max_length=200, blank=True)
    workplan_period = models.CharField(_("looptijd werkplan"), max_length=40, blank=True)
    ambition = models.TextField(_("ambitie"), blank=True, help_text=_("De ambitie in één of twee zinnen."))
    focus_themes = models.ManyToManyField(
        FocusTheme, through="DistrictFocusTheme", related_name="district_plans", verbose_name=_("focusthema's")
    )

    objects = DistrictPlanManager()

    history = HistoricalRecords(excluded_fields=[VERSION_FIELD])

    class Meta:
        verbose_name = _("districtsplan")
        verbose_name_plural = _("districtsplannen")
        ordering = ["plan", "district__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "district"],
                name="one_district_plan_per_plan",
                violation_error_message=_("Dit district heeft al een plan in dit jaarplan."),
            )
        ]

    def __str__(self) -> str:
        year = loaded_value(self, "plan", "year")
        return f"{loaded_str(self, 'district')} {year or ''}".strip()

    def get_absolute_url(self) -> str:
        return reverse("reports:district_in_year", args=[self.plan.year, self.district.slug])

    def natural_key(self) -> tuple[Any, ...]:
        return (*self.plan.natural_key(), *self.district.natural_key())

    natural_key.dependencies = ["strategy.annualplan", "districts.district", "strategy.plansection"]  # type: ignore[attr-defined]

    def clean(self) -> None:
        if self.section_id and self.plan_id and self.section.plan_id != self.plan_id:
            raise ValidationError({"section": _("Deze paragraaf hoort bij een ander jaarplan.")})

    def actions(self) -> models.QuerySet[Action]:
        """Actions written in the district's section or in one of its paragraphs (the policy's district rule)."""
        return Action.objects.filter(
            permissions.district_filter(Action, [self.district_id]), section__plan=self.plan_id
        )


def _check_section_in_district(item: Any) -> None:
    """A district item is printed under its district's section or one of its paragraphs."""
    if not (item.section_id and item.district_plan_id):
        return
    if item.district_plan.district_id not in permissions.district_ids_of(item.section):
        raise ValidationError({"section": _("Kies een paragraaf uit het hoofdstuk van dit district.")})


class DistrictFocusThemeManager(models.Manager["DistrictFocusTheme"]):
    def get_by_natural_key(self, year: int, district_name: str, theme_name: str) -> DistrictFocusTheme:
        return self.get(
            district_plan__plan__year=year,
            district_plan__district__name=district_name,
            theme__name=theme_name,
        )


class DistrictFocusTheme(Versioned):
    """A focus theme as one district works on it in one year, with the district's own words."""

    district_plan = models.ForeignKey(
        DistrictPlan, on_delete=models.CASCADE, related_name="focus_entries", verbose_name=_("districtsplan")
    )
    theme = models.ForeignKey(
        FocusTheme, on_delete=models.PROTECT, related_name="entries", verbose_name=_("focusthema")
    )
    label = models.CharField(
        _("benaming in het plan"),
        max_length=200,
        blank=True,
        help_text=_("Leeg: de naam van het focusthema."),
    )
    section = models.ForeignKey(
        PlanSection,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="focus_entries",
        verbose_name=_("paragraaf"),
    )
    order = models.PositiveIntegerField(_("volgorde"), default=1)
    text = models.TextField(_("tekst"), blank=True, help_text=_("Markdown."))

    objects = DistrictFocusThemeManager()

    history = HistoricalRecords(excluded_fields=[VERSION_FIELD])

    class Meta:
        verbose_name = _("focusthema van het district")
        verbose_name_plural = _("focusthema's van het district")
        ordering = ["district_plan", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["district_plan", "theme"],
                name="focus_theme_once_per_district_plan",
                violation_error_message=_("Dit focusthema staat al in dit districtsplan."),
            ),
            models.UniqueConstraint(
                fields=["district_plan", "order"],
                name="focus_theme_order_unique",
                violation_error_message=_("Er staat al een focusthema op deze plaats."),
            ),
        ]

    def __str__(self) -> str:
        return self.label or loaded_value(self, "theme", "name") or ""

    def get_absolute_url(self) -> str:
        return self.district_plan.get_absolute_url()

    @property
    def display_name(self) -> str:
        return self.label or self.theme.name

    def natural_key(self) -> tuple[Any, ...]:
        return (*self.district_plan.natural_key(), *self.theme.natural_key())

    natural_key.dependencies = ["districts.districtplan", "districts.focustheme"]  # type: ignore[attr-defined]

    def clean(self) -> None:
        _check_section_in_district(self)


class DistrictItemManager(models.Manager[Any]):
    def get_by_natural_key(self, year: int, district_name: str, order: int) -> Any:
        return self.get(district_plan__plan__year=year, district_plan__district__name=district_name, order=order)


class Development(Versioned):
    """A named development a district works on ("specifieke ontwikkeling")."""

    district_plan = models.ForeignKey(
        DistrictPlan, on_delete=models.CASCADE, related_name="developments", verbose_name=_("districtsplan")
    )
    section = models.ForeignKey(
        PlanSection,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="developments",
        verbose_name=_("paragraaf"),
    )
    order = models.PositiveIntegerField(_("volgorde"), default=1)
    title = models.CharField(_("titel"), max_length=200)
    body = models.TextField(_("tekst"), blank=True, help_text=_("Markdown."))

    objects = DistrictItemManager()

    history = HistoricalRecords(excluded_fields=[VERSION_FIELD])

    class Meta:
        verbose_name = _("specifieke ontwikkeling")
        verbose_name_plural = _("specifieke ontwikkelingen")
        ordering = ["district_plan", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["district_plan", "order"],
                name="development_order_unique",
                violation_error_message=_("Er staat al een ontwikkeling op deze plaats."),
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return self.district_plan.get_absolute_url()

    def natural_key(self) -> tuple[Any, ...]:
        return (*self.district_plan.natural_key(), self.order)

    natural_key.dependencies = ["districts.districtplan"]  # type: ignore[attr-defined]

    def clean(self) -> None:
        _check_section_in_district(self)


class BaselineNorm(Versioned):
    """A criterion of the district's "basis op orde" that every municipality should meet."""

    district_plan = models.ForeignKey(
        DistrictPlan, on_delete=models.CASCADE, related_name="norms", verbose_name=_("districtsplan")
    )
    section = models.ForeignKey(
        PlanSection,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="norms",
        verbose_name=_("paragraaf"),
    )
    order = models.PositiveIntegerField(_("volgorde"), default=1)
    title = models.CharField(_("norm"), max_length=200)
    title_in_plan = models.BooleanField(
        _("titel in het jaarplan"),
        default=True,
        help_text=_(
            "Uit als het vastgestelde plan de norm zonder titel noemt: de titel blijft dan alleen de kolomkop "
            "op het dashboard."
        ),
    )
    description = models.TextField(_("omschrijving"), blank=True, help_text=_("Markdown."))
    # A norm that municipalities were assessed on is retired, not deleted: its assessments stay.
    retired_on = models.DateField(
        _("vervallen per"),
        null=True,
        blank=True,
        help_text=_(
            "Vul een datum in als de norm niet meer geldt. Vanaf die dag staat hij niet meer in de matrix "
            "en kunt u er geen stand meer op vastleggen; eerdere standen blijven bewaard."
        ),
    )

    objects = DistrictItemManager()

    history = HistoricalRecords(excluded_fields=[VERSION_FIELD])

    class Meta:
        verbose_name = _("norm basis op orde")
        verbose_name_plural = _("normen basis op orde")
        ordering = ["district_plan", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["district_plan", "order"],
                name="norm_order_unique",
                violation_error_message=_("Er staat al een norm op deze plaats."),
            )
        ]

    def __str__(self) -> str:
        # Every district has its own norms, every year: "Bibob-beleid vastgesteld – Twente (2024)".
        # District and year when they are loaded (select_related("district_plan__district",
        # "district_plan__plan")): __str__ never queries.
        district = loaded_value(self, "district_plan", "district__name") or ""
        return plan_label("", self.title, district, loaded_value(self, "district_plan", "plan__year"))

    def get_absolute_url(self) -> str:
        return self.district_plan.get_absolute_url()

    def natural_key(self) -> tuple[Any, ...]:
        return (*self.district_plan.natural_key(), self.order)

    natural_key.dependencies = ["districts.districtplan"]  # type: ignore[attr-defined]

    def clean(self) -> None:
        _check_section_in_district(self)

    @property
    def is_assessed(self) -> bool:
        return self.pk is not None and self.assessments.exists()

    def is_active_on(self, day: datetime.date) -> bool:
        return self.retired_on is None or self.retired_on > day


def active_norms(day: datetime.date) -> Q:
    """The norms still in force on `day` (retired later or not at all), as a filter on BaselineNorm."""
    return Q(retired_on__isnull=True) | Q(retired_on__gt=day)


class BaselineAssessment(Versioned):
    """Where one municipality stands on one norm on a date."""

    class Status(models.TextChoices):
        MEETS = "voldoet", _("voldoet")
        PARTLY = "deels", _("voldoet deels")
        FAILS = "voldoet_niet", _("voldoet niet")
        UNKNOWN = "onbekend", _("onbekend")

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("gemeente")
    )
    norm = models.ForeignKey(BaselineNorm, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("norm"))
    assessed_on = models.DateField(_("datum"))
    status = models.CharField(_("stand"), max_length=20, choices=Status.choices)
    note = models.TextField(_("toelichting"), blank=True)

    history = HistoricalRecords(excluded_fields=[VERSION_FIELD])

    class Meta:
        verbose_name = _("stand basis op orde")
        verbose_name_plural = _("stand basis op orde")
        ordering = ["-assessed_on", "municipality__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "norm", "assessed_on"],
                name="one_assessment_per_day",
                violation_error_message=_("Voor deze gemeente en norm is op deze datum al een stand vastgelegd."),
            )
        ]

    def __str__(self) -> str:
        return f"{loaded_str(self, 'municipality')} – {loaded_str(self, 'norm')}: {self.get_status_display()}"

    def get_absolute_url(self) -> str:
        return self.norm.district_plan.get_absolute_url()

    def clean(self) -> None:
        # A stand is what was seen on a day, as a progress update is: the same rule, the same message,
        # in the admin, the round screen and the import (they all run clean()).
        if self.assessed_on and self.assessed_on > clock.today():
            raise ValidationError({"assessed_on": clock.FUTURE_DATE})
        if (
            self.municipality_id
            and self.norm_id
            and self.municipality.district_id != self.norm.district_plan.district_id
        ):
            raise ValidationError({"norm": _("Deze norm hoort bij een ander district dan de gemeente.")})
        if self.norm_id and self.assessed_on and not self.norm.is_active_on(self.assessed_on):
            raise ValidationError(
                {
                    "norm": _("Deze norm is vervallen per %(date)s; leg er geen nieuwe stand meer op vast.")
                    % {"date": self.norm.retired_on.strftime("%d-%m-%Y") if self.norm.retired_on else ""}
                }
            )


class ResilienceScanManager(models.Manager["ResilienceScan"]):
    def get_by_natural_key(self, municipality_name: str, year: int) -> ResilienceScan:
        return self.get(municipality__name=municipality_name, year=year)


class ResilienceScan(Versioned):
    """A weerbaarheidsscan delivered (or planned) for one municipality."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="scans", verbose_name=_("gemeente")
    )
    year = models.PositiveSmallIntegerField(_("jaar"))
    delivered_on = models.DateField(_("opgeleverd op"), null=True, blank=True)
    is_delivered = models.BooleanField(_("opgeleverd"), default=False)
    note = models.TextField(_("toelichting"), blank=True)

    objects = ResilienceScanManager()

    history = HistoricalRecords(excluded_fields=[VERSION_FIELD])

    class Meta:
        verbose_name = _("weerbaarheidsscan")
        verbose_name_plural = _("weerbaarheidsscans")
        ordering = ["-year", "municipality__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "year"],
                name="one_scan_per_municipality_year",
                violation_error_message=_("Deze gemeente heeft in dit jaar al een weerbaarheidsscan."),
            ),
            models.CheckConstraint(
                condition=Q(delivered_on__isnull=True) | Q(is_delivered=True),
                name="scan_date_means_delivered",
                violation_error_message=_("Een scan met een opleverdatum is opgeleverd."),
            ),
        ]

    def __str__(self) -> str:
        return f"Weerbaarheidsscan {loaded_str(self, 'municipality')} {self.year}"

    def get_absolute_url(self) -> str:
        return self.municipality.district.get_absolute_url()

    def natural_key(self) -> tuple[Any, ...]:
        return (*self.municipality.natural_key(), self.year)

    natural_key.dependencies = ["districts.municipality"]  # type: ignore[attr-defined]

    def clean(self) -> None:
        if self.delivered_on and self.delivered_on.year != self.year:
            raise ValidationError({"delivered_on": _("De opleverdatum valt niet in het opgegeven jaar.")})


class CommonThreadsReportManager(models.Manager["CommonThreadsReport"]):
    def get_by_natural_key(self, district_name: str, year: int) -> CommonThreadsReport:
        return self.get(district__name=district_name, year=year)


class CommonThreadsReport(Versioned):
    """A district-wide synthesis of the municipalities' scans ("rode-dradenbeeld")."""

    class Status(models.TextChoices):
        PLANNED = "gepland", _("gepland")
        DELIVERED = "opgeleverd", _("opgeleverd")

    district = models.ForeignKey(
        District, on_delete=models.CASCADE, related_name="common_threads_reports", verbose_name=_("district")
    )
    year = models.PositiveSmallIntegerField(_("jaar"))
    due_quarter = models.PositiveSmallIntegerField(
        _("gepland in kwartaal"), null=True, blank=True, validators=QUARTER_VALIDATORS
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    delivered_on = models.DateField(_("opgeleverd op"), null=True, blank=True)
    note = models.TextField(_("toelichting"), blank=True)

    objects = CommonThreadsReportManager()

    history = HistoricalRecords(excluded_fields=[VERSION_FIELD])

    class Meta:
        verbose_name = _("rode-dradenbeeld")
        verbose_name_plural = _("rode-dradenbeelden")
        ordering = ["district__order", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "year"],
                name="one_common_threads_report_per_year",
                violation_error_message=_("Dit district heeft in dit jaar al een rode-dradenbeeld."),
            ),
            models.CheckConstraint(
                condition=Q(due_quarter__isnull=True) | Q(due_quarter__gte=1, due_quarter__lte=4),
                name="report_due_quarter_1_to_4",
                violation_error_message=_("Een kwartaal is 1, 2, 3 of 4."),
            ),
        ]

    def __str__(self) -> str:
        return f"Rode-dradenbeeld {loaded_str(self, 'district')} {self.year}"

    def get_absolute_url(self) -> str:
        return self.district.get_absolute_url()

    def natural_key(self) -> tuple[Any, ...]:
        return (*self.district.natural_key(), self.year)

    natural_key.dependencies = ["districts.district"]  # type: ignore[attr-defined]

    def clean(self) -> None:
        if self.delivered_on and self.status != self.Status.DELIVERED:
            raise ValidationError({"status": _("Een rode-dradenbeeld met een opleverdatum is opgeleverd.")})
