"""QueryPlan → one SQL statement in the data source's dialect, with bound parameters.

Identifiers come only from the semantic model (and are quoted where the dialect needs it);
every value from the user becomes a ``:pN`` parameter. Joins follow foreign keys from the plan's
subject table (``SemanticModel.join_path``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine.interfaces import Dialect

from bot.errors import SqlGenerationError
from bot.understanding.model import QUALIFIED, JoinStep, SemanticModel
from bot.understanding.plan import Dimension, Filter, QueryPlan

DIALECTS: dict[str, Dialect] = {
    "sqlite": sqlite.dialect(),
    "postgresql": postgresql.dialect(),  # type: ignore[no-untyped-call]
}
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# Time grains as SQL over a timestamp expression ``{c}``; weekday numbers are 0 = Monday.
GRAIN_SQL: dict[str, dict[str, str]] = {
    "sqlite": {
        "hour": "CAST(strftime('%H', {c}) AS INTEGER)",
        "day": "date({c})",
        "week": "date({c}, 'weekday 0', '-6 days')",
        "month": "strftime('%Y-%m', {c})",
        "quarter": (
            "strftime('%Y', {c}) || '-Q' || ((CAST(strftime('%m', {c}) AS INTEGER) + 2) / 3)"
        ),
        "year": "strftime('%Y', {c})",
        "weekday_number": "((CAST(strftime('%w', {c}) AS INTEGER) + 6) % 7)",
    },
    "postgresql": {
        "hour": "CAST(EXTRACT(HOUR FROM {c}) AS INTEGER)",
        "day": "to_char({c}, 'YYYY-MM-DD')",
        "week": "to_char(date_trunc('week', {c}), 'YYYY-MM-DD')",
        "month": "to_char({c}, 'YYYY-MM')",
        "quarter": "to_char({c}, 'YYYY') || '-Q' || to_char({c}, 'Q')",
        "year": "to_char({c}, 'YYYY')",
        "weekday_number": "(CAST(EXTRACT(ISODOW FROM {c}) AS INTEGER) - 1)",
    },
}  # fmt: skip


@dataclass(frozen=True)
class BuiltQuery:
    """One statement and its bound parameters (SQLAlchemy ``text()`` style ``:name``)."""

    sql: str
    params: dict[str, Any] = field(default_factory=dict)


class SqlBuilder:
    """Turns plans over one semantic model into SQL for one dialect."""

    def __init__(self, model: SemanticModel, dialect: str | None = None) -> None:
        self.model = model
        self.dialect = dialect or model.dialect
        if self.dialect not in GRAIN_SQL:
            raise SqlGenerationError(f"SQL for the {self.dialect} dialect is not supported yet.")
        self._preparer = DIALECTS[self.dialect].identifier_preparer

    def quote(self, name: str) -> str:
        return str(self._preparer.quote(name))

    def column_sql(self, qualified: str) -> str:
        table, _, column = qualified.partition(".")
        return f"{self.quote(table)}.{self.quote(column)}"

    def expr_sql(self, expr: str) -> str:
        """A model expression (``SUM(orders.total)``) with its identifiers quoted as needed."""
        return QUALIFIED.sub(lambda m: self.column_sql(f"{m.group(1)}.{m.group(2)}"), expr)

    def build(self, plan: QueryPlan) -> BuiltQuery:
        state = _Statement(self)
        select: list[str] = []
        group: list[str] = []
        order: dict[str, str] = {}
        for dim in plan.dimensions:
            for expr, alias, sort in self._dimension(dim, state):
                select.append(f"{expr} AS {self.quote(alias)}")
                group.append(expr)
                order.setdefault(dim.column, sort)
            if dim.key is not None and self.column_sql(dim.key) not in group:
                group.append(self.column_sql(dim.key))
        for measure in plan.measures:
            state.need(*measure.tables)
            select.append(f"{self.expr_sql(measure.expr)} AS {self.quote(measure.key)}")
            order[measure.key] = self.quote(measure.key)
        for column in plan.columns:
            state.need(column.partition(".")[0])
            spec = self.model.column(column)
            alias = column.partition(".")[2]
            expr = self._coded(column) if spec.codes else self.column_sql(column)
            select.append(f"{expr} AS {self.quote(alias)}")
            order[column] = self.quote(alias)
        if not select:
            raise SqlGenerationError("The plan selects nothing.")
        where = [self._filter(f, state) for f in plan.filters]
        if plan.time_range is not None:
            if plan.time_column is None:
                raise SqlGenerationError(f"{plan.subject} has no time column to filter on.")
            state.need(plan.time_column.partition(".")[0])
            column = self._timestamp(plan.time_column)
            start = state.param(self._time_value(plan.time_column, plan.time_range.start))
            end = state.param(self._time_value(plan.time_column, plan.time_range.end))
            where.append(f"{column} >= {start} AND {column} < {end}")
        sql = ("SELECT DISTINCT " if plan.kind == "list" else "SELECT ") + ", ".join(select)
        sql += f" FROM {self.quote(plan.subject)}"
        sql += "".join(state.joins(plan.subject))
        if where:
            sql += " WHERE " + " AND ".join(where)
        if group and plan.measures:
            sql += " GROUP BY " + ", ".join(group)
        ordering = [
            f"{order[o.key]} {o.direction.upper()}" for o in plan.order_by if o.key in order
        ]
        if not ordering and plan.dimensions and plan.measures:
            ordering = self._default_order(plan, order)
        if ordering and plan.measures:
            # Breakdown columns break ties, so every backend returns rows in the same order.
            ordering += [
                f"{order[d.column]} ASC"
                for d in plan.dimensions
                if not any(o.startswith(order[d.column] + " ") for o in ordering)
            ]
        if ordering:
            sql += " ORDER BY " + ", ".join(ordering)
        if plan.limit is not None:
            sql += f" LIMIT {int(plan.limit)}"
        return BuiltQuery(sql, state.params)

    # -- pieces --------------------------------------------------------------------------------

    def _dimension(self, dim: Dimension, state: _Statement) -> list[tuple[str, str, str]]:
        """(expression, alias, sort expression) for each column a breakdown shows."""
        table, _, name = dim.column.partition(".")
        state.need(table)
        if dim.grain is not None:
            source = self._timestamp(dim.column)
            if dim.grain == "weekday":
                number = GRAIN_SQL[self.dialect]["weekday_number"].format(c=source)
                names = " ".join(f"WHEN {i} THEN '{n}'" for i, n in enumerate(WEEKDAY_NAMES))
                return [(f"CASE {number} {names} END", "weekday", f"MIN({number})")]
            expr = GRAIN_SQL[self.dialect][dim.grain].format(c=source)
            return [(expr, dim.grain, expr)]
        spec = self.model.column(dim.column)
        if spec.codes:
            expr = self._coded(dim.column)
            return [(expr, _alias(dim.label), expr)]
        expr = self.column_sql(dim.column)
        return [(expr, _alias(name if name != "name" else dim.label), expr)]

    def _coded(self, qualified: str) -> str:
        """A coded column shown as its words: ``CASE status WHEN 6 THEN 'Cancelled' ... END``."""
        cases = " ".join(
            f"WHEN {_literal(code)} THEN {_literal(label)}"
            for code, label in self.model.column(qualified).codes.items()
        )
        return f"CASE {self.column_sql(qualified)} {cases} END"

    def _filter(self, flt: Filter, state: _Statement) -> str:
        state.need(flt.column.partition(".")[0])
        column = self.column_sql(flt.column)
        if flt.op in {"is null", "is not null"}:
            return f"{column} {flt.op.upper()}"
        if flt.op in {"in", "not in"}:
            values = flt.value if isinstance(flt.value, tuple | list) else (flt.value,)
            names = ", ".join(state.param(v) for v in values)
            return f"{column} {flt.op.upper()} ({names})"
        if flt.op == "!=" and not flt.default:
            return f"({column} != {state.param(flt.value)} OR {column} IS NULL)"
        return f"{column} {flt.op} {state.param(flt.value)}"

    def _timestamp(self, qualified: str) -> str:
        column = self.column_sql(qualified)
        if self.dialect == "postgresql" and self.model.column(qualified).kind == "text":
            return f"CAST({column} AS TIMESTAMP)"
        return column

    def _time_value(self, qualified: str, moment: datetime) -> Any:
        if self.model.column(qualified).kind == "text":
            return moment.strftime("%Y-%m-%d %H:%M:%S")
        return moment

    def _default_order(self, plan: QueryPlan, order: dict[str, str]) -> list[str]:
        first = plan.dimensions[0]
        if first.grain is not None or self.model.column(first.column).codes:
            return [f"{order[d.column]} ASC" for d in plan.dimensions]
        return [f"{order[plan.measures[0].key]} DESC"]


class _Statement:
    """The tables a statement needs and the parameters it binds."""

    def __init__(self, builder: SqlBuilder) -> None:
        self._builder = builder
        self.tables: list[str] = []
        self.params: dict[str, Any] = {}

    def need(self, *tables: str) -> None:
        for table in tables:
            if table not in self.tables:
                self.tables.append(table)

    def param(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def joins(self, subject: str) -> list[str]:
        joined = {subject}
        clauses: list[str] = []
        q = self._builder.quote
        for table in self.tables:
            if table in joined:
                continue
            path: tuple[JoinStep, ...] | None = self._builder.model.join_path(subject, table)
            if path is None:
                raise SqlGenerationError(f"{table} is not connected to {subject}.")
            for step in path:
                if step.table in joined:
                    continue
                clauses.append(
                    f" JOIN {q(step.table)} ON {q(step.table)}.{q(step.column)} = "
                    f"{q(step.other)}.{q(step.other_column)}"
                )
                joined.add(step.table)
        return clauses


def _alias(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_") or "value"


def _literal(value: Any) -> str:
    if isinstance(value, bool | int | float):
        return str(int(value) if isinstance(value, bool) else value)
    return "'" + str(value).replace("'", "''") + "'"
