"""A reader who may only look; the Jaarplan 2024 as published is `plan_2024` of tests/conftest.py."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from budget.models import CostLine
from strategy.models import AnnualPlan


@pytest.fixture
def reader(django_user_model: Any, client: Client) -> Client:
    """A logged-in user without any role or staff status: reading the budget needs only a login."""
    client.force_login(django_user_model.objects.create_user(username="lezer", password="x"))
    return client


def cost_line(plan: AnnualPlan, label: str, category: str | None = None) -> CostLine:
    """A cost line by its label; two parts of 4.1 share a label, so `category` can tell them apart."""
    lines = CostLine.objects.filter(plan=plan, label=label)
    return lines.get(category=category) if category else lines.get()
