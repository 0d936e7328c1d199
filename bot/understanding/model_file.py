"""The schema of the semantic model file (``*.swoop.yaml``, documented in the sample's).

The file is parsed here, once, into pydantic models: unknown keys, wrong types and values outside
the known sets are refused with one line per problem naming its dotted path
(``tables.items.columns.price.formt: unknown key (did you mean format?)``), raised as a
:class:`~bot.errors.ConfigError`. What the file names in the database (tables, columns) is
checked later, against the live schema, by :func:`bot.understanding.model.build_model`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from bot.data.schema import SchemaInfo
from bot.errors import ConfigError
from bot.understanding.plan import FILTER_OPS

VERSION = 1
FORMATS = ("money", "count", "number", "percent", "date", "datetime", "time", "text")
MATCH_PRIORITIES = ("normal", "low")
WEEK_STARTS = ("monday", "sunday")
ACTION_KINDS = ("number", "toggle")
ACTION_FORMATS = ("money", "number")
# What each role names: "sales" is a metric, "unit" a table (see the ``roles:`` section).
ROLE_KINDS = {"volume": "metric", "sales": "metric", "units_sold": "metric", "unit_sales": "metric",
              "unit": "table", "hours": "table"}  # fmt: skip
NULL_OPS = frozenset({"is null", "is not null"})
LIST_OPS = frozenset({"in", "not in"})
MAX_PROBLEMS = 5  # listed in one error; the rest are counted
QUALIFIED = re.compile(r"\b([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)\b", re.IGNORECASE)
TAG = "@"  # marks a union member in an error's location; never part of the reported path

SCALARS = (str, int, float, bool, date, datetime, type(None))  # what a filter value may be


# -- building blocks -----------------------------------------------------------------------------


def one_of(values: Iterable[str]) -> AfterValidator:
    """A validator refusing anything outside ``values`` with "must be one of a, b, c"."""
    allowed = tuple(values)

    def check(value: str) -> str:
        if value not in allowed:
            raise PydanticCustomError(
                "one_of", "must be one of {expected}", {"expected": ", ".join(allowed)}
            )
        return value

    return AfterValidator(check)


def _lowered(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _empty_if_none(empty: Callable[[], Any]) -> BeforeValidator:
    """``synonyms:`` with nothing after it (YAML null) means none, as it always has."""
    return BeforeValidator(lambda value: empty() if value is None else value)


def _zone_name(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise PydanticCustomError(
            "zone",
            "'{zone}' is not an IANA time zone name (such as America/New_York)",
            {"zone": value},
        ) from None
    return value


Words = Annotated[list[str], _empty_if_none(list)]
Format = Annotated[str, one_of(FORMATS)]
ZoneName = Annotated[str, AfterValidator(_zone_name)]
Number = Annotated[float, Field(strict=True)]  # 5 and 5.5, not "5" or true


class Section(BaseModel):
    """A mapping of the file: only its own keys (``extra="forbid"``), reported with a hint."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            known = list(cls.model_fields)
            unknown = [(str(k), _hint(str(k), known)) for k in data if k not in cls.model_fields]
            if unknown:
                raise PydanticCustomError("unknown_keys", "unknown key", {"keys": unknown})
        return data


def _hint(key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.7)
    if close:
        return f" (did you mean {close[0]}?)"
    return f" (known keys: {', '.join(known)})"


# -- tables, columns, metrics --------------------------------------------------------------------


class FilterEntry(Section):
    """``{column: status, op: "=", value: 7}``: a column of the table it belongs to."""

    column: str
    op: Annotated[str, BeforeValidator(_lowered), one_of(sorted(FILTER_OPS))] = "="
    value: Any = None
    label: str | None = None

    @field_validator("value")
    @classmethod
    def _plain(cls, value: Any) -> Any:
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(v, SCALARS) for v in items):
            raise PydanticCustomError("value", "must be a plain value or a list of plain values")
        return value

    @model_validator(mode="after")
    def _value_fits_op(self) -> FilterEntry:
        listed = isinstance(self.value, list)
        if self.op in NULL_OPS:
            wrong = f"{self.op} takes no value" if self.value is not None else ""
        elif self.op in LIST_OPS:
            wrong = "" if listed else f"{self.op} needs a list of values"
        else:
            wrong = "" if self.value is not None and not listed else f"{self.op} needs one value"
        if wrong:
            raise PydanticCustomError("problems", "invalid value", {"problems": [("value", wrong)]})
        return self


class ColumnEntry(Section):
    label: str | None = None
    synonyms: Words = []
    description: str | None = None
    codes: Annotated[dict[Any, str], _empty_if_none(dict)] = {}
    code_synonyms: Annotated[dict[Any, Words], _empty_if_none(dict)] = {}
    format: Format | None = None

    @model_validator(mode="after")
    def _synonyms_of_codes(self) -> ColumnEntry:
        stray = [k for k in self.code_synonyms if k not in self.codes]
        if stray:
            raise PydanticCustomError(
                "code_synonyms",
                "code_synonyms name codes that are not in codes: {stray}",
                {"stray": ", ".join(map(str, stray))},
            )
        return self


class TableEntry(Section):
    label: str | None = None
    synonyms: Words = []
    description: str | None = None
    name_column: str | None = None
    value_columns: Words = []
    display_columns: Words = []
    time_column: str | None = None  # null: no time column (none is guessed)
    sort_column: str | None = None
    parent: str | None = None
    default_filters: Annotated[list[FilterEntry], _empty_if_none(list)] = []
    active_filter: FilterEntry | None = None
    match_priority: Annotated[str, one_of(MATCH_PRIORITIES)] = "normal"
    columns: Annotated[dict[str, ColumnEntry], _empty_if_none(dict)] = {}


class MetricEntry(Section):
    expr: str  # SQL over table.column names
    table: str | None = None  # the fact table (default: the first table of expr)
    label: str | None = None
    synonyms: Words = []
    description: str | None = None
    format: Format = "number"
    filters: Annotated[list[FilterEntry], _empty_if_none(list)] = []
    finer: str | None = None  # the metric once rows are split finer

    @property
    def fact_table(self) -> str | None:
        used = QUALIFIED.search(self.expr)
        return self.table or (used.group(1) if used else None)

    @model_validator(mode="after")
    def _names_a_table(self) -> MetricEntry:
        if self.fact_table is None:
            raise PydanticCustomError(
                "problems", "no table", {"problems": [("expr", "names no table.column")]}
            )
        return self


class Scope(Section):
    """The tenant table and the foreign-key column that scopes rows to it."""

    table: str
    column: str


# -- time ----------------------------------------------------------------------------------------


class TimezoneColumn(Section):
    """Each row's zone is in ``table.column``; ``default`` for rows without one."""

    table: str
    column: str
    default: ZoneName | None = None


def _zone_kind(value: Any) -> str | None:
    if isinstance(value, str):
        return f"{TAG}name"
    return f"{TAG}column" if isinstance(value, Mapping | TimezoneColumn) else None


Zone = Annotated[
    Annotated[ZoneName, Tag(f"{TAG}name")] | Annotated[TimezoneColumn, Tag(f"{TAG}column")],
    Discriminator(
        _zone_kind,
        custom_error_type="zone",
        custom_error_message="must be an IANA zone name, or the table and column of each row's",
    ),
]


class TimeSection(Section):
    """How the data's timestamps read: whose clock, and where weeks start."""

    week_start: Annotated[str, BeforeValidator(_lowered), one_of(WEEK_STARTS)] = "monday"
    local_timestamps: bool = True  # stored as local wall-clock time (not UTC)
    timezone: Zone | None = None  # the default zone, or the column holding each row's zone


class StateWords(Section):
    """The data's own words for rows being on or off ("on the menu", "86'd"), beside the general
    English ones Swoop knows (active, enabled, available / disabled, inactive, unavailable)."""

    active: Words = []  # "on the menu": rows whose active_filter holds
    inactive: Words = []  # "off the menu", "86'd": rows whose active_filter does not hold
    turn_off: Words = []  # verbs of a change request: "86 the salmon"
    turn_on: Words = []  # "un-86 the salmon"


# -- actions -------------------------------------------------------------------------------------


class ActionEntry(Section):
    table: str
    column: str | None = None
    label: str | None = None
    group: str | None = None
    context: str | None = None


class NumberAction(ActionEntry):
    """Set a number, or raise / lower it by an amount or a percentage."""

    kind: Annotated[str, one_of(["number"])]
    words: Words = []
    min: Number | None = None
    max: Number | None = None
    decimals: Annotated[int, Field(strict=True, ge=0, le=6)] | None = None
    format: Annotated[str, one_of(ACTION_FORMATS)] | None = None


class ToggleAction(ActionEntry):
    """Turn rows off / on (by default along the table's active_filter column)."""

    kind: Annotated[str, one_of(["toggle"])]
    on: bool | int | str | None = None
    off: bool | int | str | None = None


def _action_kind(value: Any) -> str | None:
    kind = value.get("kind") if isinstance(value, Mapping) else getattr(value, "kind", None)
    return f"{TAG}{kind}" if kind in ACTION_KINDS else None


Action = Annotated[
    Annotated[NumberAction, Tag(f"{TAG}number")] | Annotated[ToggleAction, Tag(f"{TAG}toggle")],
    Discriminator(
        _action_kind,
        custom_error_type="action_kind",
        custom_error_message="must be number or toggle",
    ),
]


# -- the file ------------------------------------------------------------------------------------


class ModelFile(Section):
    """The whole file; every section is optional."""

    version: Annotated[int, Field(strict=True)] = VERSION
    description: str | None = None
    scope: Scope | None = None
    generic_words: Words = []
    examples: Words = []  # example questions, shown by the help text
    roles: Annotated[dict[Annotated[str, one_of(ROLE_KINDS)], str], _empty_if_none(dict)] = {}
    time: TimeSection | None = None
    state_words: StateWords | None = None
    tables: Annotated[dict[str, TableEntry], _empty_if_none(dict)] = {}
    metrics: Annotated[dict[str, MetricEntry], _empty_if_none(dict)] = {}
    actions: Annotated[list[Action], _empty_if_none(list)] = []

    @field_validator("version")
    @classmethod
    def _supported(cls, version: int) -> int:
        if version != VERSION:
            raise PydanticCustomError(
                "version",
                "only version {supported} is understood by this Swoop (the file says {version})",
                {"supported": VERSION, "version": version},
            )
        return version

    @model_validator(mode="after")
    def _metric_names(self) -> ModelFile:
        """Names of metrics inside the file (tables are checked against the database)."""
        problems = [
            (f"metrics.{name}.finer", f"no metric named {m.finer!r}")
            for name, m in self.metrics.items()
            if m.finer is not None and m.finer not in self.metrics
        ]
        problems += [
            (f"roles.{role}", f"no metric named {name!r}")
            for role, name in self.roles.items()
            if ROLE_KINDS[role] == "metric" and name not in self.metrics
        ]
        if problems:
            raise PydanticCustomError("problems", "invalid names", {"problems": problems})
        return self

    def as_overlay(self) -> dict[str, Any]:
        """The file as a plain mapping again: only the keys it gave, values normalized."""
        return self.model_dump(exclude_unset=True)


# -- against the database -----------------------------------------------------------------------


def check_names(spec: ModelFile, schema: SchemaInfo) -> list[str]:
    """Problems ("path: what is wrong") with the tables and columns ``spec`` names in ``schema``."""
    problems: list[str] = []

    def table(path: str, name: str | None) -> bool:
        if name is None or name in schema.tables:
            return name is not None
        problems.append(f"{path}: the database has no table {name!r}")
        return False

    def column(path: str, name: str | None, of: str) -> None:
        if name is not None and name not in schema.tables[of].column_names:
            problems.append(f"{path}: {of} has no column {name!r}")

    def filters(path: str, entries: Iterable[FilterEntry], of: str) -> None:
        for number, entry in enumerate(entries):
            column(f"{path}.{number}.column", entry.column, of)

    for name, entry in spec.tables.items():
        where = f"tables.{name}"
        if not table(where, name):
            continue
        for key in ("name_column", "time_column", "sort_column"):
            column(f"{where}.{key}", getattr(entry, key), name)
        for key in ("value_columns", "display_columns"):
            for number, listed in enumerate(getattr(entry, key)):
                column(f"{where}.{key}.{number}", listed, name)
        for listed in entry.columns:
            column(f"{where}.columns.{listed}", listed, name)
        filters(f"{where}.default_filters", entry.default_filters, name)
        if entry.active_filter is not None:
            column(f"{where}.active_filter.column", entry.active_filter.column, name)
        table(f"{where}.parent", entry.parent)
    for name, metric in spec.metrics.items():
        fact = metric.fact_table
        if table(f"metrics.{name}.table", fact) and fact is not None:
            filters(f"metrics.{name}.filters", metric.filters, fact)
    if spec.scope is not None:
        table("scope.table", spec.scope.table)
    for role, name in spec.roles.items():
        if ROLE_KINDS[role] == "table":
            table(f"roles.{role}", name)
    zone = spec.time.timezone if spec.time is not None else None
    if isinstance(zone, TimezoneColumn) and table("time.timezone.table", zone.table):
        column("time.timezone.column", zone.column, zone.table)
    for number, action in enumerate(spec.actions):
        where = f"actions.{number}"
        if table(f"{where}.table", action.table):
            column(f"{where}.column", action.column, action.table)
        table(f"{where}.group", action.group)
        table(f"{where}.context", action.context)
    return problems


# -- reading and reporting -----------------------------------------------------------------------


def validate_model_file(data: Any, where: str = "The semantic model") -> ModelFile:
    """``data`` (the YAML as read) as a :class:`ModelFile`, or a ConfigError listing problems."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where} should hold a mapping (key: value) at the top.")
    try:
        return ModelFile.model_validate(data)
    except ValidationError as exc:
        problems = [line for error in exc.errors() for line in _lines(error)]
        raise model_error(where, problems) from None


def read_model_file(path: Path | None) -> ModelFile:
    """The semantic model file at ``path`` (an empty model when there is none)."""
    if path is None:
        return ModelFile()
    where = f"The semantic model file {path}"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{where} does not exist.") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where} is not valid YAML: {exc}") from None
    return validate_model_file({} if data is None else data, where)


def model_error(where: str, problems: list[str]) -> ConfigError:
    """One ConfigError for ``problems`` ("path: what is wrong"), the first few listed."""
    shown = problems[:MAX_PROBLEMS]
    more = len(problems) - len(shown)
    if len(problems) == 1:
        return ConfigError(f"{where}: {shown[0]}", hint=HINT)
    lines = [f"{where} has {len(problems)} problems:", *(f"  {p}" for p in shown)]
    if more:
        lines.append(f"  … and {more} more")
    return ConfigError("\n".join(lines), hint=HINT)


HINT = "Fix the semantic model file (see bot/sample/club.swoop.yaml for every key), then restart."

MESSAGES = {
    "missing": "required",
    "string_type": "must be text (quote it if YAML reads it as a number, date or yes/no)",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "list_type": "must be a list",
    "dict_type": "must be a mapping (key: value)",
    "model_type": "must be a mapping (key: value)",
    "model_attributes_type": "must be a mapping (key: value)",
    "extra_forbidden": "unknown key",
    "greater_than_equal": "must be at least {ge}",
    "less_than_equal": "must be at most {le}",
}


def _lines(error: ErrorDetails) -> list[str]:
    """One line per problem: the dotted path of the key, then what is wrong with it."""
    parts = [str(p) for p in error["loc"] if not str(p).startswith(TAG)]
    ctx = error.get("ctx") or {}
    kind = error["type"]
    if kind == "unknown_keys":
        return [f"{_path(*parts, key)}: unknown key{hint}" for key, hint in ctx["keys"]]
    if kind == "problems":
        return [f"{_path(*parts, where)}: {what}" for where, what in ctx["problems"]]
    message = MESSAGES[kind].format(**ctx) if kind in MESSAGES else error["msg"]
    if kind == "action_kind":
        if not isinstance(error["input"], Mapping):
            return [f"{_path(*parts)}: must be a mapping such as {{table: items, kind: toggle}}"]
        parts.append("kind")
    if parts and parts[-1] == "[key]":
        return [f"{_path(*parts[:-1])}: unknown key ({message})"]
    return [f"{_path(*parts)}: {message}"]


def _path(*parts: str) -> str:
    return ".".join(parts) or "(top level)"
