"""The Jaarplan 2024 as published, and a reader who may only look."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from budget.models import CostLine
from strategy.models import AnnualPlan


@pytest.fixture
def plan_2024() -> AnnualPlan:
    call_command("loaddata", "jaarplan_2024", verbosity=0)
    return AnnualPlan.objects.get(year=2024)


@pytest.fixture
def reader(django_user_model: Any, client: Client) -> Client:
    """A logged-in user without any role or staff status: reading the budget needs only a login."""
    client.force_login(django_user_model.objects.create_user(username="lezer", password="x"))
    return client


def cost_line(plan: AnnualPlan, label: str, category: str | None = None) -> CostLine:
    """A cost line by its label; two parts of 4.1 share a label, so `category` can tell them apart."""
    lines = CostLine.objects.filter(plan=plan, label=label)
    return lines.get(category=category) if category else lines.get()
