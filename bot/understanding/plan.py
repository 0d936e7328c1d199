"""The QueryPlan: one shared language for a question.

The parser fills it, follow-ups edit it, clarifications ask about it, the builder turns it into
SQL, the answer explains it, and an LLM may fill it later. It is plain data that round-trips
through JSON (``to_dict`` / ``from_dict``, a versioned :class:`PlanRecord`) so a conversation can
keep it in the state store.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Final, Literal

from pydantic import field_validator

from bot.records import JsonValue, Record, load_record
from bot.understanding.time_words import TimeRange, TimeRangeRecord

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
        """The plan as a JSON-ready :class:`PlanRecord` (with its version, ``"v"``)."""
        return PlanRecord.model_validate(self).model_dump(mode="json")

    @classmethod
    def from_dict(cls, data: Any) -> QueryPlan:
        """The plan a :meth:`to_dict` of this version wrote; StaleRecordError for any other."""
        return load_record(PlanRecord, data, "plan").to_plan()


def filter_words(filters: tuple[Filter, ...]) -> str:
    """ "for Caesar Salad at Pebble Creek Golf Club": the user's filters as words."""
    words = []
    grouped: dict[str, list[str]] = {}
    for flt in filters:
        if flt.label and not flt.default and flt.style != "adjective":
            grouped.setdefault(flt.style, []).append(flt.label)
    for style, labels in grouped.items():
        said = [f"not {style} {label[4:]}" if label.startswith("not ") else "" for label in labels]
        if all(said):  # "not at Oak Hollow", not "at not Oak Hollow"
            words.append(" and ".join(said))
        else:
            words.append(f"{style} {' and '.join(labels)}")
    return " ".join(words)


def adjectives(filters: tuple[Filter, ...]) -> str:
    """ "completed delivery": coded filters read best before the noun."""
    return " ".join(f.label.lower() for f in filters if f.style == "adjective" and not f.default)


# -- records (the stored shape) ------------------------------------------------------------------

PLAN_VERSION: Final = 1  # bump when the stored shape changes: older plans are dropped, not misread


class MeasureRecord(Record):
    key: str
    label: str
    expr: str
    tables: tuple[str, ...]
    format: str = "number"


class DimensionRecord(Record):
    column: str
    label: str
    grain: str | None = None
    key: str | None = None


class FilterRecord(Record):
    column: str
    op: str
    value: JsonValue = None
    label: str = ""
    default: bool = False
    style: str = "for"

    @field_validator("op")
    @classmethod
    def _known_op(cls, op: str) -> str:
        if op not in FILTER_OPS:
            raise ValueError(f"unknown filter operator {op!r}")
        return op

    def to_filter(self) -> Filter:
        value = tuple(self.value) if isinstance(self.value, list) else self.value
        return Filter(self.column, self.op, value, self.label, self.default, self.style)


class OrderByRecord(Record):
    key: str
    direction: Direction = "desc"


class PlanRecord(Record):
    """A :class:`QueryPlan` as the state store keeps it (context, clarifications, query log)."""

    v: Literal[1] = PLAN_VERSION
    subject: str
    kind: PlanKind = "aggregate"
    measures: tuple[MeasureRecord, ...] = ()
    dimensions: tuple[DimensionRecord, ...] = ()
    filters: tuple[FilterRecord, ...] = ()
    time_column: str | None = None
    time_range: TimeRangeRecord | None = None
    columns: tuple[str, ...] = ()
    order_by: tuple[OrderByRecord, ...] = ()
    limit: int | None = None
    compare_to: TimeRangeRecord | None = None
    notes: tuple[str, ...] = ()
    label: str = ""

    def to_plan(self) -> QueryPlan:
        def span(record: TimeRangeRecord | None) -> TimeRange | None:
            return None if record is None else record.to_range()

        return QueryPlan(
            subject=self.subject,
            kind=self.kind,
            measures=tuple(Measure(**m.model_dump()) for m in self.measures),
            dimensions=tuple(Dimension(**d.model_dump()) for d in self.dimensions),
            filters=tuple(f.to_filter() for f in self.filters),
            time_column=self.time_column,
            time_range=span(self.time_range),
            columns=self.columns,
            order_by=tuple(OrderBy(**o.model_dump()) for o in self.order_by),
            limit=self.limit,
            compare_to=span(self.compare_to),
            notes=self.notes,
            label=self.label,
        )
