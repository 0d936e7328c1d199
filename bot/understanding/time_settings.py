"""The semantic model's ``time:`` section: when weeks start, and whose clock time words read.

Time words are resolved on the local wall-clock time of the rows asked about (shared/DESIGN.md,
"Time words"): a question scoped to one location reads that location's zone, any other question
the model's default zone. Stored timestamps are local wall-clock text, so the local "now" handed
to the time words is naive too. Every setting is honoured or refused here, never ignored.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.data.schema import SchemaInfo
from bot.errors import ConfigError
from bot.understanding.time_words import MONDAY, WEEKDAYS

WEEK_STARTS = ("monday", "sunday")
TIME_KEYS = ("week_start", "local_timestamps", "timezone")
ZONE_COLUMN_KEYS = ("table", "column", "default")


@dataclass(frozen=True)
class ZoneColumn:
    """``time.timezone: {table, column}``: the column that holds each row's zone."""

    table: str
    key: str  # the table's one-column primary key: what a conversation's scope lists
    column: str


@dataclass(frozen=True)
class TimeSettings:
    """The checked ``time:`` section.

    ``zones`` maps each row key of the zone column's table (as text, so scope ``2`` and ``"2"``
    agree) to that row's zone; ``default_zone`` is ``None`` for the server's local zone.
    """

    week_start: int = MONDAY  # 0 = Monday, 6 = Sunday
    default_zone: ZoneInfo | None = None
    zones: Mapping[str, ZoneInfo] = field(default_factory=dict)
    zone_column: ZoneColumn | None = None

    def zone_for(self, scope: Sequence[int | str] | None) -> ZoneInfo | None:
        """The zone of a question asked in ``scope``.

        A scope whose rows all keep one zone (in particular a scope of one location) uses that
        zone; no scope, or rows in different zones, use the default zone.
        """
        if scope:
            found = {self.zones.get(row_key(key), self.default_zone) for key in scope}
            if len(found) == 1:
                return found.pop()
        return self.default_zone

    def local_now(self, now: datetime, scope: Sequence[int | str] | None = None) -> datetime:
        """``now`` as naive wall-clock time in the zone of ``scope``.

        A naive ``now`` (a ``--now`` without a zone, or a fixed clock in the settings) already
        is local wall-clock time at every location, so it is kept as it is.
        """
        if now.tzinfo is None:
            return now
        return now.astimezone(self.zone_for(scope)).replace(tzinfo=None)


def row_key(value: Any) -> str:
    """A row key as text: ``2``, ``2.0`` (numbers may come back as floats) and ``"2"`` agree."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _section(spec: Any) -> Mapping[str, Any]:
    if spec is None:
        return {}
    if not isinstance(spec, Mapping):
        raise ConfigError("The semantic model's time: section should be a mapping.")
    unknown = sorted(set(spec) - set(TIME_KEYS))
    if unknown:
        raise ConfigError(
            f"The semantic model's time: section has unknown keys {unknown}; "
            f"it knows {', '.join(TIME_KEYS)}."
        )
    return spec


def _zone(name: Any, where: str) -> ZoneInfo:
    """The IANA zone called ``name``, or a ConfigError that says ``where`` the bad name is."""
    if isinstance(name, ZoneInfo):
        return name
    if isinstance(name, str) and name.strip():
        try:
            return ZoneInfo(name.strip())
        except (KeyError, ValueError, OSError):
            pass
    raise ConfigError(
        f"{where} is {name!r}, which is not an IANA time zone name (like 'America/Chicago')."
    )


def zone_column(spec: Any, schema: SchemaInfo) -> ZoneColumn | None:
    """The column ``time.timezone: {table, column}`` names, checked against ``schema``."""
    zone = _section(spec).get("timezone")
    if not isinstance(zone, Mapping):
        return None
    unknown = sorted(set(zone) - set(ZONE_COLUMN_KEYS))
    if unknown:
        raise ConfigError(
            f"time.timezone has unknown keys {unknown}; it knows {', '.join(ZONE_COLUMN_KEYS)}."
        )
    table, column = zone.get("table"), zone.get("column")
    info = schema.table(str(table))
    if info is None:
        raise ConfigError(f"time.timezone names the table {table!r}, which the database lacks.")
    if column not in info.column_names:
        raise ConfigError(f"time.timezone names the column {column!r}, which {table} lacks.")
    if len(info.primary_key) != 1:
        raise ConfigError(
            f"time.timezone: the table {table} needs a one-column primary key to say whose "
            "zone each row is."
        )
    return ZoneColumn(info.name, info.primary_key[0], str(column))


def time_settings(
    spec: Any,
    schema: SchemaInfo,
    *,
    scope_table: str | None = None,
    zones: Iterable[tuple[Any, Any]] = (),
) -> TimeSettings:
    """Check the ``time:`` section ``spec`` and build its settings.

    ``zones`` are the (key, zone name) rows of the zone column, in key order, as read when the
    model loads. The default zone is ``time.timezone`` when it is a name, else its ``default:``,
    else the zone most rows keep (on a tie, the one of the row with the lowest key), else the
    server's local zone.
    """
    section = _section(spec)
    week = section.get("week_start", "monday")
    if not isinstance(week, str) or week.lower() not in WEEK_STARTS:
        raise ConfigError(f"time.week_start is {week!r}; weeks start on monday or sunday.")
    local = section.get("local_timestamps", True)
    if local is not True:
        raise ConfigError(
            f"time.local_timestamps is {local!r}: Swoop reads every timestamp as the location's "
            "local wall-clock time, so only `local_timestamps: true` is supported."
        )
    zone_spec = section.get("timezone")
    column = zone_column(section, schema)
    if column is None:
        default = None if zone_spec is None else _zone(zone_spec, "time.timezone")
        return TimeSettings(WEEKDAYS[week.lower()], default)
    if scope_table is not None and column.table != scope_table:
        raise ConfigError(
            f"time.timezone reads zones from {column.table}, but conversations are scoped by "
            f"{scope_table}: the zone column must be on the scope table."
        )
    where = f"{column.table}.{column.column}"
    by_key = {
        row_key(key): _zone(name, f"{where} of the row {key!r}")
        for key, name in zones
        if name is not None and str(name).strip()
    }
    default_name = section["timezone"].get("default")
    if default_name is not None:
        default = _zone(default_name, "time.timezone.default")
    elif by_key:
        default = Counter(by_key.values()).most_common(1)[0][0]
    else:
        default = None
    return TimeSettings(WEEKDAYS[week.lower()], default, by_key, column)
