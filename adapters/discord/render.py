"""A neutral :class:`~bot.messages.Response` as Discord messages: one embed each, within limits.

The summary leads; a table follows as an aligned monospace block (numbers right-aligned, values
formatted per column). A table too long for one embed continues over up to
``MAX_TABLE_MESSAGES`` messages; a longer one shows its first page and attaches every row as CSV,
so no answer is ever cut. Buttons and reactions are the adapter's business (``views.py``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import discord

from bot.formatting import format_value
from bot.messages import Response, ResponseKind, Table

# Discord's limits — https://discord.com/developers/docs/resources/message#embed-object-embed-limits
EMBED_TITLE_LIMIT = 256
EMBED_DESCRIPTION_LIMIT = 4096
EMBED_FIELDS_LIMIT = 25
EMBED_FIELD_VALUE_LIMIT = 1024
EMBED_FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000  # title + description + fields + footer + author of all embeds together
EMBEDS_PER_MESSAGE = 10
# https://discord.com/developers/docs/resources/message#create-message ("content", up to 2000)
CONTENT_LIMIT = 2000

# Swoop's own choices.
MAX_TABLE_MESSAGES = 3  # a table needing more messages is attached as CSV instead
CELL_WIDTH = 40  # longer text cells are shortened with "…" (the CSV keeps them whole)
NOTE_RESERVE = 200  # room kept on the first page for the note under the table
NUMERIC_FORMATS = {"money", "count", "number", "percent"}
RATE_FOOTER = "React 👍 or 👎 to rate this answer"
COLORS = {
    ResponseKind.DATA: discord.Colour.blurple(),
    ResponseKind.CLARIFICATION: discord.Colour.gold(),
    ResponseKind.CONFIRMATION: discord.Colour.orange(),
    ResponseKind.ACTION: discord.Colour.green(),
    ResponseKind.ERROR: discord.Colour.red(),
    ResponseKind.HELP: discord.Colour.light_grey(),
}
FENCE = "```"


@dataclass(frozen=True)
class Attachment:
    """A file sent with the first message (a fresh :class:`discord.File` per send)."""

    filename: str
    data: bytes

    def to_file(self) -> discord.File:
        return discord.File(io.BytesIO(self.data), filename=self.filename)


@dataclass(frozen=True)
class Rendered:
    """The messages of one answer: one embed each; the attachment goes with the first."""

    embeds: tuple[discord.Embed, ...]
    attachment: Attachment | None = None


def render(response: Response) -> Rendered:
    """``response`` as embeds within Discord's limits, every row delivered (inline or as CSV).

    A data answer's one-line explanation is the footer of its last embed (under the table);
    the first embed's footer otherwise invites a 👍/👎 rating.
    """
    color = COLORS.get(response.kind, discord.Colour.light_grey())
    descriptions = _split_text(response.text, EMBED_DESCRIPTION_LIMIT)
    attachment = None
    table = response.table
    if table is not None and _worth_showing(table):
        header, rows, shortened = table_lines(table)
        room = EMBED_DESCRIPTION_LIMIT - len(descriptions[-1]) - 1 - NOTE_RESERVE
        inline = room >= EMBED_DESCRIPTION_LIMIT // 4  # else the table starts its own message
        first = room if inline else EMBED_DESCRIPTION_LIMIT - NOTE_RESERVE
        pages = _paginate(header, rows, first=first, rest=EMBED_DESCRIPTION_LIMIT)
        notes = []
        if len(pages) > MAX_TABLE_MESSAGES:
            pages = pages[:1]
            notes.append(f"Rows 1–{len(pages[0])} of {len(rows):,} shown; all rows are in the CSV.")
        elif shortened:
            notes.append("Long values are shortened here; the CSV has them in full.")
        if notes:
            attachment = Attachment(f"swoop-{response.query_id or 'answer'}.csv", table_csv(table))
        if table.truncated:
            notes.append(f"Only the first {len(rows):,} rows were fetched.")
        blocks = [_block(header, page) for page in pages]
        if notes:
            blocks[0] = f"{blocks[0]}\n{' '.join(notes)}"
        if inline:
            descriptions[-1] = f"{descriptions[-1]}\n{blocks.pop(0)}"
        descriptions.extend(blocks)
    embeds = [discord.Embed(description=text, colour=color) for text in descriptions]
    for number, embed in enumerate(embeds[1:], 2):
        embed.title = f"(continued, {number}/{len(embeds)})"
    if response.explanation:  # under the answer and its table: the last message's footer
        embeds[-1].set_footer(text=_footer(response.explanation, embeds[-1]))
    if response.kind is ResponseKind.DATA and response.query_id and not embeds[0].footer.text:
        embeds[0].set_footer(text=RATE_FOOTER)
    return Rendered(tuple(embeds), attachment)


def _footer(text: str, embed: discord.Embed) -> str:
    """``text`` in one line within the footer limit and the embed's total (one per message)."""
    line = " ".join(text.split())
    room = min(EMBED_FOOTER_LIMIT, EMBED_TOTAL_LIMIT - len(embed))
    return line if len(line) <= room else line[: max(0, room - 1)] + "…"


def table_lines(table: Table) -> tuple[list[str], list[str], bool]:
    """Header lines (names, rule) and one aligned line per row; True if a cell was shortened."""
    cells: list[list[str]] = []
    shortened = False
    for row in table.rows:
        line = []
        for value, column in zip(row, table.columns, strict=True):
            text = _cell(format_value(value, column.format))
            if len(text) > CELL_WIDTH:
                text, shortened = text[: CELL_WIDTH - 1] + "…", True
            line.append(text)
        cells.append(line)
    names = [column.name.replace("_", " ") for column in table.columns]
    widths = [max([len(name), *(len(row[i]) for row in cells)]) for i, name in enumerate(names)]
    right = [_is_numeric(table, i) for i in range(len(names))]

    def join(values: Sequence[str]) -> str:
        return "  ".join(
            v.rjust(w) if r else v.ljust(w) for v, w, r in zip(values, widths, right, strict=True)
        ).rstrip()

    header = [join(names), "  ".join("-" * w for w in widths)]
    return header, [join(row) for row in cells], shortened


def table_csv(table: Table) -> bytes:
    """Every row as CSV with plain values (numbers stay numbers), UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.column_names)
    writer.writerows(["" if v is None else v for v in row] for row in table.rows)
    return out.getvalue().encode("utf-8")


def check_limits(embeds: Sequence[discord.Embed], content: str | None = None) -> None:
    """Raise ValueError when one message would break a Discord limit (a guard for tests)."""
    if len(embeds) > EMBEDS_PER_MESSAGE:
        raise ValueError(f"{len(embeds)} embeds in one message")
    if content is not None and len(content) > CONTENT_LIMIT:
        raise ValueError(f"content of {len(content)} characters")
    if sum(len(embed) for embed in embeds) > EMBED_TOTAL_LIMIT:
        raise ValueError("embeds longer than 6000 characters in all")
    for embed in embeds:
        limits = [
            (embed.title, EMBED_TITLE_LIMIT),
            (embed.description, EMBED_DESCRIPTION_LIMIT),
            (embed.footer.text, EMBED_FOOTER_LIMIT),
            *((field.value, EMBED_FIELD_VALUE_LIMIT) for field in embed.fields),
        ]
        if len(embed.fields) > EMBED_FIELDS_LIMIT:
            raise ValueError(f"{len(embed.fields)} fields")
        for text, limit in limits:
            if text is not None and len(text) > limit:
                raise ValueError(f"{len(text)} characters where {limit} fit")


def split_content(text: str) -> list[str]:
    """Plain message content in pieces of at most ``CONTENT_LIMIT`` characters."""
    return _split_text(text, CONTENT_LIMIT)


# -- helpers ------------------------------------------------------------------------------------


def _worth_showing(table: Table) -> bool:
    """A one-value table repeats the summary's number; an empty one has nothing to show."""
    return bool(table.rows) and not (len(table.rows) == 1 and len(table.columns) == 1)


def _is_numeric(table: Table, index: int) -> bool:
    if table.columns[index].format in NUMERIC_FORMATS:
        return True
    values = [row[index] for row in table.rows if row[index] is not None]
    return bool(values) and all(_number(v) for v in values)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _cell(text: str) -> str:
    """One line, and no backtick that could close the code block."""
    return " ".join(text.split()).replace("`", "ˋ")


def _paginate(header: list[str], rows: list[str], *, first: int, rest: int) -> list[list[str]]:
    """Rows in pages that fit a fenced block with the header: ``first`` chars, then ``rest``."""
    fixed = len(_block(header, [])) + 1
    pages: list[list[str]] = [[]]
    budget, size = first, fixed
    for row in rows:
        line = row[: rest - fixed - 1]
        if pages[-1] and size + len(line) + 1 > budget:
            pages.append([])
            budget, size = rest, fixed
        pages[-1].append(line)
        size += len(line) + 1
    return pages


def _block(header: list[str], rows: list[str]) -> str:
    return "\n".join([FENCE, *header, *rows, FENCE])


def _split_text(text: str, limit: int) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut at line ends where possible."""
    pieces: list[str] = []
    rest = text.strip() or "…"
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit)
        if cut <= 0:
            cut = rest.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    pieces.append(rest)
    return pieces
