"""Numbers and money for people: ``$1,234.50``, ``1,234``, ``8.3%``, ``4.21``."""

from __future__ import annotations

import math
from typing import Any


def format_value(value: Any, fmt: str | None = None) -> str:
    """``value`` as a person reads it, by the column's format (money, count, percent, number)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        if fmt == "money":
            sign = "-" if value < 0 else ""
            return f"{sign}${abs(value):,.2f}"
        if fmt == "percent":
            return f"{value * 100:.1f}%"
        if fmt == "count" or (isinstance(value, int) and fmt in {None, "number"}):
            return (
                f"{round(value):,}"
                if float(value).is_integer() or fmt == "count"
                else f"{value:,.2f}"
            )
        return f"{value:,.2f}"
    return str(value)


def change_words(current: float, previous: float) -> str:
    """``12% more than``, ``3% less than``, ``the same as`` (for comparisons)."""
    if previous == 0:
        return "up from nothing compared with" if current else "the same as"
    change = (current - previous) / abs(previous) * 100
    if abs(change) < 0.5:
        return "about the same as"
    return f"{abs(change):.0f}% {'more' if change > 0 else 'less'} than"
