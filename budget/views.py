"""The budget of a year's plan as bureau staff and the stuurgroep read it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from strategy.models import AnnualPlan
from strategy.navigation import year_links

from .overview import build_budget_overview


@require_GET
def budget_overview(request: HttpRequest, year: int) -> HttpResponse:
    # A login is required by LoginRequiredMiddleware; every logged-in user may read the budget, as the plan itself.
    plan = get_object_or_404(AnnualPlan, year=year)
    links = year_links("budget:overview", plan.year)
    return render(request, "budget/overview.html", {"budget": build_budget_overview(plan), "year_links": links})
