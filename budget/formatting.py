"""Amounts the Dutch way: 1.378.037, -12.500, "-" for zero and "pm" for not yet known.

The formatter itself lives in core.formatting, so pages outside the budget (the adoption checks,
the history pages) show amounts exactly as the budget does.
"""

from __future__ import annotations

from core.formatting import format_amount, format_difference

__all__ = ["format_amount", "format_difference"]
