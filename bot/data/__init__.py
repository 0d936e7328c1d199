"""Data access: pooled async engines, the read-only query path, transactional actions, schema."""

from bot.data.access import ActionResult, ActionStatement, DataAccess
from bot.data.schema import ColumnInfo, ForeignKeyInfo, SchemaInfo, TableInfo

__all__ = [
    "ActionResult",
    "ActionStatement",
    "ColumnInfo",
    "DataAccess",
    "ForeignKeyInfo",
    "SchemaInfo",
    "TableInfo",
]
