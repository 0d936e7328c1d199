"""The understanding benchmark's judge, its question files and its runner (with a fake system).

The judge is checked on small hand-made frames; the question files (questions.yaml, trust.yaml)
on the real sample database: every gold statement must run and return rows. The runner is driven
by a fake ``understand()`` so these tests do not depend on how well the real parser does (the
real parser's score is tests/test_bench_accuracy.py).
"""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bench.understanding import runner
from bench.understanding.runner import (
    CATEGORIES,
    EXPECT_KINDS,
    MIN_JUDGED_STEPS,
    MIN_TRUST_STEPS,
    TRUST_FILE,
    Entry,
    QuestionSet,
    SetupError,
    Step,
    describe_difference,
    load_questions,
    normalize_value,
    percentile,
    results_match,
    rows_match,
)
from bot.data import DataAccess
from bot.understanding.builder import BuiltQuery
from bot.understanding.interpretation import Interpretation
from bot.understanding.outcomes import (
    Answerable,
    Clarification,
    ClarificationOption,
    NotUnderstood,
    Understood,
)
from bot.understanding.plan import QueryPlan


def frame(rows: list[tuple[object, ...]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame.from_records(rows, columns=columns)


# -- the judge -------------------------------------------------------------------------------------


def test_normalize_value() -> None:
    assert normalize_value(3) == normalize_value(3.0) == normalize_value(np.int64(3)) == 3.0
    assert normalize_value(2312.7500000000005) == 2312.75
    assert normalize_value(Decimal("1.005")) == normalize_value(1.0049999)
    assert normalize_value(-0.0001) == 0.0
    assert normalize_value(None) is None
    assert normalize_value(float("nan")) is None
    assert normalize_value(pd.NaT) is None
    assert normalize_value(True) == 1.0
    assert normalize_value(datetime(2025, 6, 15, 12, 0)) == "2025-06-15 12:00:00"
    assert normalize_value(pd.Timestamp("2025-06-15 12:00:00")) == "2025-06-15 12:00:00"
    assert normalize_value(date(2025, 6, 9)) == "2025-06-09"
    assert normalize_value("Caesar Salad") == "Caesar Salad"
    assert normalize_value("2025") != normalize_value(2025)  # strings compare exactly


def test_extra_predicted_columns_and_names_do_not_matter() -> None:
    gold = frame([("Oak Hollow", 10.0), ("Lakeside", 5.0)], ["location", "sales"])
    predicted = frame(
        [(2, 5, "Lakeside", "x"), (1, 10, "Oak Hollow", "y")], ["id", "revenue", "name", "note"]
    )
    assert results_match(gold, predicted)


def test_missing_column_or_different_rows_is_wrong() -> None:
    gold = frame([("Oak Hollow", 10.0)], ["location", "sales"])
    assert not results_match(gold, frame([(10.0,)], ["sales"]))
    assert not results_match(gold, frame([("Oak Hollow", 10.5)], ["location", "sales"]))
    two = frame([("Oak Hollow", 10.0), ("Lakeside", 5.0)], ["location", "sales"])
    assert not results_match(gold, two)
    assert not results_match(two, gold)


def test_order_matters_only_when_ordered() -> None:
    gold = frame([("a", 3), ("b", 2), ("c", 1)], ["item", "sold"])
    shuffled = frame([("c", 1), ("a", 3), ("b", 2)], ["item", "sold"])
    assert results_match(gold, shuffled, ordered=False)
    assert not results_match(gold, shuffled, ordered=True)
    assert results_match(gold, gold.copy(), ordered=True)


def test_rows_are_multisets() -> None:
    gold = frame([("08:00", "20:00"), ("08:00", "20:00"), ("07:30", "21:00")], ["o", "c"])
    once = frame([("08:00", "20:00"), ("07:30", "21:00"), ("07:30", "21:00")], ["o", "c"])
    assert not results_match(gold, once)


def test_float_rounding_and_ints() -> None:
    gold = frame([("French Dip", 2312.75, 145)], ["item", "sales", "sold"])
    predicted = frame([("French Dip", 2312.7500000000005, 145.0)], ["a", "b", "c"])
    assert results_match(gold, predicted)
    assert not results_match(gold, frame([("French Dip", 2312.76, 145)], ["a", "b", "c"]))


def test_none_equals_none() -> None:
    gold = frame([("x", None), ("y", 1.0)], ["k", "v"])
    assert results_match(gold, frame([("y", 1), ("x", None)], ["k", "v"]))
    assert not results_match(gold, frame([("y", 1), ("x", 0)], ["k", "v"]))


def test_gold_columns_with_equal_values_need_distinct_predicted_columns() -> None:
    gold = frame([(1, 1), (2, 2)], ["this_week", "last_week"])
    assert results_match(gold, frame([(1, 1), (2, 2)], ["a", "b"]))
    assert not results_match(gold, frame([(1,), (2,)], ["a"]))  # one column cannot serve twice
    assert results_match(gold, frame([("x", 1, 1), ("y", 2, 2)], ["k", "a", "b"]))


def test_assignment_is_searched_not_greedy() -> None:
    # Both numeric predicted columns hold the gold multiset {1, 2}; only the second pairs with
    # the names correctly, so a greedy first pick would wrongly fail.
    gold = frame([("a", 1), ("b", 2)], ["name", "n"])
    predicted = frame([(2, "a", 1), (1, "b", 2)], ["decoy", "name", "n"])
    assert results_match(gold, predicted)
    assert results_match(gold, predicted, ordered=True)


def test_duplicate_predicted_column_names() -> None:
    gold = frame([("Ann", "Lee", 5.0)], ["first_name", "last_name", "sales"])
    predicted = pd.DataFrame([["Ann", "Lee", 5.0]], columns=["name", "name", "sales"])
    assert results_match(gold, predicted)


def test_empty_results() -> None:
    assert rows_match([], [], ordered=False)
    assert not rows_match([], [(1.0,)], ordered=False)


def test_describe_difference() -> None:
    lines = describe_difference([("a", 1.0), ("b", 2.0)], [("a", 1.0), ("c", 2.0)])
    assert any("only in gold" in line and "'b'" in line for line in lines)
    assert any("only in predicted" in line and "'c'" in line for line in lines)
    assert "same rows in a different order" in describe_difference(
        [(1.0,), (2.0,)], [(2.0,), (1.0,)]
    )


def test_percentile() -> None:
    values = [float(v) for v in range(1, 201)]
    assert percentile(values, 0.99) == 198.0
    assert percentile([], 0.99) == 0.0


# -- the question file -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    return load_questions()


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from bot.sample.generator import generate_sample_db

    path = tmp_path_factory.mktemp("bench") / "sample.db"
    generate_sample_db(path, seed=runner.SAMPLE_SEED, end=runner.SAMPLE_END)
    return path


@pytest.fixture(scope="module")
def trust_entries() -> list[Entry]:
    if not TRUST_FILE.exists():
        pytest.skip(f"{TRUST_FILE.name} is not written yet (the examiner's file)")
    return runner.load_set(runner.SETS["trust"])


def gold_steps(entries: list[Entry]) -> Iterator[tuple[str, Step]]:
    for entry in entries:
        for index, step in enumerate(entry.steps):
            if step.gold is not None:
                yield f"{entry.id}.{index + 1}", step


def test_question_file_size_and_categories(entries: list[Entry]) -> None:
    per_category = Counter(e.category for e in entries for _ in e.steps)
    assert sum(per_category.values()) >= MIN_JUDGED_STEPS
    assert set(per_category) == set(CATEGORIES)
    chains = [e for e in entries if e.category == "follow-ups"]
    assert len(chains) >= 8
    assert all(2 <= len(e.steps) <= 4 for e in chains)
    assert all(len(e.steps) == 1 for e in entries if e.category != "follow-ups")
    assert all(s.clarify for e in entries if e.category == "clarifications" for s in e.steps)
    assert per_category["clarifications"] >= 8


def test_every_time_word_is_asked(entries: list[Entry]) -> None:
    asked = " | ".join(
        s.question.lower() for e in entries if e.category == "time-words" for s in e.steps
    )
    patterns = [
        r"\btoday\b", r"\byesterday\b", r"this week", r"last week", r"this month",
        r"last month", r"this year", r"last year", r"this quarter", r"last quarter",
        r"last \d+ days", r"past \d+ days", r"in march\b(?! \d)", r"in march \d{4}",
        r"in q\d", r"on \d+/\d+/\d{4}", r"on february \d+(st|nd|rd|th)", r"on feb \d+",
        r"between .+ and ", r"from .+ to ", r"year to date", r"month to date",
    ]  # fmt: skip
    missing = [p for p in patterns if not re.search(p, asked)]
    assert not missing, f"time words never asked: {missing}"


def test_question_file_uses_the_old_form(entries: list[Entry]) -> None:
    expects = Counter(s.expect for e in entries for s in e.steps)
    assert set(expects) == {"gold", "clarify"}
    assert expects["clarify"] == sum(s.clarify for e in entries for s in e.steps)


def test_every_gold_statement_runs_and_returns_rows(entries: list[Entry], sample: Path) -> None:
    assert_gold_runs(entries, sample)


def assert_gold_runs(entries: list[Entry], sample: Path) -> None:
    problems: list[str] = []
    with closing(sqlite3.connect(f"file:{sample}?mode=ro", uri=True)) as conn:
        for step_id, step in gold_steps(entries):
            assert step.gold is not None
            try:
                rows = conn.execute(step.gold).fetchall()
            except sqlite3.Error as exc:
                problems.append(f"{step_id}: {exc}")
                continue
            if not rows or all(v is None for row in rows for v in row):
                problems.append(f"{step_id}: no rows ({step.question!r})")
    assert not problems, "\n".join(problems)


# -- the trust file (skipped until the examiner has written it) ---------------------------------


def test_trust_file_size_and_expectations(trust_entries: list[Entry]) -> None:
    steps = [s for e in trust_entries for s in e.steps]
    assert len(steps) >= MIN_TRUST_STEPS
    assert all(s.expect in EXPECT_KINDS for s in steps)
    assert all(s.gold is not None for s in steps if s.expect == "gold")
    assert all(e.category.strip() for e in trust_entries)
    ids = [e.id for e in trust_entries]
    assert len(ids) == len(set(ids))


def test_every_trust_gold_statement_runs_and_returns_rows(
    trust_entries: list[Entry], sample: Path
) -> None:
    assert_gold_runs(trust_entries, sample)  # the gold of "cannot" steps too


# -- reading question files ------------------------------------------------------------------------


def test_the_expect_form_and_chains_are_read(tmp_path: Path) -> None:
    path = tmp_path / "set.yaml"
    path.write_text(
        """
- {id: a, category: anything, question: q, expect: gold, gold: SELECT 1, why: plain}
- {id: b, category: anything, question: payroll, expect: out_of_scope}
- {id: c, category: other, question: median tip, expect: cannot, gold: SELECT 2}
- {id: d, category: other, question: sales, expect: clarify, options_include: [Sales]}
- id: e
  category: chains
  chain:
    - {question: q1, expect: gold, gold: SELECT 1, ordered: true}
    - {question: q2, expect: cannot}
    - {question: q3, gold: SELECT 3}
    - {question: q4, clarify: true, or_not_understood: true}
""",
        encoding="utf-8",
    )
    entries = load_questions(path, categories=None)
    steps = {f"{e.id}.{i + 1}": s for e in entries for i, s in enumerate(e.steps)}
    assert {k: s.expect for k, s in steps.items()} == {
        "a.1": "gold",
        "b.1": "out_of_scope",
        "c.1": "cannot",
        "d.1": "clarify",
        "e.1": "gold",
        "e.2": "cannot",
        "e.3": "gold",
        "e.4": "clarify",
    }
    assert steps["a.1"].why == "plain" and steps["c.1"].gold == "SELECT 2"
    assert steps["d.1"].clarify and steps["d.1"].options_include == ("sales",)
    assert steps["e.1"].ordered and steps["e.4"].or_not_understood
    with pytest.raises(SetupError):  # questions.yaml keeps its fixed categories
        load_questions(path)


def test_sets_are_found_by_name_or_path(tmp_path: Path) -> None:
    assert runner.resolve_set("questions") == runner.SETS["questions"]
    assert runner.resolve_set(str(runner.QUESTIONS_FILE)) == runner.SETS["questions"]
    other = runner.resolve_set(str(tmp_path / "mine.yaml"))
    assert other.name == "mine" and other.categories is None
    names = [s.name for s in runner.default_sets()]
    assert names == (["questions", "trust"] if TRUST_FILE.exists() else ["questions"])
    with pytest.raises(SetupError):
        runner.load_set(other)  # no such file


def test_malformed_question_files_are_refused(tmp_path: Path) -> None:
    bad = {
        "duplicate": "- {id: a, category: counts, question: q, gold: SELECT 1}\n" * 2,
        "category": "- {id: a, category: nope, question: q, gold: SELECT 1}\n",
        "both": "- {id: a, category: counts, question: q, gold: SELECT 1, clarify: true}\n",
        "neither": "- {id: a, category: counts, question: q}\n",
        "typo": "- {id: a, category: counts, question: q, gold: SELECT 1, orderd: true}\n",
        "expect": "- {id: a, category: counts, question: q, expect: maybe}\n",
        "gold-less": "- {id: a, category: counts, question: q, expect: gold}\n",
        "contradiction": "- {id: a, category: counts, question: q, expect: cannot, "
        "clarify: true}\n",
        "options": "- {id: a, category: counts, question: q, expect: out_of_scope, "
        "options_include: [x]}\n",
        "chain-keys": "- {id: a, category: follow-ups, expect: cannot, chain: [{question: q, "
        "expect: cannot}]}\n",
        "no-category": "- {id: a, question: q, expect: cannot}\n",
    }
    for name, text in bad.items():
        path = tmp_path / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(SetupError):
            load_questions(path, categories=None if name == "no-category" else CATEGORIES)


# -- the runner, with a fake system under test -----------------------------------------------------


class FakeUnderstanding:
    """Answers from a script: question → outcome (or an exception to raise)."""

    def __init__(self, script: dict[str, Understood | Exception]) -> None:
        self.script = script
        self.previous: list[QueryPlan | None] = []

    def understand(self, question: str, previous: QueryPlan | None = None) -> Understood:
        self.previous.append(previous)
        answer = self.script[question]
        if isinstance(answer, Exception):
            raise answer
        return answer


def answer(
    sql: str,
    compare: str | None = None,
    subject: str = "orders",
    *,
    unused: tuple[str, ...] = (),
    explanation: str = "",
) -> Answerable:
    return Answerable(
        QueryPlan(subject=subject),
        BuiltQuery(sql),
        BuiltQuery(compare) if compare else None,
        explanation=explanation,
        interpretation=Interpretation(unused=unused),
    )


COMPLETED_MAY = (
    "status = 7 AND deleted_at IS NULL AND created_at >= '2025-05-01 00:00:00' "
    "AND created_at < '2025-06-01 00:00:00'"
)
COMPLETED_APRIL = COMPLETED_MAY.replace("05-01", "04-01").replace("06-01", "05-01")


async def judge(
    entries: list[Entry], fake: FakeUnderstanding, sample: Path
) -> tuple[list[runner.StepOutcome], list[float]]:
    data = DataAccess(f"sqlite+aiosqlite:///{sample}")
    try:
        gold = await runner.gold_results(entries, data)
        return await runner.evaluate(entries, fake, data, gold)
    finally:
        await data.dispose_async()


async def test_runner_judges_without_crashing(sample: Path) -> None:
    count_may = f"SELECT COUNT(*) FROM orders WHERE {COMPLETED_MAY}"
    count_april = f"SELECT COUNT(*) FROM orders WHERE {COMPLETED_APRIL}"
    entries = [
        Entry("ok", "counts", (Step("right", gold=count_may),)),
        Entry("raises", "counts", (Step("boom", gold=count_may),)),
        Entry("bad-sql", "counts", (Step("bad", gold=count_may),)),
        Entry("unsure", "counts", (Step("unsure", gold=count_may),)),
        Entry("cmp", "comparisons", (Step("cmp", gold=f"SELECT ({count_may}), ({count_april})"),)),
        Entry("clar", "clarifications", (Step("c", clarify=True, options_include=("sales",)),)),
        Entry("clar-miss", "clarifications", (Step("c2", clarify=True, options_include=("x",)),)),
        Entry("hi", "clarifications", (Step("hi", clarify=True, or_not_understood=True),)),
        Entry(
            "chain",
            "follow-ups",
            (Step("first", gold=count_may), Step("second", gold=count_april)),
        ),
    ]
    first = answer(f"SELECT 'x' AS extra, COUNT(*) AS n FROM orders WHERE {COMPLETED_MAY}")
    ask = Clarification("Which one?", (ClarificationOption("Sales last month"),))
    fake = FakeUnderstanding(
        {
            "right": answer(f"SELECT COUNT(*) AS n FROM orders WHERE {COMPLETED_MAY}"),
            "boom": RuntimeError("parser exploded"),
            "bad": answer("SELECT nope FROM nowhere"),
            "unsure": ask,
            "cmp": answer(count_may, compare=count_april),
            "c": ask,
            "c2": ask,
            "hi": NotUnderstood("small talk", kind="small_talk"),
            "first": first,
            "second": answer(count_april),
        }
    )
    outcomes, timings = await judge(entries, fake, sample)

    verdicts = {o.step_id: o.correct for o in outcomes}
    assert verdicts == {
        "ok.1": True,
        "raises.1": False,
        "bad-sql.1": False,
        "unsure.1": False,
        "cmp.1": True,
        "clar.1": True,
        "clar-miss.1": False,
        "hi.1": True,
        "chain.1": True,
        "chain.2": True,
    }
    by_id = {o.step_id: o for o in outcomes}
    assert "parser exploded" in by_id["raises.1"].detail
    assert "predicted SQL failed" in by_id["bad-sql.1"].detail
    assert by_id["raises.1"].verdict == by_id["bad-sql.1"].verdict == runner.ERROR
    assert by_id["unsure.1"].honest_miss and by_id["clar-miss.1"].honest_miss
    assert not any(o.confident_wrong for o in outcomes)
    assert len(timings) == len(outcomes) == 10
    # the chain's second step saw the first step's plan (in both the warm-up and timed pass)
    assert fake.previous.count(first.plan) == 2

    result = runner.SetResult(QuestionSet("fake", Path("fake.yaml")), entries, outcomes, timings)
    summary = runner.summarize([result], database="test")
    assert summary["total"]["questions"] == 10
    assert summary["total"]["correct"] == 6
    assert summary["total"]["errors"] == 2 and summary["total"]["honest_misses"] == 2
    [fake_set] = summary["sets"]
    assert [c["category"] for c in fake_set["categories"]] == [
        "counts",
        "comparisons",
        "clarifications",
        "follow-ups",
    ]
    report = runner.format_report(summary, [result], verbose=True)
    assert "total" in report and "parser exploded" in report and "p99" in report
    assert "confident wrong" in report


async def test_expect_kinds_and_confident_wrong(sample: Path) -> None:
    count_may = f"SELECT COUNT(*) FROM orders WHERE {COMPLETED_MAY}"
    count_april = f"SELECT COUNT(*) FROM orders WHERE {COMPLETED_APRIL}"
    right_may = answer(count_may, explanation="Counted completed orders · May 2025")
    wrong_april = answer(count_april, explanation="Counted completed orders · April 2025")
    ask = Clarification("Which one?", (ClarificationOption("Sales last month"),), reason="vague")
    script: dict[str, Understood | Exception] = {
        "gold-right": right_may,
        "gold-wrong": wrong_april,  # a wrong number, every word used: the worst defect
        "gold-unused": answer(count_april, unused=("tips",)),  # wrong but says what it left out
        "gold-refused": NotUnderstood("no", kind="cannot"),
        "oos-right": NotUnderstood("I don't have data about payroll", kind="out_of_scope"),
        "oos-answered": right_may,
        "oos-other": NotUnderstood("cannot", kind="cannot"),
        "cannot-cannot": NotUnderstood("median is not supported yet", kind="cannot"),
        "cannot-unsupported": NotUnderstood("?", kind="unsupported"),
        "cannot-asked": ask,
        "cannot-future": right_may,  # a later version answers it, and right
        "cannot-answered": wrong_april,
        "cannot-no-gold": right_may,
        "cannot-oos": NotUnderstood("payroll", kind="out_of_scope"),
        "clarify-answered": answer(count_may, unused=("best",)),
        "clarify-refused": NotUnderstood("nope", kind="cannot"),
    }
    expect = {
        "gold-right": "gold",
        "gold-wrong": "gold",
        "gold-unused": "gold",
        "gold-refused": "gold",
        "oos-right": "out_of_scope",
        "oos-answered": "out_of_scope",
        "oos-other": "out_of_scope",
        "cannot-cannot": "cannot",
        "cannot-unsupported": "cannot",
        "cannot-asked": "cannot",
        "cannot-future": "cannot",
        "cannot-answered": "cannot",
        "cannot-no-gold": "cannot",  # no gold: any answer is wrong
        "cannot-oos": "cannot",
        "clarify-answered": "clarify",
        "clarify-refused": "clarify",
    }
    entries = [
        Entry(
            question,
            kind,
            (
                Step(
                    question,
                    gold=count_may
                    if kind in {"gold", "cannot"} and "no-gold" not in question
                    else None,
                    expect=kind,
                ),
            ),
        )
        for question, kind in expect.items()
    ]
    outcomes, timings = await judge(entries, FakeUnderstanding(script), sample)
    verdicts = {o.entry_id: o.verdict for o in outcomes}
    assert verdicts == {
        "gold-right": "right",
        "gold-wrong": runner.CONFIDENT_WRONG,
        "gold-unused": runner.HONEST_MISS,
        "gold-refused": runner.HONEST_MISS,
        "oos-right": "right",
        "oos-answered": runner.CONFIDENT_WRONG,
        "oos-other": runner.HONEST_MISS,
        "cannot-cannot": "right",
        "cannot-unsupported": "right",
        "cannot-asked": "right",
        "cannot-future": "right",
        "cannot-answered": runner.CONFIDENT_WRONG,
        "cannot-no-gold": runner.CONFIDENT_WRONG,
        "cannot-oos": runner.HONEST_MISS,
        "clarify-answered": runner.HONEST_MISS,
        "clarify-refused": runner.HONEST_MISS,
    }
    assert all(o.correct == (o.verdict == "right") for o in outcomes)
    by_id = {o.entry_id: o for o in outcomes}
    assert by_id["gold-wrong"].explanation == "Counted completed orders · April 2025"
    assert by_id["gold-unused"].unused == ("tips",)
    assert by_id["oos-right"].outcome == "not-understood (out_of_scope)"

    result = runner.SetResult(QuestionSet("t", Path("t.yaml")), entries, outcomes, timings)
    summary = runner.summarize([result, result], database="test")
    first = summary["sets"][0]
    assert first["confident_wrong"] == 4 and first["honest_misses"] == 6 and first["correct"] == 6
    assert summary["total"]["confident_wrong"] == 8 and summary["total"]["questions"] == 32
    per_category = {c["category"]: c for c in first["categories"]}
    assert per_category["cannot"]["confident_wrong"] == 2
    assert per_category["cannot"]["accuracy"] == 57.1
    wrong = {w["id"]: w for w in first["wrong"]}
    assert wrong["gold-unused.1"]["unused"] == ["tips"]
    assert wrong["gold-wrong.1"]["verdict"] == "confident_wrong"
    report = runner.format_report(summary, [result, result], verbose=True)
    assert "expect: cannot; outcome: answer; verdict: confident_wrong" in report
    assert "explanation: 'Counted completed orders · April 2025'" in report
    assert "unused: ['tips']" in report
    assert "all sets: 12/32 right (37.5%), confident wrong 8" in report


def test_main_reports_a_broken_setup(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    assert runner.main(["--db", str(missing)], out=lambda _: None) == runner.EXIT_SETUP_BROKEN
    no_set = ["--set", str(tmp_path / "none.yaml")]
    assert runner.main(no_set, out=lambda _: None) == runner.EXIT_SETUP_BROKEN
    broken = tmp_path / "broken.yaml"
    broken.write_text("- {id: a, category: x, question: q, expect: maybe}\n", encoding="utf-8")
    assert runner.main(["--set", str(broken)], out=lambda _: None) == runner.EXIT_SETUP_BROKEN
