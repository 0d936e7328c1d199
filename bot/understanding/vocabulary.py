"""The words of a semantic model, compiled for the parser: metrics, tables, breakdowns.

Built once per model. Every phrase is normalised like questions are (lower case, singular words),
and longer phrases win over shorter ones ("average order value" before "order").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypeVar

from bot.understanding.entities import normalize
from bot.understanding.model import SemanticModel, humanize

T = TypeVar("T")

# Breakdown words for a time column, and the grain each one means.
GRAIN_WORDS: dict[str, str] = {
    "hour of day": "hour", "hour of the day": "hour", "time of day": "hour", "hour": "hour",
    "hourly": "hour", "day of week": "weekday", "day of the week": "weekday",
    "weekday": "weekday", "week day": "weekday", "day": "day", "daily": "day", "date": "day",
    "week": "week", "weekly": "week", "month": "month", "monthly": "month",
    "quarter": "quarter", "quarterly": "quarter", "year": "year", "yearly": "year",
    "annual": "year",
}  # fmt: skip

# Aggregates over a numeric column: "average price", "highest tip", "total tax".
AGGREGATE_WORDS: dict[str, str] = {
    "average": "avg", "avg": "avg", "mean": "avg", "typical": "avg",
    "total": "sum", "sum of": "sum", "sum": "sum",
    "highest": "max", "maximum": "max", "max": "max", "largest": "max", "biggest": "max",
    "most expensive": "max", "priciest": "max",
    "lowest": "min", "minimum": "min", "min": "min", "smallest": "min", "cheapest": "min",
    "least expensive": "min",
}  # fmt: skip


@dataclass(frozen=True)
class Phrase:
    words: str  # normalised
    pattern: re.Pattern[str]


def _plural_tolerant(word: str) -> str:
    if word.endswith("y") and len(word) > 2:
        return re.escape(word[:-1]) + "(?:y|ies)"
    return re.escape(word) + "(?:s|es)?"


def phrase(words: str) -> Phrase:
    """A phrase matched in cleaned question text, singular or plural, hyphen or space."""
    norm = normalize(words)
    body = r"[\s-]+".join(_plural_tolerant(w) for w in norm.split())
    return Phrase(norm, re.compile(rf"(?<![a-z0-9]){body}(?![a-z0-9])"))


@dataclass(frozen=True)
class DimensionTarget:
    """What a breakdown word points at: a table's naming columns, a column, or a time grain."""

    table: str | None = None
    column: str | None = None  # qualified
    grain: str | None = None


class Vocabulary:
    """Phrase tables of one semantic model."""

    def __init__(self, model: SemanticModel) -> None:
        self.model = model
        self.metrics: list[tuple[Phrase, str]] = []
        taken: set[str] = set()
        # Synonyms first: when two metrics share a phrase ("rating"), the one that lists it as a
        # synonym wins over the one whose label merely spells it.
        for metric in model.metrics.values():
            for words in metric.synonyms:
                p = phrase(words)
                if p.words not in taken:
                    taken.add(p.words)
                    self.metrics.append((p, metric.name))
        for metric in model.metrics.values():
            for words in {metric.name, humanize(metric.name), metric.label}:
                p = phrase(words)
                if p.words not in taken:
                    taken.add(p.words)
                    self.metrics.append((p, metric.name))
        self.tables: list[tuple[Phrase, str]] = []
        for table in model.tables.values():
            for words in table.words:
                self.tables.append((phrase(words), table.name))
        self.dimensions: list[tuple[Phrase, DimensionTarget]] = []
        for words, grain in GRAIN_WORDS.items():
            self.dimensions.append((phrase(words), DimensionTarget(grain=grain)))
        for table in model.tables.values():
            for column in table.columns.values():
                if column.codes:
                    for words in {column.label, humanize(column.name), *column.synonyms}:
                        self.dimensions.append(
                            (phrase(words), DimensionTarget(column=column.qualified))
                        )
            if table.shown_columns:
                for words in table.words:
                    self.dimensions.append((phrase(words), DimensionTarget(table=table.name)))
        self.columns: list[tuple[Phrase, str]] = []
        for table in model.tables.values():
            for column in table.columns.values():
                if column.is_numeric:
                    for words in {column.label, humanize(column.name), *column.synonyms}:
                        self.columns.append((phrase(words), column.qualified))
        for table_list in (self.metrics, self.tables, self.dimensions, self.columns):
            table_list.sort(key=lambda item: len(item[0].words), reverse=True)
        self.words = frozenset(
            word
            for table_list in (self.metrics, self.tables, self.dimensions, self.columns)
            for p, _ in table_list
            for word in p.words.split()
        ) | {w for words in AGGREGATE_WORDS for w in words.split()}
        self.reserved = frozenset(
            word
            for table_list in (self.metrics, self.tables, self.dimensions, self.columns)
            for p, _ in table_list
            for word in p.words.split()
        )

    def find_metric(self, text: str) -> tuple[str, tuple[int, int]] | None:
        return _first(self.metrics, text)

    def find_table(self, text: str) -> tuple[str, tuple[int, int]] | None:
        return _first(self.tables, text)

    def find_dimension(self, text: str) -> tuple[DimensionTarget, tuple[int, int]] | None:
        return _first(self.dimensions, text)

    def find_column(self, text: str) -> tuple[str, tuple[int, int]] | None:
        return _first(self.columns, text)


def _first(table: list[tuple[Phrase, T]], text: str) -> tuple[T, tuple[int, int]] | None:
    """The longest phrase of ``table`` found in ``text`` (earliest on ties)."""
    best: tuple[T, tuple[int, int]] | None = None
    best_len = 0
    for p, value in table:
        if len(p.words) < best_len:
            break
        match = p.pattern.search(text)
        if match and (best is None or match.start() < best[1][0] or len(p.words) > best_len):
            best, best_len = (value, match.span()), len(p.words)
    return best
