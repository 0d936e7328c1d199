"""The one line under every answer: what was counted, for when, by what, and what was left out.

"Counted completed orders · last week (Jun 2–8) · by location · top 5 · ranked by orders".
Built from the plan (and the interpretation's ignored words) only, with the model's words:
a default filter on a coded column reads as its code ("completed"), a user's filter as said.
"""

from __future__ import annotations

from bot.understanding.interpretation import Interpretation
from bot.understanding.model import SemanticModel
from bot.understanding.plan import Filter, QueryPlan, adjectives, filter_words

SEPARATOR = " · "


def explain(
    plan: QueryPlan, model: SemanticModel, interpretation: Interpretation | None = None
) -> str:
    """The plan in one line; words the answer left out (typos of nothing) are named at the end."""
    parts = [_head(plan, model)]
    said = filter_words(plan.filters)
    if said:
        parts.append(said)
    if plan.time_range is not None:
        parts.append(plan.time_range.label)
    elif plan.time_column is not None and plan.kind == "aggregate":
        parts.append("all time")
    if plan.compare_to is not None:
        parts.append(f"vs {plan.compare_to.label}")
    if plan.dimensions:
        parts.append("by " + " and ".join(_dimension_words(plan, model)))
    if plan.limit is not None and plan.order_by:
        end = "top" if plan.order_by[0].direction == "desc" else "bottom"
        parts.append(f"{end} {plan.limit}")
    if plan.order_by and (plan.limit is not None or (plan.dimensions and plan.kind == "aggregate")):
        ranked = _order_label(plan, plan.order_by[0].key)
        if ranked:
            parts.append(f"ranked by {ranked}")
    if interpretation is not None and interpretation.ignored:
        parts.append("ignored: " + ", ".join(f"“{w}”" for w in interpretation.ignored))
    return SEPARATOR.join(p for p in parts if p)


def _head(plan: QueryPlan, model: SemanticModel) -> str:
    """ "Counted completed orders", "Sales of completed orders", "Listed items"."""
    rows = " ".join(w for w in (adjectives(plan.filters), _defaults(plan.filters, model)) if w)
    if plan.kind == "list":
        spec = model.tables.get(plan.subject)
        label = plan.label or (spec.label if spec else plan.subject.replace("_", " "))
        return f"Listed {(rows + ' ') if rows else ''}{label}"
    heads = []
    of = _rows_of(plan, model)
    for measure in plan.measures:
        label = measure.label
        verb = "Counted " if measure.format == "count" else ""
        if not rows:
            heads.append(f"{verb}{label}")
        elif label.split()[-1] == of.split()[-1]:
            fresh = " ".join(w for w in rows.split() if w not in label.split())
            heads.append(f"{verb}{fresh + ' ' if fresh else ''}{label}")  # "completed orders"
        else:
            heads.append(f"{verb}{label} of {rows} {of}")  # "items sold of completed orders"
    heads = [head[:1].upper() + head[1:] if i == 0 else head for i, head in enumerate(heads)]
    return " and ".join(heads) or "Rows"


def _defaults(filters: tuple[Filter, ...], model: SemanticModel) -> str:
    """The business defaults that have a word: ``status = 7`` reads "completed"."""
    words = []
    for flt in filters:
        if not flt.default or flt.op != "=":
            continue
        table, _, name = flt.column.partition(".")
        spec = model.tables.get(table)
        column = spec.columns.get(name) if spec else None
        word = column.codes.get(flt.value) if column is not None else None
        if word and word.lower() not in words:
            words.append(word.lower())
    return " ".join(words)


def _rows_of(plan: QueryPlan, model: SemanticModel) -> str:
    """What the default filters are about: the label of the table they are on."""
    for flt in plan.filters:
        if flt.default:
            spec = model.tables.get(flt.column.partition(".")[0])
            if spec is not None:
                return spec.label
    spec = model.tables.get(plan.subject)
    return spec.label if spec else plan.subject


def _order_label(plan: QueryPlan, key: str) -> str:
    for measure in plan.measures:
        if measure.key == key:
            return measure.label
    for dimension in plan.dimensions:
        if dimension.column == key:
            return dimension.label
    return key.partition(".")[2].replace("_", " ")  # a listed column: "ranked by price"


def _dimension_words(plan: QueryPlan, model: SemanticModel) -> list[str]:
    """ "customer" for the first and last name columns that together name a customer."""
    words: list[str] = []
    for dimension in plan.dimensions:
        table, _, column = dimension.column.partition(".")
        spec = model.tables.get(table)
        if (
            spec is not None
            and column in spec.shown_columns
            and (len(spec.shown_columns) > 1 or column == dimension.label.replace(" ", "_"))
        ):  # "by customer" for first and last name, "by doctor" for a doctor's name
            word = spec.label[:-1] if spec.label.endswith("s") else spec.label
        else:
            word = dimension.label
        if word not in words:
            words.append(word)
    return words
