"""Response → Slack message: Block Kit blocks, a plain-text fallback, and a CSV when the table
is longer than a message can show.

Every Slack limit the renderer respects is a named constant below, with its source. Text is
mrkdwn-escaped (``&``, ``<``, ``>``) so data can never turn into a mention or a link.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from adapters.slack.payloads import Block
from bot.formatting import format_value
from bot.messages import Column, Response, ResponseKind, Table

# -- Slack's limits ------------------------------------------------------------------------------
# https://docs.slack.dev/reference/block-kit/blocks ("up to 50 blocks in each message")
MAX_BLOCKS = 50
# https://docs.slack.dev/reference/block-kit/blocks/section-block (text: max 3000 characters)
SECTION_TEXT_MAX = 3000
# https://docs.slack.dev/reference/block-kit/blocks/context-block (max 10 elements) and
# https://docs.slack.dev/reference/block-kit/composition-objects/text-object (max 3000 characters)
CONTEXT_ELEMENTS_MAX = 10
CONTEXT_TEXT_MAX = 3000
# https://docs.slack.dev/reference/block-kit/blocks/actions-block (max 25 elements)
ACTIONS_ELEMENTS_MAX = 25
# https://docs.slack.dev/reference/block-kit/block-elements/button-element
# (text max 75 characters, value max 2000, action_id max 255)
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
# https://docs.slack.dev/reference/methods/chat.postMessage ("Truncating content": text beyond
# 40,000 characters is truncated; keep it under 4,000 for the best results)
MESSAGE_TEXT_MAX = 40_000
MESSAGE_TEXT_RECOMMENDED = 4_000

# -- Swoop's own choices, within those limits ------------------------------------------------------
TABLE_PREVIEW_ROWS = 20  # more rows than this go to a CSV file in the thread
CELL_WIDTH_MAX = 40  # longer cells are cut with "…" in the preview (never in the CSV)
SQL_PREVIEW_MAX = 1500  # the SQL line stays small, like a collapsed detail
NUMERIC_FORMATS = frozenset({"money", "count", "number", "percent"})
OPTION_ACTION_PREFIX = "swoop_option_"
OPTION_ACTION = re.compile(rf"^{OPTION_ACTION_PREFIX}\d+$")
BUTTON_STYLES = {"confirm": "primary", "cancel": "danger"}  # by label, on confirmations
KIND_PREFIX = {ResponseKind.ERROR: ":warning: "}
ELLIPSIS = "…"
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


@dataclass(frozen=True)
class SlackMessage:
    """One rendered answer: what ``chat.postMessage`` gets, plus the CSV to attach, if any."""

    text: str
    blocks: list[Block]
    csv: str | None = None  # the whole table, when the blocks show only part of it
    csv_rows: int = 0


def escape(text: str) -> str:
    """Slack's mrkdwn escaping (https://docs.slack.dev/messaging/formatting-message-text)."""
    return text.translate(_ESCAPES)


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with "…", never inside an ``&amp;`` entity."""
    if len(text) <= limit:
        return text
    cut = limit - len(ELLIPSIS)
    amp = text.rfind("&", max(0, cut - 4), cut)
    if amp != -1 and ";" not in text[amp:cut]:
        cut = amp
    return text[:cut] + ELLIPSIS


# -- the table -----------------------------------------------------------------------------------


def _is_numeric(column: Column, values: Sequence[Any]) -> bool:
    if column.format in NUMERIC_FORMATS:
        return True
    present = [v for v in values if v is not None]
    return bool(present) and all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in present
    )


def _cell(value: Any, fmt: str | None) -> str:
    text = format_value(value, fmt).replace("\n", " ")
    return text if len(text) <= CELL_WIDTH_MAX else text[: CELL_WIDTH_MAX - 1] + ELLIPSIS


@dataclass(frozen=True)
class TablePreview:
    """The first rows of a table as an aligned monospace block, within a section's limit."""

    code: str  # "```...```", escaped; empty when not even one row fits
    shown: int
    omitted: int


def table_preview(table: Table, budget: int = SECTION_TEXT_MAX) -> TablePreview:
    """Aligned columns, numbers right-aligned by their format; as many rows as fit."""
    rows = table.rows[:TABLE_PREVIEW_ROWS]
    headers = [c.name.replace("_", " ") for c in table.columns]
    cells = [[_cell(v, c.format) for v, c in zip(row, table.columns, strict=True)] for row in rows]
    widths = [
        min(CELL_WIDTH_MAX, max([len(h), *(len(r[i]) for r in cells)]))
        for i, h in enumerate(headers)
    ]
    right = [_is_numeric(c, [row[i] for row in rows]) for i, c in enumerate(table.columns)]

    def line(values: Sequence[str]) -> str:
        padded = (
            v.rjust(w) if r else v.ljust(w) for v, w, r in zip(values, widths, right, strict=True)
        )
        return escape("  ".join(padded).rstrip())

    fence = "```"
    used = len(fence) * 2 + 2
    lines = [line(headers)]
    used += len(lines[0]) + 1
    for row_cells in cells:
        text = line(row_cells)
        if used + len(text) + 1 > budget:
            break
        lines.append(text)
        used += len(text) + 1
    shown = len(lines) - 1
    code = f"{fence}\n" + "\n".join(lines) + f"\n{fence}" if shown else ""
    return TablePreview(code, shown, len(table.rows) - shown)


def table_csv(table: Table) -> str:
    """The whole table as CSV: a header row, then raw values (numbers unformatted)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.column_names)
    writer.writerows(["" if v is None else v for v in row] for row in table.rows)
    return out.getvalue()


def _shows_table(table: Table | None) -> bool:
    """A one-value result is already in the sentence; anything larger gets a table."""
    return (
        table is not None and bool(table.rows) and (len(table.rows), len(table.columns)) != (1, 1)
    )


# -- blocks --------------------------------------------------------------------------------------


def _section(mrkdwn: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(mrkdwn, SECTION_TEXT_MAX)}}


def _context(*mrkdwn: str) -> Block:
    elements = [{"type": "mrkdwn", "text": clip(t, CONTEXT_TEXT_MAX)} for t in mrkdwn if t]
    return {"type": "context", "elements": elements[:CONTEXT_ELEMENTS_MAX]}


def _summary_and_hint(response: Response) -> tuple[str, str | None]:
    """The sentence and, for errors, the recovery hint shown apart (the core joins them)."""
    text, hint = response.text, response.hint
    if hint and text.endswith(f"\n{hint}"):
        text = text[: -len(hint) - 1]
    return KIND_PREFIX.get(response.kind, "") + escape(text), hint


def _buttons(response: Response) -> list[Block]:
    buttons: list[Block] = []
    for index, option in enumerate(response.options):
        # Values are short tokens ("abc123:2"); one beyond the limit falls back to its label,
        # which the core also accepts.
        value = option.value if len(option.value) <= BUTTON_VALUE_MAX else option.label
        button: Block = {
            "type": "button",
            "action_id": f"{OPTION_ACTION_PREFIX}{index}",
            "text": {"type": "plain_text", "text": clip(option.label, BUTTON_TEXT_MAX)},
            "value": value[:BUTTON_VALUE_MAX],
        }
        style = BUTTON_STYLES.get(option.label.lower())
        if response.kind is ResponseKind.CONFIRMATION and style:
            button["style"] = style
        buttons.append(button)
    return [
        {
            "type": "actions",
            "block_id": f"swoop_options_{start // ACTIONS_ELEMENTS_MAX}",
            "elements": buttons[start : start + ACTIONS_ELEMENTS_MAX],
        }
        for start in range(0, len(buttons), ACTIONS_ELEMENTS_MAX)
    ]


def _sql_line(sql: str) -> str:
    one_line = " ".join(sql.replace("`", "'").split())
    return "SQL `" + clip(escape(one_line), SQL_PREVIEW_MAX) + "`"


def _more_rows(preview: TablePreview, table: Table) -> str:
    capped = " (the result was capped)" if table.truncated else ""
    if not preview.shown:
        return f"The table is too wide to show here; all {len(table.rows):,} rows are in the CSV."
    return (
        f"{ELLIPSIS}and {preview.omitted:,} more rows{capped} — "
        "the full result is in the CSV file in this thread."
    )


def render_response(response: Response) -> SlackMessage:
    """Every Response kind as Block Kit, with a plain-text fallback for notifications.

    A data answer's one-line explanation is a context block under the sentence and table.
    """
    summary, hint = _summary_and_hint(response)
    blocks: list[Block] = [_section(summary)]
    if hint:
        blocks.append(_context(f"💡 {escape(hint)}"))
    csv_text: str | None = None
    rows = 0
    table = response.table
    if table is not None and _shows_table(table):
        preview = table_preview(table)
        if preview.shown:
            blocks.append(_section(preview.code))
        if preview.omitted:
            blocks.append(_context(_more_rows(preview, table)))
            csv_text, rows = table_csv(table), len(table.rows)
    if response.explanation:
        blocks.append(_context(escape(response.explanation)))  # what was counted, under it
    blocks.extend(_buttons(response))
    if response.sql:
        blocks.append(_context(_sql_line(response.sql)))
    if len(blocks) > MAX_BLOCKS:
        blocks = [*blocks[: MAX_BLOCKS - 1], _context(f"{ELLIPSIS}(shortened to fit Slack)")]
    return SlackMessage(fallback_text(response), blocks, csv_text, rows)


def fallback_text(response: Response) -> str:
    """The notification text sent with the blocks: the sentence, escaped."""
    return clip(escape(response.text), MESSAGE_TEXT_RECOMMENDED)


def text_only(response: Response) -> str:
    """A simpler rendering for when Slack refuses the blocks: text, the table if it fits, and
    the explanation line."""
    text = escape(response.text)
    note = f"\n_{escape(response.explanation)}_" if response.explanation else ""
    table = response.table
    if table is not None and _shows_table(table):
        room = MESSAGE_TEXT_RECOMMENDED - len(text) - len(note) - 80
        preview = table_preview(table, budget=room)
        if preview.shown:
            text += "\n" + preview.code
        if preview.omitted:
            text += f"\n{ELLIPSIS}and {preview.omitted:,} more rows."
    return clip(text + note, MESSAGE_TEXT_RECOMMENDED)


def with_choice(blocks: Sequence[Block], user: str, label: str) -> list[Block]:
    """The clicked message with its buttons replaced by "✔ <user> chose <label>"."""
    chosen = _context(f"✔ <@{user}> chose *{escape(label)}*")
    updated: list[Block] = []
    for block in blocks:
        ours = block.get("type") == "actions" and any(
            OPTION_ACTION.match(str(e.get("action_id", ""))) for e in block.get("elements", [])
        )
        if not ours:
            updated.append(block)
        elif chosen not in updated:
            updated.append(chosen)
    return updated if chosen in updated else [*updated, chosen]
