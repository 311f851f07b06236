"""Amounts the Dutch way: 1.378.037, -12.500, "-" for zero and "pm" for not yet known."""

from __future__ import annotations


def format_amount(value: int | None) -> str:
    if value is None:
        return "pm"
    if value == 0:
        return "-"
    return f"{value:,}".replace(",", ".")


def format_difference(value: int) -> str:
    """A check's outcome in words: "klopt", or "verschil -12.500" / "verschil +10.000"."""
    if value == 0:
        return "klopt"
    sign = "+" if value > 0 else ""
    return f"verschil {sign}{format_amount(value)}"
