"""Slack's acknowledgement under load: N concurrent signed mentions, each timed to its 2xx.

Slack wants an Events API request answered within 3 seconds, whatever the answer costs. This
starts the fake Slack Web API of the tests and the adapter's ``/slack/events`` route on loopback,
on a fresh sample database, fires N signed ``app_mention`` requests at once (real questions),
prints the median and p99 time to the 2xx beside Slack's limit, then waits for all N answers.

    python -m bench.slack_ack [--events 50]      (or: python bench/slack_ack.py)
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import asyncio
import json
import logging
import math
import statistics
import tempfile
import time
from datetime import datetime

import aiohttp

from adapters.http import build_http_app, start_http_async
from adapters.slack import EVENTS_PATH, SlackAdapter
from bot.config import load_settings
from bot.processor import QueryProcessor
from bot.sample.generator import generate_sample_db
from tests.fakes.slack_api import (
    BOT_TOKEN,
    SIGNING_SECRET,
    FakeSlack,
    event_callback,
    mention,
    signed_headers,
)

SLACK_ACK_LIMIT_S = 3.0  # https://docs.slack.dev/apis/events-api/#responding
NOW = datetime(2025, 6, 15, 12, 0)
QUESTIONS = (
    "how many orders yesterday?",
    "sales by location last week",
    "top 5 items by sales last month",
    "average order value by location this year",
    "orders by day this month",
    "how many Caesar salads did we sell last week?",
    "tips by location in May",
    "sales by category last month",
)
ANSWER_TIMEOUT_S = 300.0


def nearest_rank(values: list[float], percent: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)]


async def post_signed(session: aiohttp.ClientSession, url: str, event: dict[str, object]) -> float:
    """One signed event request; seconds until its 2xx (fails on anything else)."""
    body = json.dumps(event_callback(event))
    headers = {"Content-Type": "application/json", **signed_headers(body)}
    started = time.perf_counter()
    async with session.post(url, data=body, headers=headers) as response:
        await response.read()
        elapsed = time.perf_counter() - started
        if not 200 <= response.status < 300:
            raise RuntimeError(f"Slack would see {response.status}, not a 2xx")
    return elapsed


async def run(events: int, workdir: Path) -> None:
    database = workdir / "sample.db"
    generate_sample_db(database, seed=7, end=NOW.date())
    fake = await FakeSlack().start()
    settings = load_settings(
        home=workdir,
        database_url=f"sqlite+aiosqlite:///{database}",
        state_url=f"sqlite+aiosqlite:///{workdir / 'state.db'}",
        now=NOW,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake.api_url,
    )
    processor = QueryProcessor(settings)
    adapter = SlackAdapter(processor, settings)
    app = build_http_app(processor)
    app.add_routes(adapter.http_routes())
    runner = await start_http_async(app, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{runner.addresses[0][1]}{EVENTS_PATH}"
    connector = aiohttp.TCPConnector(limit=events)
    try:
        async with aiohttp.ClientSession(connector=connector) as session:
            # Warm up (auth.test, the semantic model, connection pools), as a running app is.
            await post_signed(session, url, mention(QUESTIONS[0], channel="C_WARM", ts="1.1"))
            await fake.wait_for("chat.postMessage", 1, within_s=ANSWER_TIMEOUT_S)
            burst = [
                mention(QUESTIONS[i % len(QUESTIONS)], channel=f"C_{i % 5}", ts=f"{1000 + i}.1")
                for i in range(events)
            ]
            started = time.perf_counter()
            acks = await asyncio.gather(*(post_signed(session, url, e) for e in burst))
            acked = time.perf_counter() - started
            await fake.wait_for("chat.postMessage", 1 + events, within_s=ANSWER_TIMEOUT_S)
            answered = time.perf_counter() - started
    finally:
        await adapter.close_async()
        await runner.cleanup()
        await processor.dispose_async()
        await fake.close()
    ms = [a * 1000 for a in acks]
    print(f"{events} concurrent signed app_mention events → /slack/events on loopback")
    print(
        f"time to 2xx: median {statistics.median(ms):.1f} ms, p99 {nearest_rank(ms, 99):.1f} ms, "
        f"max {max(ms):.1f} ms (Slack's limit: {SLACK_ACK_LIMIT_S * 1000:.0f} ms)"
    )
    print(f"all {events} acknowledged after {acked * 1000:.0f} ms")
    print(f"all {events} answers posted after {answered:.2f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.slack_ack", description=__doc__)
    parser.add_argument("--events", type=int, default=50, help="concurrent events (default 50)")
    args = parser.parse_args(argv)
    if not 1 <= args.events <= 1000:
        parser.error("--events must be between 1 and 1000")
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="swoop-bench-") as workdir:
        asyncio.run(run(args.events, Path(workdir)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
