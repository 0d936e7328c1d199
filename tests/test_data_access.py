"""DataAccess against real SQLite files and the real PostgreSQL server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import asyncpg
import pandas as pd
import pytest

from bot.data import ActionStatement, DataAccess
from bot.errors import (
    ActionError,
    DatabaseError,
    QueryTimeoutError,
    ReadOnlyViolationError,
    ValidationError,
)
from tests.conftest import PG_ADMIN_DSN

SCHEMA = [
    "CREATE TABLE categories (id INTEGER PRIMARY KEY, name VARCHAR(80) NOT NULL)",
    "CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(80) NOT NULL, "
    "price NUMERIC(10, 2) NOT NULL, disabled BOOLEAN NOT NULL DEFAULT FALSE, "
    "category_id INTEGER REFERENCES categories(id))",
    "INSERT INTO categories (id, name) VALUES (1, 'Burgers'), (2, 'Salads')",
    "INSERT INTO items (id, name, price, category_id) VALUES "
    "(1, 'Classic Burger', 12.50, 1), (2, 'Bacon Cheeseburger', 14.25, 1), "
    "(3, 'Caesar Salad', 11.50, 2)",
]

LONG_SQLITE_QUERY = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
)
MANY_ROWS = {
    "sqlite": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5000) "
    "SELECT x FROM c",
    "postgresql": "SELECT x FROM generate_series(1, 5000) AS x",
}


@pytest.fixture
async def data(db_url: str) -> AsyncIterator[DataAccess]:
    """A DataAccess on a small menu database, on each backend."""
    access = DataAccess(db_url, row_cap=100, query_timeout_s=5.0)
    await access.execute_action_async([ActionStatement(sql) for sql in SCHEMA])
    yield access
    await access.dispose_async()


async def count_items(data: DataAccess) -> int:
    frame = await data.query_to_dataframe_async("SELECT count(*) AS n FROM items")
    return int(frame.iat[0, 0])


async def test_schema_introspection(data: DataAccess) -> None:
    schema = await data.get_schema_async()
    assert set(schema.tables) == {"categories", "items"}
    items = schema.tables["items"]
    assert items.column_names == ("id", "name", "price", "disabled", "category_id")
    assert items.primary_key == ("id",)
    assert items.column("name") is not None and items.column("name").kind == "text"
    assert items.column("price") is not None and items.column("price").kind == "number"
    assert items.column("id") is not None and items.column("id").kind == "integer"
    [fk] = items.foreign_keys
    assert (fk.columns, fk.referred_table, fk.referred_columns) == (
        ("category_id",),
        "categories",
        ("id",),
    )


async def test_query_into_dataframe_with_bound_parameters(data: DataAccess) -> None:
    frame = await data.query_to_dataframe_async(
        "SELECT i.name, i.price, c.name AS category FROM items i "
        "JOIN categories c ON c.id = i.category_id WHERE i.price > :min_price ORDER BY i.price",
        {"min_price": 12},
    )
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["name", "price", "category"]
    assert frame.to_dict("records") == [
        {"name": "Classic Burger", "price": 12.5, "category": "Burgers"},
        {"name": "Bacon Cheeseburger", "price": 14.25, "category": "Burgers"},
    ]
    assert frame.attrs["truncated"] is False


async def test_hostile_values_are_bound_not_formatted(data: DataAccess) -> None:
    hostile = "x'; DROP TABLE items; --"
    frame = await data.query_to_dataframe_async(
        "SELECT id FROM items WHERE name = :name", {"name": hostile}
    )
    assert frame.empty
    assert await count_items(data) == 3


async def test_action_runs_in_one_transaction_and_rolls_back_on_error(data: DataAccess) -> None:
    with pytest.raises(DatabaseError):
        await data.execute_action_async(
            [
                ActionStatement("UPDATE items SET price = :p WHERE id = 1", {"p": 99}),
                ActionStatement("INSERT INTO items (id, name, price) VALUES (1, 'dup', 1)"),
            ]
        )
    frame = await data.query_to_dataframe_async("SELECT price FROM items WHERE id = 1")
    assert frame.iat[0, 0] == 12.5


async def test_action_with_unexpected_row_count_is_rolled_back(data: DataAccess) -> None:
    with pytest.raises(ActionError, match="2 rows instead of 1"):
        await data.execute_action_async(
            [
                ActionStatement(
                    "UPDATE items SET price = price + 1 WHERE category_id = :c",
                    {"c": 1},
                    expected_rows=1,
                )
            ]
        )
    frame = await data.query_to_dataframe_async("SELECT sum(price) AS s FROM items")
    assert frame.iat[0, 0] == pytest.approx(38.25)


async def test_action_commits_and_returns_rows(data: DataAccess) -> None:
    result = await data.execute_action_async(
        [
            ActionStatement(
                "UPDATE items SET price = :p WHERE id = :id RETURNING id, price",
                {"p": 14.5, "id": 3},
                expected_rows=1,
            )
        ]
    )
    assert result.rowcounts == (1,)
    assert result.returned == (({"id": 3, "price": 14.5},),)
    frame = await data.query_to_dataframe_async("SELECT price FROM items WHERE id = 3")
    assert frame.iat[0, 0] == 14.5


async def test_empty_action_is_refused(data: DataAccess) -> None:
    with pytest.raises(ValidationError):
        await data.execute_action_async([])


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM items",
        "UPDATE items SET price = 0 RETURNING id",
        "INSERT INTO categories (id, name) VALUES (9, 'x') RETURNING id",
        "DROP TABLE items",
        "CREATE TABLE evil (id INTEGER)",
    ],
)
async def test_writes_on_the_read_only_path_are_refused(data: DataAccess, sql: str) -> None:
    with pytest.raises(ReadOnlyViolationError):
        await data.query_to_dataframe_async(sql)
    assert await count_items(data) == 3
    frame = await data.query_to_dataframe_async("SELECT sum(price) AS s FROM items")
    assert frame.iat[0, 0] == pytest.approx(38.25)


async def test_row_cap_truncates_and_says_so(data: DataAccess) -> None:
    frame = await data.query_to_dataframe_async(MANY_ROWS[data.dialect])
    assert len(frame) == 100
    assert frame.attrs["truncated"] is True
    frame = await data.query_to_dataframe_async(MANY_ROWS[data.dialect], row_cap=5000)
    assert len(frame) == 5000
    assert frame.attrs["truncated"] is False


async def test_timeout_really_cancels_a_slow_query(data: DataAccess) -> None:
    slow = "SELECT pg_sleep(30)" if data.dialect == "postgresql" else LONG_SQLITE_QUERY
    started = time.perf_counter()
    with pytest.raises(QueryTimeoutError, match=r"0\.5 s"):
        await data.query_to_dataframe_async(slow, timeout_s=0.5)
    assert time.perf_counter() - started < 2.0
    # The connection is healthy afterwards and the server is no longer running the query.
    assert await count_items(data) == 3
    if data.dialect == "postgresql":
        admin = await asyncpg.connect(PG_ADMIN_DSN)
        try:
            running = await admin.fetchval(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'"
            )
        finally:
            await admin.close()
        assert running == 0


async def test_bad_sql_is_a_database_error_without_sql_echo(data: DataAccess) -> None:
    with pytest.raises(DatabaseError) as caught:
        await data.query_to_dataframe_async("SELECT nope FROM items WHERE secret_value = 1")
    assert "could not run the query" in caught.value.message
    assert "[SQL:" not in caught.value.message
    assert "sqlalche.me" not in caught.value.message


async def test_health_check(data: DataAccess) -> None:
    report = await data.health_check_async()
    assert report["status"] == "ok"
    assert report["backend"] == data.dialect
    assert report["latency_ms"] >= 0


async def test_unreachable_database_names_the_problem_without_the_password() -> None:
    access = DataAccess("postgresql+asyncpg://swoop:hunter2secret@127.0.0.1:1/nowhere")
    with pytest.raises(DatabaseError) as caught:
        await access.query_to_dataframe_async("SELECT 1")
    assert "Could not reach the database" in caught.value.message
    assert "hunter2secret" not in caught.value.message
    assert "***" in caught.value.message
    report = await access.health_check_async()
    assert report["status"] == "error"
    assert "hunter2secret" not in str(report)
    await access.dispose_async()


async def test_read_only_path_needs_an_existing_sqlite_file(tmp_path: object) -> None:
    access = DataAccess(f"sqlite+aiosqlite:///{tmp_path}/missing.db")
    with pytest.raises(DatabaseError, match="does not exist"):
        await access.query_to_dataframe_async("SELECT 1")
    await access.dispose_async()


def test_sync_twins_without_a_running_loop(sqlite_url: str) -> None:
    access = DataAccess(sqlite_url)
    access.execute_action([ActionStatement(sql) for sql in SCHEMA])
    frame = access.query_to_dataframe("SELECT name FROM items WHERE id = :id", {"id": 3})
    assert frame.iat[0, 0] == "Caesar Salad"
    assert set(access.get_schema().tables) == {"categories", "items"}
    assert access.health_check()["status"] == "ok"
    access.dispose()


async def test_sync_twins_from_a_thread_while_a_loop_runs(sqlite_url: str) -> None:
    access = DataAccess(sqlite_url)
    await asyncio.to_thread(access.execute_action, [ActionStatement(sql) for sql in SCHEMA])
    frame = await asyncio.to_thread(access.query_to_dataframe, "SELECT count(*) FROM items")
    assert frame.iat[0, 0] == 3
    # The async path on this loop sees the same data through its own engine.
    assert await count_items(access) == 3
    await asyncio.to_thread(access.dispose)
    await access.dispose_async()
