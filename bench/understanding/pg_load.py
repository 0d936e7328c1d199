"""Load the sample SQLite database into PostgreSQL (``python -m bench.understanding --postgres``).

The 14 sample tables are dropped (if present) and re-created with the same names and columns, with
PostgreSQL types: TIMESTAMP for the ``*_at`` columns, DOUBLE PRECISION for money and rates, TEXT
for names and the ``HH:MM`` opening times, INTEGER for ids, codes and flags; primary and foreign
keys included. Rows are copied with asyncpg's binary COPY (``copy_records_to_table``), then the
same indexes as the SQLite file are built and the tables analysed. Everything runs in one
transaction, so a failed load leaves the database as it was.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

# Table name -> column definitions, in foreign-key order (parents first).
SCHEMA: dict[str, tuple[tuple[str, str], ...]] = {
    "locations": (
        ("id", "INTEGER PRIMARY KEY"),
        ("name", "TEXT NOT NULL UNIQUE"),
        ("timezone", "TEXT NOT NULL"),
        ("tax_rate", "DOUBLE PRECISION NOT NULL"),
        ("active", "INTEGER NOT NULL DEFAULT 1"),
    ),
    "menus": (
        ("id", "INTEGER PRIMARY KEY"),
        ("name", "TEXT NOT NULL"),
        ("location_id", "INTEGER NOT NULL REFERENCES locations (id)"),
        ("disabled", "INTEGER NOT NULL DEFAULT 0"),
    ),
    "categories": (
        ("id", "INTEGER PRIMARY KEY"),
        ("name", "TEXT NOT NULL"),
        ("menu_id", "INTEGER NOT NULL REFERENCES menus (id)"),
        ("disabled", "INTEGER NOT NULL DEFAULT 0"),
        ("seq_num", "INTEGER NOT NULL"),
    ),
    "items": (
        ("id", "INTEGER PRIMARY KEY"),
        ("name", "TEXT NOT NULL"),
        ("description", "TEXT"),
        ("price", "DOUBLE PRECISION NOT NULL"),
        ("category_id", "INTEGER NOT NULL REFERENCES categories (id)"),
        ("disabled", "INTEGER NOT NULL DEFAULT 0"),
        ("seq_num", "INTEGER NOT NULL"),
    ),
    "options": (
        ("id", "INTEGER PRIMARY KEY"),
        ("name", "TEXT NOT NULL"),
        ("item_id", "INTEGER NOT NULL REFERENCES items (id)"),
        ("min", "INTEGER NOT NULL DEFAULT 0"),
        ("max", "INTEGER NOT NULL DEFAULT 1"),
        ("disabled", "INTEGER NOT NULL DEFAULT 0"),
    ),
    "option_items": (
        ("id", "INTEGER PRIMARY KEY"),
        ("name", "TEXT NOT NULL"),
        ("option_id", "INTEGER NOT NULL REFERENCES options (id)"),
        ("price", "DOUBLE PRECISION NOT NULL DEFAULT 0"),
        ("disabled", "INTEGER NOT NULL DEFAULT 0"),
    ),
    "users": (
        ("id", "INTEGER PRIMARY KEY"),
        ("first_name", "TEXT NOT NULL"),
        ("last_name", "TEXT NOT NULL"),
        ("email", "TEXT NOT NULL UNIQUE"),
        ("phone", "TEXT"),
        ("created_at", "TIMESTAMP NOT NULL"),
    ),
    "orders": (
        ("id", "INTEGER PRIMARY KEY"),
        ("customer_id", "INTEGER REFERENCES users (id)"),
        ("location_id", "INTEGER NOT NULL REFERENCES locations (id)"),
        ("status", "INTEGER NOT NULL"),
        ("type", "INTEGER NOT NULL"),
        ("total", "DOUBLE PRECISION NOT NULL"),
        ("tax", "DOUBLE PRECISION NOT NULL"),
        ("tip", "DOUBLE PRECISION NOT NULL DEFAULT 0"),
        ("fee", "DOUBLE PRECISION NOT NULL DEFAULT 0"),
        ("created_at", "TIMESTAMP NOT NULL"),
        ("updated_at", "TIMESTAMP NOT NULL"),
        ("deleted_at", "TIMESTAMP"),
    ),
    "order_items": (
        ("id", "INTEGER PRIMARY KEY"),
        ("order_id", "INTEGER NOT NULL REFERENCES orders (id)"),
        ("item_id", "INTEGER NOT NULL REFERENCES items (id)"),
        ("quantity", "INTEGER NOT NULL"),
        ("unit_price", "DOUBLE PRECISION NOT NULL"),
    ),
    "order_option_items": (
        ("id", "INTEGER PRIMARY KEY"),
        ("order_item_id", "INTEGER NOT NULL REFERENCES order_items (id)"),
        ("option_item_id", "INTEGER NOT NULL REFERENCES option_items (id)"),
        ("price", "DOUBLE PRECISION NOT NULL"),
    ),
    "order_ratings": (
        ("id", "INTEGER PRIMARY KEY"),
        ("order_id", "INTEGER NOT NULL REFERENCES orders (id)"),
        ("created_at", "TIMESTAMP NOT NULL"),
    ),
    "rating_categories": (
        ("id", "INTEGER PRIMARY KEY"),
        ("label", "TEXT NOT NULL UNIQUE"),
    ),
    "order_ratings_feedback": (
        ("id", "INTEGER PRIMARY KEY"),
        ("rating_id", "INTEGER NOT NULL REFERENCES order_ratings (id)"),
        ("category_id", "INTEGER NOT NULL REFERENCES rating_categories (id)"),
        ("value", "INTEGER NOT NULL"),
        ("notes", "TEXT"),
    ),
    "location_hours": (
        ("id", "INTEGER PRIMARY KEY"),
        ("location_id", "INTEGER NOT NULL REFERENCES locations (id)"),
        ("day_of_week", "INTEGER NOT NULL"),
        ("open_time", "TEXT NOT NULL"),
        ("close_time", "TEXT NOT NULL"),
    ),
}

INDEXES: tuple[tuple[str, str], ...] = (
    ("menus", "location_id"),
    ("categories", "menu_id"),
    ("items", "category_id"),
    ("items", "name"),
    ("options", "item_id"),
    ("option_items", "option_id"),
    ("users", "last_name, first_name"),
    ("orders", "created_at"),
    ("orders", "location_id, created_at"),
    ("orders", "status"),
    ("orders", "customer_id"),
    ("order_items", "order_id"),
    ("order_items", "item_id"),
    ("order_option_items", "order_item_id"),
    ("order_option_items", "option_item_id"),
    ("order_ratings", "order_id"),
    ("order_ratings_feedback", "rating_id"),
    ("order_ratings_feedback", "category_id"),
    ("location_hours", "location_id, day_of_week"),
)


def asyncpg_dsn(url: str) -> str:
    """A ``postgresql://`` DSN for asyncpg from any PostgreSQL SQLAlchemy URL."""
    parsed = make_url(url)
    if parsed.get_backend_name() not in {"postgresql", "postgres"}:
        raise ValueError(f"not a PostgreSQL URL: {parsed.render_as_string(hide_password=True)}")
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def _timestamp(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(str(value))


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _converter(definition: str) -> Callable[[Any], Any]:
    kind = definition.split()[0]
    return {"TIMESTAMP": _timestamp, "DOUBLE": _float, "INTEGER": _int}.get(kind, _text)


def read_sqlite(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every sample table's rows, converted to the PostgreSQL column types."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        for table, columns in SCHEMA.items():
            convert = [_converter(definition) for _, definition in columns]
            names = ", ".join(name for name, _ in columns)
            cursor = conn.execute(f"SELECT {names} FROM {table} ORDER BY id")
            rows[table] = [tuple(c(v) for c, v in zip(convert, row, strict=True)) for row in cursor]
    return rows


def _create_statement(table: str, columns: Sequence[tuple[str, str]]) -> str:
    body = ",\n  ".join(f'"{name}" {definition}' for name, definition in columns)
    return f"CREATE TABLE {table} (\n  {body}\n)"


async def load_into_postgres(sqlite_path: Path, url: str) -> dict[str, int]:
    """Replace the sample tables of the PostgreSQL database at ``url`` with the SQLite file's.

    Returns the number of rows copied per table.
    """
    rows = read_sqlite(Path(sqlite_path))
    conn = await asyncpg.connect(asyncpg_dsn(url), timeout=10)
    try:
        async with conn.transaction():
            for table in reversed(SCHEMA):
                await conn.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
            for table, columns in SCHEMA.items():
                await conn.execute(_create_statement(table, columns))
                if rows[table]:
                    await conn.copy_records_to_table(
                        table, records=rows[table], columns=[name for name, _ in columns]
                    )
            for table, columns_text in INDEXES:
                name = "ix_" + table + "_" + "_".join(c.strip() for c in columns_text.split(","))
                await conn.execute(f"CREATE INDEX {name} ON {table} ({columns_text})")
        for table in SCHEMA:
            await conn.execute(f"ANALYZE {table}")
    finally:
        await conn.close()
    return {table: len(table_rows) for table, table_rows in rows.items()}
