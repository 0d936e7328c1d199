"""Processor metrics, shared by sync and async calls (a lock, not the event loop, guards them)."""

from __future__ import annotations

import statistics
import threading
from collections import Counter, deque
from typing import Any

from bot.errors import ErrorTypes

LATENCY_WINDOW = 2048  # recent answers kept for the percentiles


class ProcessorMetrics:
    """Counts and latencies of answered messages."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.total_queries = 0
        self.successful_queries = 0
        self.failed_queries = 0
        self.errors_by_type: Counter[str] = Counter()
        self.cache_hits = 0
        self.cache_misses = 0
        self._latencies: deque[float] = deque(maxlen=LATENCY_WINDOW)

    def record(self, elapsed_ms: float, error_type: ErrorTypes | None = None) -> None:
        with self._lock:
            self.total_queries += 1
            if error_type is None:
                self.successful_queries += 1
            else:
                self.failed_queries += 1
                self.errors_by_type[error_type.value] += 1
            self._latencies.append(elapsed_ms)

    def record_cache(self, hit: bool) -> None:
        with self._lock:
            if hit:
                self.cache_hits += 1
            else:
                self.cache_misses += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            latencies = sorted(self._latencies)
            lookups = self.cache_hits + self.cache_misses
            return {
                "total_queries": self.total_queries,
                "successful_queries": self.successful_queries,
                "failed_queries": self.failed_queries,
                "errors_by_type": dict(self.errors_by_type),
                "average_ms": round(statistics.fmean(latencies), 2) if latencies else 0.0,
                "p50_ms": round(_percentile(latencies, 50), 2),
                "p95_ms": round(_percentile(latencies, 95), 2),
                "cache_hit_rate": round(self.cache_hits / lookups, 3) if lookups else None,
            }


def _percentile(ordered: list[float], percent: float) -> float:
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(percent / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]
