from __future__ import annotations

from django import template

from budget.formatting import format_amount

register = template.Library()


@register.filter
def amount(value: int | None) -> str:
    """1.378.037, -12.500, "-" for zero, "pm" for not yet known."""
    return format_amount(value)
