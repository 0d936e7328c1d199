"""The semantic model: what the tables, columns and numbers of a database mean.

Derived from the live schema (tables, columns, types, foreign keys and a sample of distinct values
of short text columns) and refined by an optional YAML file (synonyms, metrics, default filters,
time columns, display names, the scope column). With no YAML at all, table and column names,
foreign keys and sampled values are enough for simple questions.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.data.access import DataAccess
from bot.data.schema import SchemaInfo, TableInfo
from bot.errors import ConfigError
from bot.understanding.model_file import (
    ROLE_KINDS,
    check_names,
    model_error,
    read_model_file,
    validate_model_file,
)
from bot.understanding.plan import Filter
from bot.understanding.time_settings import TimeSettings, time_settings, zone_column

NAME_COLUMNS = ("name", "title", "label", "display_name", "full_name", "username")
TIME_NAME_PATTERN = re.compile(r"(^|_)(at|date|datetime|timestamp|on)$|^(created|updated)_")
MAX_SAMPLED_VALUES = 1000
MAX_NAMESAKE_ROWS = 5000  # rows sharing a name read when the model loads (per table)
MAX_VALUE_LENGTH = 60
MAX_ZONE_ROWS = 100_000  # rows of the time.timezone column read when the model loads


@lru_cache(maxsize=8192)
def singular(word: str) -> str:
    """A crude singular for table names and entity words (``categories`` → ``category``)."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def humanize(name: str) -> str:
    return name.replace("_", " ").strip()


@dataclass
class ColumnSpec:
    table: str
    name: str
    kind: str  # from the schema: text, integer, number, boolean, datetime, date, time, other
    label: str
    synonyms: tuple[str, ...] = ()
    codes: dict[Any, str] = field(default_factory=dict)  # stored value → its meaning
    code_synonyms: dict[Any, tuple[str, ...]] = field(default_factory=dict)  # other words for it
    format: str | None = None  # money, count, number, percent
    values: tuple[str, ...] = ()  # sampled distinct values (entity matching)
    foreign_key: tuple[str, str] | None = None  # (referred table, referred column)
    sql_type: str = ""  # as the database reports it

    @property
    def qualified(self) -> str:
        return f"{self.table}.{self.name}"

    @property
    def is_numeric(self) -> bool:
        return self.kind in {"integer", "number"} and not self.codes and self.foreign_key is None


@dataclass
class TableSpec:
    name: str
    label: str
    synonyms: tuple[str, ...]
    columns: dict[str, ColumnSpec]
    primary_key: tuple[str, ...]
    time_column: str | None = None
    name_column: str | None = None
    default_filters: tuple[Filter, ...] = ()
    active_filter: Filter | None = None
    display_columns: tuple[str, ...] = ()  # name a row when there is no single name column
    sort_column: str | None = None  # the menu order of rows
    parent: str | None = None  # a fact table whose default filters apply here too
    match_priority: str = "normal"  # "low": its names yield to other tables' ("salmon")

    @property
    def shown_columns(self) -> tuple[str, ...]:
        """The columns that name a row: its name column, else its display columns."""
        if self.name_column:
            return (self.name_column,)
        return self.display_columns

    @property
    def words(self) -> tuple[str, ...]:
        """Every way a question may name this table."""
        base = {self.name, humanize(self.name), self.label, singular(humanize(self.name))}
        base |= {singular(self.label)}
        return tuple(sorted(base | set(self.synonyms), key=len, reverse=True))


@dataclass
class MetricSpec:
    name: str
    expr: str
    label: str
    synonyms: tuple[str, ...]
    format: str
    tables: tuple[str, ...]
    table: str  # the fact table it is measured on (the first table of the expression)
    filters: tuple[Filter, ...] = ()  # part of the metric; they replace defaults on their column
    finer: str | None = None  # the metric to use when rows are split finer (order → item lines)


@dataclass(frozen=True)
class JoinStep:
    """Join ``table`` to the plan: ``table.column = other.other_column``."""

    table: str
    column: str
    other: str
    other_column: str


QUALIFIED = re.compile(r"\b([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)\b", re.IGNORECASE)


@dataclass
class SemanticModel:
    dialect: str
    tables: dict[str, TableSpec]
    metrics: dict[str, MetricSpec] = field(default_factory=dict)
    scope_table: str | None = None
    scope_column: str | None = None
    description: str = ""
    generic_words: frozenset[str] = frozenset()  # words too common to identify a value alone
    state_words: dict[str, tuple[str, ...]] = field(default_factory=dict)  # active, inactive...
    roles: dict[str, str] = field(default_factory=dict)  # sales, units_sold, unit, hours, ...
    time: TimeSettings = field(default_factory=TimeSettings)  # week start and time zones
    overlay: dict[str, Any] = field(default_factory=dict, repr=False)  # the YAML as read
    # where each name of a table under the scope table is found: column -> value -> scope names
    available_at: dict[str, dict[str, frozenset[str]]] = field(default_factory=dict, repr=False)
    # rows that share a name: table -> lower-cased shown values -> ((key, what tells it apart), ...)
    namesakes: dict[str, dict[tuple[str, ...], tuple[tuple[Any, str], ...]]] = field(
        default_factory=dict, repr=False
    )
    _paths: dict[tuple[str, str], tuple[JoinStep, ...] | None] = field(
        default_factory=dict, repr=False
    )

    def column(self, qualified: str) -> ColumnSpec:
        table, _, name = qualified.partition(".")
        return self.tables[table].columns[name]

    def count_metric(self, table: str) -> str | None:
        """The metric that counts rows of ``table``, if the model has one."""
        pk = self.tables[table].primary_key
        wanted = {f"COUNT(DISTINCT {table}.{pk[0]})", f"COUNT({table}.{pk[0]})"} if pk else set()
        return next(
            (m.name for m in self.metrics.values() if m.expr in wanted and not m.filters), None
        )

    def time_column_of(self, table: str) -> str | None:
        spec = self.tables.get(table)
        if spec is None or spec.time_column is None:
            return None
        return f"{table}.{spec.time_column}"

    def join_path(self, start: str, goal: str) -> tuple[JoinStep, ...] | None:
        """The shortest chain of foreign-key joins from ``start`` to ``goal`` (either direction)."""
        key = (start, goal)
        if key not in self._paths:
            self._paths[key] = self._search(start, goal)
        return self._paths[key]

    def _edges(self, table: str) -> Iterable[tuple[JoinStep, bool]]:
        """Joins from ``table``: to the tables it references (up) and that reference it (down)."""
        for column in self.tables[table].columns.values():
            if column.foreign_key and column.foreign_key[0] in self.tables:
                yield (
                    JoinStep(column.foreign_key[0], column.foreign_key[1], table, column.name),
                    True,
                )
        for other in self.tables.values():
            for column in other.columns.values():
                if column.foreign_key and column.foreign_key[0] == table:
                    yield JoinStep(other.name, column.name, table, column.foreign_key[1]), False

    def _search(self, start: str, goal: str) -> tuple[JoinStep, ...] | None:
        """Breadth-first, never going down (to referencing rows) after going up.

        Down-then-up paths (orders → order_items → items → categories) keep each joined row
        tied to the row it describes; up-then-down ones (orders → locations → menus →
        categories) would pair an order with every category of its club, so they are used
        only when nothing else connects the two tables.
        """
        if start == goal:
            return ()
        for strict in (True, False):
            queue: deque[tuple[str, bool, tuple[JoinStep, ...]]] = deque([(start, False, ())])
            seen = {(start, False)}
            while queue:
                table, went_up, path = queue.popleft()
                for step, up in self._edges(table):
                    if strict and went_up and not up:
                        continue
                    state = (step.table, went_up or up)
                    if state in seen or any(s.table == step.table for s in path):
                        continue
                    if step.table == goal:
                        return (*path, step)
                    seen.add(state)
                    queue.append((step.table, went_up or up, (*path, step)))
        return None

    def entity_columns(self) -> Iterable[ColumnSpec]:
        for table in self.tables.values():
            for column in table.columns.values():
                if column.values:
                    yield column


def tables_in(expr: str) -> tuple[str, ...]:
    """Tables named by qualified identifiers in an SQL expression, in order of appearance."""
    return tuple(dict.fromkeys(m.group(1) for m in QUALIFIED.finditer(expr)))


# -- building ------------------------------------------------------------------------------------


def _filter_from(spec: Mapping[str, Any], table: str, label: str = "") -> Filter:
    op = str(spec.get("op", "=")).lower()
    return Filter(
        column=f"{table}.{spec['column']}",
        op=op,
        value=spec.get("value"),
        label=label or str(spec.get("label", "")),
        default=True,
    )


def _guess_time_column(table: TableInfo) -> str | None:
    kinds = [c for c in table.columns if c.kind in {"datetime", "date"}]
    named = [c for c in table.columns if TIME_NAME_PATTERN.search(c.name) and c.kind == "text"]
    preferred = [c for c in kinds + named if c.name.startswith("created")]
    candidates = preferred or kinds or named
    return candidates[0].name if candidates else None


MONEY_NAME_PATTERN = re.compile(r"(price|amount|total|cost|fee|tax|tip|revenue|sales|balance)")


def _guess_format(name: str, kind: str) -> str | None:
    if kind == "number" and MONEY_NAME_PATTERN.search(name):
        return "money"
    return None


def _guess_name_column(table: TableInfo) -> str | None:
    names = {c.name: c for c in table.columns if c.kind == "text"}
    return next((n for n in NAME_COLUMNS if n in names), None)


def build_model(
    schema: SchemaInfo,
    overlay: Mapping[str, Any] | None = None,
    values: Mapping[str, Iterable[str]] | None = None,
    zones: Iterable[tuple[Any, Any]] = (),
) -> SemanticModel:
    """The model of ``schema`` refined by the YAML ``overlay``, with sampled ``values``.

    ``zones`` are the (key, zone) rows of the column ``time.timezone`` names, if it names one.
    """
    spec = validate_model_file(overlay or {})
    problems = check_names(spec, schema)
    if problems:
        raise model_error("The semantic model", problems)
    overlay = spec.as_overlay()
    table_overlays: Mapping[str, Any] = overlay.get("tables") or {}
    values = values or {}
    tables: dict[str, TableSpec] = {}
    for name, info in schema.tables.items():
        extra: Mapping[str, Any] = table_overlays.get(name) or {}
        fks = {
            fk.columns[0]: (fk.referred_table, fk.referred_columns[0]) for fk in info.foreign_keys
        }
        column_overlays: Mapping[str, Any] = extra.get("columns") or {}
        columns: dict[str, ColumnSpec] = {}
        for column in info.columns:
            col_extra: Mapping[str, Any] = column_overlays.get(column.name) or {}
            codes = {k: str(v) for k, v in (col_extra.get("codes") or {}).items()}
            code_synonyms = {
                k: tuple(str(w) for w in v)
                for k, v in (col_extra.get("code_synonyms") or {}).items()
            }
            columns[column.name] = ColumnSpec(
                table=name,
                name=column.name,
                kind=column.kind,
                label=str(col_extra.get("label") or humanize(column.name)),
                synonyms=tuple(col_extra.get("synonyms") or ()),
                codes=codes,
                code_synonyms=code_synonyms,
                format=col_extra.get("format") or _guess_format(column.name, column.kind),
                values=tuple(values.get(f"{name}.{column.name}", ())),
                foreign_key=fks.get(column.name),
                sql_type=column.type,
            )
        tables[name] = TableSpec(
            name=name,
            label=str(extra.get("label") or humanize(name)),
            synonyms=tuple(extra.get("synonyms") or ()),
            columns=columns,
            primary_key=info.primary_key,
            time_column=extra.get("time_column", _guess_time_column(info)),
            name_column=extra.get("name_column", _guess_name_column(info)),
            default_filters=tuple(
                _filter_from(f, name) for f in (extra.get("default_filters") or ())
            ),
            active_filter=(
                _filter_from(extra["active_filter"], name, "active")
                if extra.get("active_filter")
                else None
            ),
            display_columns=tuple(extra.get("display_columns") or ()),
            sort_column=extra.get("sort_column"),
            parent=extra.get("parent"),
            match_priority=str(extra.get("match_priority", "normal")),
        )
    metrics = _metrics(overlay.get("metrics") or {}, tables)
    for metric in metrics.values():
        if metric.finer is not None and metric.finer not in metrics:
            raise ConfigError(
                f"Metric {metric.name!r} names an unknown finer metric {metric.finer!r}."
            )
    scope = overlay.get("scope") or {}
    return SemanticModel(
        dialect=schema.dialect,
        tables=tables,
        metrics=metrics,
        scope_table=scope.get("table"),
        scope_column=scope.get("column"),
        description=str(overlay.get("description", "")),
        generic_words=frozenset(str(w).lower() for w in overlay.get("generic_words") or ()),
        state_words={
            kind: tuple(str(w).lower() for w in words or ())
            for kind, words in (overlay.get("state_words") or {}).items()
        },
        roles=_roles(overlay.get("roles") or {}, tables, metrics),
        overlay=overlay,
        time=time_settings(
            overlay.get("time"), schema, scope_table=scope.get("table"), zones=zones
        ),
    )


def _metrics(specs: Mapping[str, Any], tables: Mapping[str, TableSpec]) -> dict[str, MetricSpec]:
    metrics: dict[str, MetricSpec] = {}
    for name, spec in specs.items():
        expr = str(spec["expr"])
        used = tables_in(expr)
        for table, column in QUALIFIED.findall(expr):
            if table not in tables or column not in tables[table].columns:
                raise ConfigError(f"Metric {name!r} uses {table}.{column}, which does not exist.")
        metrics[name] = MetricSpec(
            name=name,
            expr=expr,
            label=str(spec.get("label") or humanize(name)),
            synonyms=tuple(spec.get("synonyms") or ()),
            format=str(spec.get("format") or "number"),
            tables=used,
            table=str(spec.get("table") or used[0]),
            filters=tuple(
                _filter_from(f, str(spec.get("table") or used[0]), str(spec.get("label") or ""))
                for f in spec.get("filters") or ()
            ),
            finer=spec.get("finer"),
        )
    return metrics


def _roles(
    roles: Mapping[str, Any], tables: Mapping[str, TableSpec], metrics: Mapping[str, MetricSpec]
) -> dict[str, str]:
    checked: dict[str, str] = {}
    for role, name in roles.items():
        kind = ROLE_KINDS.get(role)
        known = metrics if kind == "metric" else tables
        if kind is None or str(name) not in known:
            raise ConfigError(f"Role {role!r} of the semantic model names an unknown {name!r}.")
        checked[role] = str(name)
    return checked


def load_overlay(path: Path | None) -> dict[str, Any]:
    """Read and validate a semantic model YAML file (``{}`` when there is none).

    The schema is :mod:`bot.understanding.model_file`; the mapping returned holds the keys the
    file gave, values normalized (``op: IS NULL`` reads ``is null``).
    """
    return read_model_file(path).as_overlay()


# -- loading from a live database ----------------------------------------------------------------


def _sampled_columns(schema: SchemaInfo, overlay: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Text columns whose values people name in questions (names, short labels)."""
    chosen: list[tuple[str, str]] = []
    table_overlays: Mapping[str, Any] = overlay.get("tables") or {}
    for name, info in schema.tables.items():
        extra = table_overlays.get(name) or {}
        wanted = extra.get("value_columns")
        for column in info.columns:
            if wanted is not None:
                if column.name in wanted:
                    chosen.append((name, column.name))
            elif (
                column.kind == "text"
                and not column.primary_key
                and not TIME_NAME_PATTERN.search(column.name)
                and not re.search(
                    r"(email|phone|url|password|token|hash|notes?|description)", column.name
                )
            ):
                chosen.append((name, column.name))
    return chosen


async def load_semantic_model_async(data: DataAccess, path: Path | None = None) -> SemanticModel:
    """Read the schema, sample entity values and apply the YAML at ``path`` (if any)."""
    schema = await data.get_schema_async()
    overlay = load_overlay(path)
    quote = data.quote_identifier
    values: dict[str, list[str]] = {}
    for table, column in _sampled_columns(schema, overlay):
        frame = await data.query_to_dataframe_async(
            f"SELECT DISTINCT {quote(column)} AS v FROM {quote(table)} "
            f"WHERE {quote(column)} IS NOT NULL",
            row_cap=MAX_SAMPLED_VALUES,
        )
        if frame.attrs.get("truncated"):
            continue
        found = [str(v) for v in frame["v"].tolist() if 0 < len(str(v)) <= MAX_VALUE_LENGTH]
        if found:
            values[f"{table}.{column}"] = sorted(found)
    model = build_model(schema, overlay, values, await _zones_async(data, schema, overlay))
    model.namesakes = await _namesakes_async(data, model)
    model.available_at = await _available_at_async(data, model)
    return model


async def _available_at_async(
    data: DataAccess, model: SemanticModel
) -> dict[str, dict[str, frozenset[str]]]:
    """For names of rows under the scope table (an item on a club's menu), the scope rows
    they are found at: one query per such name column, along the foreign keys upward."""
    scope = model.tables.get(model.scope_table or "")
    if scope is None or not scope.name_column:
        return {}
    quote = data.quote_identifier
    found: dict[str, dict[str, frozenset[str]]] = {}
    for table in model.tables.values():
        if table.name == scope.name or not table.name_column:
            continue
        if not table.columns[table.name_column].values:
            continue
        path = _upward(model, table.name, scope.name)
        if not path:
            continue
        joins = " ".join(
            f"JOIN {quote(ref)} ON {quote(ref)}.{quote(ref_column)} = {quote(src)}.{quote(column)}"
            for src, column, ref, ref_column in path
        )
        frame = await data.query_to_dataframe_async(
            f"SELECT DISTINCT {quote(table.name)}.{quote(table.name_column)} AS v, "
            f"{quote(scope.name)}.{quote(scope.name_column)} AS s FROM {quote(table.name)} {joins}",
            row_cap=MAX_SAMPLED_VALUES * 10,
        )
        if frame.attrs.get("truncated"):
            continue
        at: dict[str, set[str]] = {}
        for value, place in frame[["v", "s"]].itertuples(index=False):
            at.setdefault(str(value), set()).add(str(place))
        found[f"{table.name}.{table.name_column}"] = {v: frozenset(p) for v, p in at.items()}
    return found


def _upward(model: SemanticModel, start: str, goal: str) -> list[tuple[str, str, str, str]]:
    """The foreign keys from ``start`` up to ``goal`` (item → category → menu → location)."""
    queue: deque[tuple[str, list[tuple[str, str, str, str]]]] = deque([(start, [])])
    seen = {start}
    while queue:
        table, path = queue.popleft()
        for column in model.tables[table].columns.values():
            if not column.foreign_key or column.foreign_key[0] not in model.tables:
                continue
            ref, ref_column = column.foreign_key
            step = [*path, (table, column.name, ref, ref_column)]
            if ref == goal:
                return step
            if ref not in seen:
                seen.add(ref)
                queue.append((ref, step))
    return []


async def _namesakes_async(
    data: DataAccess, model: SemanticModel
) -> dict[str, dict[tuple[str, ...], tuple[tuple[Any, str], ...]]]:
    """Rows whose names are shared ("Angela Allen" ×3), one query per named table.

    Each gets what tells it apart: its first other value column (an email), else its key.
    """
    quote = data.quote_identifier
    found: dict[str, dict[tuple[str, ...], tuple[tuple[Any, str], ...]]] = {}
    for table in model.tables.values():
        shown = table.shown_columns
        if not shown or len(table.primary_key) != 1 or not table.columns[shown[0]].values:
            continue
        key = table.primary_key[0]
        hint = next(
            (c.name for c in table.columns.values() if c.name not in shown and c.values), None
        ) or next(
            (
                c.name
                for c in table.columns.values()
                if c.name not in shown and c.kind == "text" and c.name != key
            ),
            None,
        )
        names = ", ".join(quote(c) for c in shown)
        same = " AND ".join(f"t.{quote(c)} = d.{quote(c)}" for c in shown)
        extra = f", t.{quote(hint)} AS hint" if hint else ""
        frame = await data.query_to_dataframe_async(
            f"SELECT t.{quote(key)} AS k{extra}, "
            + ", ".join(f"t.{quote(c)} AS n{i}" for i, c in enumerate(shown))
            + f" FROM {quote(table.name)} t JOIN (SELECT {names} FROM {quote(table.name)} "
            f"GROUP BY {names} HAVING COUNT(*) > 1) d ON {same} ORDER BY t.{quote(key)}",
            row_cap=MAX_NAMESAKE_ROWS,
        )
        groups: dict[tuple[str, ...], list[tuple[Any, str]]] = {}
        for row in frame.to_dict("records"):
            name = tuple(str(row[f"n{i}"]).lower() for i in range(len(shown)))
            told = str(row["hint"]) if hint and row.get("hint") is not None else f"#{row['k']}"
            groups.setdefault(name, []).append((_plain(row["k"]), told))
        if groups:
            found[table.name] = {name: tuple(rows) for name, rows in groups.items()}
    return found


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


async def _zones_async(
    data: DataAccess, schema: SchemaInfo, overlay: Mapping[str, Any]
) -> list[tuple[Any, Any]]:
    """The (key, zone) rows of the column ``time.timezone`` names, in key order (one query)."""
    source = zone_column(overlay.get("time"), schema)
    if source is None:
        return []
    quote = data.quote_identifier
    frame = await data.query_to_dataframe_async(
        f"SELECT {quote(source.key)} AS k, {quote(source.column)} AS z "
        f"FROM {quote(source.table)} ORDER BY {quote(source.key)}",
        row_cap=MAX_ZONE_ROWS,
    )
    if frame.attrs.get("truncated"):
        raise ConfigError(
            f"time.timezone: {source.table} has more than {MAX_ZONE_ROWS} rows to read zones from."
        )
    return [(key, zone) for key, zone in frame[["k", "z"]].itertuples(index=False)]
