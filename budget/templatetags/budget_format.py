"""Amounts on the budget pages, the Dutch way (see budget.formatting)."""

from __future__ import annotations

from django import template

from budget.formatting import format_amount, format_difference

register = template.Library()


@register.filter
def amount(value: int | None) -> str:
    """1.378.037, -12.500, "-" for zero, "pm" for not yet known."""
    return format_amount(value)


@register.filter
def difference(value: int) -> str:
    """ "klopt" or "verschil -12.500"."""
    return format_difference(value)
