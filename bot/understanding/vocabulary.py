"""The words of a semantic model, compiled for the parser: metrics, tables, breakdowns.

Built once per model. Every phrase is normalised like questions are (lower case, singular words),
and longer phrases win over shorter ones ("average order value" before "order").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, TypeVar

from bot.understanding.entities import normalize
from bot.understanding.model import SemanticModel, humanize, singular

T = TypeVar("T")
SUM_OF = re.compile(r"SUM\(([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)\)", re.IGNORECASE)
WORD_TOKEN = re.compile(r"[a-z0-9][a-z0-9'&]*")

# Breakdown words for a time column, and the grain each one means.
GRAIN_WORDS: dict[str, str] = {
    "hour of day": "hour", "hour of the day": "hour", "time of day": "hour", "hour": "hour",
    "hourly": "hour", "day of week": "weekday", "day of the week": "weekday",
    "weekday": "weekday", "week day": "weekday", "day": "day", "daily": "day", "date": "day",
    "week": "week", "weekly": "week", "month": "month", "monthly": "month",
    "quarter": "quarter", "quarterly": "quarter", "year": "year", "yearly": "year",
    "annual": "year",
}  # fmt: skip

# Words for "a number" in general: never one metric because one column is called so.
MEASURE_WORDS = frozenset({"count", "number", "amount", "total", "value", "sum", "figure"})

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
    words: str  # normalised: lower case, singular words


def phrase(words: str) -> Phrase:
    """A phrase as questions are matched against it (singular or plural, hyphen or space)."""
    return Phrase(normalize(words))


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
        # The column a metric sums, said on its own ("by quantity"), is that metric.
        for metric in model.metrics.values():
            summed = SUM_OF.fullmatch(metric.expr.strip())
            if summed is None or metric.filters:
                continue
            spec = model.tables.get(summed.group(1))
            column = spec.columns.get(summed.group(2)) if spec else None
            if column is None:
                continue
            for words in {column.label, humanize(column.name), *column.synonyms}:
                p = phrase(words)
                if p.words not in taken | MEASURE_WORDS and p.words not in AGGREGATE_WORDS:
                    taken.add(p.words)
                    self.metrics.append((p, metric.name))
        # Rows of a table that happen in time ("appointments") are a number too: the model's
        # metric counting them, else a count: "appointments by doctor", "top doctors by visits".
        for table in model.tables.values():
            if not (table.time_column and table.primary_key):
                continue
            counted = model.count_metric(table.name) or f"count:{table.name}"
            for words in table.words:
                p = phrase(words)
                if p.words not in taken:
                    taken.add(p.words)
                    self.metrics.append((p, counted))
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
        # Words naming a descriptive text column ("phone number", "email"): shown when asked.
        self.text_columns: list[tuple[Phrase, str]] = []
        for table in model.tables.values():
            for column in table.columns.values():
                if (
                    column.kind == "text"
                    and not column.codes
                    and column.foreign_key is None
                    and column.name not in table.primary_key
                    and column.name not in table.shown_columns
                ):
                    for words in {column.label, humanize(column.name), *column.synonyms}:
                        self.text_columns.append((phrase(words), column.qualified))
        self._text_columns = PhraseTable(self.text_columns)
        # Words naming a table's time column ("signed up", "order date"): with a time range
        # said, they only say which column the range is about.
        self.time_words: list[tuple[Phrase, str]] = []
        for table in model.tables.values():
            if table.time_column and table.time_column in table.columns:
                column = table.columns[table.time_column]
                for words in {column.label, humanize(column.name), *column.synonyms}:
                    self.time_words.append((phrase(words), column.qualified))
        self._time_words = PhraseTable(self.time_words)
        for table_list in (self.metrics, self.tables, self.dimensions, self.columns):
            table_list.sort(key=lambda item: len(item[0].words), reverse=True)
        self._metrics = PhraseTable(self.metrics)
        self._metric_stems: dict[str, str] = {}
        for p, name in reversed(self.metrics):  # the first phrase of a stem wins
            if " " not in p.words and not name.startswith("count:"):
                self._metric_stems[stem(p.words)] = name
        self._tables = PhraseTable(self.tables)
        self._dimensions = PhraseTable(self.dimensions)
        self._columns = PhraseTable(self.columns)
        self.words = frozenset(
            word
            for table_list in (self.metrics, self.tables, self.dimensions, self.columns)
            for p, _ in table_list
            for word in p.words.split()
        ) | {w for words in AGGREGATE_WORDS for w in words.split()}
        # Words naming rows (tables) or time buckets: their plural asks for several rows.
        self.row_words = frozenset(
            word for table_list in (self.tables,) for p, _ in table_list for word in p.words.split()
        ) | {p.words for p, target in self.dimensions if target.grain}
        self.reserved = frozenset(
            word
            for table_list in (self.metrics, self.tables, self.dimensions, self.columns)
            for p, _ in table_list
            for word in p.words.split()
        )

    def text_column_phrases(self, text: str) -> list[tuple[str, tuple[int, int]]]:
        """Every phrase of ``text`` naming a descriptive text column."""
        return self._text_columns.all(text)

    def time_column_phrases(self, text: str) -> list[tuple[str, tuple[int, int]]]:
        """Every phrase of ``text`` naming a time column."""
        return self._time_words.all(text)

    def metric_by_stem(self, text: str) -> tuple[str, tuple[int, int]] | None:
        """A metric's one-word name said as another form of it ("rated" for "rating")."""
        for match in WORD_TOKEN.finditer(text):
            name = self._metric_stems.get(stem(match.group(0)))
            if name is not None and len(match.group(0)) > 3:
                return name, match.span()
        return None

    def metrics_in(self, text: str) -> list[tuple[str, tuple[int, int]]]:
        """Every metric phrase of ``text``, left to right."""
        return self._metrics.all(text)

    def tables_in(self, text: str) -> list[tuple[str, tuple[int, int]]]:
        return self._tables.all(text)

    def find_metric(self, text: str) -> tuple[str, tuple[int, int]] | None:
        return self._metrics.first(text)

    def find_table(self, text: str) -> tuple[str, tuple[int, int]] | None:
        return self._tables.first(text)

    def find_dimension(self, text: str) -> tuple[DimensionTarget, tuple[int, int]] | None:
        return self._dimensions.first(text)

    def find_column(self, text: str) -> tuple[str, tuple[int, int]] | None:
        return self._columns.first(text)

    def dimension_at_start(self, text: str) -> tuple[DimensionTarget, tuple[int, int]] | None:
        return self._dimensions.at_start(text)

    def metric_at_start(self, text: str) -> tuple[str, tuple[int, int]] | None:
        return self._metrics.at_start(text)

    def column_ending_at(self, text: str) -> tuple[str, int] | None:
        """The numeric column named right at the end of ``text`` ("... with a tip"), and where
        its words start."""
        return self._columns.ending_at_end(text)


def stem(word: str) -> str:
    """A crude stem, enough to see that "collect", "collected" and "collecting" are one word."""
    for suffix in ("ing", "ed", "es", "s", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


@lru_cache(maxsize=256)
def _tokens(text: str) -> tuple[tuple[str, int, int], ...]:
    """The singular words of ``text`` and where each is (read by every phrase table)."""
    return tuple((singular(m.group(0)), m.start(), m.end()) for m in WORD_TOKEN.finditer(text))


class PhraseTable(Generic[T]):
    """Phrases indexed by their first word: one pass over the question's words finds the
    earliest phrase and, among those starting there, the longest."""

    def __init__(self, entries: list[tuple[Phrase, T]]) -> None:
        self._by_first: dict[str, list[tuple[tuple[str, ...], T]]] = {}
        for p, value in sorted(entries, key=lambda item: len(item[0].words), reverse=True):
            words = tuple(p.words.split())
            if words:
                self._by_first.setdefault(words[0], []).append((words, value))

    def _scan(self, text: str, *, only_start: bool = False) -> list[tuple[T, tuple[int, int]]]:
        tokens = _tokens(text)
        found: list[tuple[T, tuple[int, int]]] = []
        for i, (word, start, _) in enumerate(tokens):
            if only_start and start > len(text) - len(text.lstrip()):
                break
            for words, value in self._by_first.get(word, ()):
                end = i + len(words)
                if end <= len(tokens) and all(tokens[i + k][0] == w for k, w in enumerate(words)):
                    found.append((value, (start, tokens[end - 1][2])))
                    break
            if only_start:
                break
        return found

    def all(self, text: str) -> list[tuple[T, tuple[int, int]]]:
        return self._scan(text)

    def first(self, text: str) -> tuple[T, tuple[int, int]] | None:
        found = self._scan(text)
        return found[0] if found else None

    def at_start(self, text: str) -> tuple[T, tuple[int, int]] | None:
        found = self._scan(text, only_start=True)
        return found[0] if found else None

    def ending_at_end(self, text: str) -> tuple[T, int] | None:
        """The earliest phrase followed by nothing but spaces, and where it starts."""
        for value, (start, end) in self._scan(text):
            if not text[end:].strip():
                return value, start
        return None
