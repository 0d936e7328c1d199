"""Translation of driver and SQLAlchemy failures into Swoop's typed errors.

One place decides what a database failure means for the person asking (timeout, a write refused
on the read-only path, unreachable server, refused statement) and words it without credentials,
SQL text or driver internals. The original exception stays attached as ``__cause__``.
"""

from __future__ import annotations

import asyncio

from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from bot.data.engines import redacted
from bot.errors import DatabaseError, QueryTimeoutError, ReadOnlyViolationError, SwoopError

# PostgreSQL SQLSTATE codes: https://www.postgresql.org/docs/current/errcodes-appendix.html
PG_QUERY_CANCELED = "57014"
PG_READ_ONLY_TRANSACTION = "25006"
PG_INSUFFICIENT_PRIVILEGE = "42501"

SQLITE_INTERRUPTED = "interrupted"
SQLITE_READ_ONLY = ("readonly database", "query_only")


def _sqlstate(exc: BaseException) -> str | None:
    orig = getattr(exc, "orig", None) or exc
    for attr in ("sqlstate", "pgcode"):
        code = getattr(orig, attr, None)
        if isinstance(code, str):
            return code
    cause = getattr(orig, "__cause__", None)
    code = getattr(cause, "sqlstate", None)
    return code if isinstance(code, str) else None


def driver_message(exc: BaseException) -> str:
    """The driver's own first line, without SQLAlchemy's SQL echo and background link."""
    orig = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    text = str(orig).strip() or type(orig).__name__
    text = text.split("\n", 1)[0]
    # asyncpg errors surface as "<class 'asyncpg...'>: message" through SQLAlchemy's adaptor.
    if text.startswith("<class '") and ">: " in text:
        text = text.split(">: ", 1)[1]
    return text[:300]


def safe_message(exc: BaseException, url: URL) -> str:
    """The driver's first line with the URL's password masked: fit for a log or an answer."""
    text = driver_message(exc)
    if url.password:
        text = text.replace(str(url.password), "***")
    return text


def translate_error(
    exc: BaseException, *, operation: str, url: URL, timeout_s: float | None = None
) -> SwoopError:
    """Turn any failure of ``operation`` on the database at ``url`` into a :class:`SwoopError`."""
    if isinstance(exc, SwoopError):
        return exc
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return QueryTimeoutError(_timeout_message(timeout_s))
    code = _sqlstate(exc)
    message = safe_message(exc, url)
    lowered = message.lower()
    if code == PG_QUERY_CANCELED or SQLITE_INTERRUPTED in lowered:
        return QueryTimeoutError(_timeout_message(timeout_s))
    if code == PG_READ_ONLY_TRANSACTION or any(mark in lowered for mark in SQLITE_READ_ONLY):
        return ReadOnlyViolationError("This path is read-only: the statement tried to change data.")
    if isinstance(exc, OSError) or (isinstance(exc, DBAPIError) and exc.connection_invalidated):
        return DatabaseError(f"Could not reach the database at {redacted(url)} ({message}).")
    if isinstance(exc, SQLAlchemyError | OSError) or code is not None:
        return DatabaseError(f"The database could not {operation}: {message}")
    return DatabaseError(f"The database could not {operation} ({type(exc).__name__}).")


def _timeout_message(timeout_s: float | None) -> str:
    if timeout_s is None:
        return "The query took too long and was cancelled."
    return f"The query took longer than {timeout_s:g} s and was cancelled."
