"""The terminal surface: ``swoop chat`` and ``swoop ask``.

Translates lines into :class:`~bot.messages.Message` and renders :class:`~bot.messages.Response`
as rich tables (or one JSON object per answer). Reads a prompt on a terminal, or one message per
line from stdin otherwise, so it can be scripted; end of input ends the chat cleanly.
"""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Iterable, Sequence
from typing import TextIO

from rich.console import Console
from rich.table import Table as RichTable

from bot.formatting import format_value
from bot.messages import Message, Response, ResponseKind
from bot.processor import QueryProcessor
from bot.state import AuditRecord

PLATFORM = "terminal"
WORKSPACE = "local"
CHANNEL = "terminal"
COMMANDS = """Terminal commands:
  :good / :bad   rate the last answer (👍 / 👎)
  :sql           show the SQL of the last answer
  :stats         feedback statistics
  :help          example questions
  :quit          leave (end of input works too)"""
STYLE = {ResponseKind.ERROR: "red", ResponseKind.CLARIFICATION: "yellow"}


def terminal_message(text: str, *, thread: str, user: str) -> Message:
    return Message(PLATFORM, WORKSPACE, CHANNEL, thread, user, text)


def render(response: Response, console: Console) -> None:
    """A response as text, then its table, then (dim) the one line saying what was counted."""
    style = STYLE.get(response.kind)
    console.print(response.text, style=style, highlight=False, markup=False)
    table = response.table
    if table is not None and table.rows and not (len(table.rows) == 1 and len(table.columns) == 1):
        view = RichTable(show_edge=False, header_style="bold")
        for column in table.columns:
            numeric = column.format in {"money", "count", "number", "percent"}
            view.add_column(column.name.replace("_", " "), justify="right" if numeric else "left")
        for row in table.rows:
            view.add_row(
                *(format_value(v, c.format) for v, c in zip(row, table.columns, strict=True))
            )
        console.print(view)
        if table.truncated:
            console.print(f"(first {len(table.rows):,} rows)", style="dim")
    if response.explanation:
        console.print(response.explanation, style="dim", highlight=False, markup=False)


def print_audit(
    records: Sequence[AuditRecord], *, as_json: bool, console: Console | None = None
) -> None:
    """The audit log: when, who, where, what, status, rows."""
    if as_json:
        for record in records:
            entry = {
                "id": record.audit_id,
                "at": record.at.isoformat(),
                "user": record.user,
                "where": "/".join(
                    (
                        record.key.platform,
                        record.key.workspace,
                        record.key.channel,
                        record.key.thread,
                    )
                ),
                "action": record.action,
                "status": record.status,
                "rowcount": record.rowcount,
                "description": record.details.get("description"),
                "changes": record.details.get("changes"),
            }
            sys.stdout.write(json.dumps(entry, default=str) + "\n")
        return
    out = console or Console()
    if not records:
        out.print("No changes have been made from chat.")
        return
    view = RichTable(show_edge=False, header_style="bold")
    for name in ("when (UTC)", "who", "where", "what", "status", "rows"):
        view.add_column(name)
    for record in records:
        view.add_row(
            record.at.strftime("%Y-%m-%d %H:%M:%S"),
            record.user,
            f"{record.key.platform} {record.key.channel} {record.key.thread}",
            str(record.details.get("description", record.action)),
            record.status,
            str(record.rowcount if record.rowcount is not None else ""),
        )
    out.print(view)


def run_terminal_chat(
    processor: QueryProcessor,
    *,
    user: str,
    thread: str | None = None,
    stdin: TextIO | None = None,
    console: Console | None = None,
) -> int:
    """Chat until ``:quit`` or end of input; returns the exit status."""
    source = stdin or sys.stdin
    out = console or Console()
    interactive = source.isatty()
    thread = thread or uuid.uuid4().hex[:8]
    last: Response | None = None
    out.print("[bold]Swoop[/] — ask about your data. :help for examples, :quit to leave.")
    try:
        while True:
            line = out.input("[bold cyan]you ›[/] ") if interactive else source.readline()
            if not line:
                break
            text = line.strip()
            if not text:
                continue
            if text in {":quit", ":q", ":exit"}:
                break
            if text == ":help":
                out.print(COMMANDS)
                render(
                    processor.process_query(terminal_message("help", thread=thread, user=user)), out
                )
            elif text == ":sql":
                out.print(last.sql if last and last.sql else "No SQL yet.", highlight=False)
            elif text == ":stats":
                render(processor.feedback_stats_response(), out)
            elif text in {":good", ":bad"}:
                if last is None or last.query_id is None:
                    out.print("Nothing to rate yet.")
                else:
                    processor.submit_feedback(
                        last.query_id, f"{PLATFORM}:{user}", 1 if text == ":good" else -1
                    )
                    out.print(
                        "Thanks — noted." if text == ":good" else "Thanks — I'll learn from that."
                    )
            else:
                response = processor.process_query(terminal_message(text, thread=thread, user=user))
                render(response, out)
                if response.kind in {ResponseKind.DATA, ResponseKind.CLARIFICATION}:
                    last = response
    except EOFError:
        pass
    return 0


def ask(
    processor: QueryProcessor,
    questions: Iterable[str],
    *,
    user: str,
    thread: str | None,
    as_json: bool,
    console: Console | None = None,
) -> int:
    """Answer each question in turn in one conversation; JSON lines or rich output."""
    out = console or Console()
    thread = thread or uuid.uuid4().hex[:8]
    for question in questions:
        if not question.strip():
            continue
        response = processor.process_query(
            terminal_message(question.strip(), thread=thread, user=user)
        )
        if as_json:
            sys.stdout.write(json.dumps(response.to_json(), default=str) + "\n")
            sys.stdout.flush()
        else:
            render(response, out)
    return 0
