"""Factories for the strategy app: a strategy long enough for any plan year the tests use."""

from __future__ import annotations

import datetime

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from strategy.models import (
    Action,
    AnnualPlan,
    Goal,
    Phenomenon,
    PlanSection,
    ProgrammeLine,
    ProgressUpdate,
    QuarterClose,
    SectionBlock,
    SentReminder,
    Status,
    Strategy,
)


class StrategyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Strategy

    name = factory.Sequence(lambda n: f"Meerjarenstrategie {n}")
    subtitle = "Samen ondermijning de baas"
    start_year = 2000
    end_year = 2099


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Goal

    strategy = factory.SubFactory(StrategyFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Doel {n} uitgeschreven")
    short_title = factory.Sequence(lambda n: f"doel {n}")


class ProgrammeLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgrammeLine

    strategy = factory.SubFactory(StrategyFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Lijn {n}")


class AnnualPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AnnualPlan

    strategy = factory.SubFactory(StrategyFactory)
    # Unique within a test (none makes 24 plans), in the strategy period and before the 2024 fixture, so that
    # progress dated in the plan's own year is never a date in the future (strategy.services.action_of_year).
    year = factory.Sequence(lambda n: 2000 + n % 24)
    title = factory.LazyAttribute(lambda plan: f"Jaarplan {plan.year}")
    price_compensation = 3


class PlanSectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanSection

    parent = None
    plan = factory.Maybe(
        "parent",
        yes_declaration=factory.SelfAttribute("parent.plan"),
        no_declaration=factory.SubFactory(AnnualPlanFactory),
    )
    order = factory.Sequence(lambda n: n + 1)
    slug = factory.Sequence(lambda n: f"paragraaf-{n}")
    title = factory.Sequence(lambda n: f"Paragraaf {n}")
    body = "Tekst van de paragraaf."


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Action

    section = factory.SubFactory(PlanSectionFactory)
    order = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Actie {n}")
    owner = "RIEC-bureau"
    due_year = 2024
    due_quarter = 2


class ProgressUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgressUpdate

    action = factory.SubFactory(ActionFactory)
    # In the year of the action's plan: an update belongs to the plan of the quarter it reports on.
    date = factory.LazyAttribute(lambda update: datetime.date(update.action.section.plan.year, 3, 1))
    status = Status.ON_TRACK
    percentage = 50
    narrative = "Loopt volgens plan."


class PhenomenonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Phenomenon

    plan = factory.SubFactory(AnnualPlanFactory)
    category = Phenomenon.Category.NEW
    order = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"Fenomeen {n}")


class SectionBlockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SectionBlock

    section = factory.SubFactory(PlanSectionFactory)
    order = factory.Sequence(lambda n: n + 1)
    caption = factory.Sequence(lambda n: f"Figuur {n}")


class QuarterCloseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuarterClose

    plan = factory.SubFactory(AnnualPlanFactory)
    quarter = 1
    closed_at = factory.LazyFunction(timezone.now)


class SentReminderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SentReminder

    user = factory.SubFactory(
        "tests.strategy.factories.UserFactory",
    )
    year = 2024
    quarter = 2
    occasion = SentReminder.Occasion.TWO_WEEKS_BEFORE
    email = factory.LazyAttribute(lambda reminder: f"{reminder.user.username}@riec.test")
    actions = 3


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"gebruiker{n}")
