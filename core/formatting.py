"""Numbers and amounts the Dutch way: 7.843.124, −12.500, 2,50; "-" for a zero amount, "pm" for an unknown one.

One formatter for every page: the budget, the comparison of two plans, the adoption checks and
the history pages all show amounts through these functions, on the web and in print alike.
A negative amount carries a real minus sign (U+2212, as wide as a digit's plus and read aloud as
"min"), never the hyphen; `format_number` keeps the plain hyphen-minus, because its numbers end up
in messages about imported files that people compare with their spreadsheets.
"""

from __future__ import annotations

from decimal import Decimal


def format_number(value: int | Decimal) -> str:
    """Dots between thousands, a comma before decimals: 7843124 -> "7.843.124", Decimal("2.50") -> "2,50"."""
    return f"{value:,}".replace(",", "_").replace(".", ",").replace("_", ".")


MINUS = "\u2212"


def format_amount(value: int | None) -> str:
    """Whole euros on a budget: 1.378.037, −12.500 (U+2212), "-" for zero and "pm" for not yet known."""
    if value is None:
        return "pm"
    if value == 0:
        return "-"
    return MINUS + format_number(-value) if value < 0 else format_number(value)


def format_difference(value: int) -> str:
    """A check's outcome in words: "klopt", or "verschil −12.500" / "verschil +10.000"."""
    if value == 0:
        return "klopt"
    sign = "+" if value > 0 else ""
    return f"verschil {sign}{format_amount(value)}"
