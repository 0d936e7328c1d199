"""The benchmark's questions answered on the sample data loaded into PostgreSQL give the same
rows as on SQLite (the builder writes each dialect; the guard checks both)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench.understanding.pg_load import load_into_postgres
from bench.understanding.runner import frame_rows, load_questions, rows_match
from bot.data import DataAccess
from bot.understanding.outcomes import Answerable
from bot.understanding.pipeline import Understanding
from bot.understanding.plan import QueryPlan
from tests.conftest import SAMPLE_NOW

pytestmark = pytest.mark.postgres


async def answers(
    understanding: Understanding, data: DataAccess
) -> dict[str, tuple[str, list[Any]] | None]:
    """Each step's (SQL, rows) by step id; None where the answer is not SQL."""
    results: dict[str, tuple[str, list[Any]] | None] = {}
    for entry in load_questions():
        previous: QueryPlan | None = None
        for index, step in enumerate(entry.steps, start=1):
            result = understanding.understand(step.question, previous)
            previous = result.plan if isinstance(result, Answerable) else None
            if not isinstance(result, Answerable):
                results[f"{entry.id}.{index}"] = None
                continue
            frame = await data.query_to_dataframe_async(result.query.sql, result.query.params)
            results[f"{entry.id}.{index}"] = (result.query.sql, frame_rows(frame))
    return results


async def test_same_rows_on_postgresql_and_sqlite(sample_db: Path, postgres_url: str) -> None:
    await load_into_postgres(sample_db, postgres_url)
    model = Path(f"{sample_db}.swoop.yaml")
    sqlite = DataAccess(f"sqlite+aiosqlite:///{sample_db}")
    postgres = DataAccess(postgres_url)
    try:
        on_sqlite = await answers(
            await Understanding.load_async(sqlite, model, now=SAMPLE_NOW), sqlite
        )
        on_postgres = await answers(
            await Understanding.load_async(postgres, model, now=SAMPLE_NOW), postgres
        )
    finally:
        await sqlite.dispose_async()
        await postgres.dispose_async()
    assert on_sqlite.keys() == on_postgres.keys()
    compared = 0
    for step, lite in on_sqlite.items():
        pg = on_postgres[step]
        assert (lite is None) == (pg is None), step
        if lite is None or pg is None:
            continue
        ordered = "ORDER BY" in lite[0].upper()
        assert rows_match(lite[1], pg[1], ordered=ordered), (step, lite[0], pg[0])
        compared += 1
    assert compared >= 190
