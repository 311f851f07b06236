"""The year switch every year-bound page shows: the same page for each plan that exists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from .models import AnnualPlan


@dataclass(frozen=True)
class YearLink:
    year: int
    url: str
    current: bool
    concept: bool


def year_links(view_name: str, current: int | None, *args: Any) -> list[YearLink]:
    """Links to `view_name` for every plan year, newest first (one query); `args` follow the year."""
    plans = AnnualPlan.objects.order_by("-year").values_list("year", "status")
    return [
        YearLink(year, reverse(view_name, args=[year, *args]), year == current, status == AnnualPlan.Status.CONCEPT)
        for year, status in plans
    ]
