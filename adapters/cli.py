"""The ``swoop`` command line (shared/DESIGN.md, "Command line": a contract scripts rely on).

Exit status: 0 for every answered turn, 2 for bad usage or invalid configuration, 1 for a broken
installation or an unreachable data source at start.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.config import Settings, load_settings
from bot.errors import ConfigError, SwoopError

if TYPE_CHECKING:
    from bot.processor import QueryProcessor

EXIT_OK, EXIT_BROKEN, EXIT_USAGE = 0, 1, 2
DEFAULT_USER = "local"

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


NOW_HELP = (
    "a fixed clock: 2025-06-15T12:00 is that wall-clock time at every location; "
    "2025-06-15T17:00Z, 2025-06-15T12:00-05:00 or 2025-06-15T12:00[America/Chicago] is one "
    "instant, read on each location's own clock"
)


def _iso_datetime(value: str) -> datetime:
    """``--now``: ISO 8601, naive (local everywhere) or with an offset or a ``[Zone/Name]``."""
    text, _, zone = value.strip().partition("[")
    try:
        moment = datetime.fromisoformat(text)
        if zone:
            if not zone.endswith("]") or moment.tzinfo is not None:
                raise ValueError(value)
            moment = moment.replace(tzinfo=ZoneInfo(zone[:-1]))
    except (ValueError, KeyError, OSError):
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a date-time like 2025-06-15T12:00, 2025-06-15T17:00Z "
            "or 2025-06-15T12:00[America/Chicago]"
        ) from None
    return moment


def _overrides(args: argparse.Namespace) -> dict[str, object]:
    """Command-line options that override settings (only those given)."""
    pairs = {
        "database_url": getattr(args, "database_url", None),
        "semantic_model": getattr(args, "semantic_model", None),
        "now": getattr(args, "now", None),
    }
    return {k: v for k, v in pairs.items() if v is not None}


def _processor(settings: Settings) -> QueryProcessor:
    from bot.processor import QueryProcessor
    from bot.sample.ensure import ensure_sample_db

    ensure_sample_db(settings)
    return QueryProcessor(settings)


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from adapters.console import run_terminal_chat

    processor = _processor(settings)
    try:
        health = processor.data.health_check()
        if health["status"] != "ok":
            print(
                f"swoop: the data source is not reachable: {health.get('error')}", file=sys.stderr
            )
            return EXIT_BROKEN
        return run_terminal_chat(
            processor,
            user=getattr(args, "user", None) or DEFAULT_USER,
            thread=getattr(args, "thread", None),
        )
    finally:
        processor.dispose()


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from adapters.console import ask

    questions = [args.question] if args.question else sys.stdin
    processor = _processor(settings)
    try:
        return ask(processor, questions, user=args.user, thread=args.thread, as_json=args.json)
    finally:
        processor.dispose()


def cmd_audit(args: argparse.Namespace, settings: Settings) -> int:
    from adapters.console import print_audit

    processor = _processor(settings)
    try:
        records = processor.audit_log(limit=args.limit, thread=args.thread)
    finally:
        processor.dispose()
    print_audit(records, as_json=args.json)
    return EXIT_OK


def cmd_feedback_stats(args: argparse.Namespace, settings: Settings) -> int:
    from bot.conversation.feedback_stats import stats_text

    processor = _processor(settings)
    try:
        stats = processor.get_feedback_stats()
    finally:
        processor.dispose()
    print(json.dumps(stats, default=str) if args.json else stats_text(stats))
    return EXIT_OK


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    if settings.slack_configured or settings.discord_configured:
        import asyncio

        from adapters.runner import run_platforms_async

        processor = _processor(settings)
        return asyncio.run(run_platforms_async(settings, processor))
    print(
        "No Slack or Discord credentials configured (SLACK_BOT_TOKEN with SLACK_SIGNING_SECRET "
        "or SLACK_APP_TOKEN; DISCORD_TOKEN). See .env.example and README.md.\n"
        "Starting the terminal chat on "
        + ("the sample database." if settings.uses_sample_db else "SWOOP_DATABASE_URL."),
        file=sys.stderr,
    )
    return cmd_chat(args, settings)


def cmd_discord_sync(_args: argparse.Namespace, settings: Settings) -> int:
    if not settings.discord_configured:
        print("swoop: DISCORD_TOKEN is not set; nothing to register.", file=sys.stderr)
        return EXIT_USAGE
    import asyncio

    from adapters.discord import sync_commands

    where = asyncio.run(sync_commands(settings))
    print(f"Registered Swoop's slash commands {where}.")
    return EXIT_OK


def cmd_model_check(args: argparse.Namespace, settings: Settings) -> int:
    """Validate a semantic model file; with ``--database-url``, against that database too."""
    from bot.understanding.model_file import read_model_file

    try:
        spec = read_model_file(args.file)
        tables, metrics = len(spec.tables), len(spec.metrics)
        if args.database_url:
            import asyncio

            tables, metrics = asyncio.run(_check_against_database(args.file, settings))
    except ConfigError as exc:
        print(f"swoop: {exc.message}", file=sys.stderr)
        return EXIT_USAGE
    print(f"ok: {tables} tables, {metrics} metrics")
    return EXIT_OK


async def _check_against_database(path: Path, settings: Settings) -> tuple[int, int]:
    """Load the model as Swoop does (schema, values, actions); its table and metric counts."""
    from bot.actions import ActionCatalog
    from bot.data import DataAccess
    from bot.understanding.model import load_semantic_model_async

    data = DataAccess.from_settings(settings)
    try:
        model = await load_semantic_model_async(data, path)
    finally:
        await data.dispose_async()
    ActionCatalog.from_model(model)
    return len(model.tables), len(model.metrics)


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

    def data_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--database-url", help="the data source (overrides SWOOP_DATABASE_URL)")
        sub.add_argument("--semantic-model", type=Path, help="semantic model YAML file")
        sub.add_argument("--now", type=_iso_datetime, help=NOW_HELP)
        sub.add_argument("--thread", help="continue the conversation kept under this id")
        sub.add_argument("--user", default=DEFAULT_USER, help="who is asking (terminal:USER)")

    data_options(add("run", cmd_run, "start every configured adapter, or the terminal chat"))
    data_options(add("chat", cmd_chat, "chat in the terminal (reads stdin when not a terminal)"))
    ask = add("ask", cmd_ask, "answer one question, or one per line from stdin")
    ask.add_argument("question", nargs="?", help="the question (omit to read stdin)")
    ask.add_argument("--json", action="store_true", help="one JSON object per answer")
    data_options(ask)
    add("discord-sync", cmd_discord_sync, "register the Discord slash commands")
    audit = add("audit", cmd_audit, "the audit log of changes made from chat, newest first")
    audit.add_argument("--json", action="store_true", help="one JSON object per entry")
    audit.add_argument("--thread", help="only this terminal conversation")
    audit.add_argument("--limit", type=int, default=50, help="how many entries (default 50)")
    stats = add("feedback-stats", cmd_feedback_stats, "feedback statistics")
    stats.add_argument("--json", action="store_true", help="print one JSON object")
    model = commands.add_parser(
        "model", help="semantic model files", description="semantic model files"
    )
    model_commands = model.add_subparsers(dest="model_command", metavar="COMMAND")
    check = model_commands.add_parser(
        "check", help="validate a semantic model file", description="validate a semantic model file"
    )
    check.set_defaults(handler=cmd_model_check)
    check.add_argument("file", type=Path, help="the semantic model YAML file")
    check.add_argument("--database-url", help="also check it against this database's schema")
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
        settings = load_settings(**_overrides(args))
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
