"""Fuzzy matching of the values people name ("cesar salad", "pebble creek", "cancelled").

The index holds the sampled values of entity columns and the labels of coded columns (order
statuses, types). A phrase matches a value exactly (ignoring case, punctuation and plurals),
fuzzily (a typo: rapidfuzz ``ratio`` ≥ ``FUZZY_CUTOFF``), or partly (its words are some of the
value's words: "pebble creek" → "Pebble Creek Golf Club"). Several partial or equally close
matches make the match ambiguous, which becomes a clarification rather than a guess.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process

from bot.understanding.model import SemanticModel, singular

FUZZY_CUTOFF = 86.0
TIE_MARGIN = 3.0
MAX_PHRASE_WORDS = 5
TOKEN = re.compile(r"[a-z0-9][a-z0-9'&]*")


def normalize(text: str) -> str:
    """Lower case, words only, each word singular: ``"Caesar Salads!"`` → ``"caesar salad"``."""
    return " ".join(singular(t.strip("'")) for t in TOKEN.findall(text.lower().replace("-", " ")))


@dataclass(frozen=True)
class Entity:
    """One value of one column: ``items.name = 'Caesar Salad'`` or ``orders.status = 6``."""

    column: str
    value: Any
    label: str


@dataclass(frozen=True)
class EntityMatch:
    """The words at ``span`` (token positions) name one of ``candidates``."""

    span: tuple[int, int]
    text: str
    candidates: tuple[Entity, ...]
    how: str  # exact, fuzzy, partial

    @property
    def ambiguous(self) -> bool:
        return len(self.candidates) > 1


class EntityIndex:
    """All nameable values of a semantic model, ready for matching phrases."""

    def __init__(self, model: SemanticModel, *, reserved: Iterable[str] = ()) -> None:
        self._exact: dict[str, list[Entity]] = defaultdict(list)
        for column in model.entity_columns():
            for value in column.values:
                self._add(normalize(value), Entity(column.qualified, value, value))
        for table in model.tables.values():
            for column in table.columns.values():
                for code, label in column.codes.items():
                    entity = Entity(column.qualified, code, label)
                    self._add(normalize(label), entity)
                    for synonym in column.code_synonyms.get(code, ()):
                        self._add(normalize(synonym), entity)
        self._choices = list(self._exact)
        self._tokens = {key: set(key.split()) for key in self._choices}
        word_counts: dict[str, int] = defaultdict(int)
        for words in self._tokens.values():
            for word in words:
                word_counts[word] += 1
        self._reserved = {normalize(w) for w in reserved} | set(model.generic_words)
        self._word_counts = word_counts

    @property
    def words(self) -> frozenset[str]:
        """Every word of every value (for spelling correction)."""
        return frozenset(word for words in self._tokens.values() for word in words)

    def _add(self, key: str, entity: Entity) -> None:
        if key and entity not in self._exact[key]:
            self._exact[key].append(entity)

    def __len__(self) -> int:
        return len(self._choices)

    def find(self, text: str, *, skip: Iterable[str] = ()) -> list[EntityMatch]:
        """Values named in ``text``, longest phrases first, each word used at most once."""
        tokens = [singular(t.strip("'")) for t in TOKEN.findall(text.lower().replace("-", " "))]
        blocked = set(skip) | self._reserved
        used = [False] * len(tokens)
        matches: list[EntityMatch] = []
        for size in range(min(MAX_PHRASE_WORDS, len(tokens)), 0, -1):
            for how in ("exact", "fuzzy", "partial"):
                for start in range(len(tokens) - size + 1):
                    if any(used[start : start + size]):
                        continue
                    words = tokens[start : start + size]
                    if words[0] in STOPWORDS or words[-1] in STOPWORDS:
                        continue
                    if how != "exact" and all(w in blocked or w.isdigit() for w in words):
                        continue
                    found = self._match(" ".join(words), how, blocked)
                    if found:
                        used[start : start + size] = [True] * size
                        matches.append(
                            EntityMatch((start, start + size), " ".join(words), found, how)
                        )
        return sorted(matches, key=lambda m: m.span)

    def _match(self, phrase: str, how: str, blocked: set[str]) -> tuple[Entity, ...]:
        if how == "exact":
            return tuple(self._exact.get(phrase, ()))
        if how == "fuzzy":
            if len(phrase) < 5:
                return ()
            scored = process.extract(
                phrase, self._choices, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=5
            )
            if not scored:
                return ()
            best = scored[0][1]
            keys = [key for key, score, _ in scored if best - score <= TIE_MARGIN]
            return tuple(dict.fromkeys(e for key in keys for e in self._exact[key]))
        words = phrase.split()
        if any(w in blocked or w in STOPWORDS for w in words) or all(len(w) < 3 for w in words):
            return ()
        keys = [key for key in self._choices if all(self._contains(key, w) for w in words)]
        if not keys:
            return ()
        return tuple(dict.fromkeys(e for key in keys for e in self._exact[key]))

    def _contains(self, key: str, word: str) -> bool:
        tokens = self._tokens[key]
        if word in tokens:
            return True
        return len(word) >= 5 and any(fuzz.ratio(word, t) >= FUZZY_CUTOFF for t in tokens)


STOPWORDS = frozenset(
    """a an the and or of for in on at to by with from per each every all any our we us i me my
    you your is are was were be been do does did have has had how many much what which who whom
    when where why show list give tell get me please can could would should will it its this that
    these those there their than then as vs versus about also just only not no yes ok okay more
    most less least top bottom best worst sold sell selling sale""".split()  # noqa: SIM905
)
