"""Fuzzy matching of the values people name ("cesar salad", "pebble creek", "cancelled").

The index holds the sampled values of entity columns and the labels of coded columns (order
statuses, types). A phrase matches a value exactly (ignoring case, punctuation and plurals),
fuzzily (a typo: rapidfuzz ``ratio`` ≥ ``FUZZY_CUTOFF``), or partly (its words are some of the
value's words: "pebble creek" → "Pebble Creek Golf Club"). Several partial or equally close
matches make the match ambiguous, which becomes a clarification rather than a guess.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process

from bot.understanding.model import SemanticModel, singular
from bot.understanding.spelling import english

FUZZY_CUTOFF = 86.0
TIE_MARGIN = 3.0
MAX_PHRASE_WORDS = 5
TOKEN = re.compile(r"[a-z0-9][a-z0-9'&]*")


def fold(text: str) -> str:
    """Lower case without accents: ``"Crème Brûlée"`` → ``"creme brulee"``."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalize(text: str) -> str:
    """Lower case, words only, each word singular: ``"Caesar Salads!"`` → ``"caesar salad"``."""
    return " ".join(singular(t.strip("'")) for t in TOKEN.findall(fold(text).replace("-", " ")))


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
    alternatives: tuple[Entity, ...] = ()  # values the same words name partly (other columns)

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
        self._reserved = {normalize(w) for w in reserved} | set(model.generic_words)
        self._low = {
            f"{t.name}.{c}" for t in model.tables.values() if t.match_priority == "low"
            for c in t.columns
        }  # fmt: skip
        self._english = english()
        self._english_cache: dict[str, bool] = {}
        self._partial_cache: dict[str, set[str]] = {}
        self._by_word: dict[str, set[str]] = defaultdict(set)
        for key, tokens in self._tokens.items():
            for token in tokens:
                self._by_word[token].add(key)
        self._token_list = sorted(self._by_word)

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
        said = [t.strip("'") for t in TOKEN.findall(text.lower().replace("-", " "))]
        tokens = [singular(t) for t in said]
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
                    phrase = " ".join(words)
                    found = self._match(phrase, how, blocked)
                    if how == "exact" and phrase in blocked:
                        # "price" is a word of the model before it is Mr Price's surname.
                        found = tuple(e for e in found if e.column not in self._low)
                    if how == "exact" and any(e.column not in self._low for e in found):
                        # "french fries": the dish before the side of the same name.
                        found = tuple(e for e in found if e.column not in self._low)
                    if found and said[start : start + size] != words:
                        # "greens" names things, not Ms Green (a low-priority name said as is)
                        spoken = set(said[start : start + size])
                        found = tuple(
                            e
                            for e in found
                            if e.column not in self._low or spoken <= set(fold(e.label).split())
                        )
                    if found:
                        used[start : start + size] = [True] * size
                        others = self._match(phrase, "partial", blocked) if how == "exact" else ()
                        alternatives = tuple(e for e in others if e.column != found[0].column)
                        if found[0].column in self._low and alternatives:
                            found, how = (*found, *alternatives), "partial"
                        matches.append(
                            EntityMatch((start, start + size), phrase, found, how, alternatives)
                        )
        return sorted(matches, key=lambda m: m.span)

    def _match(self, phrase: str, how: str, blocked: set[str]) -> tuple[Entity, ...]:
        if how == "exact":
            return tuple(self._exact.get(phrase, ()))
        if how == "fuzzy":
            if len(phrase) < 5 or (" " not in phrase and self._is_english(phrase)):
                return ()  # a real word is not a typo of another ("collect" ≠ "collected")
            scored = process.extract(
                phrase, self._choices, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=5
            )
            if not scored:
                return ()
            best = scored[0][1]
            close = [key for key, score, _ in scored if best - score <= TIE_MARGIN]
            return tuple(dict.fromkeys(e for key in close for e in self._exact[key]))
        words = phrase.split()
        if any(w in blocked or w in STOPWORDS for w in words) or all(len(w) < 3 for w in words):
            return ()
        keys: set[str] | None = None
        for word in words:
            holding = self._keys_with(word)
            keys = holding if keys is None else keys & holding
            if not keys:
                return ()
        ordered = [key for key in self._choices if key in (keys or ())]
        return tuple(dict.fromkeys(e for key in ordered for e in self._exact[key]))

    def _keys_with(self, word: str) -> set[str]:
        """Values having ``word`` among their words (or, for a non-English word, a close one)."""
        cached = self._partial_cache.get(word)
        if cached is not None:
            return cached
        keys = set(self._by_word.get(word, ()))
        if len(word) >= 5 and not self._is_english(word):
            for token, _, _ in process.extract(
                word, self._token_list, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=5
            ):
                keys |= self._by_word[token]
        self._partial_cache[word] = keys
        return keys

    def _is_english(self, word: str) -> bool:
        known = self._english_cache.get(word)
        if known is None:
            known = self._english_cache[word] = bool(self._english.known([word]))
        return known


STOPWORDS = frozenset(
    """a an the and or of for in on at to by with from per each every all any our we us i me my
    you your is are was were be been do does did have has had how many much what which who whom
    when where why show list give tell get me please can could would should will it its this that
    these those there their than then as vs versus about also just only not no yes ok okay more
    most less least top bottom best worst sold sell selling sale""".split()  # noqa: SIM905
)
