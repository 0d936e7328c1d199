"""Help, greeting, scope answer, examples and hints speak the model's words, on any database.

A small clinic database (another field entirely) is written to a real SQLite file, once with no
model file and once with one; nothing Swoop offers it may mention the sample's restaurant words.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from bot import topics
from bot.config import load_settings
from bot.data import DataAccess
from bot.messages import Message, ResponseKind
from bot.processor import QueryProcessor
from bot.understanding.model import SemanticModel
from bot.understanding.outcomes import Answerable
from bot.understanding.pipeline import Understanding
from tests.conftest import SAMPLE_NOW

RESTAURANT_WORDS = re.compile(
    r"menu|club|order|item|member|sale|location|categor|rating|golf|dish|food|caesar|86",
    re.IGNORECASE,
)
CLINIC_SCHEMA = """
CREATE TABLE doctors (id INTEGER PRIMARY KEY, name TEXT, specialty TEXT);
CREATE TABLE patients (id INTEGER PRIMARY KEY, full_name TEXT, born DATE);
CREATE TABLE appointments (
    id INTEGER PRIMARY KEY,
    patient_id INTEGER REFERENCES patients(id),
    doctor_id INTEGER REFERENCES doctors(id),
    created_at TIMESTAMP,
    fee NUMERIC,
    status TEXT
);
CREATE TABLE doctor_patients (
    doctor_id INTEGER REFERENCES doctors(id),
    patient_id INTEGER REFERENCES patients(id),
    PRIMARY KEY (doctor_id, patient_id)
);
INSERT INTO doctors VALUES (1, 'Dr Ada Grey', 'cardiology'), (2, 'Dr Bo Lind', 'dermatology');
INSERT INTO patients VALUES (1, 'Cy Moss', '1980-01-01'), (2, 'Di Park', '1990-02-02');
INSERT INTO appointments VALUES
    (1, 1, 1, '2025-06-10 09:00:00', 120.0, 'done'),
    (2, 2, 2, '2025-06-11 10:00:00', 80.5, 'done'),
    (3, 1, 2, '2025-06-03 10:00:00', 80.5, 'done');
"""
CLINIC_MODEL = """\
version: 1
tables:
  doctors: {label: physicians, synonyms: [doctor, doctors]}
  appointments: {label: visits, synonyms: [appointment, appointments]}
metrics:
  visits: {expr: "COUNT(DISTINCT appointments.id)", table: appointments, format: count}
  billed: {expr: "SUM(appointments.fee)", table: appointments, label: billing, format: money}
"""
CLINIC_EXAMPLES = """\
examples:
  - how many visits last week
  - billing by physician this month
"""


@pytest.fixture
def clinic_db(tmp_path: Path) -> Path:
    path = tmp_path / "clinic.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(CLINIC_SCHEMA)
    return path


async def load(database: Path, model_file: str | None, tmp_path: Path) -> Understanding:
    path = None
    if model_file is not None:
        path = tmp_path / "clinic.swoop.yaml"
        path.write_text(model_file)
    data = DataAccess(f"sqlite+aiosqlite:///{database}")
    try:
        return await Understanding.load_async(data, path, now=SAMPLE_NOW)
    finally:
        await data.dispose_async()


@pytest.fixture(params=["no model file", "model file", "model file with examples"])
async def clinic(
    request: pytest.FixtureRequest, clinic_db: Path, tmp_path: Path
) -> AsyncIterator[Understanding]:
    model_file = {
        "no model file": None,
        "model file": CLINIC_MODEL,
        "model file with examples": CLINIC_MODEL + CLINIC_EXAMPLES,
    }[request.param]
    yield await load(clinic_db, model_file, tmp_path)


def offered_texts(model: SemanticModel) -> list[str]:
    """Everything Swoop says about what it can do, as a person would read it."""
    return [
        topics.help_text(model),
        topics.greeting(model),
        topics.scope_answer(model),
        topics.subjects_sentence(model),
        *topics.example_questions(model),
        *topics.error_hints(model).values(),
    ]


async def test_no_text_offered_on_a_clinic_mentions_a_restaurant(clinic: Understanding) -> None:
    for text in offered_texts(clinic.model):
        assert not RESTAURANT_WORDS.search(text), text
    assert "appointments" in topics.help_text(clinic.model) or "visits" in topics.help_text(
        clinic.model
    )


@pytest.mark.parametrize("model_file", [None, CLINIC_MODEL], ids=["no model file", "model file"])
async def test_what_the_clinic_is_told_mentions_no_restaurant(
    clinic_db: Path, tmp_path: Path, model_file: str | None
) -> None:
    path = None
    if model_file is not None:
        path = tmp_path / "clinic.swoop.yaml"
        path.write_text(model_file)
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{clinic_db}",
        state_url=f"sqlite+aiosqlite:///{tmp_path / 'state.db'}",
        now=SAMPLE_NOW,
        semantic_model=path,
    )
    processor = QueryProcessor(settings)
    try:
        said = {
            text: await processor.process_query_async(
                Message("terminal", "local", "terminal", f"t-{text}", "ann", text)
            )
            for text in ("help", "hello", "", "tell me a joke", "what's our payroll")
        }
        model = (await processor._understanding_async()).model
    finally:
        await processor.dispose_async()
    for text, response in said.items():
        assert response.kind is ResponseKind.HELP, text
        assert not RESTAURANT_WORDS.search(response.text), (text, response.text)
    subjects = topics.subjects_sentence(model)
    assert said["help"].text.startswith(f"I answer questions about {subjects} in plain words.")
    assert said["hello"].text == said[""].text == topics.greeting(model)
    assert said["tell me a joke"].text.endswith(f"I can answer questions about {subjects}.")


async def test_the_subjects_are_the_clinics_tables_without_the_join_table(
    clinic_db: Path, tmp_path: Path
) -> None:
    derived = await load(clinic_db, None, tmp_path)
    assert topics.subject_list(derived.model) == ["appointments", "patients", "doctors"]
    assert topics.subjects_sentence(derived.model) == "appointments, patients and doctors"
    modelled = await load(clinic_db, CLINIC_MODEL, tmp_path)
    assert topics.subject_list(modelled.model) == ["visits", "billing", "patients", "physicians"]
    assert topics.subjects_sentence(modelled.model) == "visits, billing, patients and physicians"


async def test_examples_come_from_the_model_file_when_it_has_them(
    clinic_db: Path, tmp_path: Path
) -> None:
    given = await load(clinic_db, CLINIC_MODEL + CLINIC_EXAMPLES, tmp_path)
    assert topics.example_questions(given.model) == [
        "how many visits last week",
        "billing by physician this month",
    ]
    help_text = topics.help_text(given.model)
    assert "• how many visits last week\n• billing by physician this month" in help_text
    assert topics.greeting(given.model) == (
        "Hi! Ask me about your data, for example “how many visits last week”."
    )


async def test_every_example_is_answered(clinic: Understanding) -> None:
    examples = topics.example_questions(clinic.model)
    assert len(examples) >= 2
    for question in examples:
        outcome = clinic.understand(question, None)
        assert isinstance(outcome, Answerable), (question, outcome)
        assert outcome.unused == ()


async def test_the_sample_model_keeps_its_own_examples(sample_db: Path) -> None:
    data = DataAccess(f"sqlite+aiosqlite:///{sample_db}")
    try:
        sample = await Understanding.load_async(
            data, Path(f"{sample_db}.swoop.yaml"), now=datetime(2025, 6, 15, 12)
        )
    finally:
        await data.dispose_async()
    assert topics.subject_list(sample.model)[:2] == ["orders", "sales"]
    assert "ratings" in topics.subject_list(sample.model)
    assert "order items" not in topics.subject_list(sample.model)  # a join table
    assert len(topics.subject_list(sample.model)) <= topics.MAX_SUBJECTS
    for question in topics.example_questions(sample.model):
        assert isinstance(sample.understand(question, None), Answerable), question


def test_without_a_model_the_texts_are_generic() -> None:
    assert topics.subjects_sentence(None) == "your data"
    assert topics.example_questions(None) == []
    assert topics.greeting(None) == topics.DEFAULT_GREETING
    assert topics.error_hints(None) == {}
    assert "your data" in topics.help_text(None)


@pytest.mark.parametrize(
    ("label", "plural"),
    [("patient", "patients"), ("visits", "visits"), ("pharmacy", "pharmacies"),
     ("day", "days"), ("box", "boxes"), ("lab result", "lab results")],
)  # fmt: skip
def test_plural(label: str, plural: str) -> None:
    assert topics.plural(label) == plural
