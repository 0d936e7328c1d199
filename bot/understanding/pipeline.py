"""Understanding: question (+ previous plan) → plan → SQL → guard, in one call.

``Understanding.understand`` is synchronous, pure CPU and deterministic for a given clock: the
semantic model and value index are loaded once (``load_async``), so each question costs well
under a millisecond to read, plan and build.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from bot.data.access import DataAccess
from bot.data.schema import ColumnInfo, ForeignKeyInfo, SchemaInfo, TableInfo
from bot.errors import SwoopError
from bot.topics import subjects_sentence
from bot.understanding.builder import BuiltQuery, SqlBuilder
from bot.understanding.entities import EntityIndex
from bot.understanding.explanation import explain
from bot.understanding.guard import SqlGuard
from bot.understanding.honesty import (
    Accountant,
    Leftover,
    as_said,
    cannot_phrase,
    names_a_thing,
    quoted,
)
from bot.understanding.interpretation import Interpretation
from bot.understanding.model import SemanticModel, load_semantic_model_async
from bot.understanding.outcomes import (
    Answerable,
    Clarification,
    ClarificationOption,
    NotUnderstood,
    Understood,
)
from bot.understanding.parser import QuestionReader
from bot.understanding.plan import QueryPlan
from bot.understanding.planner import Planner
from bot.understanding.reading import Reading
from bot.understanding.vocabulary import Vocabulary

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real clock, aware: each question moves it to its own location's zone."""
    return datetime.now(UTC)


class Understanding:
    """The question-understanding pipeline over one semantic model and data source dialect."""

    def __init__(
        self,
        model: SemanticModel,
        *,
        dialect: str | None = None,
        row_cap: int = 1000,
        clock: Clock | None = None,
    ) -> None:
        self.model = model
        self.dialect = dialect or model.dialect
        self.vocabulary = Vocabulary(model)
        self.index = EntityIndex(model, reserved=self.vocabulary.reserved)
        self.reader = QuestionReader(model, self.vocabulary, self.index)
        self.planner = Planner(model)
        self.accountant = Accountant(model, self.vocabulary, self.index)
        self.builder = SqlBuilder(model, self.dialect)
        self.guard = SqlGuard(
            _schema_of(model),
            dialect=self.dialect,
            row_cap=row_cap,
            scope_table=model.scope_table,
            scope_column=model.scope_column,
        )
        self.clock: Clock = clock or utc_now

    @classmethod
    async def load_async(
        cls,
        data: DataAccess,
        model_path: Path | None = None,
        *,
        now: datetime | None = None,
    ) -> Understanding:
        """Load the model from ``data`` (schema, sampled values) and the YAML at ``model_path``."""
        model = await load_semantic_model_async(data, model_path)
        clock: Clock | None = (lambda: now) if now is not None else None
        return cls(model, dialect=data.dialect, row_cap=data.row_cap, clock=clock)

    def understand(
        self,
        question: str,
        previous: QueryPlan | None = None,
        *,
        scope: Sequence[int | str] | None = None,
    ) -> Understood:
        """Read ``question`` (a follow-up of ``previous`` if given) into an answer or a question."""
        reading = self.reader.read(question[:500], self.local_now(scope))
        outcome = self.planner.plan(reading, previous)
        plan = outcome if isinstance(outcome, QueryPlan) else None
        interpretation, meaningful = self.accountant.account(reading, plan)
        if meaningful:
            return self._held_back(reading, outcome, interpretation, meaningful, scope)
        if isinstance(outcome, QueryPlan):
            return self._answerable(outcome, interpretation, scope)
        if isinstance(outcome, Clarification):
            return _runnable(replace(outcome, interpretation=interpretation))
        return replace(outcome, interpretation=interpretation)

    def _answerable(
        self,
        plan: QueryPlan,
        interpretation: Interpretation,
        scope: Sequence[int | str] | None,
    ) -> Answerable | NotUnderstood:
        compiled = self.compile(plan, scope=scope)
        if isinstance(compiled, NotUnderstood):
            return replace(compiled, interpretation=interpretation)
        return replace(
            compiled,
            interpretation=interpretation,
            explanation=explain(plan, self.model, interpretation),
        )

    def _held_back(
        self,
        reading: Reading,
        outcome: QueryPlan | Clarification | NotUnderstood,
        interpretation: Interpretation,
        meaningful: list[Leftover],
        scope: Sequence[int | str] | None,
    ) -> Clarification | NotUnderstood:
        """A part of the question could not be used: never answer the smaller question.

        Words that name nothing the data has ("payroll") make it out of scope; judging words
        ("doing better") make it vague; any other unused part (a time of day, a share, a number,
        a known value) is said plainly, with the smaller question offered to run instead.
        """
        unknown = tuple(item.word for item in meaningful if item.why == "unknown")
        named = set((reading.intent.unknown or "").split())
        if isinstance(outcome, NotUnderstood) and unknown and set(unknown) <= named:
            # "sales of the lobster roll": a name the data does not have, said as a name
            return replace(outcome, interpretation=interpretation)
        things = [item for item in meaningful if item.why == "unknown"]
        if any(names_a_thing(reading, item) for item in things):
            return NotUnderstood(
                f"I don't have data about {quoted(as_said(reading, things))}. "
                f"I can answer questions about {subjects_sentence(self.model)}.",
                kind="out_of_scope",
                interpretation=interpretation,
            )
        words = tuple(item.word for item in meaningful)
        said = as_said(reading, meaningful)
        if isinstance(outcome, Clarification):
            return _runnable(replace(outcome, interpretation=interpretation))
        if all(item.why == "vague" for item in meaningful) or isinstance(outcome, NotUnderstood):
            vague = self.planner.vague_options(reading)
            if vague is not None:
                return _runnable(replace(vague, interpretation=interpretation))
            return NotUnderstood(
                cannot_phrase(words, said), kind="cannot", interpretation=interpretation
            )
        smaller = self._answerable(outcome, interpretation, scope)
        if not isinstance(smaller, Answerable):
            return NotUnderstood(
                cannot_phrase(words, said), kind="cannot", interpretation=interpretation
            )
        return Clarification(
            f"{cannot_phrase(words, said)} I can answer this without it:",
            (ClarificationOption(smaller.explanation, outcome),),
            reason="cannot",
            interpretation=interpretation,
        )

    def local_now(self, scope: Sequence[int | str] | None = None) -> datetime:
        """The clock as naive wall-clock time where ``scope``'s rows are (shared/DESIGN.md).

        A naive clock (``--now`` without a zone, a fixed clock in the settings) is local time at
        every location and is used as it is; an aware one is moved to the zone of a scope of
        one location, else to the model's default zone.
        """
        return self.model.time.local_now(self.clock(), scope)

    def compile(
        self, plan: QueryPlan, *, scope: Sequence[int | str] | None = None
    ) -> Answerable | NotUnderstood:
        """The guarded statement(s) of ``plan``; a comparison gets a second statement."""
        try:
            query = self._guarded(plan, scope)
            compare = None
            if plan.compare_to is not None:
                compare = self._guarded(plan.with_time_range(plan.compare_to), scope)
        except SwoopError as exc:
            return NotUnderstood(exc.message, kind="refused", error=exc)
        return Answerable(plan, query, compare)

    def _guarded(self, plan: QueryPlan, scope: Sequence[int | str] | None) -> BuiltQuery:
        built = self.builder.build(plan)
        checked = self.guard.check(built.sql, built.params, scope=scope)
        return BuiltQuery(checked.sql, checked.params)


def _runnable(clarification: Clarification) -> Clarification:
    """Only options that run a plan are offered."""
    return replace(
        clarification,
        options=tuple(
            ClarificationOption(o.label, o.plan) for o in clarification.options if o.plan
        ),
    )


def _schema_of(model: SemanticModel) -> SchemaInfo:
    """The schema the guard allows: exactly the model's tables and columns."""
    tables = {
        name: TableInfo(
            name=name,
            columns=tuple(
                ColumnInfo(c.name, c.sql_type, c.kind, True, c.name in spec.primary_key)
                for c in spec.columns.values()
            ),
            primary_key=spec.primary_key,
            foreign_keys=tuple(
                ForeignKeyInfo((c.name,), c.foreign_key[0], (c.foreign_key[1],))
                for c in spec.columns.values()
                if c.foreign_key
            ),
        )
        for name, spec in model.tables.items()
    }
    return SchemaInfo(dialect=model.dialect, tables=tables)
