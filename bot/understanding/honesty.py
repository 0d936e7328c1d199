"""Every word accounted for: what the reading left over, and what that means for the answer.

After the parser has consumed what it understood, the words left in the question fall in three
groups: free words (stop words, politeness, question verbs: they mean nothing for the data),
meaningful words (a schema term, a known value, a number, a time or comparison word, an unknown
content word) that no part of the plan used, and noise (no English word, no word of the model:
a typo of nothing). A data answer is given only while no meaningful word is left over; noise may
be left out, but it is named in the explanation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.understanding.entities import STOPWORDS, EntityIndex, normalize
from bot.understanding.interpretation import Interpretation
from bot.understanding.model import SemanticModel, singular
from bot.understanding.plan import QueryPlan
from bot.understanding.reading import Reading
from bot.understanding.spelling import english
from bot.understanding.time_words import TIME_VOCABULARY
from bot.understanding.vocabulary import AGGREGATE_WORDS, Vocabulary, stem

LEFT_TOKEN = re.compile(r"\$?\d[\d,.]*%?|[a-z][a-z'&-]*|[%#$]")

# Words that carry no meaning for the data in a question: function words, politeness, filler and
# the verbs questions are put with. General English, never a domain's words.
_FREE = STOPWORDS | frozenset(
    """hi hey hello please pls plz thanks thank thx cheers quick quickly real really actually
    exactly roughly approximately about around so far like um uh hmm ok okay yeah yep well
    guys team folks mate there here now currently right just overall altogether total in-total
    whole entire everything anything something stuff things thing kind sort type lot lots
    got get gets getting give gimme giving go going went gone want wanted need needed know
    see look looking find found check tell telling say show showing list listing display pull
    up down out off over into onto through been being am isn't wasn't aren't weren't don't didn't
    doesn't haven't hasn't hadn't can't couldn't won't would've i'd i'm we're we've we'd let's
    lets let make made doing done happen happened happening occur occurred come came
    take took put placed place places were was is are be having has have had do does did
    able possible may might must shall ever yet still already again also too either neither
    both same such own other another some few several much many more most very
    total totals number numbers count counts amount figure figures value values stats
    statistics data info information details report summary breakdown rundown overview
    recap what's whats what're who's how's hows where's when's which's that's thats there's
    theres it's its here's one ones'""".split()  # noqa: SIM905
)

# Words that ask for a calculation: left over, they mean the answer would ignore what was asked.
CALCULATION_WORDS = frozenset(
    """share percent percentage percentages pct % ratio rate rates fraction proportion portion
    growth grow grew grown increase increased decrease decreased drop dropped change changed
    difference differ delta trend trending up down higher lower rise rose fell fall
    never nobody none nothing without haven't hasn't didn't not no havent hasnt didnt dont
    doesnt wasnt werent isnt arent
    first last new returning repeat lapsed churned loyal regular regulars once twice times
    median percentile running cumulative per each every average mean typical
    before after between since until till morning afternoon evening night lunch breakfast
    brunch dinner noon midnight am pm o'clock oclock late early rush during tonight overnight
    weekend weekends weekday weekdays most least top bottom best worst highest lowest more less
    fewer only""".split()  # noqa: SIM905
)
FREE_WORDS = _FREE - CALCULATION_WORDS
TIME_OF_DAY = re.compile(r"^\d{1,2}(:\d\d)?(am|pm)$|^(am|pm|noon|midnight|o'?clock)$")


@dataclass(frozen=True)
class Leftover:
    """One word nothing used, and why it matters (``why`` is empty for noise)."""

    word: str
    why: str  # "" noise; else value, schema, number, time, calculation, vague, unknown
    start: int = -1  # where in the question (-1: a part the planner dropped)


class Accountant:
    """Sorts what a reading left over into free words, meaningful words and noise."""

    def __init__(self, model: SemanticModel, vocabulary: Vocabulary, index: EntityIndex) -> None:
        self._model = model
        self._schema = vocabulary.reserved | {w for words in AGGREGATE_WORDS for w in words.split()}
        self._values = index.words
        self._english = english()
        self._stems: dict[str, frozenset[str]] = {}

    def leftovers(self, reading: Reading) -> list[Leftover]:
        named = {
            word
            for match, _ in reading.conditions.entities
            for entity in match.candidates
            for word in normalize(entity.label).split()
        }  # the rest of a name said in full ("terrace room")
        found = [
            Leftover(token.group(0), why, token.start())
            for token in LEFT_TOKEN.finditer(reading.text)
            if singular(token.group(0)) not in named
            and (why := self._why(token.group(0))) is not None
        ]
        found += [Leftover(words, why) for words, why in reading.dropped]
        return found

    def interpret(self, reading: Reading, plan: QueryPlan | None = None) -> Interpretation:
        return self.account(reading, plan)[0]

    def account(
        self, reading: Reading, plan: QueryPlan | None = None
    ) -> tuple[Interpretation, list[Leftover]]:
        """The interpretation, and the meaningful leftovers with why each one matters."""
        said = self._plan_words(plan) if plan is not None else set()
        left = [
            item
            for item in self.leftovers(reading)
            if item.start < 0 or stem(item.word) not in said  # parts dropped stay dropped
        ]
        meaningful = [item for item in left if item.why]
        interpretation = Interpretation(
            spans=tuple(sorted(reading.spans, key=lambda s: s.start)),
            unused=tuple(item.word for item in meaningful),
            ignored=tuple(item.word for item in left if not item.why),
        )
        return interpretation, meaningful

    def _plan_words(self, plan: QueryPlan) -> set[str]:
        """Stems of every word the model has for what the plan uses: "collect" restates the
        "tax collected" metric, "priced" the price column."""
        keys = [m.key for m in plan.measures]
        keys += [f.column for f in plan.filters] + [d.column for d in plan.dimensions]
        keys += [o.key for o in plan.order_by] + list(plan.columns)
        keys += [m.key.partition(":")[2] for m in plan.measures]
        found: set[str] = set()
        for key in keys:
            if key not in self._stems:
                self._stems[key] = self._stems_of(key)
            found |= self._stems[key]
        return found

    def _stems_of(self, key: str) -> frozenset[str]:
        """Stems of the words the model has for one metric or qualified column."""
        phrases: list[str] = []
        metric = self._model.metrics.get(key)
        if metric is not None:
            phrases += [metric.label, *metric.synonyms]
        table, _, name = key.partition(".")
        spec = self._model.tables.get(table)
        if spec is not None and name in spec.columns:
            phrases += [spec.columns[name].label, *spec.columns[name].synonyms]
        return frozenset(stem(word) for words in phrases for word in words.lower().split())

    def _why(self, word: str) -> str | None:
        """None for a free word, "" for noise, else what kind of meaning the word carries."""
        bare = word.strip("'-&")
        if bare in VAGUE_WORDS:
            return "vague"
        if not bare or bare in FREE_WORDS or word in FREE_WORDS:
            return None
        if bare[0].isdigit() or bare[0] in "$%#":
            return "time" if TIME_OF_DAY.match(bare) else "number"
        if TIME_OF_DAY.match(bare):
            return "time"
        if bare in CALCULATION_WORDS:
            return "calculation"
        base = singular(bare)
        if base in self._schema or bare in self._schema:
            return "schema"
        if base in self._values or bare in self._values:
            return "value"
        if bare in TIME_VOCABULARY:
            return "time"
        if len(bare) < 3:
            return None
        if self._english.known([bare]):
            return "unknown"
        return ""


# -- what to say when a part cannot be used ------------------------------------------------------

# General English that judges rather than names ("doing better", "anything weird"): left over,
# the question is vague, not about data Swoop lacks.
VAGUE_WORDS = frozenset(
    """doing better worse good bad great poor fine okay weird odd strange unusual interesting
    notable wrong performance performing perform perfomance healthy health going went trending
    look looks looking shape busy quiet slow lately recently""".split()  # noqa: SIM905
)

# What Swoop cannot do yet, by the kind of word left over (general English, never a domain's).
_CANNOT_WORDS = (
    ("share percent percentage percentages pct % ratio rate rates fraction proportion portion",
     "I can't work out shares, percentages or rates yet"),
    ("growth grow grew grown increase increased decrease decreased drop dropped change changed "
     "difference differ delta trend trending up down higher lower rise rose fell fall",
     "I can't work out the change between two numbers yet"),
    ("never nobody none nothing without haven't hasn't didn't not no havent hasnt didnt dont "
     "doesnt wasnt werent isnt arent",
     "I can't look for what did not happen yet"),
    ("first new returning repeat lapsed churned loyal regular regulars once twice times",
     "I can't tell new, returning or lapsed customers apart yet"),
    ("median percentile running cumulative per each every average mean typical",
     "I can't work out that kind of average or running total yet"),
    ("before after between since until till morning afternoon evening night lunch breakfast "
     "brunch dinner noon midnight am pm o'clock oclock late early rush during tonight overnight "
     "weekend weekends weekday weekdays",
     "I can't filter by time of day or day of the week yet"),
    ("most least top bottom best worst highest lowest",
     "I couldn't tell what to rank by"),
)  # fmt: skip
CANNOT = tuple((frozenset(words.split()), phrase) for words, phrase in _CANNOT_WORDS)


def as_said(reading: Reading, items: list[Leftover]) -> tuple[str, ...]:
    """The leftover words as the question put them: neighbours joined ("after 8pm")."""
    phrases: list[str] = []
    end = phrase_start = -1
    for item in sorted(items, key=lambda i: i.start):
        if item.start < 0:
            phrases.append(item.word)
            continue
        stop = item.start + len(item.word)
        if phrases and end >= 0 and not reading.corrected[end : item.start].strip():
            phrases[-1] = reading.corrected[phrase_start:stop]
        else:
            phrase_start = item.start
            phrases.append(item.word)
        end = stop
    return tuple(phrases)


def cannot_phrase(words: tuple[str, ...], said: tuple[str, ...] = ()) -> str:
    """What Swoop cannot do with ``words``, said plainly: "I can't filter by time of day yet,
    so I couldn't use “after 8 pm”."."""
    reason = next(
        (
            phrase
            for group, phrase in CANNOT
            for said in words
            for word in said.split()
            if word in group
        ),
        "I can't filter by time of day or day of the week yet"
        if any(TIME_OF_DAY.match(word) for word in words)
        else None,
    )
    shown = quoted(said or words)
    if reason is None:
        return f"I couldn't use {shown} in this question."
    return f"{reason}, so I couldn't use {shown}."


def quoted(phrases: tuple[str, ...]) -> str:
    return ", ".join(f"“{phrase}”" for phrase in phrases)


# Words after which an unknown word is a verb ("rivers run through", "we pay"), not a thing.
SUBJECT_PRONOUNS = frozenset({"we", "they", "i", "you", "he", "she", "it", "who"})
NAMING_SPANS = frozenset({"schema", "metric", "value"})
VERB_SUBJECTS = frozenset({"schema", "metric"})  # a value before a word modifies it: "food cost"


def names_a_thing(reading: Reading, item: Leftover) -> bool:
    """Whether an unknown word stands where a thing is named ("which server", "payroll for
    june", "marketing spend") rather than where a verb is ("how many rivers run through").

    It is a verb when it follows a pronoun or a named table or metric, unless a named one
    follows it (a modifier: "staff hours"); after a value it is a thing ("food cost")."""
    if item.start < 0:
        return True
    before = [t for t in LEFT_TOKEN.finditer(reading.corrected) if t.end() <= item.start]
    after = next(
        (t for t in LEFT_TOKEN.finditer(reading.corrected) if t.start() > item.start), None
    )
    if after is not None and _named_at(reading, after.start()):
        return True
    if not before:
        return True
    previous = before[-1]
    after_noun = _named_at(reading, previous.start(), VERB_SUBJECTS)  # "rivers run"
    return not (previous.group(0) in SUBJECT_PRONOUNS or after_noun)  # not "food cost"


def _named_at(reading: Reading, position: int, kinds: frozenset[str] = NAMING_SPANS) -> bool:
    return any(span.kind in kinds and span.start <= position < span.end for span in reading.spans)
