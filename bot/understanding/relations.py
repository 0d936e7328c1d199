"""How the model's tables relate, as the planner asks it: where a table's time lives, which
column is its amount, which tables sit above or below which."""

from __future__ import annotations

from collections import deque

from bot.understanding.model import SemanticModel


def time_column(model: SemanticModel, table: str) -> str | None:
    """The time column of ``table``, else of the nearest table it references."""
    queue, seen = deque([table]), {table}
    while queue:
        current = queue.popleft()
        found = model.time_column_of(current)
        if found:
            return found
        for column in model.tables[current].columns.values():
            if column.foreign_key and column.foreign_key[0] not in seen:
                seen.add(column.foreign_key[0])
                queue.append(column.foreign_key[0])
    return None


def amount_column(model: SemanticModel, table: str) -> str | None:
    spec = model.tables.get(table)
    if spec is None:
        return None
    money = [c for c in spec.columns.values() if c.format == "money"]
    return money[0].qualified if money else None


def is_above(model: SemanticModel, upper: str, lower: str) -> bool:
    """Whether ``lower`` references ``upper`` through foreign keys (directly or not)."""
    queue, seen = deque([lower]), {lower}
    while queue:
        current = queue.popleft()
        for column in model.tables[current].columns.values():
            ref = column.foreign_key[0] if column.foreign_key else None
            if ref == upper:
                return True
            if ref and ref not in seen:
                seen.add(ref)
                queue.append(ref)
    return False


def named_child(model: SemanticModel, table: str) -> str | None:
    for other in model.tables.values():
        for column in other.columns.values():
            if column.foreign_key and column.foreign_key[0] == table and other.shown_columns:
                return other.name
    return None


def describes_unit(model: SemanticModel, column: str) -> bool:
    """Whether a column describes what was sold (an item, its category...), not the sale."""
    table = column.partition(".")[0]
    sold = model.metrics.get(model.roles.get("units_sold", ""))
    sales = model.metrics.get(model.roles.get("sales", ""))
    if sold is None or table not in model.tables:
        return False
    path = model.join_path(sold.table, table) or ()
    sale_table = sales.table if sales else None
    return bool(path) and path[0].table != sale_table and table != model.scope_table
