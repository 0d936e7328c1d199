"""Feedback statistics: counts, helpful rate, by period, by kind of question, least liked."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.state import FeedbackRecord

PERIODS = (("last 7 days", timedelta(days=7)), ("last 30 days", timedelta(days=30)))
LEAST_LIKED = 5


def _rate(up: int, down: int) -> float | None:
    return round(up / (up + down), 3) if up + down else None


def feedback_stats(records: Sequence[FeedbackRecord], now: datetime) -> dict[str, Any]:
    """Summarise ratings as one JSON-able dict (see ``swoop feedback-stats``)."""
    up = sum(1 for r in records if r.rating > 0)
    down = len(records) - up
    by_period = {}
    for name, length in PERIODS:
        recent = [r for r in records if r.updated_at >= now - length]
        ups = sum(1 for r in recent if r.rating > 0)
        by_period[name] = {
            "ratings": len(recent),
            "helpful": ups,
            "not_helpful": len(recent) - ups,
            "helpful_rate": _rate(ups, len(recent) - ups),
        }
    kinds: dict[str, Counter[str]] = defaultdict(Counter)
    for record in records:
        kinds[record.kind]["helpful" if record.rating > 0 else "not_helpful"] += 1
    by_kind = {
        kind: {
            "helpful": counts["helpful"],
            "not_helpful": counts["not_helpful"],
            "helpful_rate": _rate(counts["helpful"], counts["not_helpful"]),
        }
        for kind, counts in sorted(kinds.items())
    }
    disliked: dict[str, dict[str, Any]] = {}
    for record in sorted(records, key=lambda r: r.updated_at, reverse=True):
        if record.rating < 0:
            entry = disliked.setdefault(
                record.query_id,
                {"question": record.question, "sql": record.sql, "not_helpful": 0,
                 "comments": [], "at": record.updated_at.isoformat()},
            )  # fmt: skip
            entry["not_helpful"] += 1
            if record.comment:
                entry["comments"].append(record.comment)
    least_liked = sorted(disliked.values(), key=lambda e: (-e["not_helpful"], e["at"]))
    return {
        "ratings": len(records),
        "helpful": up,
        "not_helpful": down,
        "helpful_rate": _rate(up, down),
        "by_period": by_period,
        "by_kind": by_kind,
        "least_liked": least_liked[:LEAST_LIKED],
    }


def stats_text(stats: dict[str, Any]) -> str:
    """The statistics as a few lines for chat."""
    if not stats["ratings"]:
        return "No feedback yet. React 👍 or 👎 to an answer (or type :good / :bad here)."
    rate = stats["helpful_rate"]
    lines = [
        f"{stats['ratings']} ratings: {stats['helpful']} 👍, {stats['not_helpful']} 👎"
        + (f" ({rate:.0%} helpful)" if rate is not None else "")
    ]
    for name, period in stats["by_period"].items():
        if period["ratings"]:
            lines.append(f"{name}: {period['helpful']} 👍, {period['not_helpful']} 👎")
    for kind, counts in stats["by_kind"].items():
        lines.append(f"{kind}: {counts['helpful']} 👍, {counts['not_helpful']} 👎")
    if stats["least_liked"]:
        lines.append("Least liked recently:")
        lines += [f"  👎×{e['not_helpful']} “{e['question']}”" for e in stats["least_liked"]]
    return "\n".join(lines)
