"""Typos in the words Swoop knows ("revnue last wek" → "revenue last week").

A word is left alone when it is English (pyspellchecker's word list, so "dinner" never becomes
"diner") or one of the model's own words; anything else is replaced by the closest word of the
model's vocabulary (metrics, tables, values, time words) when that one is close enough.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein
from spellchecker import SpellChecker

WORD = re.compile(r"[a-z]+")
MIN_LENGTH = 3
CUTOFF_SHORT = 85.0  # 3-4 letters: "wek" → "week"
CUTOFF_LONG = 80.0  # 5+ letters: "revnue" → "revenue"


@lru_cache(maxsize=1)
def english() -> SpellChecker:
    """The English word list (loaded once per process; ~0.2 s)."""
    return SpellChecker(distance=1)


class Speller:
    """Corrects unknown words towards a fixed vocabulary."""

    def __init__(self, vocabulary: Iterable[str]) -> None:
        self._vocabulary = sorted({w for w in vocabulary if len(w) >= MIN_LENGTH and w.isalpha()})
        self._known = set(self._vocabulary)
        self._english = english()
        self._cache: dict[str, str] = {}

    def correct(self, text: str) -> str:
        return WORD.sub(lambda m: self._word(m.group(0)), text)

    def _word(self, word: str) -> str:
        if len(word) < MIN_LENGTH or word in self._known:
            return word
        if word in self._cache:
            return self._cache[word]
        fixed = word
        if not self._english.known([word]):
            swapped = {  # "mnay", "ordres": two letters swapped
                found
                for found, _, _ in process.extract(
                    word, self._vocabulary, scorer=DamerauLevenshtein.distance, limit=3
                )
                if len(found) == len(word)
                and sorted(found) == sorted(word)
                and DamerauLevenshtein.distance(word, found) == 1
            }
            cutoff = CUTOFF_SHORT if len(word) < 5 else CUTOFF_LONG
            best = process.extract(word, self._vocabulary, scorer=fuzz.ratio, limit=3)
            top = [found for found, score, _ in best if score == best[0][1]] if best else []
            if len(top) > 1:  # a tie: "sals" is "sales" rather than "salsa" (same last letter)
                top = [found for found in top if found[-1] == word[-1]]
            if len(swapped) == 1:
                fixed = swapped.pop()
            elif best and best[0][1] >= cutoff and len(top) == 1:
                fixed = top[0]
        self._cache[word] = fixed
        return fixed
