"""Swoop's Slack app end to end: real slack-bolt and slack-sdk, over loopback HTTP, against the
fake Slack of ``tests/fakes/slack_api.py``, driven by signed Events API requests (and once through
Socket Mode). Each test waits for the calls it expects, or for the adapter to go idle.
"""

from __future__ import annotations

import csv
import html
import io
import json
import shutil
import sqlite3
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp import web

from adapters.http import build_http_app, start_http_async
from adapters.slack import EVENTS_PATH, SlackAdapter
from bot.config import load_settings
from bot.processor import QueryProcessor
from bot.state import ConversationKey
from bot.understanding.outcomes import Answerable
from tests.conftest import SAMPLE_NOW
from tests.fakes.slack_api import (
    APP_TOKEN,
    BOT_TOKEN,
    BOT_USER_ID,
    SIGNING_SECRET,
    TEAM_ID,
    ApiCall,
    FakeSlack,
    channel_message,
    event_callback,
    mention,
    signed_headers,
)

CHANNEL = "C_GENERAL"


@dataclass
class Harness:
    """The fake Slack, the adapter on a real HTTP server, and a client that signs requests."""

    fake: FakeSlack
    processor: QueryProcessor
    adapter: SlackAdapter
    runner: web.AppRunner
    session: aiohttp.ClientSession
    url: str

    async def send(
        self, body: str, content_type: str, headers: dict[str, str] | None = None
    ) -> tuple[int, str]:
        merged = {"Content-Type": content_type, **signed_headers(body), **(headers or {})}
        async with self.session.post(self.url, data=body, headers=merged) as response:
            return response.status, await response.text()

    async def event(self, event: dict[str, Any], **kwargs: Any) -> int:
        headers = kwargs.pop("headers", None)
        body = json.dumps(event_callback(event, **kwargs))
        status, _ = await self.send(body, "application/json", headers)
        return status

    async def interact(self, payload: dict[str, Any]) -> int:
        body = urlencode({"payload": json.dumps(payload)})
        status, _ = await self.send(body, "application/x-www-form-urlencoded")
        return status

    async def command(self, text: str, user: str = "U_ANN") -> tuple[int, str]:
        form = {
            "token": "legacy",
            "team_id": TEAM_ID,
            "channel_id": CHANNEL,
            "user_id": user,
            "command": "/swoop",
            "text": text,
            "response_url": self.fake.response_url(),
            "trigger_id": "1.2.3",
        }
        return await self.send(urlencode(form), "application/x-www-form-urlencoded")

    async def settle(self) -> None:
        assert await self.adapter.drain_async(30)

    def posts(self) -> list[ApiCall]:
        return self.fake.calls_to("chat.postMessage")

    async def close(self) -> None:
        await self.session.close()
        await self.adapter.close_async()
        await self.runner.cleanup()
        await self.processor.dispose_async()
        await self.fake.close()


async def start(database: Path, tmp_path: Path, **overrides: Any) -> Harness:
    fake = await FakeSlack().start()
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{database}",
        state_url=f"sqlite+aiosqlite:///{tmp_path / 'state.db'}",
        now=SAMPLE_NOW,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake.api_url,
        **overrides,
    )
    processor = QueryProcessor(settings)
    adapter = SlackAdapter(processor, settings)
    app = build_http_app(processor)
    app.add_routes(adapter.http_routes())
    runner = await start_http_async(app, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{runner.addresses[0][1]}{EVENTS_PATH}"
    return Harness(fake, processor, adapter, runner, aiohttp.ClientSession(), url)


@pytest.fixture
async def slack(sample_db: Path, tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await start(sample_db, tmp_path)
    yield harness
    await harness.close()


def block_text(call: ApiCall) -> str:
    """Every text in a posted message's blocks, joined."""
    texts: list[str] = []
    for block in call.args.get("blocks") or []:
        if "text" in block:
            texts.append(block["text"]["text"])
        texts += [
            e.get("text", "") for e in block.get("elements", []) if block["type"] == "context"
        ]
    return "\n".join(texts)


def buttons(call: ApiCall) -> list[dict[str, Any]]:
    return [
        element
        for block in call.args.get("blocks") or []
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def click_payload(posted: ApiCall, ts: str, value: str, user: str) -> dict[str, Any]:
    """A block_actions payload for a click on the button with ``value`` in a posted message."""
    button = next(b for b in buttons(posted) if b["value"] == value)
    return {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "team_id": TEAM_ID},
        "api_app_id": "A_SWOOP",
        "token": "legacy",
        "team": {"id": TEAM_ID, "domain": "swoop-test"},
        "channel": {"id": posted.args["channel"], "name": "general"},
        "container": {
            "type": "message",
            "message_ts": ts,
            "channel_id": posted.args["channel"],
            "is_ephemeral": False,
        },
        "message": {
            "type": "message",
            "ts": ts,
            "thread_ts": posted.args["thread_ts"],
            "text": posted.args["text"],
            "blocks": posted.args["blocks"],
            "user": BOT_USER_ID,
        },
        "actions": [
            {
                "type": "button",
                "action_id": button["action_id"],
                "block_id": "swoop_options_0",
                "text": button["text"],
                "value": value,
                "action_ts": str(time.time()),
            }
        ],
        "response_url": "http://127.0.0.1:1/unused",
        "trigger_id": "1.2.3",
    }


async def explained(processor: QueryProcessor, question: str) -> str:
    """The explanation line the real pipeline builds for ``question`` (a fresh thread)."""
    understanding = await processor._understanding_async()
    outcome = understanding.understand(question, None)
    assert isinstance(outcome, Answerable)
    return outcome.explanation


def contexts(call: ApiCall) -> list[tuple[int, str]]:
    """(block index, text) of every context element of a posted message, unescaped."""
    return [
        (index, html.unescape(element["text"]))
        for index, block in enumerate(call.args.get("blocks") or [])
        if block["type"] == "context"
        for element in block["elements"]
    ]


async def posted_ts(harness: Harness, index: int) -> str:
    """The ts Slack gave the ``index``-th posted message (the fake answers in order)."""
    await harness.fake.wait_for("chat.postMessage", index + 1)
    return f"1750000000.{index + 1:06d}"


# -- questions -------------------------------------------------------------------------------------


async def test_mention_is_answered_in_its_thread_with_a_table(slack: Harness) -> None:
    started = time.perf_counter()
    status = await slack.event(mention("sales by location last week", channel=CHANNEL, ts="100.1"))
    assert status == 200 and time.perf_counter() - started < 3
    [post] = await slack.fake.wait_for("chat.postMessage")
    await slack.fake.wait_for("reactions.remove")
    assert post.args["channel"] == CHANNEL and post.args["thread_ts"] == "100.1"
    assert post.token == BOT_TOKEN
    assert post.args["text"].startswith("Sales by location last week")
    table = next(
        b["text"]["text"] for b in post.args["blocks"] if "```" in b.get("text", {}).get("text", "")
    )
    lines = table.strip("`\n").splitlines()
    assert lines[0].split() == ["location", "revenue"] and len(lines) == 4
    assert "Oak Hollow Country Club" in table and "$9,146.21" in table
    assert len({len(html.unescape(line)) for line in lines}) == 1  # money is right-aligned
    assert "SQL `SELECT" in block_text(post)
    # The one line saying what was counted, in a context block under the table.
    explanation = await explained(slack.processor, "sales by location last week")
    assert "last week (Jun 2–8)" in explanation and "by location" in explanation
    blocks = post.args["blocks"]
    table_at = next(i for i, b in enumerate(blocks) if "```" in b.get("text", {}).get("text", ""))
    [(explained_at, _)] = [(i, t) for i, t in contexts(post) if t == explanation]
    sql_at = next(i for i, t in contexts(post) if t.startswith("SQL `"))
    assert table_at < explained_at < sql_at
    methods = [c.method for c in slack.fake.calls if c.method != "auth.test"]
    assert methods == ["reactions.add", "chat.postMessage", "reactions.remove"]
    reaction = slack.fake.calls_to("reactions.add")[0].args
    assert reaction == {"channel": CHANNEL, "timestamp": "100.1", "name": "eyes"}
    await slack.settle()
    ts = await posted_ts(slack, 0)
    assert await slack.processor.store.find_query_by_answer_ref_async("slack", f"{CHANNEL}:{ts}")


async def test_thread_follow_up_without_a_mention(slack: Harness) -> None:
    await slack.event(mention("sales by location last week", channel=CHANNEL, ts="200.1"))
    await slack.fake.wait_for("chat.postMessage")
    follow_up = channel_message(
        "and the week before?", channel=CHANNEL, ts="200.2", thread_ts="200.1"
    )
    await slack.event(follow_up)
    posts = await slack.fake.wait_for("chat.postMessage", 2)
    assert posts[1].args["thread_ts"] == "200.1"
    assert "the week before (May 26 – Jun 1)" in posts[1].args["text"]
    # A direct message needs no mention either.
    await slack.event(
        channel_message(
            "how many orders yesterday?", channel="D_ANN", ts="201.1", channel_type="im"
        )
    )
    posts = await slack.fake.wait_for("chat.postMessage", 3)
    assert posts[2].args["channel"] == "D_ANN" and posts[2].args["thread_ts"] == "201.1"
    assert posts[2].args["text"].startswith("160 orders yesterday")


async def test_a_channel_mapped_to_locations_sees_only_them(
    sample_db: Path, tmp_path: Path
) -> None:
    slack = await start(sample_db, tmp_path, location_scopes="slack:C_NORTH=1")
    try:
        await slack.event(mention("sales by location last week", channel="C_NORTH", ts="250.1"))
        await slack.event(mention("sales by location last week", channel=CHANNEL, ts="250.2"))
        posts = await slack.fake.wait_for("chat.postMessage", 2)
        tables = {p.args["channel"]: block_text(p).split("```")[1].strip() for p in posts}
        assert len(tables["C_NORTH"].splitlines()) == 2  # the header and one location
        assert len(tables[CHANNEL].splitlines()) == 4
    finally:
        await slack.close()


async def test_chatter_bots_and_edits_are_ignored(slack: Harness) -> None:
    ignored = [
        channel_message("lunch?", channel=CHANNEL, ts="300.1"),  # no mention, not in a thread
        channel_message("any news?", channel=CHANNEL, ts="300.3", thread_ts="300.2"),  # not ours
        channel_message(
            "how many orders?", channel="D_X", ts="300.4", channel_type="im", bot_id="B_OTHER"
        ),
        channel_message(
            "how many orders?", channel="D_X", ts="300.5", channel_type="im", user=BOT_USER_ID
        ),
        channel_message(
            "x", channel="D_X", ts="300.6", channel_type="im", subtype="message_changed"
        ),
        channel_message("x", channel="D_X", ts="300.7", channel_type="im", subtype="bot_message"),
    ]
    for event in ignored:
        assert await slack.event(event) == 200
    await slack.settle()
    assert [c.method for c in slack.fake.calls if c.method != "auth.test"] == []


async def test_a_retried_event_is_answered_once(slack: Harness) -> None:
    event = mention("how many orders yesterday?", channel=CHANNEL, ts="400.1")
    assert await slack.event(event, event_id="EvRETRY") == 200
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert await slack.event(event, event_id="EvRETRY", headers=retry) == 200
    await slack.settle()
    assert len(slack.posts()) == 1


async def test_a_mention_seen_as_app_mention_and_message_is_answered_once(slack: Harness) -> None:
    await slack.event(mention("how many orders yesterday?", channel=CHANNEL, ts="500.1"))
    as_message = channel_message(
        f"<@{BOT_USER_ID}> how many orders yesterday?", channel=CHANNEL, ts="500.1"
    )
    await slack.event(as_message)
    await slack.settle()
    assert len(slack.posts()) == 1
    assert len(slack.fake.calls_to("reactions.add")) == 1


async def test_bad_signatures_and_stale_timestamps_are_refused(slack: Harness) -> None:
    body = json.dumps(event_callback(mention("how many orders?", channel=CHANNEL, ts="600.1")))
    forged = signed_headers(body, secret="not-the-secret")
    status, _ = await slack.send(body, "application/json", forged)
    assert status == 401
    stale = signed_headers(body, timestamp=int(time.time()) - 6 * 60)
    status, _ = await slack.send(body, "application/json", stale)
    assert status == 401
    await slack.settle()
    assert slack.fake.calls == []
    challenge = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "x"})
    status, text = await slack.send(challenge, "application/json")
    assert status == 200 and json.loads(text) == {"challenge": "c-123"}


async def test_a_long_result_comes_with_the_whole_table_as_csv(slack: Harness) -> None:
    await slack.event(mention("orders by day this year", channel=CHANNEL, ts="700.1"))
    [post] = await slack.fake.wait_for("chat.postMessage")
    [complete] = await slack.fake.wait_for("files.completeUploadExternal")
    await slack.fake.wait_for("reactions.remove")
    assert "…and 146 more rows" in block_text(post)
    assert complete.args["channel_id"] == CHANNEL and complete.args["thread_ts"] == "700.1"
    [upload] = slack.fake.calls_to("upload")
    rows = list(csv.reader(io.StringIO(slack.fake.uploads[upload.args["file_id"]].decode())))
    assert len(rows) == 1 + 166 and rows[1][0].startswith("2025-01-0")
    assert [c.method for c in slack.fake.calls][-1] == "reactions.remove"


async def test_rate_limited_posts_are_retried_after_retry_after(slack: Harness) -> None:
    slack.fake.rate_limit_once("chat.postMessage", retry_after=1)
    await slack.event(mention("how many orders yesterday?", channel=CHANNEL, ts="800.1"))
    [post] = await slack.fake.wait_for("chat.postMessage")
    attempts = slack.fake.calls_to("chat.postMessage", ok_only=False)
    assert [a.status for a in attempts] == [429, 200]
    assert post.args["thread_ts"] == "800.1"


async def test_refused_blocks_fall_back_to_text(slack: Harness) -> None:
    slack.fake.error_once("chat.postMessage", "invalid_blocks")
    await slack.event(mention("sales by location last week", channel=CHANNEL, ts="900.1"))
    [post] = await slack.fake.wait_for("chat.postMessage")
    assert "blocks" not in post.args
    assert post.args["text"].startswith("Sales by location") and "```" in post.args["text"]
    assert post.args["thread_ts"] == "900.1"
    explanation = await explained(slack.processor, "sales by location last week")
    assert html.unescape(post.args["text"]).endswith(f"\n_{explanation}_")


# -- buttons ---------------------------------------------------------------------------------------


async def test_a_clarification_button_click_answers_and_marks_the_choice(slack: Harness) -> None:
    question = "how many chicken salads did we sell last week"
    await slack.event(mention(question, channel=CHANNEL, ts="1000.1"))
    [asked] = await slack.fake.wait_for("chat.postMessage")
    choices = buttons(asked)
    assert [b["text"]["text"] for b in choices] == [
        "Chicken Salad Sandwich (item)",
        "Grilled Chicken Salad (item)",
    ]
    assert [b["action_id"] for b in choices] == ["swoop_option_0", "swoop_option_1"]
    ts = await posted_ts(slack, 0)
    assert await slack.interact(click_payload(asked, ts, choices[1]["value"], "U_ANN")) == 200
    [update] = await slack.fake.wait_for("chat.update")
    answer = (await slack.fake.wait_for("chat.postMessage", 2))[1]
    assert update.args["ts"] == ts and not buttons(update)
    assert "✔ <@U_ANN> chose *Grilled Chicken Salad (item)*" in block_text(update)
    assert answer.args["thread_ts"] == "1000.1" and "Grilled Chicken Salad" in answer.args["text"]


@pytest.fixture
def club_db(sample_db: Path, tmp_path: Path) -> Path:
    """A private copy of the sample database: the confirmation test writes."""
    copy = tmp_path / "club.db"
    shutil.copy(sample_db, copy)
    shutil.copy(f"{sample_db}.swoop.yaml", f"{copy}.swoop.yaml")
    return copy


def price(db: Path, item: str) -> float:
    with sqlite3.connect(db) as conn:
        return float(conn.execute("SELECT price FROM items WHERE name = ?", (item,)).fetchone()[0])


async def test_slack_group_admins_are_looked_up_in_user_groups(
    club_db: Path, tmp_path: Path
) -> None:
    slack = await start(club_db, tmp_path, admins="slack-group:S_MANAGERS")
    slack.fake.user_groups["S_MANAGERS"] = ("U_ADMIN",)
    try:
        await slack.event(
            mention("disable the caesar salad", channel=CHANNEL, ts="1300.1", user="U_BOB")
        )
        [refused] = await slack.fake.wait_for("chat.postMessage")
        assert "can't change data" in refused.args["text"]
        await slack.event(
            mention("disable the caesar salad", channel=CHANNEL, ts="1300.2", user="U_ADMIN")
        )
        asked = (await slack.fake.wait_for("chat.postMessage", 2))[1]
        assert "will change" in asked.args["text"]
        assert len(slack.fake.calls_to("usergroups.list")) == 1  # cached between messages
    finally:
        await slack.close()


async def test_confirm_button_changes_data_only_for_the_admin_who_asked(
    club_db: Path, tmp_path: Path
) -> None:
    slack = await start(club_db, tmp_path, admins="slack:U_ADMIN")
    try:
        ask = mention(
            "set the price of the Club Sandwich to $14.50",
            channel=CHANNEL,
            ts="1100.1",
            user="U_ADMIN",
        )
        await slack.event(ask)
        [asked] = await slack.fake.wait_for("chat.postMessage")
        confirm, cancel = buttons(asked)
        assert (confirm["text"]["text"], confirm["style"]) == ("Confirm", "primary")
        assert (cancel["text"]["text"], cancel["style"]) == ("Cancel", "danger")
        ts = await posted_ts(slack, 0)

        await slack.interact(click_payload(asked, ts, confirm["value"], "U_BOB"))
        refused = (await slack.fake.wait_for("chat.postMessage", 2))[1]
        assert "Only the person who asked" in refused.args["text"]
        await slack.settle()
        assert slack.fake.calls_to("chat.update") == []
        assert price(club_db, "Club Sandwich") == 13.95

        await slack.interact(click_payload(asked, ts, confirm["value"], "U_ADMIN"))
        done = (await slack.fake.wait_for("chat.postMessage", 3))[2]
        [update] = await slack.fake.wait_for("chat.update")
        assert done.args["text"].startswith("Done") and done.args["thread_ts"] == "1100.1"
        assert "chose *Confirm*" in block_text(update)
        assert price(club_db, "Club Sandwich") == 14.50

        # "Say “undo” to revert it": in the thread, no mention needed (though no data answer,
        # hence no conversation context, was ever saved for this thread).
        key = ConversationKey("slack", TEAM_ID, CHANNEL, "1100.1")
        assert await slack.processor.store.load_context_async(key) is None
        undo = channel_message(
            "undo", channel=CHANNEL, ts="1100.5", user="U_ADMIN", thread_ts="1100.1"
        )
        await slack.event(undo)
        undone = (await slack.fake.wait_for("chat.postMessage", 4))[3]
        assert undone.args["text"].startswith("Undone") and price(club_db, "Club Sandwich") == 13.95
    finally:
        await slack.close()


# -- reactions -------------------------------------------------------------------------------------


def reaction(
    kind: str, name: str, ts: str, *, user: str = "U_ANN", author: str = BOT_USER_ID
) -> dict[str, Any]:
    return {
        "type": kind,
        "user": user,
        "reaction": name,
        "item_user": author,
        "item": {"type": "message", "channel": CHANNEL, "ts": ts},
        "event_ts": str(time.time()),
    }


async def test_thumbs_up_is_feedback_and_removing_it_removes_it(slack: Harness) -> None:
    await slack.event(mention("sales by location last week", channel=CHANNEL, ts="1200.1"))
    ts = await posted_ts(slack, 0)
    await slack.settle()
    await slack.event(reaction("reaction_added", "tada", ts))
    await slack.event(reaction("reaction_added", "+1", "1200.1", author="U_ANN"))  # not an answer
    await slack.event(reaction("reaction_added", "+1", ts, user=BOT_USER_ID))  # Swoop's own
    await slack.settle()
    assert (await slack.processor.get_feedback_stats_async())["ratings"] == 0

    await slack.event(reaction("reaction_added", "+1::skin-tone-2", ts))
    await slack.settle()
    stats = await slack.processor.get_feedback_stats_async()
    assert (stats["ratings"], stats["helpful"]) == (1, 1)

    await slack.event(reaction("reaction_removed", "+1::skin-tone-2", ts))
    await slack.settle()
    assert (await slack.processor.get_feedback_stats_async())["ratings"] == 0

    await slack.event(reaction("reaction_added", "thumbsdown", ts, user="U_BOB"))
    await slack.settle()
    stats = await slack.processor.get_feedback_stats_async()
    assert (stats["ratings"], stats["not_helpful"]) == (1, 1)


# -- /swoop ----------------------------------------------------------------------------------------


async def test_slash_command_help_stats_and_a_question(slack: Harness) -> None:
    status, body = await slack.command("stats")
    assert status == 200 and body == ""
    [stats] = await slack.fake.wait_for("response_url")
    assert stats.args["response_type"] == "ephemeral" and "feedback" in stats.args["text"].lower()

    status, _ = await slack.command("how many orders yesterday?")
    assert status == 200
    root, answer = await slack.fake.wait_for("chat.postMessage", 2)
    assert root.args["text"] == "<@U_ANN> asked: how many orders yesterday?"
    assert "thread_ts" not in root.args
    root_ts = await posted_ts(slack, 0)
    assert answer.args["thread_ts"] == root_ts and answer.args["text"].startswith("160 orders")
    explanation = await explained(slack.processor, "how many orders yesterday?")
    assert [t for _, t in contexts(answer) if t == explanation] == [explanation]

    # Help (acknowledged at once) lists the examples of the semantic model file.
    status, body = await slack.command("help")
    assert status == 200
    help_answer = json.loads(body)
    assert "• how many orders did we complete last week?\n• sales by" in help_answer["text"]
    assert "/swoop stats" in json.dumps(help_answer["blocks"])

    # Not in the channel: the answer comes privately through the response_url.
    slack.fake.error_once("chat.postMessage", "not_in_channel")
    await slack.command("how many orders yesterday?")
    private = (await slack.fake.wait_for("response_url", 2))[1]
    assert private.args["text"].startswith("160 orders") and "/invite" in json.dumps(private.args)


# -- Socket Mode -----------------------------------------------------------------------------------


async def test_a_mention_through_socket_mode(sample_db: Path, tmp_path: Path) -> None:
    fake = await FakeSlack().start()
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{sample_db}",
        state_url=f"sqlite+aiosqlite:///{tmp_path / 'state.db'}",
        now=SAMPLE_NOW,
        slack_bot_token=BOT_TOKEN,
        slack_app_token=APP_TOKEN,
        slack_api_url=fake.api_url,
    )
    processor = QueryProcessor(settings)
    adapter = SlackAdapter(processor, settings)
    try:
        await adapter.start_socket_mode_async()
        [opened] = fake.calls_to("apps.connections.open")
        assert opened.token == APP_TOKEN
        await fake.wait_for("socket.connected")
        event = mention("how many orders yesterday?", channel=CHANNEL, ts="1300.1")
        envelope_id = await fake.send_envelope(event_callback(event))
        await fake.wait_for("socket.ack", where=lambda c: c.args.get("envelope_id") == envelope_id)
        [post] = await fake.wait_for("chat.postMessage")
        assert post.args["thread_ts"] == "1300.1" and post.args["text"].startswith("160 orders")
        assert post.token == BOT_TOKEN
    finally:
        await adapter.close_async()
        await processor.dispose_async()
        await fake.close()
