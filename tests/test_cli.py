"""The command line contract: sample-db, run and chat, as a new user would call them."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from adapters.cli import main


def swoop(
    *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "adapters.cli", *args],
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
        [sys.executable, "-m", "adapters.cli", "run"],
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


def sample_env(sample_db: Path) -> dict[str, str]:
    return {"SWOOP_DATABASE_URL": f"sqlite+aiosqlite:///{sample_db}"}


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_ask_with_a_thread_continues_the_conversation(sample_db: Path) -> None:
    env = sample_env(sample_db)
    now = ["--now", "2025-06-15T12:00", "--thread", "t1", "--json"]
    first = swoop("ask", *now, "how many orders did we complete last week?", env=env)
    second = swoop("ask", *now, "and the week before?", env=env)
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    [a], [b] = json_lines(first.stdout), json_lines(second.stdout)
    with sqlite3.connect(sample_db) as conn:
        expected = [
            conn.execute(
                "SELECT count(*) FROM orders WHERE status = 7 AND deleted_at IS NULL "
                "AND created_at >= ? AND created_at < ?",
                span,
            ).fetchone()[0]
            for span in (("2025-06-02", "2025-06-09"), ("2025-05-26", "2025-06-02"))
        ]
    assert [a["rows"], b["rows"]] == [[[expected[0]]], [[expected[1]]]]
    assert a["type"] == "data" and a["columns"] == ["orders"] and a["sql"]
    assert set(a) >= {
        "type", "text", "sql", "columns", "rows", "options", "query_id", "explanation", "unused"
    }  # fmt: skip
    assert a["unused"] == b["unused"] == []  # every word of both questions was used
    assert isinstance(a["explanation"], str) and "last week (Jun 2–8)" in a["explanation"]
    assert isinstance(b["explanation"], str) and "(May 26 – Jun 1)" in b["explanation"]


def test_ask_shows_the_explanation_under_the_table(sample_db: Path) -> None:
    env = {**sample_env(sample_db), "COLUMNS": "200"}  # rich wraps at the terminal's width
    question = ["--now", "2025-06-15T12:00", "sales by location last week"]
    shown = swoop("ask", *question, env=env)
    as_json = swoop("ask", "--json", *question, env=env)
    assert shown.returncode == as_json.returncode == 0, shown.stderr + as_json.stderr
    [answer] = json_lines(as_json.stdout)
    lines = [line.strip() for line in shown.stdout.splitlines() if line.strip()]
    assert lines[0] == answer["text"]
    assert any("Oak Hollow Country Club" in line for line in lines[1:-1])  # the table
    assert isinstance(answer["explanation"], str) and "by location" in answer["explanation"]
    assert lines[-1] == answer["explanation"]  # one line, under the table


def test_ask_batch_reads_stdin_and_a_clarification_round_trip(sample_db: Path) -> None:
    questions = "how many chicken salads did we sell last week\n2\ntell me a joke\n"
    result = swoop(
        "ask", "--json", "--now", "2025-06-15T12:00", stdin=questions, env=sample_env(sample_db)
    )
    assert result.returncode == 0, result.stderr
    clarification, answer, joke = json_lines(result.stdout)
    assert clarification["type"] == "clarification"
    assert [o["label"] for o in clarification["options"]] == [
        "Chicken Salad Sandwich (item)",
        "Grilled Chicken Salad (item)",
    ]
    assert answer["type"] == "data" and "Grilled Chicken Salad" in str(answer["text"])
    assert joke["type"] == "help" and joke["sql"] is None
    assert (joke["explanation"], joke["unused"]) == (None, [])  # present for every kind
    assert clarification["explanation"] is None and clarification["unused"] == []


def test_feedback_from_the_terminal_shows_in_feedback_stats(sample_db: Path) -> None:
    env = sample_env(sample_db)
    chat = swoop("chat", "--now", "2025-06-15T12:00", stdin="tips yesterday\n:bad\n", env=env)
    assert chat.returncode == 0, chat.stderr
    assert "I'll learn from that" in chat.stdout
    stats = swoop("feedback-stats", "--json", env=env)
    data = json.loads(stats.stdout)
    assert (data["ratings"], data["not_helpful"]) == (1, 1)
    assert data["least_liked"][0]["question"] == "tips yesterday"
    text = swoop("feedback-stats", env=env)
    assert "1 ratings: 0 👍, 1 👎" in text.stdout


def test_ask_error_answers_exit_zero(sample_db: Path) -> None:
    result = swoop("ask", "--json", "sales of the lobster roll", env=sample_env(sample_db))
    assert result.returncode == 0
    [answer] = json_lines(result.stdout)
    assert answer["type"] == "error" and "lobster roll" in str(answer["text"])


def test_a_change_through_ask_with_a_thread_and_the_audit_log(
    sample_db: Path, tmp_path: Path
) -> None:
    db = tmp_path / "club.db"
    db.write_bytes(sample_db.read_bytes())
    Path(f"{db}.swoop.yaml").write_bytes(Path(f"{sample_db}.swoop.yaml").read_bytes())
    env = {"SWOOP_DATABASE_URL": f"sqlite+aiosqlite:///{db}", "SWOOP_ADMINS": "terminal:ann"}

    def ask(text: str, user: str = "ann") -> dict[str, Any]:
        result = swoop("ask", "--json", "--thread", "c1", "--user", user, text, env=env)
        assert result.returncode == 0, result.stderr
        [answer] = json_lines(result.stdout)
        return answer

    def club_sandwich() -> float:
        with sqlite3.connect(db) as conn:
            return float(
                conn.execute("SELECT price FROM items WHERE name = 'Club Sandwich'").fetchone()[0]
            )

    assert ask("set the price of the club sandwich to $14.50")["type"] == "confirmation"
    assert ask("no")["type"] == "action" and club_sandwich() == 13.95
    refused = ask("set the price of the club sandwich to $14.50", user="bob")
    assert refused["type"] == "error" and "ann" in str(refused["text"])
    asked = ask("set the price of the club sandwich to $14.50")
    assert [o["label"] for o in asked["options"]] == ["Confirm", "Cancel"]
    assert ask("yes")["type"] == "action" and club_sandwich() == 14.50
    assert "$14.50" in str(ask("what's the price of the club sandwich")["text"])
    assert ask("undo")["type"] == "action" and club_sandwich() == 13.95
    audit = swoop("audit", "--json", env=env)
    entries = json_lines(audit.stdout)
    assert [e["status"] for e in entries] == ["undo", "undone"]
    assert entries[1]["user"] == "terminal:ann" and entries[1]["rowcount"] == 1
