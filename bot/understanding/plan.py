"""The QueryPlan: one shared language for a question.

The parser fills it, follow-ups edit it, clarifications ask about it, the builder turns it into
SQL, the answer explains it, and an LLM may fill it later. It is plain data that round-trips
through JSON (``to_dict`` / ``from_dict``) so a conversation can keep it in the state store.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from bot.understanding.time_words import TimeRange

PlanKind = Literal["aggregate", "list"]
Direction = Literal["asc", "desc"]
FILTER_OPS = frozenset({"=", "!=", "in", "not in", ">", ">=", "<", "<=", "is null", "is not null"})
GRAINS = ("hour", "day", "week", "month", "quarter", "year", "weekday")


@dataclass(frozen=True)
class Measure:
    """One number an answer reports: a model metric or an aggregate over one column."""

    key: str  # the metric name, or "<agg>:<table>.<column>"
    label: str  # "orders", "sales", "average price"
    expr: str  # SQL over qualified identifiers only, e.g. "SUM(orders.total)"
    tables: tuple[str, ...]  # the tables the expression reads
    format: str = "number"  # money, count, number, percent


@dataclass(frozen=True)
class Dimension:
    """A breakdown: a column (``categories.name``) or a time column at a grain."""

    column: str
    label: str
    grain: str | None = None
    key: str | None = None  # also grouped by (a person's id), so namesakes stay apart


@dataclass(frozen=True)
class Filter:
    """``column op value``; values always become bound parameters."""

    column: str
    op: str
    value: Any = None
    label: str = ""
    default: bool = False  # a business default ("completed orders") rather than the user's words
    style: str = "for"  # how answers word it: "for Caesar Salad", "at Pebble Creek", "adjective"

    def __post_init__(self) -> None:
        if self.op not in FILTER_OPS:
            raise ValueError(f"unknown filter operator {self.op!r}")


@dataclass(frozen=True)
class OrderBy:
    key: str  # a measure key, a dimension column, or a listed column
    direction: Direction = "desc"


@dataclass(frozen=True)
class QueryPlan:
    """What to compute: measures by dimensions, under filters, over a time range."""

    subject: str  # the table the question is about (the root of the joins)
    kind: PlanKind = "aggregate"
    measures: tuple[Measure, ...] = ()
    dimensions: tuple[Dimension, ...] = ()
    filters: tuple[Filter, ...] = ()
    time_column: str | None = None
    time_range: TimeRange | None = None
    columns: tuple[str, ...] = ()  # shown columns of a listing
    order_by: tuple[OrderBy, ...] = ()
    limit: int | None = None
    compare_to: TimeRange | None = None
    notes: tuple[str, ...] = field(default=())
    label: str = ""  # how answers name the subject ("opening hours"); the table name if empty

    # -- editing (follow-ups) ------------------------------------------------------------------

    def with_time_range(self, time_range: TimeRange | None) -> QueryPlan:
        return replace(self, time_range=time_range, compare_to=None)

    def with_dimension(self, dimension: Dimension) -> QueryPlan:
        kept = tuple(d for d in self.dimensions if d.column != dimension.column)
        return replace(self, dimensions=(*kept, dimension))

    def with_filter(self, new: Filter, *, replace_same_column: bool = True) -> QueryPlan:
        kept = tuple(
            f for f in self.filters if not (replace_same_column and f.column == new.column)
        )
        return replace(self, filters=(*kept, new))

    def without_filters_on(self, column: str) -> QueryPlan:
        return replace(self, filters=tuple(f for f in self.filters if f.column != column))

    # -- words ---------------------------------------------------------------------------------

    def describe(self) -> str:
        """The plan in words: "orders by category, for Caesar Salad, last week (Jun 2–8)"."""
        if self.kind == "list":
            head = f"{self.subject.replace('_', ' ')}"
        else:
            head = " and ".join(m.label for m in self.measures) or "rows"
        parts = [head]
        if self.dimensions:
            parts.append("by " + " and ".join(d.label for d in self.dimensions))
        shown = filter_words(self.filters)
        if shown:
            parts.append(shown)
        if self.time_range is not None:
            parts.append(self.time_range.label)
        if self.compare_to is not None:
            parts.append(f"compared with {self.compare_to.label}")
        if self.limit is not None and self.order_by:
            direction = "top" if self.order_by[0].direction == "desc" else "bottom"
            parts.insert(0, f"{direction} {self.limit}:")
        return " ".join(parts[:1]) + (", " if len(parts) > 1 else "") + ", ".join(parts[1:])

    # -- storage -------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["time_range"] = self.time_range.to_dict() if self.time_range else None
        data["compare_to"] = self.compare_to.to_dict() if self.compare_to else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QueryPlan:
        return cls(
            subject=data["subject"],
            kind=data.get("kind", "aggregate"),
            measures=tuple(
                Measure(**{**m, "tables": tuple(m["tables"])}) for m in data.get("measures", ())
            ),
            dimensions=tuple(Dimension(**d) for d in data.get("dimensions", ())),
            filters=tuple(
                Filter(**{**f, "value": _tuple_if_list(f.get("value"))})
                for f in data.get("filters", ())
            ),
            time_column=data.get("time_column"),
            time_range=TimeRange.from_dict(data["time_range"]) if data.get("time_range") else None,
            columns=tuple(data.get("columns", ())),
            order_by=tuple(OrderBy(**o) for o in data.get("order_by", ())),
            limit=data.get("limit"),
            compare_to=TimeRange.from_dict(data["compare_to"]) if data.get("compare_to") else None,
            notes=tuple(data.get("notes", ())),
            label=data.get("label", ""),
        )


def filter_words(filters: tuple[Filter, ...]) -> str:
    """ "for Caesar Salad at Pebble Creek Golf Club": the user's filters as words."""
    words = []
    grouped: dict[str, list[str]] = {}
    for flt in filters:
        if flt.label and not flt.default and flt.style != "adjective":
            grouped.setdefault(flt.style, []).append(flt.label)
    for style, labels in grouped.items():
        words.append(f"{style} {' and '.join(labels)}")
    return " ".join(words)


def adjectives(filters: tuple[Filter, ...]) -> str:
    """ "completed delivery": coded filters read best before the noun."""
    return " ".join(f.label.lower() for f in filters if f.style == "adjective" and not f.default)


def _tuple_if_list(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value
