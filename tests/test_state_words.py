"""The club's own words for switching rows ("86", "un-86", "off the menu") come from the model's
``state_words:``: with them a change goes preview → confirm as any other; without them the
engine knows only general English ("disable the salmon")."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml

from bot.config import load_settings
from bot.messages import Message, Response, ResponseKind
from bot.processor import QueryProcessor
from tests.conftest import SAMPLE_NOW

SALMON = "Pan-Seared Salmon"


def club_copy(sample_db: Path, tmp_path: Path, *, state_words: bool) -> Path:
    """A private copy of the sample club; its model file with or without ``state_words:``."""
    copy = tmp_path / "club.db"
    shutil.copy(sample_db, copy)
    model = yaml.safe_load(Path(f"{sample_db}.swoop.yaml").read_text(encoding="utf-8"))
    if not state_words:
        del model["state_words"]
    Path(f"{copy}.swoop.yaml").write_text(yaml.safe_dump(model), encoding="utf-8")
    return copy


async def open_processor(db: Path, tmp_path: Path) -> QueryProcessor:
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{db}",
        state_url=f"sqlite+aiosqlite:///{tmp_path / 'state.db'}",
        now=SAMPLE_NOW,
        admins="terminal:ann",
    )
    return QueryProcessor(settings)


@pytest.fixture
async def club(sample_db: Path, tmp_path: Path) -> AsyncIterator[tuple[QueryProcessor, Path]]:
    db = club_copy(sample_db, tmp_path, state_words=True)
    proc = await open_processor(db, tmp_path)
    yield proc, db
    await proc.dispose_async()


@pytest.fixture
async def plain(sample_db: Path, tmp_path: Path) -> AsyncIterator[tuple[QueryProcessor, Path]]:
    db = club_copy(sample_db, tmp_path, state_words=False)
    proc = await open_processor(db, tmp_path)
    yield proc, db
    await proc.dispose_async()


async def say(proc: QueryProcessor, text: str, thread: str = "t1") -> Response:
    return await proc.process_query_async(
        Message("terminal", "local", "terminal", thread, "ann", text)
    )


def disabled(db: Path, name: str, table: str = "items") -> list[int]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(f"SELECT disabled FROM {table} WHERE name = ? ORDER BY id", (name,))
        return [int(r[0]) for r in rows]


async def test_86_and_un_86_preview_confirm_and_change_the_row(
    club: tuple[QueryProcessor, Path],
) -> None:
    proc, db = club
    off = await say(proc, "86 the pan-seared salmon")
    assert off.kind is ResponseKind.CONFIRMATION
    assert off.text.startswith(f"Turn off {SALMON}: 1 row will change. Confirm?")
    assert disabled(db, SALMON) == [0]  # nothing written before the yes
    done = await say(proc, "yes")
    assert done.kind is ResponseKind.ACTION and "1 row changed" in done.text
    assert disabled(db, SALMON) == [1]

    on = await say(proc, "un-86 the pan-seared salmon")
    assert on.kind is ResponseKind.CONFIRMATION
    assert on.text.startswith(f"Turn on {SALMON}: 1 row will change. Confirm?")
    await say(proc, "yes")
    assert disabled(db, SALMON) == [0]
    assert [r.status for r in await proc.audit_log_async()] == ["done", "done"]


async def test_86_the_salmon_asks_which_row_then_confirms(
    club: tuple[QueryProcessor, Path],
) -> None:
    proc, db = club
    asked = await say(proc, "86 the salmon")
    assert asked.kind is ResponseKind.CLARIFICATION
    assert asked.text.splitlines()[0] == (
        "“salmon” names 2 option items at 2 locations. Which one should I change?"
    )
    assert asked.options[-1].label == "All 2 of them"
    both = await say(proc, "all")
    assert both.kind is ResponseKind.CONFIRMATION and "2 rows will change" in both.text
    assert disabled(db, "Salmon", "option_items") == [0, 0]
    await say(proc, "yes")
    assert disabled(db, "Salmon", "option_items") == [1, 1]

    back = await say(proc, "un-86 the salmon")
    assert back.kind is ResponseKind.CLARIFICATION
    await say(proc, "all")
    await say(proc, "yes")
    assert disabled(db, "Salmon", "option_items") == [0, 0]


async def test_off_the_menu_words_are_the_models(club: tuple[QueryProcessor, Path]) -> None:
    proc, db = club
    off = await say(proc, "remove the pan-seared salmon from the menu")
    assert off.kind is ResponseKind.CONFIRMATION
    assert off.text.startswith(f"Turn off {SALMON}: 1 row will change.")
    assert disabled(db, SALMON) == [0]


async def test_without_state_words_86_is_not_a_change_but_disable_is(
    plain: tuple[QueryProcessor, Path],
) -> None:
    proc, db = plain
    for text in ("86 the pan-seared salmon", "86 the salmon", "un-86 the salmon"):
        answer = await say(proc, text, thread=text)
        assert answer.kind is not ResponseKind.CONFIRMATION, text
        assert "Turn off" not in answer.text and "Turn on" not in answer.text
        assert "confirmation" not in await proc.store.pending_by_kind_async(
            Message("terminal", "local", "terminal", text, "ann", "").key
        )
    assert disabled(db, SALMON) == [0]
    assert disabled(db, "Salmon", "option_items") == [0, 0]

    off = await say(proc, "disable the pan-seared salmon")
    assert off.kind is ResponseKind.CONFIRMATION
    assert off.text.startswith(f"Turn off {SALMON}: 1 row will change. Confirm?")
    await say(proc, "yes")
    assert disabled(db, SALMON) == [1]
