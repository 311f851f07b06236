from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from strategy.models import AnnualPlan, PlanSection

pytestmark = pytest.mark.django_db


def test_load_plan_loads_once_and_keeps_later_edits() -> None:
    call_command("load_plan", stdout=io.StringIO())
    assert AnnualPlan.objects.filter(year=2024).exists()
    section = PlanSection.objects.get(plan__year=2024, slug="kennis-en-kunde")
    section.title = "Bewerkt in de browser"
    section.save()

    out = io.StringIO()
    call_command("load_plan", stdout=out)
    assert "niet opnieuw geladen" in out.getvalue()
    section.refresh_from_db()
    assert section.title == "Bewerkt in de browser"
