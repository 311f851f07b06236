"""Today's date and calendar quarters: one clock for every page, so tests can fix it in one place."""

from __future__ import annotations

import calendar
import datetime

from django.utils import timezone

# What is dated by what someone saw (a progress update, a stand of basis op orde) cannot lie ahead.
FUTURE_DATE = "De datum ligt in de toekomst; vul vandaag of een eerdere datum in."


def today() -> datetime.date:
    return timezone.localdate()


def quarter_end(year: int, quarter: int) -> datetime.date:
    month = 3 * quarter
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def quarter_of(day: datetime.date) -> tuple[int, datetime.date, datetime.date]:
    """The calendar quarter of `day`: its number, first and last day."""
    quarter = (day.month - 1) // 3 + 1
    return quarter, datetime.date(day.year, 3 * quarter - 2, 1), quarter_end(day.year, quarter)
