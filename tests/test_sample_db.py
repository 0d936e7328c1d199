"""The sample database: deterministic, DESIGN.md's schema, realistic shapes and a valid model."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.sample import SampleSummary, generate_sample_db

END = date(2025, 6, 15)

# DESIGN.md, "Sample database": the names are fixed.
DESIGN_TABLE = """
locations: id name timezone tax_rate active
menus: id name location_id disabled
categories: id name menu_id disabled seq_num
items: id name description price category_id disabled seq_num
options: id name item_id min max disabled
option_items: id name option_id price disabled
users: id first_name last_name email phone created_at
orders: id customer_id location_id status type total tax tip fee created_at updated_at deleted_at
order_items: id order_id item_id quantity unit_price
order_option_items: id order_item_id option_item_id price
order_ratings: id order_id created_at
rating_categories: id label
order_ratings_feedback: id rating_id category_id value notes
location_hours: id location_id day_of_week open_time close_time
"""
DESIGN_SCHEMA = {
    table: columns.split()
    for table, columns in (line.split(": ") for line in DESIGN_TABLE.strip().splitlines())
}
FOREIGN_KEYS = {
    ("menus", "location_id"): "locations",
    ("categories", "menu_id"): "menus",
    ("items", "category_id"): "categories",
    ("options", "item_id"): "items",
    ("option_items", "option_id"): "options",
    ("orders", "customer_id"): "users",
    ("orders", "location_id"): "locations",
    ("order_items", "order_id"): "orders",
    ("order_items", "item_id"): "items",
    ("order_option_items", "order_item_id"): "order_items",
    ("order_option_items", "option_item_id"): "option_items",
    ("order_ratings", "order_id"): "orders",
    ("order_ratings_feedback", "rating_id"): "order_ratings",
    ("order_ratings_feedback", "category_id"): "rating_categories",
    ("location_hours", "location_id"): "locations",
}


def _rows(conn: sqlite3.Connection, sql: str, *params: object) -> list[tuple[Any, ...]]:
    return conn.execute(sql, params).fetchall()


def _one(conn: sqlite3.Connection, sql: str, *params: object) -> Any:
    return conn.execute(sql, params).fetchone()[0]


def _tables(conn: sqlite3.Connection) -> set[str]:
    names = _rows(conn, "SELECT name FROM sqlite_master WHERE type = 'table'")
    return {name for (name,) in names if not name.startswith("sqlite_")}


def _dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(path) as conn:
        return {table: _rows(conn, f"SELECT * FROM {table} ORDER BY id") for table in _tables(conn)}


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> SampleSummary:
    return generate_sample_db(tmp_path_factory.mktemp("first") / "club.db", seed=7, end=END)


@pytest.fixture(scope="module")
def db(sample: SampleSummary) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(f"file:{sample.path}?mode=ro", uri=True)
    yield conn
    conn.close()


def test_same_seed_and_end_give_identical_files_replacing_what_was_there(
    sample: SampleSummary, tmp_path: Path
) -> None:
    target = tmp_path / "again.db"
    target.write_text("not a database")
    Path(f"{target}-wal").write_text("stale write-ahead log")

    again = generate_sample_db(target, seed=7, end=END)

    assert again.row_counts == sample.row_counts
    assert (again.start, again.end) == (sample.start, sample.end)
    assert _dump(again.path) == _dump(sample.path)
    assert again.path.read_bytes() == sample.path.read_bytes()
    assert again.model_path.read_bytes() == sample.model_path.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again.db", "again.db.swoop.yaml"]


def test_a_different_seed_gives_different_data(sample: SampleSummary, tmp_path: Path) -> None:
    other = generate_sample_db(tmp_path / "other.db", seed=8, end=END)
    first, second = _dump(sample.path), _dump(other.path)
    assert first["items"] == second["items"]  # the menu is fixed
    assert first["users"] != second["users"]
    assert first["orders"][:100] != second["orders"][:100]


def test_summary_and_paths(sample: SampleSummary, db: sqlite3.Connection) -> None:
    assert sample.model_path == Path(f"{sample.path}.swoop.yaml")
    assert sample.model_path.is_file()
    assert (sample.seed, sample.start, sample.end) == (7, date(2023, 12, 16), END)
    assert sample.row_counts == {t: _one(db, f"SELECT COUNT(*) FROM {t}") for t in DESIGN_SCHEMA}


def test_schema_has_exactly_the_design_names(db: sqlite3.Connection) -> None:
    assert _tables(db) == set(DESIGN_SCHEMA)
    for table, columns in DESIGN_SCHEMA.items():
        info = _rows(db, f"PRAGMA table_info({table})")
        assert [row[1] for row in info] == columns, table
        assert [(row[1], row[2], row[5]) for row in info if row[5]] == [("id", "INTEGER", 1)]


def test_foreign_keys_are_declared_and_hold(db: sqlite3.Connection) -> None:
    declared = {
        (table, row[3]): row[2]
        for table in DESIGN_SCHEMA
        for row in _rows(db, f"PRAGMA foreign_key_list({table})")
    }
    assert declared == FOREIGN_KEYS
    assert _rows(db, "PRAGMA foreign_key_check") == []
    assert _one(db, "PRAGMA integrity_check") == "ok"


def test_filter_and_join_columns_are_indexed(db: sqlite3.Connection) -> None:
    indexed = {
        (table, _rows(db, f"PRAGMA index_info({index[1]})")[0][2])
        for table in DESIGN_SCHEMA
        for index in _rows(db, f"PRAGMA index_list({table})")
    }
    needed = {("orders", "created_at"), ("orders", "location_id"), ("orders", "status")}
    assert needed | set(FOREIGN_KEYS) <= indexed


def test_volumes_and_period(sample: SampleSummary, db: sqlite3.Connection) -> None:
    counts = sample.row_counts
    assert counts["locations"] == 3
    assert counts["menus"] >= 3
    assert 50 <= counts["items"] <= 70
    assert 1_900 <= counts["users"] <= 2_100
    assert 40_000 <= counts["orders"] <= 60_000
    assert counts["order_items"] > counts["orders"]
    first, last = _rows(db, "SELECT MIN(created_at), MAX(created_at) FROM orders")[0]
    assert date.fromisoformat(last[:10]) == END
    assert sample.start <= date.fromisoformat(first[:10]) <= sample.start + timedelta(days=3)
    assert 540 <= (END - sample.start).days <= 550  # about 18 months
    assert _one(db, "SELECT COUNT(DISTINCT substr(created_at, 1, 7)) FROM orders") == 19
    assert _one(db, "SELECT SUM(active) FROM locations") == 3


def test_weekends_are_busier_than_weekdays(db: sqlite3.Connection) -> None:
    per_day = _rows(
        db,
        "SELECT strftime('%w', created_at) IN ('0', '6'), COUNT(*) * 1.0 / COUNT(DISTINCT"
        " date(created_at)) FROM orders GROUP BY 1 ORDER BY 1",
    )
    (_, weekday), (_, weekend) = per_day
    assert weekend > 1.3 * weekday


def test_lunch_is_busier_than_mid_afternoon(db: sqlite3.Connection) -> None:
    def count(start: str, stop: str) -> int:
        sql = "SELECT COUNT(*) FROM orders WHERE time(created_at) >= ? AND time(created_at) < ?"
        return int(_one(db, sql, start, stop))

    lunch_per_hour = count("11:30", "13:30") / 2
    assert lunch_per_hour > 5 * count("15:00", "16:00")
    assert count("17:30", "19:30") / 2 > 2 * count("15:00", "16:00")
    assert count("06:00", "10:30") > 0  # breakfast


def test_no_order_outside_location_hours(db: sqlite3.Connection) -> None:
    outside = _one(
        db,
        """SELECT COUNT(*) FROM orders o JOIN location_hours h ON h.location_id = o.location_id
           AND h.day_of_week = (CAST(strftime('%w', o.created_at) AS INTEGER) + 6) % 7
           WHERE strftime('%H:%M', o.created_at) < h.open_time
              OR strftime('%H:%M', o.created_at) >= h.close_time""",
    )
    assert outside == 0
    assert _one(db, "SELECT COUNT(*) FROM location_hours") == 21
    times = _rows(db, "SELECT open_time, close_time FROM location_hours")
    assert all(re.fullmatch(r"\d\d:\d\d", t) for pair in times for t in pair)


def test_statuses_types_and_timestamps(db: sqlite3.Connection, sample: SampleSummary) -> None:
    total = sample.row_counts["orders"]
    by_status = dict(_rows(db, "SELECT status, COUNT(*) FROM orders GROUP BY status"))
    assert by_status[7] > 0.85 * total
    assert 0.03 * total < by_status[6] < 0.07 * total
    open_since = _one(db, "SELECT MIN(created_at) FROM orders WHERE status < 6")
    assert open_since >= str(END - timedelta(days=1))
    delivery = _one(db, "SELECT AVG(type = 1) FROM orders")
    assert 0.2 < delivery < 0.4
    assert set(dict(_rows(db, "SELECT type, 1 FROM orders GROUP BY type"))) == {1, 2}
    deleted = _one(db, "SELECT COUNT(*) FROM orders WHERE deleted_at IS NOT NULL")
    assert 0 < deleted < 100
    stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"
    for created, updated, gone in _rows(
        db, "SELECT created_at, updated_at, deleted_at FROM orders"
    ):
        assert re.fullmatch(stamp, created) and re.fullmatch(stamp, updated)
        assert created <= updated and (gone is None or updated <= gone)
    late_joiners = _one(
        db,
        "SELECT COUNT(*) FROM orders o JOIN users u ON u.id = o.customer_id"
        " WHERE u.created_at > o.created_at",
    )
    assert late_joiners == 0


def test_totals_add_up(db: sqlite3.Connection) -> None:
    wrong = _one(
        db,
        """WITH lines AS (
             SELECT oi.order_id, SUM(oi.quantity * (oi.unit_price + COALESCE(
               (SELECT SUM(price) FROM order_option_items WHERE order_item_id = oi.id), 0)))
               AS subtotal
             FROM order_items oi GROUP BY oi.order_id)
           SELECT COUNT(*) FROM orders o JOIN lines l ON l.order_id = o.id
           JOIN locations loc ON loc.id = o.location_id
           WHERE abs(o.total - (l.subtotal + o.tax + o.tip + o.fee)) > 0.005
              OR abs(o.tax - round(l.subtotal * loc.tax_rate, 2)) > 0.011
              OR (o.type = 2 AND o.fee != 0) OR (o.type = 1 AND o.fee <= 0)
              OR o.tip > l.subtotal * 0.25 + 5""",
    )
    assert wrong == 0
    empty = "SELECT COUNT(*) FROM orders WHERE id NOT IN (SELECT order_id FROM order_items)"
    assert _one(db, empty) == 0
    mismatched = _one(
        db,
        """SELECT COUNT(*) FROM order_items oi JOIN items i ON i.id = oi.item_id
           WHERE oi.unit_price != i.price OR oi.quantity NOT BETWEEN 1 AND 3""",
    )
    assert mismatched == 0
    mismatched = _one(
        db,
        """SELECT COUNT(*) FROM order_option_items ooi
           JOIN option_items oi ON oi.id = ooi.option_item_id
           JOIN options o ON o.id = oi.option_id
           JOIN order_items li ON li.id = ooi.order_item_id
           WHERE ooi.price != oi.price OR o.item_id != li.item_id""",
    )
    assert mismatched == 0
    unmet = _one(
        db,
        """SELECT COUNT(*) FROM (
             SELECT o.min, o.max, COUNT(ooi.id) AS chosen FROM order_items li
             JOIN options o ON o.item_id = li.item_id
             JOIN option_items oi ON oi.option_id = o.id
             LEFT JOIN order_option_items ooi
               ON ooi.order_item_id = li.id AND ooi.option_item_id = oi.id
             GROUP BY li.id, o.id)
           WHERE chosen < min OR chosen > max""",
    )
    assert unmet == 0  # every required option (burger temperature, drink size) was answered
    lines = _rows(db, "SELECT COUNT(*) FROM order_items GROUP BY order_id")
    assert {n for (n,) in lines} == {1, 2, 3, 4}


def test_menu_is_realistic_with_ambiguous_names(db: sqlite3.Connection) -> None:
    names = {name: price for name, price in _rows(db, "SELECT name, price FROM items")}
    for wanted in ("Caesar Salad", "Club Sandwich", "Margherita Pizza", "Pepperoni Pizza",
                   "Arnold Palmer", "Hot Dog", "Classic Burger", "Bacon Cheeseburger"):  # fmt: skip
        assert wanted in names
    assert names["Club Sandwich"] == 13.95 and names["Caesar Salad"] == 11.50
    assert len([n for n in names if "burger" in n.lower()]) >= 3  # "burger" is ambiguous
    assert len(names) == _one(db, "SELECT COUNT(*) FROM items")  # names are unique
    assert 1 <= _one(db, "SELECT SUM(disabled) FROM items") <= 5
    assert 1 <= _one(db, "SELECT SUM(disabled) FROM categories") <= 2
    assert 1 <= _one(db, "SELECT SUM(disabled) FROM option_items") <= 15
    temperature = _rows(
        db,
        """SELECT o.min, o.max, group_concat(oi.name, ', ') FROM options o
           JOIN items i ON i.id = o.item_id JOIN option_items oi ON oi.option_id = o.id
           WHERE i.name = 'Classic Burger' AND o.name = 'Temperature' GROUP BY o.id""",
    )
    assert temperature == [(1, 1, "Rare, Medium Rare, Medium, Medium Well, Well Done")]
    addons = dict(
        _rows(
            db,
            """SELECT oi.name, oi.price FROM options o JOIN items i ON i.id = o.item_id
               JOIN option_items oi ON oi.option_id = o.id
               WHERE i.name = 'Classic Burger' AND o.name = 'Add-ons'""",
        )
    )
    assert (addons["Bacon"], addons["Avocado"], addons["Extra Cheese"]) == (2.0, 2.5, 1.0)
    seqs = _rows(db, "SELECT category_id, group_concat(seq_num) FROM items GROUP BY 1")
    assert all(s == ",".join(map(str, range(1, s.count(",") + 2))) for _, s in seqs)


def test_options_and_ratings_on_orders(db: sqlite3.Connection, sample: SampleSummary) -> None:
    assert sample.row_counts["order_option_items"] > 10_000
    assert _one(db, "SELECT COUNT(*) FROM order_option_items WHERE price > 0") > 1_000
    completed = _one(db, "SELECT COUNT(*) FROM orders WHERE status = 7")
    assert 0.15 * completed < sample.row_counts["order_ratings"] < 0.25 * completed
    assert _one(db, "SELECT COUNT(*) FROM rating_categories") == 4
    scores = dict(_rows(db, "SELECT value, COUNT(*) FROM order_ratings_feedback GROUP BY 1"))
    assert set(scores) == {1, 2, 3, 4, 5}
    assert scores[4] + scores[5] > 0.6 * sum(scores.values())
    notes = [n for (n,) in _rows(db, "SELECT notes FROM order_ratings_feedback WHERE notes > ''")]
    assert len(notes) > 500 and not any("{" in n for n in notes)
    rated_early = _one(
        db,
        """SELECT COUNT(*) FROM order_ratings r JOIN orders o ON o.id = r.order_id
           WHERE r.created_at <= o.created_at OR o.status != 7 OR r.created_at > ?""",
        f"{END} 23:59:59",
    )
    assert rated_early == 0


def _model_references(model: dict[str, Any]) -> Iterator[tuple[str, str | None]]:
    """Every (table, column) the semantic model names; column None for a bare table."""
    yield model["scope"]["table"], "id"
    yield model["time"]["timezone"]["table"], model["time"]["timezone"]["column"]
    for table, spec in model["tables"].items():
        yield table, None
        for key in ("name_column", "time_column", "sort_column"):
            if key in spec:
                yield table, spec[key]
        for key in ("value_columns", "display_columns"):
            for column in spec.get(key, []):
                yield table, column
        for flt in [*spec.get("default_filters", []), spec.get("active_filter", {})]:
            if flt:
                yield table, flt["column"]
        for column in spec.get("columns", {}):
            yield table, column
        if "parent" in spec:
            yield spec["parent"], None
    for metric in model["metrics"].values():
        yield metric["table"], None
        for flt in metric.get("filters", []):
            yield metric["table"], flt["column"]
        for table, column in re.findall(r"\b([A-Za-z_]\w*)\.([A-Za-z_]\w*)\b", metric["expr"]):
            yield table, column


def test_semantic_model_names_only_what_exists(
    sample: SampleSummary, db: sqlite3.Connection
) -> None:
    model = yaml.safe_load(sample.model_path.read_text(encoding="utf-8"))
    assert model["version"] == 1
    assert set(model["tables"]) == set(DESIGN_SCHEMA)  # every table is described
    schema = {t: {row[1] for row in _rows(db, f"PRAGMA table_info({t})")} for t in _tables(db)}
    references = list(_model_references(model))
    assert len(references) > 150
    for table, column in references:
        assert table in schema, table
        assert column is None or column in schema[table], f"{table}.{column}"
    scope = model["scope"]  # the column that scopes rows to the tenant table
    scoped = {t for (t, column), target in FOREIGN_KEYS.items() if column == scope["column"]}
    assert scoped == {"orders", "menus", "location_hours"}
    assert {FOREIGN_KEYS[(t, scope["column"])] for t in scoped} == {scope["table"]}
    metrics = model["metrics"]
    assert metrics["revenue"]["expr"] == "SUM(orders.total)"
    assert metrics["orders"]["expr"] == "COUNT(DISTINCT orders.id)"
    assert metrics["items_sold"]["expr"] == "SUM(order_items.quantity)"
    joined = (
        "orders JOIN order_items ON order_items.order_id = orders.id"
        " JOIN order_option_items ON order_item_id = order_items.id"
        " JOIN order_ratings ON order_ratings.order_id = orders.id"
        " JOIN order_ratings_feedback ON rating_id = order_ratings.id"
        " JOIN users ON users.id = orders.customer_id"
    )
    for name, metric in metrics.items():
        db.execute(f"EXPLAIN SELECT {metric['expr']} FROM {joined}")  # compiles: names resolve
        assert metric["format"] in {"money", "count", "number", "percent"}, name
    status = model["tables"]["orders"]["columns"]["status"]["codes"]
    assert status == {0: "Open", 1: "Pending", 2: "Confirmed", 3: "In Progress", 4: "Ready",
                      5: "In Transit", 6: "Cancelled", 7: "Completed"}  # fmt: skip
    assert {code for (code,) in _rows(db, "SELECT DISTINCT status FROM orders")} <= set(status)
