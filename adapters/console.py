"""The terminal surface: a line-oriented chat on the configured data source.

Reads from a prompt on a terminal, or one line per message from stdin otherwise (so it can be
scripted and exits cleanly at end of input).
"""

from __future__ import annotations

import sys
from typing import TextIO

from rich.console import Console
from rich.table import Table

from bot.config import Settings
from bot.data import DataAccess
from bot.sample.ensure import ensure_sample_db

HELP = """Commands:
  :tables   the tables of the data source, with their row counts
  :help     this help
  :quit     leave (end of input works too)"""


def _tables_view(data: DataAccess) -> Table:
    schema = data.get_schema()
    table = Table(title=f"{data.dialect} — {data.display_url}", show_lines=False)
    table.add_column("table")
    table.add_column("rows", justify="right")
    table.add_column("columns")
    for name, info in schema.tables.items():
        quoted = '"' + name.replace('"', '""') + '"'
        rows = data.query_to_dataframe(f"SELECT count(*) AS n FROM {quoted}").to_numpy()[0][0]
        table.add_row(name, f"{int(rows):,}", ", ".join(info.column_names))
    return table


def run_terminal_chat(
    settings: Settings, *, stdin: TextIO | None = None, console: Console | None = None
) -> int:
    """Chat until ``:quit`` or end of input; returns the exit status."""
    source = stdin or sys.stdin
    out = console or Console()
    interactive = source.isatty()
    ensure_sample_db(settings)
    data = DataAccess.from_settings(settings)
    try:
        health = data.health_check()
        if health["status"] != "ok":
            out.print(f"[red]The data source is not reachable:[/] {health.get('error')}")
            return 1
        out.print(f"[bold]Swoop[/] — connected to {data.display_url}. Type :help for commands.")
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
                out.print(HELP)
            elif text == ":tables":
                out.print(_tables_view(data))
            else:
                out.print(
                    "Questions in plain words are not understood by this build yet; "
                    "try :tables to see what the data source holds."
                )
    except EOFError:
        pass
    finally:
        data.dispose()
    return 0
