"""Changes from chat through the QueryProcessor: confirmation, permission, audit, undo."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

import bot.conversation.action_flow as action_flow
from bot.config import load_settings
from bot.errors import ErrorTypes
from bot.messages import Message, Response, ResponseKind
from bot.processor import QueryProcessor
from tests.conftest import SAMPLE_NOW

KEY = Message("terminal", "local", "terminal", "t1", "ann", "").key


@pytest.fixture
def club_db(sample_db: Path, tmp_path: Path) -> Path:
    """A private copy of the sample database: these tests write."""
    copy = tmp_path / "club.db"
    shutil.copy(sample_db, copy)
    shutil.copy(f"{sample_db}.swoop.yaml", f"{copy}.swoop.yaml")
    return copy


async def make(club_db: Path, tmp_path: Path, admins: str = "terminal:ann") -> QueryProcessor:
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{club_db}",
        state_url=f"sqlite+aiosqlite:///{tmp_path / 'state.db'}",
        now=SAMPLE_NOW,
        admins=admins,
    )
    return QueryProcessor(settings)


@pytest.fixture
async def processor(club_db: Path, tmp_path: Path) -> AsyncIterator[QueryProcessor]:
    proc = await make(club_db, tmp_path)
    yield proc
    await proc.dispose_async()


def price(db: Path, item: str) -> float:
    with sqlite3.connect(db) as conn:
        return float(conn.execute("SELECT price FROM items WHERE name = ?", (item,)).fetchone()[0])


async def say(proc: QueryProcessor, text: str, user: str = "ann", thread: str = "t1") -> Response:
    return await proc.process_query_async(
        Message("terminal", "local", "terminal", thread, user, text)
    )


async def test_confirmed_change_is_applied_answered_audited_and_undone(
    processor: QueryProcessor, club_db: Path
) -> None:
    asked = await say(processor, "set the price of the Club Sandwich to $14.50")
    assert asked.kind is ResponseKind.CONFIRMATION
    assert [o.label for o in asked.options] == ["Confirm", "Cancel"]
    assert asked.table is not None and asked.table.rows[0][-2:] == ("$13.95", "$14.50")
    assert price(club_db, "Club Sandwich") == 13.95  # nothing written yet
    done = await say(processor, "yes")
    assert done.kind is ResponseKind.ACTION and "1 row changed" in done.text
    assert price(club_db, "Club Sandwich") == 14.50
    answer = await say(processor, "how much is the club sandwich?", thread="t2")
    assert "$14.50" in answer.text
    undone = await say(processor, "undo")
    assert undone.kind is ResponseKind.ACTION and "reverted" in undone.text
    assert price(club_db, "Club Sandwich") == 13.95
    log = await processor.audit_log_async()
    assert [(r.status, r.user, r.rowcount) for r in log] == [
        ("undo", "terminal:ann", 1),
        ("undone", "terminal:ann", 1),
    ]
    change = log[1].details["changes"][0]
    assert (change["name"], change["before"], change["after"]) == ("Club Sandwich", 13.95, 14.5)
    nothing = await say(processor, "undo")
    assert nothing.error_type is ErrorTypes.NOT_FOUND


@pytest.mark.parametrize("reply", ["no", "cancel", "not now", "hmm, maybe later", "nope"])
async def test_anything_but_yes_changes_nothing(
    processor: QueryProcessor, club_db: Path, reply: str
) -> None:
    await say(processor, "set the price of the Club Sandwich to $14.50")
    answer = await say(processor, reply)
    assert "nothing was changed" in answer.text.lower()
    assert await say(processor, "yes") is not None
    assert price(club_db, "Club Sandwich") == 13.95
    assert await processor.audit_log_async() == []


async def test_a_yes_from_someone_else_is_refused(processor: QueryProcessor, club_db: Path) -> None:
    await say(processor, "raise all burger prices by 10%")
    other = await say(processor, "yes", user="bob")
    assert other.error_type is ErrorTypes.PERMISSION_ERROR
    assert price(club_db, "Classic Burger") == 14.50
    mine = await say(processor, "yes")
    assert "3 rows changed" in mine.text
    assert price(club_db, "Classic Burger") == 15.95


async def test_silence_lets_the_confirmation_expire(
    processor: QueryProcessor, club_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(action_flow, "CONFIRM_TTL_S", 0.05)
    await say(processor, "disable the caesar salad")
    await asyncio.sleep(0.2)
    late = await say(processor, "yes")
    assert late.kind is not ResponseKind.ACTION
    with sqlite3.connect(club_db) as conn:
        assert conn.execute(
            "SELECT disabled FROM items WHERE name = 'Caesar Salad'"
        ).fetchone() == (0,)


async def test_non_admins_are_refused_politely(processor: QueryProcessor, club_db: Path) -> None:
    refused = await say(processor, "disable the caesar salad", user="bob")
    assert refused.error_type is ErrorTypes.PERMISSION_ERROR
    assert "terminal user ann" in refused.text
    assert (await say(processor, "undo", user="bob")).error_type is ErrorTypes.PERMISSION_ERROR


async def test_validation_answers(processor: QueryProcessor) -> None:
    negative = await say(processor, "set the price of the club sandwich to -3")
    assert negative.error_type is ErrorTypes.VALIDATION_ERROR
    same = await say(processor, "set the price of the club sandwich to $13.95")
    assert "already" in same.text
    unknown = await say(processor, "set the price of the lobster roll to $20")
    assert unknown.error_type is ErrorTypes.NOT_FOUND


async def test_a_choice_between_several_matches(processor: QueryProcessor, club_db: Path) -> None:
    asked = await say(processor, "set the price of the chicken salad to $13")
    assert asked.kind is ResponseKind.CLARIFICATION
    preview = await say(processor, "2")
    assert preview.kind is ResponseKind.CONFIRMATION
    await say(processor, "yes")
    prices: list[Any] = [
        price(club_db, n) for n in ("Chicken Salad Sandwich", "Grilled Chicken Salad")
    ]
    assert prices.count(13.0) == 1


async def test_scope_limits_what_can_change(processor: QueryProcessor, club_db: Path) -> None:
    message = Message(
        "terminal", "local", "terminal", "t9", "ann", "raise all salad prices by $1", scope=(1,)
    )
    asked = await processor.process_query_async(message)
    assert asked.table is not None
    assert {row[1] for row in asked.table.rows} == {"Pebble Creek Golf Club"}


# -- words that name several rows: ask which, unless "all" ----------------------------------------

WRAP = "Chicken Caesar Wrap"
OAK, PEBBLE = "Oak Hollow Country Club", "Pebble Creek Golf Club"


@pytest.fixture
def two_wraps(club_db: Path) -> dict[str, int]:
    """The Chicken Caesar Wrap on Oak Hollow's menu too (a namesake): its id at each club."""
    with sqlite3.connect(club_db) as conn:
        conn.execute(
            """INSERT INTO items (name, description, price, category_id, disabled, seq_num)
               SELECT 'Chicken Caesar Wrap', 'Romaine, parmesan, caesar dressing', 12.50, c.id, 0, 9
               FROM categories c JOIN menus m ON m.id = c.menu_id
               JOIN locations l ON l.id = m.location_id
               WHERE l.name = ? AND c.name = 'Sandwiches & Wraps'""",
            (OAK,),
        )
        rows = conn.execute(
            """SELECT l.name, i.id FROM items i JOIN categories c ON c.id = i.category_id
               JOIN menus m ON m.id = c.menu_id JOIN locations l ON l.id = m.location_id
               WHERE i.name = ?""",
            (WRAP,),
        ).fetchall()
    assert len(rows) == 2
    return {str(location): int(item) for location, item in rows}


def prices(db: Path) -> dict[int, float]:
    with sqlite3.connect(db) as conn:
        return {int(i): float(p) for i, p in conn.execute("SELECT id, price FROM items")}


async def test_a_name_on_two_menus_asks_which_and_changes_nothing(
    processor: QueryProcessor, club_db: Path, two_wraps: dict[str, int]
) -> None:
    before = prices(club_db)
    asked = await say(processor, "set the wrap price to 11")
    assert asked.kind is ResponseKind.CLARIFICATION
    assert asked.text.splitlines() == [
        "“wrap” names 2 items at 2 locations. Which one should I change?",
        f"1. {WRAP} ({OAK})",
        f"2. {WRAP} ({PEBBLE})",
        "3. All 2 of them",
    ]
    assert [o.label for o in asked.options] == [
        f"{WRAP} ({OAK})",
        f"{WRAP} ({PEBBLE})",
        "All 2 of them",
    ]
    assert prices(club_db) == before
    assert "confirmation" not in await processor.store.pending_by_kind_async(KEY)
    late = await say(processor, "yes")  # nothing waits for a yes: it confirms nothing
    assert late.kind is not ResponseKind.ACTION
    assert prices(club_db) == before
    assert await processor.audit_log_async() == []


async def test_picking_one_previews_and_changes_only_that_row(
    processor: QueryProcessor, club_db: Path, two_wraps: dict[str, int]
) -> None:
    before = prices(club_db)
    asked = await say(processor, "set the wrap price to 11")
    picked = await say(processor, asked.options[0].value)  # the button: Oak Hollow's
    assert picked.kind is ResponseKind.CONFIRMATION
    assert picked.text.startswith(
        f"Set the price of {WRAP} ({OAK}) to $11.00: 1 row will change. Confirm?"
    )
    assert picked.table is not None
    assert picked.table.rows == ((WRAP, OAK, "$12.50", "$11.00"),)
    assert prices(club_db) == before
    done = await say(processor, "yes")
    assert "1 row changed" in done.text
    assert prices(club_db) == {**before, two_wraps[OAK]: 11.0}
    (entry,) = await processor.audit_log_async()
    assert [(c["id"], c["before"], c["after"]) for c in entry.details["changes"]] == [
        (two_wraps[OAK], 12.5, 11.0)
    ]


@pytest.mark.parametrize("how", ["said", "button", "typed"])
async def test_all_previews_every_row_and_confirms_once(
    processor: QueryProcessor, club_db: Path, two_wraps: dict[str, int], how: str
) -> None:
    before = prices(club_db)
    if how == "said":
        shown = await say(processor, "set the price of all wraps to 11")
    else:
        asked = await say(processor, "set the wrap price to 11")
        shown = await say(processor, asked.options[-1].value if how == "button" else "all")
    assert shown.kind is ResponseKind.CONFIRMATION
    assert shown.text.startswith(
        f"Set the price of {WRAP} (2 items) to $11.00: 2 rows will change."
    )
    assert shown.table is not None
    assert shown.table.rows == (
        (WRAP, OAK, "$12.50", "$11.00"),
        (WRAP, PEBBLE, "$12.50", "$11.00"),
    )
    assert prices(club_db) == before
    done = await say(processor, "yes")
    assert "2 rows changed" in done.text
    assert prices(club_db) == {**before, **dict.fromkeys(two_wraps.values(), 11.0)}
    (entry,) = await processor.audit_log_async()
    assert entry.rowcount == 2
    assert sorted(c["id"] for c in entry.details["changes"]) == sorted(two_wraps.values())


async def test_a_scope_of_one_location_makes_the_name_one_thing(
    processor: QueryProcessor, club_db: Path, two_wraps: dict[str, int]
) -> None:
    message = Message(
        "terminal", "local", "terminal", "t5", "ann", "set the wrap price to 11", scope=(1,)
    )
    shown = await processor.process_query_async(message)
    assert shown.kind is ResponseKind.CONFIRMATION
    assert shown.table is not None and shown.table.rows == ((WRAP, PEBBLE, "$12.50", "$11.00"),)


async def test_one_exact_item_goes_straight_to_the_preview(
    processor: QueryProcessor, club_db: Path
) -> None:
    shown = await say(processor, "set the caesar salad price to 14")
    assert shown.kind is ResponseKind.CONFIRMATION
    assert shown.text.startswith("Set the price of Caesar Salad to $14.00: 1 row will change.")
    assert shown.table is not None
    assert shown.table.rows == (("Caesar Salad", PEBBLE, "$11.50", "$14.00"),)


async def test_a_category_asks_which_of_its_items(processor: QueryProcessor, club_db: Path) -> None:
    before = prices(club_db)
    asked = await say(processor, "raise burger prices by 1")
    assert asked.kind is ResponseKind.CLARIFICATION
    assert asked.text.splitlines()[0] == (
        "“burger” names 3 items (every item in Burgers). Which one should I change?"
    )
    assert [o.label for o in asked.options] == [
        "Bacon Cheeseburger",
        "Classic Burger",
        "Mushroom Swiss Burger",
        "All 3 of them",
    ]
    picked = await say(processor, "2")
    assert picked.table is not None and picked.table.rows == (
        ("Classic Burger", PEBBLE, "$14.50", "$15.50"),
    )
    cancelled = await say(processor, "cancel")
    assert "nothing was changed" in cancelled.text.lower()
    assert prices(club_db) == before
    assert await processor.audit_log_async() == []


async def test_several_items_sharing_a_word_ask_with_their_locations(
    processor: QueryProcessor, club_db: Path
) -> None:
    asked = await say(processor, "disable the lemonade")
    assert [o.label for o in asked.options] == [
        "Frozen Lemonade (Lakeside Tennis & Swim Club)",
        f"Fresh Lemonade ({OAK})",
        "All 2 of them",
    ]
    both = await say(processor, "both")
    assert both.kind is ResponseKind.CONFIRMATION and "2 rows will change" in both.text
    await say(processor, "yes")
    with sqlite3.connect(club_db) as conn:
        off = conn.execute("SELECT name FROM items WHERE disabled = 1 AND name LIKE '%Lemonade'")
        assert sorted(r[0] for r in off) == ["Fresh Lemonade", "Frozen Lemonade"]
