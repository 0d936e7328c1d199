"""DataAccess: the one door to the data source.

Questions run on a read-only path (SQLite ``mode=ro`` + ``PRAGMA query_only``; PostgreSQL
``READ ONLY`` transactions) with a statement timeout that really stops the query (SQLite progress
handler; PostgreSQL ``statement_timeout``) and a row cap. Actions run on the write path, all their
statements in one transaction that rolls back on any error or unexpected row count. Parameters are
always bound. Every failure comes out as a typed :class:`~bot.errors.SwoopError`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.expression import Executable

from bot.config import Settings
from bot.data.engines import LoopEngines, redacted
from bot.data.errors import translate_error
from bot.data.schema import SchemaInfo, reflect_schema
from bot.errors import ActionError, ValidationError
from bot.sync_twins import SyncTwins, sync_twin

SQLITE_PROGRESS_STEPS = 2_000  # VM instructions between deadline checks (~µs each)
TIMEOUT_GRACE_S = 2.0  # the outer asyncio timeout, should the server-side one not fire


Statement = str | Executable


@dataclass(frozen=True)
class ActionStatement:
    """One statement of an action; ``expected_rows`` (when set) must match its row count."""

    sql: Statement
    params: Mapping[str, Any] = field(default_factory=dict)
    expected_rows: int | None = None


@dataclass(frozen=True)
class ActionResult:
    """Row counts (and rows returned by ``RETURNING``) of each statement, in order."""

    rowcounts: tuple[int, ...]
    returned: tuple[tuple[dict[str, Any], ...], ...]
    elapsed_ms: float


def _as_executable(sql: Statement) -> Executable:
    return text(sql) if isinstance(sql, str) else sql


def _plain(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


class DataAccess(SyncTwins):
    """Read-only questions, transactional actions, schema and health of one data source."""

    def __init__(
        self,
        url: str,
        *,
        row_cap: int = 1000,
        query_timeout_s: float = 10.0,
        schema: str | None = None,
    ) -> None:
        self._read = LoopEngines(url, read_only=True)
        self._write = LoopEngines(url)
        self.row_cap = row_cap
        self.query_timeout_s = query_timeout_s
        self.schema = schema
        self._schema_cache: SchemaInfo | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> DataAccess:
        return cls(
            settings.effective_database_url,
            row_cap=settings.row_cap,
            query_timeout_s=settings.query_timeout_s,
        )

    @property
    def dialect(self) -> str:
        """``sqlite``, ``postgresql``, ...: the dialect SQL must be written in."""
        return self._read.backend

    def quote_identifier(self, name: str) -> str:
        """``name`` quoted as an identifier of this dialect (names only, never values)."""
        return str(self._read.dialect_preparer.quote_identifier(name))

    @property
    def display_url(self) -> str:
        return redacted(self._read.url)

    # -- the read-only path --------------------------------------------------------------------

    @asynccontextmanager
    async def _read_transaction(self, timeout_s: float) -> AsyncIterator[AsyncConnection]:
        async with self._read.get().connect() as conn, conn.begin():
            if self.dialect == "postgresql":
                await conn.execute(text("SET TRANSACTION READ ONLY"))
                await conn.execute(
                    text("SELECT set_config('statement_timeout', :ms, true)"),
                    {"ms": str(max(1, int(timeout_s * 1000)))},
                )
                yield conn
            elif self.dialect == "sqlite":
                async with _sqlite_deadline(conn, timeout_s):
                    yield conn
            else:
                yield conn

    async def query_to_dataframe_async(
        self,
        sql: Statement,
        params: Mapping[str, Any] | None = None,
        *,
        row_cap: int | None = None,
        timeout_s: float | None = None,
    ) -> pd.DataFrame:
        """Run one read-only query with bound ``params`` into a DataFrame.

        At most ``row_cap`` rows are fetched; ``df.attrs`` carries ``truncated``, ``row_cap`` and
        ``elapsed_ms``. Numeric values come back as floats on every backend.
        """
        cap = row_cap or self.row_cap
        limit = timeout_s or self.query_timeout_s
        started = time.perf_counter()
        try:
            async with (
                asyncio.timeout(limit + TIMEOUT_GRACE_S),
                self._read_transaction(limit) as conn,
            ):
                result = await conn.stream(_as_executable(sql), dict(params or {}))
                columns = list(result.keys())
                rows = [tuple(_plain(v) for v in row) for row in await result.fetchmany(cap + 1)]
                await result.close()
        except Exception as exc:
            raise translate_error(
                exc, operation="run the query", url=self._read.url, timeout_s=limit
            ) from exc
        frame = pd.DataFrame.from_records(rows[:cap], columns=columns)
        frame.attrs.update(
            truncated=len(rows) > cap,
            row_cap=cap,
            elapsed_ms=(time.perf_counter() - started) * 1000,
        )
        return frame

    # -- the write path ------------------------------------------------------------------------

    async def execute_action_async(
        self, statements: Sequence[ActionStatement], *, timeout_s: float | None = None
    ) -> ActionResult:
        """Run ``statements`` in one transaction; an error or row-count surprise rolls all back."""
        if not statements:
            raise ValidationError("An action needs at least one statement.")
        limit = timeout_s or self.query_timeout_s
        started = time.perf_counter()
        rowcounts: list[int] = []
        returned: list[tuple[dict[str, Any], ...]] = []
        try:
            async with asyncio.timeout(limit + TIMEOUT_GRACE_S):
                async with self._write.get().connect() as conn, conn.begin():
                    if self.dialect == "postgresql":
                        await conn.execute(
                            text("SELECT set_config('statement_timeout', :ms, true)"),
                            {"ms": str(max(1, int(limit * 1000)))},
                        )
                    for number, statement in enumerate(statements, start=1):
                        result = await conn.execute(
                            _as_executable(statement.sql), dict(statement.params)
                        )
                        rows = (
                            tuple(
                                {k: _plain(v) for k, v in row.items()} for row in result.mappings()
                            )
                            if result.returns_rows
                            else ()
                        )
                        count = result.rowcount if result.rowcount >= 0 else len(rows)
                        if statement.expected_rows is not None and count != statement.expected_rows:
                            raise ActionError(
                                f"Step {number} would change {count} rows instead of "
                                f"{statement.expected_rows}; nothing was changed."
                            )
                        rowcounts.append(count)
                        returned.append(rows)
        except Exception as exc:
            raise translate_error(
                exc, operation="apply the change", url=self._write.url, timeout_s=limit
            ) from exc
        return ActionResult(
            rowcounts=tuple(rowcounts),
            returned=tuple(returned),
            elapsed_ms=(time.perf_counter() - started) * 1000,
        )

    # -- schema and health ---------------------------------------------------------------------

    async def get_schema_async(self, *, refresh: bool = False) -> SchemaInfo:
        """Tables and views with columns, types, primary and foreign keys (cached until refresh)."""
        if self._schema_cache is not None and not refresh:
            return self._schema_cache
        try:
            async with self._read.get().connect() as conn:
                info = await conn.run_sync(reflect_schema, self.schema)
        except Exception as exc:
            raise translate_error(exc, operation="describe its schema", url=self._read.url) from exc
        self._schema_cache = info
        return info

    async def health_check_async(self) -> dict[str, Any]:
        """Report ``status`` (ok/error), ``backend``, ``url`` (no password), ``latency_ms``."""
        started = time.perf_counter()
        report: dict[str, Any] = {"backend": self.dialect, "url": self.display_url}
        try:
            frame = await self.query_to_dataframe_async("SELECT 1 AS ok", timeout_s=5.0)
            report["status"] = "ok" if frame.iat[0, 0] == 1 else "error"
        except Exception as exc:
            report.update(
                status="error",
                error=translate_error(
                    exc, operation="answer a health check", url=self._read.url
                ).message,
            )
        report["latency_ms"] = round((time.perf_counter() - started) * 1000, 2)
        return report

    async def dispose_async(self) -> None:
        """Close the pooled connections opened on the running loop."""
        await self._read.dispose_async()
        await self._write.dispose_async()

    query_to_dataframe = sync_twin(query_to_dataframe_async)
    execute_action = sync_twin(execute_action_async)
    get_schema = sync_twin(get_schema_async)
    health_check = sync_twin(health_check_async)
    dispose = sync_twin(dispose_async)


@asynccontextmanager
async def _sqlite_deadline(conn: AsyncConnection, timeout_s: float) -> AsyncIterator[None]:
    """Abort the running SQLite statement once ``timeout_s`` has passed (progress handler)."""
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection
    deadline = time.monotonic() + timeout_s

    def past_deadline() -> int:
        return 1 if time.monotonic() > deadline else 0

    await driver.set_progress_handler(past_deadline, SQLITE_PROGRESS_STEPS)  # type: ignore[union-attr]
    try:
        yield
    finally:
        await driver.set_progress_handler(None, 0)  # type: ignore[union-attr]
