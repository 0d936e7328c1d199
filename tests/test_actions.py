"""The action engine: parse → preview → apply → undo, on SQLite and PostgreSQL.

Reading requests runs on the sample model. Every test that writes gets its own database: a copy
of the sample club (SQLite) or a small club-shaped database built in a fresh PostgreSQL
database, both with the ``actions:`` section of the sample model.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.actions import (
    ActionCatalog,
    ActionClarification,
    ActionEngine,
    ActionPreview,
    ActionRequest,
    Operation,
)
from bot.actions.parser import ActionParser
from bot.data import ActionStatement, DataAccess
from bot.errors import ActionError, ConfigError, NotFoundError, SwoopError, ValidationError
from bot.understanding.model import SemanticModel
from bot.understanding.pipeline import Understanding

SAMPLE = yaml.safe_load(
    (Path(__file__).parents[1] / "bot/sample/club.swoop.yaml").read_text(encoding="utf-8")
)
SAMPLE_ACTIONS = SAMPLE["actions"]
PEBBLE = 1  # the location every end-to-end test works in (scope)


# -- fixtures ------------------------------------------------------------------------------------


@dataclass
class Kit:
    data: DataAccess
    model: SemanticModel
    engine: ActionEngine
    understanding: Understanding

    def with_actions(self, actions: list[dict[str, Any]]) -> ActionEngine:
        """An engine over the same data with another ``actions:`` section."""
        model = replace(self.model, overlay={**self.model.overlay, "actions": actions})
        u = self.understanding
        return ActionEngine(model, self.data, u.guard, u.index, ActionCatalog.from_model(model))


async def load_kit(url: str, model_path: Path) -> Kit:
    data = DataAccess(url)
    u = await Understanding.load_async(data, model_path)
    engine = ActionEngine(u.model, data, u.guard, u.index, ActionCatalog.from_model(u.model))
    return Kit(data, u.model, engine, u)


@pytest.fixture(scope="module")
def reader(sample_db: Path) -> ActionEngine:
    """An engine on the sample model for reading requests (it never touches the data)."""

    async def load() -> ActionEngine:
        kit = await load_kit(f"sqlite+aiosqlite:///{sample_db}", Path(f"{sample_db}.swoop.yaml"))
        await kit.data.dispose_async()
        return kit.engine

    return asyncio.run(load())


def sample_copy(sample_db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "club.db"
    shutil.copyfile(sample_db, copy)
    shutil.copyfile(f"{sample_db}.swoop.yaml", f"{copy}.swoop.yaml")
    return copy


@pytest.fixture
async def club(sample_db: Path, tmp_path: Path) -> AsyncIterator[Kit]:
    """The sample club on a SQLite copy of its own."""
    copy = sample_copy(sample_db, tmp_path)
    kit = await load_kit(f"sqlite+aiosqlite:///{copy}", Path(f"{copy}.swoop.yaml"))
    try:
        yield kit
    finally:
        await kit.data.dispose_async()


# A small club in PostgreSQL: the sample's names and prices for what the tests touch, exact
# numeric(10,2) prices, and a second location with a category of the same name (Salads).
PG_SCHEMA = (
    "CREATE TABLE locations (id integer PRIMARY KEY, name text NOT NULL)",
    "CREATE TABLE menus (id integer PRIMARY KEY, name text NOT NULL,"
    " location_id integer NOT NULL REFERENCES locations (id))",
    "CREATE TABLE categories (id integer PRIMARY KEY, name text NOT NULL,"
    " menu_id integer NOT NULL REFERENCES menus (id))",
    "CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL,"
    " price numeric(10, 2) NOT NULL CHECK (price >= 0),"
    " category_id integer NOT NULL REFERENCES categories (id),"
    " disabled smallint NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)))",
    "CREATE TABLE options (id integer PRIMARY KEY, name text NOT NULL,"
    " item_id integer NOT NULL REFERENCES items (id), disabled smallint NOT NULL DEFAULT 0)",
    "CREATE TABLE option_items (id integer PRIMARY KEY, name text NOT NULL,"
    " option_id integer NOT NULL REFERENCES options (id),"
    " price numeric(10, 2) NOT NULL DEFAULT 0 CHECK (price >= 0),"
    " disabled smallint NOT NULL DEFAULT 0)",
    "INSERT INTO locations VALUES (1, 'Pebble Creek Golf Club'), (2, 'Oak Hollow Country Club')",
    "INSERT INTO menus VALUES (1, 'Clubhouse Grill', 1), (2, 'The Terrace Room', 2)",
    "INSERT INTO categories VALUES (1, 'Burgers', 1), (2, 'Salads', 1), (3, 'Sandwiches', 1),"
    " (4, 'Salads', 2), (5, 'Breakfast', 1)",
    "INSERT INTO items VALUES (1, 'Classic Burger', 14.50, 1, 0),"
    " (2, 'Bacon Cheeseburger', 16.50, 1, 0), (3, 'Mushroom Swiss Burger', 16.00, 1, 0),"
    " (4, 'Caesar Salad', 11.50, 2, 0), (5, 'Cobb Salad', 14.95, 2, 0),"
    " (6, 'Club Sandwich', 13.95, 3, 0), (7, 'Chicken Salad Sandwich', 12.95, 3, 0),"
    " (8, 'Wedge Salad', 11.95, 4, 0), (9, 'Grilled Chicken Salad', 12.95, 4, 0),"
    " (10, 'Avocado Toast', 10.50, 5, 1)",
    "INSERT INTO options VALUES (1, 'Add-ons', 1, 0), (2, 'Add-ons', 2, 0), (3, 'Dressing', 5, 0)",
    "INSERT INTO option_items VALUES (1, 'Bacon', 1, 2.00, 0), (2, 'Avocado', 1, 2.50, 0),"
    " (3, 'Bacon', 2, 2.00, 0), (4, 'Ranch', 3, 0, 0)",
)
ACTIVE = {"column": "disabled", "op": "=", "value": 0}
PG_MODEL = {
    "scope": {"table": "locations", "column": "location_id"},
    "generic_words": ["club", "golf", "country", "the", "menu"],
    "tables": {
        "locations": {"synonyms": ["location", "club"]},
        "categories": {"synonyms": ["category"]},
        "items": {"synonyms": ["item", "dish"], "active_filter": ACTIVE},
        "options": {"synonyms": ["option"], "active_filter": ACTIVE},
        "option_items": {
            "synonyms": ["option item", "add-on", "add-ons"],
            "active_filter": ACTIVE,
            "columns": {"price": {"label": "option price"}},
        },
    },
    "state_words": SAMPLE["state_words"],  # "86", "off the menu": the club's own words
    "actions": SAMPLE_ACTIONS,
}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def club_url(request: pytest.FixtureRequest, sample_db: Path, tmp_path: Path) -> tuple[str, Path]:
    """The URL and model file of a writable club: a sample copy, or the small PostgreSQL club."""
    if request.param == "sqlite":
        copy = sample_copy(sample_db, tmp_path)
        return f"sqlite+aiosqlite:///{copy}", Path(f"{copy}.swoop.yaml")
    path = tmp_path / "club.swoop.yaml"
    path.write_text(yaml.safe_dump(PG_MODEL), encoding="utf-8")
    return str(request.getfixturevalue("postgres_url")), path


@pytest.fixture
async def kit(club_url: tuple[str, Path]) -> AsyncIterator[Kit]:
    """A writable club on each backend."""
    url, model_path = club_url
    if url.startswith("postgresql"):
        setup = DataAccess(url)
        try:
            await setup.execute_action_async([ActionStatement(sql) for sql in PG_SCHEMA])
        finally:
            await setup.dispose_async()
    kit = await load_kit(url, model_path)
    try:
        yield kit
    finally:
        await kit.data.dispose_async()


# -- helpers -------------------------------------------------------------------------------------


async def column(kit: Kit, table: str, name: str = "price") -> dict[int, Any]:
    frame = await kit.data.query_to_dataframe_async(
        f"SELECT id, {name} AS v FROM {table} ORDER BY id", row_cap=10_000
    )
    return {int(k): v for k, v in zip(frame["id"], frame["v"].tolist(), strict=True)}


async def ids(kit: Kit, table: str, name: str) -> list[int]:
    frame = await kit.data.query_to_dataframe_async(
        f"SELECT id FROM {table} WHERE name = :n ORDER BY id", {"n": name}
    )
    return [int(v) for v in frame["id"]]


async def change(kit: Kit, sql: str, **params: Any) -> None:
    """Someone else's change, behind the engine's back."""
    await kit.data.execute_action_async([ActionStatement(sql, params)])


def request(engine: ActionEngine, text: str) -> ActionRequest:
    parsed = engine.parse(text)
    assert isinstance(parsed, ActionRequest), f"{text!r} → {parsed}"
    return parsed


async def preview(kit: Kit, text: str, scope: list[int] | None = None) -> ActionPreview:
    shown = await kit.engine.preview_async(request(kit.engine, text), scope=scope or [PEBBLE])
    assert isinstance(shown, ActionPreview), f"{text!r} → {shown}"
    return shown


async def settled(kit: Kit, wanted: ActionRequest, scope: list[int] | None) -> ActionPreview:
    shown = await kit.engine.preview_async(wanted, scope=scope)
    assert isinstance(shown, ActionPreview), f"{wanted} → {shown}"
    return shown


def by_name(p: ActionPreview) -> dict[str, tuple[Any, Any]]:
    return {c.name: (c.before, c.after) for c in p.changes}


# -- the catalogue -------------------------------------------------------------------------------


def test_catalog_reads_the_sample_actions(reader: ActionEngine) -> None:
    catalog = reader.catalog
    assert [(s.table, s.column, s.kind) for s in catalog] == [
        ("items", "price", "number"),
        ("option_items", "price", "number"),
        ("items", "disabled", "toggle"),
        ("options", "disabled", "toggle"),
        ("option_items", "disabled", "toggle"),
    ]
    price = catalog.get("items", "price")
    assert price is not None
    assert (price.minimum, price.maximum, price.decimals, price.format) == (0, 500, 2, "money")
    assert price.group == "categories" and "price" in price.words
    toggle = catalog.get("items", "disabled")
    assert toggle is not None and (toggle.on, toggle.off) == (0, 1)
    assert catalog.for_operation(Operation.DISABLE) == catalog.specs[2:]


def test_no_actions_section_is_an_empty_catalog(reader: ActionEngine) -> None:
    model = replace(reader.model, overlay={})
    assert len(ActionCatalog.from_model(model)) == 0
    engine = ActionEngine(model, reader.data, reader.guard, reader.index, ActionCatalog())
    with pytest.raises(ValidationError, match="didn't understand"):
        engine.parse("disable the caesar salad")


PRICE = {"table": "items", "column": "price", "kind": "number"}
CATALOG_MISTAKES = [
    ({"table": "items"}, r"actions\[0\] \(items\): kind should be one of"),
    ({"table": "nope", "kind": "toggle"}, "table 'nope' is not a table"),
    ({**PRICE, "column": "nope"}, "column 'nope'"),
    ({**PRICE, "column": "name"}, "not a plain number column"),
    ({**PRICE, "colour": 1}, r"unknown keys \['colour'\]"),
    ({**PRICE, "min": 5, "max": 1}, "min 5.0 is above max"),
    ({**PRICE, "max": "lots"}, "max should be a number"),
    ({**PRICE, "group": "orders"}, "group orders is not reached"),
    ({**PRICE, "context": "users"}, "context users is not reached"),
    ({**PRICE, "format": "euro"}, "format should be"),
    ({**PRICE, "decimals": 9}, "decimals should be"),
    ({"table": "users", "kind": "toggle"}, "needs a name_column"),
    ({"table": "rating_categories", "kind": "toggle"}, "give rating_categories an active_filter"),
    ({"table": "items", "column": "seq_num", "kind": "toggle"}, "give the values that mean on"),
    ("items", "should be a mapping"),
]


@pytest.mark.parametrize(("actions", "problem"), CATALOG_MISTAKES)
def test_catalog_mistakes_are_config_errors(
    reader: ActionEngine, actions: Any, problem: str
) -> None:
    model = replace(reader.model, overlay={"actions": [actions]})
    with pytest.raises(ConfigError, match=problem):
        ActionCatalog.from_model(model)


def test_catalog_refuses_duplicates_and_non_lists(reader: ActionEngine) -> None:
    entry = {"table": "items", "kind": "toggle"}
    with pytest.raises(ConfigError, match="listed twice"):
        ActionCatalog.from_model(replace(reader.model, overlay={"actions": [entry, entry]}))
    with pytest.raises(ConfigError, match="should be a list"):
        ActionCatalog.from_model(replace(reader.model, overlay={"actions": entry}))


# -- reading requests ----------------------------------------------------------------------------


CLUB, CAESAR, BACON = ("Club Sandwich",), ("Caesar Salad",), ("Bacon",)
# text, action, the table the names are of, the names, the amount ("10%": a percentage)
PHRASINGS = [
    ("set the price of the Club Sandwich to $14.50", "set_price", "items", CLUB, 14.5),
    ("change club sandwich price to 14.50", "set_price", "items", CLUB, 14.5),
    ("make the club sandwich $14.50", "set_price", "items", CLUB, 14.5),
    ("club sandwich price 14.50", "set_price", "items", CLUB, 14.5),
    ("Please set the Reuben to $15 thanks", "set_price", "items", ("Reuben",), 15.0),
    ("raise burger prices by 10%", "adjust_price", "categories", ("Burgers",), "10%"),
    ("increase the price of burgers by $1", "adjust_price", "categories", ("Burgers",), 1.0),
    ("lower salads by 5%", "adjust_price", "categories", ("Salads",), "-5%"),
    ("cut pizza prices by $2", "adjust_price", "categories", ("Pizzas",), -2.0),
    ("knock 50 cents off the club sandwich", "adjust_price", "items", CLUB, -0.5),
    ("raise the caesar salad price by 10 percent", "adjust_price", "items", CAESAR, "10%"),
    ("disable the caesar salad", "disable", "items", CAESAR, None),
    ("86 the caesar salad", "disable", "items", CAESAR, None),
    ("turn off the crab cakes", "disable", "items", ("Crab Cakes",), None),
    ("take the cobb salad off the menu", "disable", "items", ("Cobb Salad",), None),
    ("the reuben is sold out", "disable", "items", ("Reuben",), None),
    ("enable the avocado toast", "enable", "items", ("Avocado Toast",), None),
    ("put the avocado toast back on the menu", "enable", "items", ("Avocado Toast",), None),
    ("disable the bacon add-on", "disable", "option_items", BACON, None),
    ("disable the Dressing option", "disable", "options", ("Dressing",), None),
    ("set the bacon add-on to $2.50", "set_price", "option_items", BACON, 2.5),
    ("set the price of the Bacon option to 2.50", "set_price", "option_items", BACON, 2.5),
    ("disable the extra cheese", "disable", "option_items", ("Extra Cheese",), None),
    ("disable the reuben and the cobb salad", "disable", "items", ("Reuben", "Cobb Salad"), None),
    # the club's own words (the model's state_words)
    ("eighty-six the cobb salad", "disable", "items", ("Cobb Salad",), None),
    ("the reuben is 86'd", "disable", "items", ("Reuben",), None),
    ("the reuben is eighty sixed", "disable", "items", ("Reuben",), None),
    ("mark the reuben off the menu", "disable", "items", ("Reuben",), None),
    ("remove the cobb salad from the menu", "disable", "items", ("Cobb Salad",), None),
    ("un-86 the avocado toast", "enable", "items", ("Avocado Toast",), None),
    ("please un86 the avocado toast", "enable", "items", ("Avocado Toast",), None),
    ("the avocado toast is back on the menu", "enable", "items", ("Avocado Toast",), None),
    ("add the avocado toast to the menu", "enable", "items", ("Avocado Toast",), None),
]


@pytest.mark.parametrize(("text", "action", "match_table", "names", "amount"), PHRASINGS)
def test_phrasings(
    reader: ActionEngine,
    text: str,
    action: str,
    match_table: str,
    names: tuple[str, ...],
    amount: float | str | None,
) -> None:
    parsed = request(reader, text)
    assert (parsed.action, parsed.match_table, parsed.names) == (action, match_table, names)
    if isinstance(amount, str):
        assert (parsed.amount, parsed.percent) == (float(amount.rstrip("%")), True)
    else:
        assert (parsed.amount, parsed.percent) == (amount, False)
    assert parsed.text == text
    assert ActionRequest.from_dict(json.loads(json.dumps(parsed.to_dict()))) == parsed


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("disable the cesar salad", "Caesar Salad"),
        ("set the price of the club sandwhich to 14.50", "Club Sandwich"),
        ("turn off the mushroom swiss burgr", "Mushroom Swiss Burger"),
    ],
)
def test_names_are_matched_fuzzily(reader: ActionEngine, text: str, name: str) -> None:
    assert request(reader, text).names == (name,)


def test_one_phrase_matching_several_names_is_one_request_of_alternatives(
    reader: ActionEngine,
) -> None:
    parsed = request(reader, "disable the chicken salad")
    assert parsed.names == ("Chicken Salad Sandwich", "Grilled Chicken Salad")
    assert (parsed.alternatives, parsed.every, parsed.phrase) == (True, False, "chicken salad")
    assert (parsed.action, parsed.table) == ("disable", "items")
    assert ActionRequest.from_dict(json.loads(json.dumps(parsed.to_dict()))) == parsed


@pytest.mark.parametrize(
    ("text", "every"),
    [
        ("set the price of all wraps to 11", True),
        ("raise every burger by $1", True),
        ("disable each salad", True),
        ("set the wrap price to 11", False),
        ("raise burger prices by $1", False),
    ],
)
def test_all_every_each_say_every_row_is_meant(
    reader: ActionEngine, text: str, every: bool
) -> None:
    assert request(reader, text).every is every


@pytest.mark.parametrize(
    "text",
    [
        "86 the caesar salad",
        "eighty-six the caesar salad",
        "un-86 the avocado toast",
        "the reuben is 86'd",
        "remove the cobb salad from the menu",
        "put the avocado toast back on the menu",
    ],
)
def test_without_state_words_the_clubs_own_words_are_not_a_change(
    reader: ActionEngine, text: str
) -> None:
    plain = ActionParser(replace(reader.model, state_words={}), reader.parser.catalog)
    with pytest.raises(ValidationError, match="I didn't understand that as a change"):
        plain.parse(text)


@pytest.mark.parametrize(
    ("text", "action", "names"),
    [
        ("disable the caesar salad", "disable", CAESAR),
        ("turn off the crab cakes", "disable", ("Crab Cakes",)),
        ("the reuben is sold out", "disable", ("Reuben",)),
        ("hide the cobb salad", "disable", ("Cobb Salad",)),
        ("restore the avocado toast", "enable", ("Avocado Toast",)),
        ("put the avocado toast back", "enable", ("Avocado Toast",)),
        ("the avocado toast is available", "enable", ("Avocado Toast",)),
    ],
)
def test_without_state_words_general_english_still_is(
    reader: ActionEngine, text: str, action: str, names: tuple[str, ...]
) -> None:
    plain = ActionParser(replace(reader.model, state_words={}), reader.parser.catalog)
    parsed = plain.parse(text)
    assert isinstance(parsed, ActionRequest)
    assert (parsed.action, parsed.names) == (action, names)


def test_one_name_in_two_tables_asks_which(reader: ActionEngine) -> None:
    parsed = reader.parse("turn off the french fries")
    assert isinstance(parsed, ActionClarification)
    assert [(o.table, o.label) for o in parsed.options] == [
        ("items", "French Fries (item)"),
        ("option_items", "French Fries (option item)"),
    ]
    # naming the table settles it
    assert request(reader, "turn off the french fries add-on").table == "option_items"


NOT_FOUND = "I couldn't find an item called “lobster roll”."
UNREADABLE = [
    ("set the price of the lobster roll to $20", NotFoundError, NOT_FOUND),
    ("disable the lobster roll", NotFoundError, NOT_FOUND),
    ("disable the onion rings side", NotFoundError, "“onion rings side”"),
    ("set the price of the club sandwich", ValidationError, "How much?"),
    ("raise burger prices", ValidationError, "How much?"),
    ("set the price of the club sandwich to abc", ValidationError, "couldn't read “abc”"),
    ("raise burger prices by ten percent", ValidationError, "couldn't read “ten percent”"),
    ("set the club sandwich to 10%", ValidationError, "not a percentage"),
    ("lower salads by -5%", ValidationError, "positive amount"),
    ("raise burger prices by 0%", ValidationError, "changes nothing"),
    ("turn it off", ValidationError, "Which one?"),
    ("disable pebble creek", ValidationError, "is a location, which I can't change"),
    ("what were sales last week?", ValidationError, "I can change prices and option prices"),
    ("undo", ValidationError, "didn't understand"),
    ("hello", ValidationError, "didn't understand"),
]


@pytest.mark.parametrize(("text", "error", "message"), UNREADABLE)
def test_requests_that_cannot_be_read_say_why(
    reader: ActionEngine, text: str, error: type[SwoopError], message: str
) -> None:
    with pytest.raises(error) as raised:
        reader.parse(text)
    assert type(raised.value) is error
    assert message in raised.value.message


HOSTILE = [
    "'; DROP TABLE items; --",
    "disable '; DROP TABLE items; --",
    "set the price of '; DROP TABLE items; -- to 5",
    "disable the caesar salad'; DELETE FROM items WHERE '1'='1",
    'raise items" OR 1=1 -- prices by 10%',
    "disable " + "a" * 5000,
    "set the price of \x00 to $1",
    "",
    "   ",
    "86",
    "$14.50",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_only_ever_a_swoop_error(reader: ActionEngine, text: str) -> None:
    try:
        parsed = reader.parse(text)
    except SwoopError:
        return
    assert isinstance(parsed, ActionRequest | ActionClarification)
    assert all(" drop " not in n.lower() for n in getattr(parsed, "names", ()))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_arbitrary_text_never_raises_anything_else(reader: ActionEngine, text: str) -> None:
    with contextlib.suppress(SwoopError):
        reader.parse(text)


# -- end to end, on both backends ----------------------------------------------------------------


async def test_set_price_end_to_end(kit: Kit) -> None:
    (sandwich,) = await ids(kit, "items", "Club Sandwich")
    before = await column(kit, "items")
    shown = await preview(kit, "set the price of the Club Sandwich to $14.50")
    assert shown.action == "set_price" and (shown.table, shown.column) == ("items", "price")
    assert shown.description == "Set the price of Club Sandwich to $14.50"
    assert [(c.id, c.name, c.location, c.before, c.after) for c in shown.changes] == [
        (sandwich, "Club Sandwich", "Pebble Creek Golf Club", 13.95, 14.5)
    ]
    assert shown.as_table() == (
        ["Item", "Location", "Before", "After"],
        [["Club Sandwich", "Pebble Creek Golf Club", "$13.95", "$14.50"]],
    )
    assert await column(kit, "items") == before  # a preview writes nothing

    waiting = json.loads(json.dumps(shown.to_dict()))  # as the state store keeps it
    assert ActionPreview.from_dict(waiting) == shown
    outcome = await kit.engine.apply_async(ActionPreview.from_dict(waiting))
    assert (outcome.rowcount, outcome.changes, outcome.undo) == (1, shown.changes, False)
    assert outcome.elapsed_ms >= 0
    assert await column(kit, "items") == {**before, sandwich: 14.5}

    undone = await kit.engine.undo_async(waiting)
    assert (undone.rowcount, undone.undo) == (1, True)
    assert undone.description == "Undo: set the price of Club Sandwich to $14.50"
    assert await column(kit, "items") == before


async def test_group_percent_change_touches_the_category_in_scope_only(kit: Kit) -> None:
    before = await column(kit, "items")
    salads = await preview(kit, "lower all salads by 5%", scope=[PEBBLE])
    assert by_name(salads) == {"Caesar Salad": (11.5, 10.93), "Cobb Salad": (14.95, 14.2)}
    assert {c.location for c in salads.changes} == {"Pebble Creek Golf Club"}
    assert salads.description == "Lower the price of every item in Salads (2 items) by 5%"
    assert salads.action == "adjust_price"

    outcome = await kit.engine.apply_async(salads)
    assert outcome.rowcount == 2
    after = await column(kit, "items")
    changed: dict[int, Any] = {int(c.id): c.after for c in salads.changes}
    assert after == {**before, **changed}  # other locations' Salads untouched
    await kit.engine.undo_async(salads)
    assert await column(kit, "items") == before


async def test_group_amount_change_and_scope_of_all_locations(kit: Kit) -> None:
    before = await column(kit, "items")
    burgers = await preview(kit, "increase the price of all burgers by $1")
    assert by_name(burgers) == {
        "Bacon Cheeseburger": (16.5, 17.5),
        "Classic Burger": (14.5, 15.5),
        "Mushroom Swiss Burger": (16.0, 17.0),
    }
    await kit.engine.apply_async(burgers)
    assert sorted((await column(kit, "items")).values()) != sorted(before.values())
    await kit.engine.undo_async(burgers.to_dict())
    assert await column(kit, "items") == before
    # no scope: every location's Salads
    everywhere = await settled(kit, request(kit.engine, "lower every salad by 5%"), None)
    assert {c.location for c in everywhere.changes} >= {
        "Pebble Creek Golf Club",
        "Oak Hollow Country Club",
    }


async def salads(kit: Kit) -> list[tuple[int, str, str]]:
    """Every item of a category named Salads, as a clarification lists them."""
    frame = await kit.data.query_to_dataframe_async(
        "SELECT i.id, i.name, l.name AS location FROM items i"
        " JOIN categories c ON c.id = i.category_id JOIN menus m ON m.id = c.menu_id"
        " JOIN locations l ON l.id = m.location_id WHERE c.name = 'Salads'"
        " ORDER BY l.name, i.name, i.id"
    )
    return [(int(i), str(n), str(lo)) for i, n, lo in frame.itertuples(index=False)]


async def test_a_category_in_several_places_asks_which_row(kit: Kit) -> None:
    before = await column(kit, "items")
    rows = await salads(kit)
    places = len({location for _, _, location in rows})
    asked = await kit.engine.preview_async(request(kit.engine, "lower salads by 5%"), scope=None)
    assert isinstance(asked, ActionClarification)
    assert asked.question == (
        f"“salads” names {len(rows)} items at {places} locations (every item in Salads). "
        "Which one should I change?"
    )
    assert [o.label for o in asked.options] == [
        *(f"{name} ({location})" for _, name, location in rows),
        f"All {len(rows)} of them",
    ]
    assert [o.ids for o in asked.options] == [
        *((i,) for i, _, _ in rows),
        tuple(i for i, _, _ in rows),
    ]
    assert asked.all_option == len(rows)
    waiting = ActionClarification.from_dict(json.loads(json.dumps(asked.to_dict())))
    assert waiting == asked

    first, name, location = rows[0]
    one = await settled(kit, waiting.options[0], None)
    assert [c.id for c in one.changes] == [first]
    assert one.description == f"Lower the price of {name} ({location}) by 5%"
    every = await settled(kit, waiting.options[-1], None)
    assert [c.id for c in every.changes] == [i for i, _, _ in rows]
    assert every.description == f"Lower the price of every item in Salads ({len(rows)} items) by 5%"
    assert await column(kit, "items") == before  # asking and previewing write nothing


async def test_the_scope_can_make_a_name_one_thing_or_still_several(kit: Kit) -> None:
    pebble = [row for row in await salads(kit) if row[2] == "Pebble Creek Golf Club"]
    asked = await kit.engine.preview_async(
        request(kit.engine, "lower salads by 5%"), scope=[PEBBLE]
    )
    assert isinstance(asked, ActionClarification)
    # one location: the labels need no location to tell the rows apart
    assert [o.label for o in asked.options] == [
        *(name for _, name, _ in pebble),
        f"All {len(pebble)} of them",
    ]
    wanted = request(kit.engine, "disable the grilled chicken salad")  # one name, one row here
    assert len((await settled(kit, wanted, None)).changes) == 1


async def test_no_choice_is_offered_when_none_could_be_valid(kit: Kit) -> None:
    with pytest.raises(ValidationError, match="is not a valid price"):
        await preview(kit, "set the price of the salads to $900")
    with pytest.raises(ValidationError, match="already on"):
        await kit.engine.preview_async(request(kit.engine, "enable the salads"), scope=[PEBBLE])


async def test_toggles_end_to_end(kit: Kit) -> None:
    (caesar,) = await ids(kit, "items", "Caesar Salad")
    (toast,) = await ids(kit, "items", "Avocado Toast")
    before = await column(kit, "items", "disabled")
    assert (before[caesar], before[toast]) == (0, 1)

    off = await preview(kit, "86 the caesar salad")
    assert (off.action, off.description) == ("disable", "Turn off Caesar Salad")
    assert off.as_table()[1] == [["Caesar Salad", "Pebble Creek Golf Club", "on", "off"]]
    await kit.engine.apply_async(off)
    assert (await column(kit, "items", "disabled"))[caesar] == 1

    on = await preview(kit, "put the avocado toast back on the menu")
    assert on.action == "enable" and by_name(on) == {"Avocado Toast": (1, 0)}
    await kit.engine.apply_async(on)
    assert (await column(kit, "items", "disabled"))[toast] == 0

    await kit.engine.undo_async(on)
    await kit.engine.undo_async(off)
    assert await column(kit, "items", "disabled") == before


async def test_option_items_and_options_end_to_end(kit: Kit) -> None:
    bacon = await ids(kit, "option_items", "Bacon")
    prices = await column(kit, "option_items")
    flags = await column(kit, "option_items", "disabled")

    price = await preview(kit, "set all the bacon add-ons to $2.50")
    assert price.action == "set_price" and price.table == "option_items"
    assert sorted(c.id for c in price.changes) == bacon
    assert all(c.name.startswith("Bacon (") for c in price.changes)  # with its item
    assert (
        price.description == f"Set the option price of Bacon ({len(bacon)} option items) to $2.50"
    )
    await kit.engine.apply_async(price)
    assert await column(kit, "option_items") == {**prices, **dict.fromkeys(bacon, 2.5)}

    off = await preview(kit, "disable every bacon add-on")
    await kit.engine.apply_async(off)
    assert await column(kit, "option_items", "disabled") == {**flags, **dict.fromkeys(bacon, 1)}

    await kit.engine.undo_async(off)
    await kit.engine.undo_async(price)
    assert await column(kit, "option_items") == prices
    assert await column(kit, "option_items", "disabled") == flags

    options = await column(kit, "options", "disabled")
    dressing = await preview(kit, "disable the Dressing option")
    assert dressing.table == "options" and len(dressing.changes) == 1
    await kit.engine.apply_async(dressing)
    assert sum((await column(kit, "options", "disabled")).values()) == sum(options.values()) + 1
    await kit.engine.undo_async(dressing)
    assert await column(kit, "options", "disabled") == options


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("set the price of the club sandwich to -3", "-$3.00 is not a valid price."),
        ("set the price of the club sandwich to $900", "$900.00 is not a valid price."),
        ("set the price of the club sandwich to $13.95", "The Club Sandwich is already $13.95."),
        ("raise burger prices by 5000%", "is not a valid price (for Bacon Cheeseburger)."),
        ("lower the club sandwich by $20", "-$6.05 is not a valid price."),
        ("enable the caesar salad", "The Caesar Salad is already on."),
        ("disable the avocado toast", "The Avocado Toast is already off."),
        ("set the bacon add-on to $150", "$150.00 is not a valid option price"),
    ],
)
async def test_invalid_changes_are_refused_in_the_preview(
    kit: Kit, text: str, message: str
) -> None:
    before = await column(kit, "items")
    with pytest.raises(ValidationError) as raised:
        await preview(kit, text)
    assert message in raised.value.message
    assert await column(kit, "items") == before


async def test_names_outside_the_scope_are_not_found(kit: Kit) -> None:
    wanted = request(kit.engine, "disable the grilled chicken salad")  # not at Pebble Creek
    with pytest.raises(NotFoundError, match="among this conversation's locations"):
        await kit.engine.preview_async(wanted, scope=[PEBBLE])
    (row,) = (await settled(kit, wanted, None)).changes
    (home,) = await ids(kit, "locations", str(row.location))
    assert len((await settled(kit, wanted, [home])).changes) == 1


async def test_a_concurrent_change_rolls_the_whole_action_back(kit: Kit) -> None:
    burgers = await preview(kit, "raise all burger prices by 10%")
    assert [c.name for c in burgers.changes] == [
        "Bacon Cheeseburger",
        "Classic Burger",
        "Mushroom Swiss Burger",
    ]
    await change(kit, "UPDATE items SET price = 17 WHERE name = 'Classic Burger'")  # statement 2
    before = await column(kit, "items")
    with pytest.raises(ActionError) as raised:
        await kit.engine.apply_async(burgers)
    assert raised.value.message == (
        "The items changed since I showed you this; nothing was changed — ask again."
    )
    assert await column(kit, "items") == before  # statement 1 (Bacon Cheeseburger) rolled back


async def test_a_crash_in_the_middle_of_an_action_changes_nothing(kit: Kit) -> None:
    # A catalogue without a lower bound lets the database's CHECK (price >= 0) stop statement 2.
    loose = kit.with_actions(
        [
            {
                "table": "items",
                "column": "price",
                "kind": "number",
                "min": None,
                "group": "categories",
            }
        ]
    )
    cut = await loose.preview_async(request(loose, "cut all burger prices by $16"), scope=[PEBBLE])
    assert isinstance(cut, ActionPreview)
    assert [c.after for c in cut.changes] == [0.5, -1.5, 0.0]
    before = await column(kit, "items")
    with pytest.raises(ActionError, match="rolled back; nothing was changed"):
        await loose.apply_async(cut)
    assert await column(kit, "items") == before


async def test_undo_refuses_when_the_rows_changed_since(kit: Kit) -> None:
    shown = await preview(kit, "set the price of the Club Sandwich to $14.50")
    await kit.engine.apply_async(shown)
    await change(kit, "UPDATE items SET price = 15 WHERE name = 'Club Sandwich'")
    with pytest.raises(ActionError, match="changed since I showed you this"):
        await kit.engine.undo_async(shown)
    assert (await column(kit, "items"))[int(shown.changes[0].id)] == 15


async def test_hostile_names_change_nothing(kit: Kit) -> None:
    before = await column(kit, "items")
    with pytest.raises(NotFoundError):
        kit.engine.parse("disable '; DROP TABLE items; --")
    forged = ActionRequest(
        Operation.DISABLE, "items", "disabled", "toggle", "items", ("'; DROP TABLE items; --",)
    )
    with pytest.raises(NotFoundError, match="DROP TABLE"):
        await kit.engine.preview_async(forged, scope=[PEBBLE])
    assert await column(kit, "items") == before


async def test_apply_only_runs_catalogued_changes(kit: Kit) -> None:
    shown = await preview(kit, "set the price of the Club Sandwich to $14.50")
    before = await column(kit, "items")
    for forged in (
        replace(shown, column="name"),
        replace(shown, table="orders"),
        replace(shown, operation=Operation.DISABLE),
        replace(shown, changes=tuple(replace(c, after=-1.0) for c in shown.changes)),
        replace(shown, changes=()),
    ):
        with pytest.raises(ActionError):
            await kit.engine.apply_async(forged)
    assert await column(kit, "items") == before


# -- SQLite sample only --------------------------------------------------------------------------


async def test_more_than_200_rows_is_refused(club: Kit) -> None:
    (burgers,) = await ids(club, "categories", "Burgers")
    await change(
        club,
        "INSERT INTO items (name, price, category_id, disabled, seq_num) "
        "SELECT 'Extra ' || value, 10, :c, 0, 99 FROM json_each(:values)",
        c=burgers,
        values=json.dumps(list(range(200))),
    )
    with pytest.raises(ValidationError, match="more than 200 items"):
        await preview(club, "raise burger prices by 1%")


async def test_more_rows_than_a_list_can_show_offer_only_all(club: Kit) -> None:
    (burgers,) = await ids(club, "categories", "Burgers")
    await change(
        club,
        "INSERT INTO items (name, price, category_id, disabled, seq_num) "
        "SELECT 'Extra ' || value, 10, :c, 0, 99 FROM json_each(:values)",
        c=burgers,
        values=json.dumps(list(range(10))),
    )
    asked = await club.engine.preview_async(
        request(club.engine, "raise burger prices by $1"), scope=[PEBBLE]
    )
    assert isinstance(asked, ActionClarification)
    assert asked.question == (
        "“burger” names 13 items (every item in Burgers), too many to list. Name the one you "
        "mean more exactly, or change all 13."
    )
    assert [(o.label, len(o.ids)) for o in asked.options] == [("All 13 of them", 13)]
    every = await settled(club, asked.options[0], [PEBBLE])
    assert every.row_count == 13


async def test_a_clarification_option_previews_directly(club: Kit) -> None:
    asked = await club.engine.preview_async(
        request(club.engine, "set the price of the chicken salad to $12"), scope=None
    )
    assert isinstance(asked, ActionClarification)
    assert [o.label for o in asked.options] == [
        "Grilled Chicken Salad (Lakeside Tennis & Swim Club)",
        "Chicken Salad Sandwich (Oak Hollow Country Club)",
        "All 2 of them",
    ]
    picked = ActionRequest.from_dict(json.loads(json.dumps(asked.options[0].to_dict())))
    shown = await settled(club, picked, None)
    assert by_name(shown) == {"Grilled Chicken Salad": (12.95, 12.0)}


def test_sync_twins(club_sync: ActionEngine) -> None:
    engine = club_sync
    shown = engine.preview(request(engine, "disable the cobb salad"), scope=[PEBBLE])
    assert isinstance(shown, ActionPreview)
    assert engine.apply(shown).rowcount == 1
    assert engine.undo(shown).rowcount == 1


@pytest.fixture
def club_sync(sample_db: Path, tmp_path: Path) -> Any:
    """An engine for the synchronous twins (their loop is the background one)."""
    from bot.sync_twins import background_loop, run_sync

    copy = sample_copy(sample_db, tmp_path)
    kit = run_sync(
        load_kit(f"sqlite+aiosqlite:///{copy}", Path(f"{copy}.swoop.yaml")), background_loop()
    )
    yield kit.engine
    run_sync(kit.data.dispose_async(), background_loop())
