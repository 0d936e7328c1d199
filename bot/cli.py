"""The ``swoop`` command line (shared/DESIGN.md, "Command line": a contract scripts rely on).

Exit status: 0 for every answered turn, 2 for bad usage or invalid configuration, 1 for a broken
installation or an unreachable data source at start.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from bot.config import Settings, load_settings
from bot.errors import ConfigError, SwoopError

EXIT_OK, EXIT_BROKEN, EXIT_USAGE = 0, 1, 2

log = logging.getLogger("swoop")


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2025-06-15") from None


def cmd_sample_db(args: argparse.Namespace, _settings: Settings) -> int:
    from bot.sample.generator import generate_sample_db

    summary = generate_sample_db(Path(args.path), seed=args.seed, end=args.end)
    counts = ", ".join(f"{n:,} {t}" for t, n in summary.row_counts.items() if n)
    print(f"Wrote {summary.path} ({summary.start} … {summary.end}, seed {summary.seed}): {counts}")
    print(f"Semantic model: {summary.model_path}")
    return EXIT_OK


def cmd_chat(_args: argparse.Namespace, settings: Settings) -> int:
    from adapters.console import run_terminal_chat

    return run_terminal_chat(settings)


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    configured = [
        name
        for name, present in (
            ("Slack", settings.slack_configured),
            ("Discord", settings.discord_configured),
        )
        if present
    ]
    if configured:
        print(
            f"{' and '.join(configured)} credentials found, but this build has no "
            f"{'/'.join(configured)} adapter yet; starting the terminal chat instead.",
            file=sys.stderr,
        )
    else:
        print(
            "No Slack or Discord credentials configured (SLACK_BOT_TOKEN with SLACK_SIGNING_SECRET "
            "or SLACK_APP_TOKEN; DISCORD_TOKEN). See .env.example and README.md.\n"
            "Starting the terminal chat on "
            + ("the sample database." if settings.uses_sample_db else "SWOOP_DATABASE_URL."),
            file=sys.stderr,
        )
    return cmd_chat(args, settings)


Command = Callable[[argparse.Namespace, Settings], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="swoop", description="Ask questions about your data from Slack, Discord or here."
    )
    parser.add_argument("--log-level", help="override SWOOP_LOG_LEVEL (DEBUG, INFO, ...)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, handler: Command, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    add("run", cmd_run, "start every configured adapter, or the terminal chat when none is")
    add("chat", cmd_chat, "chat in the terminal (reads lines from stdin when it is not a terminal)")
    sample = add("sample-db", cmd_sample_db, "write the sample club database and its model")
    sample.add_argument("path", help="where to write the SQLite file")
    sample.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    sample.add_argument(
        "--end", type=_iso_date, default=None, help="last day of orders (default today)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "handler", None) is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"swoop: {exc.message}", file=sys.stderr)
        return EXIT_USAGE
    logging.basicConfig(
        level=(args.log_level or settings.log_level).upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        handler: Command = args.handler
        return handler(args, settings)
    except KeyboardInterrupt:
        return EXIT_OK
    except SwoopError as exc:
        print(f"swoop: {exc.message}\n{exc.hint}", file=sys.stderr)
        return EXIT_BROKEN


if __name__ == "__main__":
    sys.exit(main())
