"""Amounts the Dutch way: 1.378.037, -12.500, "-" for zero and "pm" for not yet known."""

from __future__ import annotations


def format_amount(value: int | None) -> str:
    if value is None:
        return "pm"
    if value == 0:
        return "-"
    return f"{value:,}".replace(",", ".")
