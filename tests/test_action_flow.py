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
    await say(processor, "raise burger prices by 10%")
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
        "terminal", "local", "terminal", "t9", "ann", "raise salad prices by $1", scope=(1,)
    )
    asked = await processor.process_query_async(message)
    assert asked.table is not None
    assert {row[1] for row in asked.table.rows} == {"Pebble Creek Golf Club"}
