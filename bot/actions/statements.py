"""The SQL of an action: the read behind a preview and the verified UPDATEs that carry it out.

Identifiers come only from the model and the catalogue and are quoted by the data source's own
rules; every value (names, ids, old and new values) is a bound parameter. Each UPDATE names its
rows by id *and* by the value they held in the preview, and must touch exactly those rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from bot.actions.catalog import ActionSpec
from bot.actions.paths import upward_path
from bot.actions.preview import RowChange, RowId, Value
from bot.data.access import ActionStatement
from bot.understanding.model import JoinStep, SemanticModel

MAX_ROWS = 200  # one confirmation never changes more rows than a person can check
EXACT_DECIMAL_TYPES = ("NUMERIC", "DECIMAL")

Quote = Callable[[str], str]


def select_rows(
    model: SemanticModel,
    spec: ActionSpec,
    match_table: str,
    names: Sequence[str],
    quote: Quote,
    ids: Sequence[RowId] = (),
) -> tuple[str, dict[str, Any]]:
    """``SELECT`` id, name, context, location, value and matched name of the rows ``names``
    stand for (only those of ``ids``, when given)."""
    table = spec.table
    joins: dict[str, JoinStep] = {}

    def name_of(goal: str) -> str:
        for step in upward_path(model, table, goal) or ():
            joins.setdefault(step.table, step)
        return f"{quote(goal)}.{quote(model.tables[goal].name_column or '')}"

    columns = [
        f"{quote(table)}.{quote(spec.key)} AS row_id",
        f"{quote(table)}.{quote(spec.name_column)} AS row_name",
        f"{quote(table)}.{quote(spec.column)} AS row_value",
    ]
    if spec.context:
        columns.append(f"{name_of(spec.context)} AS row_context")
    order = []
    scope = model.scope_table
    if scope and model.tables[scope].name_column and upward_path(model, table, scope) is not None:
        columns.append(f"{name_of(scope)} AS row_location")
        order.append("row_location")
    matched = name_of(match_table)
    columns.append(f"{matched} AS row_match")
    joined = "".join(
        f" JOIN {quote(s.table)} ON {quote(s.table)}.{quote(s.column)} = "
        f"{quote(s.other)}.{quote(s.other_column)}"
        for s in joins.values()
    )
    params: dict[str, Any] = {f"n{i}": name for i, name in enumerate(names)}
    where = f"{matched} IN ({', '.join(f':{key}' for key in params)})"
    if ids:
        pinned = {f"i{i}": row for i, row in enumerate(ids)}
        where += f" AND {quote(table)}.{quote(spec.key)} IN ({', '.join(f':{k}' for k in pinned)})"
        params.update(pinned)
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(table)}{joined} WHERE {where} "
        f"ORDER BY {', '.join([*order, 'row_name', 'row_id'])} LIMIT {MAX_ROWS + 1}"
    )
    return sql, params


def binder(model: SemanticModel, spec: ActionSpec) -> Callable[[Value], Any]:
    """How to bind a value of ``spec``'s column so that ``=`` compares it exactly.

    PostgreSQL compares a ``numeric`` column with a float parameter by the float's binary value
    (13.95 ≠ 13.9499999…), so exact decimal columns there get :class:`~decimal.Decimal` values.
    """
    column = model.tables[spec.table].columns[spec.column]
    exact = model.dialect == "postgresql" and column.sql_type.upper().startswith(
        EXACT_DECIMAL_TYPES
    )

    def bind(value: Value) -> Any:
        if spec.kind != "number" or value is None or isinstance(value, bool | str):
            return value
        if exact:
            return Decimal(str(value))
        return int(value) if spec.integer else float(value)

    return bind


def updates(
    spec: ActionSpec, changes: Sequence[RowChange], quote: Quote, bind: Callable[[Value], Any]
) -> list[ActionStatement]:
    """One UPDATE per distinct (before, after) pair, each verified by its exact row count."""
    groups: dict[tuple[Any, Any], list[RowChange]] = {}
    for change in changes:
        key = (_key(change.before), _key(change.after))
        groups.setdefault(key, []).append(change)
    table, column, key_column = quote(spec.table), quote(spec.column), quote(spec.key)
    statements = []
    for rows in groups.values():
        params: dict[str, Any] = {f"k{i}": row.id for i, row in enumerate(rows)}
        ids = ", ".join(f":{name}" for name in params)
        params["after"] = bind(rows[0].after)
        if rows[0].before is None:
            held = f"{column} IS NULL"
        else:
            held = f"{column} = :before"
            params["before"] = bind(rows[0].before)
        sql = f"UPDATE {table} SET {column} = :after WHERE {key_column} IN ({ids}) AND {held}"
        statements.append(ActionStatement(sql, params, expected_rows=len(rows)))
    return statements


def _key(value: Value) -> tuple[str, Value]:
    """Group values by type as well (``True`` and ``1`` bind differently)."""
    return (type(value).__name__, value)
