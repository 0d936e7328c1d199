"""ResponseService: neutral Responses for every outcome, worded for people.

Numbers and money are formatted by column format, empty results are explained, and errors carry
a recovery hint without internals (no SQL text, no driver messages beyond one clean line).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from bot import topics
from bot.errors import ErrorTypes, SwoopError
from bot.messages import Column, Option, Response, ResponseKind, Table
from bot.summaries import summarize
from bot.sync_twins import SyncTwins, sync_twin
from bot.understanding.outcomes import Clarification
from bot.understanding.plan import QueryPlan

INTERNAL_ERROR_TEXT = "Something went wrong on my side while answering that."
# The generic help, before a model is loaded; the processor answers "help" from the model's own
# subjects and examples (:mod:`bot.topics`).
HELP_TEXT = topics.help_text(None)


def frame_to_table(frame: pd.DataFrame, formats: dict[str, str | None] | None = None) -> Table:
    """A DataFrame as a neutral :class:`Table` of plain Python values."""
    formats = formats or {}
    columns = tuple(Column(str(name), formats.get(str(name))) for name in frame.columns)
    rows = tuple(
        tuple(_plain(value) for value in record)
        for record in frame.itertuples(index=False, name=None)
    )
    return Table(columns, rows, truncated=bool(frame.attrs.get("truncated", False)))


def _plain(value: Any) -> Any:
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    return value


class ResponseService(SyncTwins):
    """Builds every kind of :class:`Response` the core returns."""

    async def format_response_async(
        self, /, kind: ResponseKind, text: str, **fields: Any
    ) -> Response:
        """The general builder the others use."""
        return Response(kind=kind, text=text, **fields)

    async def data_response_async(
        self,
        plan: QueryPlan,
        frame: pd.DataFrame,
        *,
        compare_frame: pd.DataFrame | None = None,
        sql: str | None = None,
        query_id: str | None = None,
        timing_ms: float | None = None,
        formats: dict[str, str | None] | None = None,
        explanation: str | None = None,
        unused: tuple[str, ...] = (),
    ) -> Response:
        """The answer to a data question: a sentence, the table, the SQL that ran, and the
        one-line explanation of what was counted (with the question's words left unused).

        ``formats`` maps result columns to money/count/percent/...; measures know their own.
        """
        formats = {**(formats or {}), **{m.key: m.format for m in plan.measures}}
        table = frame_to_table(frame, formats)
        compare = frame_to_table(compare_frame, formats) if compare_frame is not None else None
        text = summarize(plan, table, compare)
        if compare is not None and compare.rows and table.rows and not plan.dimensions:
            table = _side_by_side(plan, table, compare)
        return await self.format_response_async(
            ResponseKind.DATA,
            text,
            table=table,
            sql=sql,
            query_id=query_id,
            timing_ms=timing_ms,
            details={"plan": plan.describe()},
            explanation=explanation or None,
            unused=tuple(unused),
        )

    async def action_response_async(
        self, text: str, *, table: Table | None = None, query_id: str | None = None
    ) -> Response:
        return await self.format_response_async(
            ResponseKind.ACTION, text, table=table, query_id=query_id
        )

    async def error_response_async(
        self, error: BaseException, *, query_id: str | None = None
    ) -> Response:
        """An error answer: what went wrong and what to do, never internals."""
        if isinstance(error, SwoopError):
            return await self.format_error_response_async(
                error.error_type, error.message, error.hint, query_id=query_id
            )
        return await self.format_error_response_async(
            ErrorTypes.INTERNAL_ERROR, INTERNAL_ERROR_TEXT, SwoopError.hint, query_id=query_id
        )

    async def format_error_response_async(
        self,
        error_type: ErrorTypes,
        message: str,
        hint: str | None = None,
        *,
        query_id: str | None = None,
    ) -> Response:
        text = message if not hint else f"{message}\n{hint}"
        return await self.format_response_async(
            ResponseKind.ERROR, text, hint=hint, error_type=error_type, query_id=query_id
        )

    async def clarification_response_async(
        self, clarification: Clarification, *, token: str, query_id: str | None = None
    ) -> Response:
        """A clarification whose options are answered by number, by name or by ``value``."""
        options = [(o.label, f"{token}:{i}") for i, o in enumerate(clarification.options, 1)]
        return await self.format_clarification_response_async(
            clarification.question, options, query_id=query_id
        )

    async def format_clarification_response_async(
        self, question: str, options: list[tuple[str, str]], *, query_id: str | None = None
    ) -> Response:
        listed = "\n".join(f"{i}. {label}" for i, (label, _) in enumerate(options, 1))
        text = f"{question}\n{listed}" if options else question
        return await self.format_response_async(
            ResponseKind.CLARIFICATION,
            text,
            options=tuple(Option(label, value) for label, value in options),
            query_id=query_id,
        )

    async def help_response_async(self, text: str | None = None) -> Response:
        return await self.format_response_async(ResponseKind.HELP, text or HELP_TEXT)

    async def health_check_async(self) -> dict[str, Any]:
        return {"status": "ok"}

    format_response = sync_twin(format_response_async)
    data_response = sync_twin(data_response_async)
    action_response = sync_twin(action_response_async)
    error_response = sync_twin(error_response_async)
    format_error_response = sync_twin(format_error_response_async)
    clarification_response = sync_twin(clarification_response_async)
    format_clarification_response = sync_twin(format_clarification_response_async)
    help_response = sync_twin(help_response_async)
    health_check = sync_twin(health_check_async)


def _side_by_side(plan: QueryPlan, table: Table, compare: Table) -> Table:
    """One row per period for a comparison: "this week" and "last week" with their values."""
    assert plan.time_range is not None and plan.compare_to is not None
    columns = (Column("period"), *table.columns)
    rows = (
        (plan.time_range.label, *table.rows[0]),
        (plan.compare_to.label, *compare.rows[0]),
    )
    return Table(columns, rows)
