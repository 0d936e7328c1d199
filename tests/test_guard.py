"""The SQL guard against a real club database: hostile SQL is refused, scope and row cap hold.

Guarded statements are run through ``DataAccess`` on a SQLite file (and a few on the real
PostgreSQL server) to prove that what the guard lets through executes and returns only the rows
it should.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from bot.data import ActionStatement, DataAccess, SchemaInfo
from bot.errors import ConfigError, ErrorTypes
from bot.understanding.guard import (
    ALLOWED_ANONYMOUS_FUNCTIONS,
    ALLOWED_FUNCTIONS,
    ALLOWED_NODES,
    WRITE_LABELS,
    GuardedSql,
    GuardRefusal,
    SqlGuard,
)

CLUB_SCHEMA = [
    "CREATE TABLE locations (id INTEGER PRIMARY KEY, name VARCHAR(80) NOT NULL)",
    "CREATE TABLE menus (id INTEGER PRIMARY KEY, name VARCHAR(80) NOT NULL, "
    "location_id INTEGER NOT NULL REFERENCES locations(id))",
    "CREATE TABLE categories (id INTEGER PRIMARY KEY, name VARCHAR(80) NOT NULL, "
    "menu_id INTEGER NOT NULL REFERENCES menus(id))",
    "CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(80) NOT NULL, price REAL NOT NULL, "
    "disabled BOOLEAN NOT NULL DEFAULT FALSE, category_id INTEGER REFERENCES categories(id))",
    "CREATE TABLE options (id INTEGER PRIMARY KEY, name VARCHAR(80) NOT NULL, "
    "item_id INTEGER NOT NULL REFERENCES items(id))",
    "CREATE TABLE option_items (id INTEGER PRIMARY KEY, name VARCHAR(80) NOT NULL, "
    "option_id INTEGER NOT NULL REFERENCES options(id), price REAL NOT NULL)",
    "CREATE TABLE users (id INTEGER PRIMARY KEY, first_name VARCHAR(80) NOT NULL)",
    "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES users(id), "
    "location_id INTEGER NOT NULL REFERENCES locations(id), status INTEGER NOT NULL, "
    "total REAL NOT NULL, created_at TIMESTAMP NOT NULL)",
    "CREATE TABLE order_items (id INTEGER PRIMARY KEY, "
    "order_id INTEGER NOT NULL REFERENCES orders(id), item_id INTEGER REFERENCES items(id), "
    "quantity INTEGER NOT NULL)",
    "CREATE TABLE order_option_items (id INTEGER PRIMARY KEY, "
    "order_item_id INTEGER NOT NULL REFERENCES order_items(id), "
    "option_item_id INTEGER REFERENCES option_items(id), price REAL NOT NULL)",
    "CREATE TABLE order_ratings (id INTEGER PRIMARY KEY, "
    "order_id INTEGER NOT NULL REFERENCES orders(id), created_at TIMESTAMP NOT NULL)",
    "CREATE TABLE rating_categories (id INTEGER PRIMARY KEY, label VARCHAR(80) NOT NULL)",
    "CREATE TABLE order_ratings_feedback (id INTEGER PRIMARY KEY, "
    "rating_id INTEGER NOT NULL REFERENCES order_ratings(id), "
    "category_id INTEGER REFERENCES rating_categories(id), value INTEGER NOT NULL)",
    "CREATE TABLE location_hours (id INTEGER PRIMARY KEY, "
    "location_id INTEGER NOT NULL REFERENCES locations(id), day_of_week INTEGER NOT NULL)",
    "CREATE VIEW big_orders AS SELECT * FROM orders WHERE total >= 100",
]
CLUB_ROWS = [
    "INSERT INTO locations VALUES (1, 'Downtown'), (2, 'Uptown'), (3, 'Airport')",
    "INSERT INTO menus VALUES (1, 'Main', 1), (2, 'Main', 2), (3, 'Main', 3)",
    "INSERT INTO categories VALUES (1, 'Burgers', 1), (2, 'Salads', 1), (3, 'Burgers', 2), "
    "(4, 'Drinks', 3)",
    "INSERT INTO items (id, name, price, category_id) VALUES (1, 'Classic Burger', 12.5, 1), "
    "(2, 'Caesar Salad', 11.5, 2), (3, 'Uptown Burger', 15.0, 3), (4, 'Airport Soda', 4.0, 4)",
    "INSERT INTO options VALUES (1, 'Size', 1), (2, 'Size', 3)",
    "INSERT INTO option_items VALUES (1, 'Large', 1, 2.0), (2, 'Large', 2, 3.0)",
    "INSERT INTO users VALUES (1, 'Ada'), (2, 'Ben'), (3, 'Cy')",
    "INSERT INTO orders VALUES (1, 1, 1, 7, 20.0, '2025-03-01 12:00:00'), "
    "(2, 2, 1, 7, 30.0, '2025-03-02 13:00:00'), (3, 1, 2, 7, 100.0, '2025-03-01 18:00:00'), "
    "(4, 3, 2, 6, 200.0, '2025-03-03 19:00:00'), (5, 2, 3, 7, 50.0, '2025-03-04 08:00:00')",
    "INSERT INTO order_items VALUES (1, 1, 1, 2), (2, 2, 2, 1), (3, 3, 3, 5), (4, 5, 4, 3)",
    "INSERT INTO order_option_items VALUES (1, 1, 1, 2.0), (2, 3, 2, 3.0)",
    "INSERT INTO order_ratings VALUES (1, 1, '2025-03-01 14:00:00'), (2, 3, '2025-03-01 20:00:00')",
    "INSERT INTO rating_categories VALUES (1, 'Food'), (2, 'Service')",
    "INSERT INTO order_ratings_feedback VALUES (1, 1, 1, 5), (2, 2, 1, 1), (3, 2, 2, 2)",
    "INSERT INTO location_hours VALUES (1, 1, 0), (2, 2, 0), (3, 3, 0)",
]
SCOPED: dict[str, Any] = {"scope_table": "locations", "scope_column": "location_id"}

# Calls that must never run, whatever the dialect (server files, sleeping, sessions, DoS).
DANGEROUS_CALLS = [
    "pg_sleep(10)",
    "pg_read_file('/etc/passwd')",
    "pg_ls_dir('.')",
    "lo_import('/etc/passwd')",
    "lo_export(1, '/tmp/x')",
    "dblink('host=evil', 'SELECT 1')",
    "set_config('a', 'b', false)",
    "current_setting('data_directory')",
    "pg_terminate_backend(1)",
    "pg_cancel_backend(1)",
    "txid_current()",
    "nextval('seq')",
    "setval('seq', 1)",
    "load_extension('evil')",
    "readfile('/etc/passwd')",
    "writefile('/tmp/x', 'y')",
    "fts3_tokenizer('simple')",
    "randomblob(1000000000)",
    "zeroblob(1000000000)",
    "sqlite_version()",
    "version()",
    "printf('%.*c', 1000000000, 'x')",
    "generate_series(1, 1000000000)",
    "query_to_xml('SELECT 1', true, true, '')",
    "pg_stat_file('/etc/passwd')",
]
DANGEROUS_FUNCTIONS = [call.split("(")[0] for call in DANGEROUS_CALLS]


@dataclass
class Club:
    """The club database: its DataAccess and its reflected schema."""

    access: DataAccess
    schema: SchemaInfo

    def guard(self, **options: Any) -> SqlGuard:
        return SqlGuard(self.schema, dialect=self.access.dialect, **options)

    async def rows(self, guarded: GuardedSql) -> list[tuple[Any, ...]]:
        frame = await self.access.query_to_dataframe_async(guarded.sql, guarded.params)
        return [tuple(row) for row in frame.itertuples(index=False)]

    async def direct(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Any]:
        frame = await self.access.query_to_dataframe_async(sql, params)
        return [tuple(row) for row in frame.itertuples(index=False)]


async def build_club(url: str) -> Club:
    access = DataAccess(url, row_cap=5000)
    await access.execute_action_async([ActionStatement(s) for s in CLUB_SCHEMA + CLUB_ROWS])
    return Club(access, await access.get_schema_async())


@pytest.fixture
async def club(sqlite_url: str) -> AsyncIterator[Club]:
    built = await build_club(sqlite_url)
    yield built
    await built.access.dispose_async()


# -- hostile SQL ---------------------------------------------------------------------------------

HOSTILE = [
    ("SELECT 1; SELECT 2", None, "found 2 statements"),
    ("SELECT 1; DROP TABLE items", None, "found 2 statements"),
    ("SELECT 1 -- \n; DROP TABLE items", None, "found 2 statements"),
    ("", None, "found 0 statements"),
    ("DROP TABLE items", None, "found DROP"),
    ("DELETE FROM items", None, "found DELETE"),
    ("UPDATE items SET price = 0", None, "found UPDATE"),
    ("INSERT INTO users (id, first_name) VALUES (9, 'Eve')", None, "found INSERT"),
    ("CREATE TABLE x AS SELECT 1", None, "found CREATE"),
    ("WITH d AS (DELETE FROM items RETURNING *) SELECT * FROM d", None, "found DELETE"),
    ("SELECT * INTO x FROM items", None, r"found SELECT \.\.\. INTO"),
    ("SELECT * FROM items FOR UPDATE", None, "found FOR UPDATE"),
    ("PRAGMA table_info(items)", None, "found PRAGMA"),
    ("PRAGMA writable_schema = 1", None, "found PRAGMA"),
    ("ATTACH DATABASE 'other.db' AS other", None, "found ATTACH"),
    ("DETACH DATABASE other", None, "found DETACH"),
    ("VACUUM", None, "found VACUUM"),
    ("BEGIN", None, "found BEGIN"),
    ("EXPLAIN SELECT 1", None, "found EXPLAIN"),
    ("SELECT load_extension('x')", None, "Function load_extension is not allowed"),
    ("SELECT pg_sleep(10)", None, "Function pg_sleep is not allowed"),
    ("SELECT pg_read_file('/etc/passwd')", None, "Function pg_read_file is not allowed"),
    ("SELECT randomblob(1000000000)", None, "Function randomblob is not allowed"),
    ("SELECT * FROM pragma_table_info('items')", None, "Function pragma_table_info"),
    ("SELECT * FROM sqlite_master", None, "system table sqlite_master"),
    ("SELECT name FROM sqlite_schema", None, "system table sqlite_schema"),
    ("SELECT * FROM sqlite_temp_master", None, "system table sqlite_temp_master"),
    ("SELECT * FROM pg_catalog.pg_user", None, "system table pg_catalog.pg_user"),
    ("SELECT * FROM pg_user", None, "system table pg_user"),
    ("SELECT * FROM information_schema.tables", None, "system table information_schema"),
    ("SELECT * FROM main.items", None, "Schema-qualified table names such as main.items"),
    ("SELECT * FROM items INDEXED BY idx", None, r"Table options \(indexed\)"),
    ("SELECT secret FROM items", None, "Unknown column secret"),
    ("SELECT i.secret FROM items AS i", None, "Unknown column secret"),
    ("SELECT rowid FROM items", None, "Unknown column rowid"),
    ("SELECT * FROM secrets", None, "Unknown table secrets"),
    ("SELECT id FROM orders, users", None, "column id is ambiguous"),
    ("WITH items AS (SELECT 1 AS id) SELECT id FROM items", None, "CTE name items"),
    ("WITH a AS (SELECT id FROM b), b AS (SELECT 1 AS id) SELECT id FROM a", None, "table b"),
    ("SELECT x FROM (WITH c AS (SELECT 1 AS x) SELECT x FROM c) AS s", None, "WITH is only"),
    ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c", None,
     "Recursive CTEs"),
    ("SELECT id FROM items LIMIT :n", {"n": 5}, "LIMIT must be a whole number"),
    ("SELECT id FROM items LIMIT -1", None, "LIMIT must be a whole number"),
    ("SELECT id FROM items LIMIT 1 + 1", None, "LIMIT must be a whole number"),
    ("SELECT id FROM items LIMIT 5 OFFSET (SELECT 1)", None, "OFFSET must be a whole number"),
    ("SELECT id FROM items WHERE id = :id", None, "Parameter :id is used in the SQL but has no"),
    ("SELECT id FROM items WHERE id = :swoop_scope_0", {"swoop_scope_0": 2}, "reserved"),
    ("SELECT 1", {"swoop_scope_9": 2}, "reserved"),
    ("SELECT id FROM items WHERE id = ?", None, "Parameters must be written :name"),
    ('SELECT :"x FROM users --"', {"x FROM users --": 1}, "Parameters must be written :name"),
    ('SELECT EXTRACT("x FROM y" FROM created_at) FROM orders', None, "'X FROM Y' is not a plain"),
    ("SELECT CAST(id AS regclass) FROM items", None, "Casting to regclass is not allowed"),
    ("SELECT 'a :b' FROM items", None, "':b' inside a quoted value"),
    ("SELECT 'a :s' FROM orders WHERE status = :s", {"s": 7}, "':s' inside a quoted value"),
    ("/* cleanup */ VACUUM", None, "found VACUUM"),
    ("SELECT FROM WHERE", None, "could not be parsed"),
    ("SELECT " + "(" * 300 + "1" + ")" * 300, None, "nested too deeply"),
    ("SELECT 1" + " + 1" * 30_000, None, "longer than 100000 characters"),
    ("SELECT id FROM items, LATERAL (SELECT 1) AS x", None, "LATERAL is not allowed"),
]  # fmt: skip


@pytest.mark.parametrize(("sql", "params", "reason"), HOSTILE)
async def test_hostile_sql_is_refused(
    club: Club, sql: str, params: dict[str, Any] | None, reason: str
) -> None:
    with pytest.raises(GuardRefusal, match=reason) as refused:
        club.guard(**SCOPED).check(sql, params, scope=[1])
    assert refused.value.error_type is ErrorTypes.VALIDATION_ERROR
    assert await club.direct("SELECT COUNT(*) FROM items") == [(4,)]  # nothing was dropped


POSTGRES_HOSTILE = [
    ("COPY items TO '/tmp/items.csv'", "found COPY"),
    ("SET search_path = pg_catalog", "found SET"),
    ("CALL do_things()", "found CALL"),
    ("DO $$ BEGIN PERFORM 1; END $$", "found DO"),
    ("LISTEN events", "found LISTEN"),
    ("EXECUTE plan1", "found EXECUTE"),
    ("LOAD 'plugin'", "found LOAD"),
    ("SELECT * FROM items TABLESAMPLE SYSTEM (10)", "TABLESAMPLE is not allowed"),
    ("SELECT * FROM ONLY items", r"Table options \(only\)"),
    ("SELECT '1'::regclass", "not allowed"),
    ("SELECT current_user", "Function current_user is not allowed"),
    ("SELECT $1", "PARAMETER is not allowed"),
    ("SELECT E'a\\'b'", "is not allowed"),
    ("SELECT id FROM items FOR SHARE", "found FOR UPDATE / FOR SHARE"),
    ("SELECT id FROM items ORDER BY id FETCH FIRST 3 ROWS ONLY", "FETCH is not allowed"),
    ('SELECT "id" FROM "ITEMS"', "Unknown table ITEMS"),
]


@pytest.mark.parametrize(("sql", "reason"), POSTGRES_HOSTILE)
async def test_hostile_postgres_sql_is_refused(club: Club, sql: str, reason: str) -> None:
    guard = SqlGuard(club.schema, dialect="postgresql", **SCOPED)
    with pytest.raises(GuardRefusal, match=reason):
        guard.check(sql, scope=[1])


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
@pytest.mark.parametrize("call", DANGEROUS_CALLS)
async def test_dangerous_functions_are_refused(club: Club, dialect: str, call: str) -> None:
    guard = SqlGuard(club.schema, dialect=dialect)
    with pytest.raises(GuardRefusal, match=f"Function {call.split('(')[0]} is not allowed"):
        guard.check(f"SELECT {call}")


def test_allowlists_are_data_and_hold_no_writes() -> None:
    assert not set(DANGEROUS_FUNCTIONS) & ALLOWED_ANONYMOUS_FUNCTIONS
    assert not ALLOWED_NODES & set(WRITE_LABELS)
    assert not ALLOWED_FUNCTIONS & set(WRITE_LABELS)
    assert all(name == name.lower() for name in ALLOWED_ANONYMOUS_FUNCTIONS)


async def test_a_statement_hidden_in_a_comment_stays_a_comment(club: Club) -> None:
    """Decision: harmless and allowed; comments are dropped from the SQL that runs."""
    guarded = club.guard().check("SELECT 1 AS one /* ; DROP TABLE items */")
    assert "DROP" not in guarded.sql and "/*" not in guarded.sql
    assert await club.rows(guarded) == [(1,)]
    assert await club.direct("SELECT COUNT(*) FROM items") == [(4,)]


async def test_refusals_name_the_location_outside_the_scope(club: Club) -> None:
    guard = club.guard(**SCOPED)
    for sql, params in [
        ("SELECT id FROM orders WHERE location_id = 2", {}),
        ("SELECT id FROM orders AS o WHERE 2 = o.location_id", {}),
        ("SELECT id FROM orders WHERE location_id IN (1, 2)", {}),
        ("SELECT name FROM locations WHERE id = 2", {}),
        ("SELECT id FROM orders WHERE location_id = :loc", {"loc": 2}),
    ]:
        with pytest.raises(GuardRefusal, match="Location 2 is outside this conversation's scope"):
            guard.check(sql, params, scope=[1])
    allowed = guard.check("SELECT id FROM orders WHERE location_id = :loc", {"loc": 1}, scope=[1])
    assert await club.rows(allowed) == [(1,), (2,)]


async def test_only_allowed_base_tables_are_read(club: Club) -> None:
    """Views could read around the scope, so only base tables (and allowed ones) are readable."""
    assert club.schema.tables["big_orders"].is_view
    with pytest.raises(GuardRefusal, match="Table big_orders is not available to questions"):
        club.guard(**SCOPED).check("SELECT id FROM big_orders", scope=[1])
    with pytest.raises(GuardRefusal, match="CTE name big_orders is also a table's name"):
        club.guard().check("WITH big_orders AS (SELECT 1 AS id) SELECT id FROM big_orders")
    guard = club.guard(allowed_tables={"orders", "items", "nowhere"})
    with pytest.raises(GuardRefusal, match="Table users is not available to questions"):
        guard.check("SELECT o.id FROM orders o JOIN users u ON u.id = o.customer_id")
    assert await club.rows(guard.check("SELECT COUNT(*) FROM items")) == [(4,)]


async def test_scope_needs_configuration_and_values(club: Club) -> None:
    with pytest.raises(ConfigError, match="no scope table"):
        club.guard().check("SELECT id FROM orders", scope=[1])
    with pytest.raises(GuardRefusal, match="No location is in this conversation's scope"):
        club.guard(**SCOPED).check("SELECT id FROM orders", scope=[])
    with pytest.raises(ConfigError, match="one-column primary key"):
        club.guard(scope_table="nowhere", scope_column="location_id")


# -- scope ---------------------------------------------------------------------------------------

NO_ROWS = "SELECT 1 WHERE 1 = 0"
# (guarded SQL, direct SQL that reads location 1's rows by hand)
SCOPE_CASES = [
    ("SELECT id FROM orders ORDER BY id",
     "SELECT id FROM orders WHERE location_id = 1 ORDER BY id"),
    ("SELECT * FROM orders ORDER BY id",
     "SELECT * FROM orders WHERE location_id = 1 ORDER BY id"),
    ("SELECT id FROM locations", "SELECT id FROM locations WHERE id = 1"),
    ("SELECT id FROM location_hours", "SELECT id FROM location_hours WHERE location_id = 1"),
    ("SELECT id, name FROM items ORDER BY id",
     "SELECT i.id, i.name FROM items i JOIN categories c ON c.id = i.category_id "
     "JOIN menus m ON m.id = c.menu_id WHERE m.location_id = 1 ORDER BY i.id"),
    ("SELECT id FROM option_items", "SELECT 1"),
    ("SELECT id FROM order_items ORDER BY id",
     "SELECT oi.id FROM order_items oi JOIN orders o ON o.id = oi.order_id "
     "WHERE o.location_id = 1 ORDER BY oi.id"),
    ("SELECT id FROM order_option_items", "SELECT 1"),
    ("SELECT id, value FROM order_ratings_feedback ORDER BY id",
     "SELECT f.id, f.value FROM order_ratings_feedback f "
     "JOIN order_ratings r ON r.id = f.rating_id JOIN orders o ON o.id = r.order_id "
     "WHERE o.location_id = 1 ORDER BY f.id"),
    ("SELECT location_id, COUNT(*) AS n, SUM(total) AS sales FROM orders GROUP BY location_id",
     "SELECT location_id, COUNT(*), SUM(total) FROM orders WHERE location_id = 1 "
     "GROUP BY location_id"),
    ("SELECT id FROM orders WHERE location_id <> 1", NO_ROWS),
    ("SELECT id FROM orders WHERE id IN (SELECT order_id FROM order_items) ORDER BY id",
     "SELECT id FROM orders WHERE location_id = 1 ORDER BY id"),
    ("SELECT o.id FROM orders o WHERE o.id IN (SELECT 3) OR o.total >= 100", NO_ROWS),
    ("SELECT l.id FROM locations l WHERE EXISTS "
     "(SELECT 1 FROM orders o WHERE o.location_id = l.id AND o.total >= 100)", NO_ROWS),
    ("SELECT u.first_name FROM users u WHERE EXISTS "
     "(SELECT 1 FROM orders o WHERE o.customer_id = u.id) ORDER BY 1",
     "SELECT 'Ada' UNION ALL SELECT 'Ben'"),
    ("SELECT (SELECT MAX(total) FROM orders) AS top",
     "SELECT MAX(total) FROM orders WHERE location_id = 1"),
    ("WITH big AS (SELECT * FROM orders WHERE total > 0) SELECT id FROM big ORDER BY id",
     "SELECT id FROM orders WHERE location_id = 1 ORDER BY id"),
    ("WITH a AS (SELECT id FROM orders), b AS (SELECT id FROM a) SELECT COUNT(*) FROM b",
     "SELECT COUNT(*) FROM orders WHERE location_id = 1"),
    ("SELECT id FROM orders UNION SELECT order_id FROM order_items UNION "
     "SELECT order_id FROM order_ratings ORDER BY 1",
     "SELECT id FROM orders WHERE location_id = 1 ORDER BY 1"),
    ("SELECT a.id, b.id FROM orders a JOIN orders b ON b.customer_id <> a.customer_id "
     "ORDER BY 1, 2", "SELECT 1, 2 UNION ALL SELECT 2, 1"),
    ("SELECT i.name, SUM(oi.quantity) FROM order_items oi JOIN items i ON i.id = oi.item_id "
     "JOIN orders o ON o.id = oi.order_id GROUP BY i.name ORDER BY 1",
     "SELECT 'Caesar Salad', 1 UNION ALL SELECT 'Classic Burger', 2"),
    ("SELECT COUNT(*) FROM users", "SELECT 3"),  # users are global
    ("SELECT COUNT(*) FROM rating_categories", "SELECT 2"),
]  # fmt: skip


@pytest.mark.parametrize(("sql", "direct"), SCOPE_CASES)
async def test_scope_reads_only_in_scope_rows(club: Club, sql: str, direct: str) -> None:
    guarded = club.guard(**SCOPED).check(sql, scope=[1])
    assert guarded.params == {"swoop_scope_0": 1}
    assert await club.rows(guarded) == await club.direct(direct)


async def test_scope_paths_follow_the_shortest_foreign_key_chain(club: Club) -> None:
    guarded = club.guard(**SCOPED).check("SELECT id FROM order_option_items", scope=[1, 3])
    assert guarded.tables == {"order_option_items", "order_items", "orders"}
    assert "option_items" not in guarded.sql.replace("order_option_items", "")
    assert guarded.params == {"swoop_scope_0": 1, "swoop_scope_1": 3}
    unscoped = club.guard(**SCOPED).check("SELECT id FROM order_option_items")
    assert unscoped.tables == {"order_option_items"} and "swoop_scope" not in unscoped.sql
    assert await club.rows(unscoped) == [(1,), (2,)]


async def test_two_locations_in_scope(club: Club) -> None:
    guard = club.guard(**SCOPED)
    guarded = guard.check("SELECT id FROM orders ORDER BY id", scope=[1, 3])
    assert await club.rows(guarded) == [(1,), (2,), (5,)]
    items = guard.check("SELECT name FROM items ORDER BY id", scope=[3])
    assert await club.rows(items) == [("Airport Soda",)]


# -- row cap and output --------------------------------------------------------------------------

ROW_CAP_CASES = [
    ("SELECT id FROM orders ORDER BY id", 3, [1, 2, 3]),
    ("SELECT id FROM orders ORDER BY id LIMIT 50", 3, [1, 2, 3]),
    ("SELECT id FROM orders ORDER BY id LIMIT 2", 2, [1, 2]),
    ("SELECT id FROM orders ORDER BY id LIMIT 10 OFFSET 1", 3, [2, 3, 4]),
    ("SELECT id FROM orders UNION ALL SELECT id FROM users ORDER BY 1", 3, [1, 1, 2]),
    ("WITH o AS (SELECT id FROM orders LIMIT 100) SELECT id FROM o ORDER BY id", 3, [1, 2, 3]),
]


@pytest.mark.parametrize(("sql", "limit", "ids"), ROW_CAP_CASES)
async def test_row_cap(club: Club, sql: str, limit: int, ids: list[int]) -> None:
    guarded = club.guard(row_cap=3).check(sql)
    assert guarded.sql.endswith(f"LIMIT {limit}") or f"LIMIT {limit} OFFSET" in guarded.sql
    assert [row[0] for row in await club.rows(guarded)] == ids


async def test_everyday_sqlite_questions_pass_and_run(club: Club) -> None:
    guard = club.guard(**SCOPED)
    checks: list[tuple[str, dict[str, Any], list[tuple[Any, ...]]]] = [
        ("SELECT COUNT(*) FROM orders WHERE status = :status", {"status": 7}, [(2,)]),
        ("SELECT strftime('%Y-%m', created_at) AS month, SUM(total) AS sales FROM orders "
         "WHERE created_at >= :start GROUP BY month ORDER BY month",
         {"start": "2025-03-01"}, [("2025-03", 50.0)]),
        ("SELECT date(created_at) AS day, CAST(strftime('%H', created_at) AS INTEGER) AS hour, "
         "ROUND(julianday('2025-03-05') - julianday(created_at)) AS age FROM orders "
         "ORDER BY day", {}, [("2025-03-01", 12, 4.0), ("2025-03-02", 13, 2.0)]),
        ("SELECT UPPER(name) AS n, CASE WHEN price > 12 THEN 'big' ELSE 'small' END AS size, "
         "COALESCE(NULLIF(LENGTH(name), 0), 0) AS len FROM items "
         "WHERE LOWER(name) LIKE :pattern ORDER BY n",
         {"pattern": "%burger%"}, [("CLASSIC BURGER", "big", 14)]),
        ("SELECT id, ROW_NUMBER() OVER (ORDER BY total DESC) AS rn, "
         "LAG(total) OVER (ORDER BY id) AS prev FROM orders ORDER BY id",
         {}, [(1, 2, None), (2, 1, 20.0)]),
        ("SELECT status, COUNT(DISTINCT customer_id) AS customers FROM orders GROUP BY status "
         "HAVING customers > 1", {}, [(7, 2)]),
    ]  # fmt: skip
    for sql, params, expected in checks:
        rows = await club.rows(guard.check(sql, params, scope=[1]))
        assert [tuple(None if v != v else v for v in row) for row in rows] == expected, sql  # NaN


async def test_unnamed_outputs_are_named_by_their_expression(club: Club) -> None:
    guarded = club.guard().check("SELECT COUNT(*), SUM(total) FROM orders ORDER BY COUNT(*)")
    frame = await club.access.query_to_dataframe_async(guarded.sql, guarded.params)
    assert list(frame.columns) == ["COUNT(*)", "SUM(orders.total)"]
    guarded = club.guard().check(
        "SELECT COUNT(*) FILTER (WHERE status = :s), COUNT(*) FROM orders", {"s": 6}
    )
    frame = await club.access.query_to_dataframe_async(guarded.sql, guarded.params)
    assert list(frame.columns) == ["_col_0", "COUNT(*)"] and frame.iat[0, 0] == 1


async def test_checks_are_cached_per_statement_and_scope_size(club: Club) -> None:
    guard = club.guard(**SCOPED)
    first = guard.check("SELECT id FROM orders WHERE status = :s", {"s": 7}, scope=[1])
    again = guard.check("SELECT id FROM orders WHERE status = :s", {"s": 6}, scope=[2])
    assert first.sql == again.sql and again.params == {"s": 6, "swoop_scope_0": 2}
    assert await club.rows(again) == [(4,)]
    with pytest.raises(GuardRefusal, match="Parameter :s"):
        guard.check("SELECT id FROM orders WHERE status = :s", scope=[1])


# -- PostgreSQL ----------------------------------------------------------------------------------


@pytest.fixture
async def pg_club(postgres_url: str) -> AsyncIterator[Club]:
    built = await build_club(postgres_url)
    yield built
    await built.access.dispose_async()


@pytest.mark.postgres
async def test_guarded_sql_runs_on_postgres(pg_club: Club) -> None:
    guard = pg_club.guard(**SCOPED)
    assert guard.dialect == "postgresql"
    checks: list[tuple[str, dict[str, Any], list[int], list[tuple[Any, ...]]]] = [
        ("SELECT id FROM orders WHERE created_at >= :start AND status = :status ORDER BY id",
         {"start": dt.datetime(2025, 3, 2), "status": 7}, [1], [(2,)]),
        ("SELECT name FROM items WHERE name LIKE '%Burger%' ORDER BY name", {}, [1, 2],
         [("Classic Burger",), ("Uptown Burger",)]),
        ("SELECT EXTRACT(DAY FROM created_at) AS d, to_char(created_at, 'YYYY-MM') AS m, "
         "date_trunc('month', created_at) AS start FROM orders "
         "WHERE created_at < now() - INTERVAL '1 day' ORDER BY id", {}, [2],
         [(1.0, "2025-03", dt.datetime(2025, 3, 1)), (3.0, "2025-03", dt.datetime(2025, 3, 1))]),
        ("SELECT f.value FROM order_ratings_feedback f ORDER BY f.id", {}, [2], [(1,), (2,)]),
        ("WITH o AS (SELECT * FROM orders) SELECT COUNT(*) FROM o UNION ALL "
         "SELECT COUNT(*) FROM order_items", {}, [1, 3], [(3,), (3,)]),
        ("SELECT 'it''s a back\\slash' AS s", {}, [1], [("it's a back\\slash",)]),
        ("SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY total) AS median, "
         "string_agg(CAST(id AS TEXT), ',' ORDER BY id) AS ids FROM orders", {}, [1],
         [(25.0, "1,2")]),
    ]  # fmt: skip
    for sql, params, scope, expected in checks:
        guarded = guard.check(sql, params, scope=scope)
        assert "%(" not in guarded.sql and "$" not in guarded.sql
        assert await pg_club.rows(guarded) == expected, guarded.sql
    with pytest.raises(GuardRefusal, match="Location 2 is outside"):
        guard.check("SELECT id FROM orders WHERE location_id = 2", scope=[1])


@pytest.mark.postgres
async def test_postgres_row_cap_and_scope_match_direct_sql(pg_club: Club) -> None:
    guard = pg_club.guard(row_cap=2, **SCOPED)
    guarded = guard.check("SELECT id FROM orders UNION ALL SELECT id FROM users ORDER BY 1")
    assert [row[0] for row in await pg_club.rows(guarded)] == [1, 1]
    for sql, direct in SCOPE_CASES:
        guarded = pg_club.guard(**SCOPED).check(sql, scope=[1])
        assert await pg_club.rows(guarded) == await pg_club.direct(direct), sql
