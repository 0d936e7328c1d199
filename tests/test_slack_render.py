"""The Slack adapter's pure parts: payload parsing and Block Kit rendering within Slack's limits."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from typing import Any

import pytest

from adapters.slack.events import (
    Trigger,
    command_from_payload,
    feedback_from_reaction,
    question_from_event,
)
from adapters.slack.payloads import MessageEvent, ReactionEvent
from adapters.slack.render import (
    ACTIONS_ELEMENTS_MAX,
    BUTTON_TEXT_MAX,
    CELL_WIDTH_MAX,
    CONTEXT_TEXT_MAX,
    MAX_BLOCKS,
    MESSAGE_TEXT_RECOMMENDED,
    SECTION_TEXT_MAX,
    TABLE_PREVIEW_ROWS,
    clip,
    escape,
    render_response,
    table_preview,
    text_only,
    with_choice,
)
from bot.config import load_settings
from bot.errors import ErrorTypes
from bot.messages import Column, Option, Response, ResponseKind, Table

BOT = "U_SWOOP"
SETTINGS = load_settings(location_scopes="slack:C_NORTH=1+2")


def event(**fields: Any) -> MessageEvent:
    base: dict[str, Any] = {"type": "message", "user": "U_ANN", "channel": "C1", "ts": "5.1"}
    return MessageEvent(**{**base, **fields})  # type: ignore[typeddict-item]


def ask(**fields: Any) -> Any:
    return question_from_event(event(**fields), team="T1", bot_user_id=BOT, settings=SETTINGS)


def texts(blocks: list[dict[str, Any]]) -> list[str]:
    found = []
    for block in blocks:
        if "text" in block:
            found.append(block["text"]["text"])
        found += [e["text"] for e in block.get("elements", []) if block["type"] == "context"]
    return found


# -- events ----------------------------------------------------------------------------------------


def test_mentions_dms_and_thread_replies_become_questions() -> None:
    mentioned = ask(type="app_mention", text=f"<@{BOT}> sales &amp; tips  last week")
    assert (
        mentioned.trigger is Trigger.MENTION and mentioned.message.text == "sales & tips last week"
    )
    assert (mentioned.message.workspace, mentioned.message.thread) == ("T1", "5.1")
    assert ask(text="hi", channel_type="im").trigger is Trigger.DIRECT
    reply = ask(text="and last month?", thread_ts="4.0")
    assert reply.trigger is Trigger.THREAD and reply.message.thread == "4.0"
    scoped = ask(text=f"<@{BOT}> sales", channel="C_NORTH")
    assert scoped.message.scope == (1, 2) and ask(text=f"<@{BOT}> x").message.scope is None


@pytest.mark.parametrize(
    "fields",
    [
        {"text": "lunch?"},  # chatter at the top of a channel
        {"text": "<@U_BOB> what do you think?", "thread_ts": "4.0"},  # meant for Bob
        {"text": "", "thread_ts": "4.0"},  # a bare file in the thread
        {"text": "hi", "channel_type": "im", "bot_id": "B1"},
        {"text": "hi", "channel_type": "im", "user": BOT},
        {"text": "hi", "channel_type": "im", "subtype": "message_changed"},
        {"text": "hi", "channel_type": "im", "subtype": "bot_message"},
    ],
)
def test_other_messages_are_not_questions(fields: dict[str, Any]) -> None:
    assert ask(**fields) is None


def test_thumbs_reactions_on_swoop_messages_are_feedback() -> None:
    def react(name: str, kind: str = "reaction_added", **extra: Any) -> Any:
        item = {"type": "message", "channel": "C1", "ts": "9.9"}
        fields = {"type": kind, "user": "U_ANN", "reaction": name, "item_user": BOT, "item": item}
        return feedback_from_reaction(ReactionEvent(**{**fields, **extra}), BOT)  # type: ignore[typeddict-item]

    assert react("+1::skin-tone-3").rating == 1 and react("thumbsup").answer_ref == "C1:9.9"
    assert react("-1").rating == -1 and react("thumbsdown").rating == -1
    removed = react("+1", "reaction_removed")
    assert (removed.rating, removed.added) == (1, False)
    assert react("tada") is None and react("+1", user=BOT) is None
    assert react("+1", item_user="U_BOB") is None
    assert react("+1", item={"type": "file", "file": "F1"}) is None


def test_slash_command_verbs() -> None:
    def verb(text: str) -> str:
        return command_from_payload({"text": text, "user_id": "U1", "channel_id": "C1"}).verb

    assert [verb(t) for t in ("", "help", "Stats", "sales last week")] == [
        "help",
        "help",
        "stats",
        "ask",
    ]


# -- rendering -------------------------------------------------------------------------------------


def test_text_is_escaped_and_clipped_without_breaking_entities() -> None:
    assert escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"
    clipped = clip("a" * 10 + "&amp;", 12)
    assert clipped == "a" * 10 + "…" and len(clip("x" * 5000, 3000)) == 3000


def test_table_is_aligned_and_numbers_right_aligned() -> None:
    table = Table(
        (Column("item"), Column("sold", "count"), Column("revenue", "money")),
        (("Club Sandwich", 1200, 14500.5), ("Fries & <Dip>", 3, 9.0)),
    )
    lines = table_preview(table).code.strip("`\n").splitlines()
    assert lines == [
        "item            sold     revenue",
        "Club Sandwich  1,200  $14,500.50",
        "Fries &amp; &lt;Dip&gt;      3       $9.00",
    ]


def test_long_tables_show_a_preview_and_carry_the_whole_table_as_csv() -> None:
    rows = tuple((f"day {i}", i, "x" * 100) for i in range(500))
    table = Table((Column("day"), Column("orders", "count"), Column("note")), rows)
    rendered = render_response(Response(ResponseKind.DATA, "Orders by day.", table=table))
    code = next(t for t in texts(rendered.blocks) if t.startswith("```"))
    assert len(code) <= SECTION_TEXT_MAX
    assert code.count("\n") - 2 == TABLE_PREVIEW_ROWS  # fences and the header
    notes = [line.split("  ")[-1] for line in code.splitlines()[2:-1]]
    assert all(len(n) == CELL_WIDTH_MAX and n.endswith("…") for n in notes)
    assert any(f"…and {500 - TABLE_PREVIEW_ROWS} more rows" in t for t in texts(rendered.blocks))
    assert rendered.csv is not None and rendered.csv_rows == 500
    parsed = list(csv.reader(io.StringIO(rendered.csv)))
    assert parsed[0] == ["day", "orders", "note"] and parsed[-1] == ["day 499", "499", "x" * 100]


def test_one_value_answers_have_no_table_and_small_tables_no_csv() -> None:
    single = Table((Column("orders", "count"),), ((160,),))
    rendered = render_response(
        Response(ResponseKind.DATA, "160 orders.", table=single, sql="SELECT 1")
    )
    assert [b["type"] for b in rendered.blocks] == ["section", "context"]
    assert rendered.csv is None and texts(rendered.blocks)[1] == "SQL `SELECT 1`"


def test_the_explanation_is_a_context_line_under_the_answer_and_its_table() -> None:
    table = Table(
        (Column("location"), Column("revenue", "money")),
        (("North & <South>", 9146.21), ("Oak Hollow", 812.5)),
    )
    explained = Response(
        ResponseKind.DATA,
        "Sales by location last week (Jun 2–8).",
        table=table,
        sql="SELECT 1",
        explanation="Sales of completed orders · last week (Jun 2–8) · price < 9 & active",
    )
    blocks = render_response(explained).blocks
    assert [b["type"] for b in blocks] == ["section", "section", "context", "context"]
    assert blocks[1]["text"]["text"].startswith("```")  # the table, then the explanation
    escaped = "Sales of completed orders · last week (Jun 2–8) · price &lt; 9 &amp; active"
    assert blocks[2] == {"type": "context", "elements": [{"type": "mrkdwn", "text": escaped}]}
    assert texts(blocks)[-1] == "SQL `SELECT 1`"
    assert text_only(explained).endswith(f"\n_{escaped}_")  # when Slack refuses the blocks
    # A long line is clipped to a context element's limit; no explanation, no line.
    long = render_response(replace(explained, explanation="x" * 5000)).blocks
    assert len(long[2]["elements"][0]["text"]) == CONTEXT_TEXT_MAX
    plain = render_response(replace(explained, explanation=None)).blocks
    assert [b["type"] for b in plain] == ["section", "section", "context"]


def test_options_become_buttons_within_slack_limits() -> None:
    options = tuple(Option("option " + "x" * 100 + str(i), f"tok:{i}") for i in range(60))
    rendered = render_response(Response(ResponseKind.CLARIFICATION, "Which one?", options=options))
    actions = [b for b in rendered.blocks if b["type"] == "actions"]
    assert [len(a["elements"]) for a in actions] == [ACTIONS_ELEMENTS_MAX, ACTIONS_ELEMENTS_MAX, 10]
    first = actions[0]["elements"][0]
    assert first["action_id"] == "swoop_option_0" and first["value"] == "tok:0"
    assert len(first["text"]["text"]) == BUTTON_TEXT_MAX and "style" not in first
    assert len(rendered.blocks) <= MAX_BLOCKS


def test_confirmations_have_primary_and_danger_buttons() -> None:
    options = (Option("Confirm", "t:confirm"), Option("Cancel", "t:cancel"))
    rendered = render_response(Response(ResponseKind.CONFIRMATION, "Sure?", options=options))
    [actions] = [b for b in rendered.blocks if b["type"] == "actions"]
    assert [e.get("style") for e in actions["elements"]] == ["primary", "danger"]


def test_errors_show_the_message_and_the_hint_apart() -> None:
    response = Response(
        ResponseKind.ERROR,
        "No such item.\nCheck the spelling.",
        hint="Check the spelling.",
        error_type=ErrorTypes.NOT_FOUND,
    )
    assert texts(render_response(response).blocks) == [
        ":warning: No such item.",
        "💡 Check the spelling.",
    ]
    assert render_response(response).text == "No such item.\nCheck the spelling."


def test_huge_answers_stay_within_message_limits() -> None:
    many = tuple(Option(str(i), str(i)) for i in range(ACTIONS_ELEMENTS_MAX * 60))
    response = Response(ResponseKind.CLARIFICATION, "y" * 50_000, options=many)
    rendered = render_response(response)
    assert len(rendered.blocks) == MAX_BLOCKS and len(rendered.text) <= MESSAGE_TEXT_RECOMMENDED
    assert all(len(t) <= SECTION_TEXT_MAX for t in texts(rendered.blocks))
    assert len(text_only(response)) <= MESSAGE_TEXT_RECOMMENDED


def test_a_choice_replaces_the_buttons() -> None:
    options = (Option("A", "t:1"), Option("B", "t:2"))
    blocks = render_response(Response(ResponseKind.CLARIFICATION, "Which?", options=options)).blocks
    chosen = with_choice(blocks, "U_ANN", "B <b>")
    assert [b["type"] for b in chosen] == ["section", "context"]
    assert texts(chosen)[1] == "✔ <@U_ANN> chose *B &lt;b&gt;*"
