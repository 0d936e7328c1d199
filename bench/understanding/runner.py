"""The question-understanding benchmark: execution accuracy and honesty of question → SQL.

Every question of every question set (``questions.yaml``, and ``trust.yaml`` when present) goes
through ``Understanding.understand`` at a fixed clock (NOW = 2025-06-15 12:00, a Sunday). Each
step says what is right (its *expect*): ``gold`` (the predicted statement's result equals the
result of hand-written gold SQL, see :func:`results_match`), ``clarify`` (a clarifying question),
``out_of_scope`` ("I don't have data about …") or ``cannot`` (the data could answer it, Swoop
cannot yet: a plain refusal or a clarification; or, from a future version, the gold result).

A wrong step is *confident wrong* when it is a data answer (``Answerable``) with no unused word:
a number given as if the question was fully understood. The other wrong steps are honest misses
(a clarification or refusal where gold was expected, or an answer that names unused words) or
errors (``understand()`` raised, the predicted or the gold SQL failed). Follow-up chains pass
the previous step's plan as context. The wall time of ``understand()`` (parse + plan + build +
guard, no SQL execution) is measured on a second pass, after a warm-up pass over every question.

With ``--postgres URL`` the sample database is also loaded into PostgreSQL and every question is
answered a second time by an Understanding loaded against PostgreSQL; the report says how many
PostgreSQL results equal the SQLite results (gold SQL stays SQLite only).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import numbers
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd
import yaml

if TYPE_CHECKING:
    from bot.data import DataAccess
    from bot.understanding.outcomes import Answerable, Understood
    from bot.understanding.plan import QueryPlan

HERE = Path(__file__).resolve().parent
QUESTIONS_FILE = HERE / "questions.yaml"
TRUST_FILE = HERE / "trust.yaml"
CACHE_DIR = HERE / ".cache"
SAMPLE_SEED = 7
SAMPLE_END = date(2025, 6, 15)
DEFAULT_DB = CACHE_DIR / f"sample-s{SAMPLE_SEED}-{SAMPLE_END:%Y%m%d}.db"
REPO = HERE.parent.parent
PACKAGED_MODEL = REPO / "bot" / "sample" / "club.swoop.yaml"
NOW = datetime(2025, 6, 15, 12, 0)  # a Sunday: the sample database's last day

CATEGORIES: tuple[str, ...] = (
    "counts",
    "sums-averages",
    "min-max",
    "breakdowns",
    "entity-filters",
    "numeric-filters",
    "negation",
    "time-words",
    "top-n",
    "listings",
    "ratings",
    "hours",
    "comparisons",
    "follow-ups",
    "clarifications",
)
# What a step says is right. gold: the rows equal gold; clarify: a Clarification;
# out_of_scope: a NotUnderstood of kind "out_of_scope"; cannot: not a data answer, but a
# NotUnderstood of kind "cannot"/"unsupported" or a Clarification (or, when the step has gold,
# a data answer whose rows equal it: a future version answers these).
EXPECT_KINDS: tuple[str, ...] = ("gold", "clarify", "out_of_scope", "cannot")
CANNOT_KINDS = frozenset({"cannot", "unsupported"})
# A wrong step is one of these (a right one is "right").
CONFIDENT_WRONG = "confident_wrong"  # a data answer with no unused word, and not right
HONEST_MISS = "honest_miss"  # a clarification or refusal, or an answer naming unused words
ERROR = "error"  # understand() raised, the predicted or the gold SQL failed
MIN_JUDGED_STEPS = 170
MIN_TRUST_STEPS = 150
GOLD_ROW_CAP = 100_000
MAX_ASSIGNMENTS = 5_000  # column assignments tried per comparison before giving up
EXIT_OK = 0
EXIT_SETUP_BROKEN = 2


class SetupError(Exception):
    """The benchmark cannot run (missing database, broken question file, import failure...)."""


# -- the question file ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One judged question and what is right for it (``expect``, one of :data:`EXPECT_KINDS`).

    ``clarify=True`` (the questions.yaml form) is the same as ``expect="clarify"``; without
    either, a step expects its gold result. ``gold`` is the SQL of the right result (required for
    ``expect="gold"``, optional for ``cannot``, where an equal answer also counts as right).
    """

    question: str
    gold: str | None = None
    ordered: bool = False
    clarify: bool = False
    options_include: tuple[str, ...] = ()
    or_not_understood: bool = False
    expect: str = ""
    why: str = ""

    def __post_init__(self) -> None:
        expect = self.expect or ("clarify" if self.clarify else "gold")
        if expect not in EXPECT_KINDS:
            raise ValueError(f"expect must be one of {list(EXPECT_KINDS)}, not {expect!r}")
        if self.clarify and expect != "clarify":
            raise ValueError(f"clarify: true contradicts expect: {expect}")
        if expect == "gold" and self.gold is None:
            raise ValueError("a step expecting its gold result needs gold SQL")
        object.__setattr__(self, "expect", expect)
        object.__setattr__(self, "clarify", expect == "clarify")


@dataclass(frozen=True)
class Entry:
    """A question, or a chain of follow-up questions, of one category."""

    id: str
    category: str
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class QuestionSet:
    """A question file and its name in the report (``categories`` None: any category)."""

    name: str
    path: Path
    categories: tuple[str, ...] | None = None


SETS: dict[str, QuestionSet] = {
    "questions": QuestionSet("questions", QUESTIONS_FILE, CATEGORIES),
    "trust": QuestionSet("trust", TRUST_FILE),
}

_STEP_KEYS = {
    "question",
    "gold",
    "ordered",
    "clarify",
    "options_include",
    "or_not_understood",
    "expect",
    "why",
}
_ENTRY_KEYS = _STEP_KEYS | {"id", "category", "chain"}


def _step(raw: Any, where: str) -> Step:
    if not isinstance(raw, dict):
        raise SetupError(f"{where}: a step must be a mapping")
    unknown = set(raw) - _STEP_KEYS
    if unknown:
        raise SetupError(f"{where}: unknown keys {sorted(unknown)}")
    question = raw.get("question")
    if not isinstance(question, str) or not question.strip():
        raise SetupError(f"{where}: missing question")
    gold = raw.get("gold")
    if gold is not None and not isinstance(gold, str):
        raise SetupError(f"{where}: gold must be SQL text")
    clarify = raw.get("clarify", False)
    if not isinstance(clarify, bool):
        raise SetupError(f"{where}: clarify must be true or false")
    expect = raw.get("expect")
    if expect is None:  # the questions.yaml form: gold SQL, or clarify: true
        if clarify == (gold is not None):
            raise SetupError(f"{where}: give exactly one of gold and clarify: true (or expect)")
        expect = "clarify" if clarify else "gold"
    elif expect not in EXPECT_KINDS:
        raise SetupError(f"{where}: expect must be one of {list(EXPECT_KINDS)}, not {expect!r}")
    elif clarify and expect != "clarify":
        raise SetupError(f"{where}: clarify: true contradicts expect: {expect}")
    elif expect == "gold" and gold is None:
        raise SetupError(f"{where}: expect: gold needs gold SQL")
    options = raw.get("options_include") or []
    if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
        raise SetupError(f"{where}: options_include must be a list of words")
    or_not_understood = raw.get("or_not_understood", False)
    if (options or or_not_understood) and expect != "clarify":
        raise SetupError(f"{where}: options_include and or_not_understood go with a clarification")
    for flag in ("ordered", "or_not_understood"):
        if not isinstance(raw.get(flag, False), bool):
            raise SetupError(f"{where}: {flag} must be true or false")
    why = raw.get("why") or ""
    if not isinstance(why, str):
        raise SetupError(f"{where}: why must be text")
    return Step(
        question=question.strip(),
        gold=gold.strip() if gold else None,
        ordered=bool(raw.get("ordered", False)),
        clarify=clarify,
        options_include=tuple(o.lower() for o in options),
        or_not_understood=bool(or_not_understood),
        expect=expect,
        why=" ".join(why.split()),
    )


def load_questions(
    path: Path = QUESTIONS_FILE, *, categories: Sequence[str] | None = CATEGORIES
) -> list[Entry]:
    """Read and check a question file (unique ids, known categories, one expectation per step).

    ``categories`` None accepts any category name (a new set brings its own).
    """
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SetupError(f"cannot read {path}: {exc}") from exc
    if not isinstance(raw, list):
        raise SetupError(f"{path}: expected a list of questions")
    entries: list[Entry] = []
    seen: set[str] = set()
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise SetupError(f"{path}: entry {number} is not a mapping")
        entry_id = str(item.get("id", f"#{number}"))
        if entry_id in seen:
            raise SetupError(f"{path}: duplicate id {entry_id}")
        seen.add(entry_id)
        unknown = set(item) - _ENTRY_KEYS
        if unknown:
            raise SetupError(f"{entry_id}: unknown keys {sorted(unknown)}")
        category = item.get("category")
        if categories is not None and category not in categories:
            raise SetupError(f"{entry_id}: unknown category {category!r}")
        if not isinstance(category, str) or not category.strip():
            raise SetupError(f"{entry_id}: missing category")
        if "chain" in item:
            chain = item["chain"]
            if not isinstance(chain, list) or not chain:
                raise SetupError(f"{entry_id}: chain must be a non-empty list")
            misplaced = set(item) & _STEP_KEYS
            if misplaced:
                raise SetupError(f"{entry_id}: {sorted(misplaced)} belong in the chain's steps")
            steps = tuple(_step(s, f"{entry_id} step {i + 1}") for i, s in enumerate(chain))
        else:
            steps = (_step({k: v for k, v in item.items() if k in _STEP_KEYS}, entry_id),)
        entries.append(Entry(entry_id, category.strip(), steps))
    return entries


def resolve_set(name: str) -> QuestionSet:
    """A set by name (``questions``, ``trust``) or by path (named after the file)."""
    if name in SETS:
        return SETS[name]
    path = Path(name).expanduser().resolve()
    for known in SETS.values():
        if known.path == path:
            return known
    return QuestionSet(path.stem, path)


def default_sets() -> list[QuestionSet]:
    """questions.yaml, and trust.yaml when it exists."""
    return [s for s in SETS.values() if s.name == "questions" or s.path.exists()]


def load_set(question_set: QuestionSet) -> list[Entry]:
    if not question_set.path.is_file():
        raise SetupError(f"no question set {question_set.name!r} at {question_set.path}")
    try:
        return load_questions(question_set.path, categories=question_set.categories)
    except SetupError as exc:
        raise SetupError(f"set {question_set.name}: {exc}") from exc


def judged_steps(entries: Iterable[Entry]) -> int:
    return sum(len(e.steps) for e in entries)


# -- judging -------------------------------------------------------------------------------------

Value = float | str | None
Row = tuple[Value, ...]


def normalize_value(value: Any) -> Value:
    """One cell as compared: numbers rounded to 2 decimals, dates as ISO text, NULLs as None."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, bool | numbers.Number) or type(value).__name__ == "bool_":
        number = float(value)
        if math.isnan(number):
            return None
        return round(number, 2) + 0.0  # + 0.0 turns -0.0 into 0.0
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | clock_time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def frame_rows(frame: pd.DataFrame) -> list[Row]:
    """The frame's rows as tuples of normalized values (duplicate column names are fine)."""
    return [
        tuple(normalize_value(v) for v in row) for row in frame.itertuples(index=False, name=None)
    ]


def _sort_key(value: Value) -> tuple[int, float, str]:
    if value is None:
        return (0, 0.0, "")
    if isinstance(value, float):
        return (1, value, "")
    return (2, 0.0, value)


def rows_match(gold: Sequence[Row], predicted: Sequence[Row], *, ordered: bool) -> bool:
    """Whether every gold column maps to a distinct predicted column with equal rows.

    Rows are compared as multisets, or as sequences when ``ordered``. Extra predicted columns
    are ignored; column names play no part. Candidate columns are those whose values (as a
    multiset, or a sequence) equal the gold column's; assignments are then tried in turn, so two
    gold columns with equal values, or two equal predicted columns, are handled.
    """
    if len(gold) != len(predicted):
        return False
    if not gold:
        return True
    gold_width, predicted_width = len(gold[0]), len(predicted[0])
    if gold_width > predicted_width:
        return False

    def signature(column: tuple[Value, ...]) -> tuple[Value, ...]:
        return column if ordered else tuple(sorted(column, key=_sort_key))

    gold_columns = [tuple(row[i] for row in gold) for i in range(gold_width)]
    predicted_signatures = [
        signature(tuple(row[j] for row in predicted)) for j in range(predicted_width)
    ]
    candidates = [
        [j for j, sig in enumerate(predicted_signatures) if sig == signature(column)]
        for column in gold_columns
    ]
    if any(not c for c in candidates):
        return False
    search_order = sorted(range(gold_width), key=lambda i: len(candidates[i]))
    wanted: list[Row] | Counter[Row] = list(gold) if ordered else Counter(gold)
    budget = [MAX_ASSIGNMENTS]

    def equal_under(mapping: dict[int, int]) -> bool:
        projected = [tuple(row[mapping[i]] for i in range(gold_width)) for row in predicted]
        return projected == wanted if ordered else Counter(projected) == wanted

    def search(depth: int, mapping: dict[int, int]) -> bool:
        if depth == len(search_order):
            budget[0] -= 1
            return equal_under(mapping)
        gold_index = search_order[depth]
        for j in candidates[gold_index]:
            if budget[0] <= 0:
                return False
            if j in mapping.values():
                continue
            mapping[gold_index] = j
            if search(depth + 1, mapping):
                return True
            del mapping[gold_index]
        return False

    return search(0, {})


def results_match(gold: pd.DataFrame, predicted: pd.DataFrame, *, ordered: bool = False) -> bool:
    """Execution accuracy of one step: see :func:`rows_match`."""
    return rows_match(frame_rows(gold), frame_rows(predicted), ordered=ordered)


def describe_difference(
    gold: Sequence[Row],
    predicted: Sequence[Row],
    *,
    limit: int = 5,
    names: tuple[str, str] = ("gold", "predicted"),
) -> list[str]:
    """A few lines saying how two results differ (for ``--verbose``)."""
    left, right = names
    gold_width = len(gold[0]) if gold else 0
    predicted_width = len(predicted[0]) if predicted else 0
    lines = [
        f"{left} {len(gold)} row(s) x {gold_width} col(s); "
        f"{right} {len(predicted)} row(s) x {predicted_width} col(s)"
    ]
    if gold_width == predicted_width:
        gold_only = list((Counter(gold) - Counter(predicted)).elements())
        predicted_only = list((Counter(predicted) - Counter(gold)).elements())
        if not gold_only and not predicted_only:
            lines.append("same rows in a different order")
        if gold_only:
            lines.append(f"only in {left}: {_preview(gold_only, limit)}")
        if predicted_only:
            lines.append(f"only in {right}: {_preview(predicted_only, limit)}")
    else:
        lines.append(f"{left}: {_preview(gold, limit)}")
        lines.append(f"{right}: {_preview(predicted, limit)}")
    return lines


def _preview(rows: Sequence[Row], limit: int) -> str:
    shown = ", ".join(repr(r) for r in rows[:limit])
    return shown + (f", ... ({len(rows) - limit} more)" if len(rows) > limit else "")


# -- running the system under test ---------------------------------------------------------------


class Understander(Protocol):
    """What the benchmark needs of ``bot.understanding.pipeline.Understanding``."""

    def understand(self, question: str, previous: QueryPlan | None = None) -> Understood: ...


@dataclass
class Attempt:
    """What ``understand()`` made of one step."""

    entry: Entry
    index: int
    result: Understood | None
    error: str | None
    elapsed_ms: float

    @property
    def step(self) -> Step:
        return self.entry.steps[self.index]

    @property
    def kind(self) -> str:
        from bot.understanding.outcomes import Answerable, Clarification, NotUnderstood

        result: object = self.result  # whatever the system returned, typed or not
        if self.error is not None or result is None:
            return "error"
        if isinstance(result, Answerable):
            return "answer"
        if isinstance(result, Clarification):
            return "clarification"
        if isinstance(result, NotUnderstood):
            return "not-understood"
        return f"unexpected {type(result).__name__}"


@dataclass
class StepOutcome:
    """The verdict on one step, with what is needed to explain it."""

    entry_id: str
    category: str
    index: int
    question: str
    kind: str  # answer, clarification, not-understood, error
    correct: bool
    elapsed_ms: float
    expect: str = "gold"
    why: str = ""
    reason: str = ""  # a NotUnderstood's kind, a Clarification's reason
    verdict: str = ERROR  # "right", CONFIDENT_WRONG, HONEST_MISS or ERROR
    unused: tuple[str, ...] = ()  # an answer's words it did not use
    explanation: str = ""  # an answer's one-line explanation
    detail: str = ""
    sql: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    gold_sql: str | None = None
    diff: list[str] = field(default_factory=list)
    predicted: list[Row] | None = None
    postgres_agrees: bool | None = None
    postgres_correct: bool | None = None
    postgres_detail: str = ""

    @property
    def step_id(self) -> str:
        return f"{self.entry_id}.{self.index + 1}"

    @property
    def confident_wrong(self) -> bool:
        return self.verdict == CONFIDENT_WRONG

    @property
    def honest_miss(self) -> bool:
        return self.verdict == HONEST_MISS

    @property
    def outcome(self) -> str:
        """The outcome kind as reported: ``not-understood (out_of_scope)``, ``answer``..."""
        return f"{self.kind} ({self.reason})" if self.reason else self.kind


def understand_all(entries: Sequence[Entry], understanding: Understander) -> list[Attempt]:
    """One pass over every step, timing each ``understand()`` call; chains carry their plan."""
    from bot.understanding.outcomes import Answerable

    attempts: list[Attempt] = []
    for entry in entries:
        previous: QueryPlan | None = None
        for index, step in enumerate(entry.steps):
            result: Understood | None = None
            error: str | None = None
            started = time.perf_counter()
            try:
                result = understanding.understand(step.question, previous=previous)
            except Exception as exc:  # the system under test must never crash the run
                error = f"understand() raised {type(exc).__name__}: {exc}"
            elapsed_ms = (time.perf_counter() - started) * 1000
            attempts.append(Attempt(entry, index, result, error, elapsed_ms))
            previous = result.plan if isinstance(result, Answerable) else None
    return attempts


async def predicted_frame(result: Answerable, data: DataAccess) -> pd.DataFrame:
    """Run an Answerable's statement(s); a comparison's two single rows become one row."""
    frame = await data.query_to_dataframe_async(result.query.sql, result.query.params)
    if result.compare_query is None:
        return frame
    other = await data.query_to_dataframe_async(
        result.compare_query.sql, result.compare_query.params
    )
    if len(frame) != 1 or len(other) != 1:
        return frame
    values = [*frame.to_numpy(dtype=object)[0], *other.to_numpy(dtype=object)[0]]
    columns = [f"current.{c}" for c in frame.columns] + [f"previous.{c}" for c in other.columns]
    return pd.DataFrame([values], columns=columns)


async def gold_results(
    entries: Sequence[Entry], data: DataAccess
) -> dict[tuple[str, int], list[Row] | str]:
    """Every gold statement's rows (or its error message), keyed by (entry id, step index)."""
    results: dict[tuple[str, int], list[Row] | str] = {}
    for entry in entries:
        for index, step in enumerate(entry.steps):
            if step.gold is None:
                continue
            try:
                frame = await data.query_to_dataframe_async(step.gold, row_cap=GOLD_ROW_CAP)
                results[entry.id, index] = frame_rows(frame)
            except Exception as exc:
                results[entry.id, index] = f"gold SQL failed: {exc}"
    return results


_EXPECTED = {
    "gold": "the gold result",
    "clarify": "a clarifying question",
    "out_of_scope": 'a NotUnderstood of kind "out_of_scope"',
    "cannot": 'a NotUnderstood of kind "cannot"/"unsupported" or a clarification',
}


async def judge_attempt(
    attempt: Attempt,
    gold: list[Row] | str | None,
    data: DataAccess,
) -> StepOutcome:
    """Run the attempt's SQL (if any) and judge it against the step's expectation."""
    from bot.understanding.outcomes import Answerable, Clarification, NotUnderstood

    step = attempt.step
    result: object = attempt.result  # whatever the system returned, typed or not
    outcome = StepOutcome(
        entry_id=attempt.entry.id,
        category=attempt.entry.category,
        index=attempt.index,
        question=step.question,
        kind=attempt.kind,
        correct=False,
        elapsed_ms=attempt.elapsed_ms,
        expect=step.expect,
        why=step.why,
        gold_sql=step.gold,
    )
    labels: list[str] = []
    sql_failed = False
    if attempt.error is not None or result is None:
        outcome.detail = attempt.error or "no result"
        return outcome
    if isinstance(result, Answerable):
        outcome.unused = tuple(str(w) for w in getattr(result, "unused", ()) or ())
        outcome.explanation = str(getattr(result, "explanation", "") or "")
        outcome.sql, outcome.params = result.query.sql, dict(result.query.params)
        if result.compare_query is not None:
            outcome.sql += f"\n-- compared with:\n{result.compare_query.sql}"
        try:
            outcome.predicted = frame_rows(await predicted_frame(result, data))
        except Exception as exc:
            outcome.detail = f"predicted SQL failed: {exc}"
            sql_failed = True
    elif isinstance(result, Clarification):
        labels = [option.label.lower() for option in result.options]
        outcome.reason = str(getattr(result, "reason", "") or "")
        outcome.detail = f"asked {result.question!r} with options {labels}"
    elif isinstance(result, NotUnderstood):
        outcome.reason = str(result.kind)
        outcome.detail = f"not understood ({result.kind}): {result.reason}"
    else:
        outcome.detail = f"understand() returned {type(result).__name__}"
        return outcome

    def matches_gold() -> bool:
        if outcome.predicted is None or not isinstance(gold, list):
            return False
        if rows_match(gold, outcome.predicted, ordered=step.ordered):
            return True
        outcome.diff = describe_difference(gold, outcome.predicted)
        return False

    if step.expect == "gold":
        if isinstance(gold, str) or gold is None:
            outcome.detail = (outcome.detail + "; " if outcome.detail else "") + (
                gold or "no gold result"
            )
            return outcome  # the gold itself is broken: an error, whatever the answer
        outcome.correct = matches_gold()
        if outcome.kind == "answer" and not outcome.correct and not sql_failed:
            outcome.detail = "different result" + (" (order matters)" if step.ordered else "")
    elif step.expect == "clarify":
        if outcome.kind == "clarification":
            wanted = step.options_include
            outcome.correct = not wanted or any(w in label for w in wanted for label in labels)
            if not outcome.correct:
                outcome.detail += f"; expected one of {list(wanted)} among the options"
        elif outcome.kind == "not-understood" and step.or_not_understood:
            outcome.correct = True
    elif step.expect == "out_of_scope":
        outcome.correct = outcome.kind == "not-understood" and outcome.reason == "out_of_scope"
    elif step.expect == "cannot":
        if outcome.kind == "answer":
            outcome.correct = matches_gold()  # a future version may answer it right
            if outcome.correct:
                outcome.detail = "answered, and the result equals the gold"
        else:
            outcome.correct = outcome.kind == "clarification" or outcome.reason in CANNOT_KINDS

    if outcome.correct:
        outcome.verdict = "right"
    elif outcome.kind == "answer":
        if step.expect != "gold":
            outcome.detail = f"answered with SQL where {_EXPECTED[step.expect]} was expected" + (
                f" ({outcome.detail})" if outcome.detail else ""
            )
        if sql_failed and step.expect == "gold":
            outcome.verdict = ERROR
        else:
            outcome.verdict = HONEST_MISS if outcome.unused else CONFIDENT_WRONG
    else:
        outcome.verdict = HONEST_MISS
        outcome.detail += f"; expected {_EXPECTED[step.expect]}"
    return outcome


async def evaluate(
    entries: Sequence[Entry],
    understanding: Understander,
    data: DataAccess,
    gold: dict[tuple[str, int], list[Row] | str],
    *,
    warm_up: bool = True,
) -> tuple[list[StepOutcome], list[float]]:
    """Judge every step; returns the outcomes and the timed ``understand()`` wall times (ms)."""
    if warm_up:
        understand_all(entries, understanding)
    attempts = understand_all(entries, understanding)
    outcomes = [await judge_attempt(a, gold.get((a.entry.id, a.index)), data) for a in attempts]
    return outcomes, [a.elapsed_ms for a in attempts]


async def compare_postgres(
    entries: Sequence[Entry],
    outcomes: Sequence[StepOutcome],
    understanding: Understander,
    data: DataAccess,
    gold: dict[tuple[str, int], list[Row] | str],
) -> None:
    """Answer every step again on PostgreSQL; record agreement with SQLite and with gold."""
    attempts = understand_all(entries, understanding)
    for attempt, outcome in zip(attempts, outcomes, strict=True):
        pg = await judge_attempt(attempt, gold.get((attempt.entry.id, attempt.index)), data)
        outcome.postgres_correct = pg.correct
        if pg.kind != outcome.kind:
            outcome.postgres_agrees = False
            outcome.postgres_detail = f"SQLite gave {outcome.kind}, PostgreSQL {pg.kind}"
        elif pg.kind == "answer":
            if outcome.predicted is None or pg.predicted is None:
                outcome.postgres_agrees = outcome.predicted is None and pg.predicted is None
                outcome.postgres_detail = pg.detail or outcome.detail
            else:
                # Row order is only defined, and so only compared, when the statement sorts.
                sorts = "order by" in (outcome.sql or "").lower()
                outcome.postgres_agrees = rows_match(
                    outcome.predicted, pg.predicted, ordered=attempt.step.ordered and sorts
                )
                if not outcome.postgres_agrees:
                    outcome.postgres_detail = "; ".join(
                        describe_difference(
                            outcome.predicted,
                            pg.predicted,
                            limit=3,
                            names=("SQLite", "PostgreSQL"),
                        )
                    )
        else:
            outcome.postgres_agrees = True
        if not outcome.postgres_agrees and pg.sql:
            outcome.postgres_detail += f"\n    PostgreSQL SQL: {_one_line(pg.sql)}"


@dataclass
class SetResult:
    """One question set's entries, the verdict on each of its steps and their timings."""

    question_set: QuestionSet
    entries: list[Entry]
    outcomes: list[StepOutcome]
    timings_ms: list[float]

    @property
    def name(self) -> str:
        return self.question_set.name


async def run_sets(
    question_sets: Sequence[QuestionSet],
    db: Path,
    model: Path | None,
    *,
    postgres: str | None = None,
    warn: Callable[[str], None] | None = None,
) -> list[SetResult]:
    """Load every set, answer and judge it on SQLite (and PostgreSQL with ``postgres``)."""
    from bot.data import DataAccess

    say = warn or (lambda message: print(message, file=sys.stderr))
    loaded = [(s, load_set(s)) for s in question_sets]
    data = DataAccess(f"sqlite+aiosqlite:///{db}")
    pg_data: DataAccess | None = None
    results: list[SetResult] = []
    golds: list[dict[tuple[str, int], list[Row] | str]] = []
    try:
        try:
            understanding = await load_understanding(data, model)
        except Exception as exc:
            raise SetupError(f"cannot load the Understanding: {exc}") from exc
        for question_set, entries in loaded:
            gold = await gold_results(entries, data)
            for key, value in gold.items():
                if isinstance(value, str):
                    say(f"warning: {question_set.name} {key[0]}.{key[1] + 1}: {value}")
            outcomes, timings = await evaluate(entries, understanding, data, gold)
            results.append(SetResult(question_set, entries, outcomes, timings))
            golds.append(gold)
        if postgres:
            from bench.understanding.pg_load import load_into_postgres

            try:
                counts = await load_into_postgres(db, postgres)
            except Exception as exc:
                raise SetupError(f"cannot load the sample into PostgreSQL: {exc}") from exc
            say(f"loaded {sum(counts.values())} rows into PostgreSQL")
            pg_data = DataAccess(postgres)
            try:
                pg_understanding = await load_understanding(pg_data, model)
            except Exception as exc:
                raise SetupError(f"cannot load the PostgreSQL Understanding: {exc}") from exc
            for result, gold in zip(results, golds, strict=True):
                await compare_postgres(
                    result.entries, result.outcomes, pg_understanding, pg_data, gold
                )
    finally:
        await data.dispose_async()
        if pg_data is not None:
            await pg_data.dispose_async()
    return results


# -- reporting -----------------------------------------------------------------------------------


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (``fraction`` in 0..1) of ``values``; 0.0 when empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def _timing(timings_ms: Sequence[float]) -> dict[str, Any]:
    return {
        "median": round(statistics.median(timings_ms), 3) if timings_ms else 0.0,
        "p99": round(percentile(timings_ms, 0.99), 3),
        "calls": len(timings_ms),
    }


def _tally(outcomes: Sequence[StepOutcome]) -> dict[str, Any]:
    total = len(outcomes)
    correct = sum(o.correct for o in outcomes)
    return {
        "questions": total,
        "correct": correct,
        "accuracy": round(100 * correct / total, 1) if total else 0.0,
        "confident_wrong": sum(o.confident_wrong for o in outcomes),
        "honest_misses": sum(o.honest_miss for o in outcomes),
        "errors": sum(o.verdict == ERROR for o in outcomes),
    }


def _category_order(result: SetResult) -> list[str]:
    seen = list(dict.fromkeys(o.category for o in result.outcomes))
    known = result.question_set.categories
    if known is None:
        return seen
    return [c for c in known if c in seen] + [c for c in seen if c not in known]


def _shown_path(path: Path) -> str:
    try:
        return str(path.relative_to(REPO))
    except ValueError:
        return str(path)


def summarize_set(result: SetResult) -> dict[str, Any]:
    """One set's machine-readable summary: totals, per category, timing, every wrong step."""
    outcomes = result.outcomes
    categories = [
        {"category": category, **_tally([o for o in outcomes if o.category == category])}
        for category in _category_order(result)
    ]
    summary: dict[str, Any] = {
        "set": result.name,
        "path": _shown_path(result.question_set.path),
        **_tally(outcomes),
        "categories": categories,
        "understand_ms": _timing(result.timings_ms),
        "outcomes": dict(Counter(o.kind for o in outcomes)),
        "wrong": [
            {
                "id": o.step_id,
                "category": o.category,
                "question": o.question,
                "expect": o.expect,
                "outcome": o.outcome,
                "verdict": o.verdict,
                "unused": list(o.unused),
                "explanation": o.explanation,
                "detail": o.detail,
                "why": o.why,
                "sql": o.sql,
            }
            for o in outcomes
            if not o.correct
        ],
        "postgres": None,
    }
    compared = [o for o in outcomes if o.postgres_agrees is not None]
    if compared:
        summary["postgres"] = {
            "steps": len(compared),
            "agree_with_sqlite": sum(bool(o.postgres_agrees) for o in compared),
            "correct": sum(bool(o.postgres_correct) for o in compared),
            "disagreements": [
                {"id": o.step_id, "question": o.question, "detail": o.postgres_detail}
                for o in compared
                if not o.postgres_agrees
            ],
        }
    return summary


def summarize(results: Sequence[SetResult], *, database: str) -> dict[str, Any]:
    """The machine-readable summary of a run (also the source of the text report)."""
    everything = [o for r in results for o in r.outcomes]
    return {
        "now": NOW.isoformat(sep=" "),
        "database": database,
        "sets": [summarize_set(r) for r in results],
        "total": _tally(everything),
        "understand_ms": _timing([t for r in results for t in r.timings_ms]),
    }


def _one_line(sql: str) -> str:
    return " ".join(sql.split())


def _timing_line(timing: dict[str, Any], what: str) -> str:
    return (
        f"understand() wall time per question ({what}, {timing['calls']} calls after a warm-up "
        f"pass): median {timing['median']:.3f} ms, p99 {timing['p99']:.3f} ms"
    )


def _score_line(label: str, tally: dict[str, Any]) -> str:
    return (
        f"{label}: {tally['correct']}/{tally['questions']} right ({tally['accuracy']:.1f}%), "
        f"confident wrong {tally['confident_wrong']}, honest misses {tally['honest_misses']}, "
        f"errors {tally['errors']}"
    )


def _set_table(summary: dict[str, Any]) -> list[str]:
    width = max([18, *(len(c["category"]) + 2 for c in summary["categories"])])
    header = (
        f"{'category':<{width}}{'total':>7}{'right':>7}{'accuracy':>10}"
        f"{'confident wrong':>17}{'honest misses':>15}"
    )
    rule = "-" * len(header)

    def row(label: str, tally: dict[str, Any]) -> str:
        return (
            f"{label:<{width}}{tally['questions']:>7}{tally['correct']:>7}"
            f"{tally['accuracy']:>9.1f}%{tally['confident_wrong']:>17}{tally['honest_misses']:>15}"
        )

    return [
        header,
        rule,
        *(row(c["category"], c) for c in summary["categories"]),
        rule,
        row("total", summary),
    ]


def _wrong_lines(o: StepOutcome) -> list[str]:
    lines = [
        "",
        f"[{o.step_id}] ({o.category}) {o.question}",
        f"  expect: {o.expect}; outcome: {o.outcome}; verdict: {o.verdict}",
    ]
    if o.why:
        lines.append(f"  why expected: {o.why}")
    if o.detail:
        lines.append(f"  detail: {o.detail}")
    if o.kind == "answer":
        lines.append(f"  unused: {list(o.unused)}")
        lines.append(f"  explanation: {o.explanation!r}")
    if o.sql:
        params = f"  params {o.params}" if o.params else ""
        lines.append(f"  predicted: {_one_line(o.sql)}{params}")
    if o.gold_sql:
        lines.append(f"  gold:      {_one_line(o.gold_sql)}")
    lines += [f"  {d}" for d in o.diff]
    return lines


def format_report(
    summary: dict[str, Any], results: Sequence[SetResult], *, verbose: bool = False
) -> str:
    """The text report: per set and category accuracy and confident wrong, timing, PostgreSQL."""
    lines = [
        f"Swoop understanding benchmark: NOW = {summary['now']}, database {summary['database']}"
    ]
    for set_summary, result in zip(summary["sets"], results, strict=True):
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(set_summary["outcomes"].items()))
        lines += [
            "",
            f"set {set_summary['set']} ({set_summary['path']})",
            *_set_table(set_summary),
            f"outcomes: {kinds}",
            _timing_line(set_summary["understand_ms"], set_summary["set"]),
        ]
        pg = set_summary.get("postgres")
        if pg:
            lines.append(
                f"PostgreSQL: {pg['agree_with_sqlite']}/{pg['steps']} results equal SQLite's; "
                f"{pg['correct']}/{pg['steps']} correct against gold"
            )
        if verbose:
            wrong = [o for o in result.outcomes if not o.correct]
            if wrong:
                lines += ["", f"wrong in {set_summary['set']} ({len(wrong)}):"]
            for o in wrong:
                lines += _wrong_lines(o)
            if pg and pg["disagreements"]:
                lines += ["", f"PostgreSQL disagreements ({len(pg['disagreements'])}):"]
                lines += [
                    f"  [{d['id']}] {d['question']}: {d['detail']}" for d in pg["disagreements"]
                ]
    lines.append("")
    lines += [_score_line(s["set"], s) for s in summary["sets"]]
    if len(summary["sets"]) > 1:
        lines.append(_score_line("all sets", summary["total"]))
        lines.append(_timing_line(summary["understand_ms"], "all sets"))
    return "\n".join(lines)


# -- setup and the command line ------------------------------------------------------------------


def ensure_sample_db(path: Path = DEFAULT_DB) -> Path:
    """The benchmark's sample database (seed 7, ending 2025-06-15), created if missing."""
    if not path.exists() or not Path(f"{path}.swoop.yaml").exists():
        from bot.sample.generator import generate_sample_db

        print(f"creating the sample database at {path} ...", file=sys.stderr)
        generate_sample_db(path, seed=SAMPLE_SEED, end=SAMPLE_END)
    return path


def resolve_database(db: str | None) -> tuple[Path, Path | None]:
    """The SQLite file to use and its semantic model (``<db>.swoop.yaml``, if there is one)."""
    if db:
        path = Path(db).resolve()
        if not path.is_file():
            raise SetupError(f"no database at {path}")
    else:
        # The cached database's data depends only on seed and end; its model is always the
        # packaged one, so edits to club.swoop.yaml are measured without regenerating.
        path = ensure_sample_db()
        return path, PACKAGED_MODEL
    model = Path(f"{path}.swoop.yaml")
    return path, model if model.is_file() else None


async def load_understanding(data: DataAccess, model: Path | None) -> Understander:
    from bot.understanding.pipeline import Understanding

    return await Understanding.load_async(data, model, now=NOW)


def selected_sets(names: Sequence[str] | None) -> list[QuestionSet]:
    """The sets named on the command line (each once), or :func:`default_sets`."""
    if not names:
        return default_sets()
    chosen: dict[Path, QuestionSet] = {}
    for name in names:
        question_set = resolve_set(name)
        chosen.setdefault(question_set.path, question_set)
    return list(chosen.values())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.understanding",
        description="Execution accuracy and honesty of Swoop's question understanding on the "
        "sample database.",
    )
    parser.add_argument(
        "--set",
        dest="sets",
        action="append",
        metavar="NAME",
        help="question set to run: questions, trust or a YAML path; may repeat (default: "
        "questions and, when it exists, trust)",
    )
    parser.add_argument(
        "--questions",
        dest="sets",
        action="append",
        metavar="FILE",
        help="the same as --set FILE",
    )
    parser.add_argument(
        "--db",
        help=f"SQLite database with <db>.swoop.yaml beside it (default: {DEFAULT_DB}, "
        "created on first use)",
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="also load the sample into this PostgreSQL database (its 14 sample tables are "
        "dropped and re-created) and compare PostgreSQL results with SQLite's",
    )
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="show every wrong step: expect, outcome, SQL, unused words, explanation",
    )
    parser.add_argument("--json", action="store_true", help="print a JSON summary instead")
    return parser


def main(argv: Sequence[str] | None = None, *, out: Callable[[str], None] | None = None) -> int:
    args = build_parser().parse_args(argv)
    write = out or print
    try:
        question_sets = selected_sets(args.sets)
        for question_set in question_sets:
            load_set(question_set)  # a broken file is reported before the database is made
        db, model = resolve_database(args.db)
        results = asyncio.run(run_sets(question_sets, db, model, postgres=args.postgres))
    except SetupError as exc:
        print(f"benchmark setup is broken: {exc}", file=sys.stderr)
        return EXIT_SETUP_BROKEN
    except ImportError as exc:
        print(f"benchmark setup is broken: cannot import the system: {exc}", file=sys.stderr)
        return EXIT_SETUP_BROKEN
    summary = summarize(results, database=str(db))
    if args.json:
        write(json.dumps(summary, indent=2, ensure_ascii=False, default=str))
    else:
        write(format_report(summary, results, verbose=args.verbose))
    return EXIT_OK
