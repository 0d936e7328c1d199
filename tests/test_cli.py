"""The command line contract: sample-db, run and chat, as a new user would call them."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main


def swoop(
    *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_sample_db_writes_the_database_and_its_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "s.db"
    assert main(["sample-db", str(target), "--seed", "7", "--end", "2025-06-15"]) == 0
    out = capsys.readouterr().out
    assert "50,164 orders" in out
    assert Path(str(target) + ".swoop.yaml").exists()
    with sqlite3.connect(target) as conn:
        last = conn.execute("SELECT max(created_at) FROM orders").fetchone()[0]
    assert last.startswith("2025-06-15")


def test_sample_db_rejects_a_bad_date(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["sample-db", "x.db", "--end", "June"])
    assert exit_info.value.code == 2
    assert "is not a date" in capsys.readouterr().err


def test_run_without_credentials_starts_the_chat_and_exits_at_end_of_input(tmp_path: Path) -> None:
    result = swoop("run", stdin="how many locations are there?\n:quit\n")
    assert result.returncode == 0, result.stderr
    assert "No Slack or Discord credentials" in result.stderr
    assert "3 locations" in result.stdout
    assert (tmp_path / "swoop-home" / "sample.db").exists()


def test_run_with_stdin_closed_exits_cleanly() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_configuration_names_the_key_and_exits_2() -> None:
    result = swoop("run", env={"SWOOP_ROW_CAP": "many"})
    assert result.returncode == 2
    assert "SWOOP_ROW_CAP" in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_data_source_is_reported_without_password() -> None:
    result = swoop(
        "chat", env={"SWOOP_DATABASE_URL": "postgresql+asyncpg://u:topsecret@127.0.0.1:1/x"}
    )
    assert result.returncode == 1
    assert "not reachable" in result.stdout + result.stderr
    assert "topsecret" not in result.stdout + result.stderr


def test_no_command_prints_help() -> None:
    result = swoop()
    assert result.returncode == 2
    assert "sample-db" in result.stdout
