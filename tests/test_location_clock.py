"""Time words on the location's clock: zones from the database, the model's ``time:`` section.

A small database holds two clubs: Harbour in Tokyo (UTC+9) and Prairie in Chicago (UTC−5 in
June), with orders stamped in each club's local wall-clock time. The "server" is UTC: at
2025-06-14 15:30 UTC it is already 00:30 on June 15 in Tokyo and still 10:30 on June 14 in Chicago.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from adapters.cli import _iso_datetime
from bot.config import load_settings
from bot.data import DataAccess
from bot.data.schema import ColumnInfo, SchemaInfo, TableInfo
from bot.errors import ConfigError
from bot.messages import Message, ResponseKind
from bot.processor import QueryProcessor
from bot.understanding.model import build_model, load_semantic_model_async
from bot.understanding.outcomes import Answerable
from bot.understanding.pipeline import Understanding
from bot.understanding.time_settings import TimeSettings, time_settings
from bot.understanding.time_words import SUNDAY, find_time_range, find_time_ranges

TOKYO, CHICAGO = ZoneInfo("Asia/Tokyo"), ZoneInfo("America/Chicago")
SERVER_NOW = datetime(2025, 6, 14, 15, 30, tzinfo=UTC)  # 00:30 Jun 15 in Tokyo
HARBOUR, PRAIRIE = 1, 2

# (location, local wall-clock time): Tokyo's June 15 has 3 orders, Chicago's June 14 has 2.
ORDERS = [
    (HARBOUR, "2025-06-14 21:00:00"),
    (HARBOUR, "2025-06-15 00:10:00"),
    (HARBOUR, "2025-06-15 00:20:00"),
    (HARBOUR, "2025-06-15 00:25:00"),
    (PRAIRIE, "2025-06-13 18:00:00"),
    (PRAIRIE, "2025-06-14 08:00:00"),
    (PRAIRIE, "2025-06-14 09:45:00"),
    (PRAIRIE, "2025-06-08 12:00:00"),  # Sunday: in Sunday-weeks' "last week", not Monday-weeks'
]


def model_yaml(**time: Any) -> dict[str, Any]:
    return {
        "version": 1,
        "scope": {"table": "locations", "column": "location_id"},
        "time": {"week_start": "monday", **time} if time else None,
        "tables": {"orders": {"time_column": "created_at"}},
    }


def write_db(path: Path, zones: dict[int, str | None]) -> None:
    with sqlite3.connect(path) as conn:
        conn.executescript(
            """
            CREATE TABLE locations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, timezone TEXT);
            CREATE TABLE orders (
                id INTEGER PRIMARY KEY,
                location_id INTEGER NOT NULL REFERENCES locations(id),
                created_at TEXT NOT NULL
            );
            """
        )
        names = {HARBOUR: "Harbour", PRAIRIE: "Prairie"}
        conn.executemany(
            "INSERT INTO locations VALUES (?, ?, ?)",
            [(key, names.get(key, f"Club {key}"), zone) for key, zone in zones.items()],
        )
        conn.executemany("INSERT INTO orders (location_id, created_at) VALUES (?, ?)", ORDERS)


async def load(
    tmp_path: Path,
    overlay: dict[str, Any],
    *,
    zones: dict[int, str | None] | None = None,
    now: datetime | None = None,
) -> Understanding:
    db = tmp_path / "clubs.db"
    if not db.exists():
        write_db(db, zones or {HARBOUR: "Asia/Tokyo", PRAIRIE: "America/Chicago"})
    model = tmp_path / "clubs.swoop.yaml"
    model.write_text(yaml.safe_dump({k: v for k, v in overlay.items() if v is not None}))
    data = DataAccess(f"sqlite+aiosqlite:///{db}")
    try:
        return await Understanding.load_async(data, model, now=now)
    finally:
        await data.dispose_async()


def count(tmp_path: Path, result: Answerable) -> int:
    with sqlite3.connect(f"file:{tmp_path / 'clubs.db'}?mode=ro", uri=True) as conn:
        value = conn.execute(result.query.sql, result.query.params).fetchone()[0]
    return int(value)


def today(u: Understanding, scope: tuple[int, ...] | None) -> Answerable:
    result = u.understand("how many orders today", scope=scope)
    assert isinstance(result, Answerable), result
    return result


def days(result: Answerable) -> tuple[str, str]:
    time_range = result.plan.time_range
    assert time_range is not None
    return time_range.start.date().isoformat(), time_range.end.date().isoformat()


# -- the week start in the time words ------------------------------------------------------------

SUNDAY_NOON = datetime(2025, 6, 15, 12, 0)  # a Sunday


@pytest.mark.parametrize(
    ("text", "start", "end", "label"),
    [
        ("last week", "2025-06-08", "2025-06-15", "last week (Jun 8–14)"),
        ("this week", "2025-06-15", "2025-06-15T12:00", "this week (Jun 15)"),
        ("the previous week", "2025-06-08", "2025-06-15", "last week (Jun 8–14)"),
    ],
)
def test_sunday_weeks(text: str, start: str, end: str, label: str) -> None:
    found = find_time_range(text, SUNDAY_NOON, week_start=SUNDAY)
    assert found is not None
    assert (found.range.start, found.range.end) == (
        datetime.fromisoformat(start),
        datetime.fromisoformat(end),
    )
    assert found.range.label == label


def test_sunday_weeks_midweek_and_the_week_before() -> None:
    wednesday = datetime(2025, 6, 11, 9, 0)
    this_week = find_time_ranges("orders this week", wednesday, week_start=SUNDAY)[0].range
    assert this_week.start == datetime(2025, 6, 8)
    assert this_week.label == "this week (Jun 8–11)"
    last_week = find_time_ranges("last week", wednesday, week_start=SUNDAY)[0].range
    assert (last_week.start, last_week.end) == (datetime(2025, 6, 1), datetime(2025, 6, 8))
    before = last_week.shifted()
    assert (before.start, before.end) == (datetime(2025, 5, 25), datetime(2025, 6, 1))
    assert before.label == "the week before (May 25–31)"


def test_monday_weeks_stay_the_default() -> None:
    found = find_time_range("last week", SUNDAY_NOON)
    assert found is not None
    assert found.range.label == "last week (Jun 2–8)"


# -- whose clock ---------------------------------------------------------------------------------

ZONE_COLUMN = {"table": "locations", "column": "timezone"}


async def test_today_is_the_locations_day_not_the_servers(tmp_path: Path) -> None:
    u = await load(tmp_path, model_yaml(timezone=ZONE_COLUMN), now=SERVER_NOW)
    harbour = today(u, (HARBOUR,))
    assert days(harbour) == ("2025-06-15", "2025-06-16")  # UTC is still on June 14
    assert count(tmp_path, harbour) == 3
    prairie = today(u, (PRAIRIE,))
    assert days(prairie) == ("2025-06-14", "2025-06-15")
    assert count(tmp_path, prairie) == 2


async def test_a_scope_key_given_as_text_finds_its_zone(tmp_path: Path) -> None:
    u = await load(tmp_path, model_yaml(timezone=ZONE_COLUMN), now=SERVER_NOW)
    assert u.local_now(("1",)) == datetime(2025, 6, 15, 0, 30)


async def test_unscoped_questions_use_the_default_zone(tmp_path: Path) -> None:
    zone = {**ZONE_COLUMN, "default": "America/Chicago"}
    u = await load(tmp_path, model_yaml(timezone=zone), now=SERVER_NOW)
    assert days(today(u, None)) == ("2025-06-14", "2025-06-15")
    assert days(today(u, (HARBOUR,))) == ("2025-06-15", "2025-06-16")
    # Locations in different zones read the default zone too.
    assert days(today(u, (HARBOUR, PRAIRIE))) == ("2025-06-14", "2025-06-15")


async def test_a_zone_name_is_the_zone_of_every_question(tmp_path: Path) -> None:
    u = await load(tmp_path, model_yaml(timezone="Asia/Tokyo"), now=SERVER_NOW)
    assert u.model.time.default_zone == TOKYO
    assert days(today(u, None)) == ("2025-06-15", "2025-06-16")
    assert days(today(u, (PRAIRIE,))) == ("2025-06-15", "2025-06-16")


async def test_a_naive_now_is_wall_clock_time_at_every_location(tmp_path: Path) -> None:
    u = await load(tmp_path, model_yaml(timezone=ZONE_COLUMN), now=datetime(2025, 6, 15, 0, 30))
    for scope in ((HARBOUR,), (PRAIRIE,), None):
        assert days(today(u, scope)) == ("2025-06-15", "2025-06-16")


async def test_without_a_time_section_the_servers_zone_is_used(tmp_path: Path) -> None:
    u = await load(tmp_path, model_yaml(), now=SERVER_NOW)
    assert u.model.time == TimeSettings()
    expected = SERVER_NOW.astimezone().replace(tzinfo=None)  # the server's local zone
    assert u.local_now((HARBOUR,)) == expected


async def test_the_real_clock_is_aware(tmp_path: Path) -> None:
    u = await load(tmp_path, model_yaml(timezone=ZONE_COLUMN))
    assert u.clock().tzinfo is not None
    local = u.local_now((HARBOUR,))
    assert local.tzinfo is None
    assert abs(local - datetime.now(TOKYO).replace(tzinfo=None)).total_seconds() < 60


async def test_sunday_weeks_through_understanding(tmp_path: Path) -> None:
    u = await load(tmp_path, model_yaml(timezone=ZONE_COLUMN, week_start="sunday"), now=SUNDAY_NOON)
    assert u.model.time.week_start == SUNDAY
    result = u.understand("how many orders last week", scope=(PRAIRIE,))
    assert isinstance(result, Answerable), result
    assert days(result) == ("2025-06-08", "2025-06-15")
    assert result.plan.time_range is not None
    assert result.plan.time_range.label == "last week (Jun 8–14)"
    assert count(tmp_path, result) == 4


# -- the default zone ----------------------------------------------------------------------------

SCHEMA = SchemaInfo(
    "sqlite",
    {
        "locations": TableInfo(
            "locations",
            (
                ColumnInfo("id", "INTEGER", "integer", False, True),
                ColumnInfo("name", "TEXT", "text", False, False),
                ColumnInfo("timezone", "TEXT", "text", True, False),
            ),
            ("id",),
        )
    },
)


def settings(zones: list[tuple[Any, Any]], **time: Any) -> TimeSettings:
    spec = {"timezone": ZONE_COLUMN, **time}
    return time_settings(spec, SCHEMA, scope_table="locations", zones=zones)


def test_the_default_zone_is_the_one_most_locations_keep() -> None:
    rows = [(1, "America/Denver"), (2, "Asia/Tokyo"), (3, "Asia/Tokyo")]
    assert settings(rows).default_zone == TOKYO


def test_on_a_tie_the_default_zone_is_the_first_locations() -> None:
    assert settings([(1, "Asia/Tokyo"), (2, "America/Chicago")]).default_zone == TOKYO
    assert settings([(1.0, "America/Chicago"), (2, "Asia/Tokyo")]).default_zone == CHICAGO


def test_a_named_default_wins_and_rows_without_a_zone_use_it() -> None:
    time = settings([(1, "Asia/Tokyo"), (2, None)], timezone={**ZONE_COLUMN, "default": "UTC"})
    assert time.default_zone == ZoneInfo("UTC")
    assert time.zone_for((2,)) == ZoneInfo("UTC")
    assert time.zone_for((1,)) == TOKYO
    assert time.zone_for((1.0,)) == TOKYO  # numbers may come back as floats


def test_no_zone_anywhere_is_the_servers_zone() -> None:
    assert settings([(1, None), (2, "")]).default_zone is None
    assert time_settings(None, SCHEMA).default_zone is None


# -- refused at load, with a clear error -----------------------------------------------------------


@pytest.mark.parametrize(
    ("time", "words"),
    [
        ({"week_start": "friday"}, ["week_start", "monday", "sunday"]),
        ({"timezone": "Mars/Olympus_Mons"}, ["timezone", "Mars/Olympus_Mons", "IANA"]),
        ({"timezone": {**ZONE_COLUMN, "default": "Nowhere"}}, ["Nowhere", "IANA"]),
        ({"timezone": {"table": "locations", "column": "tz"}}, ["timezone", "tz"]),
        ({"timezone": {"table": "clubs", "column": "timezone"}}, ["timezone", "clubs"]),
        ({"local_timestamps": False}, ["local_timestamps"]),
    ],
)
async def test_bad_time_settings_are_refused_at_load(
    tmp_path: Path, time: dict[str, Any], words: list[str]
) -> None:
    with pytest.raises(ConfigError) as refused:
        await load(tmp_path, model_yaml(**time))
    for word in words:
        assert word in refused.value.message


async def test_a_bad_zone_in_the_database_is_refused_at_load(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as refused:
        await load(
            tmp_path,
            model_yaml(timezone=ZONE_COLUMN),
            zones={HARBOUR: "Asia/Tokyo", PRAIRIE: "Central Time"},
        )
    assert "locations.timezone" in refused.value.message
    assert "'Central Time'" in refused.value.message
    assert "row 2" in refused.value.message


def test_build_model_refuses_friday_weeks_too() -> None:
    with pytest.raises(ConfigError, match="week_start"):
        build_model(SCHEMA, {"time": {"week_start": "friday"}})


def test_zones_must_live_on_the_scope_table() -> None:
    schema = SchemaInfo(
        "sqlite",
        {
            **SCHEMA.tables,
            "regions": TableInfo(
                "regions",
                (
                    ColumnInfo("id", "INTEGER", "integer", False, True),
                    ColumnInfo("timezone", "TEXT", "text", True, False),
                ),
                ("id",),
            ),
        },
    )
    with pytest.raises(ConfigError, match="scope table"):
        build_model(
            schema,
            {
                "scope": {"table": "locations", "column": "location_id"},
                "time": {"timezone": {"table": "regions", "column": "timezone"}},
            },
        )


# -- the sample database through the processor ---------------------------------------------------


def sample_rows(db: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.fixture
async def aware_processor(sample_db: Path, tmp_path: Path) -> AsyncIterator[QueryProcessor]:
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{sample_db}",
        state_url=f"sqlite+aiosqlite:///{tmp_path / 'state.db'}",
    )
    # 04:30 UTC on June 15: 00:30 in New York, still 23:30 on June 14 in Chicago.
    proc = QueryProcessor(settings, clock=lambda: datetime(2025, 6, 15, 4, 30, tzinfo=UTC))
    yield proc
    await proc.dispose_async()


async def test_the_processor_answers_today_on_the_locations_clock(
    aware_processor: QueryProcessor, sample_db: Path
) -> None:
    zones = dict(sample_rows(sample_db, "SELECT timezone, id FROM locations"))
    expected_day = {"America/New_York": "2025-06-15", "America/Chicago": "2025-06-14"}
    counts = []
    for zone, day in expected_day.items():
        location = zones[zone]
        message = Message(
            "slack", "T1", f"C{location}", "t1", "ann", "how many orders today", scope=(location,)
        )
        response = await aware_processor.process_query_async(message)
        assert response.kind is ResponseKind.DATA, response.text
        [(expected,)] = sample_rows(
            sample_db,
            "SELECT count(*) FROM orders WHERE status = 7 AND deleted_at IS NULL "
            "AND location_id = ? AND created_at >= ? AND date(created_at) = ?",
            location,
            day,
            day,
        )
        assert response.table is not None and response.table.rows == ((expected,),)
        counts.append(expected)
    assert all(counts)


def test_the_sample_models_zones(sample_db: Path) -> None:
    async def model_time() -> TimeSettings:
        data = DataAccess(f"sqlite+aiosqlite:///{sample_db}")
        try:
            model = await load_semantic_model_async(data, Path(f"{sample_db}.swoop.yaml"))
        finally:
            await data.dispose_async()
        return model.time

    time = asyncio.run(model_time())
    ids = dict(sample_rows(sample_db, "SELECT timezone, id FROM locations"))
    assert time.zone_for((ids["America/Denver"],)) == ZoneInfo("America/Denver")
    first = sample_rows(sample_db, "SELECT timezone FROM locations ORDER BY id")[0][0]
    assert time.default_zone == ZoneInfo(first)  # three zones, one each: the first location's


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-06-15T12:00", datetime(2025, 6, 15, 12, 0)),  # wall-clock time everywhere
        ("2025-06-15T04:30Z", datetime(2025, 6, 15, 4, 30, tzinfo=UTC)),
        ("2025-06-14T23:30-05:00", datetime(2025, 6, 15, 4, 30, tzinfo=UTC)),
        ("2025-06-14T23:30[America/Chicago]", datetime(2025, 6, 15, 4, 30, tzinfo=UTC)),
    ],
)
def test_now_on_the_command_line(text: str, expected: datetime) -> None:
    parsed = _iso_datetime(text)
    assert parsed == expected
    assert (parsed.tzinfo is None) == (expected.tzinfo is None)


@pytest.mark.parametrize("text", ["2025-06-15T12:00[Mars/Base]", "2025-06-15T12:00Z[UTC]", "soon"])
def test_a_bad_now_is_a_usage_error(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="2025-06-15T12:00"):
        _iso_datetime(text)
