"""Factories for the districts app; district items hang under a district plan with its own section."""

from __future__ import annotations

import datetime

import factory

from districts.models import (
    BaselineAssessment,
    BaselineNorm,
    CommonThreadsReport,
    Development,
    District,
    DistrictFocusTheme,
    DistrictPlan,
    FocusTheme,
    Municipality,
    Province,
    ResilienceScan,
)
from tests.strategy.factories import AnnualPlanFactory, PlanSectionFactory


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    name = factory.Sequence(lambda n: f"District {n}")
    slug = factory.Sequence(lambda n: f"district-{n}")
    order = factory.Sequence(lambda n: n + 1)
    province = Province.OVERIJSSEL


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality

    name = factory.Sequence(lambda n: f"Gemeente {n}")
    district = factory.SubFactory(DistrictFactory)
    province = factory.SelfAttribute("district.province")


class FocusThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FocusTheme

    name = factory.Sequence(lambda n: f"Focusthema {n}")
    slug = factory.Sequence(lambda n: f"focusthema-{n}")


class DistrictPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DistrictPlan

    plan = factory.SubFactory(AnnualPlanFactory)
    district = factory.SubFactory(DistrictFactory)
    section = factory.SubFactory(PlanSectionFactory, plan=factory.SelfAttribute("..plan"))
    workplan_name = "Werkplan ondermijning"
    workplan_period = "2023-2026"
    ambition = "Samen weerbaar."


class DistrictFocusThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DistrictFocusTheme

    district_plan = factory.SubFactory(DistrictPlanFactory)
    theme = factory.SubFactory(FocusThemeFactory)
    order = factory.Sequence(lambda n: n + 1)


class DevelopmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Development

    district_plan = factory.SubFactory(DistrictPlanFactory)
    order = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Ontwikkeling {n}")


class BaselineNormFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BaselineNorm

    district_plan = factory.SubFactory(DistrictPlanFactory)
    order = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Norm {n}")


class BaselineAssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BaselineAssessment

    norm = factory.SubFactory(BaselineNormFactory)
    municipality = factory.SubFactory(
        MunicipalityFactory, district=factory.SelfAttribute("..norm.district_plan.district")
    )
    assessed_on = datetime.date(2024, 1, 15)
    status = BaselineAssessment.Status.PARTLY


class ResilienceScanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResilienceScan

    municipality = factory.SubFactory(MunicipalityFactory)
    year = 2024
    is_delivered = True
    delivered_on = datetime.date(2024, 5, 1)


class CommonThreadsReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommonThreadsReport

    district = factory.SubFactory(DistrictFactory)
    year = 2024
    due_quarter = 4
