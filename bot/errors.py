"""The small typed error tree of Swoop.

Every failure inside the core is a :class:`SwoopError` that knows its :class:`ErrorTypes` (for
metrics) and a recovery hint a person can act on. Messages name what went wrong and never carry
credentials, stack traces or driver internals; ``__cause__`` keeps the original for the logs.
The hints here are generic (this module knows no database); the processor words a default hint
in the semantic model's terms (:mod:`bot.topics`).
"""

from __future__ import annotations

from enum import StrEnum


class ErrorTypes(StrEnum):
    """What kind of failure an answer reports; the key of ``metrics.errors_by_type``."""

    DATABASE_ERROR = "database_error"
    SQL_GENERATION_ERROR = "sql_generation_error"
    VALIDATION_ERROR = "validation_error"
    PERMISSION_ERROR = "permission_error"
    NOT_FOUND = "not_found"
    TIMEOUT_ERROR = "timeout_error"
    RATE_LIMITED = "rate_limited"
    AMBIGUOUS_QUERY = "ambiguous_query"
    UNSUPPORTED_QUERY = "unsupported_query"
    ACTION_ERROR = "action_error"
    INTERNAL_ERROR = "internal_error"


class SwoopError(Exception):
    """Base of every error Swoop raises on purpose."""

    error_type: ErrorTypes = ErrorTypes.INTERNAL_ERROR
    hint: str = "Please try again; if it keeps happening, tell whoever runs Swoop."

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint


class ConfigError(SwoopError):
    """A setting is missing or invalid; raised at start, naming the key."""

    error_type = ErrorTypes.VALIDATION_ERROR
    hint = "Fix the setting named above in the environment or in .env (see .env.example)."


class DatabaseError(SwoopError):
    """The data source or the state store failed (unreachable, refused the statement, ...)."""

    error_type = ErrorTypes.DATABASE_ERROR
    hint = "Check that the database is reachable, then ask again."


class QueryTimeoutError(DatabaseError):
    """A statement ran longer than ``SWOOP_QUERY_TIMEOUT_S`` and was cancelled."""

    error_type = ErrorTypes.TIMEOUT_ERROR
    hint = "Try a narrower question: a shorter period, one location, or fewer breakdowns."


class ReadOnlyViolationError(DatabaseError):
    """A statement tried to write on the read-only path used for questions."""

    error_type = ErrorTypes.PERMISSION_ERROR
    hint = "Questions can only read data; changes go through confirmed actions."


class SqlGenerationError(SwoopError):
    """No SQL statement could be produced for the question."""

    error_type = ErrorTypes.SQL_GENERATION_ERROR
    hint = "Try rephrasing the question; say 'help' for examples."


class ValidationError(SwoopError):
    """Input was understood but is not acceptable (a guard refusal, a negative price, ...)."""

    error_type = ErrorTypes.VALIDATION_ERROR
    hint = "Check the values in your request and try again."


class PermissionDeniedError(SwoopError):
    """The user may not do this."""

    error_type = ErrorTypes.PERMISSION_ERROR
    hint = "Ask one of the admins listed in SWOOP_ADMINS to do it."


class NotFoundError(SwoopError):
    """Something named in the request does not exist."""

    error_type = ErrorTypes.NOT_FOUND
    hint = "Check the spelling, or ask me to list what there is."


class RateLimitedError(SwoopError):
    """Too many requests; try again after a pause."""

    error_type = ErrorTypes.RATE_LIMITED
    hint = "Wait a few seconds and ask again."


class AmbiguousQueryError(SwoopError):
    """The question could mean several things; the answer is a clarification."""

    error_type = ErrorTypes.AMBIGUOUS_QUERY
    hint = "Pick one of the options, or be more specific."


class UnsupportedQueryError(SwoopError):
    """The question is understood to be outside what Swoop can answer."""

    error_type = ErrorTypes.UNSUPPORTED_QUERY
    hint = "Say 'help' to see what I can answer."


class ActionError(SwoopError):
    """An action could not be carried out; nothing was changed."""

    error_type = ErrorTypes.ACTION_ERROR
    hint = "Nothing was changed. Check the request and try again."


class StaleRecordError(SwoopError):
    """A record kept in the state store (a conversation's context, a pending choice, a plan) was
    written by another version of Swoop or has another shape; whoever reads it drops it."""

    error_type = ErrorTypes.NOT_FOUND
    hint = "Ask again: what Swoop kept from earlier in this conversation has expired."

    def __init__(self, what: str, why: str) -> None:
        super().__init__(f"The stored {what} was written by another version of Swoop ({why}).")
        self.what = what
        self.why = why
