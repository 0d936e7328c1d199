"""Shared fixtures: real SQLite files and a fresh database on the real PostgreSQL server.

PostgreSQL tests are marked ``postgres``. Without a server they skip with the reason, except in CI
(``CI=true``), where a missing server is a failure.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import asyncpg
import pytest

if TYPE_CHECKING:
    from bot.understanding.pipeline import Understanding

PG_ADMIN_DSN = os.environ.get("SWOOP_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Keep tests away from the developer's ~/.swoop, .env and real platform credentials."""
    for key in list(os.environ):
        if key.startswith(("SWOOP_", "SLACK_", "DISCORD_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("SWOOP_HOME", str(tmp_path / "swoop-home"))
    monkeypatch.chdir(tmp_path)
    yield


async def _admin_connection() -> asyncpg.Connection:
    try:
        return await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        message = f"PostgreSQL is not reachable at {PG_ADMIN_DSN}: {exc}"
        if IN_CI:
            pytest.fail(message + " (CI=true: a missing server is a failure)")
        pytest.skip(message)


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards (asyncpg URL)."""
    name = f"swoop_test_{uuid.uuid4().hex[:12]}"
    admin = await _admin_connection()
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    finally:
        admin = await _admin_connection()
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite file URL in the test's temporary directory (the file does not exist yet)."""
    return f"sqlite+aiosqlite:///{tmp_path / 'data.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """Each test using it runs twice: on a SQLite file and on a fresh PostgreSQL database."""
    return str(
        request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    )


SAMPLE_NOW = datetime(2025, 6, 15, 12, 0)  # a Sunday, the sample's last day


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample club database (seed 7, ending 2025-06-15), written once per test session."""
    from bot.sample.generator import generate_sample_db

    path = tmp_path_factory.mktemp("sample") / "sample.db"
    generate_sample_db(path, seed=7, end=date(2025, 6, 15))
    return path


@pytest.fixture(scope="module")
def understanding(sample_db: Path) -> Understanding:
    """The understanding pipeline on the sample database, at ``SAMPLE_NOW`` (read-only use)."""
    from bot.data import DataAccess
    from bot.understanding.pipeline import Understanding

    async def load() -> Understanding:
        data = DataAccess(f"sqlite+aiosqlite:///{sample_db}")
        try:
            return await Understanding.load_async(
                data, Path(f"{sample_db}.swoop.yaml"), now=SAMPLE_NOW
            )
        finally:
            await data.dispose_async()

    return asyncio.run(load())
