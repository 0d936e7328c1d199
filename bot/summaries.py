"""One or two sentences that answer the question: what was counted, over which period.

"709 orders last week (Jun 2–8), 2% less than the week before (May 26 – Jun 1)."
"Sales by location this month (Jun 2025): Oak Hollow Country Club leads with $19,081.30."
"No cancelled orders yesterday (Jun 14)."
"""

from __future__ import annotations

from typing import Any

from bot.formatting import change_words, format_value
from bot.messages import Table
from bot.understanding.plan import QueryPlan, adjectives, filter_words


def _scope_words(plan: QueryPlan) -> str:
    """The filters people asked for and when: " for Caesar Salad last week (Jun 2–8)"."""
    parts = []
    shown = filter_words(plan.filters)
    if shown:
        parts.append(shown)
    if plan.time_range is not None:
        parts.append(plan.time_range.label)
    elif plan.kind == "aggregate" and plan.time_column:
        parts.append("over all time")
    return (" " + " ".join(parts)) if parts else ""


def summarize(plan: QueryPlan, table: Table, compare: Table | None = None) -> str:
    """The answer in words; the table carries the detail."""
    scope = _scope_words(plan)
    if plan.kind == "list":
        subject = plan.label or plan.subject.replace("_", " ")
        noun = " ".join(w for w in (adjectives(plan.filters), subject) if w)
        if not table.rows:
            return f"No {noun}{scope}."
        count = len(table.rows)
        if count == 1 and len(table.columns) <= 4:
            shown = " · ".join(
                format_value(v, c.format) for v, c in zip(table.rows[0], table.columns, strict=True)
            )
            return f"{shown}{scope}." if not plan.filters else f"{shown}."
        more = " (showing the first ones)" if table.truncated else ""
        return f"{count:,} {noun}{scope}{more}."
    if not plan.measures:
        return f"Here is what I found{scope}."
    measure = plan.measures[0]
    label = " ".join(w for w in (adjectives(plan.filters), measure.label) if w)
    if not plan.dimensions:
        value = _first_value(table, measure.key)
        if value in (None, 0):
            return f"No {label}{scope}."
        sentence = _single(label, value, measure.format) + scope
        if compare is not None:
            previous = _first_value(compare, measure.key)
            assert plan.compare_to is not None
            if isinstance(value, int | float) and isinstance(previous, int | float):
                sentence += (
                    f", {change_words(float(value), float(previous))} "
                    f"{plan.compare_to.label} ({format_value(previous, measure.format)})"
                )
        return sentence + "."
    if not table.rows:
        return f"No {label}{scope}."
    dims = " and ".join(d.label for d in plan.dimensions)
    head = f"{label[:1].upper()}{label[1:]} by {dims}{scope}"
    top_row = table.rows[0]
    names = [str(v) for v, c in zip(top_row, table.columns, strict=False) if c.name != measure.key]
    top_value = _first_value(table, measure.key)
    if plan.order_by and plan.limit == 1:
        return f"{head}: {' '.join(names)} with {format_value(top_value, measure.format)}."
    if plan.dimensions[0].grain is not None:
        return f"{head}: {len(table.rows):,} {plan.dimensions[0].label}s."
    leader = "leads" if not plan.order_by or plan.order_by[0].direction == "desc" else "is last"
    return f"{head}: {' '.join(names)} {leader} with {format_value(top_value, measure.format)}."


def _single(label: str, value: Any, fmt: str) -> str:
    shown = format_value(value, fmt)
    if fmt == "count":
        return f"{shown} {label}"
    return f"{label[:1].upper()}{label[1:]}: {shown}"


def _first_value(table: Table, key: str) -> Any:
    if not table.rows:
        return None
    names = table.column_names
    index = names.index(key) if key in names else len(names) - 1
    return table.rows[0][index]
