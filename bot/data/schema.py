"""Typed description of a database schema, read by ``DataAccess.get_schema_async``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    Numeric,
    String,
    Text,
    Time,
    inspect,
)
from sqlalchemy.engine import Connection
from sqlalchemy.engine.reflection import Inspector
from sqlalchemy.types import TypeEngine

# Broad kinds of column, enough for the semantic model to decide what a column can mean.
KIND_BY_TYPE: tuple[tuple[type[TypeEngine[Any]], str], ...] = (
    (Boolean, "boolean"),
    (Integer, "integer"),
    (Numeric, "number"),
    (Float, "number"),
    (DateTime, "datetime"),
    (Date, "date"),
    (Time, "time"),
    (String, "text"),
    (Text, "text"),
)


def column_kind(column_type: TypeEngine[Any]) -> str:
    """The broad kind of a column type: text, integer, number, boolean, datetime, date, time."""
    for sa_type, kind in KIND_BY_TYPE:
        if isinstance(column_type, sa_type):
            return kind
    return "other"


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    type: str
    kind: str
    nullable: bool
    primary_key: bool = False


@dataclass(frozen=True)
class ForeignKeyInfo:
    columns: tuple[str, ...]
    referred_table: str
    referred_columns: tuple[str, ...]


@dataclass(frozen=True)
class TableInfo:
    name: str
    columns: tuple[ColumnInfo, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKeyInfo, ...] = ()
    is_view: bool = False

    def column(self, name: str) -> ColumnInfo | None:
        return next((c for c in self.columns if c.name == name), None)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


@dataclass(frozen=True)
class SchemaInfo:
    dialect: str
    tables: dict[str, TableInfo] = field(default_factory=dict)

    def table(self, name: str) -> TableInfo | None:
        return self.tables.get(name)


def reflect_schema(connection: Connection, schema: str | None = None) -> SchemaInfo:
    """Read tables, views, columns, keys and foreign keys through SQLAlchemy's inspector."""
    inspector: Inspector = inspect(connection)
    tables: dict[str, TableInfo] = {}
    names = [(n, False) for n in inspector.get_table_names(schema=schema)]
    names += [(n, True) for n in inspector.get_view_names(schema=schema)]
    for name, is_view in sorted(names):
        primary = tuple(
            inspector.get_pk_constraint(name, schema=schema).get("constrained_columns") or ()
        )
        columns = tuple(
            ColumnInfo(
                name=col["name"],
                type=str(col["type"]),
                kind=column_kind(col["type"]),
                nullable=bool(col.get("nullable", True)),
                primary_key=col["name"] in primary,
            )
            for col in inspector.get_columns(name, schema=schema)
        )
        foreign = tuple(
            ForeignKeyInfo(
                columns=tuple(fk["constrained_columns"]),
                referred_table=fk["referred_table"],
                referred_columns=tuple(fk["referred_columns"]),
            )
            for fk in inspector.get_foreign_keys(name, schema=schema)
        )
        tables[name] = TableInfo(name, columns, primary, foreign, is_view)
    return SchemaInfo(dialect=connection.dialect.name, tables=tables)
