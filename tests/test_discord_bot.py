"""The Discord bot end to end: the real discord.py client against a loopback fake of Discord.

The fake (tests/fakes/discord_api.py) serves the gateway WebSocket and the REST API on
127.0.0.1; the QueryProcessor answers from the sample database at ``SAMPLE_NOW``. Each test
injects gateway events (messages, slash commands, clicks, reactions) and checks the REST calls
the bot made in reply.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from pathlib import Path
from typing import Any

import pytest

from adapters.discord import DiscordAdapter, swoop_intents, sync_commands
from bot.config import Settings, load_settings
from bot.formatting import format_value
from bot.messages import Message
from bot.processor import QueryProcessor
from tests.conftest import SAMPLE_NOW
from tests.fakes.discord_api import (
    ADMIN_ROLE_ID,
    ANN,
    APP_ID,
    BOB,
    CHANNEL_ID,
    EPHEMERAL,
    GUILD_ID,
    TOKEN,
    WAIT_S,
    Call,
    FakeDiscord,
)

MANIFEST = Path(__file__).resolve().parents[1] / "manifests" / "discord.json"
DM_CHANNEL_ID = 1_100_000_000_000_000_999
ORDERS_IN = (
    "SELECT count(*) FROM orders WHERE status = 7 AND deleted_at IS NULL "
    "AND created_at >= ? AND created_at < ?"
)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = await FakeDiscord().start()
    yield server
    await server.close()


@pytest.fixture
def club_db(sample_db: Path, tmp_path: Path) -> Path:
    """A private copy of the sample database, for tests that change it."""
    copy = tmp_path / "club.db"
    shutil.copy(sample_db, copy)
    shutil.copy(f"{sample_db}.swoop.yaml", f"{copy}.swoop.yaml")
    return copy


def settings_for(fake: FakeDiscord, db: Path, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": f"sqlite+aiosqlite:///{db}",
        "state_url": f"sqlite+aiosqlite:///{tmp_path / 'state.db'}",
        "now": SAMPLE_NOW,
        "discord_token": TOKEN,
        "discord_api_url": fake.api_url,
        "discord_gateway_url": fake.gateway_url,
        **overrides,
    }
    return load_settings(**{k: v for k, v in values.items() if v is not None})


@asynccontextmanager
async def running(
    fake: FakeDiscord, processor: QueryProcessor, settings: Settings
) -> AsyncIterator[DiscordAdapter]:
    """The bot connected to the fake and ready; closed cleanly afterwards."""
    adapter = DiscordAdapter(processor, settings, guild_ready_timeout=0.05)
    identified = asyncio.create_task(fake.wait_until_identified(len(fake.identified) + 1))
    task = asyncio.create_task(adapter.start_async())
    try:
        await asyncio.wait({identified, task}, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            identified.cancel()
            task.result()  # it failed to start: raise why
        identified.result()
        await asyncio.wait_for(adapter.client.wait_until_ready(), WAIT_S)
        yield adapter
    finally:
        await adapter.close_async()
        await asyncio.wait_for(task, WAIT_S)


@asynccontextmanager
async def bot(
    fake: FakeDiscord, db: Path, tmp_path: Path, **overrides: Any
) -> AsyncIterator[tuple[DiscordAdapter, QueryProcessor]]:
    settings = settings_for(fake, db, tmp_path, **overrides)
    processor = QueryProcessor(settings)
    try:
        async with running(fake, processor, settings) as adapter:
            yield adapter, processor
    finally:
        await processor.dispose_async()


def scalar(db: Path, sql: str, *params: Any) -> Any:
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        return conn.execute(sql, params).fetchone()[0]


def descriptions(calls: list[Call]) -> str:
    return "\n".join(embed.get("description", "") for c in calls for embed in c.json["embeds"])


def buttons(call: Call) -> list[dict[str, Any]]:
    return [b for row in call.json.get("components", []) for b in row["components"]]


def followup_path(token: str) -> str:
    return rf"/webhooks/{APP_ID}/{token}"


# -- slash commands ------------------------------------------------------------------------------


async def test_ask_is_deferred_then_answered_with_a_table_embed(
    fake: FakeDiscord, sample_db: Path, tmp_path: Path
) -> None:
    async with bot(fake, sample_db, tmp_path) as (_, processor):
        asked = await fake.slash_command("ask", {"question": "sales by location this month"})
        [callback] = await fake.wait_for(
            "POST", rf"/interactions/{asked.id}/{asked.token}/callback"
        )
        assert callback.json["type"] == 5  # deferred: "Swoop is thinking…"
        [answer] = await fake.wait_for("POST", followup_path(asked.token))
        await fake.wait_for("PUT", r"/channels/\d+/messages/\d+/reactions/.+/@me", count=2)
        stored = await processor.store.find_query_by_answer_ref_async(
            "discord", answer.answer["id"]
        )
        core = await processor.process_query_async(probe("sales by location this month"))
    [embed] = answer.json["embeds"]
    text = embed["description"]
    assert text.startswith("Sales by location this month (Jun 2025)")
    with closing(sqlite3.connect(sample_db)) as conn:
        expected = conn.execute(
            "SELECT l.name, sum(o.total) FROM orders o JOIN locations l ON l.id = o.location_id "
            "WHERE o.status = 7 AND o.deleted_at IS NULL AND o.created_at >= '2025-06-01' "
            "AND o.created_at < '2025-06-16' GROUP BY l.name"
        ).fetchall()
    block = text.split("```")[1].strip("\n").splitlines()
    assert block[0].split() == ["location", "revenue"]
    assert len(block) == 2 + len(expected)
    for name, revenue in expected:
        [line] = [line for line in block if line.startswith(name)]
        assert line.endswith(format_value(round(revenue, 2), "money"))
    assert len({len(line) for line in block[1:]}) == 1  # numbers right-aligned in one column
    # Under the answer, the one line saying what was counted (the pipeline's own).
    assert core.explanation and "this month (Jun 2025)" in core.explanation
    assert embed["footer"]["text"] == core.explanation
    assert [b["label"] for b in buttons(answer)] == ["Show SQL"]
    reactions = [c.path.split("/")[-2] for c in fake.calls_to("PUT", r".*/reactions/.+/@me")]
    assert reactions == ["👍", "👎"]
    assert stored is not None and stored.question == "sales by location this month"
    identify = fake.identified[0]
    assert identify["intents"] == swoop_intents().value
    assert not identify["intents"] & ((1 << 1) | (1 << 8))  # no members, no presences


async def test_help_stats_and_show_sql_are_private_to_the_asker(
    fake: FakeDiscord, sample_db: Path, tmp_path: Path
) -> None:
    async with bot(fake, sample_db, tmp_path):
        helped = await fake.slash_command("swoop-help")
        stats = await fake.slash_command("swoop-stats")
        asked = await fake.slash_command("ask", {"question": "orders by location last week"})
        [help_answer] = await fake.wait_for("POST", followup_path(helped.token))
        [stats_answer] = await fake.wait_for("POST", followup_path(stats.token))
        [answer] = await fake.wait_for("POST", followup_path(asked.token))
        [sql_button] = [b for b in buttons(answer) if b["label"] == "Show SQL"]
        clicked = await fake.click(int(answer.answer["id"]), sql_button["custom_id"], user=BOB)
        [sql] = await fake.wait_for("POST", rf"/interactions/{clicked.id}/{clicked.token}/callback")
    for deferred in fake.calls_to("POST", rf"/interactions/({helped.id}|{stats.id})/.*"):
        assert deferred.json == {"type": 5, "data": {"flags": EPHEMERAL}}
    assert help_answer.json["flags"] == EPHEMERAL
    assert "/ask" in help_answer.json["embeds"][0]["description"]
    assert "• sales by location this month" in help_answer.json["embeds"][0]["description"]
    assert stats_answer.json["flags"] == EPHEMERAL
    assert sql.json["type"] == 4 and sql.json["data"]["flags"] == EPHEMERAL
    assert sql.json["data"]["content"].startswith("```sql\nSELECT")


# -- mentions, threads and DMs -------------------------------------------------------------------


async def test_a_mention_is_answered_in_a_new_thread_that_continues_without_mentions(
    fake: FakeDiscord, sample_db: Path, tmp_path: Path
) -> None:
    async with bot(fake, sample_db, tmp_path):
        chatter = await fake.user_message("lunch anyone?")  # no mention: not for Swoop
        asked = await fake.user_message(f"<@{APP_ID}> how many orders did we complete last week?")
        [thread] = await fake.wait_for("POST", rf"/channels/{CHANNEL_ID}/messages/\d+/threads")
        thread_id = int(thread.answer["id"])
        [first] = await fake.wait_for("POST", rf"/channels/{thread_id}/messages")
        await fake.user_message("and the week before?", channel_id=thread_id, user=BOB)
        answers = await fake.wait_for("POST", rf"/channels/{thread_id}/messages", count=2)
        await fake.user_message("sales by location this month", channel_id=DM_CHANNEL_ID, dm=True)
        [dm] = await fake.wait_for("POST", rf"/channels/{DM_CHANNEL_ID}/messages")
    assert thread.path == f"/channels/{CHANNEL_ID}/messages/{asked['id']}/threads"
    assert thread.json["name"] == "how many orders did we complete last week?"
    last_week = scalar(sample_db, ORDERS_IN, "2025-06-02", "2025-06-09")
    before = scalar(sample_db, ORDERS_IN, "2025-05-26", "2025-06-02")
    assert descriptions([first]).startswith(f"{last_week:,} completed orders last week (Jun 2–8)")
    assert first.json["content"] == f"<@{ANN}>"  # the asker is pinged into the new thread
    assert not answers[1].json.get("content")
    assert descriptions([answers[1]]).startswith(f"{before:,} completed orders")
    assert descriptions([dm]).startswith("Sales by location this month")
    assert not fake.calls_to("POST", rf"/channels/{CHANNEL_ID}/messages/{chatter['id']}/threads")
    assert not fake.calls_to("POST", rf"/channels/{CHANNEL_ID}/messages")  # nothing in #general


async def test_a_guild_sees_its_mapped_locations_and_a_channel_mapping_wins(
    fake: FakeDiscord, sample_db: Path, tmp_path: Path
) -> None:
    scopes = f"discord:{GUILD_ID}=1,discord:{CHANNEL_ID}=2"
    question = {"question": "sales by location this month"}
    async with bot(fake, sample_db, tmp_path, location_scopes=scopes):
        in_channel = await fake.slash_command("ask", question)
        [channel_answer] = await fake.wait_for("POST", followup_path(in_channel.token))
        await fake.user_message(f"<@{APP_ID}> sales by location this month")
        [thread_answer] = await fake.wait_for("POST", r"/channels/\d+/messages")
    with closing(sqlite3.connect(f"file:{sample_db}?mode=ro", uri=True)) as conn:
        names = dict(conn.execute("SELECT id, name FROM locations").fetchall())
    for answer in (channel_answer, thread_answer):  # a thread inherits its channel's mapping
        text = descriptions([answer])
        assert names[2] in text and names[1] not in text and names[3] not in text


# -- buttons -------------------------------------------------------------------------------------


async def test_clarification_buttons_work_after_a_restart_for_the_asker_only(
    fake: FakeDiscord, sample_db: Path, tmp_path: Path
) -> None:
    question = "how many chicken salads did we sell last week"
    settings = settings_for(fake, sample_db, tmp_path)
    processor = QueryProcessor(settings)
    try:
        async with running(fake, processor, settings):
            asked = await fake.slash_command("ask", {"question": question})
            [clarification] = await fake.wait_for("POST", followup_path(asked.token))
        message_id = int(clarification.answer["id"])
        options = buttons(clarification)
        assert [b["label"] for b in options] == [
            "Chicken Salad Sandwich (item)",
            "Grilled Chicken Salad (item)",
        ]
        assert all(len(b["custom_id"]) <= 100 and str(ANN) in b["custom_id"] for b in options)
        async with running(fake, processor, settings):  # a restarted bot still routes the click
            other = await fake.click(message_id, options[1]["custom_id"], user=BOB)
            [refusal] = await fake.wait_for(
                "POST", rf"/interactions/{other.id}/{other.token}/callback"
            )
            mine = await fake.click(message_id, options[1]["custom_id"], user=ANN)
            [update] = await fake.wait_for(
                "POST", rf"/interactions/{mine.id}/{mine.token}/callback"
            )
            [answer] = await fake.wait_for("POST", followup_path(mine.token))
    finally:
        await processor.dispose_async()
    assert refusal.json["type"] == 4 and refusal.json["data"]["flags"] == EPHEMERAL
    assert refusal.json["data"]["content"].startswith(f"Only <@{ANN}> can choose")
    assert update.json["type"] == 7  # the clicked message, edited: its buttons disabled
    disabled = [b for row in update.json["data"]["components"] for b in row["components"]]
    assert [b["disabled"] for b in disabled] == [True, True]
    assert fake.messages[message_id]["components"] == update.json["data"]["components"]
    sold = scalar(
        sample_db,
        "SELECT sum(oi.quantity) FROM order_items oi JOIN items i ON i.id = oi.item_id "
        "JOIN orders o ON o.id = oi.order_id WHERE i.name = 'Grilled Chicken Salad' "
        "AND o.status = 7 AND o.deleted_at IS NULL AND o.created_at >= '2025-06-02' "
        "AND o.created_at < '2025-06-09'",
    )
    text = descriptions([answer])
    assert "Grilled Chicken Salad" in text and f"{sold:,}" in text


async def test_a_confirmation_is_refused_to_others_and_applied_for_the_asker(
    fake: FakeDiscord, club_db: Path, tmp_path: Path
) -> None:
    def price() -> float:
        return float(scalar(club_db, "SELECT price FROM items WHERE name = 'Club Sandwich'"))

    admins = f"discord-role:{ADMIN_ROLE_ID}"
    async with bot(fake, club_db, tmp_path, admins=admins) as (_, processor):
        await fake.user_message(f"<@{APP_ID}> set the price of the Club Sandwich to $14.50")
        [refused] = await fake.wait_for("POST", r"/channels/\d+/messages")  # Ann has no role
        asked = await fake.user_message(
            f"<@{APP_ID}> set the price of the Club Sandwich to $14.50", roles=(ADMIN_ROLE_ID,)
        )
        thread_id = int(asked["id"])
        [confirmation] = await fake.wait_for("POST", rf"/channels/{thread_id}/messages")
        confirm, cancel = buttons(confirmation)
        message_id = int(confirmation.answer["id"])
        other = await fake.click(message_id, confirm["custom_id"], user=BOB, roles=(ADMIN_ROLE_ID,))
        [refusal] = await fake.wait_for("POST", rf"/interactions/{other.id}/.*/callback")
        assert price() == 13.95
        mine = await fake.click(message_id, confirm["custom_id"], roles=(ADMIN_ROLE_ID,))
        [update] = await fake.wait_for("POST", rf"/interactions/{mine.id}/.*/callback")
        [done] = await fake.wait_for("POST", followup_path(mine.token))
        audit = await processor.audit_log_async()
    assert "can't change data" in descriptions([refused])
    assert (confirm["label"], confirm["style"], cancel["label"]) == ("Confirm", 3, "Cancel")
    assert "$14.50" in descriptions([confirmation])
    assert refusal.json["data"]["flags"] == EPHEMERAL
    assert update.json["type"] == 7
    assert all(
        b["disabled"] for row in update.json["data"]["components"] for b in row["components"]
    )
    assert descriptions([done]).startswith("Done: ")
    assert price() == 14.50
    assert [(r.user, r.status, r.key.thread) for r in audit] == [
        (f"discord:{ANN}", "done", str(thread_id))
    ]


# -- feedback ------------------------------------------------------------------------------------


async def test_reactions_are_recorded_per_user_and_removed_and_own_reactions_ignored(
    fake: FakeDiscord, sample_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without DISCORD_GATEWAY_URL the bot asks the (custom) REST API where the gateway is.
    async with bot(fake, sample_db, tmp_path, discord_gateway_url=None) as (_, processor):
        seen: asyncio.Queue[tuple[str, int, bool, bool]] = asyncio.Queue()
        record = processor.feedback_on_answer_async

        async def spy(
            platform: str, answer_ref: str, user: str, rating: int, *, added: bool = True
        ) -> bool:
            changed = await record(platform, answer_ref, user, rating, added=added)
            await seen.put((user, rating, added, changed))
            return changed

        monkeypatch.setattr(processor, "feedback_on_answer_async", spy)
        asked = await fake.slash_command("ask", {"question": "sales by location last week"})
        [answer] = await fake.wait_for("POST", followup_path(asked.token))
        message_id = int(answer.answer["id"])
        await fake.wait_for("PUT", rf"/channels/\d+/messages/{message_id}/reactions/.+", count=2)
        await fake.react(message_id, "👍", user=ANN)
        await fake.react(message_id, "👎🏽", user=BOB)
        await fake.react(message_id, "🎉", user=BOB)  # not a rating
        await fake.react(message_id, "👍", user=ANN, add=False)
        got = [await asyncio.wait_for(seen.get(), WAIT_S) for _ in range(3)]
        records = await processor.store.list_feedback_async()
        stats = await processor.get_feedback_stats_async()
    assert sorted(got) == [
        (str(ANN), 1, False, True),
        (str(ANN), 1, True, True),
        (str(BOB), -1, True, True),
    ]
    assert seen.empty()  # the bot's own 👍 and 👎 (echoed by Discord) never reached the core
    assert [(r.user, r.rating) for r in records] == [(f"discord:{BOB}", -1)]
    assert (stats["ratings"], stats["helpful"], stats["not_helpful"]) == (1, 0, 1)
    assert fake.calls_to("GET", r"/gateway/bot")


# -- long answers --------------------------------------------------------------------------------


async def test_a_long_answer_arrives_whole_in_messages_or_as_csv(
    fake: FakeDiscord, sample_db: Path, tmp_path: Path
) -> None:
    async with bot(fake, sample_db, tmp_path) as (_, processor):
        split = await fake.slash_command("ask", {"question": "orders by day last 365 days"})
        await fake.wait_for("POST", followup_path(split.token), count=2)
        big = await fake.slash_command("ask", {"question": "sales by customer"})
        [attached] = await fake.wait_for("POST", followup_path(big.token))
        days = await processor.process_query_async(probe("orders by day last 365 days"))
        customers = await processor.process_query_async(probe("sales by customer"))
    pages = fake.calls_to("POST", followup_path(split.token))  # all sent: closing waits for them
    assert days.table is not None and customers.table is not None
    text = descriptions(pages)
    assert len(text) > 2000
    for day, orders in days.table.rows:
        assert f"{day}  " in text and format_value(orders, "count") in text
    assert all(len(c.json["embeds"][0]["description"]) <= 4096 for c in pages)
    [(name, data)] = attached.files.items()
    assert name.endswith(".csv")
    lines = data.decode().splitlines()
    assert lines[0] == ",".join(customers.table.column_names)
    assert len(lines) == 1 + len(customers.table.rows)
    assert "all rows are in the CSV" in descriptions([attached])
    assert [a["filename"] for a in attached.json["attachments"]] == [name]
    # The explanation is under the table's last page; the first invites a rating.
    assert days.explanation and "by day" in days.explanation
    assert pages[-1].json["embeds"][0]["footer"]["text"] == days.explanation
    assert pages[0].json["embeds"][0]["footer"]["text"].startswith("React 👍 or 👎")
    assert attached.json["embeds"][0]["footer"]["text"] == customers.explanation


def probe(text: str) -> Message:
    """The same question asked of the core directly, in a conversation of its own."""
    return Message("discord", str(GUILD_ID), "probe", "probe", "probe", text)


# -- command registration ------------------------------------------------------------------------


async def test_discord_sync_registers_the_manifest_commands(
    fake: FakeDiscord, sample_db: Path, tmp_path: Path
) -> None:
    manifest = json.loads(MANIFEST.read_text())
    settings = settings_for(fake, sample_db, tmp_path, discord_guild_ids=str(GUILD_ID))
    processor = QueryProcessor(settings)
    try:
        synced = await DiscordAdapter(processor, settings).sync_commands_async()
    finally:
        await processor.dispose_async()
    [in_guild] = fake.calls_to("PUT", rf"/applications/{APP_ID}/guilds/{GUILD_ID}/commands")
    assert in_guild.json == manifest
    assert sorted(c.name for c in synced) == ["ask", "swoop-help", "swoop-stats"]
    where = await sync_commands(settings_for(fake, sample_db, tmp_path))  # `swoop discord-sync`
    [everywhere] = fake.calls_to("PUT", rf"/applications/{APP_ID}/commands")
    assert everywhere.json == manifest
    assert where == "globally: /ask, /swoop-help, /swoop-stats"
    assert not fake.identified  # registering never connects to the gateway
