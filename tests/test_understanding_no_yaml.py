"""With no semantic-model file, names, foreign keys and sampled values answer simple questions."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.data import ActionStatement, DataAccess
from bot.understanding.outcomes import Answerable
from bot.understanding.pipeline import Understanding

LIBRARY = [
    "CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL, country TEXT)",
    "CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT NOT NULL, price REAL, "
    "author_id INTEGER REFERENCES authors(id), published_at TEXT)",
    "CREATE TABLE loans (id INTEGER PRIMARY KEY, book_id INTEGER REFERENCES books(id), "
    "created_at TEXT)",
    "INSERT INTO authors VALUES (1, 'Ursula Le Guin', 'US'), (2, 'Terry Pratchett', 'UK')",
    "INSERT INTO books VALUES (1, 'The Dispossessed', 12.5, 1, '1974-05-01'), "
    "(2, 'Small Gods', 9.0, 2, '1992-05-01'), (3, 'Mort', 8.0, 2, '1987-11-12')",
    "INSERT INTO loans VALUES (1, 1, '2025-06-01 10:00:00'), (2, 2, '2025-06-02 11:00:00'), "
    "(3, 3, '2025-06-03 12:00:00'), (4, 2, '2025-06-10 09:00:00')",
]


@pytest.fixture
def library(tmp_path: Path) -> Understanding:
    async def load() -> Understanding:
        data = DataAccess(f"sqlite+aiosqlite:///{tmp_path / 'library.db'}")
        try:
            await data.execute_action_async([ActionStatement(s) for s in LIBRARY])
            return await Understanding.load_async(data)
        finally:
            await data.dispose_async()

    return asyncio.run(load())


def run(tmp_path: Path, u: Understanding, question: str) -> list[tuple[object, ...]]:
    import sqlite3

    result = u.understand(question)
    assert isinstance(result, Answerable), f"{question} → {result}"
    with sqlite3.connect(tmp_path / "library.db") as conn:
        return conn.execute(result.query.sql, result.query.params).fetchall()


def test_counts_breakdowns_and_values_without_yaml(tmp_path: Path, library: Understanding) -> None:
    assert run(tmp_path, library, "how many books") == [(3,)]
    assert run(tmp_path, library, "how many loans by author") == [
        ("Terry Pratchett", 3),
        ("Ursula Le Guin", 1),
    ]
    assert run(tmp_path, library, "number of loans of small gods") == [(2,)]
    assert sorted(run(tmp_path, library, "list books by terry pratchet")) == [
        ("Mort", 8.0),
        ("Small Gods", 9.0),
    ]
    assert run(tmp_path, library, "average price of books") == [(9.833333333333334,)]
