"""Discord rendering and translation without a network: limits, tables, CSV, buttons, places.

``discord`` is only reached through ``adapters.discord``, which silences discord.py's import-time
``audioop`` DeprecationWarning (pytest turns warnings into errors).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path

import pytest

from adapters.discord.adapter import _base_emoji
from adapters.discord.client import SwoopClient, swoop_intents
from adapters.discord.events import Place, thread_name
from adapters.discord.render import (
    CONTENT_LIMIT,
    EMBED_DESCRIPTION_LIMIT,
    EMBED_FOOTER_LIMIT,
    MAX_TABLE_MESSAGES,
    RATE_FOOTER,
    check_limits,
    render,
    split_content,
    table_lines,
)
from adapters.discord.views import (
    BUTTONS_PER_MESSAGE,
    CUSTOM_ID_LIMIT,
    OptionButton,
    SqlButton,
    answer_view,
    disable_options,
)
from bot.config import load_settings
from bot.messages import Column, Option, Response, ResponseKind, Table

MANIFEST = Path(__file__).resolve().parents[1] / "manifests" / "discord.json"
TOKEN = "0123456789abcdef0123456789abcdef"  # the shape of a pending-request token


def table(rows: int, *, width: int = 10) -> Table:
    return Table(
        (Column("item", "text"), Column("sold", "count"), Column("revenue", "money")),
        tuple((f"Item {i:04d} " + "x" * width, i * 3, i * 12.5) for i in range(rows)),
    )


def data(rows: int, *, width: int = 10) -> Response:
    return Response(
        ResponseKind.DATA,
        "Item sales.",
        table=table(rows, width=width),
        sql="SELECT 1",
        query_id="q1",
    )


@pytest.mark.parametrize("rows", [0, 1, 3, 60, 300, 5000])
def test_every_rendering_respects_discord_limits(rows: int) -> None:
    rendered = render(data(rows))
    for embed in rendered.embeds:
        check_limits([embed])
    assert len(rendered.embeds) <= 1 + MAX_TABLE_MESSAGES


EXPLANATION = "Item sales of completed orders · last month (May 2025) · by item · top 5"


def test_the_explanation_is_the_footer_under_the_answer() -> None:
    [embed] = render(replace(data(3), explanation=EXPLANATION)).embeds
    assert embed.footer.text == EXPLANATION
    check_limits([embed])
    # A table over several messages: the line is under the last one, the first invites a rating.
    pages = render(replace(data(300), explanation=EXPLANATION)).embeds
    assert len(pages) > 1 and pages[-1].footer.text == EXPLANATION
    assert pages[0].footer.text == RATE_FOOTER
    assert all(page.footer.text is None for page in pages[1:-1])
    # No explanation: the rating invitation, as before.
    assert render(data(3)).embeds[0].footer.text == RATE_FOOTER


@pytest.mark.parametrize("rows", [3, 60, 5000])
def test_a_long_explanation_fits_the_footer_and_the_embed(rows: int) -> None:
    rendered = render(replace(data(rows), explanation="word " * 1000))
    footer = rendered.embeds[-1].footer.text
    assert footer is not None and footer.endswith("…")
    assert len(footer) <= EMBED_FOOTER_LIMIT and footer.startswith("word word")
    for embed in rendered.embeds:
        check_limits([embed])


def test_a_table_is_aligned_with_numbers_on_the_right() -> None:
    small = Table(
        (Column("location"), Column("revenue", "money"), Column("orders", "count")),
        (("Oak Hollow", 19081.3, 702), ("Lakeside", 10409.2, None)),
    )
    header, rows, shortened = table_lines(small)
    assert header[0].split() == ["location", "revenue", "orders"]
    assert rows == [
        "Oak Hollow  $19,081.30     702",
        "Lakeside    $10,409.20       —",
    ]
    assert not shortened


def test_a_medium_table_continues_over_messages_with_every_row() -> None:
    rendered = render(data(300))
    assert 1 < len(rendered.embeds) <= MAX_TABLE_MESSAGES and rendered.attachment is None
    text = "\n".join(e.description or "" for e in rendered.embeds)
    assert all(f"Item {i:04d}" in text for i in range(300))
    assert rendered.embeds[1].title == f"(continued, 2/{len(rendered.embeds)})"


def test_a_long_table_shows_a_page_and_attaches_every_row_as_csv() -> None:
    response = data(5000)
    rendered = render(response)
    assert len(rendered.embeds) == 1 and rendered.attachment is not None
    assert rendered.attachment.filename == "swoop-q1.csv"
    rows = list(csv.reader(io.StringIO(rendered.attachment.data.decode())))
    assert rows[0] == ["item", "sold", "revenue"]
    assert len(rows) == 5001 and rows[4999][0].startswith("Item 4998")
    assert "all rows are in the CSV" in (rendered.embeds[0].description or "")


def test_long_cells_are_shortened_inline_and_whole_in_the_csv() -> None:
    rendered = render(data(3, width=200))
    assert rendered.attachment is not None
    assert "…" in (rendered.embeds[0].description or "")
    assert "x" * 200 in rendered.attachment.data.decode()


def test_long_text_is_split_and_one_value_tables_are_not_repeated() -> None:
    long = Response(ResponseKind.HELP, "\n".join(f"line {i} " + "y" * 80 for i in range(200)))
    rendered = render(long)
    assert len(rendered.embeds) > 1
    assert all(len(e.description or "") <= EMBED_DESCRIPTION_LIMIT for e in rendered.embeds)
    joined = "\n".join(e.description or "" for e in rendered.embeds)
    assert all(f"line {i} " in joined for i in range(200))
    one = Response(
        ResponseKind.DATA, "702 orders.", table=Table((Column("orders", "count"),), ((702,),))
    )
    assert render(one).embeds[0].description == "702 orders."
    assert all(len(piece) <= CONTENT_LIMIT for piece in split_content("z " * 3000))


def test_each_kind_has_its_colour_and_only_data_asks_for_a_rating() -> None:
    colours = set()
    for kind in ResponseKind:
        [embed] = render(Response(kind, "text", query_id="q1")).embeds
        colours.add(embed.colour)
        assert (embed.footer.text is not None) is (kind is ResponseKind.DATA)
    assert len(colours) == len(ResponseKind)


async def test_buttons_fit_discord_and_only_data_offers_the_sql() -> None:
    options = tuple(Option(f"Option {i}", f"{TOKEN}:{i}") for i in range(1, 31))
    asker = 1_100_000_000_000_000_401
    clarification = Response(ResponseKind.CLARIFICATION, "Which one?", options=options)
    view = answer_view(clarification, asker)
    assert view is not None and len(view.children) == BUTTONS_PER_MESSAGE
    confirm = Response(
        ResponseKind.CONFIRMATION,
        "Confirm?",
        options=(Option("Confirm", f"{TOKEN}:confirm"), Option("Cancel", f"{TOKEN}:cancel")),
    )
    view = answer_view(confirm, asker)
    assert view is not None
    items = [c for c in view.children if isinstance(c, OptionButton)]
    assert [(b.item.label, b.item.style.name) for b in items] == [
        ("Confirm", "success"),
        ("Cancel", "secondary"),
    ]
    assert all(len(b.custom_id) <= CUSTOM_ID_LIMIT for b in items)
    assert items[0].custom_id == f"swoop:opt:{asker}:{TOKEN}:confirm"
    data_view = answer_view(data(3), asker)
    assert data_view is not None and isinstance(data_view.children[0], SqlButton)
    assert answer_view(Response(ResponseKind.HELP, "hi"), asker) is None
    disabled = disable_options(view, items[0].custom_id)
    assert all(b.item.disabled for b in items) and disabled.is_finished()
    assert items[1].item.style.name == "secondary"


def test_places_keep_conversations_and_scopes_apart() -> None:
    settings = load_settings(location_scopes="discord:10=1,discord:20=2,discord:dm=3")
    thread = Place(10, 30, parent_id=20, is_thread=True)
    assert thread.conversation(7) == ("10", "30", "30")  # one conversation for the thread
    assert Place(10, 20).conversation(7) == ("10", "20", "20:7")  # one per person in a channel
    assert Place(None, 40).conversation(7) == ("dm", "40", "40")
    assert thread.scope(settings) == (2,)  # the parent channel's mapping wins over the guild's
    assert Place(10, 50).scope(settings) == (1,)
    assert Place(None, 40).scope(settings) == (3,)
    assert Place(11, 50).scope(settings) is None


def test_thread_names_and_reaction_emoji() -> None:
    assert thread_name("  sales   by location ") == "sales by location"
    assert len(thread_name("q" * 300)) == 100
    assert thread_name("") == "Swoop"
    assert _base_emoji("👍🏽") == "👍"
    assert _base_emoji("👎\ufe0f") == "👎"


async def test_the_manifest_is_what_the_command_tree_registers() -> None:
    client = SwoopClient(adapter=None)  # type: ignore[arg-type]
    commands = [command.to_dict(client.tree) for command in client.tree.get_commands()]
    assert json.loads(MANIFEST.read_text()) == commands
    intents = swoop_intents()
    assert intents.message_content and not intents.members and not intents.presences
