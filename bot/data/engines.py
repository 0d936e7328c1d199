"""Pooled async engines, one per event loop, for one database URL.

Pooled connections belong to the event loop that opened them (asyncpg and aiosqlite both), so an
object used from several loops (the caller's, and the sync twins' background loop) keeps one engine
per loop. SQLite files get foreign keys and a busy timeout; read-only engines open SQLite files with
``mode=ro`` plus ``PRAGMA query_only`` (PostgreSQL read-only transactions are begun by the caller,
see :mod:`bot.data.access`).
"""

from __future__ import annotations

import asyncio
import weakref
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.sql.compiler import IdentifierPreparer

from bot.errors import DatabaseError

ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}
SQLITE_BUSY_TIMEOUT_MS = 5_000


def normalize_url(url: str | URL) -> URL:
    """Parse ``url`` and pick the async driver for its backend (``postgresql://`` → asyncpg)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if parsed.drivername in ASYNC_DRIVERS:
        parsed = parsed.set(drivername=ASYNC_DRIVERS[parsed.drivername])
    elif backend == "postgres":
        parsed = parsed.set(drivername=ASYNC_DRIVERS["postgresql"])
    return parsed


def redacted(url: str | URL) -> str:
    """The URL as it may be shown or logged: password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparseable database URL>"


def sqlite_file(url: URL) -> Path | None:
    """The file of a SQLite URL, or ``None`` for in-memory databases and other backends."""
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if database in {"", ":memory:"} or database.startswith("file:"):
        return None
    return Path(database)


def _read_only_sqlite_url(url: URL) -> URL:
    path = sqlite_file(url)
    if path is None:
        return url
    return url.set(
        database=f"file:{path.resolve()}", query={**url.query, "mode": "ro", "uri": "true"}
    )


def build_engine(url: str | URL, *, read_only: bool = False, **options: Any) -> AsyncEngine:
    """Create one pooled async engine for ``url`` (read-only when asked)."""
    target = normalize_url(url)
    backend = target.get_backend_name()
    if backend not in {"sqlite", "postgresql"}:
        options.setdefault("pool_pre_ping", True)
    if backend == "sqlite":
        path = sqlite_file(target)
        if read_only:
            if path is not None and not path.exists():
                raise DatabaseError(f"The database file {path} does not exist.")
            target = _read_only_sqlite_url(target)
        elif path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
    elif backend == "postgresql":
        options.setdefault("pool_pre_ping", True)
        options.setdefault("pool_size", 5)
        options.setdefault("max_overflow", 5)
    engine = create_async_engine(target, **options)
    if backend == "sqlite":
        _configure_sqlite(engine, read_only=read_only)
    return engine


def _configure_sqlite(engine: AsyncEngine, *, read_only: bool) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if read_only:
            cursor.execute("PRAGMA query_only = ON")
        cursor.close()


class LoopEngines:
    """One engine per running event loop for one URL; dispose them with :meth:`dispose_async`."""

    def __init__(self, url: str | URL, *, read_only: bool = False, **options: Any) -> None:
        self.url = normalize_url(url)
        self.read_only = read_only
        self._options = options
        self._engines: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncEngine] = (
            weakref.WeakKeyDictionary()
        )

    @property
    def dialect_preparer(self) -> IdentifierPreparer:
        """The identifier quoting rules of the URL's dialect (no connection needed)."""
        return self.url.get_dialect()().identifier_preparer

    @property
    def backend(self) -> str:
        return self.url.get_backend_name()

    def get(self) -> AsyncEngine:
        """The engine of the running loop, created on first use."""
        loop = asyncio.get_running_loop()
        engine = self._engines.get(loop)
        if engine is None:
            engine = build_engine(self.url, read_only=self.read_only, **self._options)
            self._engines[loop] = engine
        return engine

    async def dispose_async(self) -> None:
        """Close the pooled connections of the running loop's engine."""
        engine = self._engines.pop(asyncio.get_running_loop(), None)
        if engine is not None:
            await engine.dispose()
