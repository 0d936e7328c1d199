"""The action catalogue: which columns of which tables may be changed from chat, and how.

It is read from the ``actions:`` section of the semantic model YAML; nothing here knows any
domain. Each entry is checked against the model when loaded, and a mistake is a
:class:`~bot.errors.ConfigError` that names the entry and the problem.

.. code-block:: yaml

    actions:
      - {table: items, column: price, kind: number, min: 0, max: 500, group: categories}
      - {table: items, kind: toggle}   # the table's active_filter column: on = 0, off = 1
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.actions.paths import upward_path
from bot.actions.request import KIND_OPERATIONS, Operation
from bot.errors import ConfigError
from bot.understanding.entities import normalize
from bot.understanding.model import SemanticModel, TableSpec, humanize, singular

KEYS: dict[str, frozenset[str]] = {
    "number": frozenset(
        {"table", "column", "kind", "label", "words", "min", "max", "decimals", "format", "group",
         "context"}
    ),
    "toggle": frozenset({"table", "column", "kind", "label", "on", "off", "group", "context"}),
}  # fmt: skip
FORMATS = frozenset({"money", "number"})
NUMERIC_KINDS = frozenset({"integer", "number"})


@dataclass(frozen=True)
class ActionSpec:
    """One changeable column: ``kind`` number (set / raise / lower) or toggle (off / on).

    ``group`` is a table above ``table`` whose named rows stand for all their rows ("burger
    prices" → every item of the Burgers category); ``context`` is a table above ``table`` whose
    name follows a row's own in previews ("Bacon (Classic Burger)").
    """

    table: str
    column: str
    kind: str
    key: str  # the table's one-column primary key
    name_column: str
    label: str
    words: tuple[str, ...] = ()  # normalized words naming the column ("price", "menu price")
    minimum: float | None = None
    maximum: float | None = None
    decimals: int = 2
    integer: bool = False  # the column holds whole numbers
    format: str = "number"  # money | number | toggle
    on: Any = None
    off: Any = None
    group: str | None = None
    context: str | None = None

    @property
    def operations(self) -> frozenset[Operation]:
        return KIND_OPERATIONS[self.kind]


@dataclass(frozen=True)
class ActionCatalog:
    """Every :class:`ActionSpec` of a model, in the order the YAML lists them."""

    specs: tuple[ActionSpec, ...] = ()

    @classmethod
    def from_model(cls, model: SemanticModel) -> ActionCatalog:
        """The catalogue of ``model.overlay["actions"]`` (empty when there is none)."""
        entries = model.overlay.get("actions")
        if entries is None:
            return cls()
        if not isinstance(entries, Sequence) or isinstance(entries, str | bytes):
            raise ConfigError("The actions section of the semantic model should be a list.")
        specs: list[ActionSpec] = []
        for number, entry in enumerate(entries):
            where = f"actions[{number}]"
            if isinstance(entry, Mapping) and entry.get("table"):
                named = ".".join(str(entry[k]) for k in ("table", "column") if entry.get(k))
                where += f" ({named})"
            spec = _spec(model, entry, where)
            if any((s.table, s.column) == (spec.table, spec.column) for s in specs):
                raise ConfigError(f"{where}: {spec.table}.{spec.column} is listed twice.")
            specs.append(spec)
        return cls(tuple(specs))

    def __iter__(self) -> Iterator[ActionSpec]:
        return iter(self.specs)

    def __len__(self) -> int:
        return len(self.specs)

    def get(self, table: str, column: str) -> ActionSpec | None:
        return next((s for s in self.specs if (s.table, s.column) == (table, column)), None)

    def for_operation(self, operation: Operation) -> tuple[ActionSpec, ...]:
        return tuple(s for s in self.specs if operation in s.operations)

    def capabilities(self, model: SemanticModel) -> str:
        """What can be changed, in words: "change prices and turn items and options on or off"."""
        numbers = dict.fromkeys(f"{s.label}s" for s in self.specs if s.kind == "number")
        toggles = dict.fromkeys(
            model.tables[s.table].label for s in self.specs if s.kind != "number"
        )
        parts = []
        if numbers:
            parts.append(f"change {_and(list(numbers))}")
        if toggles:
            parts.append(f"turn {_and(list(toggles))} on or off")
        return " and ".join(parts) if parts else "change nothing yet (the model lists no actions)"


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _spec(model: SemanticModel, entry: Any, where: str) -> ActionSpec:
    if not isinstance(entry, Mapping):
        raise ConfigError(
            f"{where}: each action should be a mapping such as {{table: t, kind: toggle}}."
        )
    kind = entry.get("kind")
    if kind not in KEYS:
        raise ConfigError(f"{where}: kind should be one of {sorted(KEYS)}, not {kind!r}.")
    unknown = sorted(set(entry) - KEYS[kind])
    if unknown:
        raise ConfigError(
            f"{where}: unknown keys {unknown} (a {kind} action takes {sorted(KEYS[kind])})."
        )
    table = _table(model, entry.get("table"), where, "table")
    if len(table.primary_key) != 1:
        raise ConfigError(f"{where}: table {table.name} needs a one-column primary key.")
    if table.name_column is None:
        raise ConfigError(
            f"{where}: table {table.name} needs a name_column to match names against."
        )
    group = _above(model, table, entry.get("group"), where, "group")
    context = _above(model, table, entry.get("context"), where, "context")
    common: dict[str, Any] = {
        "table": table.name,
        "key": table.primary_key[0],
        "name_column": table.name_column,
        "group": group,
        "context": context,
    }
    if kind == "number":
        return _number(model, table, entry, where, common)
    return _toggle(table, entry, where, common)


def _table(model: SemanticModel, name: Any, where: str, key: str) -> TableSpec:
    if not isinstance(name, str) or name not in model.tables:
        raise ConfigError(f"{where}: {key} {name!r} is not a table of the model.")
    return model.tables[name]


def _above(model: SemanticModel, table: TableSpec, name: Any, where: str, key: str) -> str | None:
    """A table ``table`` belongs to (foreign keys upwards) that has a name column."""
    if name is None:
        return None
    above = _table(model, name, where, key)
    if above.name == table.name or upward_path(model, table.name, above.name) is None:
        raise ConfigError(
            f"{where}: {key} {above.name} is not reached from {table.name} along foreign keys."
        )
    if above.name_column is None:
        raise ConfigError(f"{where}: {key} {above.name} needs a name_column.")
    return above.name


def _number(
    model: SemanticModel,
    table: TableSpec,
    entry: Mapping[str, Any],
    where: str,
    common: dict[str, Any],
) -> ActionSpec:
    name = entry.get("column")
    if name not in table.columns:
        raise ConfigError(f"{where}: column {name!r} is not a column of {table.name}.")
    column = table.columns[name]
    if column.kind not in NUMERIC_KINDS or column.codes or column.foreign_key:
        raise ConfigError(f"{where}: {column.qualified} is not a plain number column.")
    fmt = entry.get("format") or (column.format if column.format in FORMATS else "number")
    if fmt not in FORMATS:
        raise ConfigError(f"{where}: format should be one of {sorted(FORMATS)}, not {fmt!r}.")
    minimum, maximum = (_bound(entry.get(k), where, k) for k in ("min", "max"))
    if minimum is not None and maximum is not None and minimum > maximum:
        raise ConfigError(f"{where}: min {minimum} is above max {maximum}.")
    decimals = entry.get("decimals", 0 if column.kind == "integer" else 2)
    if not isinstance(decimals, int) or isinstance(decimals, bool) or not 0 <= decimals <= 6:
        raise ConfigError(f"{where}: decimals should be a whole number from 0 to 6.")
    label = str(entry.get("label") or column.label)
    extra = entry.get("words") or ()
    if isinstance(extra, str) or not isinstance(extra, Sequence):
        raise ConfigError(f"{where}: words should be a list of phrases.")
    words = {label, column.label, humanize(column.name), *column.synonyms, *map(str, extra)}
    return ActionSpec(
        column=column.name,
        kind="number",
        label=label,
        words=tuple(sorted({normalize(w) for w in words} - {""}, key=len, reverse=True)),
        minimum=0.0 if minimum is None and "min" not in entry else minimum,
        maximum=maximum,
        decimals=decimals,
        integer=column.kind == "integer",
        format=fmt,
        **common,
    )


def _bound(value: Any, where: str, key: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{where}: {key} should be a number, not {value!r}.")
    return float(value)


def _toggle(
    table: TableSpec, entry: Mapping[str, Any], where: str, common: dict[str, Any]
) -> ActionSpec:
    active = table.active_filter
    name = entry.get("column")
    if name is None and active is None:
        raise ConfigError(f"{where}: name the column, or give {table.name} an active_filter.")
    if name is None and active is not None:
        name = active.column.partition(".")[2]
    if name not in table.columns:
        raise ConfigError(f"{where}: column {name!r} is not a column of {table.name}.")
    on, off = entry.get("on"), entry.get("off")
    if on is None and active is not None and active.column == f"{table.name}.{name}":
        if active.op != "=":
            raise ConfigError(
                f"{where}: the active_filter of {table.name} is not `=`; give on and off."
            )
        on = active.value
    if off is None:
        off = _opposite(on)
    if on is None or off is None or on == off:
        raise ConfigError(f"{where}: give the values that mean on and off (`on: 0, off: 1`).")
    for value in (on, off):
        if not isinstance(value, bool | int | str):
            raise ConfigError(f"{where}: on and off should be plain values, not {value!r}.")
    return ActionSpec(
        column=str(name),
        kind="toggle",
        label=str(entry.get("label") or "status"),
        format="toggle",
        on=on,
        off=off,
        decimals=0,
        **common,
    )


def _opposite(value: Any) -> Any:
    """The other state of a two-state value: ``True`` ↔ ``False``, ``0`` ↔ ``1``."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int) and value in (0, 1):
        return 1 - value
    return None


def table_label(model: SemanticModel, table: str, *, plural: bool = False) -> str:
    """How answers name one row (or several rows) of ``table``: "item", "option items"."""
    label = model.tables[table].label
    return label if plural else singular(label)
