"""Deterministic generator of the sample golf & country club database (DESIGN.md).

Only ``sqlite3`` and ``random.Random`` streams seeded from ``seed`` are used, so a seed and an end
date fix every row (and, with the same SQLite library, every byte). The database is built in a
temporary file beside the target and renamed into place; the semantic model is copied next to it.
"""

from __future__ import annotations

import calendar
import math
import os
import re
import sqlite3
import uuid
from bisect import bisect_right
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from importlib import resources
from itertools import accumulate, product
from pathlib import Path
from random import Random
from typing import Generic, TypeVar

from bot.sample import menu_data as md

T = TypeVar("T")
Row = tuple[object, ...]

MODEL_RESOURCE = "club.swoop.yaml"
MONTHS = 18
TARGET_ORDERS = 50_000
USERS = 2_000
MEMBERS_BEFORE_START = 0.7  # share of customers who joined before the first order day
ACTIVITY_CAP = 12.0  # the keenest member orders at most this many times the typical one
AWAY_ORDERS = 0.08  # share of orders placed by members of another club
RETIRED_DAYS = 75  # disabled items and option items left the menu this many days before `end`
WEEKDAY_FACTORS = (0.90, 0.95, 1.00, 1.05, 1.20, 1.60, 1.55)  # Monday..Sunday
CLOSED_DAYS = frozenset({(12, 25)})  # (month, day): every club closes on Christmas Day
SUMMER_PEAK = 196  # day of the year with the most orders (mid-July)
GROWTH = 0.08  # business grows this much over the period
PEAKS = ((8 * 60 + 15, 50.0), (12 * 60 + 30, 45.0), (18 * 60 + 30, 55.0))  # (mean, sd) minutes
LAST_CALL = 15  # no orders in the last minutes before closing
LINES = ((1, 2, 3, 4), (45, 30, 17, 8))  # distinct items per order and their weights
QUANTITIES = ((1, 2, 3), (82, 13, 5))
OPTIONAL_RATE = 0.3  # chance an optional option group (add-ons, toppings) gets a choice
TIP_PERCENTS = (0, 10, 15, 18, 20)
TIP_WEIGHTS = {1: (10, 15, 30, 25, 20), 2: (40, 20, 20, 10, 10)}  # by order type
ROUND_TIPS = (100, 200, 300, 500)  # cents
OPEN_STATUSES = ((0, 1, 2, 3, 4, 5), (1, 2, 2, 3, 2, 2))
CANCEL_RATE = 0.05
DELETE_RATE = 0.0005
RATING_RATE = 0.2
NOTE_RATE = 0.3
OVERALL_SCORES = ((5, 4, 3, 2, 1), (50, 30, 11, 5, 4))
SCORE_JITTER = (-1, 0, 0, 0, 1)
SPEED_CATEGORY = md.RATING_CATEGORIES.index("Speed") + 1

SCHEMA = """
CREATE TABLE locations (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, timezone TEXT NOT NULL,
    tax_rate REAL NOT NULL, active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)));
CREATE TABLE menus (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL,
    location_id INTEGER NOT NULL REFERENCES locations (id),
    disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)));
CREATE TABLE categories (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, menu_id INTEGER NOT NULL REFERENCES menus (id),
    disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)), seq_num INTEGER NOT NULL);
CREATE TABLE items (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, description TEXT,
    price REAL NOT NULL CHECK (price >= 0),
    category_id INTEGER NOT NULL REFERENCES categories (id),
    disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)), seq_num INTEGER NOT NULL);
CREATE TABLE options (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, item_id INTEGER NOT NULL REFERENCES items (id),
    min INTEGER NOT NULL DEFAULT 0, max INTEGER NOT NULL DEFAULT 1,
    disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)));
CREATE TABLE option_items (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL,
    option_id INTEGER NOT NULL REFERENCES options (id),
    price REAL NOT NULL DEFAULT 0 CHECK (price >= 0),
    disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)));
CREATE TABLE users (
    id INTEGER PRIMARY KEY, first_name TEXT NOT NULL, last_name TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE, phone TEXT, created_at TEXT NOT NULL);
CREATE TABLE orders (
    id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES users (id),
    location_id INTEGER NOT NULL REFERENCES locations (id),
    status INTEGER NOT NULL CHECK (status BETWEEN 0 AND 7),
    type INTEGER NOT NULL CHECK (type IN (1, 2)),
    total REAL NOT NULL, tax REAL NOT NULL, tip REAL NOT NULL DEFAULT 0,
    fee REAL NOT NULL DEFAULT 0, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    deleted_at TEXT);
CREATE TABLE order_items (
    id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders (id),
    item_id INTEGER NOT NULL REFERENCES items (id),
    quantity INTEGER NOT NULL CHECK (quantity > 0), unit_price REAL NOT NULL);
CREATE TABLE order_option_items (
    id INTEGER PRIMARY KEY, order_item_id INTEGER NOT NULL REFERENCES order_items (id),
    option_item_id INTEGER NOT NULL REFERENCES option_items (id), price REAL NOT NULL);
CREATE TABLE order_ratings (
    id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders (id),
    created_at TEXT NOT NULL);
CREATE TABLE rating_categories (id INTEGER PRIMARY KEY, label TEXT NOT NULL UNIQUE);
CREATE TABLE order_ratings_feedback (
    id INTEGER PRIMARY KEY, rating_id INTEGER NOT NULL REFERENCES order_ratings (id),
    category_id INTEGER NOT NULL REFERENCES rating_categories (id),
    value INTEGER NOT NULL CHECK (value BETWEEN 1 AND 5), notes TEXT);
CREATE TABLE location_hours (
    id INTEGER PRIMARY KEY, location_id INTEGER NOT NULL REFERENCES locations (id),
    day_of_week INTEGER NOT NULL CHECK (day_of_week BETWEEN 0 AND 6),
    open_time TEXT NOT NULL, close_time TEXT NOT NULL);
"""

INDEXES = {  # every foreign key, and what questions filter, group and sort on
    "menus": ["location_id"], "categories": ["menu_id"], "items": ["category_id", "name"],
    "options": ["item_id"], "option_items": ["option_id"], "users": ["last_name, first_name"],
    "orders": ["created_at", "location_id, created_at", "status", "customer_id"],
    "order_items": ["order_id", "item_id"], "order_ratings": ["order_id"],
    "order_option_items": ["order_item_id", "option_item_id"],
    "order_ratings_feedback": ["rating_id", "category_id"],
    "location_hours": ["location_id, day_of_week"],
}  # fmt: skip
TABLES = tuple(re.findall(r"CREATE TABLE (\w+)", SCHEMA))


@dataclass(frozen=True)
class SampleSummary:
    """What ``generate_sample_db`` wrote."""

    path: Path
    model_path: Path
    seed: int
    start: date
    end: date
    row_counts: dict[str, int]


class _Tables(dict[str, list[Row]]):
    """Rows per table; ``add`` numbers them 1, 2, ... as their INTEGER PRIMARY KEY."""

    def add(self, table: str, *values: object) -> int:
        rows = self.setdefault(table, [])
        rows.append((len(rows) + 1, *values))
        return len(rows)


class _Weighted(Generic[T]):
    """Values with relative weights; each pick costs one random draw."""

    def __init__(self, pairs: Sequence[tuple[T, float]]) -> None:
        self.values = [value for value, _ in pairs]
        self.cum = list(accumulate(weight for _, weight in pairs))
        if not self.values or self.cum[-1] <= 0:
            raise ValueError("nothing to pick from")

    def pick(self, rng: Random, among: int = 0) -> T:
        """One value, from the first `among` values when given."""
        limit = among or len(self.values)
        index = bisect_right(self.cum, rng.random() * self.cum[limit - 1])
        return self.values[min(index, limit - 1)]

    def pick_distinct(self, rng: Random, count: int) -> list[T]:
        picked: list[T] = []
        for _ in range(count * 4):
            if len(picked) == count:
                break
            value = self.pick(rng)
            if value not in picked:
                picked.append(value)
        return picked


@dataclass(frozen=True, eq=False)
class _Choice:
    id: int
    price: int  # cents


@dataclass(frozen=True, eq=False)
class _Option:
    min: int
    max: int
    choices: tuple[_Weighted[_Choice], _Weighted[_Choice]]  # before / after retirement


@dataclass(frozen=True, eq=False)
class _Item:
    id: int
    name: str
    price: int  # cents
    options: tuple[_Option, ...]


@dataclass(frozen=True, eq=False)
class _Club:
    id: int
    spec: md.LocationSpec
    tax_e4: int  # tax rate in 1/10,000
    fee: int  # delivery fee in cents
    closes: tuple[int, ...]  # Monday..Sunday, minute of the day
    minutes: tuple[_Weighted[int], ...]  # Monday..Sunday: minute of the day of an order
    menus: dict[tuple[str, bool], _Weighted[_Item]]  # (daypart, retired items gone)


def _cents(dollars: float) -> int:
    return round(dollars * 100)


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _stamp(moment: datetime) -> str:
    return moment.isoformat(" ", "seconds")


def _months_before(day: date, months: int) -> date:
    year, month0 = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month0 + 1, min(day.day, calendar.monthrange(year, month0 + 1)[1]))


def _minute_curve(spec: md.LocationSpec, hours: tuple[str, str]) -> _Weighted[int]:
    """Order minutes of one day: breakfast, lunch and dinner peaks over a flat base."""
    first, last = _minutes(hours[0]), _minutes(hours[1]) - LAST_CALL
    *peaks, flat = spec.dayparts
    pairs = []
    for minute in range(first, last):
        weight = flat / (last - first)
        for share, (mean, sd) in zip(peaks, PEAKS, strict=True):
            weight += share * math.exp(-0.5 * ((minute - mean) / sd) ** 2) / (sd * 2.5066283)
        pairs.append((minute, weight))
    return _Weighted(pairs)


def _catalog(rows: _Tables) -> list[_Club]:
    """Insert-ready rows of the static tables, and the clubs with what they sell."""
    for label in md.RATING_CATEGORIES:
        rows.add("rating_categories", label)
    clubs: list[_Club] = []
    for spec in md.LOCATIONS:
        loc_id = rows.add("locations", spec.name, spec.timezone, spec.tax_rate, 1)
        for weekday, hours in enumerate(spec.hours):
            rows.add("location_hours", loc_id, weekday, *hours)
        menu_id = rows.add("menus", spec.menu, loc_id, 0)
        offers: list[tuple[md.ItemSpec, _Item, bool]] = []
        for cat_seq, cat in enumerate(spec.categories, 1):
            cat_id = rows.add("categories", cat.name, menu_id, cat.disabled, cat_seq)
            for seq, item in enumerate(cat.items, 1):
                values = (item.name, item.description, item.price, cat_id, item.disabled, seq)
                item_id = rows.add("items", *values)
                options = tuple(_option(rows, item_id, md.OPTIONS[key]) for key in item.options)
                built = _Item(item_id, item.name, _cents(item.price), options)
                offers.append((item, built, item.disabled or cat.disabled))
        menus: dict[tuple[str, bool], _Weighted[_Item]] = {}
        for (_, part), late in product(md.DAY_PARTS, (False, True)):
            served = [(built, item.popularity) for item, built, retired in offers
                      if part in md.SERVED[item.daypart] and not (late and retired)]  # fmt: skip
            menus[(part, late)] = _Weighted(served)
        closes = tuple(_minutes(hours[1]) for hours in spec.hours)
        curves = tuple(_minute_curve(spec, hours) for hours in spec.hours)
        tax_e4, fee = round(spec.tax_rate * 10_000), _cents(spec.delivery_fee)
        clubs.append(_Club(loc_id, spec, tax_e4, fee, closes, curves, menus))
    return clubs


def _option(rows: _Tables, item_id: int, spec: md.OptionSpec) -> _Option:
    option_id = rows.add("options", spec.name, item_id, spec.min, spec.max, 0)
    early: list[tuple[_Choice, float]] = []
    late: list[tuple[_Choice, float]] = []
    for name, price, weight, disabled in spec.choices:
        choice = _Choice(rows.add("option_items", name, option_id, price, disabled), _cents(price))
        early.append((choice, weight))
        late += [] if disabled else [(choice, weight)]
    return _Option(spec.min, spec.max, (_Weighted(early), _Weighted(late)))


class _Customers:
    """Who orders: by join time, weighted by how often each orders (a few order a lot)."""

    def __init__(self, people: list[tuple[str, int, float]]) -> None:
        self.joined = [joined for joined, _, _ in people]
        self.pool = _Weighted([(user_id, weight) for _, user_id, weight in people])

    def pick(self, rng: Random, at: str) -> int | None:
        known = bisect_right(self.joined, at)
        return self.pool.pick(rng, known) if known else None


def _users(rows: _Tables, rng: Random, start: date, end: date) -> list[_Customers]:
    """Insert the customers (ids in join order); return who can order, per club and overall."""
    homes = _Weighted([(i, spec.share) for i, spec in enumerate(md.LOCATIONS)])
    taken: set[str] = set()
    people: list[tuple[str, str, str, str, str, int, float]] = []
    for _ in range(USERS):
        home = homes.pick(rng)
        first, last = rng.choice(md.FIRST_NAMES), rng.choice(md.LAST_NAMES)
        if rng.random() < MEMBERS_BEFORE_START:
            joined = start - timedelta(days=rng.randint(1, 5 * 365))
        else:
            joined = start + timedelta(days=rng.randint(0, (end - start).days - 7))
        moment = datetime.combine(joined, time(7)) + timedelta(seconds=rng.randrange(15 * 3600))
        given, family = (part.lower().replace("'", "") for part in (first, last))
        candidates = [f"{given}.{family}", f"{given[0]}{family}", f"{given}{family[0]}"]
        local = next((name for name in candidates if name not in taken), "")
        while not local or local in taken:
            local = f"{given}.{family}{rng.randint(2, 99)}"
        taken.add(local)
        email = f"{local}@{rng.choice(md.EMAIL_DOMAINS)}"
        phone = f"({rng.choice(md.LOCATIONS[home].area_codes)}) 555-{rng.randrange(10_000):04d}"
        activity = min(ACTIVITY_CAP, rng.lognormvariate(0, 0.9))
        people.append((_stamp(moment), first, last, email, phone, home, activity))
    people.sort()
    pools: list[list[tuple[str, int, float]]] = [[] for _ in range(len(md.LOCATIONS) + 1)]
    for joined_at, first, last, email, phone, home, weight in people:
        user_id = rows.add("users", first, last, email, phone, joined_at)
        pools[home].append((joined_at, user_id, weight))
        pools[-1].append((joined_at, user_id, weight))
    return [_Customers(pool) for pool in pools]


def _expected(spec: md.LocationSpec, day: date, progress: float) -> float:
    """Relative order volume of one club on one day: weekday, season and growth."""
    if (day.month, day.day) in CLOSED_DAYS:
        return 0.0
    angle = 2 * math.pi * (day.timetuple().tm_yday - SUMMER_PEAK) / 365.25
    season = 1 + spec.season_amplitude * math.cos(angle)
    return spec.share * WEEKDAY_FACTORS[day.weekday()] * season * (1 + GROWTH * progress)


class _OrderBook:
    """Orders and everything hanging off them, generated day by day in time order."""

    def __init__(self, rows: _Tables, rng: Random, customers: list[_Customers], end: date) -> None:
        self.rows, self.rng, self.customers, self.end = rows, rng, customers, end
        self.last_moment = datetime.combine(end, time(23, 59, 59))

    def run(self, clubs: list[_Club], start: date) -> None:
        days = (self.end - start).days + 1
        retire_on = self.end - timedelta(days=RETIRED_DAYS)
        expected = [
            [_expected(club.spec, start + timedelta(days=day), day / days) for club in clubs]
            for day in range(days)
        ]
        scale = TARGET_ORDERS / sum(map(sum, expected))
        for offset, rates in enumerate(expected):
            day = start + timedelta(days=offset)
            todays: list[tuple[int, int]] = []
            for index, (club, rate) in enumerate(zip(clubs, rates, strict=True)):
                mean = rate * scale * math.exp(self.rng.gauss(0, 0.1))
                count = max(0, round(self.rng.gauss(mean, math.sqrt(mean)))) if mean else 0
                curve = club.minutes[day.weekday()]
                for _ in range(count):
                    todays.append((curve.pick(self.rng) * 60 + self.rng.randrange(60), index))
            midnight = datetime.combine(day, time())
            for seconds, index in sorted(todays):
                created = midnight + timedelta(seconds=seconds)
                self._order(clubs[index], created, day >= retire_on)

    def _order(self, club: _Club, created: datetime, late: bool) -> None:
        rng, stamp, rows = self.rng, _stamp(created), self.rows
        order_id = len(rows.get("orders", ())) + 1
        minute = created.hour * 60 + created.minute
        daypart = [name for begins, name in md.DAY_PARTS if minute >= begins][-1]
        kind = 1 if rng.random() < club.spec.delivery_share else 2
        subtotal, main = 0, (0, "")
        for item in club.menus[(daypart, late)].pick_distinct(rng, rng.choices(*LINES)[0]):
            quantity = rng.choices(*QUANTITIES)[0]
            line_id = rows.add("order_items", order_id, item.id, quantity, item.price / 100)
            unit = item.price
            for option in item.options:
                count = option.min
                if not count and rng.random() < OPTIONAL_RATE:
                    count = min(option.max, 1 if rng.random() < 0.75 else 2)
                for choice in option.choices[late].pick_distinct(rng, count):
                    rows.add("order_option_items", line_id, choice.id, choice.price / 100)
                    unit += choice.price
            subtotal += quantity * unit
            main = max(main, (item.price, item.name))
        status = self._status(club, created, kind)
        tax = (subtotal * club.tax_e4 + 5_000) // 10_000
        percent = rng.choices(TIP_PERCENTS, TIP_WEIGHTS[kind])[0]
        tip = (subtotal * percent + 50) // 100
        if percent and rng.random() < 0.15:
            tip = rng.choice(ROUND_TIPS)
        fee = club.fee if kind == 1 else 0
        wait = {7: (20, 50) if kind == 1 else (10, 35), 6: (2, 20)}.get(status, (0, 10))
        updated = created + timedelta(minutes=rng.randint(*wait), seconds=rng.randrange(60))
        deleted = None
        if status >= 6 and rng.random() < DELETE_RATE:
            gone = updated + timedelta(seconds=rng.randint(3_600, 72 * 3_600))
            deleted = _stamp(max(updated, min(gone, self.last_moment)))
        customer = self.customers[club.id - 1].pick(rng, stamp)
        if customer is None or rng.random() < AWAY_ORDERS:
            customer = self.customers[-1].pick(rng, stamp) or customer
        money = (cents / 100 for cents in (subtotal + tax + tip + fee, tax, tip, fee))
        rows.add("orders", customer, club.id, status, kind, *money, stamp, _stamp(updated), deleted)
        if status == 7 and deleted is None and rng.random() < RATING_RATE:
            self._rate(club, order_id, updated, kind, main[1])

    def _status(self, club: _Club, created: datetime, kind: int) -> int:
        """Completed, sometimes cancelled; still open only late on the last two days."""
        days_left = (self.end - created.date()).days
        evening = created.hour * 60 + created.minute >= club.closes[created.weekday()] - 240
        chance = {0: 0.6 if evening else 0.03, 1: 0.02}.get(days_left, 0.0)
        if self.rng.random() < chance:
            status = self.rng.choices(*OPEN_STATUSES)[0]
            return 4 if status == 5 and kind == 2 else status  # pickups are never in transit
        return 6 if self.rng.random() < CANCEL_RATE else 7

    def _rate(self, club: _Club, order_id: int, after: datetime, kind: int, item: str) -> None:
        rng = self.rng
        rated = after + timedelta(seconds=rng.randint(600, 36 * 3_600))
        if rated > self.last_moment:
            return
        rating_id = self.rows.add("order_ratings", order_id, _stamp(rated))
        overall = rng.choices(*OVERALL_SCORES)[0]
        categories = range(1, len(md.RATING_CATEGORIES) + (1 if rng.random() < 0.8 else -1))
        noted = rng.choice(categories) if rng.random() < NOTE_RATE else 0
        for category_id in categories:
            value = overall + rng.choice(SCORE_JITTER)
            if category_id == SPEED_CATEGORY and kind == 1 and rng.random() < 0.3:
                value -= 1
            value, note = min(5, max(1, value)), None
            if category_id == noted:
                mood = "negative" if value <= 2 else "mixed" if value == 3 else "positive"
                templates = md.COMMENTS[md.RATING_CATEGORIES[category_id - 1]][mood]
                note = rng.choice(templates).format(item=item, spot=club.spec.spot)
            self.rows.add("order_ratings_feedback", rating_id, category_id, value, note)


def _stream(seed: int, name: str) -> Random:
    """An independent random stream per part, so changing one part leaves the others alone."""
    return Random(f"swoop-sample:{seed}:{name}")


def _build(conn: sqlite3.Connection, seed: int, start: date, end: date) -> dict[str, int]:
    conn.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + SCHEMA)
    rows = _Tables()
    clubs = _catalog(rows)
    customers = _users(rows, _stream(seed, "users"), start, end)
    _OrderBook(rows, _stream(seed, "orders"), customers, end).run(clubs, start)
    conn.execute("BEGIN")
    for table in TABLES:
        if rows.get(table):
            marks = ", ".join("?" * len(rows[table][0]))
            conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows[table])
    conn.execute("COMMIT")
    for table, indexes in INDEXES.items():
        for columns in indexes:
            name = "_".join(["ix", table, *re.findall(r"\w+", columns)])
            conn.execute(f"CREATE INDEX {name} ON {table} ({columns})")
    conn.execute("ANALYZE")
    return {table: len(rows.get(table, ())) for table in TABLES}


def generate_sample_db(path: Path, *, seed: int = 0, end: date | None = None) -> SampleSummary:
    """Write the sample database at `path` (replacing any file there) and its semantic model
    beside it as `<path>.swoop.yaml`."""
    path = Path(path)
    end = end or date.today()
    start = _months_before(end, MONTHS) + timedelta(days=1)
    model_path = Path(str(path) + ".swoop.yaml")
    path.parent.mkdir(parents=True, exist_ok=True)
    token = uuid.uuid4().hex[:12]  # names only: the content depends on seed and end alone
    database, model = (path.with_name(f".{path.name}.{token}{ext}") for ext in (".db", ".yaml"))
    try:
        with closing(sqlite3.connect(database, isolation_level=None)) as conn:
            counts = _build(conn, seed, start, end)
        model.write_bytes(resources.files("bot.sample").joinpath(MODEL_RESOURCE).read_bytes())
        for suffix in ("-wal", "-shm", "-journal"):  # stale sidecars would corrupt the new file
            Path(str(path) + suffix).unlink(missing_ok=True)
        os.replace(database, path)
        os.replace(model, model_path)
    finally:
        database.unlink(missing_ok=True)
        model.unlink(missing_ok=True)
    return SampleSummary(path, model_path, seed, start, end, counts)
