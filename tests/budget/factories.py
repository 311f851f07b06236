"""Factories for the budget app; programme lines come from the plan's own strategy."""

from __future__ import annotations

import factory

from budget.models import (
    CostCategory,
    CostGroup,
    CostLine,
    CostSplit,
    FundingSource,
    FundingStream,
    ProgrammeAllocation,
    Spending,
)
from tests.strategy.factories import AnnualPlanFactory, ProgrammeLineFactory


class CostGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CostGroup

    plan = factory.SubFactory(AnnualPlanFactory)
    category = CostCategory.PERSONNEL
    title = factory.Sequence(lambda n: f"Groep {n}")


class CostLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CostLine

    plan = factory.SubFactory(AnnualPlanFactory)
    category = CostCategory.PERSONNEL
    order = factory.Sequence(lambda n: n + 1)
    label = factory.Sequence(lambda n: f"Kostenregel {n}")
    amount = 100_000
    funding_stream = FundingStream.REGULAR


class CostSplitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CostSplit

    cost_line = factory.SubFactory(CostLineFactory)
    programme_line = factory.SubFactory(
        ProgrammeLineFactory, strategy=factory.SelfAttribute("..cost_line.plan.strategy")
    )
    amount = 50_000


class FundingSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundingSource

    plan = factory.SubFactory(AnnualPlanFactory)
    order = factory.Sequence(lambda n: n + 1)
    label = factory.Sequence(lambda n: f"Bijdrage {n}")
    funder = FundingSource.Funder.MUNICIPALITIES
    amount = 250_000


class ProgrammeAllocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgrammeAllocation

    plan = factory.SubFactory(AnnualPlanFactory)
    programme_line = factory.SubFactory(ProgrammeLineFactory, strategy=factory.SelfAttribute("..plan.strategy"))
    year = 2024
    kind = ProgrammeAllocation.Kind.ANNUAL
    amount_thousands = 1_000


class SpendingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Spending

    cost_line = factory.SubFactory(CostLineFactory)
    year = factory.SelfAttribute("cost_line.plan.year")
    quarter = 1
    amount = 25_000
